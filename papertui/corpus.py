"""The imported papers' metadata, column-wise, with the lock and the import counter that
every part of the library shares.

Opening is cheap even at 100k papers: the columns are decoded on first use, the id index
is built on first use, and :class:`Paper` objects are built on demand. Pure Python; the
store reads and writes the file.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from datetime import date
from itertools import repeat
from typing import Any, Literal

from papertui.merge import seen_date
from papertui.models import Paper, Source
from papertui.paperlink import split_paper_links

__all__ = ["SORTS", "Corpus", "Sort"]

Sort = Literal["date", "upvotes", "title", "added", "relevance"]
SORTS: tuple[Sort, ...] = ("date", "upvotes", "title", "added", "relevance")
"""Sort orders of the paper list (newest / most upvoted / A-Z / most recently added first /
most like the papers the user kept, :mod:`papertui.relevance`)."""

_SCAN_ROWS = 2000
"""Rows :meth:`Corpus.row_of` scans before the id index is built."""

_ROW_PIECE = 4096
"""Ids the id index (:attr:`Corpus.row`) takes in at a time (about a millisecond)."""


class Corpus:
    """Paper ids and metadata columns (one list per field, aligned with the ids)."""

    def __init__(self, ids: list[str], cols: dict[str, Sequence[Any]]) -> None:
        self.lock = threading.RLock()
        """The one lock of the library: every part takes it to change what it holds."""
        self.ids = ids
        self.cols = cols
        self.row_map: dict[str, int] | None = None
        """Paper id -> row in the columns; see :attr:`row`."""
        self.papers: dict[str, Paper] = {}
        """:class:`Paper` objects built so far."""
        self.generation = 0
        """Counts the imports applied (work done outside the lock checks it did not miss
        one)."""

    @property
    def row(self) -> dict[str, int]:
        """Paper id -> row in the columns, built on first use: at 100k papers it costs
        ~15 ms, which the first paint does without (:meth:`row_of`)."""
        row = self.row_map
        if row is None:
            ids = self.ids
            row = {}
            # In pieces: built in a worker (the abstract loader), one C-level call over
            # 100k ids would hold the GIL against the event loop for its whole 15-40 ms.
            for start in range(0, len(ids), _ROW_PIECE):
                piece = ids[start : start + _ROW_PIECE]
                row.update(zip(piece, range(start, start + len(piece)), strict=True))
            self.row_map = row
        return row

    def row_of(self, pid: str) -> int:
        """The row of ``pid`` (KeyError if unknown). Before the id index exists, a paper
        among the first rows (those the first screen shows) is found by a short C-level
        scan instead of building the index."""
        row = self.row_map
        if row is None:
            try:
                return self.ids.index(pid, 0, _SCAN_ROWS)
            except ValueError:
                row = self.row
        return row[pid]

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, pid: object) -> bool:
        if self.row_map is None:  # one of the first screen's papers: the index can wait
            try:
                self.ids.index(pid, 0, _SCAN_ROWS)  # type: ignore[arg-type]
                return True
            except ValueError:
                pass
        return pid in self.row

    def decode(self) -> None:
        """Decode every column still undecoded (the store's columns are decoded on first
        use; a loader calls this so that no search or scroll decodes one on the event
        loop, and so that the lists it makes are made among the loader's long-lived
        objects)."""
        for column in list(self.cols.values()):
            decode = getattr(column, "decode", None)
            if decode is not None:
                decode()

    def paper(self, pid: str) -> Paper:
        """The paper with id ``pid`` (KeyError if unknown)."""
        p = self.papers.get(pid)
        if p is None:
            i = self.row_of(pid)
            c = self.cols
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
            self.papers[pid] = p
        return p

    def title(self, pid: str) -> str:
        """A paper's title without building the whole :class:`Paper`."""
        return str(self.cols["title"][self.row_of(pid)])

    def short_id(self, pid: str, minimum: int = 7) -> str:
        """A prefix of ``pid`` long enough to be typed (7 characters like git)."""
        return pid[:minimum]

    def date_order_after(self, docs: dict[str, dict[str, Any]]) -> list[str]:
        """Every id, newest first, as it will be once ``docs`` are stored.

        The corpus is stored in this order, so that opening the library finds its default
        sort already done (the sort then only confirms it, in one linear pass).
        """
        pub = {pid: d["seen"] for pid, d in docs.items()}
        up = {pid: d.get("upvotes") or 0 for pid, d in docs.items()}
        c = self.cols
        seen = self.seen_column()
        for pid, i in self.row.items():
            if pid not in docs:
                pub[pid] = seen[i]
                up[pid] = c["upvotes"][i] or 0
        order = sorted(pub, key=up.__getitem__, reverse=True)
        order.sort(key=pub.__getitem__, reverse=True)
        return order

    def seen_column(self) -> list[str]:
        """Each row's sort date (:attr:`Paper.date_seen`, ``""`` when unknown) as stored by
        imports; computed from the published and page dates where a library stored before
        it lacks the column."""
        c, n = self.cols, len(self.ids)
        seen = list(c.get("seen") or [None] * n)
        if None in seen:
            pubs, sources = c.get("published", [None] * n), c.get("sources", [[]] * n)
            for i in [i for i, v in enumerate(seen) if v is None]:
                seen[i] = seen_date(pubs[i], sources[i])
        return seen

    def apply_docs(self, docs: dict[str, dict[str, Any]]) -> None:
        """Store new or changed papers' metadata in the columns (under the lock)."""
        keys = list(next(iter(docs.values())))
        # Packed columns from disk are unpacked to be edited.
        cols: dict[str, list[Any]] = {
            k: list(self.cols.get(k, [None] * len(self.ids))) for k in keys
        }
        self.cols.update(cols)
        row = self.row
        new = [pid for pid in docs if pid not in row]
        for pid, doc in docs.items() if len(new) < len(docs) else ():
            i = row.get(pid)
            if i is not None:
                for k in keys:
                    cols[k][i] = doc.get(k)
        if new:
            # New papers go at the end, a column at a time (C-level passes: an import of
            # 100k papers spent 1 s here a paper at a time).
            added = list(map(docs.__getitem__, new))
            for k in keys:
                cols[k].extend(map(dict.get, added, repeat(k)))
            row.update(zip(new, range(len(self.ids), len(self.ids) + len(new)), strict=True))
            self.ids.extend(new)
        deque(map(self.papers.pop, docs, repeat(None)), 0)
        self.generation += 1

    def forget(self, ids: set[str]) -> None:
        """Drop papers from the columns (under the lock)."""
        keep = [i for i, pid in enumerate(self.ids) if pid not in ids]
        cols = {k: list(col) for k, col in self.cols.items()}
        self.cols = {k: [col[i] for i in keep] for k, col in cols.items()}
        self.ids = [self.ids[i] for i in keep]
        self.row_map = None
        for pid in ids:
            self.papers.pop(pid, None)
        self.generation += 1

    def changes(
        self, ids: list[str], cols: dict[str, Sequence[Any]]
    ) -> tuple[dict[str, dict[str, Any]], set[str]]:
        """How the corpus ``ids``/``cols`` (as read from disk again) differs from this one:
        the docs of new or changed papers, and the ids of papers gone. Compared without
        the lock (a worker thread does it)."""
        with self.lock:
            old_ids, old_cols, old_row = list(self.ids), dict(self.cols), dict(self.row)
        keys = list(cols)
        new_cols = {k: list(cols[k]) for k in keys}
        docs: dict[str, dict[str, Any]] = {}
        for i, pid in enumerate(ids):
            j = old_row.get(pid)
            if j is None or any(
                k not in old_cols or old_cols[k][j] != new_cols[k][i] for k in keys
            ):
                docs[pid] = {k: new_cols[k][i] for k in keys}
        return docs, set(old_ids).difference(ids)
