"""Which papers the library shows, in which order: views, sort orders and searches.

A selection is a view (``inbox``, ``queue``, ``tag:NAME``, ...) + a query
(:mod:`papertui.query`) + a sort (:data:`papertui.corpus.SORTS`), answered in display
order. :class:`Views` owns what answering needs and keeps it cached until the corpus or
the triage states change: the sort orders, the search texts laid out per order, the
previous search (the next keystroke usually refines it), the word index in use
(:mod:`papertui.wordsearch`), the bitmaps whole queries are answered on
(:mod:`papertui.bitmaps`), and the relevance order with ``like:`` searches (the ranking
itself is :mod:`papertui.relevance`).

Owned by :class:`papertui.library.Library`, which tells it what changed. Pure Python, no
Textual, no storage.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, filterfalse, islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from papertui.corpus import SORTS, Corpus, Sort
from papertui.decisions import DEFAULT_STATE, Decisions
from papertui.errors import LibraryError
from papertui.models import Paper, TriageState
from papertui.relevance import Relevance
from papertui.texts import Texts
from papertui.wordsearch import INDEX_MIN_PAPERS, WordSearch

if TYPE_CHECKING:
    from papertui.bitmaps import LibraryBitmaps
    from papertui.query import Query

# papertui.query is imported where it is used: opening a library (and the app's first
# paint) does not need the query language.

__all__ = ["VIEWS", "Selection", "Views"]

VIEWS = ("inbox", "queue", "read", "all", "new", "dismissed")
"""The built-in views. ``tag:NAME`` selects a tag's papers. ``new`` holds the papers the
latest import added (the last import that added any)."""


@dataclass(frozen=True)
class Selection:
    """The result of a view + query + sort: paper ids in display order."""

    ids: list[str]
    partial: bool = False
    """True when abstracts were not loaded yet, so words were matched on titles only."""


class Views:
    """A library's views, sort orders and searches, with what they cache."""

    def __init__(
        self,
        corpus: Corpus,
        texts: Texts,
        decisions: Decisions,
        root: Path,
        *,
        paper: Callable[[str], Paper],
        title: Callable[[str], str],
        resolve: Callable[[str], str],
    ) -> None:
        """Select over ``corpus``, ``texts`` and ``decisions``; ``paper``, ``title`` and
        ``resolve`` are the library's (they answer for papers the corpus lacks too)."""
        self.corpus = corpus
        self.texts = texts
        self.decisions = decisions
        self.paper = paper
        self._title = title
        self._resolve = resolve
        self._lock = corpus.lock
        self.words = WordSearch(
            corpus,
            texts,
            root,
            sorted_ids=self.sorted_ids,
            haystacks=self._haystacks,
            on_attached=self._index_changed,
            on_built=lambda ids, texts: self.relevance.save(ids, texts),
        )
        """The word index in use."""
        self.relevance = Relevance(root, lambda: corpus.ids, self.texts_of)
        """The relevance order's features and profile (:mod:`papertui.relevance`)."""
        self.defer_relevance = False
        """When set (the app), a triage action leaves the relevance order as it was until
        :meth:`refresh_relevance` (run in a worker) makes the new one."""
        self._relevance_stale = False
        self._new_ids: set[str] | None = None
        """Cache of :meth:`new_ids`."""
        self._sorted: dict[Sort, list[str]] = {}
        self.date_ordered = False
        """The corpus as opened (no import applied since) is stored in date order: checked,
        or trusted (:attr:`trust_date_order`)."""
        self.trust_date_order = False
        """An earlier run checked that this very corpus file is stored in date order: the
        date sort takes the stored order without decoding the dates to check it again
        (set by :meth:`papertui.library.Library.trust_date_order`)."""
        self._hay_cache: dict[Sort, list[str]] = {}
        self._row_hays: list[str] | None = None
        """Every paper's search text aligned with the corpus rows (the bitmaps' rows)."""
        self._last: _Search | None = None
        """The previous search, which the next keystroke usually refines."""
        self._bitmaps: LibraryBitmaps | None = None
        """Whole queries answered on bitmaps once the word index is in use (made by the
        first such search: opening does not load the query modules)."""

    # -- what changed (the library calls these) -----------------------------------------
    def states_changed(self, before: dict[str, TriageState] | None = None) -> None:
        """Triage states changed (here or elsewhere): the last search's results are stale,
        and the relevance order; ``before``: what the changed papers' states were (None:
        any may have changed)."""
        self._last = None
        if self._bitmaps is not None:
            self._bitmaps.states_changed(before)
        # The relevance order too: now or, in the app, once refresh_relevance made it.
        self._relevance_stale = True
        if not self.defer_relevance:
            self.drop_sort("relevance")

    def texts_changed(self) -> None:
        """Search texts came in: the search texts cached per sort are stale."""
        self._hay_cache.clear()
        self._row_hays = None

    def _index_changed(self) -> None:
        """The word index changed: the last search's results are stale."""
        self._last = None
        if self._bitmaps is not None:
            self._bitmaps.index_attached()

    def papers_taken(self, ids: Iterable[str], abstracts: dict[str, str]) -> None:
        """Papers were added or changed (with their new ``abstracts``), under the lock."""
        self.words.forget(list(ids))
        self.relevance.refresh(abstracts)
        self._rows_moved()

    def papers_removed(self, ids: Iterable[str]) -> None:
        """Papers were removed from the corpus, under the lock."""
        self.words.forget(list(ids))
        self.relevance.forget(ids)
        self._rows_moved()

    def _rows_moved(self) -> None:
        """Drop what was derived from the corpus's rows (under the lock, after a change)."""
        self.date_ordered = self.trust_date_order = False
        self._new_ids = None
        self.words.index_rows.clear()
        self._sorted.clear()
        self._hay_cache.clear()
        self._row_hays = None
        self._last = None
        if self._bitmaps is not None:
            self._bitmaps.corpus_moved()

    def drop_sort(self, sort: Sort) -> None:
        """Forget the order ``sort`` (made again when next needed)."""
        self._sorted.pop(sort, None)
        self._hay_cache.pop(sort, None)
        self.words.index_rows.pop(sort, None)
        self._last = None

    def prepare_bitmaps(self) -> None:
        """Get the bitmaps ready for the first search (once the word index is in use),
        and the texts a phrase is checked on (a list of the texts in row order)."""
        self._search_bitmaps().prepare(self._lock, lambda: self.corpus.generation)
        with self._lock:
            self.row_haystacks([])

    def _search_bitmaps(self) -> LibraryBitmaps:
        """The bitmaps whole queries are answered on (made on first use)."""
        with self._lock:
            if self._bitmaps is None:
                from papertui.bitmaps import LibraryBitmaps, LibrarySource

                # LibrarySource reads the parts (corpus, texts, decisions, words, paper)
                # and _sorted_ids/_haystacks_of, which this class has.
                self._bitmaps = LibraryBitmaps(LibrarySource(self))
            return self._bitmaps

    # -- sort orders --------------------------------------------------------------------
    def sorted_ids(self, sort: Sort) -> list[str]:
        """Every id in a sort order (cached until the next import)."""
        with self._lock:
            return self._sorted_ids(sort)

    def _sorted_ids(self, sort: Sort) -> list[str]:
        cached = self._sorted.get(sort)
        if cached is not None:
            return cached
        if sort == "relevance":
            self._relevance_stale = False
            result = self.relevance.order(self._sorted_ids("date"), self.decisions.states)
            self._sorted[sort] = result
            return result
        ids, c = self.corpus.ids, self.corpus.cols
        n = len(ids)
        idx = range(n)

        # Keys are built column-wise and fetched with a C-level __getitem__: no Python code
        # runs per paper, and 100k papers sort in tens of milliseconds.
        def by(column: str, default: Any, *, reverse: bool) -> list[int]:
            keys = [default if v is None else v for v in c.get(column, [None] * n)]
            return sorted(idx, key=keys.__getitem__, reverse=reverse)

        if sort == "date" and self.trust_date_order and self.corpus.generation == 0:
            self.date_ordered = True
            self._sorted[sort] = result = list(ids)  # checked by an earlier run
            return result
        if sort == "date":
            # The corpus is stored in (date seen, upvotes) order, newest first: check that with
            # C-level passes over the two columns (no key tuples; this runs before the
            # first paint): dates never go up, and between neighbours of the same date
            # upvotes never go up.
            pubs = self.corpus.seen_column()
            ups = list(c.get("upvotes", [None] * n))
            if None in ups:
                ups = [u or 0 for u in ups]
            if all(map(operator.ge, pubs, islice(pubs, 1, None))) and all(
                compress(
                    map(operator.ge, ups, islice(ups, 1, None)),
                    map(operator.eq, pubs, islice(pubs, 1, None)),
                )
            ):
                self.date_ordered = self.corpus.generation == 0  # the file's order
                self._sorted[sort] = result = list(ids)  # stored in this order: no sort
                return result
            keys = list(zip(pubs, ups, strict=True))
            order = sorted(idx, key=keys.__getitem__, reverse=True)
        elif sort == "upvotes":
            order = by("upvotes", 0, reverse=True)
        elif sort == "title":
            titles = [t.casefold() for t in c.get("title", [""] * n)]
            order = sorted(idx, key=titles.__getitem__)
        elif sort == "added":
            # Newest import first; within one import, page order (the stable sort keeps it).
            order = by("added_at", "", reverse=True)
        else:
            raise LibraryError(f"unknown sort '{sort}' (use one of {', '.join(SORTS)})")
        result = [ids[i] for i in order]
        self._sorted[sort] = result
        return result

    # -- the relevance order and like: (the ranking is papertui.relevance) ---------------
    def texts_of(self, ids: Sequence[str]) -> list[str]:
        """Search texts of papers (the ranking features): for a few papers, from their
        abstract shards alone; for more, every abstract is read first."""
        from papertui.query import search_text

        if len(ids) <= 100 and not self.texts.loaded:
            return [search_text(self._title(p), self.texts.abstract(p)) for p in ids]
        self.texts.load_all()
        with self._lock:
            return list(map(self.texts.haystack, ids))

    def refresh_relevance(self) -> bool:
        """Make the relevance order anew after triage (safe in a worker thread: the work
        is done outside the library lock); True if it changed."""
        with self._lock:
            if not self._relevance_stale:
                return False
            self._relevance_stale = False
            generation, old = self.corpus.generation, self._sorted.get("relevance")
            by_date, states = self._sorted_ids("date"), dict(self.decisions.states)
        new = self.relevance.order(by_date, states)
        with self._lock:
            if generation != self.corpus.generation or self._relevance_stale:
                self._relevance_stale = True  # an import or another action meanwhile
                return False
            self.drop_sort("relevance")
            self._sorted["relevance"] = new
            return new != old

    def like_anchors(self, ref: str) -> list[str]:
        """The papers a ``like:`` term is about: ``tag:NAME``'s papers, or the paper of an
        id prefix (LibraryError naming the bad reference)."""
        if ref.startswith("tag:"):
            tag = ref[4:]
            anchors = [p for p, s in self.decisions.states.items() if tag in s.tags]
            if not anchors:
                raise LibraryError(f"no paper is tagged '{tag}' (in 'like:{ref}')")
            return anchors
        try:
            return [self._resolve(ref)]
        except LibraryError as exc:
            raise LibraryError(f"{exc} (in 'like:{ref}')") from None

    def _with_likes(self, query: Query) -> tuple[Query, list[str]]:
        """The query with its ``like:`` terms found, and the order they give."""
        from papertui.relevance import LIKE_MATCHES

        found: dict[str, frozenset[str]] = {}
        order: list[str] = []
        for ref in query.likes:
            hits = [p for p, _ in self.relevance.like(self.like_anchors(ref), LIKE_MATCHES)]
            found[ref] = frozenset(hits)
            order = order or hits
        return query.with_likes(found), order

    # -- views ----------------------------------------------------------------------------
    def new_ids(self) -> set[str]:
        """The papers the latest import added (the last one that added any): those with the
        newest ``added_at`` (one import stamps all its papers alike). Cached until the next
        import or removal."""
        found = self._new_ids
        if found is None:
            with self._lock:
                added = list(self.corpus.cols.get("added_at", ()))
                newest = max(filter(None, added), default=None)
                found = (
                    set()
                    if newest is None
                    else {pid for pid, a in zip(self.corpus.ids, added, strict=True) if a == newest}
                )
                self._new_ids = found
        return found

    @property
    def new_counted(self) -> bool:
        """Whether :meth:`new_ids` is known already (counting it reads every paper's
        ``added_at``)."""
        return self._new_ids is not None

    def _in_view(self, view: str) -> Callable[[str], bool] | None:
        """A fast membership test for a view (None for ``all``); sets, no per-paper code."""
        states = self.decisions.states
        if view == "all":
            return None
        if view == "inbox":
            decided = self.decisions.decided()
            return lambda p: p not in decided
        if view == "read":
            return {p for p, s in states.items() if s.read}.__contains__
        if view == "queue":
            return {p for p, s in states.items() if s.starred}.__contains__
        if view == "dismissed":
            return {p for p, s in states.items() if s.dismissed}.__contains__
        if view == "new":
            return self.new_ids().__contains__
        if view.startswith("tag:"):
            tag = view[4:]
            return {p for p, s in states.items() if tag in s.tags}.__contains__
        raise LibraryError(
            f"unknown view '{view}' (use inbox, queue, read, all, new, dismissed or tag:NAME)"
        )

    def view_ids(self, view: str, sort: Sort) -> list[str]:
        """The ids of a view (``inbox``, ``queue``, ``read``, ``all``, ``tag:NAME``), sorted.

        The queue is always in queue order.
        """
        if view == "queue":
            return self.decisions.queue()
        return self._restrict(view, self.sorted_ids(sort))

    def _restrict(self, view: str, ids: list[str]) -> list[str]:
        """``ids`` (in their order) that belong to ``view``."""
        if view == "inbox":  # the big one: exclude the few decided papers
            return list(filterfalse(self.decisions.decided().__contains__, ids))
        member = self._in_view(view)
        return ids if member is None else list(filter(member, ids))

    # -- searches -------------------------------------------------------------------------
    def _haystacks(self, sort: Sort) -> list[str]:
        """Every paper's search text, aligned with :meth:`sorted_ids` (cached)."""
        hays = self._hay_cache.get(sort)
        if hays is None:
            hays = self._haystacks_of(self.sorted_ids(sort))
            if self.texts.loaded:
                self._hay_cache[sort] = hays
        return hays

    def row_haystacks(self, rows: list[int]) -> list[str]:
        """Some corpus rows' search texts (a phrase checked on a bitmap's candidates: a
        list lookup each, not an id and a dict lookup)."""
        if not self.texts.loaded:
            ids = self.corpus.ids
            return self._haystacks_of(list(map(ids.__getitem__, rows)))
        hays = self._row_hays
        if hays is None:
            ids = self.corpus.ids
            date = self._sorted.get("date")
            if date is not None and len(date) == len(ids) and date == ids:
                hays = self._haystacks("date")  # the rows are in date order: the same list
            else:
                hays = self._haystacks_of(list(ids))
            self._row_hays = hays
        return list(map(hays.__getitem__, rows))

    def _haystacks_of(self, ids: list[str]) -> list[str]:
        if not self.texts.loaded:
            # Titles only until every abstract is in (the app says so meanwhile): short texts,
            # built once, so that a search typed while they load stays quick at 100k.
            return list(map(self.texts.title_texts().get, ids, repeat("")))
        found: list[str | None] = list(map(self.texts.text.get, ids))
        if None in found:
            return [
                h if h is not None else self.texts.haystack(p)
                for p, h in zip(ids, found, strict=True)
            ]
        return cast(list[str], found)

    def select(self, view: str, query: Query | None = None, sort: Sort = "date") -> Selection:
        """The papers of a view matching a :class:`papertui.query.Query`, in display order.

        While the user types, a query that refines the previous one only re-checks the
        previous results.
        """
        if query is not None and query.likes:  # papers most like others: in that order
            query, order = self._with_likes(query)
            with self._lock:
                sel = self._select(view, query, sort)
            rank = {p: i for i, p in enumerate(order)}
            return Selection(sorted(sel.ids, key=rank.__getitem__), sel.partial)
        with self._lock:  # an import may be running in a worker thread
            return self._select(view, query, sort)

    def _select(self, view: str, query: Query | None, sort: Sort) -> Selection:
        if query is None or query.is_empty:
            return Selection(self.view_ids(view, sort))
        partial = bool(query.needs_text) and not self.texts.loaded
        last = self._last
        prev: _Search | None = None
        if last is not None and (last.view, last.sort, last.result.partial) == (
            view,
            sort,
            partial,
        ):
            if query == last.query:
                return last.result  # e.g. a trailing space was typed
            if query.refines(last.query):
                prev = last
        needles = query.plain_needles
        hays: list[str] | None = None
        found: dict[str, list[int]] = {}
        terms = query.text_terms
        if self.words.index is not None and self.texts.loaded:
            # The whole query on bitmaps: words, filters, OR and NOT as set algebra.
            planned = self._search_bitmaps().select(view, query, sort)
            if planned is not None:
                result = Selection(planned, partial)
                self._last = _Search(view, sort, query, result, None, {})
                return result
        if terms is not None and self.words.index is not None and not partial and view != "queue":
            # The word index answers in a few milliseconds, whatever was typed before.
            indexed = self.words.select(sort, terms.required, terms.excluded)
            if indexed is not None:
                if view != "all":
                    indexed = self._restrict(view, indexed)
                if not terms.complete:  # filters too: check them on what the words leave
                    pred, states, haystack, paper = (
                        query.predicate,
                        self.decisions.states,
                        self.texts.haystack,
                        self.paper,
                    )
                    indexed = [
                        p for p in indexed if pred(paper(p), states.get(p, _DEFAULT), haystack(p))
                    ]
                result = Selection(indexed, partial)
                self._last = _Search(view, sort, query, result, None, {})
                return result
        if needles is not None:
            # What people type: words that must all occur. Each needle is tested over the
            # survivors with map/compress, so no Python code runs per paper. The survivors'
            # texts, and where each needle was found in them, are kept for the next
            # keystroke: it usually refines this search, and a needle that extends one of
            # these ("diffu" after "diff") is looked for from where that one was found.
            restrict = False
            if prev is not None:
                ids, hays, found = prev.result.ids, prev.hays, dict(prev.found)
            elif view != "queue":
                ids, hays = self.sorted_ids(sort), self._haystacks(sort)
                restrict = view != "all"
            else:
                ids = self.view_ids(view, sort)
            if hays is None:
                hays, found = self._haystacks_of(ids), {}
            for needle in needles:
                if needle in found:
                    continue  # every survivor of the previous search contains it
                start = next((found[n] for n in found if needle.startswith(n)), None)
                if start is None:
                    at = list(map(str.find, hays, repeat(needle)))
                else:
                    at = list(map(str.find, hays, repeat(needle), start))
                found[needle] = at
                ids, hays, found = _keep(list(map(_NOT_FOUND.__lt__, at)), ids, hays, found)
            if restrict:
                member = self._in_view(view)
                assert member is not None
                ids, hays, found = _keep(list(map(member, ids)), ids, hays, found)
            found = {n: found[n] for n in needles}
        else:
            base = prev.result.ids if prev is not None else self.view_ids(view, sort)
            pred = query.predicate
            states, haystack, paper = self.decisions.states, self.texts.haystack, self.paper
            ids = [p for p in base if pred(paper(p), states.get(p, _DEFAULT), haystack(p))]
        result = Selection(ids, partial)
        self._last = _Search(view, sort, query, result, hays, found)
        return result

    def warm_up(self) -> None:
        """Prepare for searching (call after the abstracts are loaded, e.g. in a worker).

        Builds every :class:`Paper` (filters read them), and once every abstract is in,
        copies the search texts into one run of memory in the default (date) order. Texts
        read in shard order lie scattered over the heap, and a scan that follows the list
        jumps around it: laid out in order, a search over 100k papers takes a third less
        time (the hardware prefetches the next text while this one is compared).

        Not for a library searched with the word index (:data:`INDEX_MIN_PAPERS` papers and
        more): queries are answered on bitmaps there, the predicate runs on few papers and
        scans read few texts, so every Paper and a second copy of every text (150 MB at
        100k, made under the lock) would only cost memory and a pause; there the columns
        still undecoded are decoded instead (:meth:`papertui.corpus.Corpus.decode`): else
        the first search that shows a paper past the first rows decodes them on the event
        loop, 30-50 ms, and their 100k-item lists, made after the loaders' objects were
        frozen (:func:`papertui.tui.flows.background.loading`), are walked by every full
        collection after.
        """
        if len(self.corpus.ids) >= INDEX_MIN_PAPERS:
            self.corpus.decode()
            self.new_ids()
            return
        for pid in self.corpus.ids:
            self.paper(pid)
        self.new_ids()
        if not self.texts.loaded:
            return
        with self._lock:
            ids = self._sorted_ids("date")
            packed = [self.texts.haystack(p).encode().decode() for p in ids]
            self.texts.text.update(zip(ids, packed, strict=True))
            self._hay_cache["date"] = packed
            self._last = None


@dataclass(frozen=True)
class _Search:
    """A search's inputs and results, kept so that the next one can build on it."""

    view: str
    sort: Sort
    query: Query
    result: Selection
    hays: list[str] | None
    """The result's search texts (aligned with ``result.ids``) for plain-word searches."""
    found: dict[str, list[int]]
    """For each needle, where it was first found in each of those texts."""


_NOT_FOUND = -1


def _keep(
    mask: list[bool], ids: list[str], hays: list[str], found: dict[str, list[int]]
) -> tuple[list[str], list[str], dict[str, list[int]]]:
    """The entries of the aligned lists where ``mask`` is true (at C speed)."""
    return (
        list(compress(ids, mask)),
        list(compress(hays, mask)),
        {n: list(compress(at, mask)) for n, at in found.items()},
    )


_DEFAULT = DEFAULT_STATE
