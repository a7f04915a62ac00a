"""The note editor: a multi-line text area in a modal (ctrl+s saves, escape cancels).

No key throws typing away silently: with unsaved changes the first escape only says so,
and a second one discards them; quitting the app (``q``, ``ctrl+q``, the palette) asks
first (see :meth:`papertui.tui.app.PaperApp.action_quit`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from papertui.safetext import display_line
from papertui.tui.bindings import NOTE_BINDINGS

__all__ = ["HINT", "UNSAVED_HINT", "NoteEditor"]

HINT = "ctrl+s saves · esc cancels · an empty note removes it"
UNSAVED_HINT = "Unsaved note: escape again to discard, ctrl+s to save"


class NoteEditor(ModalScreen[str | None]):
    """Edit a paper's note; dismisses with the new text, or None when cancelled.

    With ``save``, saving calls it with the text at once (before the screen closes), so
    that a save asked for by a quitting app is done before the app exits.
    """

    BINDINGS: ClassVar[list[BindingType]] = [*NOTE_BINDINGS]

    def __init__(self, title: str, note: str, *, save: Callable[[str], None] | None = None) -> None:
        """Edit ``note`` of the paper titled ``title``."""
        super().__init__()
        self.paper_title = title
        self._title = title
        self._note = note
        self._save = save
        self.discard_armed = False
        """Escape was pressed once with unsaved changes: the next escape discards them."""

    def compose(self) -> ComposeResult:
        """Title, the text area and a hint."""
        with Vertical(classes="dialog note-dialog"):
            heading = Text("Note · ", style="bold")
            heading.append(display_line(self._title))
            yield Static(heading, classes="dialog-title")
            yield TextArea(self._note, soft_wrap=True, id="note-text", tab_behavior="focus")
            yield Static(Content(HINT), classes="dialog-hint", id="note-hint")

    def on_mount(self) -> None:
        """Type straight away, at the end of the note."""
        area = self.query_one("#note-text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        """Save (when saving was handed in) and close with the text."""
        text = self.query_one("#note-text", TextArea).text
        if self._save is not None:
            self._save(text)
            self._note = text  # saved: nothing is unsaved any more
        self.dismiss(text)

    @property
    def changed(self) -> bool:
        """Whether the text differs from the saved note."""
        return self.query_one("#note-text", TextArea).text != self._note

    def _arm(self, armed: bool) -> None:
        """Show (or take back) the "escape again to discard" warning."""
        self.discard_armed = armed
        hint = self.query_one("#note-hint", Static)
        hint.update(Content(UNSAVED_HINT if armed else HINT))
        hint.set_class(armed, "-warning")

    @on(TextArea.Changed, "#note-text")
    def _typed(self) -> None:
        """More typing: the next escape warns again."""
        if self.discard_armed:
            self._arm(False)

    def action_cancel(self) -> None:
        """Close without saving; with unsaved changes, only the second escape does."""
        if self.changed and not self.discard_armed:
            self._arm(True)
            return
        self.dismiss(None)
