"""The domain API that the CLI and the TUI share: a small facade over the library's parts.

Pure Python over :mod:`papertui.store` (which alone knows TinyDB). Never imports Textual.
Each job has a module of its own; :class:`Library` opens them together, keeps them in
step, and offers one method per operation:

==========================  ============================================================
the papers' metadata        :mod:`papertui.corpus` (ids, columns, :class:`Paper` objects)
abstracts, search texts     :mod:`papertui.texts`
triage state, actions       :mod:`papertui.decisions` (undo: :mod:`papertui.history`)
views, sorts, searches      :mod:`papertui.views` (the relevance order and ``like:`` too)
the word index in use       :mod:`papertui.wordsearch` (whole queries: :mod:`papertui.bitmaps`)
the relevance ranking       :mod:`papertui.relevance`, :mod:`papertui.ranking`
import, removal             :mod:`papertui.importing` (planning: :mod:`papertui.merge`)
papers the corpus lacks     :mod:`papertui.missing` (their kept states)
==========================  ============================================================

What stays here: opening, following what other processes write (:meth:`Library.refresh`),
and running each triage action on the latest state on disk (:func:`_writes`).

Opening is cheap even at 100k papers: only the metadata columns and the triage state are
read. :class:`Paper` objects are built on demand, and abstracts are read shard by shard,
either all of them in the background (:meth:`Library.load_abstracts`) or the one shard a
paper needs (:meth:`Library.abstract`).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from papertui.corpus import SORTS, Corpus, Sort
from papertui.decisions import DEFAULT_STATE, Decisions, normalise_tag
from papertui.errors import LibraryError
from papertui.history import Change, UndoStack
from papertui.importing import Importing
from papertui.merge import ImportReport
from papertui.missing import MISSING_TITLE, MissingPapers
from papertui.models import Paper, ParsedPaper, TriageState
from papertui.store import Store
from papertui.texts import Texts
from papertui.views import VIEWS, Selection, Views
from papertui.wordsearch import INDEX_FILE, INDEX_MIN_PAPERS, IndexStatus

if TYPE_CHECKING:
    from papertui.query import Query
    from papertui.wordindex import WordIndex

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
                lib.missing_papers.set_aside_again()  # their states aside again (see missing())

    return run


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
        self.decisions = Decisions(
            store, self._lock, on_change=lambda before: self.views.states_changed(before)
        )
        """The triage state, its changes and this process's undo history."""
        self.undo = self.decisions.undo
        self.missing_papers = MissingPapers(self.corpus, self.decisions)
        """The kept states of papers the corpus lacks (see :meth:`missing`)."""
        self.texts = Texts(self.corpus, store, on_loaded=lambda: self.views.texts_changed())
        """Abstracts and search texts."""
        self.views = Views(
            self.corpus,
            self.texts,
            self.decisions,
            store.root,
            paper=self.paper,
            title=self.title,
            resolve=self.resolve,
        )
        """Views, sort orders and searches, with the word index and the relevance order."""
        self.words = self.views.words
        """The word index in use."""
        self.relevance = self.views.relevance
        """The relevance order's features and profile (:mod:`papertui.relevance`)."""
        self.importing = Importing(
            store,
            self.corpus,
            self.texts,
            self.decisions,
            self.missing_papers,
            self.views,
            check=self._check,
        )
        """Imports, removals, and the corpus changes of other processes."""
        self.missing_papers.set_aside(None)

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
            self.missing_papers.set_aside(found)
        return found

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
        return self.importing.reload_corpus()

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
            return self.missing_papers.stand_in(pid)

    def title(self, pid: str) -> str:
        """A paper's title without building the whole :class:`Paper`."""
        try:
            return self.corpus.title(pid)
        except KeyError:
            return self.missing_papers.stand_in(pid).title

    def short_id(self, pid: str, minimum: int = 7) -> str:
        """A prefix of ``pid`` long enough to be typed (7 characters like git)."""
        return self.corpus.short_id(pid, minimum)

    def resolve(self, ref: str) -> str:
        """The full id for an id or a unique id prefix (LibraryError otherwise)."""
        ref = ref.strip().lower()
        if ref in self.corpus.row or ref in self.missing_papers:
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

    # -- abstracts (papertui.texts) -----------------------------------------------------
    @property
    def abstracts_loaded(self) -> bool:
        """Whether every abstract is in memory (full-text search needs them)."""
        return self.texts.loaded

    def load_abstracts(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Read every abstract shard (safe to run in a worker thread)."""
        self.texts.load_all(progress)

    def abstract(self, pid: str, *, alone: bool = False) -> str:
        """A paper's abstract (reads its shard if needed; with ``alone``, only this
        abstract: what one shown paper needs, see :meth:`papertui.texts.Texts.abstract`)."""
        return self.texts.abstract(pid, alone=alone)

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
            self.views.prepare_bitmaps()
        return status

    def search_index_status(self) -> IndexStatus:
        """How well the index in use covers the library (0 covered if none is in use)."""
        return self.words.status()

    # -- papers the corpus lacks -----------------------------------------------------------
    def missing(self) -> list[str]:
        """Papers whose triage state is kept but which the corpus lacks, by id: out of
        every view and count until an import brings them back (see :mod:`papertui.missing`).
        :meth:`paper`, :meth:`title` and :meth:`state` answer for them, and a triage action
        applies to the kept state (a paper left with no state is gone for good)."""
        return self.missing_papers.ids()

    # -- triage (the bodies are in papertui.decisions) ----------------------------------
    def state(self, pid: str) -> TriageState:
        """The triage state of a paper (the default state if untouched); for a paper the
        corpus lacks, its kept state (see :meth:`missing`)."""
        return self.decisions.states.get(pid) or self.missing_papers.states.get(pid, DEFAULT_STATE)

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
        if new or self.views.new_counted:
            counts["new"] = len(self.views.new_ids())
        return counts

    def _check(self, ids: Iterable[str]) -> list[str]:
        """``ids`` without repeats (LibraryError for an unknown one); the kept states of
        papers the corpus lacks are brought back for the action (see :meth:`missing`)."""
        out = list(dict.fromkeys(ids))
        for pid in out:
            if pid not in self.corpus and pid not in self.missing_papers:
                raise LibraryError(f"no paper with id '{pid}'")
        self.missing_papers.bring_back(out)
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

    # -- views, sorts and search (the bodies are in papertui.views) ----------------------
    @property
    def defer_relevance(self) -> bool:
        """When set (the app), a triage action leaves the relevance order as it was until
        :meth:`refresh_relevance` (run in a worker) makes the new one."""
        return self.views.defer_relevance

    @defer_relevance.setter
    def defer_relevance(self, defer: bool) -> None:
        self.views.defer_relevance = defer

    def sorted_ids(self, sort: Sort) -> list[str]:
        """Every id in a sort order (cached until the next import)."""
        return self.views.sorted_ids(sort)

    def date_order_seen(self) -> list[int] | None:
        """The identity of the corpus file if this process found it stored in date order
        (None if not known, or the corpus changed since it was opened): what a later
        opening of the same file may trust (:meth:`trust_date_order`)."""
        seen = self.store.corpus_seen
        if seen is None or not self.views.date_ordered or self.corpus.generation:
            return None
        return list(seen)

    def trust_date_order(self, seen: object) -> None:
        """Take the corpus's stored order as the date order without checking it, if
        ``seen`` (from :meth:`date_order_seen` in an earlier run) is the identity of the
        file this library was opened from: the check decodes every paper's date and
        upvotes, ~30 ms at 100k before the first paint. Call before the first
        selection."""
        current = self.store.corpus_seen
        if current is not None and seen == list(current) and not self.corpus.generation:
            self.views.trust_date_order = True

    def view_ids(self, view: str, sort: Sort) -> list[str]:
        """The ids of a view (``inbox``, ``queue``, ``read``, ``all``, ``tag:NAME``), sorted.

        The queue is always in queue order.
        """
        return self.views.view_ids(view, sort)

    def select(self, view: str, query: Query | None = None, sort: Sort = "date") -> Selection:
        """The papers of a view matching a :class:`papertui.query.Query`, in display order."""
        return self.views.select(view, query, sort)

    def warm_up(self) -> None:
        """Prepare for searching (call after :meth:`load_abstracts`, e.g. in a worker; see
        :meth:`papertui.views.Views.warm_up`)."""
        self.views.warm_up()

    # -- relevance (the bodies are in papertui.relevance and papertui.views) -------------
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
        return self.views.refresh_relevance()

    def why(self, pid: str, like: Sequence[str] | None = None) -> list[str]:
        """The few words and phrases that raised a paper in the relevance order (or, with
        ``like``, that it shares with those papers)."""
        text = self.views.texts_of([pid])[0]
        if like is not None:
            return self.relevance.why_like(like, text)
        return self.relevance.why(pid, text, self.decisions.states)

    def similar(self, pid: str, n: int = 10) -> list[tuple[str, float]]:
        """The ``n`` papers most like ``pid``, best first, with their resemblance."""
        return self.relevance.like([pid], n)

    def like_anchors(self, ref: str) -> list[str]:
        """The papers a ``like:`` term is about: ``tag:NAME``'s papers, or the paper of an
        id prefix (LibraryError naming the bad reference)."""
        return self.views.like_anchors(ref)

    # -- import and removal (the bodies are in papertui.importing) -----------------------
    def import_entries(
        self, entries: Iterable[ParsedPaper], *, now: str | None = None
    ) -> ImportReport:
        """Add or refresh papers. Never touches triage state.

        Entries for the same paper are merged (richest metadata, every source page). A
        paper already in the library is refreshed when the import brings something new.
        """
        return self.importing.import_entries(entries, now=now)

    def remove(self, ids: Iterable[str]) -> int:
        """Delete papers: metadata, abstracts, search index and triage state; returns how
        many. Their state is backed up first, so ``papertui restore`` brings it back, and
        importing their pages again brings the papers back (as new). Not an undoable
        action: the undo history, which may name them, is cleared."""
        return self.importing.remove(ids)
