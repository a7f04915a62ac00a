"""Many processes on one library, all of them writing: nothing waits long, nothing is lost.

The app in one pane and the shell in the next is the everyday set-up: every CLI write must
succeed at once while another process has the library open, each action must apply to the
latest state on disk (no lost update), and an undo must only undo its own process's change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from papertui.library import Library

PAGE = "A Paper Imported From The Shell\n\nIts abstract, a sentence long enough to count.\n"


def _ids(root: Path) -> list[str]:
    with Library.open(root, readonly=True) as lib:
        return lib.sorted_ids("title")


def _cli(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-P", "-m", "papertui", "--data-dir", str(root), *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_writes_while_another_process_has_it_open_succeed_and_show_there(
    seeded_dir: Path, tmp_path: Path
) -> None:
    first, second = _ids(seeded_dir)[:2]
    holder = Library.open(seeded_dir)  # the app in the next pane: open, writing
    try:
        holder.set_starred([first], True)
        page = tmp_path / "today.txt"
        page.write_text(PAGE)
        for argv in (
            ["star", second],
            ["tag", second, "+shell"],
            ["note", second, "from the shell"],
            ["import", "--force", str(page)],
        ):
            started = time.monotonic()
            proc = _cli(seeded_dir, *argv)
            assert proc.returncode == 0, (argv, proc.stderr)
            assert "error" not in proc.stderr, proc.stderr
            assert time.monotonic() - started < 5, f"{argv} waited for the other process"
        found = holder.refresh()
        assert found.corpus and (found.states is None or second in found.states)
        holder.reload_corpus()
        s = holder.state(second)
        assert s.starred and s.tags == ("shell",) and s.note == "from the shell"
        assert holder.queue() == [first, second]
        assert len(holder) == 258
        holder.set_read([second], True)  # and the holder still writes on top of all that
    finally:
        holder.close()
    with Library.open(seeded_dir, readonly=True) as lib:
        s = lib.state(second)
        assert s.starred and s.read and s.tags == ("shell",) and s.note == "from the shell"


def test_an_action_applies_to_the_latest_state_never_an_older_one(seeded_dir: Path) -> None:
    pid = _ids(seeded_dir)[0]
    app = Library.open(seeded_dir)
    try:
        assert _cli(seeded_dir, "tag", pid, "+from-cli").returncode == 0
        # The app has not looked since: its star must not write the paper's older state back.
        app.set_starred([pid], True)
        app.set_note(pid, "mine")
    finally:
        app.close()
    with Library.open(seeded_dir, readonly=True) as lib:
        s = lib.state(pid)
        assert s.tags == ("from-cli",) and s.starred and s.note == "mine"


def test_undo_undoes_only_this_process_s_own_change(seeded_dir: Path) -> None:
    pid, other = _ids(seeded_dir)[:2]
    app = Library.open(seeded_dir)
    try:
        app.tag([pid], add=["mine"])
        app.set_starred([other], True)
        assert _cli(seeded_dir, "tag", pid, "+theirs").returncode == 0
        assert _cli(seeded_dir, "read", other).returncode == 0
        assert _cli(seeded_dir, "unstar", other).returncode == 0
        undone = app.undo_last()  # the star of `other`: unstarred elsewhere since
        assert undone is not None and undone.kept == 1
        undone = app.undo_last()  # the tag: theirs stays
        assert undone is not None and undone.kept == 0
    finally:
        app.close()
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.state(pid).tags == ("theirs",)
        assert lib.state(other).read and not lib.state(other).starred


def test_a_fold_by_another_process_never_swallows_a_later_write(seeded_dir: Path) -> None:
    """The failure of the single-lock design this replaces: after another process folded the
    journal (replacing the file), a long-running writer appended to the unlinked file and
    said "Queued" for decisions that were lost. Deleting a stale-looking lock file changes
    nothing either: the lock is on the folder."""
    ids = _ids(seeded_dir)[:6]
    app = Library.open(seeded_dir)
    try:
        for n, pid in enumerate(ids):
            (seeded_dir / "library.lock").unlink(missing_ok=True)
            app.set_starred([pid], True)
            proc = _cli(seeded_dir, "read", ids[-1 - n])  # opens writable: folds the journal
            assert proc.returncode == 0, proc.stderr
    finally:
        app.close()
    with Library.open(seeded_dir, readonly=True) as lib:
        assert all(lib.state(p).starred and lib.state(p).read for p in ids)


WRITER = textwrap.dedent(
    """
    import contextlib, io, json, random, sys, time
    from pathlib import Path
    from papertui.cli import main
    from papertui.library import Library

    go, who, ids, mode = Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(","), sys.argv[4]
    rng = random.Random(who)
    lib = Library.open(Path(sys.argv[5])) if mode == "app" else None
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.001)
    done, fails = [], []
    with contextlib.redirect_stdout(io.StringIO()):
        for i, pid in enumerate(ids):
            if lib is not None:  # a long-running process, like the app
                if i % 2 == 0:
                    lib.tag([pid], add=["proc-" + who])
                else:
                    lib.set_starred([pid], True) if who in "ac" else lib.set_read([pid], True)
                rc = 0
            else:
                if i % 2 == 0:
                    argv = ["tag", pid, "+proc-" + who]
                else:
                    argv = ["star", pid] if who in "ac" else ["read", pid]
                rc = main(argv)
            if rc:
                fails.append([i, rc])
            done.append(time.time())
            time.sleep(rng.random() * 0.002)
    print(json.dumps({"done": done, "fails": fails}))
    """
)


@pytest.mark.slow
def test_four_processes_apps_and_commands_writing_at_once_lose_no_update(
    ram_library: Path, tmp_path: Path
) -> None:
    root = ram_library
    ids = _ids(root)[:120]
    go = tmp_path / "go"
    kinds = {"a": "cli", "b": "cli", "c": "app", "d": "app"}
    procs = {
        who: subprocess.Popen(
            [sys.executable, "-c", WRITER, str(go), who, ",".join(ids), mode, str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PAPERTUI_DATA_DIR": str(root)},
        )
        for who, mode in kinds.items()
    }
    for proc in procs.values():  # every process started and waiting
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    go.touch()
    results = {}
    for who, proc in procs.items():
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        results[who] = json.loads(out.splitlines()[-1])
    for who, res in results.items():
        assert res["fails"] == [], f"process {who}: failed updates {res['fails']}"
    spans = {w: (r["done"][0], r["done"][-1]) for w, r in results.items()}
    overlaps = sum(
        spans[w][0] < t < spans[w][1]
        for w in kinds
        for v in kinds
        if v != w
        for t in results[v]["done"]
    )
    assert overlaps >= 5, f"the processes did not run at the same time: {spans}"
    lost = []
    with Library.open(root, readonly=True) as lib:
        for i, pid in enumerate(ids):
            s = lib.state(pid)
            if i % 2 == 0:
                lost += [f"{pid} +proc-{w}" for w in kinds if f"proc-{w}" not in s.tags]
            else:
                lost += [f"{pid} star"] * (not s.starred) + [f"{pid} read"] * (not s.read)
    assert lost == [], f"{len(lost)} of {len(ids) * 4} updates lost: {lost[:10]}"


def test_read_only_only_where_the_system_says_so(
    seeded_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Root ignores permissions, so the system's answer is stood in for: a folder that
    ``os.access`` says cannot be written."""
    from papertui.cli import main

    real = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == seeded_dir else real(p, mode)
    )
    with Library.open(seeded_dir) as lib:
        assert lib.readonly and lib.readonly_reason == f"the folder {seeded_dir} is read-only"
    pid = _ids(seeded_dir)[0]
    capsys.readouterr()
    assert main(["--data-dir", str(seeded_dir), "star", pid]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"papertui: error: cannot change the library: the folder {seeded_dir} is read-only\n"
    )
    assert main(["--data-dir", str(seeded_dir), "list"]) == 0  # reading works
