"""The UI-free triage runner: refusals, warnings, failed saves and retries."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from papertui.library import Library
from papertui.store import StoreError
from papertui.tui.triage import TriageRunner


def _full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_success_reports_the_change_label(library: Library) -> None:
    runner = TriageRunner(library)
    pid = library.ids[0]
    outcome = runner.run("queue", lambda: library.set_starred([pid], True), context=pid)
    assert outcome.change is not None and outcome.message == "Queued 1 paper"
    assert outcome.context == pid and runner.pending is None


def test_library_error_is_a_warning(library: Library) -> None:
    runner = TriageRunner(library)
    outcome = runner.run("move", lambda: library.move_in_queue(library.ids[0], 1))
    assert outcome.severity == "warning" and "queued" in outcome.message
    assert runner.pending is None


def test_readonly_refuses_without_calling(seeded_dir: Path) -> None:
    lib = Library.open(seeded_dir, readonly=True)
    runner = TriageRunner(lib)
    called: list[int] = []
    outcome = runner.run("queue", lambda: called.append(1))
    assert called == [] and outcome.severity == "warning" and "Not done: queue" in outcome.message
    assert TriageRunner(lib, "Read-only: busy").refusal("x") is not None


def test_failed_save_is_kept_and_retried(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = TriageRunner(library)
    pid = library.ids[0]
    real = library.store.put_states
    monkeypatch.setattr(library.store, "put_states", _full)
    outcome = runner.run("read", lambda: library.set_read([pid], True), context="ctx")
    assert outcome.failed_save and outcome.severity == "error"
    assert "No space left on device" in outcome.message
    assert not library.state(pid).read and runner.pending is not None
    monkeypatch.setattr(library.store, "put_states", real)
    retried = runner.retry()
    assert retried is not None and retried.change is not None and retried.context == "ctx"
    assert library.state(pid).read and runner.pending is None
    assert runner.retry() is None


@pytest.mark.parametrize("error", [OSError(errno.EACCES, "denied"), StoreError("store broke")])
def test_failed_undo_and_redo_keep_history(
    library: Library, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    runner = TriageRunner(library)
    pid = library.ids[0]
    runner.run("star", lambda: library.set_starred([pid], True))
    real = library.store.put_states

    def broken(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(library.store, "put_states", broken)
    assert runner.undo().failed_save
    assert len(library.undo.done) == 1 and not library.undo.undone
    monkeypatch.setattr(library.store, "put_states", real)
    assert runner.undo().message.startswith("Undid: Queued")
    monkeypatch.setattr(library.store, "put_states", broken)
    assert runner.redo().failed_save
    assert len(library.undo.undone) == 1
    monkeypatch.setattr(library.store, "put_states", real)
    assert runner.retry() is not None
    assert library.state(pid).starred
    assert runner.undo().change is not None and runner.redo().change is not None
    assert runner.redo().message == "Nothing to redo"
