"""The domain API that the CLI and the TUI share: papers, views, triage, import, undo.

Pure Python over :mod:`papertui.store` (which alone knows TinyDB). Never imports Textual.

Opening is cheap even at 100k papers: only the metadata columns and the triage state are
read. :class:`Paper` objects are built on demand, and abstracts are read shard by shard,
either all of them in the background (:meth:`Library.load_abstracts`) or the one shard a
paper needs (:meth:`Library.abstract`).
"""

from __future__ import annotations

import contextlib
import functools
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import compress, filterfalse, islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from papertui.corpus import SORTS, Corpus, Sort
from papertui.decisions import DEFAULT_STATE, Decisions, normalise_tag
from papertui.errors import LibraryError
from papertui.history import Change, UndoStack
from papertui.merge import ImportReport, MergedPaper, merge_entries, plan_import
from papertui.models import Paper, ParsedPaper, TriageState
from papertui.relevance import Relevance
from papertui.store import Store, shard_of
from papertui.texts import Texts
from papertui.wordsearch import INDEX_FILE, INDEX_MIN_PAPERS, IndexStatus, WordSearch

if TYPE_CHECKING:
    from papertui.bitmaps import LibraryBitmaps
    from papertui.query import Query
    from papertui.wordindex import WordIndex

# papertui.query is imported where it is used: opening a library (and the app's first
# paint) does not need the query language.

__all__ = [
    "INDEX_FILE",
    "INDEX_MIN_PAPERS",
    "MISSING_TITLE",
    "SORTS",
    "VIEWS",
    "Change",
    "ImportReport",
    "IndexStatus",
    "Library",
    "LibraryError",
    "Selection",
    "Sort",
    "UndoStack",
    "normalise_tag",
]

VIEWS = ("inbox", "queue", "read", "all", "new", "dismissed")
"""The built-in views. ``tag:NAME`` selects a tag's papers. ``new`` holds the papers the
latest import added (the last import that added any)."""


MISSING_TITLE = "Not in the library"
"""The title shown for a paper whose triage state is kept but whose metadata the corpus
lacks (:meth:`Library.missing`)."""


@dataclass(frozen=True)
class Refresh:
    """What :meth:`Library.refresh` found other processes had changed."""

    states: set[str] | None
    """Ids whose triage state changed (None: any may have, e.g. after a restore)."""
    corpus: bool
    """Whether the corpus was replaced (call :meth:`Library.reload_corpus`)."""

    @property
    def any(self) -> bool:
        """Whether anything changed."""
        return self.corpus or self.states is None or bool(self.states)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _writes(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run a triage method under the state lock, on the latest state on disk: what other
    processes stored since the last look is taken in first, so the change applies to it
    and never writes back an older state of a paper (no lost update)."""

    @functools.wraps(method)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        lib = cast(Library, args[0])
        with lib.store.transaction() as changed:
            lib._take_states(changed)
            try:
                return method(*args, **kwargs)
            finally:
                lib._set_aside_again()  # papers the corpus lacks: their states aside again

    return run


@dataclass(frozen=True)
class Selection:
    """The result of a view + query + sort: paper ids in display order."""

    ids: list[str]
    partial: bool = False
    """True when abstracts were not loaded yet, so words were matched on titles only."""


class Library:
    """A user's library: the corpus, the triage state and the operations on them.

    Not thread-safe for writes: the TUI calls the triage methods from the event loop only.
    :meth:`load_abstracts` may run in a worker thread.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.warnings: list[str] = store.warnings
        """What opening found and recovered from (damaged journal lines), for the user."""
        self.corpus = Corpus(*store.load_paper_columns())
        """The papers' metadata, with the lock and import counter every part shares."""
        self._lock = self.corpus.lock
        self.decisions = Decisions(store, self._lock, on_change=self._states_changed)
        """The triage state, its changes and this process's undo history."""
        self.undo = self.decisions.undo
        self._orphans: dict[str, TriageState] = {}
        """States of papers not in the corpus (removed, then restored from a backup): kept
        on disk, out of every view, until an import brings the paper back."""
        self._new_ids: set[str] | None = None
        """Cache of :meth:`new_ids`."""
        self.texts = Texts(self.corpus, store, on_loaded=self._texts_changed)
        """Abstracts and search texts."""
        self.words = WordSearch(
            self.corpus,
            self.texts,
            store.root,
            sorted_ids=self.sorted_ids,
            haystacks=self._haystacks,
            on_attached=self._search_stale,
            on_built=lambda ids, texts: self.relevance.save(ids, texts),
        )
        """The word index in use."""
        self.relevance = Relevance(store.root, lambda: self.corpus.ids, self._texts_of)
        """The relevance order's features and profile (:mod:`papertui.relevance`)."""
        self.defer_relevance = False
        """When set (the app), a triage action leaves the relevance order as it was until
        :meth:`refresh_relevance` (run in a worker) makes the new one."""
        self._relevance_stale = False
        self._sorted: dict[Sort, list[str]] = {}
        self._hay_cache: dict[Sort, list[str]] = {}
        self._last: _Search | None = None
        """The previous search, which the next keystroke usually refines."""
        self._brought_back: set[str] = set()
        self._bitmaps: LibraryBitmaps | None = None
        """Whole queries answered on bitmaps once the word index is in use (made by the
        first such search: opening does not load the query modules)."""
        """Papers the corpus lacks whose states a triage action is using (see missing())."""
        self._set_orphans_aside(None)

    # -- opening ------------------------------------------------------------------------
    @classmethod
    def open(cls, root: Path, *, readonly: bool = False) -> Library:
        """Open the library in ``root`` (created on first write).

        Any number of processes may open one library, and all of them write: each write
        holds a short lock and applies to the latest state on disk. ``readonly`` refuses
        writes (so does a library the system will not let us write; see
        :attr:`readonly_reason`).
        """
        store = Store(root, readonly=readonly)
        try:
            return cls(store)
        except BaseException:
            store.close()
            raise

    @property
    def root(self) -> Path:
        """The library folder."""
        return self.store.root

    @property
    def readonly(self) -> bool:
        """Whether writes are refused (opened read-only, or the system forbids writing)."""
        return self.store.readonly

    @property
    def readonly_reason(self) -> str | None:
        """Why the system will not let this library be written (None if it will)."""
        return self.store.readonly_reason

    # -- other processes ----------------------------------------------------------------
    def _take_states(self, changed: dict[str, Any] | None) -> set[str] | None:
        """Take in triage states other processes stored; returns the ids whose state
        changed, or None if any may have."""
        found = self.decisions.take(changed)
        if found is None or found:
            self._set_orphans_aside(found)
        return found

    def _set_orphans_aside(self, changed: set[str] | None) -> None:
        """Move the states of papers the corpus lacks (removed, then their state restored
        from a backup) out of the decisions into :attr:`_orphans`; only those of
        ``changed`` papers, unless it is None."""
        states = self.decisions.states
        with self._lock:
            if changed is None:
                self._orphans = {}
                if not states:
                    return
                # A C-level pass over the ids (no id index: opening does without it).
                present = set(filter(states.__contains__, self.corpus.ids))
                if len(present) == len(states):
                    return
                strays = [p for p in states if p not in present]
            else:
                for pid in changed:
                    self._orphans.pop(pid, None)
                strays = [p for p in changed if p in states and p not in self.corpus.row]
            for pid in strays:
                self._orphans[pid] = states.pop(pid)
            if strays:
                self.decisions.forget_decided()

    def refresh(self) -> Refresh:
        """Take in what other processes wrote since the last look: cheap when nothing
        changed (a couple of ``stat`` calls), so the app calls it a few times a second.

        Triage states are taken in at once; a corpus another process replaced (an import)
        is only reported (:attr:`Refresh.corpus`): :meth:`reload_corpus` takes it in, in a
        worker.
        """
        states = self._take_states(self.store.poll_states())
        return Refresh(states=states, corpus=self.store.corpus_changed())

    def reload_corpus(self) -> set[str]:
        """Take in the corpus as another process left it (an import, a removal); returns
        the ids of the papers that are new, changed or gone. Safe in a worker thread: the
        file is read and compared without the lock."""
        docs, gone = self.corpus.changes(*self.store.load_paper_columns(fresh=True))
        abstracts: dict[str, str] = {}
        for shard in sorted({shard_of(pid) for pid in docs}):
            texts = self.store.load_abstract_shard(shard)
            abstracts.update((pid, texts.get(pid, "")) for pid in docs if shard_of(pid) == shard)
        with self._lock:
            if gone:
                self._forget(gone)
            if docs:
                self._apply_docs(docs, abstracts)
        return set(docs) | gone

    def _forget(self, ids: set[str]) -> None:
        """Drop papers removed from the corpus, from every part (under the lock); a state
        their removal left behind is set aside."""
        self.corpus.forget(ids)
        self.texts.forget(ids)
        self.words.forget(list(ids))
        for pid in ids:
            orphan = self.decisions.states.pop(pid, None)
            if orphan is not None:
                self._orphans[pid] = orphan
                self.decisions.forget_decided()
        self.relevance.forget(ids)
        self._corpus_moved()

    def _states_changed(self, before: dict[str, TriageState] | None = None) -> None:
        """Triage states changed (here or elsewhere): the last search's results are stale,
        and the relevance order; ``before``: what the changed papers' states were (None:
        any may have changed)."""
        self._last = None
        if self._bitmaps is not None:
            self._bitmaps.states_changed(before)
        self._states_moved()

    def _texts_changed(self) -> None:
        """Search texts came in: the search texts cached per sort are stale."""
        self._hay_cache.clear()

    def _search_stale(self) -> None:
        """The word index changed: the last search's results are stale."""
        self._last = None
        if self._bitmaps is not None:
            self._bitmaps.index_attached()

    def _corpus_moved(self) -> None:
        """Drop what was derived from the corpus's rows (under the lock, after a change)."""
        self._new_ids = None
        self.words.index_rows.clear()
        self._sorted.clear()
        self._hay_cache.clear()
        self._last = None
        if self._bitmaps is not None:
            self._bitmaps.corpus_moved()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the library's open files."""
        self.store.close()

    # -- papers (papertui.corpus) --------------------------------------------------------
    def __len__(self) -> int:
        return len(self.corpus)

    def __contains__(self, pid: object) -> bool:
        return pid in self.corpus

    @property
    def ids(self) -> Sequence[str]:
        """Every paper id, in storage order."""
        return self.corpus.ids

    def paper(self, pid: str) -> Paper:
        """The paper with id ``pid`` (a stand-in for one the corpus lacks whose state is
        kept; KeyError if unknown)."""
        try:
            return self.corpus.paper(pid)
        except KeyError:
            return self._stand_in(pid)

    def title(self, pid: str) -> str:
        """A paper's title without building the whole :class:`Paper`."""
        try:
            return self.corpus.title(pid)
        except KeyError:
            return self._stand_in(pid).title

    def short_id(self, pid: str, minimum: int = 7) -> str:
        """A prefix of ``pid`` long enough to be typed (7 characters like git)."""
        return self.corpus.short_id(pid, minimum)

    # -- abstracts (papertui.texts) -----------------------------------------------------
    @property
    def abstracts_loaded(self) -> bool:
        """Whether every abstract is in memory (full-text search needs them)."""
        return self.texts.loaded

    def load_abstracts(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Read every abstract shard (safe to run in a worker thread)."""
        self.texts.load_all(progress)

    def abstract(self, pid: str) -> str:
        """A paper's abstract (reads its shard if needed)."""
        return self.texts.abstract(pid)

    # -- word index (papertui.wordsearch) -----------------------------------------------
    @property
    def index_path(self) -> Path:
        """The word index cache file."""
        return self.words.path

    def build_search_index(self, progress: Callable[[int, int], None] | None = None) -> WordIndex:
        """Build the word index of every paper and save it (:data:`INDEX_FILE`)."""
        return self.words.build(progress)

    def attach_search_index(self) -> IndexStatus:
        """Use the word index file for searches (see :meth:`WordSearch.attach`), and get
        the bitmaps ready for the first search (this runs in a worker)."""
        status = self.words.attach()
        if self.words.index is not None:
            self._search_bitmaps().prepare(self._lock, lambda: self.corpus.generation)
        return status

    def _search_bitmaps(self) -> LibraryBitmaps:
        """The bitmaps whole queries are answered on (made on first use)."""
        with self._lock:
            if self._bitmaps is None:
                from papertui.bitmaps import LibraryBitmaps, LibrarySource

                self._bitmaps = LibraryBitmaps(LibrarySource(self))
            return self._bitmaps

    def search_index_status(self) -> IndexStatus:
        """How well the index in use covers the library (0 covered if none is in use)."""
        return self.words.status()

    # -- papers -------------------------------------------------------------------------
    def resolve(self, ref: str) -> str:
        """The full id for an id or a unique id prefix (LibraryError otherwise)."""
        ref = ref.strip().lower()
        if ref in self.corpus.row or ref in self._orphans:
            return ref
        if not ref or any(ch not in "0123456789abcdef" for ch in ref):
            raise LibraryError(f"no paper with id '{ref}'")
        hits = [pid for pid in self.corpus.ids if pid.startswith(ref)]
        hits += [pid for pid in self.missing() if pid.startswith(ref)]
        if not hits:
            raise LibraryError(f"no paper with id '{ref}'")
        if len(hits) > 1:
            raise LibraryError(f"id prefix '{ref}' is ambiguous ({len(hits)} papers); type more")
        return hits[0]

    # -- papers the corpus lacks -----------------------------------------------------------
    def missing(self) -> list[str]:
        """Papers whose triage state is kept but which the corpus lacks (it was set aside
        as damaged, imported again only in part, or the paper was removed and its state
        restored), by id.

        Their states are set aside (:attr:`_orphans`): out of every view and count, until
        an import brings the paper back. :meth:`paper`, :meth:`title` and :meth:`state`
        still answer for them (a stand-in named by id), ``stats`` lists them, and a triage
        action on one applies to its kept state (unstarring, marking unread and untagging
        remove it; a paper left with no state is gone for good).
        """
        return sorted(self._orphans)

    def _stand_in(self, pid: str) -> Paper:
        """What is shown for a paper the corpus lacks but whose state is kept (KeyError for
        an id with no state either)."""
        if pid not in self._orphans:
            raise KeyError(pid)
        return Paper(id=pid, title=f"{MISSING_TITLE} (id {pid})")

    def _bring_back(self, ids: list[str]) -> None:
        """Put the kept states of ``ids`` the corpus lacks among the decisions for a triage
        action on them (:func:`_writes` sets them aside again after it)."""
        back = [pid for pid in ids if pid in self._orphans]
        if back:
            with self._lock:
                for pid in back:
                    self.decisions.states[pid] = self._orphans.pop(pid)
                self.decisions.forget_decided()
            self._brought_back.update(back)

    def _set_aside_again(self) -> None:
        """After a triage action: the states :meth:`_bring_back` took out, aside again."""
        if self._brought_back:
            back, self._brought_back = self._brought_back, set()
            self._set_orphans_aside(back)

    # -- abstracts ----------------------------------------------------------------------
    # -- word index -----------------------------------------------------------------------
    # -- triage (the bodies are in papertui.decisions) ----------------------------------
    def state(self, pid: str) -> TriageState:
        """The triage state of a paper (the default state if untouched); for a paper the
        corpus lacks, its kept state (see :meth:`missing`)."""
        return self.decisions.states.get(pid) or self._orphans.get(pid, _DEFAULT)

    def queue(self) -> list[str]:
        """The reading queue: starred papers in queue order."""
        return self.decisions.queue()

    def tags(self) -> Counter[str]:
        """Every tag in use with its number of papers."""
        return self.decisions.tags()

    def counts(self, *, new: bool = True) -> dict[str, int]:
        """Papers per built-in view. With ``new`` false, the New view is counted only if
        that was done already (it reads every paper's ``added_at``, which the app's first
        paint does without; :meth:`warm_up` counts it)."""
        counts = self.decisions.counts(len(self.corpus.ids))
        if new or self._new_ids is not None:
            counts["new"] = len(self.new_ids())
        return counts

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

    def _check(self, ids: Iterable[str]) -> list[str]:
        out = list(dict.fromkeys(ids))
        for pid in out:
            if pid not in self.corpus.row and pid not in self._orphans:  # see missing()
                raise LibraryError(f"no paper with id '{pid}'")
        self._bring_back(out)
        return out

    @_writes
    def set_starred(self, ids: Iterable[str], starred: bool) -> Change:
        """Queue (star) or unqueue papers; newly queued papers go to the end of the queue."""
        return self.decisions.commit(*self.decisions.starring(self._check(ids), starred))

    @_writes
    def set_read(self, ids: Iterable[str], read: bool) -> Change:
        """Mark papers read or unread."""
        return self.decisions.commit(*self.decisions.reading(self._check(ids), read))

    @_writes
    def set_dismissed(self, ids: Iterable[str], dismissed: bool) -> Change:
        """Dismiss papers ("not interested": out of the inbox) or take that back;
        dismissing a queued paper takes it out of the queue."""
        return self.decisions.commit(*self.decisions.dismissing(self._check(ids), dismissed))

    @_writes
    def tag(
        self, ids: Iterable[str], add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> Change:
        """Add and remove tags (names are normalised: see :func:`normalise_tag`)."""
        return self.decisions.commit(*self.decisions.tagging(self._check(ids), add, remove))

    @_writes
    def set_note(self, pid: str, note: str) -> Change:
        """Replace a paper's note ("" removes it)."""
        (pid,) = self._check([pid])
        return self.decisions.commit(*self.decisions.noting(pid, note))

    @_writes
    def move_in_queue(self, pid: str, delta: int) -> Change:
        """Move a queued paper ``delta`` places (negative = towards the front)."""
        (pid,) = self._check([pid])
        return self.decisions.commit(*self.decisions.moving(pid, delta))

    @_writes
    def move_to_end(self, ids: Iterable[str], *, top: bool) -> Change:
        """Move queued papers to the top or the bottom of the queue (their order kept)."""
        return self.decisions.commit(*self.decisions.moving_to_end(self._check(ids), top=top))

    @_writes
    def apply_states(self, states: dict[str, TriageState], label: str) -> Change:
        """Set states as given, without recording history."""
        return self.decisions.commit(label, dict(states), record=False)

    @_writes
    def undo_last(self) -> Change | None:
        """Undo this process's last recorded action; returns it (with, in
        :attr:`Change.kept`, how many of its fields were left as another process changed
        them since), or None if there is nothing to undo."""
        return self.decisions.step(forward=False)

    @_writes
    def redo_last(self) -> Change | None:
        """Redo the last undone action (same rules as :meth:`undo_last`)."""
        return self.decisions.step(forward=True)

    # -- views and search ---------------------------------------------------------------
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

    # -- relevance (the bodies are in papertui.relevance) ----------------------------------
    def _texts_of(self, ids: Sequence[str]) -> list[str]:
        """Search texts of papers (the ranking features): for a few papers, from their
        abstract shards alone; for more, every abstract is read first."""
        from papertui.query import search_text

        if len(ids) <= 100 and not self.abstracts_loaded:
            return [search_text(self.title(p), self.abstract(p)) for p in ids]
        self.load_abstracts()
        with self._lock:
            return list(map(self.texts.haystack, ids))

    def _states_moved(self) -> None:
        """Triage states changed (here or in another process): the relevance order too,
        now or, in the app, once :meth:`refresh_relevance` has made it (under the lock)."""
        self._relevance_stale = True
        if not self.defer_relevance:
            self._drop_sort("relevance")

    def _drop_sort(self, sort: Sort) -> None:
        self._sorted.pop(sort, None)
        self._hay_cache.pop(sort, None)
        self.words.index_rows.pop(sort, None)
        self._last = None

    def positives(self) -> int:
        """How many papers say "more like this" (queued, tagged, read with a note)."""
        return self.relevance.positives(self.decisions.states)

    def prepare_relevance(self) -> None:
        """Make the ranking features (reads every abstract; from the features file when
        there is one, else built: seconds at 100k papers). Safe in a worker thread."""
        self.relevance.ensure()

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
            self._drop_sort("relevance")
            self._sorted["relevance"] = new
            return new != old

    def why(self, pid: str, like: Sequence[str] | None = None) -> list[str]:
        """The few words and phrases that raised a paper in the relevance order (or, with
        ``like``, that it shares with those papers)."""
        text = self._texts_of([pid])[0]
        if like is not None:
            return self.relevance.why_like(like, text)
        return self.relevance.why(pid, text, self.decisions.states)

    def similar(self, pid: str, n: int = 10) -> list[tuple[str, float]]:
        """The ``n`` papers most like ``pid``, best first, with their resemblance."""
        return self.relevance.like([pid], n)

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
            return [self.resolve(ref)]
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
            return self.queue()
        return self._restrict(view, self.sorted_ids(sort))

    def _restrict(self, view: str, ids: list[str]) -> list[str]:
        """``ids`` (in their order) that belong to ``view``."""
        if view == "inbox":  # the big one: exclude the few decided papers
            return list(filterfalse(self.decisions.decided().__contains__, ids))
        member = self._in_view(view)
        return ids if member is None else list(filter(member, ids))

    def _haystacks(self, sort: Sort) -> list[str]:
        """Every paper's search text, aligned with :meth:`sorted_ids` (cached)."""
        hays = self._hay_cache.get(sort)
        if hays is None:
            hays = self._haystacks_of(self.sorted_ids(sort))
            if self.abstracts_loaded:
                self._hay_cache[sort] = hays
        return hays

    def _haystacks_of(self, ids: list[str]) -> list[str]:
        if not self.abstracts_loaded:
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
        partial = bool(query.needs_text) and not self.abstracts_loaded
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
        if self.words.index is not None and self.abstracts_loaded:
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
        """Prepare for searching (call after :meth:`load_abstracts`, e.g. in a worker).

        Builds every :class:`Paper` (filters read them), and once every abstract is in,
        copies the search texts into one run of memory in the default (date) order. Texts
        read in shard order lie scattered over the heap, and a scan that follows the list
        jumps around it: laid out in order, a search over 100k papers takes a third less
        time (the hardware prefetches the next text while this one is compared).

        Not for a library searched with the word index (:data:`INDEX_MIN_PAPERS` papers and
        more): queries are answered on bitmaps there, the predicate runs on few papers and
        scans read few texts, so every Paper and a second copy of every text (150 MB at
        100k, made under the lock) would only cost memory and a pause.
        """
        if len(self.corpus.ids) >= INDEX_MIN_PAPERS:
            self.new_ids()
            return
        for pid in self.corpus.ids:
            self.paper(pid)
        self.new_ids()
        if not self.abstracts_loaded:
            return
        with self._lock:
            ids = self._sorted_ids("date")
            packed = [self.texts.haystack(p).encode().decode() for p in ids]
            self.texts.text.update(zip(ids, packed, strict=True))
            self._hay_cache["date"] = packed
            self._last = None

    # -- import -------------------------------------------------------------------------
    def import_entries(
        self, entries: Iterable[ParsedPaper], *, now: str | None = None
    ) -> ImportReport:
        """Add or refresh papers. Never touches triage state.

        Entries for the same paper are merged (richest metadata, every source page). A
        paper already in the library is refreshed when the import brings something new.
        """
        with self.store.corpus_write():
            if self.store.corpus_changed():
                self.reload_corpus()  # merge with the corpus as it is now, not as it was read
            return self._import(merge_entries(entries), now or _import_stamp())

    def _import(self, merged: dict[str, MergedPaper], stamp: str) -> ImportReport:
        def stored(pid: str) -> tuple[Paper, str] | None:
            return (self.paper(pid), self.abstract(pid)) if pid in self.corpus.row else None

        plan = plan_import(merged, stored, stamp)
        if plan.docs:
            order = self.corpus.date_order_after(plan.docs)
            self.store.save_papers(plan.docs, plan.abstracts, order=order)
            self._apply_docs(plan.docs, plan.abstracts)
        return plan.report

    # -- removal ------------------------------------------------------------------------
    def remove(self, ids: Iterable[str]) -> int:
        """Delete papers: metadata, abstracts, search index and triage state; returns how
        many. Their state is backed up first, so ``papertui restore`` brings it back, and
        importing their pages again brings the papers back (as new). Not an undoable
        action: the undo history, which may name them, is cleared."""
        with self.store.corpus_write():
            if self.store.corpus_changed():
                self.reload_corpus()  # remove from the corpus as it is now
            ids = self._check(ids)
            if not ids:
                return 0
            self.store.remove_papers(ids)
            with self._lock:
                for pid in ids:
                    self.decisions.states.pop(pid, None)
                self.decisions.forget_decided()
                self._forget(set(ids))
                self.undo.done.clear()
                self.undo.undone.clear()
        with contextlib.suppress(OSError):
            self.index_path.unlink()  # it holds their words: rebuilt when next needed
        return len(ids)

    def _apply_docs(self, docs: dict[str, dict[str, Any]], abstracts: dict[str, str]) -> None:
        """New or changed papers into every part (an import here or elsewhere)."""
        with self._lock:
            self.corpus.apply_docs(docs)
            self.texts.take(abstracts)
            self.words.forget(list(docs))
            for pid in docs:
                orphan = self._orphans.pop(pid, None)
                if orphan is not None:  # removed, its state restored: back with the paper
                    self.decisions.states[pid] = orphan
                    self.decisions.forget_decided()
            self.relevance.refresh(abstracts)
            self._corpus_moved()


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


def _import_stamp() -> str:
    """An import's ``added_at``: to the microsecond, so that two imports in one second
    still get stamps of their own and ``added:STAMP`` (what ``papertui import`` prints to
    undo one) names one import."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")
