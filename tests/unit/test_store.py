"""The store: atomic files, the journal, locking, damage handling and backups."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from tinydb import Query

from papertui.fsutil import BackgroundWrites, atomic_write
from papertui.store import (
    _DB,
    BACKUPS_KEPT,
    ColumnarStorage,
    LibraryDamaged,
    LibraryLocked,
    ReadOnlyLibrary,
    Store,
    StoreError,
)


def _state(n: int) -> dict[str, object]:
    return {"starred": True, "queue_position": n, "read": False, "tags": [], "note": ""}


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_atomic_write_failure_keeps_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.json"
    atomic_write(target, b"old")

    def boom(*_a: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_background_writes_land_in_order_and_whole_at_finish(tmp_path: Path) -> None:
    written: list[str] = []
    real = os.replace

    def spy(src: object, dst: object) -> None:
        written.append(Path(str(dst)).name)
        real(src, dst)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as m:
        m.setattr(os, "replace", spy)
        with BackgroundWrites(depth=1) as writes:
            for n in range(5):
                writes.submit(tmp_path / f"{n}.json", str(n).encode() * 1000)
            writes.finish()
    assert written == [f"{n}.json" for n in range(5)]
    assert [(tmp_path / f"{n}.json").read_bytes() for n in range(5)] == [
        str(n).encode() * 1000 for n in range(5)
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{n}.json" for n in range(5)]


def test_a_failed_background_write_is_raised_naming_the_file_and_stops_the_rest(
    tmp_path: Path,
) -> None:
    (tmp_path / "file").write_bytes(b"")
    bad = tmp_path / "file" / "under-a-file.json"  # its folder cannot be made
    with BackgroundWrites() as writes:
        writes.submit(tmp_path / "a.json", b"a")
        writes.submit(bad, b"b")
        with pytest.raises(OSError) as caught:
            for n in range(50):  # raised by a later submit, or by finish
                writes.submit(tmp_path / f"later{n}.json", b"c")
            writes.finish()
    assert str(tmp_path / "file") in str(caught.value.filename)
    assert (tmp_path / "a.json").read_bytes() == b"a"
    assert not list(tmp_path.glob("later*"))  # nothing after the failure
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_leaving_background_writes_on_an_error_drops_the_writes_not_yet_made(
    tmp_path: Path,
) -> None:
    import threading

    with pytest.raises(RuntimeError), BackgroundWrites(depth=50) as writes:
        gate = threading.Event()
        real = os.replace

        def slow(src: object, dst: object) -> None:
            gate.wait(5)
            real(src, dst)  # type: ignore[arg-type]

        with pytest.MonkeyPatch.context() as m:
            m.setattr(os, "replace", slow)
            for n in range(20):
                writes.submit(tmp_path / f"{n}.json", b"x")
            threading.Timer(0.3, gate.set).start()  # the first write waits for the exit
            raise RuntimeError("the caller failed")
    assert len(list(tmp_path.glob("*.json"))) <= 1  # at most the one under way
    assert not any(t.name == "papertui-writes" for t in threading.enumerate())


def test_states_survive_reopen_and_journal_is_folded(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put_states({"aaa": _state(1), "bbb": _state(2)})
    store.put_states({"aaa": None})
    store.close()
    journal = tmp_path / "state.journal"
    assert len(journal.read_bytes().splitlines()) == 2  # one all-or-nothing line per call
    store = Store(tmp_path)
    assert set(store.load_states()) == {"bbb"}
    store.close()
    assert journal.read_bytes() == b""  # folded into the snapshot on open
    assert set(json.loads((tmp_path / "state.json").read_text())["state"]) == {"bbb"}


def test_torn_last_journal_line_is_ignored_and_cut(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put_states({"aaa": _state(1)})
    store.close()
    journal = tmp_path / "state.journal"
    with open(journal, "ab") as fh:
        fh.write(b'{"t":"state","i":"bbb","d":{"star')  # killed mid-append
    ro = Store(tmp_path, readonly=True)
    assert set(ro.load_states()) == {"aaa"}
    ro.close()
    # A writer that appends before compacting must not glue its record to the torn one.
    store = Store(tmp_path)
    store._state()[0].read()
    store.put_states({"ccc": _state(2)})
    store.close()
    store = Store(tmp_path)
    assert set(store.load_states()) == {"aaa", "ccc"}
    store.close()


def test_corrupt_state_is_moved_aside_never_replaced(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put_states({"aaa": _state(1)})
    store.close()
    with Store(tmp_path) as store:
        store.load_states()  # compacts into state.json
    (tmp_path / "state.json").write_bytes(b'{"state": {"aaa": ')  # truncated
    with pytest.raises(LibraryDamaged) as err, Store(tmp_path) as store:
        store.load_states()
    msg = str(err.value)
    assert "state.json" in msg and "papertui restore" in msg and "\n" not in msg
    aside = [p.name for p in tmp_path.iterdir() if p.name.startswith("state.json.damaged-")]
    assert len(aside) == 1
    assert (tmp_path / aside[0]).read_bytes() == b'{"state": {"aaa": '


def test_foreign_papers_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "papers.json").write_text('{"_default": {}}')
    with pytest.raises(LibraryDamaged, match=r"papers\.json"):
        Store(tmp_path).load_paper_columns()


def test_failed_state_write_changes_nothing_and_next_write_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path)
    store.put_states({"aaa": _state(1)})
    real_fsync = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StoreError, match=r"state\.journal: No space left on device \(free some"):
        store.put_states({"bbb": _state(2)})
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert set(store.load_states()) == {"aaa"}  # memory matches disk again
    store.put_states({"ccc": _state(3)})
    store.close()
    store = Store(tmp_path)
    assert set(store.load_states()) == {"aaa", "ccc"}
    store.close()


def test_two_writers_both_write_and_see_each_other(tmp_path: Path) -> None:
    first, second = Store(tmp_path), Store(tmp_path)
    first.load_states()
    second.load_states()
    first.put_states({"aaa": _state(1)})
    second.put_states({"bbb": _state(2)})
    assert first.poll_states() == {"bbb": _state(2)}
    assert second.poll_states() == {}  # its own write: nothing new
    assert set(second.current_states()) == {"aaa", "bbb"}
    reader = Store(tmp_path, readonly=True)
    with pytest.raises(ReadOnlyLibrary):
        reader.put_states({"aaa": _state(1)})
    first.close()
    second.close()


def test_a_lock_held_too_long_is_a_clear_error(tmp_path: Path) -> None:
    holder, waiter = Store(tmp_path), Store(tmp_path)
    waiter.state_lock.wait = 0.2
    with holder.state_lock.hold(), pytest.raises(LibraryLocked, match="busy"):
        waiter.put_states({"aaa": _state(1)})
    waiter.put_states({"aaa": _state(1)})  # released: it goes through


def test_leftover_temp_files_of_dead_processes_are_cleaned_on_start(tmp_path: Path) -> None:
    gone = tmp_path / f".state.json.tmp-{_dead_pid()}"
    live = tmp_path / f".papers.json.tmp-{os.getppid()}"  # a live process's write
    gone.write_text("half")
    live.write_text("being written")
    Store(tmp_path).close()
    assert not gone.exists()
    assert live.exists()


def _dead_pid() -> int:
    import subprocess

    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_backups_rotate_and_restore(tmp_path: Path) -> None:
    for n in range(BACKUPS_KEPT + 3):
        store = Store(tmp_path)
        store.backup_spacing = 0  # every open after a change keeps its own backup
        store.load_states()
        store.put_states({f"p{n}": _state(n)})
        store.close()
    store = Store(tmp_path)
    store.backup_spacing = 0
    store.load_states()  # takes the last backup
    backups = store.list_backups()
    assert len(backups) == BACKUPS_KEPT
    assert backups[0].entries == BACKUPS_KEPT + 3
    oldest = backups[-1]
    store.restore_backup(oldest)
    store.close()
    store = Store(tmp_path)
    assert len(store.load_states()) == oldest.entries
    store.close()


def test_corpus_is_a_real_tinydb_database(tmp_path: Path) -> None:
    store = Store(tmp_path)
    docs = {"aaa": {"title": "A", "upvotes": 3}, "bbb": {"title": "B", "upvotes": 9}}
    store.save_papers(docs, {"aaa": "abstract a", "bbb": "abstract b"})
    store.close()
    db = _DB(tmp_path / "papers.json", storage=ColumnarStorage)
    hits = db.table("papers").search(Query().upvotes > 5)
    assert [h["title"] for h in hits] == ["B"]
    assert db.table("papers").get(doc_id="aaa")["title"] == "A"
    ids, cols = Store(tmp_path, readonly=True).load_paper_columns()
    assert ids == ["aaa", "bbb"] and cols["upvotes"] == [3, 9]
    from papertui.store import shard_of

    assert (
        Store(tmp_path, readonly=True).load_abstract_shard(shard_of("bbb"))["bbb"] == "abstract b"
    )


def test_a_burst_of_commands_cannot_rotate_older_backups_away(tmp_path: Path) -> None:
    old_days = ["20250101T000000000000", "20250201T000000000000", "20250301T000000000000"]
    (tmp_path / "backups").mkdir(parents=True)
    for stamp in old_days:
        (tmp_path / "backups" / f"state-{stamp}-1.json").write_text('{"state": {"x": {}}}')
    for n in range(10):  # a script: ten writes, each opening the library after a change
        with Store(tmp_path) as store:
            store.load_states()
            store.put_states({f"p{n}": _state(n)})
    with Store(tmp_path) as store:
        store.load_states()
        names = [b.name for b in store.list_backups()]
    # The burst kept two: its first (the state before it) and its newest, replacing itself.
    assert len(names) == 5
    assert names[0].endswith("-10.json") and names[1].endswith("-1.json")
    assert all(any(stamp in name for name in names) for stamp in old_days)


def test_threads_of_one_process_take_turns_on_the_lock(tmp_path: Path) -> None:
    """flock tells processes apart, not threads: a worker thread's write and the event
    loop's must not both think they hold the lock."""
    import threading
    import time

    store = Store(tmp_path)
    inside: list[str] = []
    overlap: list[bool] = []

    def hold(name: str) -> None:
        with store.state_lock.hold():
            inside.append(name)
            overlap.append(len(inside) > 1)
            time.sleep(0.05)
            inside.remove(name)

    threads = [threading.Thread(target=hold, args=(str(n),)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlap == [False] * 4


def test_a_fold_elsewhere_after_this_process_folded_is_noticed(tmp_path: Path) -> None:
    """The lost update the 4-process test caught (1 of 480, under load): a process that
    folded the journal at opening, then had records written and folded by two others
    before its own write, read only the newest journal and missed what was folded in
    between. A fold is now noticed by the snapshot too."""
    first = Store(tmp_path)
    first.load_states()
    first.put_states({"aaa": _state(1)})
    mine = Store(tmp_path)
    mine.load_states()  # folds: state.json and an empty journal
    other = Store(tmp_path)
    other.load_states()
    other.put_states({"bbb": _state(2)})  # into the journal "mine" made
    third = Store(tmp_path)
    third.load_states()  # folds again: bbb is in the new snapshot only
    with mine.transaction() as changed:
        assert changed is None or "bbb" in changed
        assert set(mine.current_states()) == {"aaa", "bbb"}
    assert mine.poll_states() == {}
