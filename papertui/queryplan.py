"""Evaluating a whole query on bitmaps instead of paper by paper.

A query's predicate (:attr:`papertui.query.Query.predicate`) costs a few Python calls per
paper: 200-300 ms for a filter or an ``OR`` over 100k papers. Here every term becomes a
*bitmap* over the library's rows (bit ``i`` for row ``i``, a Python ``int``, so that AND, OR
and NOT over 100k papers are one C loop of 12.5 KB each):

- words and phrases from the word index (:class:`IndexedText`; the few texts it cannot
  vouch for are read),
- ``is:``, ``tag:``, ``has:note``, ``has:tags`` from :class:`StateBits`, kept up to date
  action by action (:meth:`StateBits.update`, a few microseconds),
- ``has:code``, ``has:project``, ``upvotes``, ``year``, ``after``, ``before`` from
  :class:`CorpusColumns`: flags packed once, numbers and dates sorted once, so that a range
  is two bisections and one slice.

Each term gives two bitmaps (:class:`Bits`): the rows that surely match and the rows that
may. Terms this module does not know (new filters, ``like:``) give "nothing sure, anything
possible"; AND and OR combine both bitmaps, NOT swaps and complements them, so that, at the
end, only the rows in ``maybe`` but not ``yes`` are left for the predicate
(:func:`evaluate`, :func:`select_rows`). A query made of known terms needs no predicate at
all.

Pure Python, no Textual, no storage: the library hands in its columns, states and texts.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from itertools import compress, repeat
from typing import Any, NamedTuple, cast

from papertui.models import TriageState
from papertui.query import (
    Query,
    _All,
    _Any,
    _Flag,
    _Lit,
    _Nnf,
    _Published,
    _Tag,
    _Text,
    _Upvotes,
)
from papertui.tags import normalise_tag
from papertui.wordindex import WordIndex, bitmap_of

__all__ = [
    "Bits",
    "CorpusColumns",
    "IndexedText",
    "StateBits",
    "evaluate",
    "rows_of",
    "select_rows",
]


class Bits(NamedTuple):
    """What a term says about the rows: ``yes`` surely match, ``maybe`` may (``yes`` is a
    subset of ``maybe``; rows outside ``maybe`` surely do not match)."""

    yes: int
    maybe: int


def rows_of(bits: int, n: int) -> list[int]:
    """The row numbers set in a bitmap of ``n`` rows, ascending."""
    if not bits:
        return []
    return _nonzero(bits, n).tolist()  # type: ignore[no-any-return]


def _numpy() -> Any:
    """numpy, imported when first needed (not when this module is: opening a library does
    not load it; the bitmaps are made in a worker, which imports it first)."""
    import numpy

    return numpy


def _nonzero(bits: int, n: int) -> Any:
    """The row numbers set in a bitmap of ``n`` rows, ascending, as a numpy array (a
    fraction of a millisecond at 100k rows: no Python object per row)."""
    np = _numpy()
    raw = np.frombuffer(bits.to_bytes((n + 7) // 8, "little"), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(raw, count=n, bitorder="little"))


def _bitmap(n: int, rows: Any) -> int:
    """The bitmap of ``n`` rows with ``rows`` (a numpy array of row numbers) set."""
    np = _numpy()
    mask = np.zeros(n, dtype=np.uint8)
    mask[rows] = 1
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


# --------------------------------------------------------------------------- the corpus


_CACHE = 32
"""How many ranges (upvotes, dates) and needles each source remembers."""


_ORDER_PIECE = 8192
"""Values copied into numpy at a time by :func:`_stable_order`."""


def _stable_order(keys: list[Any]) -> list[int]:
    """The positions of ``keys`` in ascending order, ties in their order (what sorting
    ``(key, position)`` pairs gives). The bitmaps are made in a worker thread: a ``sorted``
    of 100k pairs held the GIL for 50-150 ms, the app's event loop waiting; numpy sorts
    whole numbers and strings with the GIL released, and they are copied in a piece at a
    time. Other keys (mixed types) are sorted as pairs."""
    kinds = set(map(type, keys))
    np = _numpy()
    if kinds == {int}:
        try:
            array = np.fromiter(keys, np.int64, len(keys))
        except OverflowError:
            array = None
    elif kinds == {str} and "\x00" not in "".join(keys):  # numpy drops trailing NULs
        array = np.empty(len(keys), dtype=f"U{max(map(len, keys))}")
        for start in range(0, len(keys), _ORDER_PIECE):
            array[start : start + _ORDER_PIECE] = keys[start : start + _ORDER_PIECE]
    else:
        array = None
    if array is None:
        return [i for _, i in sorted(zip(keys, range(len(keys)), strict=True))]
    return cast(list[int], np.argsort(array, kind="stable").tolist())


def _int_array(values: Sequence[int]) -> Any:
    """``values`` as a numpy array, copied a piece at a time (in one call, 100k values held
    the GIL against the event loop for 10-30 ms)."""
    np = _numpy()
    array = np.empty(len(values), dtype=np.intp)
    for start in range(0, len(values), _ORDER_PIECE):
        array[start : start + _ORDER_PIECE] = values[start : start + _ORDER_PIECE]
    return array


class _Sorted:
    """One column's known values sorted, with their rows: a range is a slice."""

    def __init__(self, n: int, values: Sequence[Any]) -> None:
        rows = [i for i, v in enumerate(values) if v is not None]
        known = list(map(values.__getitem__, rows))
        order = _stable_order(known)
        self.n = n
        self.values = list(map(known.__getitem__, order))
        self.rows = list(map(rows.__getitem__, order))
        self.known = bitmap_of(n, self.rows)
        self._cache: dict[tuple[Any, Any], int] = {}

    def between(self, lo: Any, hi: Any) -> int:
        """The rows whose value lies in ``[lo, hi]`` (``None``: unbounded)."""
        key = (lo, hi)
        bits = self._cache.get(key)
        if bits is None:
            start = 0 if lo is None else bisect_left(self.values, lo)
            end = len(self.values) if hi is None else bisect_right(self.values, hi)
            bits = self.known if (start, end) == (0, len(self.values)) else 0
            if start < end and not bits:
                bits = bitmap_of(self.n, self.rows[start:end])
            if len(self._cache) >= _CACHE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = bits
        return bits


class CorpusColumns:
    """The papers' own facts by row: link flags, upvotes and dates (built once per corpus).

    ``published`` holds ISO dates (``"2024-05-01"``) or None, as the corpus stores them;
    ``code`` and ``project`` anything whose truth says whether the paper has such a link.
    """

    def __init__(
        self,
        upvotes: Sequence[int | None],
        published: Sequence[str | None],
        code: Sequence[Any],
        project: Sequence[Any],
    ) -> None:
        n = len(upvotes)
        if not len(published) == len(code) == len(project) == n:
            raise ValueError("columns of different lengths")
        self.n = n
        self.everything = (1 << n) - 1
        self.code = bitmap_of(n, compress(range(n), map(bool, code)))
        self.project = bitmap_of(n, compress(range(n), map(bool, project)))
        self._upvotes = _Sorted(n, upvotes)
        self._published = _Sorted(n, [p or None for p in published])

    def upvotes(self, lo: int | None, hi: int | None) -> tuple[int, int]:
        """The rows with upvotes in ``[lo, hi]``, and the rows with a known count."""
        return self._upvotes.between(lo, hi), self._upvotes.known

    def published(self, lo: date | None, hi: date | None) -> tuple[int, int]:
        """The rows published in ``[lo, hi]``, and the rows with a known date."""
        found = self._published.between(
            None if lo is None else lo.isoformat(), None if hi is None else hi.isoformat()
        )
        return found, self._published.known


# --------------------------------------------------------------------------- triage state


class StateBits:
    """The triage state as bitmaps by row, kept up to date one change at a time."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.starred = 0
        self.read = 0
        self.dismissed = 0
        self.noted = 0
        self.tagged = 0
        self._tags: dict[str, int] = {}
        """Tag name -> its rows, under both the name stored and its normal form (what
        ``tag:NAME`` matches, see :func:`_tag_keys`)."""

    @classmethod
    def build(cls, n: int, states: Mapping[str, TriageState], row: Mapping[str, int]) -> StateBits:
        """The bitmaps of ``states`` (papers not in ``row`` are ignored)."""
        bits = cls(n)
        starred: list[int] = []
        read: list[int] = []
        dismissed: list[int] = []
        noted: list[int] = []
        tagged: list[int] = []
        tags: dict[str, list[int]] = {}
        for pid, state in states.items():
            i = row.get(pid)
            if i is None:
                continue
            if state.starred:
                starred.append(i)
            if state.read:
                read.append(i)
            if state.dismissed:
                dismissed.append(i)
            if state.note.strip():
                noted.append(i)
            if state.tags:
                tagged.append(i)
                for tag in _tag_keys(state.tags):
                    tags.setdefault(tag, []).append(i)
        bits.starred, bits.read = bitmap_of(n, starred), bitmap_of(n, read)
        bits.dismissed = bitmap_of(n, dismissed)
        bits.noted, bits.tagged = bitmap_of(n, noted), bitmap_of(n, tagged)
        bits._tags = {tag: bitmap_of(n, rows) for tag, rows in tags.items()}
        return bits

    def grow(self, n: int) -> None:
        """Room for new rows (an import appended papers: they have no state yet)."""
        self.n = max(self.n, n)

    def update(self, i: int, old: TriageState, new: TriageState) -> None:
        """Row ``i``'s state went from ``old`` to ``new``."""
        bit = 1 << i
        if old.starred != new.starred:
            self.starred ^= bit
        if old.read != new.read:
            self.read ^= bit
        if old.dismissed != new.dismissed:
            self.dismissed ^= bit
        if bool(old.note.strip()) != bool(new.note.strip()):
            self.noted ^= bit
        if bool(old.tags) != bool(new.tags):
            self.tagged ^= bit
        was, now = _tag_keys(old.tags), _tag_keys(new.tags)
        for tag in was - now:
            left = self._tags[tag] & ~bit
            if left:
                self._tags[tag] = left
            else:
                del self._tags[tag]
        for tag in now - was:
            self._tags[tag] = self._tags.get(tag, 0) | bit

    def tag(self, name: str) -> int:
        """The rows ``tag:NAME`` matches (``name`` in normal form): those with a tag that
        is ``name`` or whose normal form is."""
        return self._tags.get(name, 0)

    @property
    def decided(self) -> int:
        """The rows out of the inbox: queued, read or dismissed."""
        return self.starred | self.read | self.dismissed


def _tag_keys(tags: Iterable[str]) -> set[str]:
    """The names a state's tags are found under: each as stored and in normal form."""
    return {key for tag in tags for key in (tag, normalise_tag(tag))}


# --------------------------------------------------------------------------- texts


class IndexedText:
    """Words and phrases answered from a :class:`papertui.wordindex.WordIndex`, exactly.

    ``row_of`` maps each index number to its row (None: index number ``j`` is row ``j``;
    ``n`` for a paper of the index the rows do not have, or whose entry is stale);
    ``uncovered`` marks the rows the index does not vouch for (new or changed papers), and
    ``texts(rows)`` gives those rows' search texts: those rows, and the candidates of a
    needle that is not a single word (a phrase, ``3d-gan``), are read.

    A needle's rows are remembered (:data:`_CACHE` of them). A needle that contains one
    remembered (``"latent diffusion model"`` after ``"latent diffusion"``, a phrase typed on)
    is only looked for in that one's rows: a text without the shorter needle cannot have
    the longer one.
    """

    def __init__(
        self,
        index: WordIndex,
        n: int,
        row_of: Sequence[int] | None,
        uncovered: int,
        texts: Callable[[list[int]], list[str]],
    ) -> None:
        self.index = index
        self.n = n
        self._row_of = None if row_of is None else _int_array(row_of)
        """Index number -> row, as an array: an index bitmap becomes rows in C."""
        self._stale = self._row_of is not None and bool((self._row_of >= n).any())
        """Whether some index numbers have no row (``n``)."""
        self.uncovered = uncovered
        self._covered = ((1 << n) - 1) & ~uncovered
        self._texts = texts
        self._cache: dict[str, int] = {}

    def _rows(self, bits: int) -> int:
        """An index bitmap in row numbers (rows the index does not cover left out)."""
        if self._row_of is None:
            return bits & self._covered
        rows = self._row_of[_nonzero(bits, len(self.index))]
        if self._stale:
            rows = rows[rows < self.n]
        return _bitmap(self.n, rows) & self._covered

    def _having(self, bits: int, needle: str) -> int:
        """The rows of ``bits`` whose text contains ``needle`` (texts read, in C), looked
        for only among the rows of a remembered needle it contains."""
        for shorter, found in self._cache.items():
            if shorter in needle:
                bits &= found
        if not bits:
            return 0
        np = _numpy()
        rows = _nonzero(bits, self.n)
        texts = self._texts(rows.tolist())
        has = np.fromiter(
            map(operator.contains, texts, repeat(needle)), dtype=bool, count=len(rows)
        )
        return _bitmap(self.n, rows[has])

    def find(self, needle: str) -> int:
        """The rows whose search text contains ``needle`` (case-folded)."""
        bits = self._cache.get(needle)
        if bits is not None:
            return bits
        found = self.index.find(needle)
        if found is None:  # no letter or digit: only the texts can tell
            bits = self._having((1 << self.n) - 1, needle)
        elif found.exact:
            bits = self._rows(found.bits)
            if self.uncovered:
                bits |= self._having(self.uncovered, needle)
        else:  # candidates, and the rows the index does not vouch for: read them all
            bits = self._having(self._rows(found.bits) | self.uncovered, needle)
        if len(self._cache) >= _CACHE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[needle] = bits
        return bits


# --------------------------------------------------------------------------- evaluation


def _leaf(
    lit: _Lit,
    everything: int,
    text: IndexedText | None,
    corpus: CorpusColumns,
    states: StateBits,
) -> Bits:
    """One (possibly negated) term."""
    leaf = lit.leaf
    if isinstance(leaf, _Upvotes | _Published):
        if isinstance(leaf, _Upvotes):
            found, known = corpus.upvotes(leaf.lo, leaf.hi)
        else:
            found, known = corpus.published(leaf.lo, leaf.hi)
        bits = known & ~found if lit.negated else found  # unknown values never match
        return Bits(bits, bits)
    exact: int | None = None
    if isinstance(leaf, _Text):
        if text is not None:
            exact = text.find(leaf.needle)
    elif isinstance(leaf, _Tag):
        exact = states.tag(leaf.name)
    elif isinstance(leaf, _Flag):
        exact = {
            "starred": states.starred,
            "read": states.read,
            "dismissed": states.dismissed,
            "note": states.noted,
            "tags": states.tagged,
            "code": corpus.code,
            "project": corpus.project,
        }.get(leaf.name)
    if exact is None:  # a term only the predicate knows
        return Bits(0, everything)
    if lit.negated:
        exact = everything & ~exact
    return Bits(exact, exact)


def _eval(
    node: _Nnf, everything: int, text: IndexedText | None, corpus: CorpusColumns, states: StateBits
) -> Bits:
    if isinstance(node, _Lit):
        return _leaf(node, everything, text, corpus, states)
    parts = [_eval(child, everything, text, corpus, states) for child in node.children]
    if isinstance(node, _All):
        yes = maybe = everything
        for part in parts:
            yes &= part.yes
            maybe &= part.maybe
            if not maybe:
                break
        return Bits(yes & maybe, maybe)
    assert isinstance(node, _Any)
    yes = maybe = 0
    for part in parts:
        yes |= part.yes
        maybe |= part.maybe
    return Bits(yes, maybe)


def evaluate(
    query: Query, text: IndexedText | None, corpus: CorpusColumns, states: StateBits
) -> Bits:
    """The rows matching ``query``, surely (``yes``) and possibly (``maybe``).

    Without ``text`` (no index yet), words and phrases are left to the predicate.
    """
    everything = corpus.everything
    tree = query.tree
    if tree is None:
        return Bits(everything, everything)
    return _eval(tree, everything, text, corpus, states)


def select_rows(
    query: Query,
    within: int,
    order: Sequence[int] | None,
    text: IndexedText | None,
    corpus: CorpusColumns,
    states: StateBits,
    check: Callable[[Iterable[int]], Iterable[int]],
) -> list[int]:
    """The rows of ``within`` (a view's bitmap) that match ``query``, in ``order`` (row
    numbers in display order; None: ascending).

    ``check(rows)`` runs the query's predicate on the rows the bitmaps leave undecided and
    returns those that match (only terms this module does not know need it).
    """
    yes, maybe = evaluate(query, text, corpus, states)
    yes &= within
    doubt = maybe & within & ~yes
    if doubt:
        yes |= bitmap_of(corpus.n, check(rows_of(doubt, corpus.n)))
    if order is None:
        return rows_of(yes, corpus.n)
    np = _numpy()
    if not yes:
        return []
    raw = np.frombuffer(yes.to_bytes((corpus.n + 7) // 8, "little"), dtype=np.uint8)
    keep = np.unpackbits(raw, count=corpus.n, bitorder="little").view(bool)
    in_order = _as_array(order)
    return in_order[keep[in_order]].tolist()  # type: ignore[no-any-return]


_last_order: tuple[Sequence[int], Any] | None = None
"""The last display order :func:`select_rows` was given, with it as a numpy array (the same
order comes with every keystroke: converted once). The list is held, so no other object
can take its identity."""


def _as_array(order: Sequence[int]) -> Any:
    """``order`` as a numpy array of row numbers."""
    global _last_order
    last = _last_order
    if last is None or last[0] is not order:
        np = _numpy()
        last = (order, np.asarray(order, dtype=np.intp))
        _last_order = last
    return last[1]
