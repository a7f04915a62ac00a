"""The help screen: the key table, generated from :mod:`papertui.tui.bindings`."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from papertui.tui.bindings import DIALOG_BINDINGS

__all__ = ["HelpScreen"]

INTRO = """\
# papertui keys

Triage the papers in the list: star the ones to read (the queue), mark what you have
read, dismiss (`x`) what does not interest you, tag and annotate; the Inbox holds what is
left to decide, New what the latest import added. Every action is saved at once and can
be undone with `u`. Search with `/`: words, `"phrases"`, `tag:NAME`, `is:starred`,
`is:read`, `is:dismissed`, `has:code`, `upvotes>10`, `year:2024`, `added:today`, `OR`,
`-negation`.

"""


class HelpScreen(ModalScreen[None]):
    """Shows the key table (built from the same bindings the app uses)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *DIALOG_BINDINGS,
        Binding("question_mark,q", "cancel", "Close", show=False),
    ]

    def __init__(self, key_table: str, *, location: str = "", config: str = "") -> None:
        """Show ``key_table`` (Markdown from :func:`~papertui.tui.bindings.key_table_markdown`),
        after the library's ``location`` and the ``config`` file's path."""
        super().__init__()
        self._markdown = INTRO + key_table
        self._where = "\n".join(
            line
            for line in (
                f"Library: {location}" if location else "",
                f"Settings: {config}" if config else "",
            )
            if line
        )

    def compose(self) -> ComposeResult:
        """The table in a scrolling box."""
        with VerticalScroll(classes="dialog help-dialog", id="help-scroll"):
            # One Static rendering Rich's Markdown: far lighter than a widget per table cell.
            # Imported here: markdown-it costs 60 ms that the app's start-up should not pay.
            from rich.markdown import Markdown

            # Paths are data, never markup: plain Content.
            yield Static(Content(self._where), id="help-where", classes="dialog-hint")
            yield Static(Markdown(self._markdown), id="help-text")

    def on_mount(self) -> None:
        """Scroll with the keys straight away."""
        self.query_one("#help-scroll").focus()

    def action_cancel(self) -> None:
        """Close the help."""
        self.dismiss(None)
