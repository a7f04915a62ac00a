"""Regenerate the SVG screenshots in ``screenshots/`` (the README shows ``main.svg``).

Run from anywhere::

    .venv/bin/python scripts/screenshots.py [--out DIR]

It builds a throwaway library from the bundled sample pages in a temporary folder (with
``PAPERTUI_DATA_DIR`` pointing there too, so your own library is never opened), drives the
real app with Textual's pilot the way a user would (keys only), and saves:

- ``main.svg`` (120x36): the All view with papers queued (★), read (✓) and tagged, the
  sidebar's counts and tags, the detail of the highlighted paper;
- ``detail.svg`` (120x36): a search, its word highlighted in the abstract, the paper's
  code and project links;
- ``help.svg`` (120x36): the help screen (``?``);
- ``reader.svg`` (120x36): the full-screen reader (``z``) on a paper with links;
- ``links.svg`` (120x36): the link picker (``L``) on the same paper;
- ``narrow.svg`` (80x24): the stacked layout of a small terminal, in the Queue view.

The pictures are deterministic: the same sample pages (copied with a fixed modification
time, from which the parser takes the year of the pages that show none), the same keys,
every background job finished, notifications cleared and the text cursor's blink stopped
before each picture. Running the script twice writes identical files.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from papertui.importer import import_samples
from papertui.library import Library
from papertui.tui.app import PaperApp, create_sample_app
from papertui.tui.screens.main import MainScreen

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"


def _seed(root: Path) -> None:
    """Import the sample pages into a new library in ``root`` (dated as saved)."""
    with Library.open(root) as library:
        import_samples(library)


Scene = Callable[[Pilot[None]], Awaitable[None]]


async def _wait(pilot: Pilot[None], predicate: Callable[[], bool], timeout: float = 20) -> None:
    """Pause until ``predicate()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise RuntimeError("the app did not settle")
        await pilot.pause(0.02)


async def _settle(pilot: Pilot[None]) -> None:
    """Wait for background jobs; clear notifications; stop the cursor blinking."""
    app = pilot.app
    assert isinstance(app, PaperApp)
    main = app.screen_stack[0]
    assert isinstance(main, MainScreen)
    await _wait(pilot, lambda: app.library.abstracts_loaded and main.activity is None)
    await app.workers.wait_for_complete()
    for widget in app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False
    app.clear_notifications()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def _press(pilot: Pilot[None], *keys: str) -> None:
    """Press keys, letting the app handle each one."""
    for key in keys:
        await pilot.press(key)
        await pilot.pause()


async def _triage(pilot: Pilot[None]) -> None:
    """All view; queue, read and tag a few papers with the keys."""
    await _press(pilot, "4", "g")
    await _press(pilot, "s", "t", *"vision", "enter")  # row 1: queued, #vision
    await _press(pilot, "j", "r")  # row 2: read
    await _press(pilot, "j", "s", "t", *"vision video", "enter")  # row 3
    await _press(pilot, "j", "j", "s", "r", "t", *"to-read", "enter")  # row 5: queued+read
    await _press(pilot, "j", "t", *"video", "enter")  # row 6
    await _press(pilot, "j", "j", "r")  # row 8: read


async def main_scene(pilot: Pilot[None]) -> None:
    """The All view after some triage, cursor back on a queued, tagged paper."""
    await _triage(pilot)
    await _press(pilot, "g", "j", "j")


async def detail_scene(pilot: Pilot[None]) -> None:
    """A search; the detail pane focused and scrolled to the links."""
    await _press(pilot, "slash", *"has:code has:project song", "enter")
    await _settle(pilot)
    await _press(pilot, "enter", "end")


async def help_scene(pilot: Pilot[None]) -> None:
    """The key table."""
    await _press(pilot, "question_mark")


async def reader_scene(pilot: Pilot[None]) -> None:
    """The reader (z) on SongGen: its links, then the abstract at full width."""
    await _press(pilot, "slash", *"songgen", "enter")
    await _settle(pilot)
    await _press(pilot, "z")


async def links_scene(pilot: Pilot[None]) -> None:
    """The link picker (L) on SongGen: the paper, code and project links."""
    await _press(pilot, "slash", *"songgen", "enter")
    await _settle(pilot)
    await _press(pilot, "L")


async def narrow_scene(pilot: Pilot[None]) -> None:
    """80x24: the Queue view after some triage."""
    await _triage(pilot)
    await _press(pilot, "2", "g")


SCENES: dict[str, tuple[tuple[int, int], Scene]] = {
    "main.svg": ((120, 36), main_scene),
    "detail.svg": ((120, 36), detail_scene),
    "help.svg": ((120, 36), help_scene),
    "reader.svg": ((120, 36), reader_scene),
    "links.svg": ((120, 36), links_scene),
    "narrow.svg": ((80, 24), narrow_scene),
}
"""File name -> terminal size and what to do before the picture."""


async def shoot(name: str, size: tuple[int, int], scene: Scene, out: Path, work: Path) -> Path:
    """Run the app on a fresh sample library, play ``scene``, save ``out/name``."""
    root = work / name.removesuffix(".svg") / "library"
    _seed(root)
    app = create_sample_app(root)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await _settle(pilot)
        await scene(pilot)
        await _settle(pilot)
        app.save_screenshot(name, str(out))
    return out / name


def main(argv: list[str] | None = None) -> int:
    """Write every screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder (default {OUT})")
    parser.add_argument("names", nargs="*", help=f"only these files ({', '.join(SCENES)})")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in SCENES]
    if unknown:
        parser.error(f"unknown screenshot {unknown[0]!r} (choose from {', '.join(SCENES)})")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="papertui-shots-") as tmp:
        work = Path(tmp)
        os.environ["PAPERTUI_DATA_DIR"] = str(work / "data")  # never the real library
        os.environ["PAPERTUI_CONFIG"] = str(work / "config.toml")  # nor the real settings
        for name in args.names or SCENES:
            size, scene = SCENES[name]
            path = asyncio.run(shoot(name, size, scene, out, work))
            print(f"wrote {path} ({size[0]}x{size[1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
