"""Widgets in isolation, the key table and the architecture rules."""

from __future__ import annotations

import ast
import time
from datetime import date
from pathlib import Path

from textual.app import App, ComposeResult

from papertui.models import Paper, TriageState
from papertui.tui import bindings
from papertui.tui.models import PaperRow, StaticRows
from papertui.tui.screens.prompts import parse_tag_input
from papertui.tui.suggesters import PathSuggester, TagSuggester
from papertui.tui.widgets import PaperList
from papertui.tui.widgets.paper_list import Filled, clean_cell, filled_columns, layout_columns

TUI = Path(__file__).resolve().parents[2] / "papertui" / "tui"


class _BigRows:
    """100k rows built on demand, counting how many were asked for."""

    def __init__(self, n: int, focus: str | None = None) -> None:
        self.n = n
        self.focus = focus
        self.empty_text = "none"
        self.built = 0

    def __len__(self) -> int:
        return self.n

    def id_at(self, index: int) -> str:
        return f"{index:012x}"

    def row_at(self, index: int) -> PaperRow:
        self.built += 1
        paper = Paper(
            id=self.id_at(index),
            title=f"Paper number {index} about [bold]diffusion[/]",
            published=date(2024, 1, 1),
            upvotes=index % 100,
        )
        return PaperRow(paper, TriageState(starred=index % 3 == 0))

    def index_of(self, pid: str) -> int | None:
        value = int(pid, 16)
        return value if value < self.n else None

    def with_focus(self, focus: str | None) -> _BigRows:
        other = _BigRows(self.n, focus)
        return other


class _ListApp(App[None]):
    def __init__(self, rows: _BigRows) -> None:
        super().__init__()
        self.rows = rows
        self.highlights: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield PaperList(id="papers")

    def on_mount(self) -> None:
        self.query_one(PaperList).rows = self.rows
        self.query_one(PaperList).focus()

    def on_paper_list_highlighted(self, event: PaperList.Highlighted) -> None:
        self.highlights.append(event.pid)


async def test_paper_list_renders_only_visible_rows_of_100k() -> None:
    rows = _BigRows(100_000)
    app = _ListApp(rows)
    start = time.perf_counter()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        first_paint = time.perf_counter() - start
        papers = app.query_one(PaperList)
        assert papers.virtual_size.height == 100_000
        assert rows.built < 200  # only what is on screen
        assert first_paint < 5.0
        assert "[bold]diffusion[/]" in papers.render_line(0).text
        await pilot.press("G")
        assert papers.cursor == 99_999
        assert papers.highlighted_id == f"{99_999:012x}"
        assert rows.built < 400
        await pilot.press("g", "pagedown")
        assert papers.cursor == papers.scrollable_content_region.height
        await pilot.press("pageup", "j", "j", "k")
        assert papers.cursor == 1
        # Click selects the clicked row.
        await pilot.click(PaperList, offset=(10, 5))
        assert papers.cursor == 5
        # The screen can move the cursor by handing over rows with a focus.
        papers.rows = rows.with_focus(f"{500:012x}")
        await pilot.pause()
        assert papers.cursor == 500
        top = round(papers.scroll_y)
        assert top <= 500 < top + papers.scrollable_content_region.height


def test_highlighted_messages_collapse() -> None:
    papers = PaperList()
    first = PaperList.Highlighted(papers, "a", 0)
    second = PaperList.Highlighted(papers, "b", 1)
    assert second.can_replace(first)


def test_layout_columns_fit_any_width() -> None:
    for width in range(0, 220):
        cols = layout_columns(width)
        used = 4 + cols.title + sum(w + 1 for w in cols[1:] if w)
        assert width < 8 or used == width
    assert layout_columns(40).date == 0
    assert layout_columns(120).date == 10


def test_mostly_empty_columns_give_their_width_to_the_title() -> None:
    full = layout_columns(97)  # the list at 120 columns (sidebar, scrollbar)
    assert full.title >= 60 and full.date and full.upvotes
    bare = layout_columns(97, Filled(date=False, upvotes=False))
    assert (bare.date, bare.upvotes) == (0, 0)
    assert bare.title == full.title + 11 + 5


def test_filled_columns_looks_at_the_rows_the_list_opens_on() -> None:
    def rows(dated: int, undated: int) -> StaticRows:
        papers = [
            Paper(id=f"{i:012x}", title="t", published=date(2025, 1, 1), upvotes=3)
            for i in range(dated)
        ]
        papers += [Paper(id=f"{i + dated:012x}", title="t") for i in range(undated)]
        return StaticRows(tuple(PaperRow(p, TriageState()) for p in papers))

    assert filled_columns(rows(10, 10)) == Filled(True, True)
    assert filled_columns(rows(3, 300)) == Filled(False, False)
    assert filled_columns(rows(40, 1000)) == Filled(True, True)  # the first 64: 40 dated
    assert filled_columns(StaticRows()) == Filled()


def test_clean_cell_removes_control_characters() -> None:
    assert clean_cell("a\x1b[31mb\nc\td") == "ab c d"  # the whole escape sequence goes
    assert clean_cell("txt\u202eexe\u200b.") == "txtexe."  # bidi and zero-width too


async def test_static_rows_and_empty_list_message() -> None:
    rows = StaticRows((), empty_text="Nothing [here]")

    class Tiny(App[None]):
        def compose(self) -> ComposeResult:
            yield PaperList()

    app = Tiny()
    async with app.run_test(size=(40, 5)) as pilot:
        papers = app.query_one(PaperList)
        papers.rows = rows
        await pilot.pause()
        assert "Nothing [here]" in papers.render_line(0).text
        assert papers.highlighted_id is None


async def test_tag_suggester_completes_last_word() -> None:
    suggester = TagSuggester(["vision", "video", "RL"])
    assert await suggester.get_suggestion("vi") == "vision"
    assert await suggester.get_suggestion("ml vid") == "ml video"
    assert await suggester.get_suggestion("-vis") == "-vision"
    assert await suggester.get_suggestion("r") == "rL"
    assert await suggester.get_suggestion("vision") is None
    assert await suggester.get_suggestion("") is None


async def test_path_suggester(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "paper.txt").write_text("x")
    suggester = PathSuggester()
    assert await suggester.get_suggestion(str(tmp_path / "pag")) == str(tmp_path / "pages") + "/"
    assert await suggester.get_suggestion(str(tmp_path / "pap")) == str(tmp_path / "paper.txt")
    assert await suggester.get_suggestion(str(tmp_path / "zzz")) is None


def test_parse_tag_input() -> None:
    edit = parse_tag_input("ml -todo, +vision ml -")
    assert edit.add == ("ml", "vision")
    assert edit.remove == ("todo",)
    assert parse_tag_input("  ").is_empty
    quoted = parse_tag_input('+"Two Words" -"old one"')
    assert (quoted.add, quoted.remove) == (("two-words",), ("old-one",))


def test_every_binding_has_an_id_and_is_in_the_key_table() -> None:
    table = bindings.key_table_markdown()
    seen: set[str] = set()
    for section in bindings.SECTIONS:
        for binding in section.bindings:
            assert binding.id, binding
            assert binding.description and binding.tooltip, binding.id
            assert binding.tooltip in table
            seen.add(binding.id)
    for binding in [*bindings.MAIN_BINDINGS, *bindings.LIST_BINDINGS, *bindings.APP_BINDINGS]:
        assert binding.id in seen, binding.id
    ids = [b.id for b in [*bindings.MAIN_BINDINGS, *bindings.LIST_BINDINGS]]
    assert len(ids) == len(set(ids))


def test_key_table_follows_a_keymap() -> None:
    table = bindings.key_table_markdown({"triage.star": "x,ctrl+x"})
    assert "| `x` / `ctrl+x` | Star |" in table
    assert "| `?` | Help |" in table


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_widgets_never_touch_the_library_or_the_store() -> None:
    for path in (TUI / "widgets").glob("*.py"):
        imports = _imports(path)
        for banned in ("tinydb", "papertui.store", "papertui.library", "papertui.importer"):
            assert banned not in imports, f"{path.name} imports {banned}"
        assert "app.query_one" not in path.read_text(encoding="utf-8"), path.name


def test_app_module_is_wiring_only() -> None:
    imports = _imports(TUI / "app.py")
    assert "tinydb" not in imports and "papertui.store" not in imports
    source = (TUI / "app.py").read_text(encoding="utf-8")
    assert "DEFAULT_CSS" not in source and 'CSS_PATH = "papertui.tcss"' in source


def test_pick_cursor_moves_on_to_the_next_paper_still_shown() -> None:
    from papertui.tui.selection import pick_cursor

    def rows(*ids: str) -> StaticRows:
        return StaticRows(tuple(PaperRow(Paper(id=i, title=i), TriageState()) for i in ids))

    old = rows("a", "b", "c", "d")
    assert pick_cursor(old, rows("a", "c", "d"), ["b"], follow=True) == "c"
    assert pick_cursor(old, rows("a", "b"), [None, "d"], follow=True) == "b"
    assert pick_cursor(old, rows("a", "c"), ["c", "b"], follow=True) == "c"
    assert pick_cursor(old, rows("x", "y"), ["b"], follow=True) == "y"
    assert pick_cursor(old, rows("x", "y"), ["b"]) == "x"
    assert pick_cursor(old, rows(), ["b"], follow=True) is None


async def test_a_jobs_steps_repaint_the_activity_line_without_a_layout() -> None:
    """The count keeps its width (padded to the total's), so a loader's step repaints the
    line; a layout repaints every widget, and the keys typed meanwhile waited for it."""
    from textual.widgets import Static

    from papertui.tui.models import ActivityModel
    from papertui.tui.widgets import ActivityBar

    class _BarApp(App[None]):
        def compose(self) -> ComposeResult:
            yield ActivityBar(id="activity")

    app = _BarApp()
    async with app.run_test(size=(80, 5)) as pilot:
        bar = app.query_one(ActivityBar)
        label = bar.query_one("#activity-label", Static)
        layouts: list[bool] = []
        shown = label.update

        def update(content: object = "", *, layout: bool = True) -> None:
            layouts.append(layout)
            shown(content, layout=layout)  # type: ignore[arg-type]

        label.update = update  # type: ignore[method-assign]
        for done in (0, 9, 10, 32):
            bar.model = ActivityModel("Loading abstracts", done, 32)
            await pilot.pause()
            assert str(label.visual) == f"Loading abstracts {done:>2}/32"
        assert layouts == [True, False, False, False]  # laid out once, when it appeared
        bar.model = ActivityModel("Indexing for search", 0, 100)
        await pilot.pause()
        assert layouts[-1] is True  # another label: its width changed
