"""Fixtures for driving the app with Textual's pilot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from papertui.library import Library
from papertui.tui.app import PaperApp, create_app
from papertui.tui.screens.main import MainScreen

MARKUP_PAGE = """new

Daily Papers

byAK and the research community

Dec 12

Tokens [nextline] and [/] meet [@click=app.quit]quit[/] in titles

Learnable placeholders such as [nextline] and [nextframe] tokens. A stray [/] closes nothing \
and [@click=app.quit]this[/] is not a link. Code at https://github.com/example/markup-test.

  • 3 authors
·
Oct 9, 2024 12

A plain second paper about diffusion

This abstract is ordinary text about diffusion models.

  • 2 authors
·
Oct 8, 2024 3
"""
"""A page whose title and abstract look like Textual/Rich markup."""


@dataclass
class Note:
    """One notification the app showed."""

    message: str
    title: str
    severity: str
    markup: bool


@dataclass
class Harness:
    """A running app with its pilot and the notifications it showed."""

    app: PaperApp
    pilot: Pilot[None]
    notes: list[Note]

    @property
    def screen(self) -> MainScreen:
        """The main screen (the base of the stack)."""
        screen = self.app.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    @property
    def lib(self) -> Library:
        """The app's library."""
        return self.app.library

    async def press(self, *keys: str) -> None:
        """Press keys and let the app settle."""
        await self.pilot.press(*keys)
        await self.pilot.pause()

    async def fill(self, text: str, typed: int = 2) -> None:
        """Put ``text`` in the focused input: the first ``typed`` characters as key presses,
        the rest pasted (typing every character makes tests slow)."""
        from textual.widgets import Input, TextArea

        keys = text[:typed]
        await self.pilot.press(*keys)
        focused = self.app.focused
        rest = text[typed:]
        if isinstance(focused, Input):
            focused.insert_text_at_cursor(rest)
        elif isinstance(focused, TextArea):
            focused.insert(rest)
        else:  # pragma: no cover - a test bug
            raise AssertionError(f"cannot fill {focused!r}")
        await self.pilot.pause()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Pause until ``predicate()`` holds (workers run in threads)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise AssertionError("timed out waiting for the app")
            await self.pilot.pause(0.02)

    def text(self) -> str:
        """Everything on screen, as plain text (one line per terminal row)."""
        strips = self.app.screen._compositor.render_strips()
        return "\n".join(strip.text for strip in strips)

    async def detail_end(self) -> str:
        """The screen text with the detail pane scrolled to its end (notes, links)."""
        from papertui.tui.widgets import DetailPane

        self.app.screen.query_one(DetailPane).scroll_end(animate=False, immediate=True)
        await self.pilot.pause()
        return self.text()

    def messages(self) -> list[str]:
        """The notification messages so far."""
        return [n.message for n in self.notes]


@asynccontextmanager
async def _running(
    library: Library,
    size: tuple[int, int] = (120, 36),
    *,
    wait_abstracts: bool = True,
    **kwargs: Any,
) -> AsyncIterator[Harness]:
    app = create_app(library, **kwargs)
    notes: list[Note] = []
    original = app.notify

    def notify(
        message: str,
        *,
        title: str = "",
        severity: str = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        notes.append(Note(message, title, severity, markup))
        original(message, title=title, severity=severity, timeout=timeout, markup=markup)  # type: ignore[arg-type]

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        harness = Harness(app, pilot, notes)
        if wait_abstracts and len(library):
            await harness.wait_for(lambda: library.abstracts_loaded)
            await pilot.pause()
        yield harness


@pytest.fixture
def run_app() -> Callable[..., Any]:
    """``async with run_app(library, size=(w, h), readonly_reason=..., demo=...) as h:``."""
    return _running


@pytest.fixture
def markup_page(tmp_path: Path) -> Path:
    """A page file whose text looks like markup."""
    path = tmp_path / "pages" / "markup.txt"
    path.parent.mkdir()
    path.write_text(MARKUP_PAGE, encoding="utf-8")
    return path
