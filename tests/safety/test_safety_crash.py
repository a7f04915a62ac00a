"""Crash safety: SIGKILL a process applying triage actions, 150 times, and lose nothing.

"Never lose a triage decision": every action whose :class:`~papertui.library.Library` call
had returned before the kill must be in the library afterwards; the one action in flight
may or may not be there (for an import: all of its papers or none). The kills land
anywhere: while the library is opened (journal folded into ``state.json``, backup taken),
in the middle of an action's journal append, in the middle of an import (abstract shards
then ``papers.json``), or while a worker closes and re-opens the library.

The workers are forked by ``crash_child.py`` (a small fork server that imports only
``papertui.library``), so each kill costs milliseconds. Acknowledgements go to a log file,
one ``os.write`` per line, which survives the kill like a pipe would. The library lives on
tmpfs when there is one (see ``ram_library``). ``PAPERTUI_CRASH_SEED`` picks the actions,
modes and kill delays (the timing itself still varies); a failure names the iteration and
its seed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from papertui.journal import decode_record
from papertui.library import Library

KILLS = 150
MAX_DELAY = 0.030
FIELDS = ("starred", "read", "tags", "note")
CHILD = Path(__file__).with_name("crash_child.py")


class ForkServer:
    """The ``crash_child.py`` process: forks workers on request and reaps them."""

    def __init__(self, stderr_path: Path) -> None:
        self.stderr_path = stderr_path
        self._err = open(stderr_path, "wb")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._err,
            text=True,
            bufsize=1,
        )

    def ask(self, **cmd: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"fork server died: {self.stderr_text()}")
        return json.loads(line)  # type: ignore[no-any-return]

    def stderr_text(self) -> str:
        self._err.flush()
        return self.stderr_path.read_text(errors="replace")[-4000:]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._err.close()


def _default() -> dict[str, Any]:
    """The state of a paper nobody touched."""
    return {"starred": False, "read": False, "tags": [], "note": ""}


def _disk_state(lib: Library) -> dict[str, dict[str, Any]]:
    out = {}
    for pid in lib.ids:
        s = lib.state(pid)
        out[pid] = {"starred": s.starred, "read": s.read, "tags": list(s.tags), "note": s.note}
    return out


@dataclass
class Log:
    """What a killed worker's log says."""

    acks: list[tuple[int, str, str, Any]]
    """Acknowledged changes ``(seq, paper id, field, value)``, in order."""
    in_flight: dict[tuple[str, str], Any]
    """``{(paper id, field): value}`` of the action under way at the kill, if any."""
    opens: int
    """How many times the worker had the library open (1 + its re-opens)."""

    @classmethod
    def parse(cls, text: str) -> Log:
        """Only complete lines count: an acknowledgement cut by the kill was not given (the
        intent line before it then stands for the action)."""
        acks: list[tuple[int, str, str, Any]] = []
        intents: dict[tuple[str, str], tuple[int, Any]] = {}
        opens = 0
        for line in text.split("\n")[:-1]:
            if line == "open":
                opens += 1
            elif line.startswith("? "):
                _, seq, field, ids, value = line.split(" ", 4)
                for pid in ids.split(","):
                    intents[(pid, field)] = (int(seq), json.loads(value))
            else:
                seq, pid, field, value = line.split(" ", 3)
                acks.append((int(seq), pid, field, json.loads(value)))
        acked = {(pid, field, seq) for seq, pid, field, _ in acks}
        last = max((seq for seq, _ in intents.values()), default=-1)
        in_flight = {
            key: value
            for key, (seq, value) in intents.items()
            if seq == last and (*key, seq) not in acked
        }
        return cls(acks, in_flight, opens)


@dataclass
class Expectation:
    """What the library must hold after one kill."""

    where: str
    states: dict[str, dict[str, Any]]
    """Per paper, the last acknowledged value of each field."""
    in_flight: dict[tuple[str, str], Any]
    imported: dict[str, str]
    """Acknowledged imports so far: paper id -> abstract."""
    new_papers: set[str]
    """The papers whose import was acknowledged by this worker (abstracts always checked)."""
    in_flight_import: list[str]
    check_all_abstracts: bool
    log_tail: list[str] = field(default_factory=list)

    def verify(self, lib: Library, how: str) -> dict[str, dict[str, Any]]:
        """Check ``lib`` against the expectation; returns what it holds."""
        where = f"{self.where} ({how})"
        disk = _disk_state(lib)
        for pid, abstract in self.imported.items():
            assert pid in disk, f"{where}: acknowledged import of {pid} is lost"
            if self.check_all_abstracts or pid in self.new_papers:
                assert lib.abstract(pid) == abstract, f"{where}: abstract of {pid}"
        landed = [pid for pid in self.in_flight_import if pid in disk]
        assert landed in ([], self.in_flight_import), (
            f"{where}: half an import is visible "
            f"({len(landed)} of {len(self.in_flight_import)} papers)"
        )
        for pid in landed:
            assert lib.abstract(pid).startswith("Abstract "), (
                f"{where}: {pid} is in the corpus without its abstract"
            )
        unexpected = set(disk) - set(self.states) - set(landed)
        assert not unexpected, f"{where}: papers nobody imported: {unexpected}"
        for pid, want in self.states.items():
            got = disk.get(pid)
            assert got is not None, f"{where}: paper {pid} disappeared"
            for name in FIELDS:
                allowed = [want[name]]
                if (pid, name) in self.in_flight:
                    allowed.append(self.in_flight[(pid, name)])
                assert got[name] in allowed, (
                    f"{where}: {pid}.{name} is {got[name]!r}, acknowledged {want[name]!r}"
                    f"{f' (in flight: {allowed[1]!r})' if len(allowed) > 1 else ''}"
                    f"\nlast log lines: {self.log_tail}"
                )
        queued = [lib.state(p) for p in disk if lib.state(p).starred]
        positions = [s.queue_position for s in queued]
        assert None not in positions and len(set(positions)) == len(positions), (
            f"{where}: queue positions broken: {sorted(positions, key=str)}"
        )
        assert all(lib.state(p).queue_position is None for p in disk if not disk[p]["starred"]), (
            f"{where}: an unqueued paper keeps a queue position"
        )
        return disk


def _temp_files(root: Path) -> list[str]:
    return sorted(
        str(p.relative_to(root))
        for folder in (root, root / "abstracts", root / "backups")
        if folder.is_dir()
        for p in folder.iterdir()
        if ".tmp-" in p.name
    )


def _journal_records(root: Path) -> int:
    try:
        return (root / "state.journal").read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _check_files_parse(root: Path, seen: dict[Path, tuple[int, int, int]]) -> None:
    """Every library file is whole: a kill never leaves a half-written file in place.

    Files unchanged since the last check (same inode, size and mtime) are skipped.
    """
    paths = [root / "state.json", root / "papers.json", root / "state.journal"]
    paths += sorted((root / "abstracts").glob("*.json"))
    paths += sorted((root / "backups").glob("state-*.json"))
    for path in paths:
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        if seen.get(path) == key:
            continue
        raw = path.read_bytes()
        if path.suffix == ".journal":
            # One record per line; the last line may be torn (killed mid-append).
            for n, line in enumerate(raw.split(b"\n")[:-1], 1):
                assert decode_record(line) is not None, f"{path} line {n}: {line[:80]!r}"
        else:
            assert isinstance(json.loads(raw), dict), path
        seen[path] = key


@pytest.mark.slow
def test_sigkill_at_random_moments_never_loses_an_acknowledged_action(
    ram_library: Path, tmp_path: Path
) -> None:
    base_seed = int(os.environ.get("PAPERTUI_CRASH_SEED", "20250121"))
    rng = random.Random(base_seed)
    root = ram_library
    with Library.open(root, readonly=True) as lib:
        assert len(lib) == 257
        model = _disk_state(lib)
    imported: dict[str, str] = {}  # acknowledged imports: pid -> abstract
    stats: Counter[str] = Counter()
    parsed: dict[Path, tuple[int, int, int]] = {}
    server = ForkServer(tmp_path / "fork-server.err")
    started = time.monotonic()
    try:
        for it in range(KILLS):
            seed = base_seed * 1000 + it
            mode = rng.choices(("plain", "reopen", "import"), weights=(2, 1, 1))[0]
            delay = rng.uniform(0.0, MAX_DELAY)
            log = tmp_path / f"log-{it:03d}.txt"

            # Half the delays count from the fork (kills while the library is being opened:
            # journal folded into state.json, backup taken), half from the moment the
            # worker has it open (kills among actions, imports and re-opens).
            anchor = rng.choice(("fork", "open"))
            where = (
                f"iteration {it} (seed {seed}, mode {mode}, "
                f"kill {delay * 1000:.1f} ms after {anchor})"
            )
            # Half the time a second process writes at once (the app and a command in the
            # next pane), on the other half of the papers, and is killed too.
            pair = rng.random() < 0.5
            part = 0 if pair else None
            worker = server.ask(
                op="run",
                root=str(root),
                seed=seed,
                mode=mode,
                log=str(log),
                max_actions=100_000,
                part=part,
            )["pid"]
            log2 = tmp_path / f"log-{it:03d}-b.txt"
            worker2 = None
            if pair:
                worker2 = server.ask(
                    op="run",
                    root=str(root),
                    seed=seed + 500_000,
                    mode="plain",
                    log=str(log2),
                    max_actions=100_000,
                    part=1,
                )["pid"]
                stats["kills of two writers at once"] += 1
            if anchor == "open":
                deadline = time.monotonic() + 10
                while not (log.exists() and log.read_bytes().startswith(b"open\n")):
                    assert time.monotonic() < deadline, (
                        f"{where}: the worker never opened the library"
                    )
                    time.sleep(0.0005)
            time.sleep(delay)
            os.kill(worker, signal.SIGKILL)
            if worker2 is not None:
                time.sleep(rng.uniform(0.0, MAX_DELAY / 4))
                os.kill(worker2, signal.SIGKILL)
            for w in (worker, worker2):
                if w is None:
                    continue
                status = server.ask(op="wait", pid=w)["status"]
                assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
                    f"{where}: the worker did not die by SIGKILL (status {status}); "
                    f"its stderr:\n{server.stderr_text()}"
                )

            text = log.read_text() if log.exists() else ""
            run = Log.parse(text)
            if worker2 is not None:
                other = Log.parse(log2.read_text() if log2.exists() else "")
                run = Log(run.acks + other.acks, {**run.in_flight, **other.in_flight}, run.opens)
            stats["acks"] += len(run.acks)
            stats["kills after an ack"] += bool(run.acks)
            stats["kills with an action in flight"] += bool(run.in_flight)
            stats["kills before the library was open"] += run.opens == 0
            stats["re-opens (journal folded, backup taken)"] += max(0, run.opens - 1)
            stats["kills that left temp files"] += bool(_temp_files(root))
            stats["kills that left journal records"] += _journal_records(root) > 0
            in_flight_import = sorted(pid for pid, f in run.in_flight if f == "import")
            stats["kills with an import in flight"] += bool(in_flight_import)

            states = {pid: dict(v) for pid, v in model.items()}
            new_papers: dict[str, str] = {}
            for _seq, pid, name, value in run.acks:
                if name == "import":
                    new_papers[pid] = value
                    states.setdefault(pid, _default())
                else:
                    states[pid][name] = value
            imported.update(new_papers)
            expect = Expectation(
                where=where,
                states=states,
                in_flight=run.in_flight,
                imported=imported,
                new_papers=set(new_papers),
                in_flight_import=in_flight_import,
                check_all_abstracts=it % 25 == 24 or it == KILLS - 1,
                log_tail=text.splitlines()[-4:],
            )

            # The kill must not have left any library file half-written.
            try:
                _check_files_parse(root, parsed)
            except (AssertionError, ValueError) as exc:
                raise AssertionError(
                    f"{where}: a file does not parse after the kill: {exc}"
                ) from exc

            # As a reader sees it (snapshot + journal replayed, nothing rewritten) ...
            with Library.open(root, readonly=True) as lib:
                model = expect.verify(lib, "read-only open")
                for pid in in_flight_import:  # landed: ordinary papers from now on
                    if pid in model:
                        imported[pid] = lib.abstract(pid)
            # ... and, every other time, as the next writer sees it (journal folded in,
            # backup taken, temp files cleaned). The other times the next worker does that
            # folding itself, so that kills also land in the middle of it.
            if rng.random() < 0.5 or it == KILLS - 1:
                with Library.open(root) as lib:
                    model = expect.verify(lib, "writable open")
                    leftovers = _temp_files(root)
                assert not leftovers, f"{where}: temp files left after a writable open: {leftovers}"
                stats["writable checks"] += 1
            damaged = sorted(p.name for p in root.rglob("*.damaged-*"))
            assert not damaged, f"{where}: a kill made papertui think a file was damaged: {damaged}"
            _check_files_parse(root, parsed)
    finally:
        server.close()
    elapsed = time.monotonic() - started
    print(f"\n{KILLS} kills in {elapsed:.1f} s: {dict(stats)}; {len(imported)} papers imported")
    # The test only means something if kills landed after acknowledged actions and in flight.
    assert stats["kills after an ack"] >= KILLS // 5, stats
    assert stats["kills with an action in flight"] >= 10, stats
