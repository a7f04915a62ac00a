"""Making text safe to show: no terminal control reaches the terminal, no invisible
formatting character rearranges what is shown.

The one sanitiser of papertui, used on the way in (page text as it is parsed, notes and tags
as they are typed) and on the way out (everything the CLI prints, the app paints or the
Markdown export writes: stored data may predate a rule, or be edited by hand). Pure, no
imports beyond :mod:`re`: the app's first paint loads it.
"""

from __future__ import annotations

import re

__all__ = [
    "CONTROL",
    "clean_text",
    "display_line",
    "display_text",
    "undecodable_replaced",
    "unsafe_escaped",
]

# Terminal escape sequences, removed whole so that no "[31m" is left behind:
#   string sequences (OSC, DCS, SOS, PM, APC) up to their terminator (BEL or ST),
#   CSI sequences (ESC [ or the 8-bit CSI) up to their final byte,
#   and two- or three-character ESC sequences.
# Every part is a run over a character class followed by a fixed character, with classes
# chosen so that matching stays linear even on hostile input.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x80-\x9f\n]*(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|\x1b[ -/]*[0-~]"
)

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""What is left of control characters after escape sequences: C0 (except tab and newline),
DEL and C1."""

_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
"""Bidirectional overrides, embeddings, isolates and marks, and zero-width characters: shown
as they are, they reorder or hide parts of a title (``\u202e`` turns ``txt.exe`` around)."""


def clean_text(text: str) -> str:
    """``text`` without terminal control characters, so it cannot repaint or retitle a
    terminal: whole ANSI escape sequences first, then every other C0 and C1 control
    character and DEL. Newline and tab are kept. Text without any is returned as is."""
    if CONTROL.search(text) is None:
        return text
    return CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def display_text(text: str) -> str:
    """``text`` as it is shown: :func:`clean_text`, and without bidirectional controls or
    zero-width characters. Newlines and tabs are kept."""
    text = clean_text(text)
    return _INVISIBLE.sub("", text) if _INVISIBLE.search(text) else text


def display_line(text: str) -> str:
    """``text`` shown on one line: :func:`display_text` with white space runs collapsed."""
    return " ".join(display_text(text).split())


def unsafe_escaped(json_text: str) -> str:
    """JSON text with every control, bidirectional or zero-width character written as a
    ``\\uXXXX`` escape (``json.dumps`` escapes C0 controls but keeps C1 ones, DEL and the
    invisible ones as they are). The same JSON value, safe to print."""
    return _UNSAFE_IN_JSON.sub(_json_escape, json_text)


_UNSAFE_IN_JSON = re.compile(f"{CONTROL.pattern}|{_INVISIBLE.pattern}")


def _json_escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m[0]):04x}"


def undecodable_replaced(text: str) -> str:
    """``text`` with lone surrogates (how Python hands over file names and arguments whose
    bytes are not UTF-8) shown as U+FFFD: such text cannot be printed or stored as UTF-8."""
    if text.isprintable():
        return text  # the common case; surrogates are never printable
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape" if _escapes_only(text) else "replace").decode(
            "utf-8", "replace"
        )
    return text


def _escapes_only(text: str) -> bool:
    """Whether every surrogate in ``text`` is one of ``surrogateescape``'s (U+DC80-U+DCFF)."""
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)
