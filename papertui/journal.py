"""The triage journal: one append-only file of change records, shared by every process.

Each line is one record: an 8-digit hex CRC-32 of the JSON that follows, a space, and the
JSON object ``{"t": TABLE, "docs": {ID: DOC or null}, "o": ORIGIN, "at": TIME, "n": SEQ}``.
A record carries whole documents, so applying it twice gives the same state as applying it
once (a reader that sees a record again after a fold loses nothing and double-counts
nothing), and records from different processes (``o``: a per-process origin on a per-machine
id; ``at`` and ``n`` order them) can later be merged deterministically across machines.

Readers keep the offset they have read up to and the identity (device, inode) of the file
they read: appended records are read incrementally, and a journal that was folded into the
snapshot (replaced by an empty file) is noticed by its new identity. The descriptor is kept
open, so the old file's inode cannot be reused while we compare against it.

Damage is contained to what is damaged: a line whose CRC or JSON is wrong is skipped and
reported by number, the records around it are kept; a last line whose newline was replaced
is still a whole record (its CRC says so) and is kept; a torn last line (a process killed in
mid-append, before the write was acknowledged) is ignored, then cut off by the next writer.

Pure ``os``; no TinyDB, no Textual. The caller holds the state lock around every write.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Journal", "JournalRead", "decode_record", "encode_record"]

_RECORD_START = re.compile(rb"[0-9a-f]{8} \{")
"""Where a record begins (used to pull apart two records whose newline was damaged)."""


def encode_record(rec: dict[str, Any]) -> bytes:
    """One journal line for ``rec``: CRC, space, compact JSON, newline."""
    body = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return b"%08x %s\n" % (zlib.crc32(body), body)


def decode_record(line: bytes) -> dict[str, Any] | None:
    """The record of one line (without its newline), or None if it is not a whole one."""
    if line[:1] == b"{":  # written before records carried a CRC
        try:
            rec = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            return None
        return rec if isinstance(rec, dict) else None
    if len(line) < 10 or line[8:9] != b" ":
        return None
    try:
        crc = int(line[:8], 16)
    except ValueError:
        return None
    body = line[9:]
    if zlib.crc32(body) != crc:
        return None
    try:
        rec = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return rec if isinstance(rec, dict) else None


def _split(line: bytes) -> list[dict[str, Any]] | None:
    """Whole records in a line that is not one: two records joined by a damaged newline,
    or one with a damaged newline and nothing after it. None if it holds none."""
    found: list[dict[str, Any]] = []
    starts = [m.start() for m in _RECORD_START.finditer(line)]
    if not starts:
        return None
    for i, start in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else len(line)
        # the byte before the next record (or the last byte) may be the damaged newline
        rec = decode_record(line[start:end]) or decode_record(line[start : end - 1])
        if rec is not None:
            found.append(rec)
    return found or None


@dataclass
class JournalRead:
    """What one read of the journal found."""

    records: list[dict[str, Any]] = field(default_factory=list)
    damaged: list[int] = field(default_factory=list)
    """Line numbers (1-based, in the whole file) that were skipped as damaged."""


class Journal:
    """One process's view of the journal file: what it has read, and how to append."""

    def __init__(self, path: Path, *, valid: Callable[[dict[str, Any]], bool]) -> None:
        self.path = path
        self._valid = valid
        self._fd: int | None = None
        self._writable = False
        self.identity: tuple[int, int] | None = None
        """(device, inode) of the file read so far (None: none read yet)."""
        self.offset = 0
        """Bytes read so far: always just after a newline (or the whole file)."""
        self._lines = 0
        """Lines read so far (to number damaged lines)."""
        self._unterminated = False
        """The last record read had its newline damaged: the next append adds one first."""

    # -- reading ------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget what was read (the next read starts over, on the file now at the path)."""
        self.close()
        self.identity = None
        self.offset = self._lines = 0
        self._unterminated = False

    def replaced(self) -> bool:
        """Whether the file at the path is not the one read so far (it was folded away)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return self.identity is not None
        return self.identity is not None and (st.st_dev, st.st_ino) != self.identity

    def _open(self, *, write: bool) -> int | None:
        if self._fd is not None and (self._writable or not write):
            return self._fd
        flags = (os.O_RDWR | os.O_APPEND | os.O_CREAT) if write else os.O_RDONLY
        try:
            fd = os.open(self.path, flags, 0o644)
        except FileNotFoundError:
            return None
        st = os.fstat(fd)
        if self.identity is not None and (st.st_dev, st.st_ino) != self.identity:
            os.close(fd)
            raise RuntimeError("journal replaced while open")  # caller resets first
        if self._fd is not None:
            os.close(self._fd)
        self._fd, self._writable = fd, write
        self.identity = (st.st_dev, st.st_ino)
        return fd

    def read_new(self) -> JournalRead:
        """The records appended since the last read (none if the file does not exist)."""
        out = JournalRead()
        fd = self._open(write=False)
        if fd is None:
            return out
        size = os.fstat(fd).st_size
        if size <= self.offset:
            return out
        raw = os.pread(fd, size - self.offset, self.offset)
        lines = raw.split(b"\n")
        tail = lines.pop()  # b"" after a complete line; else a torn or unterminated record
        for line in lines:
            self._lines += 1
            self._take(line, out)
        self.offset += len(raw) - len(tail)
        if tail:
            recs = [r for r in (_split(tail) or []) if self._valid(r)]
            whole = decode_record(tail)
            if whole is None and recs:  # its newline was damaged: it was acknowledged
                self._lines += 1
                out.records.extend(recs)
                self.offset += len(tail)
                self._unterminated = True
        return out

    def _take(self, line: bytes, out: JournalRead) -> None:
        rec = decode_record(line)
        if rec is not None and self._valid(rec):
            out.records.append(rec)
            return
        recs = [r for r in (_split(line) or []) if self._valid(r)]
        if recs:
            out.records.extend(recs)
        else:
            out.damaged.append(self._lines)

    # -- writing (the caller holds the state lock and has read everything first) --------
    def append(self, line: bytes) -> JournalRead:
        """Append encoded records and make them durable (fsync); returns the records other
        processes appended since the last read, read first (normally none: the caller read
        them under the same lock).

        A torn tail left by a killed writer is cut off first. On failure the file is cut
        back to what it held, the descriptor dropped (the next append reopens it), and the
        error raised.
        """
        fd = self._open(write=True)
        assert fd is not None
        pending = self.read_new()
        size = os.fstat(fd).st_size
        if size > self.offset:  # a torn record of a writer that died mid-append
            os.ftruncate(fd, self.offset)
            size = self.offset
        data = (b"\n" + line) if self._unterminated else line
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(28, "No space left on device")  # a short write: disk full
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            self.close()
            raise
        self.offset = size + len(data)
        self._lines += line.count(b"\n") + self._unterminated
        self._unterminated = False
        return pending

    def close(self) -> None:
        """Drop the descriptor (the read position is kept)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
            self._writable = False
