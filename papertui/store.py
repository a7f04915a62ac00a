"""Persistence: the only module that talks to TinyDB or touches the library's files.

A library folder holds three TinyDB databases, each with a storage built for how it is used:

``papers.json``
    The imported corpus without abstracts: one document per paper, doc id = paper id. Written
    only by an import, read at every start. :class:`ColumnarStorage` keeps it column-wise on
    disk, so that 100,000 papers load in tens of milliseconds (a dict per paper would cost
    ~0.8 s of ``json.loads`` on these machines), with a layout that lets opening decode
    only the ids: each column is decoded when it is first used, its first rows one by one.
``abstracts/NN.json``
    The abstracts, in :data:`SHARDS` shards by id, with :class:`AtomicJSONStorage`. They are
    not needed for the first paint: the app loads them shard by shard in the background
    (each shard is a short pause, never a long freeze) or one shard on demand.
``state.json`` + ``state.journal``
    The user's triage state, small and written on every keypress. :class:`JournalStorage`
    appends each change as one JSON line and fsyncs it (~0.1 ms whatever the library's size);
    the snapshot is rewritten (atomically) when a writable library is opened after a change.

Every whole-file write goes through :func:`atomic_write`: a temp file in the same folder,
fsync, ``os.replace``, fsync of the folder. Any number of processes read and write one
library: each write holds a short folder lock (:mod:`papertui.locking`) and applies to the
latest state on disk (:mod:`papertui.journal` says how the journal is shared).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import re
import threading
import uuid
import zlib
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from itertools import chain, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from papertui.fsutil import TMP_MARK, BackgroundWrites, atomic_write, file_identity
from papertui.journal import Journal, JournalRead, encode_record
from papertui.locking import FolderLock, LockTimeout

__all__ = [
    "BACKUPS_KEPT",
    "SHARDS",
    "AtomicJSONStorage",
    "Backup",
    "ColumnarStorage",
    "JournalStorage",
    "LibraryDamaged",
    "LibraryLocked",
    "ReadOnlyLibrary",
    "ShardPieces",
    "Store",
    "StoreError",
    "atomic_write",
    "shard_of",
]

SHARDS = 32
"""Number of abstract shards (~5 MB each at 100k papers)."""

BACKUPS_KEPT = 5
"""How many rotating backups of the triage state are kept."""

BACKUP_SPACING = 15 * 60.0
"""Seconds: a backup taken sooner than this after the newest one replaces it, so that a
script running many commands in a row cannot rotate every older backup away."""

_COLUMNAR_FORMAT = "papertui-columnar/1"

Doc = dict[str, Any]
Tables = dict[str, dict[str, Any]]


class StoreError(Exception):
    """A storage problem, with a one-line message fit for the user."""


class LibraryDamaged(StoreError):
    """A library file could not be read; it has been moved aside, never overwritten."""


class LibraryLocked(StoreError):
    """Another papertui process holds the library for writing."""


class ReadOnlyLibrary(StoreError):
    """A write was attempted on a library opened read-only."""


def shard_of(pid: str) -> int:
    """The abstract shard a paper id belongs to."""
    return int(pid[:2], 16) % SHARDS


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_PIECE = 1 << 16
"""Bytes of an abstract shard parsed at once by :func:`_abstract_pieces` (under 1 ms)."""

_SHARD_HEAD = b'{"abstracts":{'
_DOC_END = re.compile(rb'"\},"[0-9a-f]+":\{"a":"')
"""Where one abstract document ends and the next one's id begins, in :func:`_dumps`'s
layout: a quote that closes a string (inside a string every quote is escaped, and after a
string's *opening* quote, valid JSON cannot close it and continue with an id), ``}``, then
the next document's key."""


def _abstract_pieces(raw: bytes) -> dict[str, str] | None:
    """An abstract shard's ``{paper id: abstract}``, parsed a piece at a time (each a whole
    number of documents); None if ``raw`` is not a well-formed shard in papertui's layout."""
    found = _located_pieces(raw)
    if found is None:
        return None
    out: dict[str, str] = {}
    for _, piece in found:
        out.update(piece)
    return out


def _located_pieces(raw: bytes) -> list[tuple[tuple[int, int], dict[str, str]]] | None:
    """An abstract shard's pieces, each with where it lies in ``raw`` (start, end): the
    bytes between are whole documents (:func:`_parse_piece`); None if ``raw`` is not a
    well-formed shard in papertui's layout."""
    if not raw.startswith(_SHARD_HEAD) or not raw.endswith(b"}}"):
        return None
    view = memoryview(raw)
    stop = len(raw) - 2
    out: list[tuple[tuple[int, int], dict[str, str]]] = []
    at = len(_SHARD_HEAD)
    while at < stop:
        cut = _DOC_END.search(raw, at + _PIECE, stop)
        end = stop if cut is None else cut.start() + 2
        piece = _parse_piece(view[at:end])
        if piece is None:
            return None
        out.append(((at, end), piece))
        at = end + 1  # past the comma
    return out


def _parse_piece(data: bytes | memoryview) -> dict[str, str] | None:
    """``{paper id: abstract}`` of a run of whole abstract documents (None if malformed)."""
    try:
        piece = json.loads(b"".join((b"{", data, b"}")))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(piece, dict):
        return None
    out: dict[str, str] = {}
    for pid, doc in piece.items():
        if not isinstance(doc, dict) or not isinstance(doc.get("a"), str):
            return None
        out[pid] = doc["a"]
    return out


@dataclass(frozen=True)
class ShardPieces:
    """Where the abstracts of one shard file lie, so that one can be read again without
    keeping the shard's text in memory (:meth:`Store.read_abstract_piece`)."""

    path: Path
    identity: tuple[int, int, int, int]
    """The file as it was parsed (device, inode, size, mtime): a replaced file is not read."""
    spans: tuple[tuple[int, int], ...]
    """Byte range of each piece."""


def _damaged(path: Path, why: str) -> LibraryDamaged:
    """Move a damaged file aside (never delete it) and build the error that says so."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    try:
        os.replace(path, aside)
        kept = f"kept as {aside.name}"
    except OSError:
        kept = "left in place"
    if path.name.startswith("state"):
        todo = "run 'papertui restore' to bring back the latest backup"
    else:
        todo = "import your pages again to rebuild it (your stars, tags and notes are kept)"
    return LibraryDamaged(f"{path} is damaged ({why}); {kept}. To recover, {todo}.")


def _read_bytes(path: Path) -> bytes | None:
    """A file's bytes, or ``None`` if it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None


def _parse_json(path: Path, raw: bytes) -> Any:
    """``json.loads`` of a library file's bytes; damage raises :class:`LibraryDamaged`."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _damaged(path, f"not valid JSON: {str(exc).splitlines()[0]}") from None


def _read_json(path: Path) -> Any:
    """Read a JSON file, or ``None`` if it does not exist. Damage raises :class:`LibraryDamaged`."""
    raw = _read_bytes(path)
    return None if raw is None else _parse_json(path, raw)


class _StrTable(Table):
    """A TinyDB table whose document ids are papertui's string paper ids."""

    document_id_class = str  # type: ignore[assignment]

    def _update_table(self, updater: Callable[[dict[int, Mapping[Any, Any]]], None]) -> None:
        """TinyDB's update step, in place.

        Stock TinyDB copies the whole table twice per write to convert ids between the
        stored strings and ``document_id_class``; ours are strings already, so the copies
        would only make each keypress cost O(papers with state) (44 ms at 50k). The storage
        still receives the whole data set, as TinyDB's storage protocol says.
        """
        tables = self._storage.read()
        if tables is None:
            tables = {}
        table = tables.setdefault(self.name, {})
        updater(table)  # type: ignore[arg-type]  # our ids are str (document_id_class)
        self._storage.write(tables)
        self.clear_cache()


class _DB(TinyDB):
    """TinyDB with string document ids."""

    table_class = _StrTable


def _abstract_doc(text: str) -> Doc:
    return {"a": text}


def _put(
    storage: _CachedStorage,
    name: str,
    docs: dict[str, Doc],
    order: Sequence[str] | None = None,
) -> None:
    """Insert or replace documents of one table, in one write: what TinyDB's ``remove``
    then ``insert_multiple`` do (a replaced document moves to the end), without a
    ``Document`` per paper and TinyDB's pass over them (1 s of an import of 100k papers).
    With ``order`` (every id the table then holds), the table is stored in that order."""
    data = storage.read() or {}
    table = data.setdefault(name, {})
    deque(map(table.pop, docs, repeat(None)), 0)
    table.update(docs)
    if order is not None and len(order) == len(table):
        data[name] = {pid: table[pid] for pid in order}
    storage.write(data)


def _is_doc_table(table: Any) -> bool:
    return isinstance(table, dict) and all(isinstance(d, dict) for d in table.values())


class _CachedStorage(Storage):
    """Common part of the storages: read once, then serve the cached data; batch writes.

    Subclasses name the tables a file may hold (``TABLES``) and may check each document
    (``valid_doc``): a file of any other shape is reported as damaged, never half-used.
    """

    TABLES: frozenset[str] | None = None

    @staticmethod
    def valid_doc(doc: dict[str, Any]) -> bool:
        """Whether one stored document has the expected shape."""
        return True

    def _validate(self, data: Any, path: Path | None = None) -> Tables:
        where = path or self.path
        if not isinstance(data, dict):
            raise _damaged(where, "not a papertui library file")
        for name, table in data.items():
            if self.TABLES is not None and name not in self.TABLES:
                raise _damaged(where, f"not a papertui library file (table '{name}')")
            if not _is_doc_table(table) or not all(map(self.valid_doc, table.values())):
                raise _damaged(where, f"table '{name}' holds malformed entries")
        return data

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._data: Tables | None = None
        self._batch_depth = 0
        self._dirty = False

    def read(self) -> Tables | None:
        if self._data is None:
            self._data = self._load()
        return self._data

    def write(self, data: Tables) -> None:
        self._data = data
        if self._batch_depth:
            self._dirty = True
        else:
            self._flush_or_forget(data)

    def _flush_or_forget(self, data: Tables) -> None:
        """Write ``data``; if that fails, forget the cached change so memory matches disk."""
        try:
            self._flush(data)
        except BaseException:
            self._data = None
            raise

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group several TinyDB operations into one physical write (all or nothing)."""
        self._batch_depth += 1
        ok = False
        try:
            yield
            ok = True
        finally:
            self._batch_depth -= 1
            if not self._batch_depth:
                dirty, self._dirty = self._dirty, False
                if not ok:
                    self._data = None  # forget the half-made change: re-read from disk
                elif dirty and self._data is not None:
                    self._flush_or_forget(self._data)

    def _load(self) -> Tables:
        raise NotImplementedError

    def _flush(self, data: Tables) -> None:
        raise NotImplementedError


class AtomicJSONStorage(_CachedStorage):
    """TinyDB's JSON layout, but read once and written atomically and durably."""

    def _load(self) -> Tables:
        data = _read_json(self.path)
        if data is None:
            return {}
        return self._validate(data)

    writes: BackgroundWrites | None = None
    """Where the file goes to be written, if not at once (an import's shards)."""

    def _flush(self, data: Tables) -> None:
        if self.writes is not None:
            self.writes.submit(self.path, _dumps(data))
        else:
            atomic_write(self.path, _dumps(data))


class AbstractStorage(AtomicJSONStorage):
    """An abstract shard: ``{"abstracts": {paper id: {"a": text}}}``."""

    TABLES = frozenset({"abstracts"})

    @staticmethod
    def valid_doc(doc: dict[str, Any]) -> bool:
        return isinstance(doc.get("a"), str)


class ColumnarStorage(_CachedStorage):
    """TinyDB storage that keeps each table column-wise on disk.

    ``{"format": ..., "tables": {name: {"ids": [...], "columns": {key: [...]}}}}``. Documents
    are rebuilt only when TinyDB itself needs them (an import); :meth:`read_columns` hands
    the columns out directly, which is what makes opening 100k papers fast.
    """

    TABLES = frozenset({"papers"})

    def read_columns(self, table: str) -> tuple[list[str], dict[str, Sequence[Any]]]:
        """The ids and columns of ``table``, straight from disk (or from the cache).

        When the file carries its layout (see :func:`_columnar_file`), only the ids are
        decoded here; each column is decoded when it is first used (:class:`_LazyColumn`).
        """
        if self._data is not None:
            return _to_columns(self._data.get(table, {}))
        raw = _read_bytes(self.path)
        if raw is None:
            return [], {}
        lazy = self._lazy_tables(raw)
        if lazy is not None:
            return lazy.get(table, ([], {}))
        return self._tables(_parse_json(self.path, raw)).get(table, ([], {}))

    def _lazy_tables(
        self, raw: bytes
    ) -> dict[str, tuple[list[str], dict[str, Sequence[Any]]]] | None:
        """The tables of a file with a layout, each column left undecoded; None when the
        file has no layout or the layout does not match the bytes (then the whole file is
        parsed, which reports any damage)."""
        if not raw.startswith(_LAYOUT_PREFIX):
            return None
        try:
            head = raw[len(_LAYOUT_PREFIX) : len(_LAYOUT_PREFIX) + _LAYOUT_MAX]
            layout, end = _DECODER.raw_decode(head.decode("utf-8", "replace"))
            base = len(_LAYOUT_PREFIX) + end  # the layout is ASCII: characters are bytes
            # The bytes are exactly those written (a file damaged or edited by hand since is
            # parsed whole, which reports damage or honours the edit): ~10 ms at 100k.
            if layout.pop("crc32") != zlib.crc32(memoryview(raw)[base:]):
                return None
            out = {}
            for name, spans in layout.items():
                if name not in (self.TABLES or ()):
                    return None
                a, b = _span(raw, base, spans["ids"], b'"ids":')
                ids = json.loads(raw[a:b])
                if not isinstance(ids, list) or not _all_str(ids):
                    return None
                cols: dict[str, Sequence[Any]] = {}
                for key, span in spans["columns"].items():
                    enc = span[2] if len(span) == 3 else None
                    key_json = _dumps(key)
                    if enc is None:
                        a, b = _span(raw, base, span, key_json + b":")
                    elif enc in ("strlist", "pairlist"):
                        a, b = _span(
                            raw, base, span, key_json + b':{"enc":"' + enc.encode() + b'","v":'
                        )
                    else:
                        return None
                    column = _LazyColumn(
                        self.path, memoryview(raw)[a:b], len(ids), packed=enc is not None
                    )
                    if enc is None:
                        column.on_decoded = functools.partial(_replace, cols, key, column)
                        cols[key] = column
                    else:
                        packed = _PackedColumn(column, pairs=enc == "pairlist")
                        column.on_decoded = packed.set_raw
                        cols[key] = packed
                out[name] = (ids, cols)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None
        return out

    def _tables(self, raw: Any) -> dict[str, tuple[list[str], dict[str, Sequence[Any]]]]:
        """Check the file's shape (damaged otherwise) and unpack its tables' columns."""
        if not isinstance(raw, dict) or raw.get("format") != _COLUMNAR_FORMAT:
            raise _damaged(self.path, "not a papertui library file")
        tables = raw.get("tables")
        if not isinstance(tables, dict):
            raise _damaged(self.path, "not a papertui library file (no tables)")
        out = {}
        for name, t in tables.items():
            try:
                if name not in (self.TABLES or ()) or not isinstance(t, dict):
                    raise ValueError(name)
                ids, stored = t["ids"], t["columns"]
                if not isinstance(ids, list) or not _all_str(ids) or not isinstance(stored, dict):
                    raise ValueError(name)
                cols = {k: _lazy_column(v) for k, v in stored.items()}
                if any(len(c) != len(ids) for c in cols.values()):
                    raise ValueError(name)
            except (ValueError, KeyError, TypeError, StoreError):
                raise _damaged(self.path, f"table '{name}' is malformed") from None
            wrong = _wrong_typed(cols)
            if wrong is not None:
                key, row, value = wrong
                shown = json.dumps(value, ensure_ascii=True)
                shown = shown if len(shown) <= 40 else shown[:39] + "…"
                raise _damaged(
                    self.path,
                    f"table '{name}', column '{key}', row {row + 1} holds {shown}, "
                    f"not {_COLUMN_TYPES[key][1]}",
                )
            out[name] = (ids, cols)
        return out

    def _load(self) -> Tables:
        raw = _read_json(self.path)
        if raw is None:
            return {}
        tables: Tables = {}
        for name, (ids, lazy) in self._tables(raw).items():
            cols = {k: list(v) for k, v in lazy.items()}
            keys = list(cols)
            tables[name] = {pid: {k: cols[k][i] for k in keys} for i, pid in enumerate(ids)}
        return tables

    def _flush(self, data: Tables) -> None:
        atomic_write(self.path, _columnar_file(data))


# A columnar file starts with its layout: where each column's JSON list lies in the file,
#
#     {"format":"papertui-columnar/1","layout":{"papers":{"ids":[a,b],"columns":{"title":
#     [a,b],"sources":[a,b,"pairlist"],...}}},"tables":{"papers":{"ids":[...],"columns":...}}}
#
# (offsets counted from the end of the layout; a CRC-32 of everything after it), so that
# opening decodes the ids only and each column when it is first used: the first screen needs
# a few dozen rows of a few columns, and json.loads of every column of 100k papers costs
# ~70 ms. A file whose CRC does not match (damaged, or edited by hand) is parsed whole, which
# reports the damage at opening or honours the edit. The file stays plain JSON in the same
# format: a reader that ignores "layout" (an older papertui) reads it whole, and a file
# without a layout (written by one) is read whole here.

_LAYOUT_PREFIX = b'{"format":"' + _COLUMNAR_FORMAT.encode() + b'","layout":'
_LAYOUT_MAX = 1 << 16
"""The most bytes a layout may take (a few hundred in practice)."""
_DECODER = json.JSONDecoder()
# JSONDecoder.__init__ sets scan_once (json's C scanner) on each instance; typeshed does not
# declare it.
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]
"""Decodes the one JSON value at an index of a text."""


def _span(raw: bytes, base: int, span: list[Any], before: bytes) -> tuple[int, int]:
    """A column's byte range from the layout, checked against the file: it must be a JSON
    list right after ``before`` (its key). ValueError when it is not."""
    a, b = base + span[0], base + span[1]
    if not (
        isinstance(span[0], int)
        and isinstance(span[1], int)
        and base < a < b <= len(raw)
        and raw[a] == 0x5B  # [
        and raw[b - 1] == 0x5D  # ]
        and raw[a - len(before) : a] == before
    ):
        raise ValueError("layout does not match the file")
    return a, b


def _columnar_file(data: Tables) -> bytes:
    """The bytes of a columnar file: layout first, then the tables (see above)."""
    body = bytearray(b',"tables":{')
    layout: dict[str, Any] = {}
    for t, (name, table) in enumerate(data.items()):
        ids, cols = _to_columns(table)
        body += b"," * (t > 0) + _dumps(name) + b':{"ids":'
        spans: dict[str, list[Any]] = {}
        start = len(body)
        body += _dumps(ids)
        layout[name] = {"ids": [start, len(body)], "columns": spans}
        body += b',"columns":{'
        for c, (key, values) in enumerate(cols.items()):
            body += b"," * (c > 0) + _dumps(key) + b":"
            stored = _encode_column(values)
            if isinstance(stored, dict):
                body += b'{"enc":' + _dumps(stored["enc"]) + b',"v":'
                start = len(body)
                body += _dumps(stored["v"])
                spans[key] = [start, len(body), stored["enc"]]
                body += b"}"
            else:
                start = len(body)
                body += _dumps(stored)
                spans[key] = [start, len(body)]
        body += b"}}"
    body += b"}}"
    layout["crc32"] = zlib.crc32(body)
    head = json.dumps(layout, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return _LAYOUT_PREFIX + head + bytes(body)


# Nested lists are what make json.loads slow (0.3 s for the link and source columns of 100k
# papers), so columns of string lists are stored as one string per document and split only
# when a document is looked at.


def _plain_strs(xs: list[Any], seps: str) -> bool:
    """Whether every item is a non-empty string without any of ``seps`` (C-level passes:
    100k papers' links and sources are checked at every import)."""
    if not all(map(isinstance, xs, repeat(str))) or "" in xs:
        return False
    joined = "\x00".join(xs)
    return not any(map(joined.__contains__, seps))


def _encode_column(values: Sequence[Any]) -> Any:
    """A column as stored: plain, or packed when every value is a list of strings/pairs."""
    if values and all(map(isinstance, values, repeat(list))):
        items = list(chain.from_iterable(values))
        if _plain_strs(items, "\n"):
            return {"enc": "strlist", "v": list(map("\n".join, values))}
        if (
            all(map(isinstance, items, repeat(list)))
            and set(map(len, items)) == {2}
            and _plain_strs(list(map(itemgetter(0), items)), "\t\n")
            and _plain_strs([b for _, b in items if b is not None], "\t\n")
        ):
            return {
                "enc": "pairlist",
                "v": ["\n".join(f"{a}\t{b or ''}" for a, b in v) for v in values],
            }
    return values


class _PackedColumn(Sequence[Any]):
    """A packed column that unpacks one value at a time, on access."""

    __slots__ = ("_pairs", "_raw")

    def __init__(self, raw: Sequence[str], pairs: bool) -> None:
        self._raw = raw
        self._pairs = pairs

    def set_raw(self, raw: list[str]) -> None:
        """Swap the lazy packed strings for their plain list, once decoded."""
        if isinstance(self._raw, _LazyColumn):
            self._raw = raw

    def __len__(self) -> int:
        return len(self._raw)

    def _one(self, packed: str) -> list[Any]:
        if not packed:
            return []
        items = packed.split("\n")
        if not self._pairs:
            return items
        out: list[Any] = []
        for item in items:
            a, _, b = item.partition("\t")
            out.append([a, b or None])
        return out

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self._one(x) for x in self._raw[i]]
        return self._one(self._raw[i])

    def __iter__(self) -> Iterator[Any]:
        return map(self._one, self._raw)  # not Sequence's index by index

    def truths(self) -> list[bool]:
        """Whether each value is non-empty, without unpacking any (a link-flag bitmap)."""
        return list(map(bool, self._raw))

    def decode(self) -> None:
        """Decode the packed strings now (if still lazy), not when first read."""
        if isinstance(self._raw, _LazyColumn):
            self._raw.decode()


class _LazyColumn(Sequence[Any]):
    """One column of a columnar file, decoded when it is used.

    The first rows are decoded one value at a time from the start of the column (the first
    screen shows a few dozen rows, at the top of the stored order); any other use decodes the
    whole column (one ``json.loads``) and hands the list to ``on_decoded``, which puts it in
    place of this object (in the columns dict, or in a :class:`_PackedColumn`), so that
    later reads are plain list reads. Thread-safe: the app decodes in a worker thread too.
    A column that turns out damaged raises :class:`LibraryDamaged`, as opening would have.
    """

    __slots__ = (
        "_chunk",
        "_data",
        "_head",
        "_lock",
        "_n",
        "_packed",
        "_path",
        "_pos",
        "_text",
        "_values",
        "on_decoded",
    )

    HEAD_ROWS = 1000
    """Rows below this are decoded one by one; reading a row past it decodes the column."""

    def __init__(self, path: Path, data: memoryview, n: int, *, packed: bool) -> None:
        self._path = path
        self._data: memoryview | None = data
        self._n = n
        self._packed = packed
        self._values: list[Any] | None = None
        self._head: list[Any] = []
        self._text = ""
        self._chunk = 0
        self._pos = 1  # just after the "["
        self._lock = threading.Lock()
        self.on_decoded: Callable[[list[Any]], None] | None = None

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values())

    def __eq__(self, other: object) -> bool:
        """Equal to a list of the same values (a column stands for its values)."""
        if isinstance(other, _LazyColumn):
            other = other.values()
        return self.values() == other if isinstance(other, list) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like a list

    def __getitem__(self, i: Any) -> Any:
        values = self._values
        if values is not None:
            return values[i]
        if isinstance(i, int) and 0 <= i < len(self._head):
            return self._head[i]
        if isinstance(i, int) and 0 <= i < min(self._n, self.HEAD_ROWS):
            with self._lock:
                if self._values is None:
                    self._decode_head(i + 1)
                    return self._head[i]
        return self.values()[i]

    def decode(self) -> None:
        """Decode the column now (in a loader: see :meth:`papertui.corpus.Corpus.decode`),
        not when a row past the first ones is first read."""
        self.values()

    def values(self) -> list[Any]:
        """The whole column, decoded (once)."""
        values = self._values
        if values is None:
            with self._lock:
                if self._values is None:
                    self._values = self._decode_all()
                    self._data, self._text = None, ""  # _head stays: readers may be in it
                values = self._values
            if self.on_decoded is not None:
                self.on_decoded(values)
        return values

    def _damaged(self, why: str) -> LibraryDamaged:
        return _damaged(self._path, f"a column is malformed: {why}")

    def _decode_text(self, chunk: bytes) -> str:
        """A chunk as text; a character cut by the chunk's end is left out."""
        try:
            return chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.end != len(chunk) or exc.reason != "unexpected end of data":
                raise self._damaged("not valid UTF-8") from None
            return chunk[: exc.start].decode("utf-8")

    def _decode_all(self) -> list[Any]:
        assert self._data is not None
        raw = bytes(self._data)
        try:
            values = _list_in_pieces(raw)
            if values is None:
                values = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise self._damaged(f"not valid JSON: {str(exc).splitlines()[0]}") from None
        if not isinstance(values, list) or len(values) != self._n:
            raise self._damaged("wrong length")
        if self._packed and not _all_str(values):
            raise self._damaged("packed values that are not strings")
        return values

    def _decode_head(self, rows: int) -> None:
        """Decode values from the start of the column until ``rows`` are decoded.

        The bytes are decoded to text a growing chunk at a time. A value is taken only when
        the character after it (``,`` or ``]``) is in the chunk: a chunk may cut a value
        (``12`` of ``123``, half a string), never a value followed by its separator.
        """
        assert self._data is not None
        scan, head = _SCAN, self._head
        while len(head) < rows:
            text, pos = self._text, self._pos
            try:
                value, end = scan(text, pos)
                sep = text[end]
            except (StopIteration, ValueError, IndexError):
                if self._chunk >= len(self._data):
                    raise self._damaged("not valid JSON") from None
                self._chunk = max(4096, 2 * self._chunk)
                self._text = self._decode_text(bytes(self._data[: self._chunk]))
                continue
            if sep not in ",]" or (sep == "]") != (len(head) + 1 == self._n):
                raise self._damaged("not a list of the expected length")
            if self._packed and not isinstance(value, str):
                raise self._damaged("packed values that are not strings")
            head.append(value)
            self._pos = end + 1


_COLUMN_PIECE = 1 << 16
"""Bytes of a column decoded at once by :func:`_list_in_pieces` (about a millisecond)."""
_VALUE_CUT = re.compile(rb'(?<=[0-9"el\]]),(?=[-0-9"nft\[])')
"""A comma that may lie between two values of a JSON list (after a number, string, true,
false, null or list; before one). One inside a string (``"1,000 GPUs"``) is found too: the
piece before it then ends inside the string, which JSON refuses, and the next one is tried."""
_CUT_TRIES = 8


def _list_in_pieces(raw: bytes) -> list[Any] | None:
    """A JSON list decoded a piece at a time (each a ``json.loads`` of ~64 KB): a column of
    100k titles is one 6 MB ``json.loads`` of 10-30 ms, during which a worker thread holds
    the GIL and the app's event loop waits; between two pieces the thread lets it run.

    Each piece is a run of whole values: a cut inside a string or a nested list leaves a
    piece that is not valid JSON, so a wrong cut is never taken for values. None when the
    list is short, or no cut could be made (the caller decodes it whole, which also reports
    damage)."""
    if len(raw) <= 2 * _COLUMN_PIECE or raw[:1] != b"[" or raw[-1:] != b"]":
        return None
    view = memoryview(raw)
    stop = len(raw) - 1
    out: list[Any] = []
    at = 1
    while at < stop:
        cut = _VALUE_CUT.search(raw, at + _COLUMN_PIECE, stop)
        for _ in range(_CUT_TRIES):
            end = stop if cut is None else cut.start()
            try:
                piece = json.loads(b"".join((b"[", view[at:end], b"]")))
            except ValueError:
                if cut is None:
                    return None
                cut = _VALUE_CUT.search(raw, end + 1, stop)
            else:
                break
        else:
            return None
        out += piece
        at = end + 1  # past the comma
    return out


def _replace(
    cols: dict[str, Sequence[Any]], key: str, lazy: Sequence[Any], values: list[Any]
) -> None:
    """Put a decoded column in place of its lazy one (unless the column was replaced since,
    e.g. by an import)."""
    if cols.get(key) is lazy:
        cols[key] = values


def _all_str(values: list[Any]) -> bool:
    """Every value is a str (checked at C speed: 100k values in about a millisecond)."""
    return set(map(type, values)) <= {str}


def _opt_int(v: Any) -> bool:
    return v is None or (type(v) is int and -(1 << 62) < v < 1 << 62)


def _opt_date(v: Any) -> bool:
    if v is None:
        return True
    if type(v) is not str:
        return False
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return len(v) == 10


def _str_list(v: Any) -> bool:
    return type(v) is list and _all_str(v)


def _source_list(v: Any) -> bool:
    return type(v) is list and all(
        type(x) is list
        and len(x) == 2
        and type(x[0]) is str
        and (x[1] is None or type(x[1]) is str)
        for x in v
    )


def _is_str(v: Any) -> bool:
    return type(v) is str


_COLUMN_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "title": (_is_str, "a string"),
    "authors_count": (_opt_int, "a whole number or null"),
    "published": (_opt_date, 'a date ("YYYY-MM-DD") or null'),
    "upvotes": (_opt_int, "a whole number or null"),
    "code_urls": (_str_list, "a list of strings"),
    "project_urls": (_str_list, "a list of strings"),
    "sources": (_source_list, "a list of [file, page date] pairs"),
    "added_at": (_is_str, "a string"),
}
"""What each corpus column holds, checked when a file is parsed whole (one edited by hand,
or written without a layout): a value of the wrong type would make sorting, filtering or
showing a paper fail later, with a traceback, or crash the app at its first paint."""


def _wrong_typed(cols: Mapping[str, Sequence[Any]]) -> tuple[str, int, Any] | None:
    """The first value of a known column that has the wrong type: (column, row, value)."""
    for key, column in cols.items():
        known = _COLUMN_TYPES.get(key)
        if known is None or isinstance(column, _PackedColumn):
            continue  # unknown columns are not read; packed ones unpack to strings only
        check = known[0]
        if not all(map(check, column)):
            row = next(i for i, v in enumerate(column) if not check(v))
            return key, row, column[row]
    return None


def _lazy_column(stored: Any) -> Any:
    if isinstance(stored, dict):
        enc = stored.get("enc")
        values = stored.get("v")
        if enc in ("strlist", "pairlist") and isinstance(values, list) and _all_str(values):
            return _PackedColumn(values, pairs=enc == "pairlist")
        raise StoreError(f"unknown column encoding {enc!r}: written by a newer papertui?")
    return stored


def _to_columns(
    table: Mapping[str, dict[str, Any]],
) -> tuple[list[str], dict[str, Sequence[Any]]]:
    docs = list(table.values())
    keys = dict.fromkeys(chain.from_iterable(docs))
    # One C-level pass per column (a list comprehension costs 1 s at 100k papers).
    cols: dict[str, Sequence[Any]] = {k: list(map(dict.get, docs, repeat(k))) for k in keys}
    return list(table), cols


def _write_error(path: Path, exc: OSError) -> StoreError:
    """The one-line error for a failed write of ``path``: which file, why, what to do."""
    why = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        todo = "free some space and try again; nothing was changed"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        todo = "check the folder's permissions; nothing was changed"
    else:
        todo = "nothing was changed"
    return StoreError(f"cannot write {path}: {why} ({todo})")


def _apply(data: Tables, rec: dict[str, Any]) -> None:
    """Apply one journal record (whole documents, or None to forget one) to ``data``."""
    table = data.setdefault(rec["t"], {})
    for pid, doc in rec["docs"].items():
        if doc is None:
            table.pop(pid, None)
        else:
            table[pid] = doc


_ORIGIN = uuid.uuid4().hex[:12]
"""This process's origin in the journal records it writes (see :mod:`papertui.journal`)."""


class JournalStorage(_CachedStorage):
    """TinyDB storage for the triage state: a snapshot plus the journal every process shares.

    Inside :meth:`touching`, a write appends one record (one line) to the journal holding
    every touched document, and fsyncs it, so a change (a batch action too) is
    all-or-nothing and costs the same whatever the size of the data. Outside it, a write
    folds everything into the snapshot (atomically) and empties the journal. The caller
    (:class:`Store`) holds the state lock around writes and has read the journal to its end
    first (:meth:`sync`), so each write applies to the latest state on disk.
    """

    TABLES = frozenset({"state"})

    @staticmethod
    def valid_doc(doc: dict[str, Any]) -> bool:
        tags, changed = doc.get("tags", []), doc.get("changed", {})
        qp = doc.get("queue_position")
        return (
            isinstance(doc.get("starred", False), bool)
            and isinstance(doc.get("read", False), bool)
            and isinstance(doc.get("dismissed", False), bool)
            and (qp is None or (isinstance(qp, int) and not isinstance(qp, bool)))
            and isinstance(tags, list)
            and all(isinstance(t, str) for t in tags)
            and isinstance(doc.get("note", ""), str)
            and isinstance(changed, dict)
            and all(isinstance(v, str) for v in changed.values())
        )

    @classmethod
    def valid_record(cls, rec: dict[str, Any]) -> bool:
        """Whether a journal record has the expected shape."""
        docs = rec.get("docs")
        return (
            rec.get("t") in cls.TABLES
            and isinstance(docs, dict)
            and all(d is None or (isinstance(d, dict) and cls.valid_doc(d)) for d in docs.values())
        )

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self.journal = self.path.with_suffix(".journal")
        self.log = Journal(self.journal, valid=self.valid_record)
        self._touched: dict[str, set[str]] | None = None
        self._seq = 0
        self.replayed = 0
        """Journal records applied since the snapshot was read (0 = it is up to date)."""
        self.damaged_lines: list[int] = []
        """Journal lines skipped as damaged since the snapshot was read."""
        self._snap_fd: int | None = None
        self._snap_id: tuple[int, int] | None = None
        """(device, inode) of the snapshot the data was read from (None: there was none)."""

    @contextlib.contextmanager
    def touching(self, table: str, ids: Iterable[str]) -> Iterator[None]:
        """Journal only the documents ``ids`` of ``table`` for the writes made inside."""
        self._touched = {table: set(ids)}
        try:
            with self.batch():
                yield
        finally:
            self._touched = None

    def load_snapshot(self, path: Path | None = None) -> Tables:
        """The snapshot (or a backup) as stored; ``{}`` if there is none.

        JSON of any other shape (``null``, a list, a table of the wrong kind) is damage.
        """
        where = path or self.path
        raw = _read_bytes(where)
        if raw is None:
            return {}
        return self._validate(_parse_json(where, raw), where)

    def _snapshot_identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_dev, st.st_ino)

    def _pin_snapshot(self) -> None:
        """Remember which snapshot file the data came from, holding it open so that its
        inode number cannot be given to another file while we compare against it."""
        if self._snap_fd is not None:
            os.close(self._snap_fd)
            self._snap_fd = None
        try:
            self._snap_fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            self._snap_id = None
            return
        st = os.fstat(self._snap_fd)
        self._snap_id = (st.st_dev, st.st_ino)

    def folded_elsewhere(self) -> bool:
        """Whether what was read is no longer what is on disk as a whole: the journal was
        folded away, or the snapshot replaced (a fold by another process, even one that
        happened while this process had no journal open, or a restore)."""
        return self.log.replaced() or self._snapshot_identity() != self._snap_id

    def _load(self) -> Tables:
        self.log.reset()
        data = self.load_snapshot()
        self._pin_snapshot()
        found = self.log.read_new()
        for rec in found.records:
            _apply(data, rec)
        self.replayed = len(found.records)
        self.damaged_lines = found.damaged
        return data

    def sync(self) -> dict[str, Doc | None] | None:
        """Bring the data up to date with what other processes wrote since the last read.

        Returns the state documents that changed (``None`` for one that was forgotten), or
        ``None`` when everything was read anew. A journal folded away since the last read is
        noticed by its identity and read anew with the snapshot (the caller holds the lock
        then, so that the two are read as one).
        """
        if self._data is None:
            self.read()
            return None
        if self.folded_elsewhere():
            old = dict(self._data.get("state", {}))
            self._data = None
            new = (self.read() or {}).get("state", {})
            return {p: new.get(p) for p in old.keys() | new.keys() if old.get(p) != new.get(p)}
        found = self.log.read_new()
        self._data_apply(found)
        changed: dict[str, Doc | None] = {}
        for rec in found.records:
            changed.update(rec["docs"])
        return changed

    def _data_apply(self, found: JournalRead) -> None:
        assert self._data is not None
        for rec in found.records:
            _apply(self._data, rec)
        self.replayed += len(found.records)
        self.damaged_lines += found.damaged

    def _flush(self, data: Tables) -> None:
        if self._touched is None:
            self.compact(data)
            return
        self._seq += 1
        out = bytearray()
        for table, ids in self._touched.items():
            docs = data.get(table, {})
            rec = {
                "t": table,
                "docs": {pid: docs.get(pid) for pid in sorted(ids)},
                "o": _ORIGIN,
                "at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                "n": self._seq,
            }
            out += encode_record(rec)
        try:
            pending = self.log.append(bytes(out))
        except OSError as exc:
            raise _write_error(self.journal, exc) from None
        # Normally nothing: the store read the journal under the same lock. Records that
        # came in anyway are older than ours, so they apply to every other document.
        touched = self._touched
        for other in pending.records:
            mine = touched.get(other["t"]) or set()
            theirs: dict[str, Doc | None] = other["docs"]
            _apply(
                data, {"t": other["t"], "docs": {p: d for p, d in theirs.items() if p not in mine}}
            )
        self.replayed += len(pending.records) + 1

    def compact(self, data: Tables | None = None) -> None:
        """Rewrite the snapshot with everything, then empty the journal (both atomic).

        A kill between the two leaves the old journal beside a snapshot that holds its
        records already: applying them again changes nothing.
        """
        if data is None:
            data = self.read() or {}
        try:
            atomic_write(self.path, _dumps(data))
            self.log.reset()
            if self.journal.exists():
                atomic_write(self.journal, b"")
            # What this process holds now is the new snapshot and the new (empty) journal:
            # a later fold by another process must be noticed against these.
            self._pin_snapshot()
            self.log.read_new()
        except OSError as exc:
            self._data = None  # read again from disk
            raise _write_error(self.path, exc) from None
        self._data = data
        self.replayed = 0
        self.damaged_lines = []

    def close(self) -> None:
        self.log.close()
        if self._snap_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._snap_fd)
            self._snap_fd = None


RESTORE_NEEDED = "state.restore-needed"
"""Marker file: the triage state was found damaged and set aside; until a backup is restored
(or the marker deleted), opening refuses rather than start on an empty state."""


@dataclass(frozen=True)
class Backup:
    """One rotating backup of the triage state."""

    path: Path
    taken_at: datetime
    entries: int
    kind: str = ""
    """``""`` for the backups taken when the journal is folded, ``"restore"`` for the copy
    of the state that a restore replaced (kept apart: restoring is reversible)."""

    @property
    def name(self) -> str:
        """The backup's file name (what ``papertui restore NAME`` takes)."""
        return self.path.name


class Store:
    """The library folder: corpus, abstracts, triage state, locks and backups.

    Any number of processes open one library at once and all of them can write: a write
    holds a short lock (:mod:`papertui.locking`) and first reads what the others wrote.
    ``readonly`` opens refuse writes; a library whose folder the system will not let us
    write is opened read-only too, and :attr:`readonly_reason` says why.
    """

    def __init__(self, root: Path, *, readonly: bool = False) -> None:
        self.root = root
        self.readonly = readonly
        self.readonly_reason: str | None = None
        self.backup_spacing = BACKUP_SPACING
        self.warnings: list[str] = []
        """Things the user should know about what opening found (damage recovered)."""
        if not readonly:
            self.readonly_reason = self._why_readonly()
            self.readonly = self.readonly_reason is not None
        if not self.readonly:
            try:
                (root / "abstracts").mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create library folder {root}: {exc.strerror}") from None
            self._clean_temp_files()
        self.state_lock = FolderLock(root)
        self.corpus_lock = FolderLock(root / "abstracts")
        self._papers_storage: ColumnarStorage | None = None
        self._papers_db: _DB | None = None
        self._papers_seen: tuple[int, int, int] | None = None
        self.written_shards: dict[int, tuple[int, int, int, int]] = {}
        """The identity of each abstract shard file the last :meth:`save_papers` wrote."""
        self._state_storage: JournalStorage | None = None
        self._state_db: _DB | None = None

    def _why_readonly(self) -> str | None:
        """Why the system will not let this library be written (None: it will)."""
        folder = self.root
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not os.access(folder, os.W_OK):
            return f"the folder {folder} is read-only"
        for name in ("state.json", "state.journal", "papers.json"):
            p = self.root / name
            if p.exists() and not os.access(p, os.W_OK):
                return f"{p} is read-only"
        return None

    # -- locks --------------------------------------------------------------------------
    @property
    def lock_path(self) -> Path:
        """The folder whose ``flock`` guards writes to the triage state."""
        return self.root

    @contextlib.contextmanager
    def _hold(self, lock: FolderLock, *, shared: bool = False) -> Iterator[None]:
        if not lock.folder.is_dir():  # nothing written yet (a read-only look at no library)
            yield
            return
        try:
            with lock.hold(shared=shared):
                yield
        except LockTimeout as exc:
            raise LibraryLocked(f"library {self.root} is busy: {exc}; try again") from None

    @contextlib.contextmanager
    def corpus_write(self) -> Iterator[None]:
        """Hold the corpus lock (imports and removals, one at a time across processes)."""
        self._writable()
        with self._hold(self.corpus_lock):
            yield

    def _clean_temp_files(self) -> None:
        """Remove temp files left by killed processes (never those of a live one)."""
        for folder in (self.root, self.root / "abstracts", self.root / "backups"):
            if folder.is_dir():
                for p in folder.glob(f".*{TMP_MARK}*"):
                    pid = p.name.rpartition(TMP_MARK)[2].partition(".")[0]
                    if pid.isdigit() and _alive(int(pid)):
                        continue
                    with contextlib.suppress(OSError):
                        p.unlink()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the files held open."""
        if self._state_storage is not None:
            self._state_storage.close()

    def _writable(self) -> None:
        if self.readonly:
            why = self.readonly_reason or "it was opened read-only"
            raise ReadOnlyLibrary(f"the library cannot be changed: {why}")

    # -- corpus -------------------------------------------------------------------------
    @property
    def papers_path(self) -> Path:
        """The corpus database file."""
        return self.root / "papers.json"

    def _papers_stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.papers_path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _papers(self) -> tuple[ColumnarStorage, _DB]:
        if self._papers_db is None or self._papers_storage is None:
            self._papers_seen = self._papers_stat()
            db = _DB(self.papers_path, storage=ColumnarStorage)
            self._papers_storage = db.storage  # type: ignore[assignment]
            self._papers_db = db
        assert self._papers_storage is not None
        return self._papers_storage, self._papers_db

    @property
    def corpus_seen(self) -> tuple[int, int, int] | None:
        """The identity of the corpus file as this process last read or wrote it."""
        return self._papers_seen

    def corpus_changed(self) -> bool:
        """Whether another process replaced the corpus since this one read it (a stat)."""
        return self._papers_db is not None and self._papers_stat() != self._papers_seen

    def load_paper_columns(
        self, *, fresh: bool = False
    ) -> tuple[list[str], dict[str, Sequence[Any]]]:
        """All papers' metadata as columns (the fast path used at start-up); ``fresh``
        reads the file again (after another process imported)."""
        if fresh:
            self._papers_db = self._papers_storage = None
        storage, _ = self._papers()
        return storage.read_columns("papers")

    def abstract_path(self, shard: int) -> Path:
        """The file of one abstract shard."""
        return self.root / "abstracts" / f"{shard:02d}.json"

    def load_abstract_shard(self, shard: int) -> dict[str, str]:
        """The abstracts of one shard, ``{paper id: abstract}``.

        Parsed in pieces of about :data:`_PIECE` bytes (:func:`_abstract_pieces`): a 5 MB
        shard is one ``json.loads`` of ~50 ms, during which a worker thread holds the GIL
        and the app's event loop waits; between two pieces the thread lets it run. A file
        not in the layout papertui writes takes the ordinary path (which reports damage).
        """
        path = self.abstract_path(shard)
        raw = _read_bytes(path)
        if raw is None:
            return {}
        fast = _abstract_pieces(raw)
        if fast is not None:
            return fast
        data = AbstractStorage(path).read() or {}
        return {pid: doc.get("a", "") for pid, doc in data.get("abstracts", {}).items()}

    def locate_abstract_shard(
        self, shard: int
    ) -> tuple[dict[str, str], dict[str, int], ShardPieces] | None:
        """One shard's abstracts, which piece of the file each is in, and where the pieces
        lie (:meth:`read_abstract_piece` reads one again); None if the shard is missing or
        not in papertui's layout (:meth:`load_abstract_shard` then reads or reports it)."""
        path = self.abstract_path(shard)
        try:
            with open(path, "rb") as f:
                identity = file_identity(os.fstat(f.fileno()))
                raw = f.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None
        found = _located_pieces(raw)
        if found is None:
            return None
        abstracts: dict[str, str] = {}
        piece_of: dict[str, int] = {}
        for k, (_, piece) in enumerate(found):
            abstracts.update(piece)
            piece_of.update(dict.fromkeys(piece, k))
        return abstracts, piece_of, ShardPieces(path, identity, tuple(s for s, _ in found))

    def read_one_abstract(self, pid: str) -> tuple[str, tuple[int, int, int, int]] | None:
        """One paper's abstract ("" if its shard has none) and the identity of the shard
        file it was read from, without parsing the rest of the shard: its document is found
        by its key (``"ID":{"a":"`` occurs nowhere else in papertui's layout: inside a JSON
        string every quote is escaped) and only it is decoded, a few milliseconds where the
        whole shard takes ~100. None if the shard is not in papertui's layout (read it whole
        with :meth:`load_abstract_shard`, which also reports damage)."""
        path = self.abstract_path(shard_of(pid))
        try:
            with open(path, "rb") as f:
                identity = file_identity(os.fstat(f.fileno()))
                raw = f.read()
        except FileNotFoundError:
            return "", (0, 0, 0, 0)
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None
        if not raw.startswith(_SHARD_HEAD) or not raw.endswith(b"}}"):
            return None
        start = raw.find(b'"%s":{"a":"' % pid.encode(), len(_SHARD_HEAD) - 1)
        if start < 0:
            return "", identity
        stop = len(raw) - 2
        cut = _DOC_END.search(raw, start + 1, stop)
        doc = _parse_piece(memoryview(raw)[start : stop if cut is None else cut.start() + 2])
        if doc is None or pid not in doc:
            return None
        return doc[pid], identity

    @staticmethod
    def read_abstract_piece(pieces: ShardPieces, k: int) -> dict[str, str] | None:
        """The abstracts of piece ``k`` of a shard located before; None if the file was
        replaced or damaged since (locate it again)."""
        start, end = pieces.spans[k]
        try:
            fd = os.open(pieces.path, os.O_RDONLY)
        except OSError:
            return None
        try:
            if file_identity(os.fstat(fd)) != pieces.identity:
                return None
            data = os.pread(fd, end - start, start)
        except OSError:
            return None
        finally:
            os.close(fd)
        return _parse_piece(data) if len(data) == end - start else None

    def save_papers(
        self,
        docs: Mapping[str, Doc],
        abstracts: Mapping[str, str],
        *,
        order: Sequence[str] | None = None,
    ) -> None:
        """Insert or replace the given papers (metadata docs and abstracts) in one import;
        with ``order`` (every id), the corpus is stored in that order. The caller holds
        :meth:`corpus_write`.

        Abstract shards are written first, then the corpus file. If the corpus cannot be
        written (a full disk), the shards are put back as they were, so a failed import
        leaves nothing behind; a kill in between leaves at worst abstracts for papers the
        corpus does not list, never the reverse.
        """
        self._writable()
        self.written_shards = {}
        by_shard: dict[int, dict[str, str]] = {}
        for pid, text in abstracts.items():
            by_shard.setdefault(shard_of(pid), {})[pid] = text
        kept: list[tuple[Path, Path | None]] = []  # (shard, its previous file) to roll back
        try:
            # Each shard is written by a thread while the next one is made.
            with BackgroundWrites() as writes:
                for shard, items in sorted(by_shard.items()):
                    path = self.abstract_path(shard)
                    old: Path | None = None
                    if path.exists():
                        old = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}.old")
                        with contextlib.suppress(FileNotFoundError):
                            old.unlink()
                        os.link(path, old)  # costs no space: the rollback if the import fails
                    kept.append((path, old))
                    texts = dict(zip(items, map(_abstract_doc, items.values()), strict=True))
                    shard_storage = AbstractStorage(path)
                    shard_storage.writes = writes
                    _put(shard_storage, "abstracts", texts)
                writes.finish()
            for shard in by_shard:  # (under corpus_write)
                self.written_shards[shard] = file_identity(os.stat(self.abstract_path(shard)))
            storage, _db = self._papers()
            _put(storage, "papers", dict(zip(docs, map(dict, docs.values()), strict=True)), order)
        except OSError as exc:
            self._papers_db = self._papers_storage = None  # memory back to what is on disk
            for path, old in reversed(kept):
                with contextlib.suppress(OSError):
                    if old is not None:
                        os.replace(old, path)
                    else:
                        path.unlink()
            raise _write_error(Path(exc.filename or self.papers_path), exc) from None
        finally:
            for _, old in kept:
                if old is not None:
                    with contextlib.suppress(OSError):
                        old.unlink()
        self._papers_seen = self._papers_stat()

    def remove_papers(self, ids: Collection[str]) -> Backup | None:
        """Delete papers: a backup of the triage state first (a ``removal`` backup, which
        never replaces another; ``restore`` brings their stars, tags and notes back), then
        their metadata, abstracts and state. The caller holds :meth:`corpus_write`.

        The corpus goes before the abstracts: a kill in between leaves at worst abstracts
        of papers the corpus no longer lists (ignored), never a paper without its abstract.
        Returns the backup taken (None when there was no triage state to back up).
        """
        self._writable()
        backup = self.backup_state("removal")
        storage, db = self._papers()
        try:
            with storage.batch():
                db.table("papers").remove(doc_ids=list(ids))  # type: ignore[arg-type]
        except OSError as exc:
            self._papers_db = self._papers_storage = None  # memory back to what is on disk
            raise _write_error(Path(exc.filename or self.papers_path), exc) from None
        self._papers_seen = self._papers_stat()  # our own write: not news from another
        by_shard: dict[int, list[str]] = {}
        for pid in ids:
            by_shard.setdefault(shard_of(pid), []).append(pid)
        for shard, pids in sorted(by_shard.items()):
            path = self.abstract_path(shard)
            if path.exists():
                adb = _DB(path, storage=AbstractStorage)
                try:
                    with adb.storage.batch():  # type: ignore[attr-defined]
                        adb.table("abstracts").remove(doc_ids=pids)  # type: ignore[arg-type]
                except OSError as exc:
                    raise _write_error(path, exc) from None
        self.put_states(dict.fromkeys(ids))
        return backup

    # -- triage state -------------------------------------------------------------------
    @property
    def state_path(self) -> Path:
        """The triage state snapshot file."""
        return self.root / "state.json"

    @property
    def restore_marker(self) -> Path:
        """See :data:`RESTORE_NEEDED`."""
        return self.root / RESTORE_NEEDED

    def _state(self) -> tuple[JournalStorage, _DB]:
        if self._state_db is None:
            db = _DB(self.state_path, storage=JournalStorage)
            self._state_storage = db.storage  # type: ignore[assignment]
            self._state_db = db
        assert self._state_storage is not None
        return self._state_storage, self._state_db

    def _refuse_if_set_aside(self) -> None:
        if self.restore_marker.exists():
            aside = self.restore_marker.read_text("utf-8", "replace").strip() or "state.json"
            raise LibraryDamaged(
                f"{self.root / aside} holds the triage state that was found damaged and set "
                "aside; run 'papertui restore' to bring back the latest backup with the "
                f"changes saved since (or delete {self.restore_marker} to start with an "
                "empty triage state)"
            )

    def load_states(self) -> dict[str, Doc]:
        """Every stored triage state, ``{paper id: doc}``.

        Opening a writable library after a change takes a backup and folds the journal
        into the snapshot. Damaged journal lines are skipped (the others kept) and
        reported in :attr:`warnings`.
        """
        self._refuse_if_set_aside()
        storage, _db = self._state()
        with self._hold(self.state_lock, shared=self.readonly):
            try:
                data = storage.read() or {}
            except LibraryDamaged:
                if not self.state_path.exists():  # it was set aside: say so until restored
                    self._mark_restore_needed()
                raise
            if storage.damaged_lines:
                self._report_damaged_lines(storage)
            if not self.readonly and (storage.replayed or storage.damaged_lines):
                try:
                    storage.compact()
                    self.backup_state()
                except StoreError as exc:  # a full disk: open all the same, fold later
                    self.warnings.append(str(exc))
            return dict(data.get("state", {}))

    def _mark_restore_needed(self) -> None:
        aside = sorted(self.root.glob("state.json.damaged-*"))
        with contextlib.suppress(OSError):
            atomic_write(self.restore_marker, (aside[-1].name if aside else "").encode())

    def _report_damaged_lines(self, storage: JournalStorage) -> None:
        lines = storage.damaged_lines
        shown = ", ".join(map(str, lines[:5])) + (", …" if len(lines) > 5 else "")
        kept = ""
        if not self.readonly:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
            copy = storage.journal.with_name(f"{storage.journal.name}.damaged-{stamp}")
            with contextlib.suppress(OSError):
                atomic_write(copy, storage.journal.read_bytes())
                kept = f"; the journal as it was is kept as {copy.name}"
        what = "line" if len(lines) == 1 else "lines"
        self.warnings.append(
            f"{storage.journal}: {what} {shown} damaged and skipped (those changes are lost); "
            f"the other {storage.replayed} records were kept{kept}"
        )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[dict[str, Doc | None] | None]:
        """Hold the state lock with the state read up to date; yields what other processes
        changed since the last read (see :meth:`JournalStorage.sync`). Writes made inside
        (:meth:`put_states`) apply to that latest state."""
        self._writable()
        storage, _ = self._state()
        with self._hold(self.state_lock):
            yield storage.sync()

    def poll_states(self) -> dict[str, Doc | None] | None:
        """What other processes changed since the last read (cheap when nothing did: one
        ``stat`` and one ``fstat``). Appended records are read without a lock (only
        complete lines count); a folded journal is read anew under a shared lock."""
        storage, _ = self._state()
        if storage.folded_elsewhere():
            with self._hold(self.state_lock, shared=True):
                return storage.sync()
        return storage.sync()

    def current_states(self) -> dict[str, Doc]:
        """The triage states as last read (no I/O)."""
        return dict((self._state()[0].read() or {}).get("state", {}))

    def put_states(self, docs: Mapping[str, Doc | None]) -> None:
        """Store (or, for ``None``, forget) the states of some papers; durable on return."""
        self._writable()
        storage, db = self._state()
        table = db.table("state")
        with self._hold(self.state_lock), storage.touching("state", docs):
            table.remove(doc_ids=list(docs))  # type: ignore[arg-type]
            table.insert_multiple(
                Document(doc, doc_id=pid)  # type: ignore[arg-type]
                for pid, doc in docs.items()
                if doc is not None
            )

    # -- backups ------------------------------------------------------------------------
    @property
    def backups_dir(self) -> Path:
        """Where the rotating backups live."""
        return self.root / "backups"

    def backup_state(self, kind: str = "") -> Backup | None:
        """Copy the current triage state into ``backups/`` and keep the newest few.

        Backups are at least :attr:`backup_spacing` apart, except that the first backup of
        a burst of changes stays: a burst of commands replaces its own newest backup (the
        state one command ago) but never the state from before the burst, so neither a
        script of many commands nor a mistake in one rotates the good states away. A
        ``"restore"`` backup (the state a restore replaced) never replaces another.
        """
        self._writable()
        with self._hold(self.state_lock):
            data = self._state()[0].read() or {}
            if not data.get("state"):
                return None
            now = datetime.now(timezone.utc)
            entries = len(data["state"])
            suffix = f"-{kind}" if kind else ""
            name = f"state-{now.strftime('%Y%m%dT%H%M%S%f')}-{entries}{suffix}.json"
            previous = [b for b in self.list_backups() if b.kind == kind]
            path = self.backups_dir / name
            try:
                atomic_write(path, _dumps(data))  # snapshot and journal together
            except OSError as exc:
                raise _write_error(path, exc) from None
            stale = previous[BACKUPS_KEPT - 1 :]
            if not kind and len(previous) >= 2:
                gap = (now - previous[0].taken_at).total_seconds()
                burst = (previous[0].taken_at - previous[1].taken_at).total_seconds()
                if gap < self.backup_spacing and burst < self.backup_spacing:
                    stale = previous[:1] + previous[BACKUPS_KEPT:]  # superseded mid-burst
            for old in stale:
                with contextlib.suppress(OSError):
                    old.path.unlink()
            return next(b for b in self.list_backups() if b.path == path)

    def list_backups(self) -> list[Backup]:
        """The backups, newest first."""
        out = []
        for p in self.backups_dir.glob("state-*.json"):
            # state-STAMP-ENTRIES[-KIND].json: the name says all a listing needs.
            stamp, _, rest = p.stem.removeprefix("state-").partition("-")
            count, _, kind = rest.partition("-")
            try:
                taken = datetime.strptime(stamp, "%Y%m%dT%H%M%S%f").replace(tzinfo=timezone.utc)
                entries = int(count)
            except ValueError:
                continue
            out.append(Backup(p, taken, entries, kind))
        return sorted(out, key=lambda b: b.taken_at, reverse=True)

    def restore_backup(self, backup: Backup) -> int:
        """Make ``backup`` the current triage state; reversible.

        The state it replaces is first kept as a ``restore`` backup (which never replaces
        another). When the state was found damaged and set aside, the journal (the changes
        made after the last backup) is replayed on top of the backup instead, so no decision
        that was saved is lost. No step deletes the chosen backup, and the new state is in
        place before anything is deleted: a kill at any moment leaves it. Returns the number
        of journal records replayed.
        """
        self._writable()
        storage, _ = self._state()
        try:
            data = storage.load_snapshot(backup.path)
        except LibraryDamaged as exc:
            raise StoreError(f"backup {backup.path} is unreadable: {exc}") from None
        replayed = 0
        with self._hold(self.state_lock):
            if self.restore_marker.exists() or not self.state_path.exists():
                log = Journal(storage.journal, valid=JournalStorage.valid_record)
                found = log.read_new()
                log.close()
                for rec in found.records:
                    _apply(data, rec)
                replayed = len(found.records)
            else:
                storage.sync()
                self.backup_state("restore")
            storage.compact(data)
            with contextlib.suppress(FileNotFoundError):
                self.restore_marker.unlink()
        return replayed


def _alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
