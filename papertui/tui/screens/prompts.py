"""Small modal prompts: tags, import path, sort order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from papertui.safetext import display_line
from papertui.tags import parse_tag_words
from papertui.tui.bindings import DIALOG_BINDINGS
from papertui.tui.jobs import split_paths
from papertui.tui.suggesters import PathSuggester, TagSuggester

__all__ = [
    "ImportAnywayPrompt",
    "ImportPrompt",
    "SortPicker",
    "TagEdit",
    "TagPrompt",
    "parse_tag_input",
]


@dataclass(frozen=True)
class TagEdit:
    """Tags to add and to remove, as typed."""

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Nothing to do."""
        return not self.add and not self.remove


def parse_tag_input(text: str) -> TagEdit:
    """``ml -todo, +"two words"`` -> add ``ml`` and ``two-words``, remove ``todo`` (names
    normalised by :func:`papertui.tags.normalise_tag`)."""
    add, remove = parse_tag_words(text)
    return TagEdit(tuple(add), tuple(remove))


class TagPrompt(ModalScreen[TagEdit | None]):
    """Ask for tags to add (``name``) and remove (``-name``), completing existing tags."""

    BINDINGS: ClassVar[list[BindingType]] = [*DIALOG_BINDINGS]

    def __init__(self, subject: str, current: Sequence[str], known: Iterable[str]) -> None:
        """``subject`` names what is tagged; ``current`` are its tags; ``known`` completes."""
        super().__init__()
        self._subject = subject
        self._current = list(current)
        self._known = list(known)

    def compose(self) -> ComposeResult:
        """Title, current tags, the input and a hint."""
        with Vertical(classes="dialog"):
            title = Text("Tags · ", style="bold")
            title.append(display_line(self._subject))
            yield Static(title, classes="dialog-title")
            if self._current:
                now = Text("now: ", style="dim")
                now.append(" ".join(f"#{display_line(t)}" for t in self._current))
                yield Static(now)
            yield Input(
                placeholder="name adds, -name removes (several at once)",
                suggester=TagSuggester(self._known),
                id="tag-input",
            )
            yield Static(
                Content("→ completes a tag · enter applies · esc cancels"), classes="dialog-hint"
            )

    @on(Input.Submitted, "#tag-input")
    def _submit(self, event: Input.Submitted) -> None:
        """Apply the tags typed."""
        event.stop()
        edit = parse_tag_input(event.value)
        self.dismiss(None if edit.is_empty else edit)

    def action_cancel(self) -> None:
        """Close without tagging."""
        self.dismiss(None)


class ImportPrompt(ModalScreen[list[str] | None]):
    """Ask for a page file or a folder of pages to import."""

    BINDINGS: ClassVar[list[BindingType]] = [*DIALOG_BINDINGS]

    def compose(self) -> ComposeResult:
        """Title, the path input and a hint."""
        with Vertical(classes="dialog"):
            yield Static(Content("Import Daily Papers pages"), classes="dialog-title")
            yield Input(
                placeholder="a page file or a folder of *.txt pages",
                suggester=PathSuggester(),
                id="import-input",
            )
            yield Static(
                Content("→ completes the path · enter imports · esc cancels"),
                classes="dialog-hint",
            )

    @on(Input.Submitted, "#import-input")
    def _submit(self, event: Input.Submitted) -> None:
        """Import what was typed."""
        event.stop()
        paths = split_paths(event.value)
        self.dismiss(paths or None)

    def action_cancel(self) -> None:
        """Close without importing."""
        self.dismiss(None)


class ImportAnywayPrompt(ModalScreen[bool]):
    """Offer to import files that were refused because they do not look like Daily Papers
    pages (what ``papertui import --force`` does on the command line)."""

    BINDINGS: ClassVar[list[BindingType]] = [*DIALOG_BINDINGS]

    def __init__(self, paths: Sequence[str]) -> None:
        """Ask about ``paths``."""
        super().__init__()
        self._paths = list(paths)

    def compose(self) -> ComposeResult:
        """What was refused and why, then the two choices."""
        from pathlib import Path

        names = [Path(p).name for p in self._paths[:5]]
        if len(self._paths) > 5:
            names.append(f"… and {len(self._paths) - 5} more")
        one = len(self._paths) == 1
        with Vertical(classes="dialog"):
            yield Static(
                Content("Import text that is not a Daily Papers page?"), classes="dialog-title"
            )
            yield Static(
                Content(
                    f"{'This file has' if one else 'These files have'} no page header and "
                    "no paper metadata:\n  " + "\n  ".join(display_line(n) for n in names)
                )
            )
            yield Static(
                Content(
                    "Imported anyway, each title followed by an abstract becomes a paper. "
                    "For a page from the site, import its text as the browser shows it "
                    "instead: select all (ctrl+a), copy, and paste into a .txt file."
                ),
                classes="dialog-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Import anyway", id="import-anyway", variant="warning")
                yield Button("Don't import", id="import-not")

    def on_mount(self) -> None:
        """The safe choice has the focus."""
        self.query_one("#import-not").focus()

    @on(Button.Pressed)
    def _chosen(self, event: Button.Pressed) -> None:
        """Import anyway, or not."""
        event.stop()
        self.dismiss(event.button.id == "import-anyway")

    def action_cancel(self) -> None:
        """Close without importing."""
        self.dismiss(False)


SORT_LABELS: dict[str, str] = {
    "date": "Date (published, else seen on a page; newest first)",
    "upvotes": "Upvotes (most first)",
    "title": "Title (A–Z)",
    "added": "Date added (newest first)",
    "relevance": "Relevance (like the papers you kept)",
}
"""How the sort orders are described to the user."""


class SortPicker(ModalScreen[str | None]):
    """Pick a sort order."""

    BINDINGS: ClassVar[list[BindingType]] = [*DIALOG_BINDINGS]

    def __init__(self, sorts: Sequence[str], current: str) -> None:
        """Offer ``sorts``; the cursor starts on ``current``."""
        super().__init__()
        self._sorts = list(sorts)
        self._current = current

    def compose(self) -> ComposeResult:
        """Title and the choices."""
        with Vertical(classes="dialog"):
            yield Static(Content("Sort by"), classes="dialog-title")
            options = [
                Option(
                    Content(("● " if s == self._current else "  ") + SORT_LABELS.get(s, s)), id=s
                )
                for s in self._sorts
            ]
            yield OptionList(*options, id="sort-options")

    def on_mount(self) -> None:
        """Start on the current order."""
        options = self.query_one("#sort-options", OptionList)
        if self._current in self._sorts:
            options.highlighted = self._sorts.index(self._current)
        options.focus()

    @on(OptionList.OptionSelected, "#sort-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        """Close with the chosen order."""
        event.stop()
        self.dismiss(event.option_id)

    def action_cancel(self) -> None:
        """Keep the current order."""
        self.dismiss(None)
