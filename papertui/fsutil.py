"""Durable file writing, shared by the store and the exporters' file output."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["TMP_MARK", "atomic_write", "fsync_dir"]

TMP_MARK = ".tmp-"
"""Marks papertui's temp files (``.NAME.tmp-PID``) so a later start can clean them up."""


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file.

    Temp file in the same folder, fsync, ``os.replace``, fsync of the folder.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)
