"""The app the snapshot tests photograph, and the helpers that make its pictures repeatable.

:func:`sample_app` builds the real app with
:func:`~papertui.tui.app.create_sample_app` on a throwaway folder holding the bundled sample
pages, so every run shows the same 257 papers. The header says "demo library" whatever the
folder is, so no path from the machine shows.

What could differ between two runs, and how it is frozen:

- page dates: two of the sample pages (003 and 004) show a day without a year; the
  samples are always imported with their year (:data:`papertui.paths.SAMPLE_YEAR`), never
  the files' modification time;
- the abstract-loading worker (a progress bar in the activity line): :func:`settle` waits
  until the abstracts are loaded and the activity line has gone;
- the text cursor's blink (an ``Input`` shows or hides its cursor every half second):
  :func:`settle` turns blinking off, which leaves the cursor drawn;
- notifications (toasts that disappear after a few seconds): the triage state shown is set
  through the library before the app starts, so no action is notified; :func:`settle` also
  clears any notification left;
- completions (suggestions arrive in a message after the key press): :func:`settle` waits
  for the suggestion a test asks for;
- ``added_at`` (the import time) and today's date are never shown on these screens (the
  sort is by the date seen: published, else the page's date);
- the status line: :func:`settle` empties it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from papertui.importer import import_samples
from papertui.library import Library
from papertui.tui.app import PaperApp, create_sample_app
from papertui.tui.screens.main import MainScreen

__all__ = [
    "SONGGEN",
    "TAGS",
    "sample_app",
    "seed_library",
    "settle",
    "triage_samples",
]


SONGGEN = "5c2322729b4d"
"""A sample paper with both a code and a project link (SongGen)."""

TAGS: dict[str, Sequence[int]] = {
    "vision": (0, 3, 5),
    "video": (1, 5),
    "to-read": (2,),
    "3d": (0, 7),
}
"""Tags given to papers (by row in the All view, newest first) before the app starts."""


def triage_samples(library: Library) -> None:
    """Queue, mark read and tag a few sample papers so that the list shows every glyph."""
    ids = library.select("all").ids
    library.set_starred([ids[0], ids[2], ids[4]], True)
    library.set_read([ids[1], ids[4], ids[6]], True)
    for tag, positions in TAGS.items():
        library.tag([ids[i] for i in positions], add=[tag])


def seed_library(root: Path) -> None:
    """Import the bundled sample pages into a new library in ``root`` (dated as saved)."""
    with Library.open(root) as library:
        import_samples(library)


def sample_app(root: Path, *, samples: bool = True, triage: bool = False) -> PaperApp:
    """The app on a library in ``root`` holding the sample pages (none: the welcome screen).

    With ``triage`` a few papers are queued, read and tagged first (see
    :func:`triage_samples`).
    """
    if samples:
        seed_library(root)
    app = create_sample_app(root, samples=samples)
    if triage:
        triage_samples(app.library)
    return app


async def wait_until(
    pilot: Pilot[None], predicate: Callable[[], bool], timeout: float = 10
) -> None:
    """Pause until ``predicate()`` holds (workers run in threads)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the app to settle")
        await pilot.pause(0.02)


def _main_screen(app: PaperApp) -> MainScreen | None:
    """The main screen (the bottom of the stack), if it is there."""
    screen = app.screen_stack[0] if app.screen_stack else None
    return screen if isinstance(screen, MainScreen) else None


async def settle(pilot: Pilot[None], *, suggestion: bool = False) -> None:
    """Wait for everything that moves, then stop what would keep moving.

    With ``suggestion`` also wait until the focused input shows a completion.
    """
    app = pilot.app
    assert isinstance(app, PaperApp)
    main = _main_screen(app)
    if main is not None and len(app.library):

        def loaded() -> bool:
            return app.library.abstracts_loaded and main.activity is None

        await wait_until(pilot, loaded)
    await app.workers.wait_for_complete()
    if suggestion:

        def suggested() -> bool:
            focused = app.focused
            return isinstance(focused, Input) and bool(focused._suggestion)

        await wait_until(pilot, suggested)
    for widget in app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False
    app.clear_notifications()
    if main is not None:
        from papertui.tui.widgets import StatusLine

        for line in main.query(StatusLine):
            line.clear_message()
    await pilot.pause()
