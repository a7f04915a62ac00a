"""The main screen's adapter from a library selection to the paper list's rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from papertui.library import Library
from papertui.models import Paper, TriageState
from papertui.tui.models import PaperRow, RowSource

__all__ = ["LibraryRows", "pick_cursor"]

REMOVED = "(removed from the library)"
"""The title shown for a row whose paper was removed before the rows were replaced."""

INDEX_AFTER_SCANS = 8
"""Look-ups answered by scanning before :meth:`LibraryRows.index_of` builds its index."""

SURVIVOR_SCAN = 5000
"""How far :func:`pick_cursor` looks for a paper that is still shown after a change."""


class LibraryRows:
    """A :class:`~papertui.tui.models.RowSource` over paper ids of a library.

    Rows are built when painted (``Library.paper`` caches papers), so showing 100k ids costs
    nothing up front. The id-to-row index is built on first use only.
    """

    __slots__ = ("_ids", "_index", "_library", "_scans", "empty_text", "focus")

    def __init__(
        self,
        library: Library,
        ids: Sequence[str],
        *,
        focus: str | None = None,
        empty_text: str = "No papers here",
    ) -> None:
        """Wrap ``ids`` (in display order); ``focus`` is where the cursor should go."""
        self._library = library
        self._ids = ids
        self._index: dict[str, int] | None = None
        self._scans = 0
        self.focus = focus
        self.empty_text = empty_text

    @property
    def ids(self) -> Sequence[str]:
        """The paper ids, in display order."""
        return self._ids

    def __len__(self) -> int:
        """The number of rows."""
        return len(self._ids)

    def id_at(self, index: int) -> str:
        """The paper id of row ``index``."""
        return self._ids[index]

    def row_at(self, index: int) -> PaperRow:
        """The model of row ``index``; a paper removed meanwhile (by another process, while
        these rows wait to be replaced) shows as removed instead of failing the paint."""
        pid = self._ids[index]
        try:
            paper = self._library.paper(pid)
        except KeyError:
            return PaperRow(Paper(id=pid, title=REMOVED), TriageState())
        return PaperRow(paper, self._library.state(pid))

    def index_of(self, pid: str) -> int | None:
        """The row of paper ``pid``, or None.

        The first few look-ups scan the ids (a C-level scan, well under a millisecond at
        100k rows); only a caller that keeps asking gets the dict index, which costs tens
        of milliseconds to build at that size. Most new selections are asked once or twice.
        """
        if self._index is None:
            self._scans += 1
            if self._scans <= INDEX_AFTER_SCANS:
                try:
                    return self._ids.index(pid)
                except ValueError:
                    return None
            self._index = {p: i for i, p in enumerate(self._ids)}
        return self._index.get(pid)

    def with_focus(self, focus: str | None) -> LibraryRows:
        """The same rows with a different cursor target (shares the index)."""
        other = LibraryRows(self._library, self._ids, focus=focus, empty_text=self.empty_text)
        other._index = self._index
        return other


def pick_cursor(
    old: RowSource, new: RowSource, wanted: Iterable[str | None], *, follow: bool = False
) -> str | None:
    """Where the cursor goes when ``old`` rows are replaced by ``new`` ones.

    The first of ``wanted`` (e.g. the paper an action asks for, then the highlighted one)
    that is shown; else, with ``follow``, the paper that came after the last wanted one in
    ``old`` and is still shown (then the one before it) — so that after starring a paper in
    the Inbox the cursor moves on to the next one; else the first row.
    """
    candidates = [pid for pid in wanted if pid is not None]
    for pid in candidates:
        if new.index_of(pid) is not None:
            return pid
    if not len(new):
        return None
    if follow and candidates:
        start = old.index_of(candidates[-1])
        if start is not None:
            for i in range(start + 1, min(len(old), start + 1 + SURVIVOR_SCAN)):
                if new.index_of(old.id_at(i)) is not None:
                    return old.id_at(i)
            for i in range(start - 1, max(-1, start - 1 - SURVIVOR_SCAN), -1):
                if new.index_of(old.id_at(i)) is not None:
                    return old.id_at(i)
            return new.id_at(min(start, len(new) - 1))
    return new.id_at(0)
