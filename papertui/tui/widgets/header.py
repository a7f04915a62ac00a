"""The header, whose title changes without laying out the screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.visual import VisualType
from textual.widgets import Header
from textual.widgets._header import HeaderClock, HeaderClockSpace, HeaderIcon, HeaderTitle

__all__ = ["CountsHeader"]


class _Title(HeaderTitle):
    """The header's title line: full width whatever it says, so a new text needs a
    repaint, not a layout (Textual's ``Static.update`` lays the whole screen out)."""

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        """Show ``content`` (never a layout: the size does not depend on it)."""
        super().update(content, layout=False)


class CountsHeader(Header):
    """Textual's :class:`~textual.widgets.Header` whose sub-title (the main screen's
    ``path · Inbox · 12 papers · by date``, new after every triage key in the Inbox) is
    repainted in place."""

    def compose(self) -> ComposeResult:
        """Icon, title, clock space, as Textual's (private widget classes, Textual < 9)."""
        yield HeaderIcon().data_bind(Header.icon)
        yield _Title()
        yield (
            HeaderClock().data_bind(Header.time_format) if self._show_clock else HeaderClockSpace()
        )
