"""Views, the sidebar, sorting, search and the command palette."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from papertui.library import Library
from papertui.tui.flows.search import DETAIL_WHILE_TYPING, PARTIAL_NOTE
from papertui.tui.screens.main import MainScreen
from papertui.tui.widgets import PaperList, SearchBar, Sidebar
from papertui.tui.widgets.search_bar import STATUS_LINGER


async def test_number_keys_switch_views(library: Library, run_app: Any) -> None:
    library.set_starred(library.ids[:2], True)
    library.set_read(library.ids[2:5], True)
    async with run_app(library) as h:
        total = len(library)
        counts = library.counts()
        assert len(h.screen.rows) == counts["inbox"] == total - 5
        await h.press("2")
        assert h.screen.view == "queue" and list(h.screen.rows.ids) == library.queue()
        await h.press("3")
        assert h.screen.view == "read" and len(h.screen.rows) == 3
        await h.press("4")
        assert h.screen.view == "all" and len(h.screen.rows) == total
        await h.press("1")
        assert h.screen.view == "inbox"
        assert f"Inbox · {total - 5} papers" in h.app.screen.sub_title


async def test_sidebar_lists_counts_and_tags_and_selects(library: Library, run_app: Any) -> None:
    library.tag(library.ids[:3], add=["vision"])
    library.tag(library.ids[3:4], add=["audio"])
    async with run_app(library) as h:
        text = h.text()
        assert "#vision" in text and "#audio" in text
        sidebar = h.app.screen.query_one(Sidebar)
        sidebar.focus()
        await h.pilot.pause()
        sidebar.highlighted = sidebar.get_option_index("tag:vision")
        await h.press("enter")
        assert h.screen.view == "tag:vision"
        assert set(h.screen.rows.ids) == set(library.ids[:3])
        assert isinstance(h.app.focused, PaperList)
        # Counts update live after a triage action.
        await h.press("t")
        await h.fill("-vision")
        await h.press("enter")
        assert h.screen.sidebar.tags == (("audio", 1), ("vision", 2))


async def test_sidebar_focus_keeps_its_layout_and_moves_with_j_k(
    library: Library, run_app: Any
) -> None:
    library.tag(library.ids[:3], add=["vision"])
    async with run_app(library) as h:
        sidebar = h.app.screen.query_one(Sidebar)
        width = sidebar.scrollable_content_region.width
        lines = [sidebar.render_line(y).text for y in range(4)]
        assert lines[3].startswith("All") and lines[3].rstrip().endswith(str(len(library)))
        await h.press("shift+tab", "shift+tab")
        assert h.app.focused is sidebar
        assert sidebar.scrollable_content_region.width == width  # no focus border
        assert sidebar.styles.border_left[0] in ("", "none")
        focused = [sidebar.render_line(y).text for y in range(4)]
        assert focused == lines  # same entries, same places: "All … 257" on one line
        assert all(len(line.rstrip()) <= width for line in focused)
        assert sidebar.option_count == 6 + 1 + 1  # views, the "Tags" heading, one tag
        start = sidebar.highlighted
        assert start == 0  # Inbox
        await h.press("j", "j")
        assert sidebar.highlighted == 2
        await h.press("k")
        assert sidebar.highlighted == 1
        await h.press("enter")
        assert h.screen.view == "queue"
        assert isinstance(h.app.focused, PaperList)


async def test_sidebar_repads_when_its_content_width_changes(
    library: Library, run_app: Any
) -> None:
    async with run_app(library) as h:
        sidebar = h.app.screen.query_one(Sidebar)
        before = sidebar.scrollable_content_region.width
        sidebar.highlighted = 2
        sidebar.styles.padding = (0, 4, 0, 0)  # same size, narrower content
        await h.pilot.pause()
        await h.pilot.pause()
        width = sidebar.scrollable_content_region.width
        assert width == before - 3
        assert sidebar._built_width == width
        line = sidebar.render_line(3).text  # All
        assert line.startswith("All") and line[:width].rstrip().endswith(str(len(library)))
        assert sidebar.highlighted == 2  # re-padding keeps the user's place


async def test_new_sort_puts_the_cursor_on_the_first_row(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("4")
        papers = h.app.screen.query_one(PaperList)
        await h.press("G")  # the last paper, scrolled to the bottom
        assert papers.cursor == len(library) - 1 and papers.scroll_y > 0
        await h.press("S")
        await h.press("down", "enter")  # date -> upvotes
        assert h.screen.sort == "upvotes"
        assert papers.cursor == 0 and papers.scroll_y == 0
        assert h.screen.highlighted == h.screen.rows.id_at(0)
        top = max(library.ids, key=lambda p: library.paper(p).upvotes or 0)
        assert library.paper(h.screen.highlighted).upvotes == library.paper(top).upvotes
        # The palette does the same.
        await h.press("j", "j", "j")
        await h.screen.palette_commands().__next__().callback()  # warm: any command
        for command in h.screen.palette_commands():
            if command.title == "Sort by title":
                await command.callback()
        await h.pilot.pause()
        assert h.screen.sort == "title" and papers.cursor == 0
        # Moving between views keeps its behaviour (the cursor is not forced to the top).
        await h.press("j", "j")
        pid = h.screen.highlighted
        await h.press("1", "4")
        assert h.screen.highlighted == pid


async def test_sort_picker_and_palette(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("4", "S")
        await h.press("down", "enter")  # date -> upvotes
        assert h.screen.sort == "upvotes"
        ups = [library.paper(h.screen.rows.id_at(i)).upvotes or 0 for i in range(20)]
        assert ups == sorted(ups, reverse=True)
        # The command palette offers the same commands.
        await h.press("ctrl+p")
        await h.fill("by title")
        await h.pilot.pause(0.3)
        await h.press("enter")
        await h.pilot.pause()
        assert h.screen.sort == "title"
        titles = [library.title(h.screen.rows.id_at(i)).casefold() for i in range(20)]
        assert titles == sorted(titles)


async def test_palette_lists_every_main_binding(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        commands = {c.title: c for c in h.screen.palette_commands()}
        for needle in (
            "Star (s)",
            "Read (r)",
            "Tags (t)",
            "Undo (u)",
            "Export (e)",
            "Import (i)",
            "Bottom (G / end)",
            "Next unread (n)",
            "Sort by added",
            "View: Queue",
        ):
            assert needle in commands, needle
        assert not any(t.startswith("Retry save") for t in commands)  # nothing failed
        await commands["Bottom (G / end)"].callback()
        await h.pilot.pause()
        assert h.screen.highlighted == h.screen.rows.id_at(len(h.screen.rows) - 1)
        await h.press("ctrl+p")
        await h.fill("Star (s")
        await h.pilot.pause(0.3)
        await h.press("enter")
        await h.pilot.pause()
        assert library.counts()["queue"] == 1


async def test_search_filters_as_you_type_and_escape_clears(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("slash")
        assert isinstance(h.app.focused, Input)
        await h.fill("protein")
        await h.pilot.pause()
        ids = list(h.screen.rows.ids)
        assert 0 < len(ids) < len(library)
        assert all("protein" in (library.title(p) + library.abstract(p)).casefold() for p in ids)
        # The detail pane catches up once typing pauses (it is not re-rendered per key).
        await h.pilot.pause(DETAIL_WHILE_TYPING + 0.1)
        assert "protein" in h.screen.detail.highlight
        await h.press("escape")
        assert h.screen.query_text == ""
        assert len(h.screen.rows) == len(library)
        assert isinstance(h.app.focused, PaperList)


async def test_bad_query_shows_error_inline(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("slash")
        await h.fill("year:abc")
        await h.pilot.pause()
        bar = h.app.screen.query_one(SearchBar)
        assert bar.error and "year:abc" in bar.error
        assert bar.input.has_class("-invalid")
        assert bar.error in h.text()
        kept = h.screen.rows
        await h.pilot.press("x")
        await h.pilot.pause()
        assert h.screen.rows is kept  # a bad query keeps the last good results
        await h.press("backspace", "backspace", "backspace", "backspace")
        await h.fill("2024")
        await h.pilot.pause()
        assert bar.error == ""
        assert not bar.input.has_class("-invalid")
        years = {getattr(library.paper(p).published, "year", None) for p in h.screen.rows.ids}
        assert years == {2024}
        await h.pilot.press("space", "(", "[", "/", "]")
        await h.pilot.pause()
        assert h.app.is_running and bar.error


async def test_an_error_line_follows_the_typing_and_goes_once_typing_pauses(
    library: Library, run_app: Any
) -> None:
    async with run_app(library) as h:
        await h.press("slash")
        await h.fill('"flow matchin')
        await h.pilot.pause()
        bar = h.app.screen.query_one(SearchBar)
        assert "unterminated quote in '\"flow matchin'" in h.text()
        await h.press("g")  # a message as long: repainted in place, never a stale one
        assert bar.error in h.text() and "matchin'" not in h.text()
        await h.press('"')
        assert bar.error == "" and not bar.input.has_class("-invalid")
        assert "unterminated" not in h.text()
        assert bar.has_class("-status")  # blank for now: the list does not jump while typing
        await h.press("backspace")  # an error again before the line went: shown at once
        assert "unterminated quote" in h.text() and bar.input.has_class("-invalid")
        await h.press('"')
        await h.pilot.pause(STATUS_LINGER + 0.2)
        assert not bar.has_class("-status") and "unterminated" not in h.text()
        rows = h.screen.rows.ids
        assert rows and all("flow matching" in library.texts.haystack(p) for p in rows)


async def test_bad_query_after_no_matches_shows_only_the_error(
    library: Library, run_app: Any
) -> None:
    async with run_app(library) as h:
        await h.press("slash")
        await h.fill("zzzqqqxxnothing")
        await h.pilot.pause()
        assert len(h.screen.rows) == 0
        assert "No papers match" in h.text()
        await h.fill(" upvotes>abc", typed=0)
        await h.pilot.pause()
        bar = h.app.screen.query_one(SearchBar)
        assert bar.error.startswith("bad number") and "e.g. upvotes>10" in bar.error
        assert len(h.screen.rows) == 0 and h.screen.rows.empty_text == ""
        text = h.text()
        assert "No papers match" not in text and "e.g. upvotes>10" in text


async def test_bad_query_keeps_results_and_a_valid_one_says_no_match_again(
    library: Library, run_app: Any
) -> None:
    async with run_app(library) as h:
        await h.press("slash")
        await h.fill("year:2024")
        await h.pilot.pause()
        kept = h.screen.rows
        assert len(kept) > 0
        await h.press("x")
        bar = h.app.screen.query_one(SearchBar)
        assert "e.g. year:2024" in bar.error
        assert h.screen.rows is kept  # the last results stay, with their empty text
        await h.press("backspace")
        await h.fill(" zzzqqqnothing", typed=0)
        await h.pilot.pause()
        assert bar.error == "" and len(h.screen.rows) == 0
        assert "No papers match" in h.text()  # a real empty result says so again


async def test_search_within_view_and_enter_returns_to_list(library: Library, run_app: Any) -> None:
    library.set_starred(library.ids[:4], True)
    async with run_app(library) as h:
        await h.press("2", "slash")
        await h.fill("is:read")
        await h.press("enter")
        assert len(h.screen.rows) == 0
        assert isinstance(h.app.focused, PaperList)
        assert "No papers match" in h.text()
        await h.press("escape")  # back in the list: escape clears the search
        assert len(h.screen.rows) == 4


async def test_partial_search_says_so_and_reruns(
    library: Library, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MainScreen, "_start_loading_abstracts", lambda self: None)
    fresh = library
    async with run_app(fresh, wait_abstracts=False) as h:
        assert not fresh.abstracts_loaded
        # "self-supervised" appears in abstracts, hardly in titles.
        await h.press("slash")
        h.app.screen.query_one(SearchBar).input.value = "self-supervised"
        await h.pilot.pause()
        assert h.screen.search_note == PARTIAL_NOTE
        assert PARTIAL_NOTE in h.text()
        titles_only = len(h.screen.rows)
        monkeypatch.undo()
        h.screen._start_loading_abstracts()
        await h.wait_for(lambda: h.screen.search_note == "")
        assert len(h.screen.rows) > titles_only


async def test_keys_typed_right_after_slash_go_to_the_search(
    library: Library, run_app: Any
) -> None:
    """`/sun` arriving in one read from the terminal must not star (s) or undo (u) a paper."""
    from textual import events

    before = library.counts()
    async with run_app(library) as h:
        for ch in ("slash", "s", "u", "n"):
            char = "/" if ch == "slash" else ch
            key = events.Key(ch, char)
            key.set_sender(h.app)
            h.app._driver.send_message(key)  # all queued before the app handles any
        await h.pilot.pause()
        await h.pilot.pause()
        assert isinstance(h.app.focused, Input)
        assert h.app.focused.value == "sun"
        assert h.screen.query_text == "sun"
        await h.press("slash")  # inside the search bar, "/" is just a character
        assert h.app.focused.value == "sun/"
        for ch in ("x", "slash", "y"):  # and keeps its place among keys read with it
            key = events.Key(ch, "/" if ch == "slash" else ch)
            key.set_sender(h.app)
            h.app._driver.send_message(key)
        await h.pilot.pause()
        await h.pilot.pause()
        assert h.app.focused.value == "sun/x/y"
    assert library.counts() == before


async def test_after_a_slow_search_typing_goes_first_and_the_search_catches_up(
    library: Library, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search slower than SLOW_SEARCH: keys read together are painted, then one search
    runs for the last text, instead of one blocking search per key."""

    import papertui.tui.flows.search as search_flow

    monkeypatch.setattr(search_flow, "SLOW_SEARCH", -1.0)  # every search counts as slow
    searched = spy_searches(monkeypatch)
    async with run_app(library) as h:
        await h.press("slash")
        await h.fill("p")  # the first search: found slow
        searched.clear()
        await keys_in_one_read(h, "rotein")
        assert h.app.focused.value == "protein"
        assert h.screen.query_text == "protein"
        assert searched == ["protein"]  # once, for the last text
        ids = list(h.screen.rows.ids)
        assert ids and all(
            "protein" in (library.title(p) + library.abstract(p)).casefold() for p in ids
        )


async def test_keys_read_together_search_each_prefix_once_and_in_order(
    library: Library, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The input's Changed messages arrive after later keys: they must not search again
    for an older prefix (the list would flash back to it)."""

    async with run_app(library) as h:
        await h.press("slash")
        searched = spy_searches(monkeypatch)
        await keys_in_one_read(h, "protein")
        assert searched == ["p", "pr", "pro", "prot", "prote", "protei", "protein"]
        assert h.screen.query_text == "protein"


def spy_searches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The query texts the main screen searches for, from now on, in order."""
    searched: list[str] = []
    real = MainScreen._reselect

    def spy(self: MainScreen, *args: Any, **kwargs: Any) -> None:
        searched.append(self.query_text)
        real(self, *args, **kwargs)

    monkeypatch.setattr(MainScreen, "_reselect", spy)
    return searched


async def keys_in_one_read(h: Any, text: str) -> None:
    """Queue a key per character before the app handles any (as one terminal read)."""
    from textual import events

    for ch in text:
        key = events.Key(ch, ch)
        key.set_sender(h.app)
        h.app._driver.send_message(key)
    await h.pilot.pause()
    await h.pilot.pause()
