"""A base for the app's Line API widgets (the paper list and the detail pane)."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView

__all__ = ["LinesView"]


class LinesView(ScrollView):
    """A ScrollView that skips size updates where nothing changed.

    Textual's ScrollView refreshes its scrollbars after every screen layout (the container
    size it keeps never equals the one it is given), and a scrollbar costs ~1 ms to paint:
    at every search keystroke, for both widgets. ``_size_updated`` is Textual's own hook
    (private API: textual is pinned below 9).
    """

    _sizes: tuple[Size, Size, Size, Size] | None = None

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        sizes = (size, virtual_size, container_size, self.virtual_size)
        if sizes == self._sizes:
            return False
        self._sizes = sizes
        return super()._size_updated(size, virtual_size, container_size, layout)
