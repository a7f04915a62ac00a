"""The app builds the word index of a big library in the background and searches with it."""

from __future__ import annotations

from typing import Any

import pytest

import papertui.tui.flows.background as background
from papertui.library import INDEX_FILE, Library


@pytest.fixture
def big_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat the 257 sample papers as a big library (the app indexes from 5,000)."""
    monkeypatch.setattr(background, "INDEX_MIN_PAPERS", 100)


async def test_a_big_library_is_indexed_in_the_background_then_searched_with_it(
    library: Library, run_app: Any, big_enough: None
) -> None:
    assert not (library.root / INDEX_FILE).exists()
    async with run_app(library) as h:
        await h.wait_for(lambda: library.search_index_status().complete, timeout=60)
        await h.wait_for(lambda: h.screen.activity is None)
        assert (library.root / INDEX_FILE).exists()
        await h.press("4", "slash")
        await h.fill("diffusion")
        ids = list(h.screen.rows.ids)
        truth = [
            p
            for p in library.sorted_ids("date")
            if "diffusion" in (library.title(p) + "\n" + library.abstract(p)).casefold()
        ]
        assert ids == truth
        assert not [n for n in h.notes if n.severity != "information"]


async def test_a_small_library_is_not_indexed(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.pilot.pause(0.3)
        assert h.screen.activity is None
    assert not (library.root / INDEX_FILE).exists()
    assert library.search_index_status().covered == 0


async def test_an_up_to_date_index_is_used_without_rebuilding(
    library: Library, run_app: Any, big_enough: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    library.build_search_index()
    built = (library.root / INDEX_FILE).stat().st_mtime_ns

    def no_build(*_args: object) -> str:
        raise AssertionError("rebuilt an index that was up to date")

    monkeypatch.setattr(background, "build_search_index", no_build)
    async with run_app(library) as h:
        await h.wait_for(lambda: library.search_index_status().complete)
    assert (library.root / INDEX_FILE).stat().st_mtime_ns == built


async def test_papers_imported_in_the_app_are_indexed_afterwards(
    library: Library, run_app: Any, big_enough: None, tmp_path: Any
) -> None:
    library.build_search_index()
    page = tmp_path / "page.txt"
    page.write_text(
        "Daily Papers\n\nDec 12\n\nZanzibarformer: a new paper\n\nAbout zanzibar.\n\n"
        "  • 2 authors\n·\nOct 9, 2024 3\n"
    )
    async with run_app(library) as h:
        await h.wait_for(lambda: library.search_index_status().complete)
        h.screen.background.start_import([str(page)])
        await h.wait_for(lambda: len(library) == 258)
        await h.wait_for(lambda: library.search_index_status().complete, timeout=60)
        assert library.search_index_status().total == 258
        await h.press("4", "slash")
        await h.fill("zanzibar")
        assert [library.title(p) for p in h.screen.rows.ids] == ["Zanzibarformer: a new paper"]


async def test_a_failed_build_warns_and_search_still_works(
    library: Library, run_app: Any, big_enough: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(background, "build_search_index", lambda *_a: "disk full")
    async with run_app(library) as h:
        await h.wait_for(lambda: any("search index" in m for m in h.messages()))
        assert h.messages()[-1] == (
            "Could not build the search index (disk full); searching still works, only slower."
        )
        await h.press("4", "slash")
        await h.fill("diffusion")
        assert len(h.screen.rows) > 0
        assert library.search_index_status().covered == 0


async def test_a_read_only_app_leaves_building_to_the_writer(
    library: Library, run_app: Any, big_enough: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_build(*_args: object) -> str:
        raise AssertionError("a read-only app built the index")

    monkeypatch.setattr(background, "build_search_index", no_build)
    async with run_app(library, readonly_reason="Read-only: another papertui has it") as h:
        await h.pilot.pause(0.5)
        assert h.screen.activity is None
        assert not [m for m in h.messages() if "search index" in m]
        await h.press("4", "slash")
        await h.fill("diffusion")
        assert len(h.screen.rows) > 0
    assert not (library.root / INDEX_FILE).exists()


async def test_the_long_lived_parts_are_frozen_once_in(
    library: Library, run_app: Any, big_enough: None
) -> None:
    """Texts, index and bitmaps in, the garbage collector no longer walks them (at 100k
    papers a full collection costs 20-30 ms in the middle of a key)."""
    import gc

    gc.collect()
    gc.freeze()  # as papertui's launch does (cli.py)
    try:
        async with run_app(library) as h:
            await h.wait_for(lambda: library.search_index_status().complete, timeout=60)
            await h.wait_for(lambda: h.screen.activity is None)
            made = library.views._row_hays  # a list made by the index worker: tracked
            assert made and gc.is_tracked(made)
            assert not any(o is made for o in gc.get_objects())  # frozen: in no generation
    finally:
        gc.unfreeze()


def test_loaders_run_with_the_collector_paused_until_the_last_one_ends() -> None:
    """A full collection in the first seconds walked every object the loaders made (40-120
    ms holding the GIL, the event loop waiting): none runs while a loader does, and what
    they made is frozen before the collector runs again."""
    import gc

    gc.collect()
    gc.freeze()  # as papertui's launch does (cli.py)
    try:
        first, second = background.loading(), background.loading()
        first.__enter__()
        assert not gc.isenabled()
        second.__enter__()
        made = [[]]  # a container: tracked by the collector
        first.__exit__(None, None, None)
        assert not gc.isenabled()  # the other loader still runs
        assert any(o is made for o in gc.get_objects())
        second.__exit__(None, None, None)
        assert gc.isenabled()
        assert not any(o is made for o in gc.get_objects())  # frozen
        gc.disable()  # paused by someone else (a build): left paused
        with background.loading():
            pass
        assert not gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_host_that_manages_its_collector_is_left_alone() -> None:
    import gc

    assert not gc.get_freeze_count() and gc.isenabled()
    with background.loading():
        assert gc.isenabled()
    assert not gc.get_freeze_count()
