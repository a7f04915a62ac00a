"""Text from pages is data; odd sizes and resizing never break the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from papertui.importer import import_paths
from papertui.library import Library
from papertui.tui.screens.help import HelpScreen
from papertui.tui.widgets import DetailPane, PaperList

MARKUP_TITLE = "Tokens [nextline] and [/] meet [@click=app.quit]quit[/] in titles"


async def test_markup_looking_text_is_shown_literally(
    isolated_data_dir: Path, markup_page: Path, run_app: Any
) -> None:
    lib = Library.open(isolated_data_dir)
    try:
        import_paths(lib, [str(markup_page)])
        pid = next(p for p in lib.ids if lib.title(p) == MARKUP_TITLE)
        lib.set_note(pid, "see [red]this[/red] and [@click=app.quit]x[/]")
        lib.tag([pid], add=["[b]"])
        async with run_app(lib) as h:
            assert h.screen.highlighted == pid  # newest first
            screen = h.text()
            assert "[nextline]" in screen  # the list row (cut to width) and the detail title
            detail = h.app.screen.query_one(DetailPane).text
            assert MARKUP_TITLE in detail.replace("\n", " ")
            flat = " ".join(detail.split())
            assert "such as [nextline] and [nextframe] tokens" in flat
            assert "A stray [/] closes nothing" in flat
            assert "[@click=app.quit]this[/] is not a link" in flat
            assert "see [red]this[/red] and [@click=app.quit]x[/]" in flat
            assert "#[b]" in h.text()  # the tag in the sidebar
            # Clicking where the would-be action is does not quit.
            await h.pilot.click(DetailPane, offset=(5, 0))
            await h.pilot.click(DetailPane, offset=(30, 1))
            await h.pilot.pause()
            assert h.app.is_running
            # Notifications with the title (tagging names it) stay literal too.
            await h.press("t")
            h.app.screen.query_one(Input).value = "[/]"
            await h.press("enter")
            assert lib.state(pid).tags == ("[b]", "[/]")
            assert h.app.is_running
            assert all(not n.markup for n in h.notes)
            await h.press("question_mark")
            assert isinstance(h.app.screen, HelpScreen)
            await h.press("escape")
            # Search terms with brackets are highlighted, not parsed.
            await h.press("slash")
            h.app.screen.query_one(Input).value = '"[nextline]"'
            await h.pilot.pause()
            assert h.screen.rows.index_of(pid) is not None
            assert h.app.is_running
    finally:
        lib.close()


async def test_help_screen_is_generated_from_bindings(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("question_mark")
        assert isinstance(h.app.screen, HelpScreen)
        await h.pilot.pause()
        text = h.text()
        assert "Moving around" in text and "Next paper" in text
        await h.press("end")
        await h.pilot.pause()
        assert "Search every command by name" in h.text()
        await h.press("escape")
        assert not isinstance(h.app.screen, HelpScreen)


async def test_keymap_remaps_and_help_follows(
    library: Library, run_app: Any, seeded_dir: Path
) -> None:
    async with run_app(library) as h:
        h.app.set_keymap({"triage.star": "x"})
        await h.pilot.pause()
        pid = h.screen.highlighted
        await h.press("x")
        assert pid is not None and library.state(pid).starred
        assert any(c.title == "Star (x)" for c in h.screen.palette_commands())


@pytest.mark.parametrize("size", [(20, 8), (50, 15), (80, 24)])
async def test_small_sizes_do_not_crash(
    library: Library, run_app: Any, size: tuple[int, int]
) -> None:
    async with run_app(library, size=size) as h:
        await h.press("j", "s", "enter", "escape", "slash", "v", "enter", "space", "r")
        await h.press("t", "escape", "question_mark", "escape", "u", "2", "G", "a", "escape")
        assert h.app.is_running
        assert h.screen.highlighted is not None


async def test_tiny_terminal_shows_detail_instead_of_list(library: Library, run_app: Any) -> None:
    async with run_app(library, size=(50, 15)) as h:
        detail = h.app.screen.query_one(DetailPane)
        assert not detail.display  # too short for both
        await h.press("enter")
        assert detail.display and h.app.focused is detail
        await h.press("escape")
        assert not detail.display and isinstance(h.app.focused, PaperList)


async def test_resize_keeps_cursor_on_the_same_paper(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("4")
        for _ in range(3):
            await h.press("pagedown")
        await h.press("j", "j")
        pid = h.screen.highlighted
        papers = h.app.screen.query_one(PaperList)
        for size in [(80, 24), (50, 15), (20, 8), (200, 60), (120, 36)]:
            await h.pilot.resize_terminal(*size)
            await h.pilot.pause()
            await h.pilot.pause()
            assert h.screen.highlighted == pid, size
            assert papers.highlighted_id == pid, size
            height = papers.scrollable_content_region.height
            if height > 0:
                top = round(papers.scroll_y)
                assert top <= papers.cursor < top + height, size
        assert h.app.is_running


async def test_every_notification_is_plain_text(library: Library, run_app: Any) -> None:
    """Whoever notifies, and whatever it asks for, the toast never parses markup."""
    from papertui.tui.widgets import PaperList

    async with run_app(library) as h:
        # Widget.notify asks the app for markup=True by default; "[/]" would crash it.
        h.screen.query_one(PaperList).notify("[/] [@click=app.quit]x[/]", severity="error")
        await h.pilot.pause()
        shown = list(h.app._notifications)
        assert shown and shown[-1].message == "[/] [@click=app.quit]x[/]"
        assert not shown[-1].markup
        # Routine messages go to the status line, as plain text too.
        h.screen.query_one(PaperList).notify("[b]bold?[/b] [/]")
        await h.pilot.pause()
        assert "[b]bold?[/b] [/]" in h.text()
