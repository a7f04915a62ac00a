"""The word index in use by a library: build, attach, coverage, and indexed selection.

The index (:mod:`papertui.wordindex`, a cache file) answers which papers contain a word from
the vocabulary instead of the texts; papers it does not cover (imported or changed since it
was built) are read. Pure Python over the library's parts.
"""

from __future__ import annotations

import contextlib
import operator
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, filterfalse, repeat
from pathlib import Path
from typing import TYPE_CHECKING

from papertui.corpus import Corpus, Sort
from papertui.fsutil import file_identity
from papertui.store import SHARDS
from papertui.texts import Texts

if TYPE_CHECKING:
    from papertui.featuresjob import FeaturesJob
    from papertui.wordindex import WordIndex

__all__ = ["INDEX_FILE", "INDEX_MIN_PAPERS", "IndexStatus", "WordSearch"]

INDEX_FILE = "search.index"
"""The word index cache (:mod:`papertui.wordindex`), in the library folder."""

SOURCES_FILE = "search.index.sources"
"""Which files the word index was built from (:meth:`WordSearch.build`): a process that read
the same files has the same texts, and uses the index without checking each one."""

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


def having(rows: Iterable[int], texts: Iterable[str], needle: str) -> list[int]:
    """The ``rows`` whose text (aligned) contains ``needle`` (no Python code per text)."""
    return list(compress(rows, map(operator.contains, texts, repeat(needle))))


class WordSearch:
    """The word index attached to a library, and the selections it answers."""

    def __init__(
        self,
        corpus: Corpus,
        texts: Texts,
        root: Path,
        *,
        sorted_ids: Callable[[Sort], list[str]],
        haystacks: Callable[[Sort], list[str]],
        on_attached: Callable[[], None],
        on_built: Callable[[list[str], list[str]], object],
    ) -> None:
        self.corpus = corpus
        self.texts = texts
        self.root = root
        self._sorted_ids = sorted_ids
        self._haystacks = haystacks
        self._on_attached = on_attached
        self._on_built = on_built
        """Given the ids and search texts an index was built from (the ranking features
        are made from the same texts)."""
        self.index: WordIndex | None = None
        self.index_of: dict[str, int] = {}
        """Paper id -> number in the word index, for the papers the index covers."""
        self.index_rows: dict[Sort, list[int] | None] = {}
        """For each sort, the index number of each row (``len(index)`` if not covered;
        None when the rows are in index order and all covered)."""

    @property
    def path(self) -> Path:
        """The word index cache file."""
        return self.root / INDEX_FILE

    def build(
        self,
        progress: Callable[[int, int], None] | None = None,
        *,
        parallel: bool = False,
        features: FeaturesJob | None = None,
        texts: tuple[list[str], list[str]] | None = None,
    ) -> WordIndex:
        """Build the word index of every paper and save it (:data:`INDEX_FILE`).

        Reads every abstract not in memory (none after an import into an empty library:
        it holds them all). The index is a cache derived from the library, so this runs
        on a read-only library too (the app runs it in a separate process, ``papertui
        index``, while it holds the library).

        With ``parallel``, the ranking features are built by a helper process
        (:mod:`papertui.featuresjob`) while this one builds the word index, and written
        by it; the library's features in memory, if any, are left as they were (a
        command that closes the library next). :class:`FeaturesJobFailed` if the helper
        failed, after the word index was written. ``features``: a helper already sent the
        texts (an import started it early), waited for instead of a new one. ``texts``:
        every paper's id and search text, when the caller knows them already.
        """
        from papertui import wordindex

        if progress is not None:
            progress(0, len(self.corpus.ids))
        job = features
        if job is None and parallel:
            from papertui.featuresjob import FeaturesJob

            job = FeaturesJob.start()  # its start-up overlaps gathering the texts
        with job or contextlib.nullcontext():
            ids, hays, sources = (
                self._search_texts() if texts is None else (*texts, self._written_sources())
            )
            if job is not None and features is None:
                job.send(self.root, ids, hays)
            if job is not None:
                job.commit()  # the texts are the library's: it may write once built
            # The helper reads the words of the last texts if they are the ones it was sent.
            mine = job is not None and (features is None or texts is not None)
            rest = (job.words_from, job.word_lists) if job is not None and mine else None
            index = wordindex.build(ids, hays, progress, rest=rest)
            index.save(self.path)
            if sources is not None:
                self._save_sources(sources)
            if job is None:
                self._on_built(ids, hays)
            else:
                job.wait()
        return index

    def _search_texts(self) -> tuple[list[str], list[str], dict[str, object] | None]:
        """Every paper's id and full search text (the shards are read only for papers
        whose abstract is not in memory), and the files they are from (:meth:`_sources`,
        None when some are from memory)."""
        from papertui.query import search_text

        with self.corpus.lock:
            ids = list(self.corpus.ids)
            abstracts = self.texts.abstracts
            if not self.texts.loaded and all(map(abstracts.__contains__, ids)):
                titles = self.corpus.cols.get("title", [])  # aligned with the ids
                hays = list(map(search_text, titles, map(abstracts.__getitem__, ids)))
                # held abstracts are as read or as this process's import wrote them
                return ids, hays, self._written_sources()
        self.texts.load_all()
        with self.corpus.lock:
            ids = list(self.corpus.ids)
            return ids, list(map(self.texts.haystack, ids)), self._sources()

    def _sources(self) -> dict[str, object] | None:
        """The files this process's search texts are from (None unless all are known)."""
        shards = self.texts.sources
        seen = self.texts.store.corpus_seen
        if seen is None or len(shards) != SHARDS:
            return None
        return {"papers": list(seen), "shards": [list(shards[k]) for k in range(SHARDS)]}

    def _written_sources(self) -> dict[str, object] | None:
        """The files texts made from abstracts in memory are from, right after an import:
        the shard files it wrote (each holds the abstracts this process had read of it, or
        was given), if it wrote all of them; None otherwise. A file another process
        replaced since has another identity, so no process that reads it matches these
        (:func:`papertui.importer.index_after_import`)."""
        written = self.texts.store.written_shards
        seen = self.texts.store.corpus_seen
        if seen is None or len(written) != SHARDS:
            return None
        return {"papers": list(seen), "shards": [list(written[k]) for k in range(SHARDS)]}

    def _save_sources(self, sources: dict[str, object]) -> None:
        """Say which files the index file just saved was built from (a cache: best effort)."""
        import json

        from papertui.fsutil import atomic_write

        try:
            st = os.stat(self.path)
            record = {**sources, "index": list(file_identity(st))}
            atomic_write(self.root / SOURCES_FILE, json.dumps(record).encode())
        except OSError:
            pass  # the index is then checked text by text

    def _built_from_ours(self, index_identity: list[int]) -> bool:
        """Whether the index file (``index_identity``) was built from the very files this
        process's search texts were read from (under the lock)."""
        import json

        try:
            record = json.loads((self.root / SOURCES_FILE).read_bytes())
        except (OSError, ValueError):
            return False
        ours = self._sources()
        return (
            isinstance(record, dict)
            and ours is not None
            and record.get("index") == index_identity
            and record.get("papers") == ours["papers"]
            and record.get("shards") == ours["shards"]
        )

    def attach(self) -> IndexStatus:
        """Use the word index file for searches, for the papers whose text it was built from.

        Call once every abstract is loaded (it compares each paper's search text with the
        one indexed). A missing or damaged file is not an error: searches then scan.
        """
        from papertui import wordindex

        total = len(self.corpus.ids)
        try:
            before = os.stat(self.path)
            index = wordindex.WordIndex.load(self.path)
            after = os.stat(self.path)
        except FileNotFoundError:
            return IndexStatus(0, total, "no index yet")
        except (OSError, wordindex.IndexDamaged) as exc:
            return IndexStatus(0, total, f"unusable index ({exc})")
        if not self.texts.loaded:
            self.texts.load_all()
        identity = list(file_identity(after))
        unchanged = file_identity(after) == file_identity(before)
        with self.corpus.lock:
            row = self.corpus.row
            known = [(j, pid) for j, pid in enumerate(index.pids) if pid in row]
            if unchanged and self._built_from_ours(identity):
                # built from the files our texts were read from: every text is the same
                self.index, self.index_of = index, {pid: j for j, pid in known}
                self.index_rows.clear()
                self._on_attached()
                return IndexStatus(len(self.index_of), total)
            texts = list(map(self.texts.haystack, (pid for _, pid in known)))
        # The checksums (150 MB of text at 100k: 0.3 s) without the lock, so that a search
        # typed meanwhile does not wait; a text an import replaced since is left out below.
        sigs, now = index.sigs, list(map(wordindex.signature, texts))
        with self.corpus.lock:
            current = self.texts.text.get
            covered = {
                pid: j
                for (j, pid), text, sig in zip(known, texts, now, strict=True)
                if sigs[j] == sig and current(pid) is text
            }
            self.index, self.index_of = index, covered
            self.index_rows.clear()
            self._on_attached()
        return IndexStatus(len(covered), total)

    def status(self) -> IndexStatus:
        """How well the index in use covers the library (0 covered if none is in use)."""
        with self.corpus.lock:
            return IndexStatus(len(self.index_of), len(self.corpus.ids))

    def numbers(self, sort: Sort) -> list[int] | None:
        """The word index number of each row of ``sorted_ids(sort)`` (cached)."""
        if sort in self.index_rows:
            return self.index_rows[sort]
        assert self.index is not None
        ids = self._sorted_ids(sort)
        numbers: list[int] | None = list(map(self.index_of.get, ids, repeat(len(self.index))))
        if len(self.index) == len(self.index_of) == len(ids) and numbers == list(range(len(ids))):
            numbers = None  # the index covers every row, in this order: masks need no reordering
        self.index_rows[sort] = numbers
        return numbers

    def select(
        self, sort: Sort, required: Sequence[str], excluded: Sequence[str]
    ) -> list[str] | None:
        """The ids, in ``sort`` order, whose text contains every ``required`` needle and no
        ``excluded`` one, answered by the word index; None if it cannot answer (a needle
        without any letter or digit, e.g. ``-``).

        Only texts the index cannot vouch for are read: those of papers it does not cover,
        and, for a needle that is not a single word (``"diffusion model"``, ``3d-gan``), those
        of the candidates the index gives for it.
        """
        index = self.index
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
        ids = self._sorted_ids(sort)
        numbers = self.numbers(sort)
        if numbers is None:
            rows = list(compress(range(len(ids)), index.mask(bits)))
            suspects = list(compress(range(len(ids)), index.mask(check))) if check else []
        else:
            # Rows the index does not cover map to one more byte, "maybe": read those.
            keep = index.mask(bits) + b"\x01"
            rows = list(compress(range(len(ids)), map(keep.__getitem__, numbers)))
            if check or len(self.index_of) < len(ids):
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
                ok = having(ok, map(hays.__getitem__, ok), needle)
            for needle in excluded:
                ok = list(
                    filterfalse(set(having(ok, map(hays.__getitem__, ok), needle)).__contains__, ok)
                )
            wrong = set(suspects).difference(ok)
            if wrong:
                rows = list(filterfalse(wrong.__contains__, rows))
        return list(map(ids.__getitem__, rows))

    def forget(self, ids: Sequence[str]) -> None:
        """Papers changed, new or removed: no longer (or not yet) covered (under the lock)."""
        for pid in ids:
            self.index_of.pop(pid, None)
        self.index_rows.clear()
