"""One writer at a time, between real processes.

A library is written by one process at a time (``flock`` on ``library.lock``). A scripted
write waits for the holder (``papertui.cli.LOCK_WAIT`` seconds), then either succeeds or
fails with one line naming the library, and two processes writing at once lose nothing
(TinyDB's stock JSON storage without a lock lost 173 of 400 such updates).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import papertui.cli
from papertui.cli import main
from papertui.library import Library
from papertui.store import LibraryDamaged, LibraryLocked

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from papertui.library import Library

    root, hold, pid = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    lib = Library.open(root)
    lib.set_starred([pid], True)          # the holder's own write
    print("ready", flush=True)
    time.sleep(hold)
    lib.close()
    print("released", time.time(), flush=True)
    """
)


def _ids(root: Path) -> list[str]:
    with Library.open(root, readonly=True) as lib:
        return lib.sorted_ids("title")


class Holder:
    """A separate process holding the library open for writing."""

    def __init__(self, root: Path, hold: float, pid: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(root), str(hold), pid],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line == "ready\n", f"holder did not start: {line!r} {self.proc.stderr.read()}"  # type: ignore[union-attr]

    def finish(self) -> str:
        out, err = self.proc.communicate(timeout=30)
        assert self.proc.returncode == 0, err
        return out

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate(timeout=30)


@pytest.fixture
def holder_factory() -> Iterator[list[Holder]]:
    made: list[Holder] = []
    yield made
    for h in made:
        h.kill()


def test_cli_write_waits_for_the_holder_then_succeeds(
    seeded_dir: Path, holder_factory: list[Holder]
) -> None:
    first, second = _ids(seeded_dir)[:2]
    holder = Holder(seeded_dir, 1.0, first)
    holder_factory.append(holder)
    started = time.time()
    proc = subprocess.run(
        [sys.executable, "-m", "papertui", "star", second],
        capture_output=True,
        text=True,
        timeout=60,
    )
    finished = time.time()
    released_at = float(holder.finish().split()[-1])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Queued 1 paper\n"
    assert proc.stderr == ""
    # It really waited for the holder (and not for the whole LOCK_WAIT).
    assert finished >= released_at, "the CLI wrote while another process held the library"
    assert 0.7 <= finished - started < papertui.cli.LOCK_WAIT, finished - started
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.queue() == [first, second]  # both writers' changes, in order


def test_cli_write_gives_up_with_one_line_when_the_holder_keeps_it(
    seeded_dir: Path,
    holder_factory: list[Holder],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    first, second = _ids(seeded_dir)[:2]
    holder = Holder(seeded_dir, 120.0, first)
    holder_factory.append(holder)
    # Waiting the real 5 s would only make the test slow; the holder is a real process.
    monkeypatch.setattr(papertui.cli, "LOCK_WAIT", 0.3)
    page = tmp_path / "page.txt"
    page.write_text("A New Paper\n\nIts abstract, which is a sentence of some length.\n")
    state_before = {
        p.name: p.read_bytes() for p in seeded_dir.iterdir() if p.name.startswith("state.")
    }
    for argv in (
        ["star", second],
        ["tag", second, "+x"],
        ["note", second, "hello"],
        ["import", str(page)],
        ["restore", "latest"],
    ):
        started = time.monotonic()
        code = main(argv)
        waited = time.monotonic() - started
        out, err = capsys.readouterr()
        assert code == 1, (argv, out, err)
        assert out == ""
        assert err == (
            f"papertui: error: library {seeded_dir} is in use by another papertui "
            f"(pid {holder.proc.pid}); close it and try again\n"
        ), argv
        assert waited >= 0.3, f"{argv}: gave up without waiting"
    # Nothing was written behind the holder's back, and readers still work meanwhile.
    after = {p.name: p.read_bytes() for p in seeded_dir.iterdir() if p.name.startswith("state.")}
    assert after == state_before
    assert main(["list", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 257
    assert [r["id"] for r in records if r["starred"]] == [first]  # the holder's write only
    holder.kill()
    assert main(["star", second]) == 0  # released (by its death): the next writer gets it
    capsys.readouterr()


def test_a_failed_open_releases_the_lock(
    seeded_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening fails after the lock was taken (here: state.json is damaged). The lock must
    be released, or the same process (the app, a script calling ``main``) is told that its
    library is in use by another papertui: itself."""
    monkeypatch.setattr(papertui.cli, "LOCK_WAIT", 0.3)
    pid = _ids(seeded_dir)[0]
    assert main(["star", pid]) == 0
    Library.open(seeded_dir).close()  # folds the journal into state.json
    (seeded_dir / "state.json").write_bytes(b'{"state": {')
    capsys.readouterr()
    with pytest.raises(LibraryDamaged):
        Library.open(seeded_dir)
    try:
        Library.open(seeded_dir, lock_timeout=0.3).close()
    except LibraryLocked as exc:
        pytest.fail(f"the failed open kept the lock: {exc}")
    except LibraryDamaged:
        pass  # refusing until the user restores a backup is fine
    # The same through the command line, twice in one process.
    (seeded_dir / "state.json").write_bytes(b'{"state": {')
    for _ in range(2):
        main(["star", pid])
        err = capsys.readouterr().err
        assert "in use by another papertui" not in err, err


WRITER = textwrap.dedent(
    """
    import contextlib, io, json, random, sys, time
    from pathlib import Path
    import papertui.cli
    from papertui.cli import main

    go, who, ids = Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
    papertui.cli.LOCK_WAIT = 60.0   # never give up in this test, however slow the machine
    rng = random.Random(who)
    while not go.exists():
        time.sleep(0.001)
    done, fails = [], []
    with contextlib.redirect_stdout(io.StringIO()):
        for i, pid in enumerate(ids):
            if i % 2 == 0:
                argv = ["tag", pid, "+proc-" + who]
            else:
                argv = ["star", pid] if who == "a" else ["read", pid]
            rc = main(argv)
            if rc:
                fails.append([i, rc])
            done.append(time.time())
            time.sleep(rng.random() * 0.002)  # let the other process in now and then
    print(json.dumps({"done": done, "fails": fails}))
    """
)


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_no_update(ram_library: Path, tmp_path: Path) -> None:
    root = ram_library
    ids = _ids(root)[:200]
    go = tmp_path / "go"
    procs = {
        who: subprocess.Popen(
            [sys.executable, "-c", WRITER, str(go), who, ",".join(ids)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PAPERTUI_DATA_DIR": str(root)},
        )
        for who in ("a", "b")
    }
    time.sleep(0.3)  # both started and waiting
    go.touch()
    results = {}
    for who, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results[who] = json.loads(out.splitlines()[-1])
    for who, res in results.items():
        assert res["fails"] == [], f"process {who}: failed updates {res['fails']}"
        assert len(res["done"]) == 200
    # They really ran at the same time: each finished updates while the other was running.
    a, b = results["a"]["done"], results["b"]["done"]
    assert sum(a[0] < t < a[-1] for t in b) >= 5 or sum(b[0] < t < b[-1] for t in a) >= 5
    lost = []
    with Library.open(root, readonly=True) as lib:
        for i, pid in enumerate(ids):
            s = lib.state(pid)
            if i % 2 == 0:
                lost += [f"{pid} +proc-{w}" for w in "ab" if f"proc-{w}" not in s.tags]
            else:
                lost += [f"{pid} star"] * (not s.starred) + [f"{pid} read"] * (not s.read)
    assert lost == [], f"{len(lost)} of 400 updates lost: {lost[:10]}"
