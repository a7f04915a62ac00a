"""Searching from the main screen: ``/`` and the search bar's keys, the query parsed as the
user types, and typing that never waits for results.

The screen keeps the data (the query text, the parsed query, the rows); this flow turns the
bar's text into the query and times each search. While searches are quick the list changes
in the key's own frame; once one was slow (:data:`SLOW_SEARCH`: a filter or an OR over 100k
papers can take a few hundred milliseconds) the input is painted first and the search runs
after, once for all the keys typed meanwhile.
"""

from __future__ import annotations

from time import perf_counter
from typing import TYPE_CHECKING

from textual.actions import SkipAction

from papertui.tui.selection import LibraryRows
from papertui.tui.widgets import PaperList, SearchBar

if TYPE_CHECKING:
    from papertui.query import QueryError
    from papertui.tui.screens.main import MainScreen

__all__ = ["DETAIL_WHILE_TYPING", "PARTIAL_NOTE", "SLOW_SEARCH", "SearchFlow", "search_error_text"]

PARTIAL_NOTE = "searching titles; abstracts loading…"
"""Shown under the search bar while full-text search can only look at titles."""

SLOW_SEARCH = 0.04
"""Seconds: a search slower than this lets the next keystrokes paint before it runs again."""

DETAIL_WHILE_TYPING = 0.15
"""Seconds of quiet typing before the detail pane re-renders with the new highlights."""

_ERROR_EXAMPLES = {
    "bad number": "e.g. upvotes>10",
    "bad year": "e.g. year:2024 or year>=2023",
    "bad date": "e.g. after:2024-10-01",
}


def search_error_text(error: QueryError) -> str:
    """The query error as shown under the search bar, with an example when one helps."""
    message = str(error)
    for start, example in _ERROR_EXAMPLES.items():
        if message.startswith(start):
            return f"{message} ({example})"
    return message


class SearchFlow:
    """The search part of one main screen."""

    def __init__(self, screen: MainScreen) -> None:
        """Search for ``screen``."""
        self.screen = screen
        self.slow = False
        """The last search took long enough to run it after painting the input."""
        self._queued = False
        self._typed = ""

    # -- the keys -------------------------------------------------------------------------
    def focus(self) -> None:
        """``/``: focus the search bar. A "/" typed in it is just a character: the binding
        steps aside and the input gets the key in its turn (inserting it here would put it
        before keys that arrived just ahead of it and are still queued for the input)."""
        bar = self.screen.query_one(SearchBar)
        if self.screen.app.focused is bar.input:
            raise SkipAction()
        bar.focus_input()

    def clear(self) -> None:
        """Clear the search (the bar says so, and :meth:`cleared` follows)."""
        self.screen.query_one(SearchBar).clear()

    def submitted(self) -> None:
        """Enter in the search bar: back to the list."""
        self.screen.query_one(PaperList).focus()

    def cleared(self) -> None:
        """Escape in the search bar: the query is gone, back to the list."""
        self.screen.query_text = ""
        self.screen.query_one(PaperList).focus()

    # -- typing ---------------------------------------------------------------------------
    def typed(self, text: str) -> None:
        """Filter as the user types (a watcher of the search bar's text: runs while the
        key is handled, so the list changes in the same frame as the input).

        Unless the last search was slow: then the input is painted first and the search
        runs after, once for all the keys typed meanwhile, so typing never waits for
        results.
        """
        if not self.slow:
            self.screen.query_text = text
            return
        self._typed = text
        if not self._queued:
            self._queued = True
            self.screen.call_after_refresh(self._run_typed)

    def _run_typed(self) -> None:
        """Run the search for what was typed last (see :meth:`typed`)."""
        self._queued = False
        self.screen.query_text = self._typed

    def bar_changed(self) -> None:
        """The bar's text changed (normally searched for already by :meth:`typed`). The
        bar's current text, not the message's: messages arrive after the keys that
        followed, and an older text would search again for a prefix already typed past."""
        self.typed(self.screen.query_one(SearchBar).text)

    def run(self, text: str) -> None:
        """Parse the query text and show its results, timing the search; a bad query shows
        its error and keeps the last results."""
        from papertui.query import QueryError, parse_query  # first search only: not at start-up

        screen = self.screen
        try:
            query = parse_query(text)
        except QueryError as exc:
            screen.search_error = search_error_text(exc)
            if not len(screen.rows) and screen.rows.empty_text:
                # The last results are kept, but "No papers match" would be about them,
                # not about the query being typed: the error line alone says what is wrong.
                screen.rows = LibraryRows(screen.library, (), empty_text="")
            return
        screen.search_error = ""
        had_query = screen._query is not None
        screen._query = None if query.is_empty else query
        screen.highlight_terms = tuple(query.highlight_terms)
        started = perf_counter()
        screen._reselect(focus=None, detail_delay=DETAIL_WHILE_TYPING)
        self.slow = perf_counter() - started > SLOW_SEARCH
        if had_query != (screen._query is not None):
            screen.refresh_bindings()  # the footer changes only when a search starts or ends
