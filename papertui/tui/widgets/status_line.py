"""The status line: one line under the list for routine confirmations ("Queued: …").

Errors still pop up as toasts; everything else lands here, so a burst of actions updates
one line instead of stacking boxes: a message identical to the one showing is counted
(``Nothing to undo ×8``) rather than repeated, and a newer message replaces an older one.
"""

from __future__ import annotations

from time import monotonic

from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

__all__ = ["StatusLine"]

STATUS_SECONDS = 6.0
"""How long a message stays before the line empties."""


class StatusLine(Static):
    """Shows the latest message (plain text: messages quote titles, which are data)."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        &.-warning { color: $text-warning; text-style: bold; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        """An empty line."""
        super().__init__(Content(""), id=id, markup=False)
        self.message = ""
        """The message showing ("" when empty)."""
        self.repeats = 0
        """How many times in a row :attr:`message` was shown (while it stayed up)."""
        self._shown_at = 0.0
        self._timer: Timer | None = None

    def show(self, message: str, severity: str = "information") -> None:
        """Show ``message`` (its lines joined); the same message again counts up."""
        text = " · ".join(line.strip() for line in message.splitlines() if line.strip())
        if text == self.message and monotonic() - self._shown_at < STATUS_SECONDS:
            self.repeats += 1
        else:
            self.message, self.repeats = text, 1
        self._shown_at = monotonic()
        shown = text if self.repeats == 1 else f"{text} ×{self.repeats}"
        self.update(Content(shown), layout=False)  # one line, fixed: no layout pass
        self.set_class(severity != "information", "-warning")
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(STATUS_SECONDS, self.clear_message)

    def clear_message(self) -> None:
        """Empty the line."""
        self.message, self.repeats = "", 0
        self.update(Content(""), layout=False)
        self.remove_class("-warning")
