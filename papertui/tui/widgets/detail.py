"""The detail pane: the highlighted paper in full, scrollable.

A Line API :class:`~textual.scroll_view.ScrollView`: the paper is rendered once into lines
(when it or the width changes) and the pane paints the visible ones. Moving the cursor in the
list therefore never triggers a screen layout, which keeps fast scrolling fast.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip

from papertui.render import paper_detail
from papertui.safetext import display_line
from papertui.tui.bindings import DETAIL_BINDINGS
from papertui.tui.models import DetailModel
from papertui.tui.widgets.lines import LinesView

__all__ = ["ABSTRACT_LIMIT", "DetailPane"]

ABSTRACT_LIMIT = 20_000
"""Characters of an abstract the pane shows (real ones have 1-3 thousand): the pane wraps
its whole text whenever the paper or the width changes, and a multi-megabyte abstract froze
the app for seconds to minutes. A longer one is cut, with a line saying so."""

_PART_CACHE = 8
"""How many rendered parts :class:`DetailPane` keeps."""

_LONG = 200
"""Characters from which a part's rendering is worth keeping."""


def _text_key(part: object, width: int, style: Style) -> tuple[object, ...] | None:
    """What a long Text part's rendering depends on, or None for other parts (rendered
    each time: short, cheap)."""
    if not isinstance(part, Text) or len(part) < _LONG:
        return None
    return (width, style, part.plain, part.style, part.justify, part.no_wrap, *part.spans)


class DetailPane(LinesView, can_focus=True):
    """Shows a :class:`~papertui.tui.models.DetailModel` with :func:`papertui.render.paper_detail`.

    Everything from the page is a :class:`rich.text.Text` built from plain strings, so an
    abstract mentioning ``[nextline]`` or ``[/]`` is shown exactly as written.
    """

    BINDINGS: ClassVar[list[BindingType]] = [*DETAIL_BINDINGS]

    DEFAULT_CSS = """
    DetailPane {
        background: $surface;
        padding: 0 1;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
    }
    """

    model: reactive[DetailModel | None] = reactive[DetailModel | None](None, always_update=True)
    """The paper to show (set by the screen), or None."""

    empty_text: reactive[str] = reactive("No paper selected.")
    """What the pane says when there is no paper."""

    reader: bool = False
    """Laid out for the full-screen reader: the links before the note and abstract."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        """Create an empty pane."""
        super().__init__(id=id, classes=classes)
        self._shown: str | None = None
        self._lines: list[Strip] = []
        self._width = 0
        self._style = Style()
        self._part_cache: dict[tuple[object, ...], list[Strip]] = {}
        """Rendered lines of the long parts (the abstract), so that a triage key, which
        changes only the status line, does not wrap the abstract again."""

    # -- content --------------------------------------------------------------------------
    def _renderable(self) -> RenderableType:
        """The model as a Rich renderable (plain Text objects only: never markup)."""
        model = self.model
        if model is None:
            return Text(self.empty_text, style="italic dim")
        return paper_detail(  # which shows every string through papertui.safetext
            model.paper,
            model.state,
            model.abstract,
            highlight=model.highlight,
            short_id=model.short_id,
            paper_url=model.paper_url or None,
            reader=self.reader,
            why=tuple(map(display_line, model.why)),
            abstract_limit=ABSTRACT_LIMIT,
        )

    def _render_lines(self) -> None:
        """Render the content at the current width into strips."""
        width = self.scrollable_content_region.width
        if width <= 0 or not self.is_mounted:
            return
        console = self.app.console
        options = console.options.update(width=width, highlight=False)
        style = self._style = self.rich_style
        renderable = self._renderable()
        parts = renderable.renderables if isinstance(renderable, Group) else [renderable]
        strips: list[Strip] = []
        for part in parts:
            key = _text_key(part, width, style)
            cached = self._part_cache.get(key) if key is not None else None
            if cached is None:
                lines = console.render_lines(part, options, style=style, pad=True)
                cached = [Strip(line, width) for line in lines]
                if key is not None:
                    if len(self._part_cache) >= _PART_CACHE:
                        self._part_cache.pop(next(iter(self._part_cache)))
                    self._part_cache[key] = cached
            strips.extend(cached)
        old, self._lines = self._lines, strips
        if width == self._width and len(strips) == len(old):
            # The same shape (a triage key changed the status line): repaint what differs
            changed = [
                y for y, (a, b) in enumerate(zip(old, strips, strict=True)) if a is not b and a != b
            ]
            if changed:
                self.refresh_lines(changed[0], changed[-1] - changed[0] + 1)
            return
        self._width = width
        self.virtual_size = Size(width, len(self._lines))
        self.refresh()

    def watch_model(self, model: DetailModel | None) -> None:
        """Show the paper; a different paper starts at the top again."""
        pid = model.paper.id if model is not None else None
        if pid != self._shown:
            self._shown = pid
            self.scroll_to(y=0, animate=False, immediate=True)
        self._render_lines()

    def watch_empty_text(self) -> None:
        """Re-render the placeholder."""
        self._render_lines()

    def on_resize(self, event: events.Resize) -> None:
        """Re-wrap for the new width."""
        if self.scrollable_content_region.width != self._width:
            self._render_lines()

    def on_mount(self) -> None:
        """Render whatever model arrived before mounting."""
        self.call_after_refresh(self._render_lines)

    def notify_style_update(self) -> None:
        """Theme or focus changed the colours: re-render."""
        super().notify_style_update()
        if self.is_mounted:
            self.call_later(self._render_lines)

    # -- painting -------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        """One visible line."""
        index = round(self.scroll_y) + y
        if 0 <= index < len(self._lines):
            return self._lines[index]
        return Strip.blank(self._width, self._style)

    @property
    def text(self) -> str:
        """Everything the pane shows, as plain text (all lines, not only the visible ones)."""
        return "\n".join(strip.text.rstrip() for strip in self._lines)
