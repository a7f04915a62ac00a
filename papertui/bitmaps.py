"""The library's search bitmaps: built from its columns, triage states and word index, kept
up to date as they change, and used to answer a whole query (:mod:`papertui.queryplan`).

Owned by :class:`papertui.library.Library`, which calls :meth:`LibraryBitmaps.select` under
its lock and tells it what changed: the corpus (an import), the word index (attached), the
triage states (each action, and what other processes wrote). Built lazily: a library that
is never searched never builds them. Pure Python, no Textual, no storage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import compress
from operator import not_
from typing import Any, Protocol

from papertui.models import TriageState
from papertui.query import Query
from papertui.queryplan import CorpusColumns, IndexedText, StateBits, select_rows
from papertui.wordindex import WordIndex, bitmap_of

__all__ = ["LibraryBitmaps", "LibrarySource", "Source"]

_DEFAULT = TriageState()


class Source(Protocol):
    """What the bitmaps read from the library (its own attributes and methods)."""

    @property
    def ids(self) -> Sequence[str]: ...

    @property
    def row_map(self) -> Mapping[str, int]: ...

    def column(self, name: str) -> Sequence[Any]: ...

    def search_texts(self, pids: list[str]) -> list[str]: ...

    def row_texts(self, rows: list[int]) -> list[str]: ...

    def word_index(self) -> tuple[WordIndex | None, Mapping[str, int]]: ...

    @property
    def states(self) -> Mapping[str, TriageState]: ...

    def sorted_ids(self, sort: Any) -> list[str]: ...

    def matches(self, query: Query) -> Callable[[str], bool]: ...


class LibrarySource:
    """A :class:`Source` reading a :class:`papertui.library.Library` (its parts and a few
    of its internals: this module is the library's own part, split out to keep the facade
    small)."""

    def __init__(self, library: Any) -> None:
        self._lib = library

    @property
    def ids(self) -> Sequence[str]:
        return self._lib.corpus.ids  # type: ignore[no-any-return]

    @property
    def row_map(self) -> Mapping[str, int]:
        return self._lib.corpus.row  # type: ignore[no-any-return]

    def column(self, name: str) -> Sequence[Any]:
        corpus = self._lib.corpus
        return corpus.cols.get(name, [None] * len(corpus.ids))  # type: ignore[no-any-return]

    def search_texts(self, pids: list[str]) -> list[str]:
        return self._lib._haystacks_of(pids)  # type: ignore[no-any-return]

    def row_texts(self, rows: list[int]) -> list[str]:
        return self._lib.row_haystacks(rows)  # type: ignore[no-any-return]

    def word_index(self) -> tuple[WordIndex | None, Mapping[str, int]]:
        return self._lib.words.index, self._lib.words.index_of

    @property
    def states(self) -> Mapping[str, TriageState]:
        return self._lib.decisions.states  # type: ignore[no-any-return]

    def sorted_ids(self, sort: Any) -> list[str]:
        return self._lib._sorted_ids(sort)  # type: ignore[no-any-return]

    def matches(self, query: Query) -> Callable[[str], bool]:
        pred, states, text, paper = (
            query.predicate,
            self._lib.decisions.states,
            self._lib.texts.haystack,
            self._lib.paper,
        )
        return lambda pid: pred(paper(pid), states.get(pid, _DEFAULT), text(pid))


class LibraryBitmaps:
    """Bitmaps over the library's rows (see :mod:`papertui.queryplan`), cached."""

    def __init__(self, source: Source) -> None:
        self._source = source
        self._corpus: CorpusColumns | None = None
        self._states: StateBits | None = None
        self._text: IndexedText | None = None
        self._text_made = False
        self._orders: dict[Any, list[int] | None] = {}

    # -- changes ----------------------------------------------------------------------------
    def corpus_moved(self) -> None:
        """Rows were added, changed or removed: everything is built again when needed."""
        self._corpus = self._states = self._text = None
        self._text_made = False
        self._orders.clear()

    def index_attached(self) -> None:
        """Another word index is in use (or its coverage changed)."""
        self._text = None
        self._text_made = False

    def states_changed(self, before: Mapping[str, TriageState] | None) -> None:
        """Some papers' triage states changed; ``before`` holds what they were (None: any
        may have changed). Called after the states were updated."""
        bits = self._states
        if bits is None:
            return
        if before is None:
            self._states = None
            return
        row, now = self._source.row_map, self._source.states
        for pid, old in before.items():
            i = row.get(pid)
            if i is not None:
                bits.update(i, old, now.get(pid, _DEFAULT))

    # -- the parts --------------------------------------------------------------------------
    def _corpus_columns(self) -> CorpusColumns:
        if self._corpus is None:
            self._corpus = self._make_corpus()
        return self._corpus

    def _make_corpus(self) -> CorpusColumns:
        col = self._source.column

        def flags(name: str) -> Sequence[Any]:
            column = col(name)
            truths = getattr(column, "truths", None)  # a packed column: no unpacking
            return truths() if truths is not None else column

        return CorpusColumns(
            col("upvotes"), col("published"), flags("code_urls"), flags("project_urls")
        )

    def _state_bits(self) -> StateBits:
        if self._states is None:
            src = self._source
            self._states = StateBits.build(len(src.ids), src.states, src.row_map)
        return self._states

    def _indexed_text(self) -> IndexedText | None:
        if not self._text_made:
            self._text, self._text_made = self._make_text(), True
        return self._text

    def _make_text(self) -> IndexedText | None:
        src = self._source
        index, covered = src.word_index()
        text = None
        if index is not None:
            ids, n = src.ids, len(src.ids)
            uncovered = bitmap_of(n, compress(range(n), map(not_, map(covered.__contains__, ids))))
            pids = index.pids
            if len(pids) <= n and all(map(str.__eq__, pids, ids)):
                row_of: list[int] | None = None
            else:
                row, missing = src.row_map, n
                row_of = [
                    row[pid] if covered.get(pid) == j else missing for j, pid in enumerate(pids)
                ]
            text = IndexedText(index, n, row_of, uncovered, src.row_texts)
        return text

    def _order(self, sort: Any) -> list[int] | None:
        """Row numbers in ``sort`` order (None: the rows' own order)."""
        if sort not in self._orders:
            src = self._source
            ids = src.sorted_ids(sort)
            if ids == src.ids:
                self._orders[sort] = None
            else:
                self._orders[sort] = list(map(src.row_map.__getitem__, ids))
        return self._orders[sort]

    def prepare(self, lock: Any, generation: Callable[[], int]) -> None:
        """Build every part before the first search needs it (in a worker thread: at 100k
        papers the columns take a few hundred milliseconds). The corpus parts are built
        without ``lock`` and kept only if no import came meanwhile (``generation()``
        unchanged); the state bitmaps, which every action changes, under it."""
        with lock:
            start = generation()
        corpus, text = self._make_corpus(), self._make_text()
        with lock:
            if generation() != start:
                return  # an import came: built again when needed
            self._corpus, self._text, self._text_made = corpus, text, True
            self._state_bits()
            self._order("date")

    # -- searching --------------------------------------------------------------------------
    def select(self, view: str, query: Query, sort: Any) -> list[str] | None:
        """The ids of ``view`` matching ``query`` in ``sort`` order; None for a view this
        does not answer (the queue, which has its own order; tag views)."""
        corpus = self._corpus_columns()
        states = self._state_bits()
        if view == "all":
            within = corpus.everything
        elif view == "inbox":
            within = corpus.everything & ~states.decided
        elif view == "read":
            within = states.read
        elif view == "dismissed":
            within = states.dismissed
        else:
            return None
        src = self._source
        ids = src.ids
        matches = src.matches(query)

        def check(rows: Iterable[int]) -> list[int]:
            rows = list(rows)
            return list(compress(rows, map(matches, map(ids.__getitem__, rows))))

        rows = select_rows(
            query, within, self._order(sort), self._indexed_text(), corpus, states, check
        )
        return list(map(ids.__getitem__, rows))
