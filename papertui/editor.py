"""Editing a text in the user's editor (``$VISUAL``, else ``$EDITOR``), as ``git commit``
does: shared by ``papertui note ID`` and the app's "note in $EDITOR" key.

The variable is split like a shell would split it (``EDITOR="code --wait"``), but no shell
runs: the editor is started directly with the file as its last argument. No Textual here;
the app suspends itself around :func:`edit_text`.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DEFAULT_EDITOR", "EditorError", "edit_text", "editor_command"]

DEFAULT_EDITOR = "vi"
"""The editor used when neither ``$VISUAL`` nor ``$EDITOR`` is set."""


class EditorError(Exception):
    """The editor could not be run, or failed: a one-line message; nothing was changed."""


def editor_command(env: Mapping[str, str] | None = None) -> list[str]:
    """The editor's argv (without the file): ``$VISUAL``, else ``$EDITOR``, else ``vi``."""
    env = os.environ if env is None else env
    raw = (env.get("VISUAL") or "").strip() or (env.get("EDITOR") or "").strip()
    try:
        argv = shlex.split(raw) if raw else [DEFAULT_EDITOR]
    except ValueError as exc:
        raise EditorError(f"cannot read the editor command {raw!r}: {exc}") from None
    return argv or [DEFAULT_EDITOR]


def edit_text(text: str, *, name: str = "note", env: Mapping[str, str] | None = None) -> str:
    """Open ``text`` in the user's editor and return what was saved.

    The text goes in a temporary ``.md`` file (private to the user) that is removed
    afterwards. A non-zero exit status, or an editor that cannot be started, raises
    :class:`EditorError`.
    """
    argv = editor_command(env)
    fd, tmp = tempfile.mkstemp(prefix=f"papertui-{name}-", suffix=".md")
    path = Path(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text if not text or text.endswith("\n") else text + "\n")
        try:
            done = subprocess.run([*argv, str(path)], check=False)
        except OSError as exc:
            raise EditorError(f"cannot run the editor {argv[0]!r}: {exc.strerror or exc}") from None
        if done.returncode != 0:
            raise EditorError(
                f"the editor {argv[0]!r} exited with status {done.returncode}; nothing changed"
            )
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
