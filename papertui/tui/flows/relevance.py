"""The relevance order in the app: when the Inbox uses it, getting it ready, keeping it fresh.

The main screen delegates here. The ranking features are made in a worker thread once the
abstracts are in (from the file the search index build writes, or computed: seconds at
100k papers); until then the list stays in date order and the header says why. After each
triage action the new order is made in a worker too (milliseconds), and the list re-sorted
when it arrives, the cursor kept on its paper: keys never wait for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from papertui.relevance import MIN_POSITIVES

if TYPE_CHECKING:
    from papertui.library import Library, Sort
    from papertui.query import Query
    from papertui.tui.screens.main import MainScreen

__all__ = ["AUTO_VIEWS", "RelevanceFlow", "RelevanceReady"]

AUTO_VIEWS = frozenset({"inbox", "new"})
"""Views sorted by relevance by default (once there are enough positives)."""

WORKER_GROUP = "relevance"


@dataclass
class RelevanceReady(Message):
    """The ranking features are made, or a new order after triage (from a worker)."""

    changed: bool
    error: str | None = None


class RelevanceFlow:
    """The relevance part of the main screen's state."""

    def __init__(self, screen: MainScreen, library: Library) -> None:
        self.screen = screen
        self.library = library
        library.defer_relevance = True  # new orders are made in a worker (refresh)
        self.ready = False
        """The features are made: ranking, why and like: cost milliseconds."""
        self.preparing = False
        self.chosen = False
        """The user picked a sort: it is kept in every view (no automatic relevance)."""
        self._positives: int | None = None
        self.shown: Sort | None = None
        """The order of the list's last selection."""
        self.pending = False
        """A triage action's new order is being made."""
        self.stale = False
        """Triage happened since the last order was made, and no list needed it yet."""

    def positives(self) -> int:
        """The library's positives (counted again after each triage action)."""
        if self._positives is None:
            self._positives = self.library.positives()
        return self._positives

    # -- which order ----------------------------------------------------------------------
    def effective_sort(self, view: str, sort: Sort) -> Sort:
        """The order the list uses: relevance in the Inbox by default once the user has
        :data:`MIN_POSITIVES` positives; never relevance before the features are made."""
        if not self.chosen and view in AUTO_VIEWS and self.positives() >= MIN_POSITIVES:
            sort = "relevance"
        if sort == "relevance" and self.ready and self.stale:
            self._start()  # a list needs the order again: make it (date order until then)
        if sort == "relevance" and (not self.ready or (self.pending and self.shown != sort)):
            return "date"  # not before the order that counts the last action is made
        return sort

    def sort_label(self, view: str, sort: Sort, *, short: bool = False) -> str:
        """How the header names the order, with the reason when relevance is not used
        (``short``: the few words a narrow title bar has room for)."""
        used = self.effective_sort(view, sort)
        if used == "relevance":
            return "by relevance"
        wanted = sort == "relevance" or (not self.chosen and view in AUTO_VIEWS)
        if not wanted:
            return f"by {used}"
        have = self.positives()
        if sort != "relevance" and have < MIN_POSITIVES:
            if short:
                return f"by {used} ({have}/{MIN_POSITIVES} kept for relevance)"
            return f"by {used} · relevance after {MIN_POSITIVES} starred ({have} so far)"
        return f"by {used} · relevance: preparing…" if not self.ready else f"by {used}"

    def why(self, pid: str, view: str, sort: Sort, query: Query | None) -> tuple[str, ...]:
        """The why line's terms for the detail pane: what the paper shares with the papers
        of a ``like:`` search, else with the user's kept papers when sorted by relevance."""
        from papertui.library import LibraryError

        if query is not None and query.likes and self.ready:
            try:
                anchors = self.library.like_anchors(query.likes[0])
            except LibraryError:
                return ()
            return tuple(self.library.why(pid, anchors))
        if self.effective_sort(view, sort) != "relevance":
            return ()
        return tuple(self.library.why(pid))

    def query_problem(self, query: Query | None) -> str | None:
        """Why a query with ``like:`` cannot run yet (None when it can)."""
        if query is None or not query.likes or self.ready:
            return None
        return "like: needs the ranking, which is still being prepared…"

    # -- workers --------------------------------------------------------------------------
    def prepare(self) -> None:
        """Make the features in a worker (after the abstracts are loaded)."""
        if self.ready or self.preparing or not len(self.library):
            return
        self.preparing = True
        self.screen.run_worker(
            self._prepare, thread=True, group=WORKER_GROUP, exclusive=True, exit_on_error=False
        )

    def _prepare(self) -> None:
        from papertui.tui.flows.background import loading

        try:
            with loading():
                self.library.prepare_relevance()
                self.library.refresh_relevance()
        except Exception as exc:
            from papertui.tui.jobs import describe_error

            self.screen.post_message(RelevanceReady(False, describe_error(exc)))
        else:
            self.screen.post_message(RelevanceReady(True))

    def changed(self) -> None:
        """A triage action: make the new order in a worker if the list shows it; otherwise
        only when a list needs it (:meth:`effective_sort`): at 100k papers the worker is
        tens of milliseconds of CPU that the next keys would share the GIL with."""
        self.recount()
        if not self.ready:
            return
        self.stale = True
        screen = self.screen
        self.effective_sort(screen.view, screen.sort)  # starts the worker if in use

    def recount(self) -> None:
        """Triage changed the positives: count them again when next asked."""
        self._positives = None

    def _start(self) -> None:
        self.stale, self.pending = False, True
        self.screen.run_worker(
            self._refresh, thread=True, group=WORKER_GROUP, exclusive=True, exit_on_error=False
        )

    def _refresh(self) -> None:
        try:
            changed = self.library.refresh_relevance()
        except Exception as exc:
            from papertui.tui.jobs import describe_error

            self.screen.post_message(RelevanceReady(False, describe_error(exc)))
        else:
            self.screen.post_message(RelevanceReady(changed))

    def arrived(self, event: RelevanceReady) -> bool:
        """A worker finished; True when the list should be re-sorted."""
        was_ready = self.ready
        self.pending = False
        if self.preparing:
            self.preparing = False
            self.ready = event.error is None
        return event.error is None and (event.changed or not was_ready)
