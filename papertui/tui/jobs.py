"""Helpers for the background jobs (import, export) shared by the screens.

Plain functions: they run inside ``@work(thread=True)`` workers and never touch widgets.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from papertui.fsutil import write_output
from papertui.library import Library
from papertui.models import Paper, TriageState
from papertui.paperlink import PaperLinkSite

__all__ = [
    "ImportSummary",
    "build_search_index",
    "describe_error",
    "export_folder",
    "export_name",
    "helper_command",
    "queue_markdown",
    "run_import",
    "split_paths",
    "write_markdown",
]


def describe_error(exc: BaseException) -> str:
    """A one-line, user-facing description of a failure."""
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, ready for a notification."""

    message: str
    ok: bool
    """False when some file failed or nothing was imported."""
    new: int = 0
    total: int = 0
    refused: tuple[str, ...] = ()
    """Files refused only because they do not look like pages (not standard input): the
    app offers to import them anyway (:class:`~papertui.tui.screens.prompts.
    ImportAnywayPrompt`)."""


def run_import(
    library: Library,
    paths: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
    *,
    year: int | None = None,
    force: bool = False,
) -> ImportSummary:
    """Import ``paths`` (files or folders) and summarise the outcome (thread-safe to call);
    ``force`` imports text that does not look like a page."""
    from papertui.importer import import_paths

    def report(done: int, total: int, _outcome: object) -> None:
        if progress is not None:
            progress(done, total)

    run = import_paths(library, list(paths), year=year, force=force, progress=report)
    lines = [run.report.summary()]
    failed = run.failed
    for outcome in failed[:5]:
        lines.append(outcome.describe())
    if len(failed) > 5:
        lines.append(f"… and {len(failed) - 5} more files failed")
    ok = not failed and run.report.total > 0
    refused = tuple(f.path for f in failed if f.not_a_page and f.path not in ("", "-"))
    return ImportSummary("\n".join(lines), ok, run.report.new, run.report.total, refused)


def split_paths(text: str) -> list[str]:
    """The paths typed in the import prompt: one path (spaces allowed) or several, quoted."""
    text = text.strip()
    if not text:
        return []
    if Path(text).expanduser().exists():
        return [text]
    try:
        return shlex.split(text)
    except ValueError:
        return [text]


def export_folder(configured: Path | None = None) -> Path:
    """Where the app proposes to write exports: the ``configured`` folder (the config
    file's), else the user's documents folder if it exists, else the home folder (never
    the current folder: the app may have been started anywhere)."""
    if configured is not None:
        return configured
    import platformdirs

    try:
        docs = Path(platformdirs.user_documents_dir())
    except Exception:  # platformdirs can fail on odd systems; fall back quietly
        return Path.home()
    return docs if docs.is_dir() else Path.home()


def export_name(today: date) -> str:
    """The dated file name the app proposes: ``papertui-queue-YYYY-MM-DD.md``."""
    return f"papertui-queue-{today.isoformat()}.md"


def queue_markdown(
    items: Sequence[tuple[Paper, TriageState]], today: date, site: PaperLinkSite
) -> str:
    """The queue as a Markdown reading list (titles linked with ``site``)."""
    from papertui.export import to_markdown

    return to_markdown(items, title="Reading queue", today=today, site=site)


def write_markdown(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (atomically for a regular file; its folder must exist)."""
    if not path.parent.is_dir():
        raise FileNotFoundError(2, "no such folder", str(path.parent))
    write_output(path, text.encode("utf-8"))


def helper_command() -> list[str]:
    """How to start papertui as a helper process: this interpreter, ``-P`` so that the
    current directory is never put on ``sys.path`` (a ``papertui.py`` or ``papertui/``
    where the app was started would run instead), then ``-m papertui``.

    ``-P``, not ``-I``: it keeps the environment (``PYTHONPATH``) and the user's
    site-packages, so a ``--user`` or editable install still finds papertui.
    """
    return [sys.executable, "-P", "-m", "papertui"]


def build_search_index(
    root: Path, progress: Callable[[int, int], None], cancelled: threading.Event
) -> str | None:
    """Build the library's word index in a separate process (``papertui index``); returns
    None when it worked, else the reason it did not.

    A process, not a thread: tokenising 100k papers takes seconds of CPU, which in a thread
    would hold the interpreter lock against the app's event loop. As a process it uses
    another core at low priority, and the app stays as quick as before. Stopped at once
    when ``cancelled`` is set (the app quits; nothing half-built is kept: the index file
    is written atomically at the end).
    """
    command = [*helper_command(), "--data-dir", str(root), "index", "--background"]
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one pipe, read to the end: it can never fill up
        text=True,
        errors="replace",
    ) as proc:
        assert proc.stdout is not None

        def stop_if_cancelled() -> None:
            while proc.poll() is None:
                if cancelled.wait(0.1):
                    proc.terminate()
                    return

        threading.Thread(target=stop_if_cancelled, name="index-watch", daemon=True).start()
        errors: list[str] = []
        for line in proc.stdout:  # "done/total" lines while it works; anything else: errors
            done, _, total = line.strip().partition("/")
            if done.isdigit() and total.isdigit():
                progress(int(done), int(total))
            elif line.strip():
                errors.append(line.strip())
        status = proc.wait()
    if cancelled.is_set():
        return "stopped"
    if status != 0:
        last = errors[-1] if errors else f"exit status {status}"
        return last.removeprefix("papertui: error: ")
    return None
