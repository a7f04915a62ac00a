"""Snapshot tests: SVG pictures of the app, compared with the accepted ones in __snapshots__.

After a deliberate change to the look of the app, look at the report of the failing tests,
then accept the new pictures with ``python -m pytest tests/snapshots --snapshot-update``
(and look at the SVGs in ``__snapshots__/test_snapshots/`` before committing them).

Every test drives the app from its ``run_before`` and ends with :func:`settle`, which waits
for the abstract-loading worker and freezes what moves (see ``snapshot_app.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from snapshot_app import SONGGEN, sample_app, settle, wait_until
from textual.pilot import Pilot

from papertui.tui.screens.main import MainScreen
from papertui.tui.screens.reader import ReaderScreen
from papertui.tui.widgets import DetailPane, PaperList

Snap = Callable[..., bool]


async def _all_view(pilot: Pilot[Any]) -> None:
    """The All view (read and queued papers show their glyphs there), cursor on the top row.

    The cursor stays on the paper it was on in the Inbox (the 4th row of All), hence ``g``.
    """
    await settle(pilot)
    await pilot.press("4", "g")
    await settle(pilot)


def test_main_screen(snap_compare: Snap, library_root: Path) -> None:
    """Wide layout, All view: the sidebar with counts and tags, the list with queued (★),
    read (✓, dimmed) and code (⌨) glyphs, upvotes and dates, the detail of the first paper
    (queued, tagged)."""
    app = sample_app(library_root, triage=True)
    assert snap_compare(app, terminal_size=(120, 36), run_before=_all_view)


def test_detail_with_links_and_search(snap_compare: Snap, library_root: Path) -> None:
    """A search for "song" among papers with code and project links: one paper (SongGen);
    the detail pane has focus and is scrolled to its end: the abstract with "song"
    highlighted, then the code and project links."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("slash", *"has:code has:project song", "enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        assert list(screen.rows.ids) == [SONGGEN]
        await pilot.press("enter", "end")  # focus the detail pane, scroll to the links
        await settle(pilot)
        detail = pilot.app.focused
        assert isinstance(detail, DetailPane)
        assert detail.scroll_y == detail.max_scroll_y > 0

    app = sample_app(library_root)
    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_help_screen(snap_compare: Snap, library_root: Path) -> None:
    """The help screen (?): the intro and the first key tables."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    app = sample_app(library_root)
    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_tag_prompt_with_completion(snap_compare: Snap, library_root: Path) -> None:
    """The tag prompt (t) on a paper tagged #vision and #video: its title and current tags,
    "vi" typed and the completion "vision" dimmed after the cursor."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await _all_view(pilot)
        await pilot.press(*"jjjjj", "t", "v", "i")  # the 6th row of All: #vision #video
        await settle(pilot, suggestion=True)

    app = sample_app(library_root, triage=True)
    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_welcome_screen(snap_compare: Snap, library_root: Path) -> None:
    """An empty library: the welcome screen with its three buttons."""
    app = sample_app(library_root, samples=False)
    assert snap_compare(app, terminal_size=(120, 36), run_before=settle)


def test_narrow_terminal(snap_compare: Snap, library_root: Path) -> None:
    """50x15: short and narrow, no header, no sidebar, no detail pane: the list alone."""
    app = sample_app(library_root, triage=True)
    assert snap_compare(app, terminal_size=(50, 15), run_before=_all_view)


def test_80x24(snap_compare: Snap, library_root: Path) -> None:
    """80x24: the medium layout: the sidebar, the list above the detail pane."""
    app = sample_app(library_root, triage=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_all_view)


async def _reader(pilot: Pilot[Any]) -> None:
    """The reader on SongGen (a paper with a code and a project link)."""
    await settle(pilot)
    await pilot.press("slash", *"songgen", "enter", "z")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReaderScreen)
    model = screen.pane.model
    assert model is not None and model.paper.id == SONGGEN


def test_reader_120x36(snap_compare: Snap, library_root: Path) -> None:
    """The reader (z) at 120x36: title, metadata, the paper/code/project links, then the
    abstract at full width with "songgen" highlighted."""
    app = sample_app(library_root)
    assert snap_compare(app, terminal_size=(120, 36), run_before=_reader)


def test_reader_80x24(snap_compare: Snap, library_root: Path) -> None:
    """The reader at 80x24: the abstract fills the screen below the links."""
    app = sample_app(library_root)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_reader)


def test_list_120x36(snap_compare: Snap, library_root: Path) -> None:
    """The list at 120x36 (All view): titles get 60+ characters, short and long tags show
    after them, the detail pane below the list at full width."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await _all_view(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        papers = screen.query_one(PaperList)
        lib, rows = screen.library, screen.rows
        long = [
            (y, lib.title(rows.id_at(y)))
            for y in range(papers.scrollable_content_region.height)
            if len(lib.title(rows.id_at(y))) > 60 and not lib.state(rows.id_at(y)).tags
        ]
        assert long
        for y, title in long:
            assert title[:60] in papers.render_line(y).text
        assert "#3d" in papers.render_line(7).text  # a short tag shows too

    app = sample_app(library_root, triage=True)
    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


THREE_D = ("4ce64dd5f3ca", "7fa8b7856e3e", "f610c6628f26")
"""Three 3D-generation sample papers (Hunyuan3D 2.0, TripoSG, MeshCraft)."""


def test_inbox_sorted_by_relevance(snap_compare: Snap, library_root: Path) -> None:
    """Three 3D papers starred: the Inbox is sorted by relevance by itself (the header says
    so), other 3D generation papers first; the detail pane's why line names what the top
    paper shares with them."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        await wait_until(pilot, lambda: "by relevance" in str(screen.sub_title))
        await settle(pilot)
        top = [pilot.app.library.title(p) for p in list(screen.rows.ids)[:3]]
        assert all("3D" in t for t in top), top
        assert screen.detail is not None and screen.detail.why

    app = sample_app(library_root)
    app.library.set_starred(THREE_D, True)
    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)
