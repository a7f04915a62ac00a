"""A word index over the papers' search texts: which papers contain a substring, fast.

Without it, a search keystroke scans every paper's text (about 150 MB at 100k papers, 90 ms
on our machine for a word that few papers contain). With it, a keystroke scans the
*vocabulary* (about 100k distinct words, 1 MB) and combines the papers of the words found.

Substring semantics are kept exactly. The texts are the case-folded search texts of
:func:`papertui.query.search_text`, taken as UTF-8. A *token* is a maximal run of *word
bytes*: ASCII letters and digits, and every byte of a non-ASCII character. A needle made of
word bytes only (``diff``, ``former``, ``3d``, ``naïve``) can only occur inside one token,
so the papers containing it are exactly the papers of the vocabulary words containing it:
no text is read. A needle with other characters (``"diffusion model"``, ``3d-gan``,
``c++``) yields *candidates*, the papers that have, for each of its word pieces, some word
containing that piece; the caller checks those texts (:attr:`Found.exact` is False).

Papers are numbered by their position in the index (:attr:`WordIndex.pids`). A *common*
word (in at least 1/64 of the papers) keeps its papers as a bitmap, one bit per paper, in a
Python ``int``: the bitmaps of all the common words containing ``d`` are OR-ed in C in a
millisecond. The other words keep sorted arrays of paper numbers.

Building costs about 90 µs per paper (tokenising in CPython), so the app builds the index in
a separate process (``papertui index``) and keeps it as a cache file next to the library.
Each paper's entry carries the CRC-32 of the text it was built from: a paper whose text
changed since (re-import) or that is new is simply not *covered*, and the library checks
those few papers' texts directly. The file carries a CRC-32 of its contents: a damaged or
foreign file is refused (the app rebuilds it). It holds nothing that is not derived from
the library, so it is always safe to delete.

Pure Python, no Textual, no TinyDB.
"""

from __future__ import annotations

import json
import operator
import re
import sys
import zlib
from array import array
from bisect import bisect_right
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from functools import reduce
from itertools import accumulate, chain, compress, repeat
from pathlib import Path
from typing import NamedTuple

from papertui.fsutil import atomic_write

__all__ = [
    "FORMAT_VERSION",
    "Found",
    "IndexDamaged",
    "WordIndex",
    "bitmap_of",
    "build",
    "mask_of",
    "signature",
]

FORMAT_VERSION = 1
MAGIC = b"papertui word index\n"

_WORD_BYTES = bytes(c if (48 <= c <= 57 or 97 <= c <= 122 or c >= 128) else 32 for c in range(256))
"""``bytes.translate`` table: word bytes stay, every other byte becomes a space.

Search texts are case-folded, so there are no ASCII capitals to keep.
"""

_EXPAND = [bytes((b >> k) & 1 for k in range(8)) for b in range(256)]
"""One byte of a bitmap (8 papers) -> 8 bytes of a mask (one per paper, 0 or 1)."""

COMMON_SHARE = 64
"""A word in at least ``papers // COMMON_SHARE`` papers keeps a bitmap (see the module doc)."""

_MIN_COMMON = 64
"""... but never a bitmap for a word in fewer papers than this (small libraries)."""


_REFINE_MAX = 5000
"""Refine the last piece's rare words by filtering them when there are fewer than this;
more, and one scan of the joined vocabulary is faster."""

_PROGRESS_EVERY = 2000
"""Papers between two progress reports while building."""

_CACHE_SIZE = 256
"""How many pieces' bitmaps :class:`WordIndex` remembers."""


class IndexDamaged(Exception):
    """The index file is not a papertui word index this version can read."""


def signature(text: str) -> int:
    """The CRC-32 of a search text: tells whether the index entry is still about it."""
    return zlib.crc32(text.encode())


def word_pieces(needle: str) -> list[bytes]:
    """A needle's runs of word bytes (the whole needle, encoded, when it is one word)."""
    return needle.encode().translate(_WORD_BYTES).split()


class Found(NamedTuple):
    """The papers a needle may occur in."""

    bits: int
    """A bitmap: bit ``i`` is set if paper ``i`` may contain the needle."""
    exact: bool
    """True if every paper marked does contain it (the needle is a single word)."""


class WordIndex:
    """An in-memory word index (see the module doc). Build with :func:`build` or
    :meth:`load`; query with :meth:`find` and :meth:`mask`."""

    def __init__(
        self,
        pids: list[str],
        sigs: array[int],
        common: list[bytes],
        bitmaps: list[int],
        rare: list[bytes],
        offsets: array[int],
        postings: array[int],
        unigrams: dict[int, int],
    ) -> None:
        self.pids = pids
        """Paper ids by paper number."""
        self.sigs = sigs
        """:func:`signature` of each paper's text when it was indexed."""
        self._common = common
        self._bitmaps = bitmaps
        self._rare = rare
        self._offsets = offsets
        self._postings = postings
        self._all = (1 << len(pids)) - 1
        self._unigrams = unigrams
        self._rare_blob = b"\n".join(rare)
        self._rare_starts = list(accumulate(map((1).__add__, map(len, rare)), initial=0))
        self._last: tuple[bytes, list[int]] | None = None
        """The last word piece looked for among the rare words and the words containing
        it: the next keystroke (a longer piece) usually only needs to look among those."""
        self._cache: dict[bytes, int] = {}
        """Recent pieces and their papers (typing back and forth, the same search again)."""

    def __len__(self) -> int:
        return len(self.pids)

    @property
    def words(self) -> int:
        """The size of the vocabulary."""
        return len(self._common) + len(self._rare)

    # -- queries ----------------------------------------------------------------------------
    @property
    def everything(self) -> int:
        """The bitmap of every paper."""
        return self._all

    def find(self, needle: str) -> Found | None:
        """The papers that may contain ``needle`` (None if it has no word piece at all, e.g.
        ``-``: only reading the texts can tell)."""
        pieces = word_pieces(needle)
        if not pieces:
            return None
        bits = self._all
        for piece in pieces:
            bits &= self._containing(piece)
            if not bits:
                break
        return Found(bits, len(pieces) == 1 and pieces[0] == needle.encode())

    def add_unigrams(self) -> None:
        """Work out, for each word byte, the papers that have it (one-letter searches are
        the broadest: answered from these bitmaps with no work at all)."""
        common = _words_by_byte(self._common)
        rare = _words_by_byte(self._rare)
        unigrams = {}
        for char in sorted(common.keys() | rare.keys()):
            bits: int = reduce(
                operator.or_, map(self._bitmaps.__getitem__, common.get(char, ())), 0
            )
            if bits != self._all and char in rare:
                bits |= self._papers_of(rare[char])
            unigrams[char] = bits
        self._unigrams = unigrams

    def _rare_with(self, piece: bytes) -> list[int]:
        """The numbers of the rare words that contain ``piece``."""
        last = self._last
        if last is not None and last[0] in piece and len(last[1]) < _REFINE_MAX:
            # Typing on: a word containing "diffu" contains "diff"; look among those only.
            prev = last[1]
            found = _having(prev, map(self._rare.__getitem__, prev), piece)
        else:
            # One scan of the joined vocabulary (C speed); each hit's word by bisection.
            # (A word that has the piece twice counts once: dict.fromkeys keeps the order.)
            hits = (m.start() for m in re.finditer(re.escape(piece), self._rare_blob))
            ends = map(bisect_right, repeat(self._rare_starts), hits)
            found = [i - 1 for i in dict.fromkeys(ends)]
        self._last = (piece, found)
        return found

    def _containing(self, piece: bytes) -> int:
        """A bitmap of the papers that have a word containing ``piece``."""
        if len(piece) == 1:
            return self._unigrams.get(piece[0], 0)
        cached = self._cache.get(piece)
        if cached is not None:
            return cached
        has = operator.contains
        common = compress(self._bitmaps, map(has, self._common, repeat(piece)))
        bits: int = reduce(operator.or_, common, 0)
        if bits != self._all:
            rare = self._rare_with(piece)
            if rare:
                bits |= self._papers_of(rare)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[piece] = bits
        return bits

    def _papers_of(self, rare: list[int]) -> int:
        """A bitmap of the papers of some rare words."""
        # Slices of one flat array, gathered without a Python loop.
        offsets, postings = self._offsets, self._postings
        starts = map(offsets.__getitem__, rare)
        ends = map(offsets.__getitem__, map((1).__add__, rare))
        papers = chain.from_iterable(map(postings.__getitem__, map(slice, starts, ends)))
        return _pack(_marks(len(self.pids), papers))

    def mask(self, bits: int) -> bytes:
        """A bitmap as one byte per paper (1 if its bit is set, else 0)."""
        return mask_of(bits, len(self.pids))

    # -- file -------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the index to ``path`` atomically."""
        nbytes = (len(self.pids) + 7) // 8
        pids = "\n".join(self.pids).encode()
        common = b"\n".join(self._common)
        rare = b"\n".join(self._rare)
        header = {
            "version": FORMAT_VERSION,
            "byteorder": sys.byteorder,
            "papers": len(self.pids),
            "common": len(self._common),
            "rare": len(self._rare),
            "postings": len(self._postings),
            "unigrams": len(self._unigrams),
            "sizes": [len(pids), len(common), len(rare)],
        }
        body = [
            pids,
            self.sigs.tobytes(),
            common,
            rare,
            b"".join(b.to_bytes(nbytes, "little") for b in self._bitmaps),
            self._offsets.tobytes(),
            self._postings.tobytes(),
            bytes(self._unigrams),
            b"".join(b.to_bytes(nbytes, "little") for b in self._unigrams.values()),
        ]
        data = b"".join(body)
        header["crc32"] = zlib.crc32(data)
        head = json.dumps(header).encode()
        atomic_write(path, b"".join((MAGIC, len(head).to_bytes(4, "little"), head, data)))

    @classmethod
    def load(cls, path: Path) -> WordIndex:
        """Read an index written by :meth:`save` (OSError if unreadable, :class:`IndexDamaged`
        if it is not a complete index of this format)."""
        data = memoryview(path.read_bytes())
        try:
            return cls._parse(data)
        except IndexDamaged:
            raise
        except (ValueError, KeyError, TypeError, IndexError, OverflowError) as exc:
            raise IndexDamaged(f"{path.name}: {exc}") from None

    @classmethod
    def _parse(cls, data: memoryview) -> WordIndex:
        if bytes(data[: len(MAGIC)]) != MAGIC:
            raise IndexDamaged("not a papertui word index")
        at = len(MAGIC)
        size = int.from_bytes(data[at : at + 4], "little")
        at += 4
        header = json.loads(bytes(data[at : at + size]))
        at += size
        if not isinstance(header, dict) or header.get("version") != FORMAT_VERSION:
            raise IndexDamaged("written by another version")
        if header["byteorder"] != sys.byteorder:
            raise IndexDamaged("written on another kind of machine")
        if header["crc32"] != zlib.crc32(data[at:]):
            raise IndexDamaged("its contents do not match their checksum")
        n, ncommon, nrare, npost, nuni = (
            int(header[k]) for k in ("papers", "common", "rare", "postings", "unigrams")
        )
        spids, scommon, srare = (int(s) for s in header["sizes"])
        nbytes = (n + 7) // 8

        def take(count: int) -> memoryview:
            nonlocal at
            if count < 0 or at + count > len(data):
                raise IndexDamaged("truncated")
            part = data[at : at + count]
            at += count
            return part

        def words(blob: memoryview, count: int) -> list[bytes]:
            found = bytes(blob).split(b"\n") if count else []
            if len(found) != count:
                raise IndexDamaged("word list does not match its header")
            return found

        pids = bytes(take(spids)).decode().split("\n") if n else []
        if len(pids) != n:
            raise IndexDamaged("paper list does not match its header")
        sigs = array("I")
        sigs.frombytes(take(4 * n))
        common = words(take(scommon), ncommon)
        rare = words(take(srare), nrare)
        bitmaps = [int.from_bytes(take(nbytes), "little") for _ in range(ncommon)]
        offsets = array("I")
        offsets.frombytes(take(4 * (nrare + 1)))
        postings = array("I")
        postings.frombytes(take(4 * npost))
        chars = bytes(take(nuni))
        unigrams = {c: int.from_bytes(take(nbytes), "little") for c in chars}
        if at != len(data) or offsets[-1] != npost or (npost and max(postings) >= n):
            raise IndexDamaged("sections do not match their header")
        return cls(pids, sigs, common, bitmaps, rare, offsets, postings, unigrams)


WordLists = tuple[dict[bytes, list[int]], "array[int]"]
"""The papers having each word (their numbers, ascending) and each text's signature, for
some of the texts: :func:`word_lists`."""


def word_lists(
    texts: Iterable[str],
    start: int = 0,
    progress: Callable[[int], None] | None = None,
) -> WordLists:
    """Each word's papers among ``texts``, numbered from ``start``, and each text's
    signature: the part of :func:`build` that reads the texts (another process can make
    it for the last texts: :mod:`papertui.featuresjob`). ``progress(done)`` is called
    every few thousand texts."""
    sigs = array("I")
    papers: defaultdict[bytes, list[int]] = defaultdict(list)
    of = papers.__getitem__
    for n, text in enumerate(texts, start):
        raw = text.encode()
        sigs.append(zlib.crc32(raw))
        # The paper's number appended to each of its words' lists, without a Python loop.
        deque(map(list.append, map(of, set(raw.translate(_WORD_BYTES).split())), repeat(n)), 0)
        if progress is not None and not (n + 1 - start) % _PROGRESS_EVERY:
            progress(n + 1 - start)
    return dict(papers), sigs


def build(
    pids: Sequence[str],
    texts: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
    *,
    rest: tuple[int, Callable[[], WordLists | None]] | None = None,
) -> WordIndex:
    """Index ``texts`` (search texts, aligned with ``pids``); ``progress(done, total)`` is
    called every few thousand papers. With ``rest`` = ``(k, made)``, only the first ``k``
    texts are read here: ``made()`` gives the :func:`word_lists` of the others (numbered
    from ``k``, made by another process meanwhile), or None, and then they are read here."""
    total = len(pids)
    tick = None if progress is None else (lambda done: progress(done, total))
    split = len(texts) if rest is None else min(rest[0], len(texts))
    papers, sigs = word_lists(texts[:split] if split < len(texts) else texts, 0, tick)
    if split < len(texts):
        more = rest[1]() if rest is not None else None
        if more is None or len(more[1]) != len(texts) - split:  # made here after all
            more = word_lists(texts[split:], split)
        of = papers.setdefault
        for word, found in more[0].items():
            of(word, []).extend(found)
        sigs.extend(more[1])
    n = len(sigs)
    if n != total:
        raise ValueError(f"{n} texts for {total} papers")
    threshold = max(_MIN_COMMON, n // COMMON_SHARE)
    common: list[bytes] = []
    bitmaps: list[int] = []
    rare: list[bytes] = []
    offsets = array("I", [0])
    postings = array("I")
    for word in sorted(papers):
        found = papers[word]
        if len(found) >= threshold:
            common.append(word)
            bitmaps.append(_bitmap(n, found))
        else:
            rare.append(word)
            postings.extend(found)
            offsets.append(len(postings))
    index = WordIndex(list(pids), sigs, common, bitmaps, rare, offsets, postings, {})
    index.add_unigrams()
    return index


def _bitmap(n: int, papers: list[int]) -> int:
    """:func:`bitmap_of` for a common word's many papers (numpy: twice as fast)."""
    import numpy as np

    mask = np.zeros(n, bool)
    mask[np.fromiter(papers, np.int64, len(papers))] = True
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


def mask_of(bits: int, n: int) -> bytes:
    """A bitmap of ``n`` papers as one byte per paper (1 if its bit is set, else 0)."""
    if not bits:
        return bytes(n)
    if bits == (1 << n) - 1:
        return b"\x01" * n
    return b"".join(map(_EXPAND.__getitem__, bits.to_bytes((n + 7) // 8, "little")))[:n]


def bitmap_of(n: int, numbers: Iterable[int]) -> int:
    """The bitmap of ``n`` papers with the given paper numbers set (no Python loop)."""
    return _pack(_marks(n, numbers))


def _words_by_byte(words: Iterable[bytes]) -> dict[int, list[int]]:
    """For each byte value, the numbers of the words that contain it."""
    by_byte: defaultdict[int, list[int]] = defaultdict(list)
    of = by_byte.__getitem__
    for i, word in enumerate(words):
        deque(map(list.append, map(of, set(word)), repeat(i)), 0)
    return by_byte


def _having(numbers: Iterable[int], texts: Iterable[bytes], piece: bytes) -> list[int]:
    """The ``numbers`` whose text (aligned) contains ``piece`` (no Python code per text)."""
    return list(compress(numbers, map(operator.contains, texts, repeat(piece))))


def _marks(n: int, papers: Iterable[int]) -> bytearray:
    """A mask of ``n`` papers with ``papers`` set."""
    mask = bytearray(n)
    deque(map(mask.__setitem__, papers, repeat(1)), 0)
    return mask


def _pack(mask: bytes | bytearray) -> int:
    """A mask (one byte per paper, 0 or 1) as a bitmap (bit ``i`` for paper ``i``).

    In C, with big-int shifts: read as one integer, paper ``8g + j`` is bit ``64g + 8j``;
    OR-ing the integer shifted right by ``7j`` for ``j`` in 0..7 brings bit ``64g + 8j`` to
    ``64g + j`` and nothing else there (other set bits are multiples of 8 apart), so every
    8th byte of the result is one byte of the bitmap.
    """
    if not mask:
        return 0
    m = int.from_bytes(mask, "little")
    spread = m | m >> 7 | m >> 14 | m >> 21 | m >> 28 | m >> 35 | m >> 42 | m >> 49
    return int.from_bytes(spread.to_bytes(len(mask), "little")[::8], "little")
