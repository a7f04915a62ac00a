"""The paper list: a Line API :class:`~textual.scroll_view.ScrollView` over any number of rows.

Only the rows on screen are ever built or rendered (``render_line``), so 100k papers paint as
fast as 100. The list owns nothing but its cursor: the rows come from the screen (a
:class:`~papertui.tui.models.RowSource`), and the list reports the highlighted paper with a
:class:`PaperList.Highlighted` message that collapses when the cursor moves faster than the
screen can follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from papertui.render import CODE, state_glyphs
from papertui.safetext import display_line as clean_cell
from papertui.tui.bindings import LIST_BINDINGS
from papertui.tui.models import EMPTY_ROWS, PaperRow, RowSource
from papertui.tui.widgets.lines import LinesView

__all__ = ["Columns", "Filled", "PaperList", "clean_cell", "filled_columns", "layout_columns"]

MARK = "●"
"""Shown in the first column of rows marked for a batch action."""


def _fit(text: str, width: int) -> str:
    """``text`` padded or cut (with an ellipsis) to exactly ``width`` cells."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


class Columns(NamedTuple):
    """Cell widths of one row's columns (0 = hidden) for a given list width."""

    title: int
    code: int
    upvotes: int
    date: int


SAMPLE_ROWS = 64
"""Rows looked at (the first ones) to tell whether most papers have a date or upvotes."""


class Filled(NamedTuple):
    """Which optional columns most of the rows have something for."""

    date: bool = True
    upvotes: bool = True


def filled_columns(rows: RowSource) -> Filled:
    """Whether at least half of the first :data:`SAMPLE_ROWS` rows have a date, and
    upvotes: a column that most rows the list opens on leave empty takes no width from the
    titles. The first rows, not a sample spread over the list: those are the rows drawn
    first, while a row further down of a big library is a paper whose every column would
    be decoded for it (70 ms at 100k papers, before the first paint)."""
    n = len(rows)
    if not n:
        return Filled()
    sample = [rows.row_at(i).paper for i in range(min(n, SAMPLE_ROWS))]
    dated = sum(p.published is not None for p in sample)
    voted = sum(p.upvotes is not None for p in sample)
    return Filled(2 * dated >= len(sample), 2 * voted >= len(sample))


ALL_FILLED = Filled()
"""Every optional column has content."""


def layout_columns(width: int, filled: Filled = ALL_FILLED) -> Columns:
    """Which columns fit in ``width`` cells; the title takes what is left (the tags show
    at the end of the title cell).

    Fixed prefix: mark (1), state glyphs (2) and a space. The date and upvote columns come
    only when ``filled`` says most rows have them and the title keeps 40 cells.
    """
    rest = width - 4
    code = 1 if rest >= 24 else 0
    upvotes = 4 if filled.upvotes and rest >= 46 else 0
    date = 10 if filled.date and rest >= 52 + (upvotes and 5) else 0
    used = sum(w + 1 for w in (date, upvotes, code) if w)
    return Columns(max(1, rest - used), code, upvotes, date)


_ITALIC = Style(italic=True)
"""The date column's style for a date seen (not published)."""


class PaperList(LinesView, can_focus=True):
    """The scrolling list of papers with a cursor and batch marks."""

    BINDINGS: ClassVar[list[BindingType]] = [*LIST_BINDINGS]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paper-list--cursor",
        "paper-list--marked",
        "paper-list--read",
        "paper-list--star",
        "paper-list--meta",
        "paper-list--tags",
        "paper-list--empty",
        "paper-list--match",
    }
    """
    | Class | Description |
    | :- | :- |
    | `paper-list--cursor` | The highlighted row. |
    | `paper-list--marked` | Rows marked for a batch action. |
    | `paper-list--read` | Rows of read papers. |
    | `paper-list--star` | The queued and marked glyphs. |
    | `paper-list--meta` | Date, upvotes and code columns. |
    | `paper-list--tags` | The tags column. |
    | `paper-list--empty` | The message shown when there are no rows. |
    | `paper-list--match` | A search word in a title. |
    """

    DEFAULT_CSS = """
    PaperList {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .paper-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .paper-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .paper-list--marked { background: $accent 25%; }
        & > .paper-list--read { color: $text-muted; }
        & > .paper-list--star { color: $text-warning; }
        & > .paper-list--meta { color: $text-muted; }
        & > .paper-list--tags { color: $text-accent; }
        & > .paper-list--empty { color: $text-muted; text-style: italic; }
        & > .paper-list--match { text-style: reverse; color: $text-warning; }
    }
    """

    rows: reactive[RowSource] = reactive[RowSource](EMPTY_ROWS, always_update=True, layout=False)
    """What the list shows (set by the screen; ``rows.focus`` says where the cursor goes)."""
    marked: reactive[frozenset[str]] = reactive(frozenset[str]())
    """Ids marked for a batch action."""
    cursor: reactive[int] = reactive(0, always_update=True)
    """The highlighted row."""
    highlight: reactive[tuple[str, ...]] = reactive[tuple[str, ...]](())
    """Search words to highlight in the titles."""

    @dataclass
    class Highlighted(Message):
        """The cursor is on a (possibly different) paper. Supersedes older, unhandled ones."""

        paper_list: PaperList
        pid: str | None
        index: int

        @property
        def control(self) -> PaperList:
            """The list that sent the message."""
            return self.paper_list

        def can_replace(self, message: Message) -> bool:
            """Only the latest highlight matters: fast scrolling never queues up refreshes."""
            return isinstance(message, PaperList.Highlighted)

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        """Create an empty list."""
        super().__init__(name=name, id=id, classes=classes)
        self._last_posted: tuple[str | None, int] | None = None
        self._styles: dict[str, Style] | None = None
        self._strips: dict[tuple[object, ...], Strip] = {}
        self._row_style_cache: dict[tuple[bool, bool, bool], tuple[Style, ...]] = {}
        self._filled = Filled()

    # -- data -----------------------------------------------------------------------------
    @property
    def highlighted_id(self) -> str | None:
        """The id under the cursor, or None when the list is empty."""
        rows = self.rows
        if 0 <= self.cursor < len(rows):
            return rows.id_at(self.cursor)
        return None

    def validate_cursor(self, value: int) -> int:
        """Keep the cursor on a row."""
        return max(0, min(value, len(self.rows) - 1))

    def watch_rows(self, old: RowSource, rows: RowSource) -> None:
        """New rows: size the scroll area and put the cursor where the screen asked.

        Rows as many as before with the cursor on the same row (a triage key in a view the
        paper stays in) repaint only the visible rows that differ: the key's frame is one
        row, not the whole list."""
        index = rows.index_of(rows.focus) if rows.focus is not None else None
        cursor = 0 if index is None else index
        filled = filled_columns(rows)
        same_shape = len(rows) == len(old) and filled == self._filled and cursor == self.cursor
        if self.virtual_size.height != len(rows):
            self.virtual_size = Size(0, len(rows))  # (the scroll bars repaint when set)
        self._filled = filled
        self._last_posted = None
        if not same_shape or old is rows:
            self.cursor = cursor
            self.refresh()
            return
        top = round(self.scroll_y)
        bottom = min(len(rows), top + self.scrollable_content_region.height)
        for y in range(top, bottom):
            if y != cursor and old.row_at(y) != rows.row_at(y):
                self.refresh_line(y)
        self.cursor = cursor  # repaints the cursor's row and tells the screen

    def watch_cursor(self, old: int, cursor: int) -> None:
        """Keep the cursor visible and tell the screen which paper is highlighted."""
        top = round(self.scroll_y)
        self._scroll_to_cursor()
        if round(self.scroll_y) == top:
            self.refresh_line(old)  # only the two rows that changed
            self.refresh_line(cursor)
        else:
            self.refresh()
        pid = self.highlighted_id
        if self._last_posted != (pid, cursor):
            self._last_posted = (pid, cursor)
            self.post_message(self.Highlighted(self, pid, cursor))

    def watch_marked(self) -> None:
        """Repaint the marks."""
        self.refresh()

    def watch_highlight(self) -> None:
        """Repaint the titles with the new search matches."""
        self._strips.clear()
        self.refresh()

    # -- geometry -------------------------------------------------------------------------
    @property
    def _page(self) -> int:
        """Rows per page."""
        return max(1, self.scrollable_content_region.height)

    def _scroll_to_cursor(self) -> None:
        """Scroll just enough to show the cursor row."""
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        """A resize keeps the cursor on the same paper, and visible."""
        self.call_after_refresh(self._scroll_to_cursor)

    # -- actions --------------------------------------------------------------------------
    def action_cursor_down(self) -> None:
        """Next row."""
        self.cursor += 1

    def action_cursor_up(self) -> None:
        """Previous row."""
        self.cursor -= 1

    def action_first(self) -> None:
        """First row."""
        self.cursor = 0

    def action_last(self) -> None:
        """Last row."""
        self.cursor = len(self.rows) - 1

    def action_page_down(self) -> None:
        """One page down."""
        self.cursor += self._page

    def action_page_up(self) -> None:
        """One page up."""
        self.cursor -= self._page

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on the clicked row."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y + round(self.scroll_y)
        if 0 <= index < len(self.rows):
            self.cursor = index
        self.focus()

    def on_focus(self) -> None:
        """The cursor colour depends on focus."""
        self._styles = None
        self.refresh()

    def on_blur(self) -> None:
        """The cursor colour depends on focus."""
        self._styles = None
        self.refresh()

    def notify_style_update(self) -> None:
        """Styles changed (theme, focus): forget the cached row styles."""
        self._styles = None
        super().notify_style_update()

    def _style(self, name: str) -> Style:
        """A component style (``""``: the widget's own), cached until the styles change."""
        styles = self._styles
        if styles is None:
            styles = {c: self.get_component_rich_style(c) for c in self.COMPONENT_CLASSES}
            styles[""] = self.rich_style
            self._styles = styles
            self._strips.clear()
            self._row_style_cache.clear()
        return styles[name]

    # -- rendering ------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        """Render visible line ``y`` (only visible rows are ever built)."""
        width = self.scrollable_content_region.width
        base = self._style("")
        index = round(self.scroll_y) + y
        rows = self.rows
        if index >= len(rows):
            if index == 0 and width > 0:
                style = base + self._style("paper-list--empty")
                text = _fit(f"  {clean_cell(rows.empty_text)}", width)
                return Strip([Segment(text, style)], width)
            return Strip.blank(width, base)
        row = rows.row_at(index)
        is_cursor = index == self.cursor
        marked = row.paper.id in self.marked
        key = (row.paper, row.state, is_cursor, marked, width, self._filled)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > 4000:
                self._strips.clear()
            strip = self._strips[key] = self._render_row(row, is_cursor, marked, width)
        return strip

    def _render_row(self, row: PaperRow, is_cursor: bool, marked: bool, width: int) -> Strip:
        """One row as a strip of exactly ``width`` cells."""
        paper, state = row.paper, row.state
        cols = layout_columns(width, self._filled)
        decided = state.read or state.dismissed  # both shown dimmed
        plain, star, tags_style, meta = self._row_styles(decided, marked, is_cursor)

        def seg(text: str, style: Style = plain) -> Segment:
            return Segment(text, style)

        tags = " ".join(f"#{clean_cell(t)}" for t in state.tags)
        # A tagged paper shows its tags at the end of the title cell (up to a third of it),
        # short ones (#3d) as well as long ones.
        inline = min(cell_len(tags), cols.title // 3) if tags else 0
        title_width = cols.title - inline - 1 if inline >= 2 else cols.title
        segments = [
            seg(MARK if marked else " ", star),
            seg(state_glyphs(state), star),
            seg(" "),
            *self._title_segments(_fit(clean_cell(paper.title), title_width), plain),
        ]
        if title_width != cols.title:
            segments += [seg(" "), seg(_fit(tags, inline), tags_style)]
        if cols.code:
            segments += [seg(" "), seg(CODE if paper.has_code else " ", meta)]
        if cols.upvotes:
            up = "" if paper.upvotes is None else str(paper.upvotes)
            segments += [seg(" "), seg(_fit(up.rjust(cols.upvotes), cols.upvotes), meta)]
        if cols.date:
            # Without a published date, the date seen (the newest page's date, what the
            # list sorts by), in italics.
            seen = paper.date_seen
            day = seen.isoformat() if seen is not None else ""
            style = meta if paper.published is not None else meta + _ITALIC
            segments += [seg(" "), seg(_fit(day, cols.date), style)]
        return Strip(segments).adjust_cell_length(width, plain)

    def _title_segments(self, title: str, style: Style) -> list[Segment]:
        """The title cell, the search words in it highlighted."""
        words = [w.casefold() for w in self.highlight if w]
        if not words:
            return [Segment(title, style)]
        folded = title.casefold()
        if len(folded) != len(title):  # case folding changed lengths: no safe offsets
            return [Segment(title, style)]
        spans: list[tuple[int, int]] = []
        for word in words:
            start = folded.find(word)
            while start != -1:
                spans.append((start, start + len(word)))
                start = folded.find(word, start + len(word))
        if not spans:
            return [Segment(title, style)]
        match = style + self._style("paper-list--match")
        out: list[Segment] = []
        at = 0
        for start, end in sorted(spans):
            if end <= at:
                continue
            start = max(start, at)
            if start > at:
                out.append(Segment(title[at:start], style))
            out.append(Segment(title[start:end], match))
            at = end
        if at < len(title):
            out.append(Segment(title[at:], style))
        return out

    def _row_styles(self, read: bool, marked: bool, cursor: bool) -> tuple[Style, ...]:
        """The (plain, star, tags, meta) styles of a row, combined once per kind of row
        (rich adds styles slowly: a dozen additions per row were a third of its cost)."""
        key = (read, marked, cursor)
        styles = self._row_style_cache.get(key)
        if styles is None:
            component = self._style
            row_style = component("")
            if read:
                row_style += component("paper-list--read")
            if marked:
                row_style += component("paper-list--marked")
            overlay = component("paper-list--cursor") if cursor else Style()
            styles = tuple(
                row_style + extra + overlay
                for extra in (
                    Style(),
                    component("paper-list--star"),
                    component("paper-list--tags"),
                    component("paper-list--meta"),
                )
            )
            self._row_style_cache[key] = styles
        return styles
