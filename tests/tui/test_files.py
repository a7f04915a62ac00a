"""Welcome screen, import, export and links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from papertui.library import Library
from papertui.tui.screens.main import MainScreen
from papertui.tui.screens.welcome import WelcomeScreen


async def test_empty_library_welcome_loads_samples(isolated_data_dir: Path, run_app: Any) -> None:
    lib = Library.open(isolated_data_dir)
    try:
        async with run_app(lib) as h:
            assert isinstance(h.app.screen, WelcomeScreen)
            text = h.text()
            assert "papertui import PATH" in text and "sample" in text
            await h.press("l")
            await h.wait_for(lambda: isinstance(h.app.screen, MainScreen))
            await h.wait_for(lambda: len(h.screen.rows) > 0)  # the import's rows arrive next
            total = len(lib)
            assert total > 200
            assert len(h.screen.rows) == total
            assert any(f"{total} papers: {total} new" in m for m in h.messages())
        reopened = Library.open(isolated_data_dir, readonly=True)
        assert len(reopened) == total
    finally:
        lib.close()


async def test_welcome_import_prompt(
    isolated_data_dir: Path, markup_page: Path, run_app: Any
) -> None:
    lib = Library.open(isolated_data_dir)
    try:
        async with run_app(lib) as h:
            await h.press("i")
            h.app.screen.query_one(Input).value = str(markup_page)
            await h.press("enter")
            await h.wait_for(lambda: isinstance(h.app.screen, MainScreen))
            assert len(lib) == 2
    finally:
        lib.close()


async def test_welcome_readonly_cannot_import(isolated_data_dir: Path, run_app: Any) -> None:
    Library.open(isolated_data_dir).close()
    lib = Library.open(isolated_data_dir, readonly=True)
    async with run_app(lib, readonly_reason="Read-only: in use elsewhere") as h:
        assert isinstance(h.app.screen, WelcomeScreen)
        assert "in use elsewhere" in h.text()
        await h.press("l")
        assert len(lib) == 0
        assert isinstance(h.app.screen, WelcomeScreen)


async def test_import_prompt_runs_in_worker(
    library: Library, seeded_dir: Path, markup_page: Path, run_app: Any
) -> None:
    before = len(library)
    async with run_app(library) as h:
        await h.press("i")
        field = h.app.screen.query_one(Input)
        field.value = str(markup_page.parent)  # a folder of pages
        await h.press("enter")
        await h.wait_for(lambda: len(library) == before + 2 and h.screen.activity is None)
        await h.pilot.pause()
        assert any(m.startswith("2 papers: 2 new") for m in h.messages())
        assert h.screen.sidebar.counts["all"] == before + 2
    assert len(Library.open(seeded_dir, readonly=True)) == before + 2


async def test_import_of_missing_path_reports_failure(
    library: Library, tmp_path: Path, run_app: Any
) -> None:
    before = len(library)
    async with run_app(library) as h:
        await h.press("i")
        h.app.screen.query_one(Input).value = str(tmp_path / "nope.txt")
        await h.press("enter")
        await h.wait_for(lambda: any("no such file" in m for m in h.messages()))
        assert h.notes[-1].severity == "warning"
        assert len(library) == before


async def test_triage_during_an_import_is_saved_and_shown_after_it(
    library: Library, markup_page: Path, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from papertui.tui.flows import background as background_module
    from papertui.tui.jobs import run_import

    release = threading.Event()

    def slow_import(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return run_import(*args, **kwargs)

    monkeypatch.setattr(background_module, "run_import_job", slow_import)
    before = len(library)
    async with run_app(library) as h:
        h.screen.start_import([str(markup_page)])
        await h.pilot.pause()
        assert h.screen.activity is not None  # progress is shown
        h.screen.start_import([str(markup_page)])
        assert "already running" in h.messages()[-1]
        pid = h.screen.highlighted
        assert pid is not None
        await h.press("s")
        assert library.state(pid).starred  # saved at once
        assert h.screen.rows.index_of(pid) is not None  # the view is refreshed later
        release.set()
        await h.wait_for(lambda: h.screen.activity is None)
        await h.pilot.pause()
        assert len(library) == before + 2
        assert h.screen.rows.index_of(pid) is None
        assert h.screen.sidebar.counts["queue"] == 1


async def test_create_sample_app_for_snapshots(tmp_path: Path) -> None:
    from papertui.tui.app import create_sample_app

    app = create_sample_app(tmp_path / "lib")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert len(app.screen.rows) > 200
        assert "demo library" in str(app.screen.sub_title)
    # The app closed the library: it can be opened for writing again.
    Library.open(tmp_path / "lib").close()


async def test_import_of_text_that_is_no_page_offers_the_choice(
    library: Library, tmp_path: Path, run_app: Any
) -> None:
    from textual.widgets import Button

    from papertui.tui.screens.prompts import ImportAnywayPrompt

    notes = tmp_path / "notes.txt"
    notes.write_text("My reading notes\n\nSome long line of thoughts about what to read next.\n")
    before = len(library)
    async with run_app(library) as h:
        for choice, grows in (("#import-not", 0), ("#import-anyway", 1)):
            await h.press("i")
            h.app.screen.query_one(Input).value = str(notes)
            await h.press("enter")
            await h.wait_for(lambda: isinstance(h.app.screen, ImportAnywayPrompt))
            assert "notes.txt" in h.text() and "Import anyway" in h.text()
            assert isinstance(h.app.focused, Button) and h.app.focused.id == "import-not"
            h.app.screen.query_one(choice, Button).press()
            await h.wait_for(lambda: not isinstance(h.app.screen, ImportAnywayPrompt))
            await h.wait_for(lambda: h.screen.activity is None)
            await h.pilot.pause()
            assert len(library) == before + grows
        assert any("does not look like a Daily Papers page" in m for m in h.messages())
        assert any(m.startswith("1 paper: 1 new") for m in h.messages())
        assert not any("--force" in m for m in h.messages())
