"""The reader (z / enter twice), the sidebar toggle, the title bar, list titles and links."""

from __future__ import annotations

from typing import Any

from papertui.library import Library
from papertui.tui.screens.main import MainScreen
from papertui.tui.screens.reader import ReaderScreen
from papertui.tui.widgets import DetailPane, PaperList

LONG = "5c2322729b4d"
"""SongGen: a paper with a code and a project link."""


def _reader(h: Any) -> ReaderScreen:
    screen = h.app.screen
    assert isinstance(screen, ReaderScreen)
    return screen


async def test_z_opens_the_reader_on_the_highlighted_paper(library: Library, run_app: Any) -> None:
    async with run_app(library, size=(80, 24)) as h:
        pid = h.screen.highlighted
        await h.press("z")
        reader = _reader(h)
        pane = reader.pane
        assert pane.model is not None and pane.model.paper.id == pid
        text = h.text()
        assert library.title(pid)[:40] in text
        assert "paper   https://huggingface.co/papers?q=" in text  # links before the abstract
        assert "Reader · Inbox · 1 of" in text
        # The abstract gets the whole width: lines run past 70 characters.
        assert max(len(line.rstrip()) for line in pane.text.splitlines()) > 70
        await h.press("z")
        assert isinstance(h.app.screen, MainScreen)


async def test_enter_twice_opens_the_reader_and_esc_closes_it(
    library: Library, run_app: Any
) -> None:
    async with run_app(library) as h:
        await h.press("enter")
        assert isinstance(h.app.focused, DetailPane)
        await h.press("enter")
        _reader(h)
        await h.press("escape")
        assert isinstance(h.app.screen, MainScreen)


async def test_reader_scroll_keys(library: Library, run_app: Any) -> None:
    async with run_app(library, size=(80, 12)) as h:
        await h.press("z")
        pane = _reader(h).pane
        assert pane.max_scroll_y > 6, "the paper should be longer than the screen"
        await h.press("j")
        assert pane.scroll_y == 1
        await h.press("k")
        assert pane.scroll_y == 0
        await h.press("ctrl+d")
        half = pane.scroll_y
        assert half >= 2
        await h.press("ctrl+u")
        assert pane.scroll_y == 0
        await h.press("space")
        assert pane.scroll_y > half
        await h.press("G")
        assert pane.scroll_y == pane.max_scroll_y
        await h.press("g")
        assert pane.scroll_y == 0


async def test_reader_next_and_previous_paper(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        rows = h.screen.rows
        first, second, third = (rows.id_at(i) for i in range(3))
        await h.press("z")
        pane = _reader(h).pane

        def shown() -> str | None:
            return pane.model.paper.id if pane.model is not None else None

        await h.press("n")
        assert shown() == second
        await h.press("J")
        assert shown() == third
        assert "3 of" in h.text()
        await h.press("p")
        assert shown() == second
        await h.press("K")
        assert shown() == first
        await h.press("z")
        assert h.screen.highlighted == first


async def test_triage_keys_work_in_the_reader(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("4")
        pid = h.screen.highlighted
        assert pid is not None
        await h.press("z", "s")
        assert library.state(pid).starred
        assert "queued" in h.text()  # the reader shows the new state
        await h.press("r")
        assert library.state(pid).read
        await h.press("u", "u")
        assert not library.state(pid).starred and not library.state(pid).read
        await h.press("t")
        await h.fill("reading")
        await h.press("enter")
        assert library.state(pid).tags == ("reading",)
        assert isinstance(h.app.screen, ReaderScreen)
        await h.press("L")
        assert "1  paper" in h.text()
        await h.press("escape", "escape")
        assert isinstance(h.app.screen, MainScreen)


async def test_reader_triage_keys_are_off_when_read_only(library: Library, run_app: Any) -> None:
    async with run_app(library, readonly_reason="testing") as h:
        pid = h.screen.highlighted
        assert pid is not None
        await h.press("z", "s")
        assert not library.state(pid).starred


async def test_backslash_hides_and_shows_the_sidebar(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        sidebar = h.screen.query_one("#sidebar")
        papers = h.screen.query_one(PaperList)
        width = papers.size.width
        assert sidebar.display
        await h.press("backslash")
        assert not sidebar.display
        assert papers.size.width > width
        await h.press("backslash")
        assert sidebar.display


async def test_title_bar_at_80_columns_shows_what_matters(library: Library, run_app: Any) -> None:
    async with run_app(library, size=(80, 24)) as h:
        await h.press("space")
        subtitle = str(h.screen.sub_title)
        assert subtitle.startswith("Inbox · ")
        assert "papers · by date (0/3 kept for relevance) · 1 marked" in subtitle
        assert str(library.root) not in subtitle
        await h.press("question_mark")
        assert (
            f"Library: {library.root}" in h.text().replace("\n", "")[:4000]
            or str(library.root)[:30] in h.text()
        )
    async with run_app(library, size=(120, 36)) as h:
        assert str(h.screen.sub_title).startswith(str(library.root))


async def test_list_titles_get_the_room_and_search_words_are_highlighted(
    library: Library, run_app: Any
) -> None:
    async with run_app(library, size=(120, 36)) as h:
        await h.press("4")
        papers = h.screen.query_one(PaperList)
        top = round(papers.scroll_y)
        for y in range(papers.scrollable_content_region.height):
            title = library.title(h.screen.rows.id_at(top + y))
            if not library.state(h.screen.rows.id_at(top + y)).tags:
                assert title[:60] in papers.render_line(y).text  # 60 characters at least
        await h.press("slash", *"diffusion", "enter")
        rows = h.screen.rows
        index = next(
            i for i in range(len(rows)) if "diffusion" in library.title(rows.id_at(i)).lower()
        )
        strip = papers.render_line(index - round(papers.scroll_y))
        matched = [seg.text for seg in strip if seg.style and seg.style.reverse]
        assert matched and all(m.lower() == "diffusion" for m in matched)


async def test_short_tags_show_in_the_row(library: Library, run_app: Any) -> None:
    pid = library.ids[0]
    library.tag([pid], add=["3d", "ml"])
    async with run_app(library, size=(80, 24)) as h:
        await h.press("4")
        h.screen.rows = h.screen.rows.with_focus(pid)
        await h.pilot.pause()
        papers = h.screen.query_one(PaperList)
        index = h.screen.rows.index_of(pid)
        assert index is not None
        line = papers.render_line(index - round(papers.scroll_y)).text
        assert "#3d #ml" in line


async def test_detail_links_are_terminal_hyperlinks(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("4")
        h.screen.rows = h.screen.rows.with_focus(LONG)
        await h.pilot.pause()
        pane = h.screen.query_one(DetailPane)
        code = library.paper(LONG).code_urls[0]
        links = {seg.style.link for strip in pane._lines for seg in strip if seg.style}
        assert code in links
        assert any(link and link.startswith("https://huggingface.co/papers?q=") for link in links)
        rendered = "".join(
            strip.render(h.app.console) for strip in pane._lines if code in strip.text
        )
        assert "\x1b]8;id=" in rendered and code in rendered
