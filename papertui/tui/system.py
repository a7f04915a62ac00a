"""Small questions the app asks the system: is there a browser to open links with.

No Textual here, and nothing that changes anything.
"""

from __future__ import annotations

import webbrowser

__all__ = ["browser_available"]


def browser_available() -> bool:
    """Whether :mod:`webbrowser` has a browser to open links with (no display, no browser:
    ``webbrowser.get()`` raises and ``webbrowser.open`` would silently do nothing)."""
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True
