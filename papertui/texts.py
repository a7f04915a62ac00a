"""Abstracts and search texts: read shard by shard, in the background or on demand.

The abstracts are not needed for the first paint: the app loads every shard in a worker
(each a short pause, never a long freeze) or the one shard a paper needs. A paper's search
text is its title and abstract, case-folded (:func:`papertui.query.search_text`); until
every abstract is in, searches read titles only (a *partial* search).

Loading every shard (:meth:`Texts.load_all`) of a library of :data:`LOCATE_MIN` papers or
more keeps the search texts but not the abstracts themselves (150 MB at 100k papers): only
where each lies in its shard file, so that the one the detail pane shows is read again
(a 64 KB piece, well under a millisecond; the last few pieces are kept).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from itertools import repeat

from papertui.corpus import Corpus
from papertui.store import SHARDS, ShardPieces, Store, shard_of

__all__ = ["LOCATE_MIN", "Texts"]

LOCATE_MIN = 5_000
"""From this many papers, loading every shard keeps where each abstract lies, not its text."""

_PIECES_KEPT = 64
"""Parsed shard pieces kept for abstracts read again (about 4 MB)."""

_ALONE_KEPT = 16
"""Abstracts read by themselves (:meth:`Texts.abstract` with ``alone``) kept."""


class Texts:
    """The abstracts and search texts in memory."""

    def __init__(self, corpus: Corpus, store: Store, *, on_loaded: Callable[[], None]) -> None:
        self.corpus = corpus
        self.store = store
        self._on_loaded = on_loaded
        """Called (under the lock) when a shard's texts came in: searches cached over the
        texts are stale."""
        self.abstracts: dict[str, str] = {}
        """Abstracts held in memory: those of shards read for a paper, new ones of an
        import, and every one in a library under :data:`LOCATE_MIN` papers."""
        self.located: dict[str, tuple[int, int]] = {}
        """Paper id -> (shard, piece) of an abstract not held, read again on demand."""
        self.pieces: dict[int, ShardPieces] = {}
        self._parsed: OrderedDict[tuple[int, int], dict[str, str]] = OrderedDict()
        self._alone: OrderedDict[str, str] = OrderedDict()
        """Abstracts read by themselves, before their shard (see :meth:`abstract`)."""
        self.sources: dict[int, tuple[int, int, int, int]] = {}
        """The file identity of each shard whose search texts are all as read from it
        (located by :meth:`load_all`, and no abstract of it taken since): two processes
        with the same identities, and the same corpus file, have the same search texts."""
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
        self._read_shard(shard, locate=False)

    def _read_shard(self, shard: int, *, locate: bool) -> None:
        """:meth:`read_shard`; with ``locate``, keep where each abstract lies rather than
        its text (a shard not in papertui's layout is held whole)."""
        if shard in self.loaded_shards:
            return
        generation = self.corpus.generation
        read = self._located(shard) if locate else None
        abstracts = self.store.load_abstract_shard(shard) if read is None else read[0]
        texts = self._search_texts(abstracts)
        with self.corpus.lock:
            if shard in self.loaded_shards:
                return
            if generation != self.corpus.generation:
                read = self._located(shard) if locate else None
                abstracts = self.store.load_abstract_shard(shard) if read is None else read[0]
                texts = self._search_texts(abstracts)
            if read is None:
                self.abstracts.update(abstracts)
            else:
                _, piece_of, pieces = read
                self.pieces[shard] = pieces
                # an abstract an import brought since stays held (it is newer than the file)
                self.located.update((p, (shard, k)) for p, k in piece_of.items())
                if not any(p in self.abstracts for p in piece_of):
                    self.sources[shard] = pieces.identity
            self.text.update(texts)
            self.loaded_shards.add(shard)
            if self.loaded:
                self.title_only = None  # every paper has its full text now
            self._on_loaded()

    def _located(self, shard: int) -> tuple[dict[str, str], dict[str, int], ShardPieces] | None:
        return self.store.locate_abstract_shard(shard)

    def _from_piece(self, pid: str) -> str | None:
        """A located abstract, read again from its shard file (None if the file changed)."""
        at = self.located.get(pid)
        if at is None:
            return None
        with self.corpus.lock:
            piece = self._parsed.get(at)
            if piece is not None:
                self._parsed.move_to_end(at)
            pieces = self.pieces.get(at[0])
        if piece is None and pieces is not None:
            piece = self.store.read_abstract_piece(pieces, at[1])
            if piece is None:
                return None
            with self.corpus.lock:
                self._parsed[at] = piece
                if len(self._parsed) > _PIECES_KEPT:
                    self._parsed.popitem(last=False)
        return None if piece is None else piece.get(pid)

    def _locate_again(self, shard: int) -> None:
        """The shard file changed since it was located (another process's import): where
        its abstracts lie now (their search texts are unchanged: an abstract that changed
        came with that import, and is held)."""
        read = self._located(shard)
        with self.corpus.lock:
            self.sources.pop(shard, None)
            for at in [at for at in self._parsed if at[0] == shard]:
                del self._parsed[at]
            for pid in [p for p, at in self.located.items() if at[0] == shard]:
                del self.located[pid]
            if read is None:
                self.pieces.pop(shard, None)
                self.abstracts.update(
                    (p, a)
                    for p, a in self.store.load_abstract_shard(shard).items()
                    if p not in self.abstracts
                )
                return
            _, piece_of, pieces = read
            self.pieces[shard] = pieces
            self.located.update(
                (p, (shard, k)) for p, k in piece_of.items() if p not in self.abstracts
            )

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
        locate = len(self.corpus.ids) >= LOCATE_MIN
        for shard in range(SHARDS):
            self._read_shard(shard, locate=locate)
            if progress is not None:
                progress(shard + 1, SHARDS)

    def abstract(self, pid: str, *, alone: bool = False) -> str:
        """A paper's abstract (reads its shard, or the piece of it, if needed).

        With ``alone``, an abstract whose shard is not read yet is read by itself (a few
        milliseconds), not with its whole shard (~100 ms with the shard's search texts, on
        the caller's thread: the app's detail pane in its first second, while the loader
        has not reached that shard); the last few read so are kept. A caller reading many
        abstracts leaves it false: each shard is then read once for all of its papers.
        """
        text = self.abstracts.get(pid)
        if text is not None:
            return text
        if pid in self.located:
            text = self._from_piece(pid)
            if text is None:  # the file was replaced since it was located
                self._locate_again(shard_of(pid))
                text = self.abstracts.get(pid) or self._from_piece(pid)
            return text or ""
        if alone and shard_of(pid) not in self.loaded_shards:
            text = self._alone.get(pid)
            if text is None:
                read = self.store.read_one_abstract(pid)
                if read is not None:
                    text = read[0]
                    with self.corpus.lock:
                        self._alone[pid] = text
                        if len(self._alone) > _ALONE_KEPT:
                            self._alone.popitem(last=False)
            if text is not None:
                return text
        self.read_shard(shard_of(pid))
        return self.abstracts.get(pid, "")

    def haystack(self, pid: str) -> str:
        """A paper's search text: title and abstract; the title alone until every abstract
        is loaded (a search is then *partial*, see :class:`Selection`)."""
        if not self.loaded:
            return self.title_texts().get(pid, "")  # "": a paper the corpus lacks
        text = self.text.get(pid)
        if text is None:
            from papertui.query import search_text

            text = self.text[pid] = search_text(self.corpus.title(pid), self.abstract(pid))
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

    def take(
        self,
        abstracts: dict[str, str],
        *,
        written: Mapping[int, tuple[int, int, int, int]] | None = None,
    ) -> None:
        """New or changed abstracts (an import; under the lock). ``written``: the shard
        files this process's import just wrote, with these abstracts and the others it
        already had: the search texts of a shard read before are those of the file now."""
        for pid, text in abstracts.items():
            self.abstracts[pid] = text
            self.sources.pop(shard_of(pid), None)
            self.located.pop(pid, None)
            self._alone.pop(pid, None)
            self.text.pop(pid, None)  # rebuilt on demand by haystack
        for shard, identity in (written or {}).items():
            if shard in self.loaded_shards:
                self.sources[shard] = identity
        self.title_only = None

    def forget(self, ids: set[str]) -> None:
        """Drop removed papers' texts (under the lock)."""
        for pid in ids:
            self.abstracts.pop(pid, None)
            self.sources.pop(shard_of(pid), None)
            self.located.pop(pid, None)
            self._alone.pop(pid, None)
            self.text.pop(pid, None)
        self.title_only = None
