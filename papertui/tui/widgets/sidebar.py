"""The sidebar: the built-in views and every tag, each with its live count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from papertui.safetext import display_line
from papertui.tui.bindings import LIST_BINDINGS
from papertui.tui.models import VIEW_LABELS, SidebarModel

__all__ = ["Sidebar"]


def _entry(label: Text, count: int | None, current: bool, width: int) -> Text:
    """One sidebar line of ``width`` cells: the label left, the count right (``…`` while
    it is not known yet)."""
    number = f" {'…' if count is None else count}"
    room = max(1, width - len(number))
    label.truncate(room, overflow="ellipsis", pad=True)
    if current:
        label.stylize("bold")
    label.append(number, style="dim")
    return label


class Sidebar(OptionList):
    """Views (Inbox, Queue, Read, All) and tags; selecting one posts :class:`ViewSelected`.

    The list's own keys move the highlight here too (``j``/``k``, ``g``/``G``, pages, with
    the same binding ids, so a keymap remaps both); ``enter`` selects.
    """

    BINDINGS: ClassVar[list[BindingType]] = [*LIST_BINDINGS]

    # Focus must not change the size of the content: OptionList's focus style adds a
    # border (two columns), which would squeeze out the counts. Focus tints instead.
    DEFAULT_CSS = """
    Sidebar {
        width: 24;
        height: 1fr;
        border: none;
        padding: 0 1 0 0;
        background: $panel;
        scrollbar-size-vertical: 1;
        &:focus {
            border: none;
            background-tint: $foreground 8%;
        }
    }
    """

    model: reactive[SidebarModel] = reactive(SidebarModel, always_update=True)
    """What to show (set by the screen)."""

    @dataclass
    class ViewSelected(Message):
        """The user picked a view: ``inbox``, ``queue``, ``read``, ``all`` or ``tag:NAME``."""

        sidebar: Sidebar
        view: str

        @property
        def control(self) -> Sidebar:
            """The sidebar that sent the message."""
            return self.sidebar

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        """Create an empty sidebar (the screen binds :attr:`model`)."""
        super().__init__(id=id, classes=classes, markup=False)
        self._built_width = 0

    def watch_model(self, model: SidebarModel) -> None:
        """Rebuild the entries (a handful; tags are few compared with papers)."""
        width = self.scrollable_content_region.width if self.is_mounted else 0
        width = width if width > 4 else 20
        self._built_width = width
        options: list[Option | None] = []
        for view, label in VIEW_LABELS.items():
            count = model.counts.get(view)
            options.append(
                Option(_entry(Text(label), count, view == model.current, width), id=view)
            )
        if model.tags:
            options.append(None)
            options.append(Option(Text("Tags", style="dim italic"), disabled=True))
            for name, count in model.tags:
                view = f"tag:{name}"
                text = Text("#", style="dim")
                text.append(display_line(name))
                options.append(Option(_entry(text, count, view == model.current, width), id=view))
        keep = self.highlighted
        self.set_options(options)
        try:
            self.highlighted = self.get_option_index(model.current)
        except OptionDoesNotExist:
            self.highlighted = keep if keep is not None and keep < self.option_count else 0

    def _fit_width(self) -> None:
        """Re-pad the entries if the content width is not the one they were built for."""
        width = self.scrollable_content_region.width
        if width > 4 and width != self._built_width:
            keep = self.highlighted
            self.watch_model(self.model)
            if keep is not None and keep < self.option_count:
                self.highlighted = keep  # where the user had moved to, not the current view

    def on_resize(self) -> None:
        """Re-pad the entries for the new width."""
        self._fit_width()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Paint; if the content width changed without a resize (a border or padding from
        CSS), re-pad the entries straight after."""
        width = self.scrollable_content_region.width
        if width > 4 and width != self._built_width:
            self.call_later(self._fit_width)
        return super().render_lines(crop)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        """Turn the generic selection into a view choice."""
        event.stop()
        if event.option_id:
            self.post_message(self.ViewSelected(self, event.option_id))
