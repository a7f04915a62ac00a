"""papertui: triage Hugging Face Daily Papers from the terminal.

Importing this package never loads Textual (the CLI imports the TUI only when it opens it).
"""

__version__ = "0.1.0"
