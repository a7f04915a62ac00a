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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._label_width = -1
        """Cells of the label shown (-1: none yet)."""

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
            # The count padded to the total's width: the label keeps its width while the
            # job advances, so a step repaints this line without laying the screen out
            # (a layout repaints every widget: tens of milliseconds at each of a loader's
            # steps, which the keys typed meanwhile waited for).
            label = f"{label} {model.done:>{len(str(model.total))}}/{model.total}"
        content = Content(label)
        same_width = content.cell_length == self._label_width
        self._label_width = content.cell_length
        self.query_one("#activity-label", Static).update(content, layout=not same_width)
        self.query_one(ProgressBar).update(total=model.total, progress=model.done)

    def on_mount(self) -> None:
        """Apply a model set before mounting."""
        self.watch_model(self.model)
