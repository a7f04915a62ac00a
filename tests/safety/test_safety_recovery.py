"""The recovery paths keep what they exist to save: restore, a full disk, a failed save."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from papertui.cli import main
from papertui.library import Library
from papertui.store import Store

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"


def _full(*_a: object, **_k: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _starred(root: Path) -> set[str]:
    with Library.open(root, readonly=True) as lib:
        return set(lib.queue())


def _backups(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "backups").glob("state-*.json"))}


def test_restoring_an_older_backup_keeps_the_newest_and_is_reversible(
    seeded_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = seeded_dir
    with Library.open(root) as lib:
        ids = lib.sorted_ids("title")[:8]
        lib.set_starred(ids[:3], True)
    with Library.open(root) as lib:  # folded: backup 2 holds the first three
        lib.set_starred(ids[3:8], True)
    with Library.open(root) as lib:  # backup 1: all eight (the good state)
        pass
    good = _starred(root)
    assert good == set(ids)
    assert main(["--data-dir", str(root), "unstar", *ids[3:8]]) == 0  # the mistake
    before = _backups(root)
    assert len(before) >= 2
    assert main(["--data-dir", str(root), "restore", "2"]) == 0
    after = _backups(root)
    # Every backup that was there still is, with the same bytes: the newest one (the good
    # state) was not replaced by the state the restore replaced.
    assert {k: v for k, v in after.items() if k in before} == before
    assert len(after) == len(before) + 1
    assert _starred(root) == set(ids[:3])
    capsys.readouterr()
    assert main(["--data-dir", str(root), "restore"]) == 0
    listing = capsys.readouterr().out
    assert "before a restore" in listing
    # The good state is one restore away, and so is the state the restore replaced.
    newest_good = next(n for n in sorted(before, reverse=True) if not n.endswith("-restore.json"))
    assert main(["--data-dir", str(root), "restore", newest_good]) == 0
    assert _starred(root) == good
    replaced = next(n for n in after if n.endswith("-restore.json"))
    assert main(["--data-dir", str(root), "restore", replaced]) == 0
    assert _starred(root) == set(ids[:3])


def test_restore_latest_twice_never_deletes_what_it_restores(seeded_dir: Path) -> None:
    root = seeded_dir
    with Library.open(root) as lib:
        ids = lib.sorted_ids("title")[:4]
        lib.set_starred(ids, True)
    Library.open(root).close()  # folded, backed up
    latest = max(_backups(root))
    for _ in range(2):
        assert main(["--data-dir", str(root), "restore", "latest"]) == 0
        assert latest in _backups(root)
    assert _starred(root) == set(ids)


RESTORER = """
import sys
from pathlib import Path
from papertui.store import Store
store = Store(Path(sys.argv[1]))
store.load_states()
print("go", flush=True)
store.restore_backup(store.list_backups()[int(sys.argv[2])])
"""


@pytest.mark.slow
def test_a_kill_at_any_moment_of_a_restore_leaves_the_chosen_backup(ram_library: Path) -> None:
    root = ram_library
    with Library.open(root) as lib:
        ids = lib.sorted_ids("title")[:20]
        lib.set_starred(ids[:10], True)
    Library.open(root).close()
    with Library.open(root) as lib:
        lib.set_read(ids, True)
    Library.open(root).close()
    rng = random.Random(5)
    for it in range(25):
        backups = Store(root, readonly=True).list_backups()
        which = rng.randrange(len(backups))
        chosen = backups[which]
        want = chosen.path.read_bytes()
        proc = subprocess.Popen(
            [sys.executable, "-P", "-c", RESTORER, str(root), str(which)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"go\n", proc.stderr.read()  # type: ignore[union-attr]
        time.sleep(rng.uniform(0, 0.004))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert chosen.path.read_bytes() == want, f"iteration {it}: the chosen backup was lost"
        with Library.open(root) as lib:  # and the library opens, whole
            assert len(lib) == 257


def test_after_a_failed_save_the_next_save_works_and_nothing_is_lost(
    seeded_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = Library.open(seeded_dir)
    a, b, c = lib.sorted_ids("title")[:3]
    lib.set_starred([a], True)
    real = os.fsync
    monkeypatch.setattr(os, "fsync", _full)
    with pytest.raises(Exception, match=r"state\.journal: No space left on device \(free some"):
        lib.set_starred([b], True)
    with pytest.raises(Exception, match="No space left"):
        lib.set_starred([b], True)  # still full: the same clear error, never a closed file
    monkeypatch.setattr(os, "fsync", real)
    lib.set_starred([b], True)  # space freed: it goes through
    lib.set_read([c], True)
    lib.close()
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.queue() == [a, b] and lib.state(c).read


def test_a_full_disk_is_one_line_naming_the_file_and_what_to_do(
    seeded_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = Library.open(seeded_dir, readonly=True).sorted_ids("title")[0]
    monkeypatch.setattr(os, "fsync", _full)
    code = main(["--data-dir", str(seeded_dir), "star", pid])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "error: error" not in err, err
    assert "state.journal" in err and "free some space" in err, err


def test_opening_on_a_full_disk_works_and_says_why_the_fold_waits(
    seeded_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Library.open(seeded_dir) as lib:
        pid = lib.sorted_ids("title")[0]
        lib.set_starred([pid], True)  # a journal record: the next open folds it
    monkeypatch.setattr(os, "fsync", _full)
    with Library.open(seeded_dir) as lib:
        assert lib.state(pid).starred
        assert any("No space left" in w for w in lib.warnings)


def _library_files(root: Path) -> tuple[dict[str, bytes], bytes]:
    """The abstract shards' and the corpus file's bytes."""
    shards = {p.name: p.read_bytes() for p in (root / "abstracts").glob("*.json")}
    return shards, (root / "papers.json").read_bytes()


def _new_page(folder: Path) -> Path:
    """A page of 40 papers the sample library does not have."""
    page = folder / "new.txt"
    page.write_text(
        "\n\n".join(
            f"A New Paper Number {n}\n\nAbstract of paper {n}, long enough." for n in range(40)
        )
    )
    return page


def test_a_failed_import_leaves_no_orphan_abstracts(
    seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shards, corpus = _library_files(seeded_dir)
    page = _new_page(tmp_path)
    import papertui.store as store_module

    real = store_module.atomic_write

    def full_for_the_corpus(path: Path, data: bytes) -> None:
        if path.name == "papers.json":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(store_module, "atomic_write", full_for_the_corpus)
    code = main(["--data-dir", str(seeded_dir), "import", "--force", str(page)])
    assert code == 1
    assert _library_files(seeded_dir) == (shards, corpus)
    assert not [p for p in (seeded_dir / "abstracts").iterdir() if p.name.startswith(".")]
    monkeypatch.setattr(store_module, "atomic_write", real)
    assert main(["--data-dir", str(seeded_dir), "import", "--force", str(page)]) == 0
    with Library.open(seeded_dir, readonly=True) as lib:
        assert len(lib) == 297


def test_an_import_whose_third_shard_cannot_be_written_changes_nothing(
    seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    shards, corpus = _library_files(seeded_dir)
    page = _new_page(tmp_path)
    import papertui.fsutil as fsutil

    real = fsutil._replace
    seen: list[str] = []

    def full_at_the_third(path: Path, data: bytes) -> None:
        seen.append(path.name)
        if len(seen) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(fsutil, "_replace", full_at_the_third)
    code = main(["--data-dir", str(seeded_dir), "import", "--force", str(page)])
    err = capsys.readouterr().err
    assert code == 1
    assert len(seen) == 3 and seen[2] in err and "No space left" in err, err
    assert _library_files(seeded_dir) == (shards, corpus)
    assert not [p for p in (seeded_dir / "abstracts").iterdir() if p.name.startswith(".")]


def test_an_app_that_crashes_exits_non_zero(
    seeded_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from papertui.tui.screens.main import MainScreen

    def boom(self: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(MainScreen, "on_mount", boom)
    import papertui.cli as cli

    monkeypatch.setattr(cli, "_start", lambda app: app.run(headless=True))
    code = main(["--data-dir", str(seeded_dir)])
    assert code != 0
