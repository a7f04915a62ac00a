"""The note editor: a multi-line text area in a modal (ctrl+s saves, escape cancels)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from papertui.tui.bindings import NOTE_BINDINGS
from papertui.tui.text import clean_line

__all__ = ["NoteEditor"]


class NoteEditor(ModalScreen[str | None]):
    """Edit a paper's note; dismisses with the new text, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [*NOTE_BINDINGS]

    def __init__(self, title: str, note: str) -> None:
        """Edit ``note`` of the paper titled ``title``."""
        super().__init__()
        self._title = title
        self._note = note

    def compose(self) -> ComposeResult:
        """Title, the text area and a hint."""
        with Vertical(classes="dialog note-dialog"):
            heading = Text("Note · ", style="bold")
            heading.append(clean_line(self._title))
            yield Static(heading, classes="dialog-title")
            yield TextArea(self._note, soft_wrap=True, id="note-text", tab_behavior="focus")
            yield Static(
                Content("ctrl+s saves · esc cancels · an empty note removes it"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Type straight away, at the end of the note."""
        area = self.query_one("#note-text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        """Close with the text."""
        self.dismiss(self.query_one("#note-text", TextArea).text)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
