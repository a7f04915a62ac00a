"""The welcome screen, shown on an empty library: how to import, or load the samples."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Static

from papertui.library import Library
from papertui.tui.bindings import WELCOME_BINDINGS
from papertui.tui.jobs import ImportSummary, describe_error, run_import
from papertui.tui.models import ActivityModel
from papertui.tui.screens.prompts import ImportAnywayPrompt, ImportPrompt
from papertui.tui.widgets import ActivityBar

__all__ = ["WelcomeScreen"]


class WelcomeScreen(Screen[ImportSummary | None]):
    """Explains how to get papers in; dismisses with the import's summary once there are
    papers."""

    BINDINGS: ClassVar[list[BindingType]] = [*WELCOME_BINDINGS]

    class Progress(Message):
        """Import progress (posted from the worker thread)."""

        def __init__(self, done: int, total: int) -> None:
            """``done`` of ``total`` files read."""
            super().__init__()
            self.done = done
            self.total = total

    class Finished(Message):
        """The import ended (posted from the worker thread)."""

        def __init__(self, summary: ImportSummary | None, error: str | None) -> None:
            """The summary, or the error that stopped it."""
            super().__init__()
            self.summary = summary
            self.error = error

    def __init__(self, library: Library, location: str, readonly_reason: str | None) -> None:
        """Welcome the user to ``library`` (named ``location``)."""
        super().__init__()
        self.library = library
        self.location = location
        self.readonly_reason = readonly_reason

    def compose(self) -> ComposeResult:
        """The explanation and three buttons."""
        yield Header()
        with Center(id="welcome-center"), Vertical(id="welcome-box"):
            yield Static(Content("Welcome to papertui"), id="welcome-title")
            yield Static(
                Content.assemble(
                    "Your library is empty (",
                    (self.location, "bold"),
                    ").\n\nImport Hugging Face Daily Papers pages saved as text:\n"
                    "  • from a shell:  ",
                    ("papertui import PATH", "bold"),
                    "\n  • right here:    press ",
                    ("i", "bold"),
                    " and type a file or folder\n\n"
                    "Or load the bundled sample pages to try things out (",
                    ("l", "bold"),
                    ").",
                ),
                id="welcome-text",
            )
            if self.readonly_reason:
                yield Static(
                    Content(f"{self.readonly_reason}\nNothing can be imported right now."),
                    id="welcome-readonly",
                )
            with Horizontal(id="welcome-buttons"):
                yield Button(
                    "Load sample pages",
                    id="load-samples",
                    variant="primary",
                    disabled=self.readonly_reason is not None,
                )
                yield Button(
                    "Import…", id="import-pages", disabled=self.readonly_reason is not None
                )
                yield Button("Quit", id="quit")
        yield ActivityBar(id="welcome-activity")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Focus the sample button."""
        self.title = "papertui"
        self.sub_title = self.location
        button = self.query_one("#load-samples", Button)
        if not button.disabled:
            button.focus()

    @on(Button.Pressed, "#load-samples")
    def action_load_samples(self) -> None:
        """Import the bundled sample pages."""
        from papertui.paths import SAMPLE_YEAR, sample_pages_dir

        self._start([str(sample_pages_dir())], year=SAMPLE_YEAR)

    @on(Button.Pressed, "#import-pages")
    def action_import(self) -> None:
        """Ask for pages to import."""
        if self.readonly_reason:
            self.notify(self.readonly_reason, severity="warning", markup=False)
            return

        def done(paths: list[str] | None) -> None:
            if paths:
                self._start(paths)

        self.app.push_screen(ImportPrompt(), done)

    @on(Button.Pressed, "#quit")
    def _quit(self) -> None:
        """Leave the app."""
        self.app.exit()

    def _start(self, paths: list[str], *, year: int | None = None, force: bool = False) -> None:
        """Run the import in a worker, showing progress."""
        if self.readonly_reason:
            self.notify(self.readonly_reason, severity="warning", markup=False)
            return
        self._activity(ActivityModel("Importing pages"))
        self._worker(paths, year, force)

    def _activity(self, model: ActivityModel | None) -> None:
        """Show or hide progress."""
        self.query_one(ActivityBar).model = model

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _worker(self, paths: list[str], year: int | None, force: bool = False) -> None:
        """Import (thread; never touches widgets)."""

        def progress(done: int, total: int) -> None:
            self.post_message(self.Progress(done, total))

        try:
            summary = run_import(self.library, paths, progress, year=year, force=force)
        except Exception as exc:
            self.post_message(self.Finished(None, describe_error(exc)))
        else:
            self.post_message(self.Finished(summary, None))

    @on(Progress)
    def _progress(self, event: Progress) -> None:
        """Advance the progress bar."""
        self._activity(ActivityModel("Importing pages", event.done, event.total))

    @on(Finished)
    def _finished(self, event: Finished) -> None:
        """Leave once there are papers; otherwise say what went wrong and stay."""
        self._activity(None)
        if event.summary is None:
            self.notify(f"Import failed: {event.error}", severity="error", markup=False)
        elif len(self.library) == 0:
            self.notify(event.summary.message, severity="warning", markup=False, timeout=8)
            refused = event.summary.refused
            if refused:

                def chosen(anyway: bool | None) -> None:
                    if anyway:
                        self._start(list(refused), force=True)

                self.app.push_screen(ImportAnywayPrompt(refused), chosen)
        else:
            self.dismiss(event.summary)
