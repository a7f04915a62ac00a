"""Abstracts and search texts: read shard by shard, in the background or on demand.

The abstracts are not needed for the first paint: the app loads every shard in a worker
(each a short pause, never a long freeze) or the one shard a paper needs. A paper's search
text is its title and abstract, case-folded (:func:`papertui.query.search_text`); until
every abstract is in, searches read titles only (a *partial* search).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat

from papertui.corpus import Corpus
from papertui.store import SHARDS, Store, shard_of

__all__ = ["Texts"]


class Texts:
    """The abstracts and search texts in memory."""

    def __init__(self, corpus: Corpus, store: Store, *, on_loaded: Callable[[], None]) -> None:
        self.corpus = corpus
        self.store = store
        self._on_loaded = on_loaded
        """Called (under the lock) when a shard's texts came in: searches cached over the
        texts are stale."""
        self.abstracts: dict[str, str] = {}
        self.loaded_shards: set[int] = set()
        self.text: dict[str, str] = {}
        """Search texts by paper id, once its abstract is in."""
        self.title_only: dict[str, str] | None = None
        """Cache of :meth:`title_texts`."""

    @property
    def loaded(self) -> bool:
        """Whether every abstract is in memory (full-text search needs them)."""
        return len(self.loaded_shards) == SHARDS

    def read_shard(self, shard: int) -> None:
        """Take in one abstract shard and its papers' search texts.

        The file is read and the texts made without the lock: a search typed meanwhile (on
        the event loop) waits for the lock only while they are stored. If an import changed
        the library in between, the shard is read again and its texts made under the lock
        (rare), so nothing older than the import is put back.
        """
        if shard in self.loaded_shards:
            return
        generation = self.corpus.generation
        abstracts = self.store.load_abstract_shard(shard)
        texts = self._search_texts(abstracts)
        with self.corpus.lock:
            if shard in self.loaded_shards:
                return
            if generation != self.corpus.generation:
                abstracts = self.store.load_abstract_shard(shard)
                texts = self._search_texts(abstracts)
            self.abstracts.update(abstracts)
            self.text.update(texts)
            self.loaded_shards.add(shard)
            if self.loaded:
                self.title_only = None  # every paper has its full text now
            self._on_loaded()

    def _search_texts(self, abstracts: dict[str, str]) -> dict[str, str]:
        """The search texts of the papers of some abstracts (titles read under the lock)."""
        from papertui.query import search_text

        with self.corpus.lock:
            titles, row = self.corpus.cols.get("title", []), self.corpus.row
            titled = [
                (pid, titles[i], text)
                for pid, text in abstracts.items()
                if (i := row.get(pid)) is not None
            ]
        return {pid: search_text(title, text) for pid, title, text in titled}

    def load_all(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Read every abstract shard (safe to run in a worker thread)."""
        if not self.loaded:
            self.title_texts()  # ready for searches typed before the last shard is in
        for shard in range(SHARDS):
            self.read_shard(shard)
            if progress is not None:
                progress(shard + 1, SHARDS)

    def abstract(self, pid: str) -> str:
        """A paper's abstract (reads its shard if needed)."""
        text = self.abstracts.get(pid)
        if text is None:
            self.read_shard(shard_of(pid))
            text = self.abstracts.get(pid, "")
        return text

    def haystack(self, pid: str) -> str:
        """A paper's search text: title and abstract; the title alone until every abstract
        is loaded (a search is then *partial*, see :class:`Selection`)."""
        if not self.loaded:
            return self.title_texts().get(pid, "")  # "": a paper the corpus lacks
        text = self.text.get(pid)
        if text is None:
            from papertui.query import search_text

            text = self.text[pid] = search_text(self.corpus.title(pid), self.abstracts.get(pid, ""))
        return text

    def title_texts(self) -> dict[str, str]:
        """Every paper's search text without its abstract (what a search reads of a paper
        whose abstract is not loaded yet), built once: searches typed while the abstracts
        load must not rebuild 100k of them at every keystroke."""
        texts = self.title_only
        while texts is None or len(texts) != len(self.corpus.ids):
            from papertui.query import search_text

            with self.corpus.lock:
                generation = self.corpus.generation
                ids, titles = list(self.corpus.ids), list(self.corpus.cols.get("title", []))
            texts = dict(zip(ids, map(search_text, titles, repeat("")), strict=True))
            with self.corpus.lock:
                if generation == self.corpus.generation:  # else an import came: again
                    self.title_only = texts
                    break
        return texts

    def take(self, abstracts: dict[str, str]) -> None:
        """New or changed abstracts (an import; under the lock)."""
        for pid, text in abstracts.items():
            self.abstracts[pid] = text
            self.text.pop(pid, None)  # rebuilt on demand by haystack
        self.title_only = None

    def forget(self, ids: set[str]) -> None:
        """Drop removed papers' texts (under the lock)."""
        for pid in ids:
            self.abstracts.pop(pid, None)
            self.text.pop(pid, None)
        self.title_only = None
