"""The export dialog (``e``): where to write the queue's Markdown, or copy it instead.

The path is prefilled with the export folder (the config file's, else the documents
folder) and a dated name. ``enter`` writes, ``ctrl+y`` copies the Markdown instead, ``esc``
cancels. A file that exists already is only replaced after :class:`ConfirmOverwrite`.
The dialogs only ask: the export flow (:mod:`papertui.tui.flows.export`) writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from papertui.tui.bindings import DIALOG_BINDINGS, EXPORT_BINDINGS, OVERWRITE_BINDINGS
from papertui.tui.suggesters import PathSuggester

__all__ = ["ConfirmOverwrite", "ExportChoice", "ExportPrompt"]


@dataclass(frozen=True)
class ExportChoice:
    """What the user asked for: write to ``path``, or copy the Markdown."""

    action: Literal["write", "copy"]
    path: Path | None = None


class ExportPrompt(ModalScreen[ExportChoice | None]):
    """Ask where to write the queue (or to copy it instead)."""

    BINDINGS: ClassVar[list[BindingType]] = [*EXPORT_BINDINGS, *DIALOG_BINDINGS]

    def __init__(self, count: int, default: Path) -> None:
        """Export ``count`` papers; the path starts as ``default``."""
        super().__init__()
        self._count = count
        self._default = default

    def compose(self) -> ComposeResult:
        """Title, the path input and a hint."""
        noun = "paper" if self._count == 1 else "papers"
        with Vertical(classes="dialog export-dialog"):
            yield Static(
                Content(f"Export the queue ({self._count} {noun}) as Markdown"),
                classes="dialog-title",
            )
            yield Input(value=str(self._default), suggester=PathSuggester(), id="export-input")
            yield Static(
                Content("enter writes the file · ctrl+y copies the Markdown instead · esc cancels"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Type over the name, keeping the folder in view."""
        self.query_one("#export-input", Input).focus()

    @on(Input.Submitted, "#export-input")
    def _submit(self, event: Input.Submitted) -> None:
        """Write to the path typed (relative paths are in the default's folder)."""
        event.stop()
        text = event.value.strip()
        if not text:
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self._default.parent / path
        self.dismiss(ExportChoice("write", path))

    def action_copy(self) -> None:
        """Copy the Markdown instead of writing it."""
        self.dismiss(ExportChoice("copy"))

    def action_cancel(self) -> None:
        """Close without exporting."""
        self.dismiss(None)


class ConfirmOverwrite(ModalScreen[bool]):
    """``path`` exists: replace it?"""

    BINDINGS: ClassVar[list[BindingType]] = [*OVERWRITE_BINDINGS]

    def __init__(self, path: Path) -> None:
        """Ask about ``path``."""
        super().__init__()
        self._path = path

    def compose(self) -> ComposeResult:
        """The question."""
        with Vertical(classes="dialog"):
            yield Static(Content(f"{self._path} exists already"), classes="dialog-title")
            yield Static(Content("y replaces it · n (or esc) keeps it and exports nothing"))

    def action_answer(self, replace: bool) -> None:
        """Close with the answer."""
        self.dismiss(replace)
