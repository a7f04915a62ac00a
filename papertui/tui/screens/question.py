"""Questions asked before something that cannot be taken back with one key: dismissing the
rest of a view, removing papers, quitting over an unsaved note.

Each answer is a key binding (with an id, so it is in the help and can be remapped); the
screen dismisses with the answer's name, or the "no" answer on escape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from papertui.tui.bindings import CONFIRM_BINDINGS, QUIT_NOTE_BINDINGS, display_keys

__all__ = ["Confirm", "QuitOverNote"]


class _Question(ModalScreen[str]):
    """A question with a few answers, each a key."""

    ANSWERS: ClassVar[Sequence[Binding]] = ()

    def __init__(self, question: str, detail: str = "") -> None:
        """Ask ``question`` (plain text: it may quote titles), with a ``detail`` line."""
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        """The question, the detail and the keys that answer it."""
        keymap = getattr(self.app, "keymap_overrides", None)
        hint = " · ".join(f"{display_keys(b, keymap)} {b.description}" for b in self.ANSWERS)
        with Vertical(classes="dialog question-dialog"):
            yield Static(Text(self.question, style="bold"), classes="dialog-title")
            if self.detail:
                yield Static(Text(self.detail))
            yield Static(Content(hint), classes="dialog-hint")

    def action_answer(self, answer: str) -> None:
        """Close with ``answer``."""
        self.dismiss(answer)


class Confirm(_Question):
    """A yes/no question: dismisses with ``"yes"`` or ``"no"``."""

    BINDINGS: ClassVar[list[BindingType]] = [*CONFIRM_BINDINGS]
    ANSWERS: ClassVar[Sequence[Binding]] = CONFIRM_BINDINGS


class QuitOverNote(_Question):
    """Quitting while the note editor holds a draft: ``"save"``, ``"discard"`` or
    ``"back"``."""

    BINDINGS: ClassVar[list[BindingType]] = [*QUIT_NOTE_BINDINGS]
    ANSWERS: ClassVar[Sequence[Binding]] = QUIT_NOTE_BINDINGS
