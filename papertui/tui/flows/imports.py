"""Importing pages from the app (``i``): ask which, import in a worker, report, refresh.

The main screen delegates here. The import itself runs in
:class:`~papertui.tui.flows.background.Background`'s worker; this flow asks for the paths
(:class:`~papertui.tui.screens.prompts.ImportPrompt`), tells the outcome, shows the new
papers, and offers to import anyway the pages refused as already imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from papertui.tui.jobs import ImportSummary
    from papertui.tui.screens.main import MainScreen

__all__ = ["ImportFlow"]


class ImportFlow:
    """The import part of the main screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def ask(self) -> None:
        """Ask for pages to import."""
        from papertui.tui.screens.prompts import ImportPrompt

        def done(paths: list[str] | None) -> None:
            if paths:
                self.start(paths)

        self.screen.app.push_screen(ImportPrompt(), done)

    def start(self, paths: list[str], *, force: bool = False) -> None:
        """Import ``paths`` in a worker (refused on a read-only library)."""
        screen = self.screen
        if screen._refuse_readonly("import"):
            return
        screen.background.start_import(paths, force=force)

    def failed(self, error: str | None) -> None:
        """The import worker failed: say so, and show what is there now."""
        screen = self.screen
        screen.notify(f"Import failed: {error}", severity="error", markup=False)
        if screen._reselect_after_import:
            screen._reselect_after_import = False
            screen._refresh_sidebar()
            screen._reselect(focus=None)

    def imported(self, summary: ImportSummary) -> None:
        """Refresh everything after an import and report it."""
        screen = self.screen
        screen.notify(
            summary.message,
            title="Import",
            severity="information" if summary.ok else "warning",
            markup=False,
            timeout=8,
        )
        screen._reselect_after_import = False
        screen._refresh_sidebar()
        screen._reselect(focus=None)
        screen.background.load_abstracts()  # and the new papers into the search index
        if summary.refused:
            from papertui.tui.screens.prompts import ImportAnywayPrompt

            def chosen(anyway: bool | None) -> None:
                if anyway:
                    self.start(list(summary.refused), force=True)

            screen.app.push_screen(ImportAnywayPrompt(summary.refused), chosen)
