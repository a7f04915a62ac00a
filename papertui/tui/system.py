"""Small questions the app asks the system: is there a browser, is the library's lock free.

No Textual here, and nothing that changes anything: the lock is only tried and released at
once (the store alone takes and holds it).
"""

from __future__ import annotations

import fcntl
import os
import webbrowser
from pathlib import Path

__all__ = ["LOCK_FILE", "browser_available", "lock_is_free"]

LOCK_FILE = "library.lock"
"""The lock file the store holds in a library folder while a papertui writes to it."""


def browser_available() -> bool:
    """Whether :mod:`webbrowser` has a browser to open links with (no display, no browser:
    ``webbrowser.get()`` raises and ``webbrowser.open`` would silently do nothing)."""
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def lock_is_free(root: Path) -> bool | None:
    """Whether no process holds the lock of the library in ``root``.

    Tries a non-blocking lock on a fresh descriptor and releases it at once. A shared lock
    is enough to tell (it conflicts with the writer's exclusive one) and never gets in the
    way of another process doing the same check. None when it cannot be told (the lock
    file cannot be opened, e.g. no permission).
    """
    path = Path(root) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return True  # a writer always creates the file before locking it
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:
            return None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)
