"""The main screen: sidebar, search bar, paper list, detail pane.

This screen owns the data. It holds the view, query, sort, rows, highlighted paper and
marks as reactives, pushes them down to the widgets with ``data_bind``, and handles the
small messages the widgets post back up. It is the only part of the UI that talks to the
:class:`~papertui.library.Library`; every triage call runs through a
:class:`~papertui.tui.triage.TriageRunner`, which turns failures into notifications (keeping
a failed save for ``ctrl+s``) instead of crashes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.command import Provider
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import Reactive, var
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from papertui.config import Config
from papertui.library import (
    SORTS,
    VIEWS,
    Change,
    Library,
    LibraryError,
    Selection,
    Sort,
)
from papertui.models import Paper, TriageState, papers_count
from papertui.store import StoreError
from papertui.tui.bindings import LIST_BINDINGS, MAIN_BINDINGS, TRIAGE_BINDINGS, display_keys
from papertui.tui.commands import PaletteCommand, PaperCommands
from papertui.tui.flows.background import Background
from papertui.tui.flows.imports import ImportFlow
from papertui.tui.flows.relevance import RelevanceFlow, RelevanceReady
from papertui.tui.flows.search import PARTIAL_NOTE, SearchFlow
from papertui.tui.flows.triage import TriageFlow, keep_in_place, lingering, name_paper
from papertui.tui.jobs import (
    ImportSummary,
    describe_error,
)
from papertui.tui.models import (
    EMPTY_ROWS,
    ActivityModel,
    DetailModel,
    RowSource,
    SidebarModel,
    view_label,
)
from papertui.tui.prefs import load_date_order, load_prefs, save_prefs
from papertui.tui.selection import LibraryRows, pick_cursor
from papertui.tui.triage import Outcome, TriageRunner
from papertui.tui.widgets import (
    ActivityBar,
    CountsHeader,
    DetailPane,
    KeysFooter,
    PaperList,
    SearchBar,
    Sidebar,
    StatusLine,
)

if TYPE_CHECKING:
    from papertui.query import Query
    from papertui.tui.flows.links import LinkFlow
    from papertui.tui.screens.prompts import TagEdit

# The welcome screen and the dialogs are imported when first shown: the main screen's
# first paint should not pay for widgets (TextArea, Input, ...) it does not show.

__all__ = ["MainScreen"]

WIDE_LAYOUT = 160
"""Columns from which the detail pane sits beside the list (below it otherwise, so that
titles and abstracts get the width: at 120 columns a title shows 60+ characters)."""

WIDE_TITLE = 120
"""Columns from which the header also names the library's location."""

READONLY_KEYS_NOTE = "triage keys are off (dimmed)"
"""Added to the read-only banner: why s, r, t, ... do nothing."""


WRITE_ACTIONS = frozenset(
    {
        "toggle_star",
        "toggle_read",
        "tag",
        "note",
        "mark",
        "undo",
        "redo",
        "retry_save",
        "import",
        "queue_down",
        "queue_up",
        "queue_top",
        "queue_bottom",
        "toggle_dismiss",
        "dismiss_rest",
        "note_in_editor",
        "remove",
    }
)
"""Actions that change the library (or prepare a batch change): off when read-only."""


SIDEBAR_DELAY = 0.05
"""Seconds after the first rows before the sidebar's entries are drawn (at launch)."""


class MainScreen(Screen[None]):
    """Triage papers: the screen the app opens on."""

    BINDINGS: ClassVar[list[BindingType]] = [*MAIN_BINDINGS]
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {PaperCommands}
    AUTO_FOCUS = "#papers"
    # Textual declares these without ClassVar, so mypy refuses a ClassVar annotation here.
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-narrow"),
        (60, "-medium"),
        (WIDE_LAYOUT, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-short"),
        (18, "-tall"),
    ]

    view: var[str] = var("inbox", init=False)
    """``inbox``, ``queue``, ``read``, ``all`` or ``tag:NAME``."""
    sort: var[Sort] = var[Sort]("date", init=False)
    """The list's order (the queue always shows in queue order)."""
    query_text: var[str] = var("", init=False)
    """The search text as typed."""
    rows: var[RowSource] = var[RowSource](EMPTY_ROWS, always_update=True, init=False)
    """What the list shows."""
    highlighted: var[str | None] = var[str | None](None)
    """The paper under the cursor."""
    marked: var[frozenset[str]] = var(frozenset[str](), init=False)
    """Papers marked for a batch action."""
    sidebar: var[SidebarModel] = var(SidebarModel())
    """Views and tags with counts."""
    detail: var[DetailModel | None] = var[DetailModel | None](None, always_update=True)
    """The highlighted paper in full."""
    highlight_terms: var[tuple[str, ...]] = var[tuple[str, ...]](())
    """The search's words, highlighted in the list's titles."""
    search_error: var[str] = var("")
    """The query's error, if it does not parse."""
    search_note: var[str] = var("")
    """A remark about the results (e.g. abstracts still loading)."""
    activity: var[ActivityModel | None] = var[ActivityModel | None](None)
    """The background job in progress, if any."""
    sub_title: Reactive[str | None] = Reactive(None, compute=False, repaint=False)
    """Textual's own, without its repaint of the whole screen (the header watches it and
    repaints its title): the count changes with nearly every keystroke of a search."""

    LIVE_POLL_SECONDS: ClassVar[float] = 0.25
    """How often the screen looks for what other papertui processes wrote (a stat or two)."""
    """How often a library read-only because of another papertui checks whether its lock
    was released."""

    # -- messages from workers ------------------------------------------------------------
    @dataclass
    class JobProgress(Message):
        """A background job advanced (posted from a worker thread)."""

        job: str
        label: str
        done: int
        total: int | None

    @dataclass
    class ImportFinished(Message):
        """An import ended (posted from a worker thread)."""

        summary: ImportSummary | None
        error: str | None

    @dataclass
    class CorpusReloaded(Message):
        """Papers another process imported (or removed) were taken in (worker thread)."""

        changed: int
        error: str | None

    @dataclass
    class AbstractsLoaded(Message):
        """Every abstract is in memory (posted from a worker thread)."""

        error: str | None

    @dataclass
    class IndexReady(Message):
        """The search index job ended (posted from a worker thread)."""

        error: str | None

    def __init__(
        self, library: Library, *, location: str, readonly_reason: str | None = None
    ) -> None:
        """Show ``library``; ``location`` names it in the header."""
        super().__init__()
        self.library = library
        self.location = location
        self.readonly_reason = readonly_reason
        self.triage = TriageRunner(library, readonly_reason)
        self.flow = TriageFlow(self)
        self._linger: frozenset[str] = frozenset()
        """Papers a decision took out of the view, still shown until the cursor moves."""
        view, sort = load_prefs(library.root, tags=library.tags())
        library.trust_date_order(load_date_order(library.root))
        self.set_reactive(MainScreen.view, view)
        self.set_reactive(MainScreen.sort, sort)
        self._reselect_after_import = False
        self.search = SearchFlow(self)
        """The search bar: the query as typed, searches that never hold up typing."""
        self._query: Query | None = None
        self._partial = False
        self.background = Background(self)
        """Imports, abstracts, the search index, and what other processes write."""
        self.imports = ImportFlow(self)
        """The import dialog, its report, the new papers shown."""
        self._detail_timer: Timer | None = None
        self.relevance = RelevanceFlow(self, library)

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        """Header, banner, sidebar | (search + list, detail), activity line, footer."""
        yield CountsHeader()
        yield Static(Content(self._banner_text()), id="readonly-banner")
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar").data_bind(model=MainScreen.sidebar)
            with Container(id="main"):
                with Vertical(id="list-column"):
                    yield SearchBar(id="search").data_bind(
                        error=MainScreen.search_error, note=MainScreen.search_note
                    )
                    yield PaperList(id="papers").data_bind(
                        rows=MainScreen.rows,
                        marked=MainScreen.marked,
                        highlight=MainScreen.highlight_terms,
                    )
                yield DetailPane(id="detail").data_bind(model=MainScreen.detail)
        yield StatusLine(id="status")
        yield ActivityBar(id="activity").data_bind(model=MainScreen.activity)
        yield KeysFooter(compact=True)

    def _banner_text(self) -> str:
        """The read-only banner's text ("" when writable)."""
        reason = self.readonly_reason
        if not reason:
            return ""
        reason = reason if reason.lower().startswith("read-only") else f"Read-only: {reason}"
        return f"{reason.rstrip('. ')} · {READONLY_KEYS_NOTE}"

    def on_mount(self) -> None:
        """Show the inbox; offer the welcome screen when the library is empty."""
        self.title = "papertui"
        self.query_one("#readonly-banner").display = bool(self.readonly_reason)
        # Filter synchronously as the text changes (SearchBar.Changed arrives later).
        self.watch(self.query_one(SearchBar), "text", self.search.typed, init=False)
        self.set_interval(self.LIVE_POLL_SECONDS, self.background.poll)
        # Rows first: the sidebar's entries (30 ms to draw the first time, at any size)
        # a few frames later, the abstract in the next frame.
        self.set_timer(SIDEBAR_DELAY, self._refresh_sidebar)
        self._reselect(focus=None, detail_delay=0)
        if len(self.library) == 0 and not self.library.missing():  # kept state: not empty
            from papertui.tui.screens.welcome import WelcomeScreen

            self.app.push_screen(
                WelcomeScreen(self.library, self.location, self.readonly_reason),
                self._welcome_done,
            )
        else:
            self.call_after_refresh(self._start_loading_abstracts)

    # -- other processes: the shell in the next pane, a second app ------------------------
    def changed_elsewhere(self) -> None:
        """Another process changed triage states: show them (the cursor stays)."""
        self._after_change(self.highlighted)

    @on(CorpusReloaded)
    def _corpus_reloaded(self, event: CorpusReloaded) -> None:
        """Show the papers imported elsewhere (and whatever else changed meanwhile)."""
        self.background.set_job("import", None)
        if event.error is not None:
            self.notify(
                f"Could not load the papers imported elsewhere: {event.error}",
                severity="error",
                markup=False,
            )
            return
        self._reselect_after_import = False
        self.library.refresh()
        self._after_change(self.highlighted)
        if event.changed:
            self._start_loading_abstracts()  # and the new papers into the search index

    # -- data -----------------------------------------------------------------------------
    def _refresh_sidebar(self) -> None:
        """Recount views and tags."""
        lib = self.library
        tags = tuple(sorted(lib.tags().items(), key=lambda kv: kv[0].casefold()))
        # The New view is counted once the abstracts are in (the first paint does without).
        counts = lib.counts(new=self.view == "new" or lib.abstracts_loaded)
        self.sidebar = SidebarModel(current=self.view, counts=counts, tags=tags)

    def _empty_text(self) -> str:
        """What an empty list says."""
        if self._query is not None and not self._query.is_empty:
            return "No papers match this search (escape clears it)"
        view = self.view
        if len(self.library) == 0:
            return "The library is empty: press i to import pages"
        if view == "inbox":
            return "Inbox zero: nothing left to triage"
        if view == "queue":
            return "The queue is empty: star papers with s to queue them"
        if view == "read":
            return "Nothing marked read yet"
        if view == "new":
            return "No new papers: import pages with i"
        if view == "dismissed":
            return "Nothing dismissed: x dismisses a paper you are not interested in"
        if view.startswith("tag:"):
            return f"No papers tagged #{view[4:]}"
        return "No papers"

    def _select(self) -> Selection | None:
        """Run the current view + query + sort."""
        problem = self.relevance.query_problem(self._query)
        if problem is not None:
            self.search_error = problem
            return None
        sort = self.relevance.effective_sort(self.view, self.sort)
        self.relevance.shown = sort
        try:
            return self.library.select(self.view, self._query, sort)
        except LibraryError as exc:
            if self._query is not None and self._query.likes:  # e.g. like:ab typed so far
                self.search_error = str(exc)
            else:
                self.notify(str(exc), severity="warning", markup=False)
            return None

    def _reselect(
        self,
        *,
        focus: str | None,
        follow: bool = False,
        top: bool = False,
        detail_delay: float | None = None,
        linger: frozenset[str] = frozenset(),
    ) -> None:
        """Recompute the rows and put the cursor on ``focus`` (else a sensible paper).

        With ``follow``, a highlighted paper that left the view hands the cursor to the
        next paper that is still there (then the previous one); ``linger`` papers stay
        where they were even if they left the view. With ``top``, the cursor
        goes to the first row (a new sort: the user wants the top of the new order). With
        ``detail_delay``, the detail pane is refreshed that many seconds later (0: after
        the next paint) rather than now: the list is what the user is waiting for while
        typing or starting up.

        While an import writes to the library in its worker thread, selecting is put off
        (the library's views are not safe to compute during an import); the rows are only
        repainted, and everything is reselected when the import ends.
        """
        self._cursor()
        if self.background.importing:
            self._reselect_after_import = True
            self.rows = self.rows.with_focus(focus or self.highlighted)
            self._update_detail()
            return
        selection = self._select()
        if selection is None:
            return
        old = self.rows
        ids = keep_in_place(old, selection.ids, linger)
        self._linger = frozenset(linger)
        rows = LibraryRows(self.library, ids, empty_text=self._empty_text())
        if top:
            target = rows.id_at(0) if len(rows) else None
        else:
            target = pick_cursor(old, rows, (focus, self.highlighted), follow=follow)
        rows.focus = target
        self._partial = selection.partial
        self.search_note = PARTIAL_NOTE if selection.partial else ""
        self.highlighted = target
        self.rows = rows
        if detail_delay is None:
            self._update_detail()
        else:
            self._schedule_detail(detail_delay)
        self._update_subtitle()

    def _schedule_detail(self, delay: float) -> None:
        """Refresh the detail pane later; a newer request replaces an older one."""
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        if delay <= 0:
            self.call_after_refresh(self._update_detail)
        else:
            self._detail_timer = self.set_timer(delay, self._update_detail)

    def _update_detail(self) -> None:
        """Show the highlighted paper in the detail pane."""
        pid = self.highlighted
        if pid is None or (pid not in self.library and pid not in self.library.missing()):
            self.detail = None
            return
        lib = self.library
        try:
            abstract = lib.abstract(pid, alone=True)  # not its shard: the loader reads those
        except (OSError, StoreError) as exc:
            abstract = ""
            self.notify(
                f"Cannot read the abstract: {describe_error(exc)}", severity="error", markup=False
            )
        highlight = self._query.highlight_terms if self._query is not None else ()
        paper = lib.paper(pid)
        model = DetailModel(
            paper=paper,
            state=lib.state(pid),
            abstract=abstract,
            highlight=highlight,
            short_id=lib.short_id(pid),
            paper_url=self.config.paper_link.paper_url(paper),
            why=self.relevance.why(pid, self.view, self.sort, self._query),
        )
        if model != self.detail:
            self.detail = model

    def _update_subtitle(self) -> None:
        """``Inbox · 12 papers · by date · 2 marked`` in the header, after the library's
        path where there is room for it (the help screen and ``papertui stats`` show it)."""
        count = len(self.rows)
        noun = "paper" if count == 1 else "papers"
        bits = [view_label(self.view), f"{count} {noun}"]
        wide = self.app.size.width >= WIDE_TITLE
        if wide:
            bits.insert(0, self.location)
        if self.view != "queue":
            bits.append(self.relevance.sort_label(self.view, self.sort, short=not wide))
        if self.marked:
            bits.append(f"{len(self.marked)} marked")
        self.sub_title = " · ".join(bits)

    # -- reactive changes -----------------------------------------------------------------
    def on_resize(self) -> None:
        """The header names the library only where there is room."""
        self._update_subtitle()

    def watch_view(self) -> None:
        """A new view: recount and reselect; marks do not carry over."""
        self._save_prefs()
        self.marked = frozenset()
        self._refresh_sidebar()
        self._reselect(focus=None)
        self.refresh_bindings()

    def watch_sort(self) -> None:
        """A new order: the cursor goes to its first row (the queue keeps its own order,
        and its cursor)."""
        self._save_prefs()
        self._reselect(focus=None, top=self.view != "queue")

    def _save_prefs(self) -> None:
        """Remember the view and the sort for the next run (not on a read-only library),
        and the corpus file found in date order (the next opening skips the check)."""
        if not self.triage.readonly:
            lib = self.library
            save_prefs(lib.root, self.view, self.sort, date_order=lib.date_order_seen())

    def on_unmount(self) -> None:
        """Remember the view, the sort and the checked order when the app closes."""
        self._save_prefs()

    def watch_query_text(self, text: str) -> None:
        """Search as the user types (see :meth:`SearchFlow.run`)."""
        self.search.run(text)

    def watch_marked(self) -> None:
        """Marks show in the list (bound) and in the header."""
        self._update_subtitle()
        self.refresh_bindings()

    # -- messages from widgets ------------------------------------------------------------
    @on(PaperList.Highlighted)
    def _highlighted(self, event: PaperList.Highlighted) -> None:
        """The cursor moved: show that paper (stale messages for old rows are ignored),
        once the list's cursor has been painted (wrapping an abstract is most of the work
        of a cursor move; keys held down paint the cursor at every frame)."""
        if event.paper_list.rows is not self.rows or event.pid == self.highlighted:
            return
        self.highlighted = event.pid
        if self._linger and event.pid not in self._linger:
            self.clear_lingering()  # the cursor left: the decided rows go now
        self._schedule_detail(0)

    def clear_lingering(self) -> None:
        """Drop the rows kept after a decision took them out of the view."""
        if self._linger:
            self._linger = frozenset()
            self._reselect(focus=self.highlighted)

    def _cursor(self) -> str | None:
        """The paper under the list's cursor, right now.

        Key presses can arrive faster than the list's :class:`PaperList.Highlighted`
        messages (``j`` then ``s`` in one read from the terminal), so every action asks the
        list directly instead of trusting :attr:`highlighted`, and catches up if needed.
        """
        papers = self.query_one(PaperList)
        pid = papers.highlighted_id if papers.rows is self.rows else self.highlighted
        if pid != self.highlighted:
            self.highlighted = pid
            self._update_detail()
        return pid

    @on(Sidebar.ViewSelected)
    def _view_selected(self, event: Sidebar.ViewSelected) -> None:
        """A view was picked in the sidebar."""
        self.view = event.view
        self.query_one(PaperList).focus()

    @on(SearchBar.Changed)
    def _search_changed(self) -> None:
        """Filter as the user types (normally done already: see :meth:`SearchFlow.typed`)."""
        self.search.bar_changed()

    @on(SearchBar.Submitted)
    def _search_submitted(self) -> None:
        """Enter in the search bar: back to the list."""
        self.search.submitted()

    @on(SearchBar.Cleared)
    def _search_cleared(self) -> None:
        """Escape in the search bar: the query is gone, back to the list."""
        self.search.cleared()

    # -- triage core ----------------------------------------------------------------------
    def _refuse_readonly(self, what: str) -> bool:
        """Tell the user a read-only library cannot change; True when refused."""
        refused = self.triage.refusal(what)
        if refused is not None:
            self._show(refused)
        return refused is not None

    def _apply(
        self,
        describe: str,
        op: Callable[[], Change | None],
        *,
        focus: str | None = None,
        label: Callable[[Change], str] | None = None,
    ) -> None:
        """Run one triage call: saved at once, notified, cursor kept on ``focus`` (else the
        highlighted paper, else the next one still in the view)."""
        self._show(self.triage.run(describe, op, label=label, context=focus))

    def _show(self, outcome: Outcome, *, follow_change: bool = False) -> None:
        """Notify an outcome and update everything a change touched.

        With ``follow_change`` (undo, redo) the cursor goes to the paper that changed, when
        only one did. The list and the detail pane change in the key's own frame; the
        message, the sidebar's counts and the footer's keys follow in the next one (each
        costs a few milliseconds to draw, and the first frame is what the key is felt by).
        """
        change = outcome.change
        if change is not None:
            focus = outcome.context if isinstance(outcome.context, str) else None
            if follow_change and change.count == 1:
                focus = next(iter(change.after))
            self.relevance.recount()  # the header's "(2 so far)" in this frame
            self._reselect_after_change(focus, change)
        self.call_after_refresh(self._tell, outcome)

    def _tell(self, outcome: Outcome) -> None:
        """The second frame of :meth:`_show`: the message, the counts, the keys."""
        if outcome.failed_save:
            key = display_keys(_RETRY_BINDING, getattr(self.app, "keymap_overrides", None))
            self.notify(
                f"{outcome.message} Press {key} (Retry save) to try again.",
                title="Save failed",
                severity="error",
                timeout=15,
                markup=False,
            )
        else:
            message, change = outcome.message, outcome.change
            if change is not None and change.count == 1:
                message = name_paper(message, self.library.title(next(iter(change.after))))
            timeout = 2.5 if outcome.severity == "information" else 5
            self.notify(message, severity=outcome.severity, timeout=timeout, markup=False)
        if outcome.change is not None:
            self.relevance.changed()  # after the key's frame: the worker competes for the GIL
            self._refresh_sidebar()
        self.refresh_bindings()

    def _after_change(self, focus: str | None, change: Change | None = None) -> None:
        """Recount, reselect (the rows the change took out of the view stay until the
        cursor moves), prune marks that left the view; the relevance order is made anew in
        a worker."""
        self.relevance.changed()
        self._refresh_sidebar()
        self._reselect_after_change(focus, change)

    def _reselect_after_change(self, focus: str | None, change: Change | None = None) -> None:
        """Reselect (the rows the change took out of the view stay until the cursor
        moves), prune marks that left the view. When the cursor moves to another paper,
        that paper's detail is drawn after the list has been painted."""
        changed = change.after if change is not None else ()
        linger = lingering(self._linger, self._cursor(), changed, self.rows)
        linger = frozenset(p for p in linger if p in self.library)  # removed papers go
        shown = self.highlighted
        self._reselect(focus=focus, follow=True, linger=linger, detail_delay=0)
        if self.highlighted == shown:
            self._update_detail()  # the same paper: its status line at once (cheap)
        if self.marked:
            rows = self.rows
            kept = frozenset(p for p in self.marked if rows.index_of(p) is not None)
            if kept != self.marked:
                self.marked = kept

    def _targets(self) -> list[str]:
        """The marked papers (in list order), else the highlighted one."""
        self._cursor()
        rows = self.rows
        if self.marked:
            found = [(rows.index_of(p), p) for p in self.marked]
            return [p for i, p in sorted((i, p) for i, p in found if i is not None)]
        pid = self._cursor()
        return [pid] if pid is not None else []

    def _nothing_selected(self) -> None:
        """Tell the user there is no paper to act on."""
        self.notify("No paper selected", severity="warning", timeout=2)

    # -- triage actions -------------------------------------------------------------------
    def _toggle(
        self, flag: str, describe: Callable[[bool, str], str], store: Callable[..., Change]
    ) -> None:
        """Set ``flag`` on the targets, or clear it when all have it (star, read)."""
        ids = self._targets()
        if not ids:
            return self._nothing_selected()
        lib = self.library
        on = not all(getattr(lib.state(p), flag) for p in ids)
        self._apply(describe(on, papers_count(len(ids))), lambda: store(ids, on))

    def action_toggle_star(self) -> None:
        """Queue (star) the targets, or unqueue them when all are queued."""
        self._toggle(
            "starred",
            lambda on, n: f"{'queue' if on else 'unqueue'} {n}",
            self.library.set_starred,
        )

    def action_toggle_read(self) -> None:
        """Mark the targets read, or unread when all are read."""
        self._toggle(
            "read",
            lambda on, n: f"{'mark read' if on else 'mark unread'}: {n}",
            self.library.set_read,
        )

    def action_tag(self) -> None:
        """Ask for tags to add/remove on the targets."""
        ids = self._targets()
        if not ids:
            return self._nothing_selected()
        if self._refuse_readonly("tag"):
            return
        lib = self.library
        if len(ids) == 1:
            subject = lib.title(ids[0])
            current: list[str] = list(lib.state(ids[0]).tags)
        else:
            subject = f"{len(ids)} marked papers"
            current = sorted({t for p in ids for t in lib.state(p).tags})
        known = [t for t, _ in lib.tags().most_common()]

        def done(edit: TagEdit | None) -> None:
            if edit is None:
                return
            self._apply(
                f"tag {papers_count(len(ids))}",
                lambda: lib.tag(ids, add=edit.add, remove=edit.remove),
            )

        from papertui.tui.screens.prompts import TagPrompt

        self.app.push_screen(TagPrompt(subject, current, known), done)

    def action_note(self) -> None:
        """Edit the highlighted paper's note."""
        pid = self._cursor()
        if pid is None:
            return self._nothing_selected()
        if self._refuse_readonly("edit the note"):
            return
        lib = self.library

        def save(text: str) -> None:
            self._apply("save the note", lambda: lib.set_note(pid, text), focus=pid)

        from papertui.tui.screens.note import NoteEditor

        self.app.push_screen(NoteEditor(lib.title(pid), lib.state(pid).note, save=save))

    def action_mark(self) -> None:
        """Mark or unmark the highlighted paper for a batch action, then move down."""
        pid, rows = self._cursor(), self.rows
        if pid is None:
            return self._nothing_selected()
        self.marked = self.marked ^ {pid}
        index = rows.index_of(pid)
        if index is not None and index + 1 < len(rows):
            self._move_cursor(rows.id_at(index + 1))

    def _move_cursor(self, pid: str) -> None:
        """Put the list's cursor on ``pid`` (same rows, new cursor target)."""
        self.highlighted = pid
        self.rows = self.rows.with_focus(pid)
        self._update_detail()

    def action_next_unread(self) -> None:
        """Jump to the next unread paper (wrapping around)."""
        rows = self.rows
        if not len(rows):
            return
        lib = self.library
        current = self._cursor()
        start = rows.index_of(current) if current else None
        start = -1 if start is None else start
        n = len(rows)
        for step in range(1, n + 1):
            pid = rows.id_at((start + step) % n)
            if not lib.state(pid).read:
                if pid != self.highlighted:
                    self._move_cursor(pid)
                return
        self.notify("No unread papers in this view", timeout=2)

    def action_queue_down(self) -> None:
        """Move the highlighted paper one place down the queue."""
        self._move_in_queue(+1)

    def action_queue_up(self) -> None:
        """Move the highlighted paper one place up the queue."""
        self._move_in_queue(-1)

    def _move_in_queue(self, delta: int) -> None:
        """Reorder the queue; the cursor stays on the moved paper."""
        pid = self._cursor()
        if pid is None:
            return self._nothing_selected()
        lib = self.library
        self._apply("move in the queue", lambda: lib.move_in_queue(pid, delta), focus=pid)

    def action_toggle_dismiss(self) -> None:
        """Dismiss the targets (not interested), or undismiss them."""
        self.flow.toggle_dismiss()

    def action_dismiss_rest(self) -> None:
        """Dismiss every paper left in the view, after asking."""
        self.flow.dismiss_rest()

    def action_queue_top(self) -> None:
        """Move the targets to the top of the queue."""
        self.flow.queue_to(top=True)

    def action_queue_bottom(self) -> None:
        """Move the targets to the bottom of the queue."""
        self.flow.queue_to(top=False)

    def action_remove(self) -> None:
        """Delete the targets from the library, after asking."""
        self.flow.remove()

    def action_note_in_editor(self) -> None:
        """Edit the note in $VISUAL / $EDITOR."""
        self.flow.note_in_editor()

    def action_undo(self) -> None:
        """Undo the last triage action (batch actions included)."""
        self._show(self.triage.undo(), follow_change=True)

    def action_redo(self) -> None:
        """Redo the last undone action."""
        self._show(self.triage.redo(), follow_change=True)

    def action_retry_save(self) -> None:
        """Retry the action whose save failed."""
        outcome = self.triage.retry()
        if outcome is None:
            self.notify("Nothing to retry: every action is saved", timeout=2)
            return
        self._show(outcome, follow_change=outcome.context is None)

    # -- navigation -----------------------------------------------------------------------
    def action_focus_detail(self) -> None:
        """Focus the detail pane (to scroll a long abstract); from there, the reader."""
        detail = self.query_one(DetailPane)
        if self.focused is detail:
            self.action_reader()
            return
        if not detail.display:
            self.add_class("-detail-only")  # too short for both: the detail replaces the list
        detail.focus()

    def action_reader(self) -> None:
        """Read the highlighted paper full screen."""
        if self._cursor() is None:
            return self._nothing_selected()
        from papertui.tui.screens.reader import ReaderScreen

        self.app.push_screen(ReaderScreen(self))

    def action_toggle_sidebar(self) -> None:
        """Hide or show the sidebar."""
        self.toggle_class("-no-sidebar")

    def action_search(self) -> None:
        """Focus the search bar (a "/" typed in it is just a character)."""
        self.search.focus()

    def action_escape(self) -> None:
        """Back to the list (from the detail pane, the sidebar, ...)."""
        papers = self.query_one(PaperList)
        self.remove_class("-detail-only")
        papers.focus()

    def action_clear_marks(self) -> None:
        """Unmark every paper."""
        count = len(self.marked)
        self.marked = frozenset()
        self.notify(f"Cleared {count} mark{'s' if count != 1 else ''}", timeout=2)

    def action_clear_search(self) -> None:
        """Clear the search."""
        self.search.clear()

    def action_view(self, view: str) -> None:
        """Switch to a view."""
        if view in VIEWS or view.startswith("tag:"):
            self.view = view

    def action_sort(self) -> None:
        """Pick a sort order."""

        def done(sort: str | None) -> None:
            if sort is not None:
                self.action_set_sort(sort)

        from papertui.tui.screens.prompts import SortPicker

        current = self.relevance.effective_sort(self.view, self.sort)
        self.app.push_screen(SortPicker(SORTS, current), done)

    def action_set_sort(self, sort: str) -> None:
        """Sort by ``sort`` (date, upvotes, title, added, relevance)."""
        for known in SORTS:
            if known == sort:
                self.relevance.chosen = True  # kept in every view, the Inbox included
                if self.sort == known:
                    self.watch_sort()  # the same choice may still change the Inbox's order
                self.sort = known
                if self.view == "queue":
                    self.notify(
                        "The queue keeps its own order; other views use the new sort", timeout=3
                    )
                else:
                    self.notify(f"Sorted by {known}", timeout=2)
                return
        self.notify(f"Unknown sort {sort!r}", severity="warning", markup=False)

    def action_like_this(self) -> None:
        """Papers like the highlighted one: the search ``like:ID`` (most alike first; the
        papers can be triaged as in any view; escape goes back)."""
        pid = self._cursor()
        if pid is None:
            return self._nothing_selected()
        if not self.relevance.ready:
            self.notify("The ranking is still being prepared: try again in a moment", timeout=3)
            return
        self.query_one(SearchBar).set_text(f"like:{self.library.short_id(pid)}")
        self.notify(f"Papers like: {self.library.title(pid)}", timeout=3, markup=False)

    @on(RelevanceReady)
    def _relevance_ready(self, event: RelevanceReady) -> None:
        """New relevance order (or features made): re-sort if the list uses it."""
        if event.error is not None:
            self.notify(f"Relevance order unavailable: {event.error}", severity="warning")
        flow = self.relevance
        if flow.arrived(event):
            sort = flow.effective_sort(self.view, self.sort)
            if sort == "relevance":  # a new order: its top; a fresher one: the same paper
                self._reselect(focus=self.highlighted, top=flow.shown != sort)
        self._update_subtitle()

    # -- links (the bodies are in papertui.tui.flows.links) --------------------------------
    @property
    def config(self) -> Config:
        """The app's settings (the defaults for an app without any)."""
        config = getattr(self.app, "config", None)
        return config if isinstance(config, Config) else Config()

    @property
    def links(self) -> LinkFlow:
        """Opens and copies links, with the configured paper-link site."""
        from papertui.tui.flows.links import LinkFlow

        return LinkFlow(self.app, self.config.paper_link)

    def _paper(self) -> Paper | None:
        """The highlighted paper (None, after saying so, when there is none)."""
        pid = self._cursor()
        if pid is None:
            self._nothing_selected()
            return None
        return self.library.paper(pid)

    def action_open_paper(self) -> None:
        """Open the paper link."""
        if (paper := self._paper()) is not None:
            self.links.open_paper(paper)

    def action_open_code(self) -> None:
        """Open the code link (none: offer the others)."""
        if (paper := self._paper()) is not None:
            self.links.open_code(paper)

    def action_open_project(self) -> None:
        """Open the project link (none: offer the others)."""
        if (paper := self._paper()) is not None:
            self.links.open_project(paper)

    def action_pick_link(self) -> None:
        """List every link of the paper to open or copy one."""
        if (paper := self._paper()) is not None:
            self.links.pick(paper)

    def action_copy_link(self) -> None:
        """Copy the paper link."""
        if (paper := self._paper()) is not None:
            self.links.copy_paper(paper)

    # -- files ----------------------------------------------------------------------------
    def action_export(self) -> None:
        """Ask where to write the queue as Markdown (or copy it): see
        :mod:`papertui.tui.flows.export`."""
        from papertui.tui.flows.export import ExportFlow

        lib = self.library
        ids = lib.queue()
        if not ids:
            self.notify("The queue is empty: star papers with s first", severity="warning")
            return
        items: list[tuple[Paper, TriageState]] = [(lib.paper(p), lib.state(p)) for p in ids]
        config = self.config
        ExportFlow(self.app, config.paper_link, config.export_folder, date.today()).start(items)

    def action_import(self) -> None:
        """Ask for pages to import (see :mod:`papertui.tui.flows.imports`)."""
        if not self._refuse_readonly("import"):
            self.imports.ask()

    def start_import(self, paths: list[str], *, force: bool = False) -> None:
        """Import ``paths`` in a worker."""
        self.imports.start(paths, force=force)

    @on(ImportFinished)
    def _import_finished(self, event: ImportFinished) -> None:
        """Report the import and show the new papers."""
        self.background.set_job("import", None)
        if event.summary is None:
            self.imports.failed(event.error)
        else:
            self.imports.imported(event.summary)

    def _welcome_done(self, summary: ImportSummary | None) -> None:
        """The welcome screen imported something."""
        if summary is not None:
            self.imports.imported(summary)

    # -- background jobs (started by papertui.tui.flows.background) ----------------------
    @on(JobProgress)
    def _job_progress(self, event: JobProgress) -> None:
        """Progress from a worker (the index job announces itself with its first)."""
        if event.job in self.background.jobs or event.job == "index":
            self.background.set_job(event.job, ActivityModel(event.label, event.done, event.total))

    def _start_loading_abstracts(self) -> None:
        """Load every abstract, then the search index (see :class:`Background`)."""
        self.background.load_abstracts()

    @on(AbstractsLoaded)
    def _abstracts_loaded(self, event: AbstractsLoaded) -> None:
        """Re-run a title-only search over the full text."""
        self.background.set_job("abstracts", None)
        if event.error is not None:
            self.notify(
                f"Could not load the abstracts: {event.error}", severity="error", markup=False
            )
            return
        if self._partial:
            self._reselect(focus=None)
        self._refresh_sidebar()  # with the New view's count, known now
        self.background.prepare_relevance()
        self.background.start_search_index()

    @on(IndexReady)
    def _index_ready(self, event: IndexReady) -> None:
        """Indexing ended: searches that follow use the index (nothing to redraw)."""
        if event.error == "stopped":
            return  # replaced by a newer run (after an import), which shows its progress
        self.background.set_job("index", None)
        self.relevance.prepare()  # from the features file the index build wrote
        if event.error is not None:
            self.notify(
                f"Could not build the search index ({event.error}); searching still works, "
                "only slower.",
                severity="warning",
                markup=False,
            )

    # -- footer and palette ---------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show the keys that matter: queue moves in the queue, retry after a failure.

        On a read-only library the keys that would change it are shown dimmed (None: the
        banner says why) and do nothing.
        """
        if action in ("queue_down", "queue_up", "queue_top", "queue_bottom") and (
            self.view != "queue"
        ):
            return False
        if action == "retry_save" and self.triage.pending is None:
            return False
        if action in WRITE_ACTIONS:
            return None if self.triage.readonly else True
        if action in ("clear_marks", "clear_search"):
            if not isinstance(self.focused, PaperList) or self.has_class("-detail-only"):
                return False
            if action == "clear_marks":
                return bool(self.marked)
            return not self.marked and bool(self.query_text)
        return True

    def palette_commands(self) -> Iterator[PaletteCommand]:
        """Everything the keys do, plus views and sorts, for the command palette."""
        keymap = getattr(self.app, "keymap_overrides", None)
        papers = self.query_one(PaperList)
        for binding in LIST_BINDINGS:
            yield PaletteCommand(
                f"{binding.description} ({display_keys(binding, keymap)})",
                binding.tooltip,
                self._runner(binding.action, papers),
            )
        for binding in MAIN_BINDINGS:
            if binding.action.startswith("app.") or binding.action == "escape":
                continue
            name = binding.action.split("(")[0]
            if not self.check_action(name, ()):
                continue
            keys = display_keys(binding, keymap)
            yield PaletteCommand(
                f"{binding.description} ({keys})",
                binding.tooltip,
                self._runner(binding.action),
            )
        for sort in SORTS:
            yield PaletteCommand(
                f"Sort by {sort}", f"Order the list by {sort}", self._runner(f"set_sort('{sort}')")
            )
        for view in VIEWS:
            yield PaletteCommand(
                f"View: {view_label(view)}",
                f"Show the {view} view",
                self._runner(f"view('{view}')"),
            )
        for tag, count in self.sidebar.tags:
            yield PaletteCommand(
                f"View: #{tag}", f"{papers_count(count)} tagged #{tag}", self._view_runner(tag)
            )

    def _view_runner(self, tag: str) -> Callable[[], object]:
        """A callback that shows the view of ``tag`` (tag names may hold any character)."""

        def run() -> None:
            self.action_view(f"tag:{tag}")

        return run

    def _runner(self, action: str, target: Widget | None = None) -> Callable[[], object]:
        """A callback that runs ``action`` on ``target`` (default: this screen)."""

        async def run() -> None:
            await self.app.run_action(action, target or self)

        return run


_RETRY_BINDING = next(b for b in TRIAGE_BINDINGS if b.action == "retry_save")
