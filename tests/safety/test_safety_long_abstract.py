"""A multi-megabyte abstract never freezes the app.

The detail pane wrapped the whole abstract on the UI thread each time the paper was shown
(2 MB: 8 s, 50 MB: over 5 minutes, in superlinear time). It now shows the first
:data:`ABSTRACT_LIMIT` characters and a line saying how long the abstract is and how to
read all of it: what it renders is bounded whatever the abstract's size. (A bound on the
work, not a timed test; ``bench/hostile_probe.py`` times it.)
"""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from papertui.library import Library
from papertui.models import ParsedPaper, Source, paper_id
from papertui.render import paper_detail
from papertui.tui.app import create_app
from papertui.tui.widgets import DetailPane
from papertui.tui.widgets.detail import ABSTRACT_LIMIT

TITLE = "A Paper With A Two Megabyte Abstract"


def big_abstract(size: int) -> str:
    words = [
        "diffusion",
        "models",
        "learn",
        "to",
        "denoise",
        "images",
        "step",
        "by",
        "step",
        "while",
        "attention",
    ]
    text = " ".join(words[i % len(words)] for i in range(size // 6))
    return text[:size] + " THE-VERY-END"


async def test_a_2_megabyte_abstract_renders_bounded_and_the_app_stays_responsive(
    seeded_dir: Path,
) -> None:
    abstract = big_abstract(2_000_000)
    lib = Library.open(seeded_dir)
    try:
        lib.import_entries(
            [ParsedPaper(TITLE, abstract, Source("big.txt", None), 1, published=None)]
        )
        pid = paper_id(TITLE)
        lib.set_starred([pid], True)  # alone in the queue: the detail pane shows it
        app = create_app(lib)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("2")
            await pilot.pause()
            pane = app.screen.query_one(DetailPane)
            text = pane.text
            flat = " ".join(text.split())
            assert TITLE in flat
            assert "diffusion models learn to denoise" in flat
            assert "THE-VERY-END" not in flat  # cut for display...
            assert f"(the abstract is {len(abstract):,} characters: the first " in flat
            assert f"papertui show {pid[:7]} prints it all)" in flat
            # ... so what is rendered is bounded by the limit, not by the abstract.
            assert pane.virtual_size.height < ABSTRACT_LIMIT // 20  # ~570 lines 35 wide
            # Responsive: the next keys are handled (focus the detail pane and scroll it,
            # search and come back) with the big paper shown.
            await pilot.press("enter", "j", "j", "escape", "4", "2")
            await pilot.pause()
            assert app.is_running
            assert app.screen.query_one(DetailPane).text == text
    finally:
        lib.close()


def test_show_still_prints_the_whole_abstract(seeded_dir: Path) -> None:
    lib = Library.open(seeded_dir, readonly=True)
    try:
        pid = lib.ids[0]
        abstract = big_abstract(50_000)
        console = Console(width=100, file=io.StringIO(), record=True)
        console.print(paper_detail(lib.paper(pid), lib.state(pid), abstract))
        shown = console.export_text()
        assert "THE-VERY-END" in shown and "characters: the first" not in shown
    finally:
        lib.close()
