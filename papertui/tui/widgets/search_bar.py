"""The search bar: a one-line query input and, when needed, a status line under it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.timer import Timer
from textual.widgets import Input, Static

from papertui.tui.bindings import SEARCH_BINDINGS

__all__ = ["SearchBar"]

PLACEHOLDER = '/ search: words "a phrase" -not tag:x is:read has:code upvotes>10'

STATUS_LINGER = 0.3
"""Seconds the status line stays, blank, once its message went (the query typed so far
parses again: a phrase's closing quote): typing on, the list does not jump up a line, and
that keystroke repaints instead of laying out the whole screen."""


class QueryInput(Input):
    """The query input. Its scroll range changes with every character typed, and Textual's
    ``virtual_size`` reactive then lays out the whole screen; a one-line input with a fixed
    width scrolls by its own ``virtual_size`` without any layout."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


class SearchBar(Vertical):
    """Posts :class:`Changed` as the user types; the screen parses and reports back.

    The screen sets :attr:`error` (the query's one-line error; the input turns red) and
    :attr:`note` (e.g. that only titles were searched yet).
    """

    BINDINGS: ClassVar[list[BindingType]] = [*SEARCH_BINDINGS]

    DEFAULT_CSS = """
    SearchBar {
        height: auto;
        & > Input { height: 1; border: none; padding: 0 1; }
        & > Input.-invalid { background: $error 30%; }
        & > #search-status { display: none; height: auto; max-height: 2; padding: 0 1; }
        &.-status > #search-status { display: block; }
        & > #search-status.-error { color: $text-error; }
        & > #search-status.-note { color: $text-muted; }
    }
    """

    text: reactive[str] = reactive("")
    """The query text as typed (read-only for the screen: use :meth:`clear` to empty it).

    Not bound from the screen on purpose: echoing every keystroke back while the user keeps
    typing would overwrite newer characters with older text.
    """
    error: reactive[str] = reactive("")
    """The current query's error, or ""."""
    note: reactive[str] = reactive("")
    """A remark about the results, or ""."""

    _linger: Timer | None = None
    """Takes away the status line blanked when its message went (see :data:`STATUS_LINGER`)."""
    _lines = 0
    """How many lines the status line was laid out with (0: hidden; 2: two, or not sure)."""

    @dataclass
    class Changed(Message):
        """The query text changed."""

        search_bar: SearchBar
        text: str

        @property
        def control(self) -> SearchBar:
            """The search bar that sent the message."""
            return self.search_bar

    @dataclass
    class Submitted(Message):
        """Enter was pressed: the user is done typing."""

        search_bar: SearchBar

        @property
        def control(self) -> SearchBar:
            """The search bar that sent the message."""
            return self.search_bar

    @dataclass
    class Cleared(Message):
        """Escape was pressed in the search bar."""

        search_bar: SearchBar

        @property
        def control(self) -> SearchBar:
            """The search bar that sent the message."""
            return self.search_bar

    def compose(self) -> ComposeResult:
        """The input and the status line."""
        yield QueryInput(
            placeholder=PLACEHOLDER, id="search-input", compact=True, select_on_focus=False
        )
        yield Static(Content(""), id="search-status")

    @property
    def input(self) -> Input:
        """The query input."""
        return self.query_one("#search-input", Input)

    def focus_input(self) -> None:
        """Put the cursor in the query input, now.

        ``Widget.focus()`` only schedules the change, so keys already waiting (``/diff``
        typed fast, or pasted: one read from the terminal) would still reach the list and
        run its actions (``d``, ``i`` import, ``f``...). Setting focus synchronously sends
        every later key to the input.
        """
        self.screen.set_focus(self.input)

    def set_text(self, text: str) -> None:
        """Replace the query (e.g. ``like:ID`` from the ``m`` key), as if typed."""
        if self.is_mounted:
            self.input.value = text  # its watcher updates :attr:`text` and posts Changed
            self.input.cursor_position = len(text)
        else:
            self.text = text

    def clear(self) -> None:
        """Empty the query (posts :class:`Changed` with ``""`` if it was not empty)."""
        if self.is_mounted:
            self.input.value = ""
        if self.text:
            self.text = ""
            self.post_message(self.Changed(self, ""))

    def _update_status(self) -> None:
        """Show the error, else the note, else nothing (a line whose message went is blank
        until :data:`STATUS_LINGER` seconds later)."""
        if not self.is_mounted:
            return
        message = self.error or self.note
        if not message and self._lines:
            # The query parses again (a phrase's closing quote): a repaint now, the layout
            # of the screen without the line at a pause.
            self.query_one("#search-status", Static).update(Content(" "), layout=False)
            self.input.set_class(False, "-invalid")
            if self._linger is None:
                self._linger = self.set_timer(STATUS_LINGER, self._drop_status)
            return
        self._show_status(message)

    def _drop_status(self) -> None:
        """Take away the status line blanked :data:`STATUS_LINGER` seconds ago."""
        self._linger = None
        self._show_status(self.error or self.note)

    def _show_status(self, message: str) -> None:
        """Show ``message`` under the input ("": no status line). A message as many lines
        high as the one it replaces (one, most often) is only repainted: an error that
        changes with every key typed does not lay out the screen each time."""
        if self._linger is not None:
            self._linger.stop()
            self._linger = None
        status = self.query_one("#search-status", Static)
        width = status.content_size.width
        lines = 0 if not message else 1 if width > 0 and cell_len(message) <= width else 2
        status.update(Content(message), layout=lines != self._lines or lines == 2)
        self._lines = lines
        status.set_class(bool(self.error), "-error")
        status.set_class(not self.error and bool(self.note), "-note")
        self.set_class(bool(message), "-status")
        self.input.set_class(bool(self.error), "-invalid")

    def watch_error(self) -> None:
        """Show or hide the error."""
        self._update_status()

    def watch_note(self) -> None:
        """Show or hide the note."""
        self._update_status()

    def on_mount(self) -> None:
        """Apply values set before mounting."""
        self.input.value = self.text
        self._update_status()
        # Follow the input's value synchronously (a reactive watcher, not the Input.Changed
        # message): the text, and whatever watches it (the screen filters the list), is
        # updated while the key is handled, so the input and the new rows are painted in
        # the same frame. Through messages, the input was painted alone first and the list
        # waited for the next frame (Textual paces screen updates at 60 fps: 17-33 ms).
        self.watch(self.input, "value", self._value_changed, init=False)

    def _value_changed(self, value: str) -> None:
        """Every keystroke re-filters."""
        if value != self.text:
            self.text = value
            self.post_message(self.Changed(self, value))

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        """Handled by :meth:`_value_changed` (already called when this arrives, with the
        value of that moment: the message's may be older than the input's by now)."""
        event.stop()
        self._value_changed(self.input.value)

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter: done typing."""
        event.stop()
        self.post_message(self.Submitted(self))

    def action_clear(self) -> None:
        """Escape: clear the query and leave the search bar."""
        self.clear()
        self.post_message(self.Cleared(self))
