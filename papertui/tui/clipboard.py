"""Copying text with the system's clipboard tool, when there is one.

No Textual here. The app always hands copied text to the terminal too (OSC 52), but tmux
and many terminals drop that by default; where ``wl-copy`` (Wayland), ``xclip`` (X11) or
``pbcopy`` (macOS) is installed, the text goes through it as well. The tool is run directly
(an argument list, never a shell), with the text on its standard input, from a worker
thread (it may take a moment).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

__all__ = ["TOOLS", "clipboard_tool", "copy_with_tool"]

TOOLS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("wl-copy", (), "WAYLAND_DISPLAY"),
    ("xclip", ("-selection", "clipboard"), "DISPLAY"),
    ("pbcopy", (), None),
)
"""``(program, arguments, display variable)``: a program is used only where its display
variable is set (an ``xclip`` without an X display would fail or hang)."""

TIMEOUT = 3.0
"""Seconds a clipboard tool may take."""


def clipboard_tool() -> list[str] | None:
    """The command line of the first usable clipboard tool, or None."""
    for program, args, display in TOOLS:
        if program == "pbcopy" and sys.platform != "darwin":
            continue
        if display is not None and not os.environ.get(display):
            continue
        path = shutil.which(program)
        if path is not None:
            return [path, *args]
    return None


def copy_with_tool(text: str, command: list[str] | None = None) -> str | None:
    """Copy ``text`` with ``command`` (default: :func:`clipboard_tool`); returns the tool's
    name when it worked, else None (no tool, or it failed)."""
    command = command if command is not None else clipboard_tool()
    if command is None:
        return None
    try:
        done = subprocess.run(
            command,
            input=text.encode("utf-8"),
            stdout=subprocess.DEVNULL,  # xclip keeps serving the selection in a child
            stderr=subprocess.DEVNULL,
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return os.path.basename(command[0]) if done.returncode == 0 else None
