"""The data the main screen hands down to its widgets.

Widgets never see the :class:`~papertui.library.Library`: they receive these small,
immutable models (and the :class:`RowSource` protocol, which lets the paper list fetch
only the rows it paints).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from papertui.models import Paper, TriageState

__all__ = [
    "EMPTY_ROWS",
    "VIEW_LABELS",
    "ActivityModel",
    "DetailModel",
    "PaperRow",
    "RowSource",
    "SidebarModel",
    "StaticRows",
    "view_label",
]

VIEW_LABELS: dict[str, str] = {
    "inbox": "Inbox",
    "queue": "Queue",
    "read": "Read",
    "all": "All",
    "new": "New",
    "dismissed": "Dismissed",
}
"""Display names of the built-in views."""


def view_label(view: str) -> str:
    """``Inbox`` for ``inbox``, ``#name`` for ``tag:name``."""
    if view.startswith("tag:"):
        return f"#{view[4:]}"
    return VIEW_LABELS.get(view, view)


@dataclass(frozen=True, slots=True)
class PaperRow:
    """One row of the paper list."""

    paper: Paper
    state: TriageState


class RowSource(Protocol):
    """The rows of the paper list, fetched one at a time (only visible rows are asked for)."""

    @property
    def focus(self) -> str | None:
        """The paper the cursor should land on when these rows are shown (None: keep it)."""

    @property
    def empty_text(self) -> str:
        """What the list says when there are no rows."""

    def __len__(self) -> int:
        """The number of rows."""

    def id_at(self, index: int) -> str:
        """The paper id of row ``index``."""

    def row_at(self, index: int) -> PaperRow:
        """The model of row ``index`` (cheap: called only for painted rows)."""

    def index_of(self, pid: str) -> int | None:
        """The row of paper ``pid``, or None when it is not shown."""

    def with_focus(self, focus: str | None) -> RowSource:
        """The same rows with another cursor target."""


@dataclass(frozen=True)
class StaticRows:
    """A :class:`RowSource` over a ready list of rows (tests and tiny lists)."""

    rows: Sequence[PaperRow] = ()
    focus: str | None = None
    empty_text: str = "No papers"

    def __len__(self) -> int:
        """The number of rows."""
        return len(self.rows)

    def id_at(self, index: int) -> str:
        """The paper id of row ``index``."""
        return self.rows[index].paper.id

    def row_at(self, index: int) -> PaperRow:
        """Row ``index``."""
        return self.rows[index]

    def index_of(self, pid: str) -> int | None:
        """The row of ``pid`` (linear; fine for small lists)."""
        for i, row in enumerate(self.rows):
            if row.paper.id == pid:
                return i
        return None

    def with_focus(self, focus: str | None) -> StaticRows:
        """The same rows with another cursor target."""
        return replace(self, focus=focus)


EMPTY_ROWS = StaticRows()
"""No rows at all."""


@dataclass(frozen=True)
class SidebarModel:
    """The sidebar's content: the current view, counts per view, and every tag."""

    current: str = "inbox"
    counts: dict[str, int] = field(default_factory=dict)
    tags: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class DetailModel:
    """Everything the detail pane shows for one paper."""

    paper: Paper
    state: TriageState
    abstract: str
    highlight: tuple[str, ...] = ()
    short_id: str | None = None
    paper_url: str = ""
    """The paper link (its arXiv page, else a title search)."""
    why: tuple[str, ...] = ()
    """What raised the paper in the relevance order (empty in other orders)."""


@dataclass(frozen=True)
class ActivityModel:
    """A background job in progress (import, abstracts), for the activity line."""

    label: str
    done: int = 0
    total: int | None = None
