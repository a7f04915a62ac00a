"""The link picker (``L``): every link of a paper, to open or copy one (like urlscan).

The paper link comes first, then each code and project link, numbered. ``enter``/``o``
opens the chosen one, ``y``/``c`` copies it, a digit opens that link at once, ``esc``
closes. The picker only chooses: it dismisses with a :class:`LinkChoice` and the links flow
(:mod:`papertui.tui.flows.links`) opens or copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from papertui.paperlink import Link
from papertui.safetext import display_line
from papertui.tui.bindings import DIALOG_BINDINGS, PICKER_BINDINGS

__all__ = ["LinkChoice", "LinkPicker"]

LABELS = {"paper": "paper  ", "code": "code   ", "project": "project"}
"""How each kind of link is labelled in the list (aligned)."""


@dataclass(frozen=True)
class LinkChoice:
    """What the user chose in the picker."""

    action: Literal["open", "copy"]
    link: Link


def _shorten(url: str, room: int) -> str:
    """``url`` on one line of at most ``room`` characters."""
    url = display_line(url)
    return url if len(url) <= room else url[: room - 1] + "…"


class LinkPicker(ModalScreen[LinkChoice | None]):
    """Choose one of a paper's links, to open or to copy."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *PICKER_BINDINGS,
        *DIALOG_BINDINGS,
        *(Binding(str(n), f"number({n})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, title: str, links: Sequence[Link], *, message: str = "") -> None:
        """Offer ``links`` of the paper called ``title``; ``message`` says why (optional)."""
        super().__init__()
        self._title = title
        self._links = list(links)
        self._message = message

    def compose(self) -> ComposeResult:
        """Title, the numbered links and a hint."""
        with Vertical(classes="dialog link-dialog"):
            yield Static(Content(f"Links · {display_line(self._title)}"), classes="dialog-title")
            if self._message:
                yield Static(Content(self._message), classes="dialog-hint -warning")
            # One line per link: a URL too long for the dialog ends in an ellipsis (opening
            # or copying always uses the whole URL).
            room = max(20, min(self.app.size.width * 9 // 10, 140) - 22)
            options = [
                Option(Content(f"{n}  {LABELS[link.kind]}  {_shorten(link.url, room)}"), id=str(n))
                for n, link in enumerate(self._links, 1)
            ]
            yield OptionList(*options, id="link-options")
            yield Static(
                Content("enter/o opens · y copies · 1-9 opens that link · esc closes"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Choose with the keys straight away."""
        self.query_one("#link-options", OptionList).focus()

    def _chosen(self) -> Link | None:
        """The highlighted link."""
        index = self.query_one("#link-options", OptionList).highlighted
        return self._links[index] if index is not None and index < len(self._links) else None

    @on(OptionList.OptionSelected, "#link-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        """Enter (or a click) opens the link."""
        event.stop()
        self.dismiss(LinkChoice("open", self._links[event.option_index]))

    def action_open(self) -> None:
        """Open the highlighted link."""
        link = self._chosen()
        if link is not None:
            self.dismiss(LinkChoice("open", link))

    def action_copy(self) -> None:
        """Copy the highlighted link."""
        link = self._chosen()
        if link is not None:
            self.dismiss(LinkChoice("copy", link))

    def action_number(self, n: int) -> None:
        """Open link number ``n`` at once."""
        if 1 <= n <= len(self._links):
            self.dismiss(LinkChoice("open", self._links[n - 1]))

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
