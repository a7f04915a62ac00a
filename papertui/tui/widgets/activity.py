"""A one-line progress display for background jobs (import, loading abstracts)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import ProgressBar, Static

from papertui.tui.models import ActivityModel

__all__ = ["ActivityBar"]


class ActivityBar(Horizontal):
    """Hidden when idle; shows a label and a progress bar while a job runs."""

    DEFAULT_CSS = """
    ActivityBar {
        height: 1;
        display: none;
        background: $boost;
        padding: 0 1;
        &.-busy { display: block; }
        & > #activity-label { width: auto; max-width: 60%; margin-right: 1; }
        & > ProgressBar { width: 1fr; }
        & > ProgressBar > Bar { width: 1fr; }
    }
    """

    model: reactive[ActivityModel | None] = reactive[ActivityModel | None](None)
    """The job to show, or None."""

    def compose(self) -> ComposeResult:
        """Label and bar."""
        yield Static(Content(""), id="activity-label")
        yield ProgressBar(show_eta=False, show_percentage=False, id="activity-progress")

    def watch_model(self, model: ActivityModel | None) -> None:
        """Show the job's progress, or hide."""
        self.set_class(model is not None, "-busy")
        if model is None or not self.is_mounted:
            return
        label = model.label
        if model.total:
            label = f"{label} {model.done}/{model.total}"
        self.query_one("#activity-label", Static).update(Content(label))
        self.query_one(ProgressBar).update(total=model.total, progress=model.done)

    def on_mount(self) -> None:
        """Apply a model set before mounting."""
        self.watch_model(self.model)
