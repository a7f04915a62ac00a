"""The relevance order in the app: the Inbox's default after 3 positives, S, the why line,
m (papers like this one), and the order following each star without a key waiting."""

from __future__ import annotations

from typing import Any

from papertui.library import Library
from papertui.tui.widgets import DetailPane, SearchBar

THREE_D = ("4ce64dd5f3ca", "7fa8b7856e3e", "f610c6628f26")
"""Hunyuan3D 2.0, TripoSG, MeshCraft: 3D generation sample papers."""
SPEECH = ("edf3dd54db05", "559bffe3a59c")
"""F5-TTS and SimpleSpeech 2 (text to speech)."""


def is_3d(library: Library, pid: str) -> bool:
    return "3d" in library.title(pid).casefold() or "mesh" in library.title(pid).casefold()


async def test_inbox_turns_to_relevance_after_three_stars(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        by_date = list(h.screen.rows.ids)
        assert by_date == library.view_ids("inbox", "date")
        assert "relevance after 3 starred (0 so far)" in str(h.screen.sub_title)
        for k, pid in enumerate(THREE_D):
            h.screen._move_cursor(pid)
            await h.press("s")
            if k < 2:
                assert f"({k + 1} so far)" in str(h.screen.sub_title)
        # the third star: the new order arrives from a worker, the cursor on its top
        await h.wait_for(lambda: "by relevance" in str(h.screen.sub_title), timeout=5)
        top = [h.screen.rows.id_at(i) for i in range(5)]
        assert all(is_3d(library, p) for p in top), [library.title(p) for p in top]
        assert h.screen.highlighted == top[0]
        # the why line names what the top paper shares with the starred ones
        assert h.screen.detail is not None and h.screen.detail.why
        pane = h.screen.query_one(DetailPane).text
        why_line = next(line for line in pane.splitlines() if line.startswith("why "))
        assert "3d" in why_line


async def test_each_star_reorders_the_inbox_in_the_background(
    library: Library, run_app: Any
) -> None:
    library.set_starred(THREE_D, True)
    async with run_app(library) as h:
        await h.wait_for(lambda: "by relevance" in str(h.screen.sub_title))
        assert is_3d(library, h.screen.rows.id_at(0))
        # Tag two speech papers: positives too (tagged papers stay in the Inbox)
        for pid in SPEECH:
            h.screen._move_cursor(pid)
            await h.press("t")
            await h.fill("tts")
            await h.press("enter")
        with Library.open(library.root, readonly=True) as fresh:  # what a new process sees
            expected = fresh.view_ids("inbox", "relevance")
        assert expected[:2] == list(SPEECH[::-1])  # the tagged papers, then their kin
        await h.wait_for(lambda: list(h.screen.rows.ids) == expected, timeout=3)
        assert h.screen.highlighted == SPEECH[1]  # the cursor stayed on its paper


async def test_sort_key_picks_relevance_everywhere(library: Library, run_app: Any) -> None:
    library.set_starred(THREE_D[:1], True)
    async with run_app(library) as h:
        await h.wait_for(lambda: h.screen.relevance.ready)
        await h.press("4", "S")
        await h.press("end", "enter")  # the last choice: relevance
        assert h.screen.sort == "relevance"
        assert "by relevance" in str(h.screen.sub_title)
        assert list(h.screen.rows.ids) == library.view_ids("all", "relevance")
        assert h.screen.rows.id_at(0) == THREE_D[0]  # the starred paper itself, then its kin
        assert is_3d(library, h.screen.rows.id_at(1))
        # one positive is enough when asked for; the Inbox follows the chosen sort too
        await h.press("1")
        assert "by relevance" in str(h.screen.sub_title)
        # choosing date again, even in the Inbox with 3 positives, is kept
        library.set_starred(THREE_D, True)
        await h.press("S")
        await h.press("home", "enter")
        assert h.screen.sort == "date" and "by date" in str(h.screen.sub_title)
        assert list(h.screen.rows.ids) == library.view_ids("inbox", "date")
        assert h.screen.detail is not None and h.screen.detail.why == ()


async def test_m_shows_papers_like_this_one(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.wait_for(lambda: h.screen.relevance.ready)
        h.screen._move_cursor(THREE_D[0])
        await h.press("m")
        bar = h.screen.query_one(SearchBar)
        assert bar.text == "like:4ce64dd"
        ids = list(h.screen.rows.ids)
        assert THREE_D[0] not in ids and 0 < len(ids) <= 50
        assert [p for p, _ in library.similar(THREE_D[0], 5)] == ids[:5]
        assert sum(is_3d(library, p) for p in ids[:5]) >= 4
        # the why line says what each shares with that paper (the detail pane follows the
        # search a moment after it, as it does while typing)
        await h.wait_for(lambda: h.screen.detail is not None and bool(h.screen.detail.why))
        assert "why" in h.screen.query_one(DetailPane).text
        # triage works in it: a star takes the paper out of this Inbox search, once the
        # cursor leaves its row (decisions stay where the user looks)
        first = ids[0]
        await h.press("s")
        assert library.state(first).starred and h.screen.highlighted == first
        await h.press("j")
        assert first not in h.screen.rows.ids
        # escape goes back to the Inbox
        bar.focus_input()
        await h.press("escape")
        assert bar.text == "" and len(h.screen.rows) == library.counts()["inbox"]


async def test_like_search_errors_show_under_the_bar(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.wait_for(lambda: h.screen.relevance.ready)
        await h.press("slash")
        await h.fill("like:4ce64d", typed=11)  # a good prefix: its papers
        shown = list(h.screen.rows.ids)
        assert shown and h.screen.search_error == ""
        await h.press("backspace", "x")
        assert "bad paper id '4ce64x' in 'like:4ce64x'" in h.screen.search_error
        await h.press("backspace", *"ff")
        assert "no paper with id '4ce64ff'" in h.screen.search_error
        assert list(h.screen.rows.ids) == shown  # the last results are kept
        assert not [n for n in h.notes if "4ce64" in n.message]  # no toast per keystroke


async def test_a_star_in_a_list_not_by_relevance_makes_the_order_only_when_shown(
    library: Library, run_app: Any, monkeypatch: Any
) -> None:
    """At 100k papers a new order is tens of milliseconds of CPU: a star in a list sorted
    by date makes none; the next list that is sorted by relevance gets the fresh order."""
    library.set_starred(THREE_D, True)
    made: list[bool] = []
    refresh = library.refresh_relevance
    monkeypatch.setattr(library, "refresh_relevance", lambda: made.append(refresh()) or made[-1])
    async with run_app(library) as h:
        await h.wait_for(lambda: "by relevance" in str(h.screen.sub_title))
        await h.press("4")  # All: by date
        assert "by date" in str(h.screen.sub_title)
        made.clear()
        for pid in SPEECH:
            h.screen._move_cursor(pid)
            await h.press("t")
            await h.fill("tts")
            await h.press("enter")
        await h.pilot.pause(0.3)  # a worker, had one started, would have run by now
        assert made == []  # no list shows the order: none was made
        with Library.open(library.root, readonly=True) as fresh:
            expected = fresh.view_ids("inbox", "relevance")
        assert expected[:2] == list(SPEECH[::-1])
        await h.press("1")  # the Inbox: by relevance, with both tags counted
        await h.wait_for(lambda: list(h.screen.rows.ids) == expected, timeout=3)
        assert made  # made once a list needed it
        assert "by relevance" in str(h.screen.sub_title)
