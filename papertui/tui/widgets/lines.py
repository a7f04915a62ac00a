"""A base for the app's Line API widgets (the paper list and the detail pane)."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.scroll_view import ScrollView

__all__ = ["LinesView"]


class LinesView(ScrollView):
    """A ScrollView that skips size updates where nothing changed, and lays nothing out when
    only its scroll range changed.

    Textual's ScrollView refreshes its scrollbars after every screen layout (the container
    size it keeps never equals the one it is given), and a scrollbar costs ~1 ms to paint:
    at every search keystroke, for both widgets. ``_size_updated`` is Textual's own hook
    (private API: textual is pinned below 9).
    """

    _sizes: tuple[Size, Size, Size, Size] | None = None

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    """The scroll range, here without a layout of the whole screen when it changes (a star
    in the Inbox changes the list's by one row, a new paper the detail pane's): only the
    scrollbars are updated (:meth:`watch_virtual_size`), and a scrollbar that appears or
    goes still lays the screen out (Textual's ``show_vertical_scrollbar`` does)."""

    def watch_virtual_size(self, size: Size) -> None:
        """Update the scrollbars to the new range (``_scroll_update``: Textual's own step
        of a layout, private API like :meth:`_size_updated`), and repaint."""
        if self.container_size:  # laid out once: before that the first layout does it
            self._scroll_update(size)
        self.refresh()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        sizes = (size, virtual_size, container_size, self.virtual_size)
        if sizes == self._sizes:
            return False
        self._sizes = sizes
        return super()._size_updated(size, virtual_size, container_size, layout)
