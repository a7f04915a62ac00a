"""Exporting the queue from the app (``e``): ask where, never overwrite unasked, or copy.

The flow asks with :class:`~papertui.tui.screens.export_prompt.ExportPrompt` (prefilled
with the export folder and a dated name), asks again with
:class:`~papertui.tui.screens.export_prompt.ConfirmOverwrite` when the file exists, then
renders and writes the Markdown in a worker thread; or copies the Markdown instead (to the
terminal's clipboard and the system's clipboard tool, as links are copied).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from papertui.models import papers_count
from papertui.paperlink import PaperLinkSite
from papertui.tui.clipboard import clipboard_tool, copy_with_tool
from papertui.tui.flows.links import COPIED
from papertui.tui.jobs import (
    describe_error,
    export_folder,
    export_name,
    queue_markdown,
    write_markdown,
)

if TYPE_CHECKING:
    from textual.app import App

    from papertui.models import Paper, TriageState
    from papertui.tui.screens.export_prompt import ExportChoice

__all__ = ["ExportFlow"]


class ExportFlow:
    """Exports one queue (the items given to :meth:`start`)."""

    def __init__(
        self, app: App[object], site: PaperLinkSite, folder: Path | None, today: date
    ) -> None:
        """Work in ``app``; titles link with ``site``; propose ``folder`` (None: the
        documents folder) and a name dated ``today``."""
        self.app = app
        self.site = site
        self.folder = folder
        self.today = today
        self.items: Sequence[tuple[Paper, TriageState]] = ()

    def start(self, items: Sequence[tuple[Paper, TriageState]]) -> None:
        """Ask where to write ``items``."""
        from papertui.tui.screens.export_prompt import ExportPrompt

        self.items = items
        default = export_folder(self.folder) / export_name(self.today)
        self.app.push_screen(ExportPrompt(len(items), default), self._chosen)

    def _chosen(self, choice: ExportChoice | None) -> None:
        """Write, confirm first, or copy."""
        if choice is None:
            return
        if choice.action == "copy" or choice.path is None:
            self._run(None)
            return
        path = choice.path
        if path.exists():
            from papertui.tui.screens.export_prompt import ConfirmOverwrite

            def answered(replace: bool | None) -> None:
                if replace:
                    self._run(path)
                else:
                    self.app.notify(f"Nothing exported: {path} kept", timeout=4, markup=False)

            self.app.push_screen(ConfirmOverwrite(path), answered)
            return
        self._run(path)

    def _run(self, path: Path | None) -> None:
        """Render, then write to ``path`` (None: copy), in a worker thread."""
        items, today, site = list(self.items), self.today, self.site
        copy_osc52 = self.app.copy_to_clipboard

        def work() -> None:
            try:
                text = queue_markdown(items, today, site)
                if path is not None:
                    write_markdown(path, text)
                    message = f"Exported {papers_count(len(items))} to {path}"
                else:
                    self.app.call_from_thread(copy_osc52, text)
                    tool = clipboard_tool()
                    used = copy_with_tool(text, tool) if tool is not None else None
                    also = f" and copied with {used}" if used else ""
                    message = f"The Markdown of {papers_count(len(items))} was {COPIED}{also}"
            except Exception as exc:
                self.app.call_from_thread(self._failed, describe_error(exc))
            else:
                self.app.call_from_thread(self._done, message)

        self.app.run_worker(work, thread=True, group="export", exit_on_error=False)

    def _done(self, message: str) -> None:
        """Say where the queue went."""
        self.app.notify(message, title="Queue exported", timeout=8, markup=False)

    def _failed(self, error: str) -> None:
        """Say why nothing was exported."""
        self.app.notify(f"Export failed: {error}", severity="error", markup=False)
