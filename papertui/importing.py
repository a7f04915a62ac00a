"""Changing the corpus: adding papers (an import), removing them, and taking in what another
process imported or removed.

Each change is written first (under the store's corpus lock, merged with the corpus as it
is on disk then), then applied to every part of the library: the metadata columns, the
abstracts, the kept states of papers the corpus lacks, and the views' caches (the word
index, the relevance features). Never touches triage state, except that a removed paper's
state goes (after a backup). The import planning itself is :mod:`papertui.merge`; reading
files to import is :mod:`papertui.importer`. Pure Python over the store.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from papertui.corpus import Corpus
from papertui.decisions import Decisions
from papertui.merge import ImportReport, MergedPaper, merge_entries, plan_import
from papertui.missing import MissingPapers
from papertui.models import Paper, ParsedPaper
from papertui.store import Store, shard_of
from papertui.texts import Texts
from papertui.views import Views

__all__ = ["Importing", "import_stamp"]


class Importing:
    """Imports, removals and the corpus changes of other processes, for one library."""

    def __init__(
        self,
        store: Store,
        corpus: Corpus,
        texts: Texts,
        decisions: Decisions,
        missing: MissingPapers,
        views: Views,
        *,
        check: Callable[[Iterable[str]], list[str]],
    ) -> None:
        """Change the library made of these parts; ``check`` gives the known ids of a
        list (LibraryError for an unknown one)."""
        self.store = store
        self.corpus = corpus
        self.texts = texts
        self.decisions = decisions
        self.missing = missing
        self.views = views
        self._check = check
        self._lock = corpus.lock

    # -- import -------------------------------------------------------------------------
    def import_entries(
        self, entries: Iterable[ParsedPaper], *, now: str | None = None
    ) -> ImportReport:
        """Add or refresh papers (see :meth:`papertui.library.Library.import_entries`)."""
        with self.store.corpus_write():
            if self.store.corpus_changed():
                self.reload_corpus()  # merge with the corpus as it is now, not as it was read
            return self._import(merge_entries(entries), now or import_stamp())

    def _import(self, merged: dict[str, MergedPaper], stamp: str) -> ImportReport:
        def stored(pid: str) -> tuple[Paper, str] | None:
            if pid not in self.corpus.row:
                return None
            return self.corpus.paper(pid), self.texts.abstract(pid)

        plan = plan_import(merged, stored, stamp)
        if plan.docs:
            order = self.corpus.date_order_after(plan.docs)
            self.store.save_papers(plan.docs, plan.abstracts, order=order)
            self._apply_docs(plan.docs, plan.abstracts, written=self.store.written_shards)
        return plan.report

    # -- removal ------------------------------------------------------------------------
    def remove(self, ids: Iterable[str]) -> int:
        """Delete papers (see :meth:`papertui.library.Library.remove`); returns how many."""
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
                self.decisions.undo.done.clear()
                self.decisions.undo.undone.clear()
        with contextlib.suppress(OSError):
            self.views.words.path.unlink()  # it holds their words: rebuilt when next needed
        return len(ids)

    # -- other processes ----------------------------------------------------------------
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

    # -- every part -----------------------------------------------------------------------
    def _forget(self, ids: set[str]) -> None:
        """Drop papers removed from the corpus, from every part (under the lock); a state
        their removal left behind is set aside."""
        self.corpus.forget(ids)
        self.texts.forget(ids)
        self.missing.removed(ids)
        self.views.papers_removed(ids)

    def _apply_docs(
        self,
        docs: dict[str, dict[str, Any]],
        abstracts: dict[str, str],
        *,
        written: Mapping[int, tuple[int, int, int, int]] | None = None,
    ) -> None:
        """New or changed papers into every part (an import here or elsewhere; ``written``:
        the shard files this process's import just wrote, see :meth:`Texts.take`)."""
        with self._lock:
            self.corpus.apply_docs(docs)
            self.texts.take(abstracts, written=written)
            self.missing.returned(docs)  # removed, its state restored: back with the paper
            self.views.papers_taken(docs, abstracts)


def import_stamp() -> str:
    """An import's ``added_at``: to the microsecond, so that two imports in one second
    still get stamps of their own and ``added:STAMP`` (what ``papertui import`` prints to
    undo one) names one import."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")
