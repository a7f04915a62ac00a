"""The full-screen reader (``z``, or ``enter`` a second time): one paper at full width.

Title, metadata, links, note and the abstract, scrolled with j/k, space, ctrl+d/ctrl+u,
g/G; n/p (or J/K) go to the next/previous paper of the list without leaving the reader.
The main screen keeps owning the data: the reader shows its ``detail`` (watched), moves its
list's cursor, and hands the triage and link keys (s, r, t, a, u, ctrl+r, o, O, L, y) to it,
so they act, are saved and can be undone exactly as in the list.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from papertui.tui.bindings import FILE_BINDINGS, READER_BINDINGS, TRIAGE_BINDINGS
from papertui.tui.models import DetailModel, view_label
from papertui.tui.widgets import DetailPane, PaperList

if TYPE_CHECKING:
    from papertui.tui.screens.main import MainScreen

__all__ = ["FORWARDED", "ReaderScreen"]

FORWARDED = (
    "toggle_star",
    "toggle_read",
    "tag",
    "note",
    "undo",
    "redo",
    "retry_save",
    "open_code",
    "open_project",
    "pick_link",
    "copy_link",
)
"""The main screen's actions that work in the reader (their keys are the main screen's)."""

_SKIPPED = {"p", "e", "i", "J", "K", "n", "space"}
"""Keys of the main screen the reader uses otherwise (or not at all)."""


def _forwarded_bindings() -> list[Binding]:
    """The triage and link bindings of the main screen whose actions the reader forwards."""
    out: list[Binding] = []
    for binding in (*TRIAGE_BINDINGS, *FILE_BINDINGS):
        if binding.action in FORWARDED and binding.key not in _SKIPPED:
            out.append(binding)
    return out


class ReaderScreen(Screen[None]):
    """One paper, full screen, for reading."""

    BINDINGS: ClassVar[list[BindingType]] = [*READER_BINDINGS, *_forwarded_bindings()]

    def __init__(self, main: MainScreen) -> None:
        """Read the papers of ``main``'s list, starting with its highlighted one."""
        super().__init__()
        self.main = main

    def compose(self) -> ComposeResult:
        """Title line, the paper, the footer."""
        yield Static(id="reader-title")
        pane = DetailPane(id="reader-pane")
        pane.reader = True
        yield pane
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the main screen's paper, and every paper it shows next."""
        self.watch(self.main, "detail", self._show, init=True)
        self.query_one(DetailPane).focus()

    @property
    def pane(self) -> DetailPane:
        """The pane the paper is shown in."""
        return self.query_one(DetailPane)

    def _show(self, detail: DetailModel | None) -> None:
        """A new paper (or the same one changed): show it and where it is in the list."""
        self.pane.model = detail
        main = self.main
        rows = main.rows
        index = rows.index_of(detail.paper.id) if detail is not None else None
        where = f"{index + 1} of {len(rows)}" if index is not None else f"{len(rows)} papers"
        self.query_one("#reader-title", Static).update(
            Content(f"Reader · {view_label(main.view)} · {where}")
        )

    # -- scrolling --------------------------------------------------------------------------
    def action_scroll_down(self) -> None:
        """One line down."""
        self.pane.scroll_relative(y=1, animate=False)

    def action_scroll_up(self) -> None:
        """One line up."""
        self.pane.scroll_relative(y=-1, animate=False)

    def action_page_down(self) -> None:
        """One page down."""
        self.pane.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        """One page up."""
        self.pane.scroll_page_up(animate=False)

    def _half(self) -> int:
        """Half the pane's height, in lines."""
        return max(1, self.pane.scrollable_content_region.height // 2)

    def action_half_down(self) -> None:
        """Half a page down."""
        self.pane.scroll_relative(y=self._half(), animate=False)

    def action_half_up(self) -> None:
        """Half a page up."""
        self.pane.scroll_relative(y=-self._half(), animate=False)

    def action_top(self) -> None:
        """Back to the top."""
        self.pane.scroll_home(animate=False)

    def action_bottom(self) -> None:
        """To the end."""
        self.pane.scroll_end(animate=False)

    # -- papers -----------------------------------------------------------------------------
    def action_next_paper(self) -> None:
        """The next paper of the list."""
        self.main.query_one(PaperList).action_cursor_down()

    def action_previous_paper(self) -> None:
        """The previous paper of the list."""
        self.main.query_one(PaperList).action_cursor_up()

    def action_close(self) -> None:
        """Back to the list."""
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The forwarded actions are on or off (dimmed) as on the main screen."""
        if action in FORWARDED:
            return self.main.check_action(action, parameters)
        return True


def _forward(action: str) -> Callable[[ReaderScreen], Coroutine[Any, Any, None]]:
    """An action method running the main screen's ``action``."""

    async def run(self: ReaderScreen) -> None:
        await self.app.run_action(action, self.main)

    run.__name__ = f"action_{action}"
    run.__doc__ = f"The main screen's {action}."
    return run


for _action in FORWARDED:
    setattr(ReaderScreen, f"action_{_action}", _forward(_action))
