"""The main screen's background work: importing pages, loading the abstracts, the search
index, and following what other papertui processes write (the shell in the next pane, a
second app).

Workers run on the screen (Textual cancels them with it) and never touch widgets: each
posts one of the screen's messages back, and the screen's handlers update the view. This
flow owns what is under way (the activity line's jobs) and when each job starts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from textual.worker import get_current_worker

from papertui.library import INDEX_MIN_PAPERS
from papertui.store import StoreError
from papertui.tui.jobs import build_search_index, describe_error
from papertui.tui.jobs import run_import as run_import_job
from papertui.tui.models import ActivityModel

if TYPE_CHECKING:
    from papertui.tui.screens.main import MainScreen

__all__ = ["Background", "loading"]


_paused = 0
"""Loaders running inside :func:`loading` (the collector is paused while any is)."""
_paused_lock = threading.Lock()
_was_enabled = True
"""Whether the collector ran when the first of the loaders running began."""


@contextmanager
def loading() -> Iterator[None]:
    """Run a loader (abstracts, the word index, the ranking features) with the garbage
    collector paused; once no loader is left, freeze what they made and let it run again.

    A loader makes hundreds of thousands of long-lived objects (search texts, where each
    abstract lies, bitmaps, the index's dicts): each full collection they set off walked
    all of them, holding the GIL for 40-120 ms among the first seconds' keys (the event
    loop waits, whichever thread collects), and a full collection later would walk them
    again (dicts of 100k entries: 20-30 ms in the middle of a key). Frozen, they are still
    freed by reference counting when an import replaces them; only a cycle that became
    garbage meanwhile is kept. Only in an app that froze its start-up objects
    (``papertui``'s own launch); an app made by a host that manages its own collector (a
    test run) just runs the loader."""
    import gc

    if not gc.get_freeze_count():
        yield
        return
    global _paused, _was_enabled
    with _paused_lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if _paused == 0:
                gc.freeze()  # before enabling: what was made meanwhile is never walked
                if _was_enabled:
                    gc.enable()


class Background:
    """What runs behind one main screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.jobs: dict[str, ActivityModel] = {}
        """Jobs under way, by name (``import`` also covers taking in another process's)."""
        self._poll_failed = False

    @property
    def importing(self) -> bool:
        """Whether an import (here or, being taken in, elsewhere) is under way."""
        return "import" in self.jobs

    def set_job(self, job: str, model: ActivityModel | None) -> None:
        """Start, advance or finish a job in the activity line."""
        if model is None:
            self.jobs.pop(job, None)
        else:
            self.jobs[job] = model
        self.screen.activity = next(reversed(self.jobs.values()), None)

    def _run(self, work: Callable[[], None], group: str) -> None:
        """Run ``work`` in a thread worker of the screen (a newer one of ``group``
        replaces an older one)."""
        self.screen.run_worker(work, thread=True, exclusive=True, group=group, exit_on_error=False)

    # -- other processes ----------------------------------------------------------------
    def poll(self) -> None:
        """Take in what other processes changed since the last look: triage states at once
        (a ``stat`` when nothing changed), imported papers through a worker."""
        screen = self.screen
        if self.importing:  # an import or a reload is under way; look again after
            return
        try:
            found = screen.library.refresh()
        except (OSError, StoreError) as exc:
            if not self._poll_failed:
                self._poll_failed = True
                screen.notify(
                    f"Cannot follow changes made elsewhere: {describe_error(exc)}",
                    severity="warning",
                    markup=False,
                )
            return
        self._poll_failed = False
        if found.corpus:
            self.set_job("import", ActivityModel("Loading papers imported elsewhere"))
            self._run(self._reload, "import")
        elif found.any:
            screen.changed_elsewhere()

    def _reload(self) -> None:
        """Take in the corpus another process replaced (thread)."""
        screen = self.screen
        try:
            changed = screen.library.reload_corpus()
        except Exception as exc:
            screen.post_message(screen.CorpusReloaded(0, describe_error(exc)))
        else:
            screen.post_message(screen.CorpusReloaded(len(changed), None))

    # -- import -------------------------------------------------------------------------
    def start_import(self, paths: list[str], *, force: bool = False) -> None:
        """Import ``paths`` in a worker, with progress in the activity line (``force``:
        also text that does not look like a page)."""
        screen = self.screen
        if self.importing:
            screen.notify("An import is already running", severity="warning", timeout=3)
            return
        self.set_job("import", ActivityModel("Importing pages"))
        self._run(lambda: self._import(paths, force), "import")

    def _import(self, paths: list[str], force: bool) -> None:
        """Parse and store the pages (thread)."""
        screen = self.screen

        def progress(done: int, total: int) -> None:
            screen.post_message(screen.JobProgress("import", "Importing pages", done, total))

        try:
            summary = run_import_job(screen.library, paths, progress, force=force)
        except Exception as exc:
            screen.post_message(screen.ImportFinished(None, describe_error(exc)))
        else:
            screen.post_message(screen.ImportFinished(summary, None))

    # -- abstracts, the search index, the ranking features ------------------------------
    def load_abstracts(self) -> None:
        """Load every abstract after the first paint, so full-text search works; then the
        search index and the ranking features."""
        library = self.screen.library
        if not len(library):
            return
        if library.abstracts_loaded:
            self.prepare_relevance()
            self.start_search_index()
            return
        self.set_job("abstracts", ActivityModel("Loading abstracts"))
        self._run(self._abstracts, "abstracts")

    def _abstracts(self) -> None:
        """Read the abstract shards, then build every paper (thread)."""
        screen = self.screen

        def progress(done: int, total: int) -> None:
            screen.post_message(screen.JobProgress("abstracts", "Loading abstracts", done, total))

        try:
            with loading():
                screen.library.load_abstracts(progress)
                screen.library.warm_up()
        except Exception as exc:
            screen.post_message(screen.AbstractsLoaded(describe_error(exc)))
        else:
            screen.post_message(screen.AbstractsLoaded(None))

    def start_search_index(self) -> None:
        """Make searching a big library fast: use its word index, (re)building it first in
        another process if it misses papers. Searches work meanwhile, by reading the texts."""
        screen = self.screen
        if len(screen.library) < INDEX_MIN_PAPERS:
            return
        build = not screen.triage.readonly
        self._run(lambda: self._index(build), "index")

    def _index(self, build: bool) -> None:
        """Attach the word index; build it in another process if it is missing or stale
        (unless ``build`` is false: a read-only app leaves that to one that can write; it
        searches by reading meanwhile). Thread."""
        screen = self.screen
        worker = get_current_worker()
        library = screen.library
        try:
            with loading():
                complete = library.attach_search_index().complete
            if complete or not build:
                screen.post_message(screen.IndexReady(None))
                return

            def progress(done: int, total: int) -> None:
                screen.post_message(screen.JobProgress("index", "Indexing for search", done, total))

            progress(0, len(library))
            error = build_search_index(library.root, progress, worker.cancelled_event)
            if error is None:
                with loading():
                    library.attach_search_index()
        except Exception as exc:
            error = describe_error(exc)
        screen.post_message(screen.IndexReady(error))

    def prepare_relevance(self) -> None:
        """Make the ranking features now, unless the search index job will (a big library:
        its build writes them; they are read when it ends)."""
        if len(self.screen.library) < INDEX_MIN_PAPERS:
            self.screen.relevance.prepare()
