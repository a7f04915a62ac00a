"""Short locks on a library folder, shared by every papertui process that opens it.

A lock is held only for the moment of a write (appending a journal record, folding the
journal, replacing the corpus), never for the life of a process, so any number of apps and
commands can read and write one library at once.

The lock is ``flock`` on a *folder*, not on a lock file: a folder cannot be swapped under a
live process by ``rm``-ing a "stale" lock file (a lock file that is unlinked and re-created
gives two processes two different locks, and both then write). After locking, the folder
that was locked is checked to still be the one at the path (a folder moved away and
replaced is locked again). Two locks exist:

* the **state** lock (the library folder itself): triage records, journal folds, backups;
* the **corpus** lock (its ``abstracts/`` folder): imports and removals, which take seconds
  at 100k papers and must not make a keypress wait.

Pure ``os``/``fcntl``; no TinyDB, no Textual.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["LOCK_WAIT", "FolderLock", "LockTimeout"]

LOCK_WAIT = 10.0
"""Seconds a writer waits for a lock before giving up. Locks are held for milliseconds (a
journal append) up to a few seconds (an import of 100k papers holds the corpus lock)."""


class LockTimeout(Exception):
    """The lock stayed taken for :data:`LOCK_WAIT` seconds."""


class FolderLock:
    """A re-entrant ``flock`` on one folder (created on first use)."""

    def __init__(self, folder: Path, *, wait: float = LOCK_WAIT) -> None:
        self.folder = folder
        self.wait = wait
        self._fd: int | None = None
        self._depth = 0
        self._exclusive = False
        self._mutex = threading.RLock()
        """Threads of this process take turns first (``flock`` only tells processes apart:
        a worker thread's write and a keypress's must not both think they hold it)."""

    @property
    def held(self) -> bool:
        """Whether this process holds the lock now."""
        return self._depth > 0

    @contextlib.contextmanager
    def hold(self, *, shared: bool = False) -> Iterator[None]:
        """Hold the lock inside the block (exclusive unless ``shared``; nested holds of an
        exclusive lock are free, a shared one cannot be upgraded in place)."""
        if not self._mutex.acquire(timeout=self.wait):
            raise LockTimeout(f"{self.folder} stayed locked by this papertui for {self.wait:.0f} s")
        try:
            if self._depth:
                if not shared and not self._exclusive:
                    raise RuntimeError("cannot upgrade a shared folder lock")
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._acquire(shared)
            self._depth = 1
            self._exclusive = not shared
            try:
                yield
            finally:
                self._depth = 0
                self._release()
        finally:
            self._mutex.release()

    def _acquire(self, shared: bool) -> None:
        import fcntl

        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        deadline = time.monotonic() + self.wait
        pause = 0.0005
        while True:
            fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
            try:
                while True:
                    try:
                        fcntl.flock(fd, mode | fcntl.LOCK_NB)
                        break
                    except OSError as exc:
                        if exc.errno not in (errno.EAGAIN, errno.EACCES):
                            raise
                        if time.monotonic() >= deadline:
                            raise LockTimeout(
                                f"{self.folder} stayed locked by another papertui for "
                                f"{self.wait:.0f} s"
                            ) from None
                        time.sleep(pause)
                        pause = min(pause * 2, 0.02)
                locked, now = os.fstat(fd), os.stat(self.folder)
            except BaseException:
                os.close(fd)
                raise
            if (locked.st_dev, locked.st_ino) == (now.st_dev, now.st_ino):
                self._fd = fd
                return
            os.close(fd)  # the folder was replaced while we waited: lock the new one

    def _release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
