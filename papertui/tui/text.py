"""Making page text safe to paint: no control characters reach the terminal.

The parser already cleans what it imports; this is the UI's own guard, because a terminal
escape in a title would repaint the screen no matter how carefully markup is avoided.
"""

from __future__ import annotations

import re

__all__ = ["clean_block", "clean_line"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters other than tab and newline (C0, DEL, C1)."""


def clean_block(text: str) -> str:
    """``text`` without control characters (newlines and tabs kept)."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def clean_line(text: str) -> str:
    """``text`` on one line: control characters removed, white space runs collapsed."""
    return " ".join(clean_block(text).split())
