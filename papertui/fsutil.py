"""Durable file writing, shared by the store and the exporters' file output."""

from __future__ import annotations

import contextlib
import os
import queue
import stat
import threading
from pathlib import Path

__all__ = ["TMP_MARK", "BackgroundWrites", "atomic_write", "fsync_dir", "write_output"]

TMP_MARK = ".tmp-"
"""Marks papertui's temp files (``.NAME.tmp-PID``) so a later start can clean them up."""


def file_identity(st: os.stat_result) -> tuple[int, int, int, int]:
    """What tells one version of a file from another: device, inode, size, modification
    time (an atomic write makes a new inode; an edit in place a new size or time)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


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
    _replace(path, data)
    fsync_dir(path.parent)


def _replace(path: Path, data: bytes) -> None:
    """:func:`atomic_write` but for the folder's fsync."""
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


class BackgroundWrites:
    """Atomic writes (:func:`atomic_write`) made by a thread, in the order submitted, while
    the caller makes the next file's bytes: writing and fsync wait on the disk without the
    interpreter lock (an import of 100k papers writes 16 abstract shards, half a second of
    fsync). Each folder is synced once, at :meth:`finish`; only once it returns are the
    files durable. The first failure is raised by :meth:`submit` or :meth:`finish` (its
    ``filename`` names the file); the files after it are not written.

    Used as a context manager; leaving it without :meth:`finish` (an error of the caller)
    waits for the writes under way and drops the rest.
    """

    def __init__(self, depth: int = 2) -> None:
        """At most ``depth`` files' bytes wait for the thread (memory stays bounded)."""
        self._queue: queue.Queue[tuple[Path, bytes] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._folders: dict[Path, None] = {}
        self._thread = threading.Thread(target=self._run, name="papertui-writes", daemon=True)
        self._thread.start()

    def submit(self, path: Path, data: bytes) -> None:
        """Write ``data`` to ``path`` atomically, soon."""
        if self._error is not None:
            raise self._error
        self._queue.put((path, data))

    def finish(self) -> None:
        """Wait for every write, then sync their folders."""
        self._stop()
        if self._error is not None:
            raise self._error
        for folder in self._folders:
            fsync_dir(folder)

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue
            path, data = item
            try:
                _replace(path, data)
            except BaseException as exc:  # raised in the caller's thread
                self._error = exc
            self._folders[path.parent] = None

    def __enter__(self) -> BackgroundWrites:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread.is_alive():
            self._error = self._error or OSError("writes abandoned")
            self._stop()


_STREAM_FOLDERS = ("/dev/", "/proc/")
"""Paths under these stand for streams and devices (``/dev/stdout``, ``/proc/self/fd/1``)
even when they lead to a regular file: written through, never replaced."""


def _is_stream_path(path: Path) -> bool:
    """Whether ``path``, or a link it leads through, lies in :data:`_STREAM_FOLDERS`
    (``/dev/stdout`` -> ``/proc/self/fd/1`` -> the file the shell redirected to)."""
    hop = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on links in a row
        if hop.startswith(_STREAM_FOLDERS):
            return True
        if not os.path.islink(hop):
            return False
        hop = os.path.join(os.path.dirname(hop), os.readlink(hop))
    return False


def write_output(path: Path, data: bytes) -> Path:
    """Write ``data`` to the file the user named, keeping what ``path`` is; returns the path
    actually written.

    A regular file (or a new one) is replaced atomically (:func:`atomic_write`). A symlink
    is followed, and its target replaced atomically (the link stays a link). A FIFO, a
    character device or a stream path such as ``/dev/stdout`` is written through: replacing
    it would turn a device node into a regular file. A folder is refused
    (:class:`IsADirectoryError`).
    """
    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        info = None  # a new file (or a link to one not made yet)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "is a folder, not a file", str(path))
    if (info is not None and not stat.S_ISREG(info.st_mode)) or _is_stream_path(path):
        with open(path, "wb") as fh:  # a stream: no temp file, no replace
            fh.write(data)
        return path
    target = Path(os.path.realpath(path))
    atomic_write(target, data)
    return target
