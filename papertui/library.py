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
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from itertools import compress, filterfalse, islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar, cast

from papertui.decisions import DEFAULT_STATE, Decisions, normalise_tag
from papertui.errors import LibraryError
from papertui.history import Change, UndoStack
from papertui.merge import ImportReport, MergedPaper, merge_entries, plan_import, seen_date
from papertui.models import Paper, ParsedPaper, Source, TriageState
from papertui.paperlink import split_paper_links
from papertui.relevance import Relevance
from papertui.store import SHARDS, Store, shard_of

if TYPE_CHECKING:
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
    "UndoStack",
    "normalise_tag",
]

Sort = Literal["date", "upvotes", "title", "added", "relevance"]
SORTS: tuple[Sort, ...] = ("date", "upvotes", "title", "added", "relevance")
"""Sort orders of the paper list (newest / most upvoted / A-Z / most recently added first /
most like the papers the user kept, :mod:`papertui.relevance`)."""

VIEWS = ("inbox", "queue", "read", "all", "new", "dismissed")
"""The built-in views. ``tag:NAME`` selects a tag's papers. ``new`` holds the papers the
latest import added (the last import that added any)."""

INDEX_FILE = "search.index"
"""The word index cache (:mod:`papertui.wordindex`), in the library folder."""

INDEX_MIN_PAPERS = 5000
"""Below this many papers a search scans every text in a few milliseconds: the app does not
build a word index (``papertui index`` still does when asked)."""


@dataclass(frozen=True)
class IndexStatus:
    """How well the word index in use covers the library."""

    covered: int
    """Papers whose text the index was built from."""
    total: int
    """Papers in the library."""
    problem: str | None = None
    """Why the index file could not be used (missing, damaged...), if it could not."""

    @property
    def complete(self) -> bool:
        return self.covered == self.total


MISSING_TITLE = "Not in the library"
"""The title shown for a paper whose triage state is kept but whose metadata the corpus
lacks (:meth:`Library.missing`)."""

_T = TypeVar("_T")

_SCAN_ROWS = 2000
"""Rows :meth:`Library._row_of` scans before the id index is built."""


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
        self._lock = threading.RLock()
        ids, cols = store.load_paper_columns()
        self.warnings: list[str] = store.warnings
        """What opening found and recovered from (damaged journal lines), for the user."""
        self._ids: list[str] = ids
        self._row_map: dict[str, int] | None = None
        """Paper id -> row in the columns; see :attr:`_row`."""
        self._cols: dict[str, Sequence[Any]] = cols
        self._papers: dict[str, Paper] = {}
        self.decisions = Decisions(store, self._lock, on_change=self._states_changed)
        """The triage state, its changes and this process's undo history."""
        self.undo = self.decisions.undo
        self._orphans: dict[str, TriageState] = {}
        """States of papers not in the corpus (removed, then restored from a backup): kept
        on disk, out of every view, until an import brings the paper back."""
        self._set_orphans_aside(None)
        self._new_ids: set[str] | None = None
        """Cache of :meth:`new_ids`."""
        self.relevance = Relevance(store.root, lambda: self._ids, self._texts_of)
        """The relevance order's features and profile (:mod:`papertui.relevance`)."""
        self.defer_relevance = False
        """When set (the app), a triage action leaves the relevance order as it was until
        :meth:`refresh_relevance` (run in a worker) makes the new one."""
        self._relevance_stale = False
        self._title_only: dict[str, str] | None = None
        """Cache of :meth:`_title_texts`."""
        self._generation = 0
        """Counts the imports applied (work done outside the lock checks it did not miss
        one)."""
        self._abstracts: dict[str, str] = {}
        self._loaded_shards: set[int] = set()
        self._text: dict[str, str] = {}
        self._sorted: dict[Sort, list[str]] = {}
        self._hay_cache: dict[Sort, list[str]] = {}
        self._last: _Search | None = None
        """The previous search, which the next keystroke usually refines."""
        self._index: WordIndex | None = None
        self._index_of: dict[str, int] = {}
        """Paper id -> number in the word index, for the papers the index covers."""
        self._index_rows: dict[Sort, list[int] | None] = {}
        """For each sort, the index number of each row (``len(index)`` if not covered;
        None when the rows are in index order and all covered)."""
        self._brought_back: set[str] = set()
        """Papers the corpus lacks whose states a triage action is using (see missing())."""

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
                present = set(filter(states.__contains__, self._ids))
                if len(present) == len(states):
                    return
                strays = [p for p in states if p not in present]
            else:
                for pid in changed:
                    self._orphans.pop(pid, None)
                strays = [p for p in changed if p in states and p not in self._row]
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
        ids, cols = self.store.load_paper_columns(fresh=True)
        with self._lock:
            old_ids, old_cols, old_row = list(self._ids), dict(self._cols), dict(self._row)
        keys = list(cols)
        new_cols = {k: list(cols[k]) for k in keys}
        docs: dict[str, dict[str, Any]] = {}
        for i, pid in enumerate(ids):
            j = old_row.get(pid)
            if j is None or any(
                k not in old_cols or old_cols[k][j] != new_cols[k][i] for k in keys
            ):
                docs[pid] = {k: new_cols[k][i] for k in keys}
        gone = set(old_ids).difference(ids)
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
        """Drop papers another process removed from the corpus (under the lock)."""
        keep = [i for i, pid in enumerate(self._ids) if pid not in ids]
        cols = {k: list(col) for k, col in self._cols.items()}
        self._cols = {k: [col[i] for i in keep] for k, col in cols.items()}
        self._ids = [self._ids[i] for i in keep]
        self._row_map = None
        for pid in ids:
            self._papers.pop(pid, None)
            self._abstracts.pop(pid, None)
            self._text.pop(pid, None)
            self._index_of.pop(pid, None)
            orphan = self.decisions.states.pop(pid, None)  # a state its removal left behind
            if orphan is not None:
                self._orphans[pid] = orphan
                self.decisions.forget_decided()
        self.relevance.forget(ids)
        self._corpus_moved()

    def _states_changed(self) -> None:
        """Triage states changed (here or elsewhere): the last search's results are stale,
        and the relevance order."""
        self._last = None
        self._states_moved()

    def _corpus_moved(self) -> None:
        """Drop what was derived from the corpus's rows (under the lock, after a change)."""
        self._new_ids = None
        self._title_only = None
        self._generation += 1
        self._index_rows.clear()
        self._sorted.clear()
        self._hay_cache.clear()
        self._last = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the library's open files."""
        self.store.close()

    @property
    def _row(self) -> dict[str, int]:
        """Paper id -> row in the columns, built on first use: at 100k papers it costs
        ~15 ms, which the first paint does without (:meth:`_row_of`)."""
        row = self._row_map
        if row is None:
            ids = self._ids
            self._row_map = row = dict(zip(ids, range(len(ids)), strict=True))
        return row

    def _row_of(self, pid: str) -> int:
        """The row of ``pid`` (KeyError if unknown). Before the id index exists, a paper
        among the first rows (those the first screen shows) is found by a short C-level
        scan instead of building the index."""
        row = self._row_map
        if row is None:
            try:
                return self._ids.index(pid, 0, _SCAN_ROWS)
            except ValueError:
                row = self._row
        return row[pid]

    # -- papers -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, pid: object) -> bool:
        return pid in self._row

    @property
    def ids(self) -> Sequence[str]:
        """Every paper id, in storage order."""
        return self._ids

    def paper(self, pid: str) -> Paper:
        """The paper with id ``pid`` (KeyError if unknown)."""
        p = self._papers.get(pid)
        if p is None:
            try:
                i = self._row_of(pid)
            except KeyError:
                return self._stand_in(pid)
            c = self._cols
            published = c["published"][i]
            # Papers stored before arXiv ids were kept hold their paper pages as links.
            arxiv_id, code, project = split_paper_links(c["code_urls"][i], c["project_urls"][i])
            ids = c.get("arxiv_id")
            p = Paper(
                id=pid,
                title=c["title"][i],
                authors_count=c["authors_count"][i],
                published=date.fromisoformat(published) if published else None,
                upvotes=c["upvotes"][i],
                code_urls=code,
                project_urls=project,
                sources=tuple(Source(f, d) for f, d in c["sources"][i]),
                added_at=c["added_at"][i],
                arxiv_id=(ids[i] if ids is not None else None) or arxiv_id,
            )
            self._papers[pid] = p
        return p

    def title(self, pid: str) -> str:
        """A paper's title without building the whole :class:`Paper`."""
        try:
            return str(self._cols["title"][self._row_of(pid)])
        except KeyError:
            return self._stand_in(pid).title

    def resolve(self, ref: str) -> str:
        """The full id for an id or a unique id prefix (LibraryError otherwise)."""
        ref = ref.strip().lower()
        if ref in self._row or ref in self._orphans:
            return ref
        if not ref or any(ch not in "0123456789abcdef" for ch in ref):
            raise LibraryError(f"no paper with id '{ref}'")
        hits = [pid for pid in self._ids if pid.startswith(ref)]
        hits += [pid for pid in self.missing() if pid.startswith(ref)]
        if not hits:
            raise LibraryError(f"no paper with id '{ref}'")
        if len(hits) > 1:
            raise LibraryError(f"id prefix '{ref}' is ambiguous ({len(hits)} papers); type more")
        return hits[0]

    def short_id(self, pid: str, minimum: int = 7) -> str:
        """A prefix of ``pid`` long enough to be typed (7 characters like git)."""
        return pid[:minimum]

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
    @property
    def abstracts_loaded(self) -> bool:
        """Whether every abstract is in memory (full-text search needs them)."""
        return len(self._loaded_shards) == SHARDS

    def _read_shard(self, shard: int) -> None:
        """Take in one abstract shard and its papers' search texts.

        The file is read and the texts made without the lock: a search typed meanwhile (on
        the event loop) waits for the lock only while they are stored. If an import changed
        the library in between, the shard is read again and its texts made under the lock
        (rare), so nothing older than the import is put back.
        """
        if shard in self._loaded_shards:
            return
        generation = self._generation
        abstracts = self.store.load_abstract_shard(shard)
        texts = self._search_texts(abstracts)
        with self._lock:
            if shard in self._loaded_shards:
                return
            if generation != self._generation:
                abstracts = self.store.load_abstract_shard(shard)
                texts = self._search_texts(abstracts)
            self._abstracts.update(abstracts)
            self._text.update(texts)
            self._loaded_shards.add(shard)
            if self.abstracts_loaded:
                self._title_only = None  # every paper has its full text now
            self._hay_cache.clear()

    def _search_texts(self, abstracts: dict[str, str]) -> dict[str, str]:
        """The search texts of the papers of some abstracts (titles read under the lock)."""
        from papertui.query import search_text

        with self._lock:
            titles, row = self._cols.get("title", []), self._row
            titled = [
                (pid, titles[i], text)
                for pid, text in abstracts.items()
                if (i := row.get(pid)) is not None
            ]
        return {pid: search_text(title, text) for pid, title, text in titled}

    def load_abstracts(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Read every abstract shard (safe to run in a worker thread)."""
        if not self.abstracts_loaded:
            self._title_texts()  # ready for searches typed before the last shard is in
        for shard in range(SHARDS):
            self._read_shard(shard)
            if progress is not None:
                progress(shard + 1, SHARDS)

    def abstract(self, pid: str) -> str:
        """A paper's abstract (reads its shard if needed)."""
        text = self._abstracts.get(pid)
        if text is None:
            self._read_shard(shard_of(pid))
            text = self._abstracts.get(pid, "")
        return text

    def _haystack(self, pid: str) -> str:
        """A paper's search text: title and abstract; the title alone until every abstract
        is loaded (a search is then *partial*, see :class:`Selection`)."""
        if not self.abstracts_loaded:
            return self._title_texts().get(pid, "")  # "": a paper the corpus lacks
        text = self._text.get(pid)
        if text is None:
            from papertui.query import search_text

            text = self._text[pid] = search_text(self.title(pid), self._abstracts.get(pid, ""))
        return text

    def _title_texts(self) -> dict[str, str]:
        """Every paper's search text without its abstract (what a search reads of a paper
        whose abstract is not loaded yet), built once: searches typed while the abstracts
        load must not rebuild 100k of them at every keystroke."""
        texts = self._title_only
        while texts is None or len(texts) != len(self._ids):
            from papertui.query import search_text

            with self._lock:
                generation = self._generation
                ids, titles = list(self._ids), list(self._cols.get("title", []))
            texts = dict(zip(ids, map(search_text, titles, repeat("")), strict=True))
            with self._lock:
                if generation == self._generation:  # else an import came: again
                    self._title_only = texts
                    break
        return texts

    # -- word index -----------------------------------------------------------------------
    @property
    def index_path(self) -> Path:
        """The word index cache file."""
        return self.store.root / INDEX_FILE

    def build_search_index(self, progress: Callable[[int, int], None] | None = None) -> WordIndex:
        """Build the word index of every paper and save it (:data:`INDEX_FILE`).

        Reads every abstract. The index is a cache derived from the library, so this runs
        on a read-only library too (the app runs it in a separate process, ``papertui
        index``, while it holds the library).
        """
        from papertui import wordindex

        if progress is not None:
            progress(0, len(self._ids))
        self.load_abstracts()
        with self._lock:
            ids = list(self._ids)
            texts = list(map(self._haystack, ids))
        index = wordindex.build(ids, texts, progress)
        index.save(self.index_path)
        self.relevance.save(ids, texts)  # the ranking features, from the same texts
        return index

    def attach_search_index(self) -> IndexStatus:
        """Use the word index file for searches, for the papers whose text it was built from.

        Call once every abstract is loaded (it compares each paper's search text with the
        one indexed). A missing or damaged file is not an error: searches then scan.
        """
        from papertui import wordindex

        total = len(self._ids)
        try:
            index = wordindex.WordIndex.load(self.index_path)
        except FileNotFoundError:
            return IndexStatus(0, total, "no index yet")
        except (OSError, wordindex.IndexDamaged) as exc:
            return IndexStatus(0, total, f"unusable index ({exc})")
        if not self.abstracts_loaded:
            self.load_abstracts()
        with self._lock:
            row = self._row
            known = [(j, pid) for j, pid in enumerate(index.pids) if pid in row]
            texts = list(map(self._haystack, (pid for _, pid in known)))
        # The checksums (150 MB of text at 100k: 0.3 s) without the lock, so that a search
        # typed meanwhile does not wait; a text an import replaced since is left out below.
        sigs, now = index.sigs, list(map(wordindex.signature, texts))
        with self._lock:
            current = self._text.get
            covered = {
                pid: j
                for (j, pid), text, sig in zip(known, texts, now, strict=True)
                if sigs[j] == sig and current(pid) is text
            }
            self._index, self._index_of = index, covered
            self._index_rows.clear()
            self._last = None
        return IndexStatus(len(covered), total)

    def search_index_status(self) -> IndexStatus:
        """How well the index in use covers the library (0 covered if none is in use)."""
        with self._lock:
            return IndexStatus(len(self._index_of), len(self._ids))

    def _index_numbers(self, sort: Sort) -> list[int] | None:
        """The word index number of each row of ``sorted_ids(sort)`` (cached)."""
        if sort in self._index_rows:
            return self._index_rows[sort]
        assert self._index is not None
        ids = self.sorted_ids(sort)
        numbers: list[int] | None = list(map(self._index_of.get, ids, repeat(len(self._index))))
        if len(self._index) == len(self._index_of) == len(ids) and numbers == list(range(len(ids))):
            numbers = None  # the index covers every row, in this order: masks need no reordering
        self._index_rows[sort] = numbers
        return numbers

    def _select_indexed(
        self, sort: Sort, required: Sequence[str], excluded: Sequence[str]
    ) -> list[str] | None:
        """The ids, in ``sort`` order, whose text contains every ``required`` needle and no
        ``excluded`` one, answered by the word index; None if it cannot answer (a needle
        without any letter or digit, e.g. ``-``).

        Only texts the index cannot vouch for are read: those of papers it does not cover,
        and, for a needle that is not a single word (``"diffusion model"``, ``3d-gan``), those
        of the candidates the index gives for it.
        """
        index = self._index
        assert index is not None
        bits, check = index.everything, 0
        for needle in required:
            found = index.find(needle)
            if found is None:
                return None
            bits &= found.bits
            if not found.exact:
                check = bits  # candidates only: read them
        drop = 0
        for needle in excluded:
            found = index.find(needle)
            if found is None:
                return None
            if found.exact:
                drop |= found.bits
            else:
                check |= found.bits  # may contain it: read them
        bits &= ~drop
        check &= bits
        ids = self.sorted_ids(sort)
        numbers = self._index_numbers(sort)
        if numbers is None:
            rows = list(compress(range(len(ids)), index.mask(bits)))
            suspects = list(compress(range(len(ids)), index.mask(check))) if check else []
        else:
            # Rows the index does not cover map to one more byte, "maybe": read those.
            keep = index.mask(bits) + b"\x01"
            rows = list(compress(range(len(ids)), map(keep.__getitem__, numbers)))
            if check or len(self._index_of) < len(ids):
                doubt = index.mask(check) + b"\x01"
                suspects = list(
                    compress(rows, map(doubt.__getitem__, map(numbers.__getitem__, rows)))
                )
            else:
                suspects = []
        if suspects:
            hays = self._haystacks(sort)
            ok = suspects
            for needle in required:
                ok = _having(ok, map(hays.__getitem__, ok), needle)
            for needle in excluded:
                ok = list(
                    filterfalse(
                        set(_having(ok, map(hays.__getitem__, ok), needle)).__contains__, ok
                    )
                )
            wrong = set(suspects).difference(ok)
            if wrong:
                rows = list(filterfalse(wrong.__contains__, rows))
        return list(map(ids.__getitem__, rows))

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
        counts = self.decisions.counts(len(self._ids))
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
                added = list(self._cols.get("added_at", ()))
                newest = max(filter(None, added), default=None)
                found = (
                    set()
                    if newest is None
                    else {pid for pid, a in zip(self._ids, added, strict=True) if a == newest}
                )
                self._new_ids = found
        return found

    def _check(self, ids: Iterable[str]) -> list[str]:
        out = list(dict.fromkeys(ids))
        for pid in out:
            if pid not in self._row and pid not in self._orphans:  # see missing()
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
        ids, c = self._ids, self._cols
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
            pubs = self._seen_column()
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

    def _seen_column(self) -> list[str]:
        """Each row's sort date (:attr:`Paper.date_seen`, ``""`` when unknown) as stored by
        imports; computed from the published and page dates where a library stored before
        it lacks the column."""
        c, n = self._cols, len(self._ids)
        seen = list(c.get("seen") or [None] * n)
        if None in seen:
            pubs, sources = c.get("published", [None] * n), c.get("sources", [[]] * n)
            for i in [i for i, v in enumerate(seen) if v is None]:
                seen[i] = seen_date(pubs[i], sources[i])
        return seen

    # -- relevance (the bodies are in papertui.relevance) ----------------------------------
    def _texts_of(self, ids: Sequence[str]) -> list[str]:
        """Search texts of papers (the ranking features): for a few papers, from their
        abstract shards alone; for more, every abstract is read first."""
        from papertui.query import search_text

        if len(ids) <= 100 and not self.abstracts_loaded:
            return [search_text(self.title(p), self.abstract(p)) for p in ids]
        self.load_abstracts()
        with self._lock:
            return list(map(self._haystack, ids))

    def _states_moved(self) -> None:
        """Triage states changed (here or in another process): the relevance order too,
        now or, in the app, once :meth:`refresh_relevance` has made it (under the lock)."""
        self._relevance_stale = True
        if not self.defer_relevance:
            self._drop_sort("relevance")

    def _drop_sort(self, sort: Sort) -> None:
        self._sorted.pop(sort, None)
        self._hay_cache.pop(sort, None)
        self._index_rows.pop(sort, None)
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
            generation, old = self._generation, self._sorted.get("relevance")
            by_date, states = self._sorted_ids("date"), dict(self.decisions.states)
        new = self.relevance.order(by_date, states)
        with self._lock:
            if generation != self._generation or self._relevance_stale:
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
            return list(map(self._title_texts().get, ids, repeat("")))
        found: list[str | None] = list(map(self._text.get, ids))
        if None in found:
            return [
                h if h is not None else self._haystack(p) for p, h in zip(ids, found, strict=True)
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
        if terms is not None and self._index is not None and not partial and view != "queue":
            # The word index answers in a few milliseconds, whatever was typed before.
            indexed = self._select_indexed(sort, terms.required, terms.excluded)
            if indexed is not None:
                if view != "all":
                    indexed = self._restrict(view, indexed)
                if not terms.complete:  # filters too: check them on what the words leave
                    pred, states, haystack, paper = (
                        query.predicate,
                        self.decisions.states,
                        self._haystack,
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
            states, haystack, paper = self.decisions.states, self._haystack, self.paper
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
        """
        for pid in self._ids:
            self.paper(pid)
        self.new_ids()
        if not self.abstracts_loaded:
            return
        with self._lock:
            ids = self._sorted_ids("date")
            packed = [self._haystack(p).encode().decode() for p in ids]
            self._text.update(zip(ids, packed, strict=True))
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
            return (self.paper(pid), self.abstract(pid)) if pid in self._row else None

        plan = plan_import(merged, stored, stamp)
        if plan.docs:
            order = self._date_order_after(plan.docs)
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

    def _date_order_after(self, docs: dict[str, dict[str, Any]]) -> list[str]:
        """Every id, newest first, as it will be once ``docs`` are stored.

        The corpus is stored in this order, so that opening the library finds its default
        sort already done (the sort then only confirms it, in one linear pass).
        """
        pub = {pid: d["seen"] for pid, d in docs.items()}
        up = {pid: d.get("upvotes") or 0 for pid, d in docs.items()}
        c = self._cols
        seen = self._seen_column()
        for pid, i in self._row.items():
            if pid not in docs:
                pub[pid] = seen[i]
                up[pid] = c["upvotes"][i] or 0
        order = sorted(pub, key=up.__getitem__, reverse=True)
        order.sort(key=pub.__getitem__, reverse=True)
        return order

    def _apply_docs(self, docs: dict[str, dict[str, Any]], abstracts: dict[str, str]) -> None:
        with self._lock:
            keys = list(next(iter(docs.values())))
            # Packed columns from disk are unpacked to be edited.
            cols: dict[str, list[Any]] = {
                k: list(self._cols.get(k, [None] * len(self._ids))) for k in keys
            }
            self._cols.update(cols)
            for pid, doc in docs.items():
                i = self._row.get(pid)
                if i is None:
                    i = len(self._ids)
                    self._ids.append(pid)
                    self._row[pid] = i
                    for k in keys:
                        cols[k].append(doc.get(k))
                else:
                    for k in keys:
                        cols[k][i] = doc.get(k)
                self._papers.pop(pid, None)
            for pid, text in abstracts.items():
                self._abstracts[pid] = text
                self._text.pop(pid, None)  # rebuilt on demand by _haystack
            for pid in docs:  # changed or new: no longer (or not yet) in the word index
                self._index_of.pop(pid, None)
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


def _having(rows: Iterable[int], texts: Iterable[str], needle: str) -> list[int]:
    """The ``rows`` whose text (aligned) contains ``needle`` (no Python code per text)."""
    return list(compress(rows, map(operator.contains, texts, repeat(needle))))


_DEFAULT = DEFAULT_STATE


def _import_stamp() -> str:
    """An import's ``added_at``: to the microsecond, so that two imports in one second
    still get stamps of their own and ``added:STAMP`` (what ``papertui import`` prints to
    undo one) names one import."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")
