"""papertui's benchmark: import, first paint, keypress saves, search, export and memory.

Usage (from the repository root, with the project's virtualenv)::

    .venv/bin/python -m bench.run --sizes 300,20000,100000 --repeat 3
    .venv/bin/python -m bench.run --quick          # ~300 papers, once: the test suite's smoke run

It first writes papertui's bytecode caches (:func:`compile_bytecode`). For every size it
generates a synthetic dump (:mod:`bench.generate`) and, in a temporary
folder (the app and the CLI always get ``--data-dir`` and ``PAPERTUI_DATA_DIR`` pointing
there, never the user's library), measures:

1. **import**: ``papertui import DUMP`` into an empty library: wall time and the peak RSS of
   that process (``wait4``'s ``ru_maxrss``); right after each import, the **first opening**
   (:func:`fresh_session`): ``s`` pressed every 0.25 s during the first 10 s after launch,
   key → journal, with no warm-up (the app reads abstracts and, if the import left none,
   builds the search index meanwhile); then the **search index** build, ``papertui index``
   (timed; the app runs it in a background process when the index is missing or stale; here
   it runs before the later app sessions, so those measure the library from its second
   opening on, index in use). *Import, search index ready* is the import, plus that build
   when the import did not leave an index;
2. **first paint**: ``papertui`` launched on a real pty (120x36, ``TERM=xterm-256color``)
   until any paper's title shows (:data:`bench.generate.NAME_PATTERN`);
3. **abstracts loaded** and **app memory**: then until the app goes idle (the background
   abstract loading and the index check are done); the app's memory is its ``VmHWM`` at
   the end of the session (step 4): everything loaded, word index included;
4. **keypress saves**: ``s`` and ``r`` (in the *All* view, so each press toggles the same
   paper back and forth) and the tag prompt (``t``, type ``bench`` or ``-bench``, then the
   timed key is Enter): each key is sent once the app is idle, and timed from its write to
   the pty until ``state.journal`` changes (polled in a tight loop), median and worst; for
   ``s``/``r`` also until the app's first output in reaction (its first repaint), and the
   same for ``j``/``k`` (cursor moves);
5. **search**: per keystroke, in-process with Textual's headless driver
   (:mod:`bench.search_probe`), a broad and a selective query in the *All* view (hits checked
   against the dump), then every shape of :data:`bench.search_probe.QUERY_SET` in the Inbox
   (words, phrase, OR, negation, ``is:``, ``has:``, ``tag:``, upvotes, dates; the keystrokes
   that leave a valid query; hits checked against the query's predicate run on every
   paper), until the screen took in the text and refreshed; and the time from the probe's
   launch until every abstract is searchable (loaded, and the index attached where the app
   uses one);
6. **export**: 1,000 papers starred (all of them if fewer), then ``papertui export -o FILE``
   wall time, and the in-process time of the same steps as the command (queue, papers,
   ``to_markdown``, atomic write);
7. **saves with 20% triaged**: a fifth of the papers marked read, then single read toggles
   through the Library API (a save's cost as the triage state grows).

Next to each figure it measures a floor in the same run: a bare Textual app painting a
40-row table (first paint, memory), an atomic write of a small file (saves), reading and
``json.loads`` of the library files (loading), reading the dump plus ``json.dumps`` and
atomic writes of the library files (import), ``papertui --version`` (export command), the
bare app's arrow-key repaint (keypress repaint), a plain substring scan over every title and
abstract per prefix (search). Figures are medians over ``--repeat`` runs; keypress samples
(``--keys`` per figure) and search keystrokes are pooled over the runs. The Markdown table
goes to standard output; JSON and Markdown copies go to ``bench/out/`` (``latest.md``,
``latest.json``). Exit status 1 when some figure could not be measured.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.generate import NAME_PATTERN, Dump, generate
from bench.pty_app import PtyApp, PtyTimeout, strip_ansi
from bench.search_probe import QUERY_SET
from papertui.library import INDEX_FILE

__all__ = ["METRICS", "Config", "main", "run"]

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "bench" / "out"
QUEUE_SIZE = 1000
SEARCH_QUERIES = ("diffusion", "quokkaformer")
"""Broad (~40% of papers) and selective (0.1%) queries, typed one key at a time."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Metric:
    """One line of the table: a figure, its unit, its floor and its target."""

    key: str
    label: str
    unit: str
    floor: str | None
    worst: bool = False
    """Show the worst sample next to the median (latencies)."""
    ratio: bool = True
    """Show the figure / floor ratio (off where the floor is only a part of the figure)."""


def shape_key(shape: str) -> str:
    """The metric key of a query shape of :data:`bench.search_probe.QUERY_SET`."""
    return "search_" + "".join(c if c.isalnum() else "_" for c in shape.lower()).strip("_")


SHAPE_METRICS: tuple[Metric, ...] = tuple(
    Metric(
        shape_key(shape) + "_ms",
        f"Search keystroke in the Inbox, {shape}: `{query}`",
        "ms",
        shape_key(shape).replace("search_", "scan_", 1) + "_ms",
        True,
    )
    for shape, query in QUERY_SET.items()
)
"""One line per query shape: every keystroke that leaves a valid query, typed in the Inbox."""

METRICS: tuple[Metric, ...] = (
    Metric("import_s", "Import (`papertui import`, wall)", "s", "import_io_s"),
    Metric(
        "import_ready_s",
        "Import, search index ready (import, + `papertui index` unless the import built it)",
        "s",
        "import_io_s",
    ),
    Metric("import_rss_mb", "Import peak RSS", "MB", None),
    Metric(
        "index_s",
        "Search index build (`papertui index`; the app runs it in the background)",
        "s",
        "load_all_s",
        ratio=False,
    ),
    Metric("index_rss_mb", "Search index build peak RSS", "MB", None),
    Metric("first_paint_s", "First paint (launch → first rows, pty)", "s", "bare_paint_s"),
    Metric(
        "abstracts_s", "Abstracts loaded (launch → app idle, ≈)", "s", "load_all_s", ratio=False
    ),
    Metric(
        "searchable_s",
        "Launch → every abstract searchable (headless app; index attached from 5,000 papers)",
        "s",
        "load_all_s",
        ratio=False,
    ),
    Metric("app_memory_mb", "App memory (VmHWM, end of the session)", "MB", "bare_memory_mb"),
    Metric(
        "fresh_save_ms",
        "Save: `s` in the first 10 s after opening a just-imported library (key → journal)",
        "ms",
        "journal_append_ms",
        True,
    ),
    Metric("save_star_ms", "Save: `s` star toggle (key → journal)", "ms", "atomic_write_ms", True),
    Metric("save_read_ms", "Save: `r` read toggle (key → journal)", "ms", "atomic_write_ms", True),
    Metric("save_tag_ms", "Save: tag prompt (Enter → journal)", "ms", "atomic_write_ms", True),
    Metric("key_repaint_ms", "Keypress `s`/`r` → first repaint (pty)", "ms", "bare_key_ms", True),
    Metric("key_repaint_j_ms", "Keypress `j` → first repaint (pty)", "ms", "bare_key_ms", True),
    Metric(
        "save_triaged_ms",
        "Save (Library API) with 20% of papers triaged",
        "ms",
        "atomic_write_ms",
        True,
    ),
    Metric(
        "save_concurrent_ms",
        "Save (Library API) while another process writes 200/s",
        "ms",
        "journal_append_ms",
        True,
    ),
    Metric("poll_idle_ms", "Look for other processes' writes, nothing new", "ms", None, True),
    Metric(
        "seen_elsewhere_ms",
        "Another process's write → seen here (looking every 10 ms)",
        "ms",
        None,
        True,
    ),
    Metric(
        "search_broad_ms",
        f"Search keystroke, broad `{SEARCH_QUERIES[0]}`",
        "ms",
        "scan_broad_ms",
        True,
    ),
    Metric(
        "search_selective_ms",
        f"Search keystroke, selective `{SEARCH_QUERIES[1]}`",
        "ms",
        "scan_selective_ms",
        True,
    ),
    *SHAPE_METRICS,
    Metric("export_cli_s", "Export queue (`papertui export -o`, wall)", "s", "cli_floor_s"),
    Metric("export_func_ms", "Export queue (in-process)", "ms", None),
    Metric(
        "relevance_view_ms",
        "Relevance order of the Inbox, from scratch (Library API)",
        "ms",
        "floor_sort_ms",
        True,
    ),
    Metric(
        "relevance_refresh_ms",
        "Relevance: a star → the new order of every paper (the app's worker)",
        "ms",
        "floor_sort_ms",
        True,
    ),
    Metric(
        "relevance_update_ms",
        "Relevance: one more positive folded into the model",
        "ms",
        "journal_append_ms",
        True,
    ),
    Metric("similar_ms", "Similar: the 10 papers most like one", "ms", "floor_top_ms", True),
    Metric(
        "relevance_prepare_s",
        "Relevance features ready (read, checked against every text)",
        "s",
        "load_all_s",
        ratio=False,
    ),
    Metric("relevance_growth_mb", "Relevance memory growth", "MB", "features_file_mb"),
)
"""Every figure of the table, in order (the smoke test checks each one is produced)."""

FLOOR_LABELS: dict[str, str] = {
    "import_io_s": "read dump + json.dumps & atomic write of the library files",
    "bare_paint_s": "bare Textual app, 40-row DataTable, same pty launch",
    "load_all_s": "read + json.loads of papers.json and all abstract shards",
    "load_papers_s": "read + json.loads of papers.json",
    "bare_memory_mb": "bare Textual app VmHWM",
    "atomic_write_ms": "atomic write of a small file (temp, fsync, replace, dir fsync)",
    "journal_append_ms": "append one line + fsync",
    "bare_key_ms": "bare Textual app, arrow key → first repaint of the table cursor",
    "scan_broad_ms": "plain substring scan of every title+abstract per prefix (median)",
    "scan_selective_ms": "plain substring scan of every title+abstract per prefix (median)",
    "cli_floor_s": "`papertui --version` (interpreter + CLI start)",
    "floor_sort_ms": "sort the view's ids by precomputed scores (`sorted`, C-level key)",
    "floor_top_ms": "10 best of precomputed scores of every paper (`heapq.nlargest`)",
    "features_file_mb": "the ranking features file (what it holds, on disk)",
    **{
        m.floor: "plain substring scan of every title+abstract for the typed text (median)"
        for m in SHAPE_METRICS
        if m.floor
    },
}


def _summary(samples: Sequence[float]) -> dict[str, Any]:
    """Median, worst (max), best and count of some samples."""
    return {
        "median": statistics.median(samples),
        "worst": max(samples),
        "best": min(samples),
        "n": len(samples),
        "samples": list(samples),
    }


class SizeResult:
    """Samples of every metric and floor for one library size."""

    def __init__(self, papers: int) -> None:
        self.papers = papers
        self.samples: dict[str, list[float]] = {}
        self.errors: dict[str, str] = {}
        self.notes: dict[str, Any] = {}

    def add(self, key: str, *values: float) -> None:
        """Record samples."""
        self.samples.setdefault(key, []).extend(values)

    def get(self, key: str) -> dict[str, Any] | None:
        """The summary of ``key``, or None when it was not measured."""
        values = self.samples.get(key)
        return _summary(values) if values else None

    def to_json(self) -> dict[str, Any]:
        """Everything, summarised."""
        return {
            "papers": self.papers,
            "figures": {k: _summary(v) for k, v in self.samples.items() if v},
            "errors": self.errors,
            "notes": self.notes,
        }


@contextlib.contextmanager
def _step(result: SizeResult, name: str) -> Any:
    """Run one measurement; a failure is recorded (and printed) instead of aborting the run."""
    t0 = time.perf_counter()
    try:
        yield
    except Exception as exc:
        result.errors[name] = f"{type(exc).__name__}: {exc}"
        print(f"  ! {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    else:
        _log(f"  {name}: {time.perf_counter() - t0:.1f} s")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- processes


def papertui_argv() -> list[str]:
    """How to start ``papertui``: the virtualenv's console script, else ``-m papertui``."""
    script = Path(sys.executable).parent / "papertui"
    return [str(script)] if script.exists() else [sys.executable, "-m", "papertui"]


def child_env(data_dir: Path) -> dict[str, str]:
    """Environment for a child: the library in ``data_dir``, the repo importable."""
    env = dict(os.environ)
    env["PAPERTUI_DATA_DIR"] = str(data_dir)
    env["PAPERTUI_CONFIG"] = str(data_dir / "no-config.toml")  # never the user's settings
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.pop("TEXTUAL", None)
    return env


def run_measured(argv: Sequence[str], env: dict[str, str]) -> tuple[float, int, int, str]:
    """Run a command; returns wall seconds, peak RSS (kB), exit code and its stderr tail."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    return wall, usage.ru_maxrss, proc.returncode, tail


# --------------------------------------------------------------------------- floors


def atomic_write_floor(folder: Path, count: int) -> list[float]:
    """Milliseconds per atomic write of a small file: temp, fsync, replace, dir fsync."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "floor.json"
    out = []
    for i in range(count):
        data = json.dumps({"i": i, "starred": True, "tags": ["bench"]}).encode()
        t0 = time.perf_counter()
        tmp = folder / ".floor.json.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        out.append((time.perf_counter() - t0) * 1000)
    target.unlink()
    return out


def journal_append_floor(folder: Path, count: int) -> list[float]:
    """Milliseconds per appended line + fsync (what a journaled save needs at least)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "floor.journal"
    out = []
    with open(path, "ab") as fh:
        for i in range(count):
            line = json.dumps({"t": "state", "i": f"{i:012x}", "d": {"starred": True}}).encode()
            t0 = time.perf_counter()
            fh.write(line + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
            out.append((time.perf_counter() - t0) * 1000)
    path.unlink()
    return out


def library_files(lib: Path) -> list[Path]:
    """papers.json then the abstract shards."""
    return [lib / "papers.json", *sorted((lib / "abstracts").glob("*.json"))]


def load_floor(lib: Path) -> tuple[float, float]:
    """Seconds to read + ``json.loads`` papers.json, and papers.json plus every shard."""
    files = library_files(lib)
    t0 = time.perf_counter()
    json.loads(files[0].read_bytes())
    t1 = time.perf_counter()
    for f in files[1:]:
        json.loads(f.read_bytes())
    t2 = time.perf_counter()
    return t1 - t0, t2 - t0


def import_io_floor(dump: Dump, lib: Path, scratch: Path) -> float:
    """Seconds to read the dump, then ``json.dumps`` + atomically write the library's data."""
    from papertui.fsutil import atomic_write

    data = [(f.name, json.loads(f.read_bytes())) for f in library_files(lib)]
    scratch.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for page in dump.files:
        page.read_bytes()
    for name, doc in data:
        atomic_write(
            scratch / name, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        )
    elapsed = time.perf_counter() - t0
    shutil.rmtree(scratch)
    return elapsed


def _names_shown(names: set[str]) -> Callable[[bytes], bool]:
    """A test for :meth:`PtyApp.wait_for`: some paper's title name is on the screen."""

    def test(output: bytes) -> bool:
        return any(m in names for m in NAME_PATTERN.findall(strip_ansi(output)))

    return test


DOWN, UP = b"\x1b[B", b"\x1b[A"


def bare_app_floor(timeout: float, keys: int) -> tuple[float, float, list[float]]:
    """The bare Textual app, launched like papertui: first paint (s), VmHWM (MB), and the
    ms from an arrow key (cursor down / up in the table) until the screen settled."""
    from bench.bare_app import ROWS
    from bench.generate import paper_name

    names = {paper_name(i) for i in range(ROWS)}
    env = child_env(Path(tempfile.gettempdir()) / "papertui-bench-unused")
    with PtyApp([sys.executable, "-m", "bench.bare_app"], env=env, cwd=REPO) as app:
        shown = app.wait_for(_names_shown(names), timeout, what="bare app rows")
        app.settle(0.2)
        hwm = app.status("VmHWM") or 0
        moves = []
        for i in range(keys):
            app.quiesce()
            app.mark()
            t0 = app.send(DOWN if i % 2 == 0 else UP)
            app.wait_repaint(t0, quiet=0.05)
            moves.append((next(t for t in app.arrivals if t > t0) - t0) * 1000)
        return shown - app.started, hwm / 1024, moves


# --------------------------------------------------------------------------- the app


def _journal_sig(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size


def _saved(app: PtyApp, key: bytes, journal: Path, timeout: float) -> tuple[float, float]:
    """Send ``key``; returns when it was sent and when ``journal`` changed after it (polled in
    a tight loop, reading the app's output meanwhile)."""
    before = _journal_sig(journal)
    app.mark()
    t0 = app.send(key)
    deadline = t0 + timeout
    while _journal_sig(journal) == before:
        if time.perf_counter() > deadline:
            raise PtyTimeout(f"{key!r} did not change {journal.name} within {timeout:.0f} s")
        app.pump(0.0002)
    return t0, time.perf_counter()


def timed_save(
    app: PtyApp, key: bytes, journal: Path, timeout: float = 10.0
) -> tuple[float, float]:
    """Send ``key`` once the app is idle; returns the ms until ``journal`` changed and until
    the app's first output in reaction (its first repaint)."""
    app.quiesce()
    t0, t1 = _saved(app, key, journal, timeout)
    app.wait_repaint(t0, quiet=0.05, timeout=timeout)
    first = next(t for t in app.arrivals if t > t0)
    return (t1 - t0) * 1000, (first - t0) * 1000


def timed_repaint(app: PtyApp, key: bytes, timeout: float = 10.0) -> float:
    """Send ``key`` once the app is idle; returns the ms until the app's first output."""
    app.quiesce()
    app.mark()
    t0 = app.send(key)
    app.wait_repaint(t0, quiet=0.05, timeout=timeout)
    return (next(t for t in app.arrivals if t > t0) - t0) * 1000


FRESH_WINDOW = 10.0
"""Seconds after launch during which :func:`fresh_session` presses ``s``."""


def fresh_session(lib: Path, names: set[str], timeout: float, result: SizeResult) -> None:
    """The first opening of a just-imported library, as a user meets it: as soon as rows
    show, ``s`` every 0.25 s (in the *All* view, so each press toggles the same paper; each
    once the previous one's repaint is over) until :data:`FRESH_WINDOW` seconds after launch,
    whatever the app is doing in the background (reading abstracts, building the search
    index): no warm-up, no waiting for the app to go idle."""
    argv = [*papertui_argv(), "--data-dir", str(lib)]
    journal = lib / "state.journal"
    with PtyApp(argv, env=child_env(lib), cwd=lib) as app:
        shown = app.wait_for(_names_shown(names), timeout, what="paper rows")
        result.add("fresh_paint_s", shown - app.started)
        app.mark()
        app.wait_repaint(app.send(b"4"), quiet=0.02, timeout=timeout)
        presses = 0
        while time.perf_counter() < app.started + FRESH_WINDOW or presses % 2:
            t0, t1 = _saved(app, b"s", journal, timeout)
            result.add("fresh_save_ms", (t1 - t0) * 1000)
            presses += 1
            app.settle(0.05, timeout=timeout)  # this key's own repaint is over
            end = t0 + 0.25
            while time.perf_counter() < end:
                app.pump(max(0.0, end - time.perf_counter()))
        result.notes["fresh_presses"] = presses


def app_session(lib: Path, names: set[str], keys: int, timeout: float, result: SizeResult) -> None:
    """Launch papertui on a pty: first paint, abstracts, memory, then the keypress saves."""
    argv = [*papertui_argv(), "--data-dir", str(lib)]
    journal = lib / "state.journal"
    with PtyApp(argv, env=child_env(lib), cwd=lib) as app:
        shown = app.wait_for(_names_shown(names), timeout, what="paper rows")
        result.add("first_paint_s", shown - app.started)
        idle = app.wait_idle(window=0.25, share=0.15, timeout=timeout * 4)
        result.add("abstracts_s", idle - app.started)
        result.notes["app_memory_idle_mb"] = (app.status("VmHWM") or 0) / 1024
        app.send(b"4")  # the All view: toggles do not move the paper out of the list
        app.settle(0.3)
        for key, metric in ((b"s", "save_star_ms"), (b"r", "save_read_ms")):
            for _ in range(keys):
                saved, painted = timed_save(app, key, journal)
                result.add(metric, saved)
                result.add("key_repaint_ms", painted)
        for i in range(keys):
            result.add("key_repaint_j_ms", timed_repaint(app, b"j" if i % 2 == 0 else b"k"))
        for i in range(keys):
            app.mark()
            app.send(b"t")
            app.wait_for(lambda out: "Tags ·" in strip_ansi(out), 10, what="the tag prompt")
            app.quiesce()
            app.send(b"bench" if i % 2 == 0 else b"-bench")
            result.add("save_tag_ms", timed_save(app, b"\r", journal)[0])
        # The high-water mark once everything ran: abstracts, search texts, word index.
        result.add("app_memory_mb", (app.status("VmHWM") or 0) / 1024)


def _probe(module: str, lib: Path, options: Sequence[str], timeout: float) -> dict[str, Any]:
    """Run a probe module in a fresh interpreter on ``lib``; returns the JSON it printed last."""
    argv = [sys.executable, "-m", module, "--data-dir", str(lib), *options]
    proc = subprocess.run(
        argv,
        env=child_env(lib),
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{module} failed ({proc.returncode}): {proc.stderr[-1500:]}")
    parsed: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return parsed


def relevance_probe(lib: Path, timeout: float) -> dict[str, Any]:
    """Run :mod:`bench.relevance_probe`; returns its JSON."""
    return _probe("bench.relevance_probe", lib, [], timeout)


def search_probe(lib: Path, rounds: int, timeout: float) -> dict[str, Any]:
    """Run :mod:`bench.search_probe` (the two dump-checked queries in the *All* view, then
    the query set in the Inbox); returns its JSON."""
    options: list[str] = []
    for q in SEARCH_QUERIES:
        options += ["--query", q]
    options += ["--rounds", str(rounds), "--query-set", "--launched", repr(time.time())]
    return _probe("bench.search_probe", lib, options, timeout)


def triaged_saves(lib: Path, share: float, count: int) -> tuple[int, list[float]]:
    """Mark ``share`` of the papers read (one write), then time ``count`` single-paper read
    toggles through the Library API (what the app calls): ms each, journal fsync included.
    Returns the number of stored states and the timings."""
    from papertui.library import Library

    with Library.open(lib) as library:
        ids = library.sorted_ids("date")
        library.set_read(ids[len(ids) - max(1, int(len(ids) * share)) :], True)
    with Library.open(lib) as library:  # as the app would: journal folded
        pid = library.sorted_ids("date")[0]
        stored = len(library.store.load_states())
        out = []
        for i in range(count):
            t0 = time.perf_counter()
            library.set_read([pid], i % 2 == 0)
            out.append((time.perf_counter() - t0) * 1000)
    return stored, out


OTHER_WRITER = """
import sys, time
from pathlib import Path
from papertui.library import Library

lib = Library.open(Path(sys.argv[1]))
ids = lib.sorted_ids("date")[-200:]
print("ready", flush=True)
for line in sys.stdin:
    if line.startswith("busy"):  # write 200 times a second until told otherwise
        end, i = time.time() + float(line.split()[1]), 0
        while time.time() < end:
            lib.set_starred([ids[i % 100]], (i // 100) % 2 == 0)
            i += 1
            time.sleep(0.005)
        print("done", i, flush=True)
    else:  # "star N": one write, then when it was acknowledged
        lib.set_starred([ids[100 + int(line.split()[1])]], True)
        print(time.time(), flush=True)
"""


def concurrent_saves(lib: Path, count: int) -> tuple[list[float], list[float], list[float]]:
    """The live library with another process writing: ``count`` read toggles through the
    Library API (what the app calls) while the other process writes 200 times a second (ms
    each); the cost of the app's periodic look when nothing changed (ms); and how long a
    write by the other process takes to be seen here, looking every 10 ms (ms; the app looks
    every 250 ms, which it adds at most)."""
    from papertui.library import Library

    proc = subprocess.Popen(
        [sys.executable, "-P", "-c", OTHER_WRITER, str(lib)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(lib),
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline() == "ready\n"
        with Library.open(lib) as library:
            pid = library.sorted_ids("date")[0]
            others = library.sorted_ids("date")[-100:]
            library.resolve(pid)  # steady state: the id index exists (the first keypress
            # after opening, which builds it, is in the app session's figures)
            gc.freeze()  # as the app does once the library is loaded (papertui.cli)
            proc.stdin.write(f"busy {max(2.0, count * 0.03)}\n")
            proc.stdin.flush()
            saves = []
            for i in range(count):
                t0 = time.perf_counter()
                library.set_read([pid], i % 2 == 0)
                saves.append((time.perf_counter() - t0) * 1000)
                library.refresh()
                time.sleep(0.01)
            proc.stdout.readline()  # done
            library.refresh()
            idle = []
            for _ in range(50):
                t0 = time.perf_counter()
                library.refresh()
                idle.append((time.perf_counter() - t0) * 1000)
            library.set_starred(others[:20], False)  # a library measured before: start over
            seen = []
            for n in range(20):
                proc.stdin.write(f"star {n}\n")
                proc.stdin.flush()
                acked = float(proc.stdout.readline())
                while not library.state(others[n]).starred:
                    time.sleep(0.01)
                    library.refresh()
                seen.append((time.time() - acked) * 1000)
        return saves, idle, seen
    finally:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------- export


def star_queue(lib: Path, count: int) -> int:
    """Star the ``count`` newest papers (the queue to export); returns the queue's length."""
    from papertui.library import Library

    with Library.open(lib) as library:
        ids = library.sorted_ids("date")[:count]
        library.set_starred(ids, True)
        return len(library.queue())


def export_in_process(lib: Path, target: Path) -> float:
    """Milliseconds for what ``papertui export -o`` does once the library is open."""
    from datetime import date

    from papertui.export import to_markdown
    from papertui.fsutil import atomic_write
    from papertui.library import Library

    with Library.open(lib, readonly=True) as library:
        t0 = time.perf_counter()
        ids = library.queue()
        text = to_markdown(
            [(library.paper(p), library.state(p)) for p in ids],
            title="Reading queue",
            today=date.today(),
        )
        atomic_write(target, text.encode("utf-8"))
        return (time.perf_counter() - t0) * 1000


# --------------------------------------------------------------------------- driver


@dataclass
class Config:
    """What to run."""

    sizes: list[int]
    repeat: int
    keys: int
    search_rounds: int
    work: Path
    out: Path
    seed: int = 0
    timeout: float = 60.0


def measure_size(papers: int, cfg: Config) -> SizeResult:
    """Every measurement for one library size."""
    result = SizeResult(papers)
    base = cfg.work / f"n{papers}"
    _log(f"== {papers} papers")
    dump = generate(papers, base / "dump", seed=cfg.seed)
    result.notes["dump"] = {
        "files": len(dump.files),
        "mb": dump.bytes / 1e6,
        "generate_s": dump.seconds,
        "term_counts": dump.term_counts,
    }
    names = set(dump.names)
    lib = base / "lib"
    built = []  # per import: did it leave a search index?
    for r in range(cfg.repeat):
        with _step(result, f"import #{r + 1}"):
            if lib.exists():
                shutil.rmtree(lib)
            argv = [*papertui_argv(), "--data-dir", str(lib), "import", str(dump.folder)]
            wall, rss_kb, code, err = run_measured(argv, child_env(lib))
            if code != 0:
                raise RuntimeError(f"papertui import exited {code}: {err}")
            result.add("import_s", wall)
            result.add("import_rss_mb", rss_kb / 1024)
            built.append((lib / INDEX_FILE).exists())
        with _step(result, f"first opening #{r + 1}"):
            fresh_session(lib, names, cfg.timeout, result)
    result.notes["import_builds_index"] = built
    if not (lib / "papers.json").exists():
        return result
    result.notes["library_mb"] = sum(f.stat().st_size for f in library_files(lib)) / 1e6
    stored = len(json.loads((lib / "papers.json").read_bytes())["tables"]["papers"]["ids"])
    result.notes["imported"] = stored
    if stored != papers:
        result.errors["import"] = f"the library holds {stored} papers, the dump {papers}"
    with _step(result, "search index"):
        for _ in range(cfg.repeat):
            (lib / INDEX_FILE).unlink(missing_ok=True)
            argv = [*papertui_argv(), "--data-dir", str(lib), "index"]
            wall, rss_kb, code, err = run_measured(argv, child_env(lib))
            if code != 0:
                raise RuntimeError(f"papertui index exited {code}: {err}")
            result.add("index_s", wall)
            result.add("index_rss_mb", rss_kb / 1024)
        result.notes["index_mb"] = (lib / INDEX_FILE).stat().st_size / 1e6
        indexes = result.samples["index_s"]
        for i, (wall, has_index) in enumerate(zip(result.samples["import_s"], built, strict=False)):
            result.add("import_ready_s", wall + (0.0 if has_index else indexes[i % len(indexes)]))
    for r in range(cfg.repeat):
        with _step(result, f"relevance #{r + 1}"):
            found = relevance_probe(lib, cfg.timeout * 10)
            result.add("relevance_view_ms", *found["view_ms"])
            result.add("relevance_refresh_ms", *found["refresh_ms"])
            result.add("relevance_update_ms", *found["update_ms"])
            result.add("similar_ms", *found["similar_ms"])
            result.add("relevance_prepare_s", found["prepare_ms"] / 1000)
            result.add("relevance_growth_mb", found["growth_mb"])
            result.add("floor_sort_ms", *found["floor_sort_ms"])
            result.add("floor_top_ms", *found["floor_top_ms"])
            result.add("features_file_mb", found["features_file_mb"])
    with _step(result, "floors (io, load, write)"):
        for _ in range(cfg.repeat):
            result.add("import_io_s", import_io_floor(dump, lib, base / "scratch"))
            papers_s, all_s = load_floor(lib)
            result.add("load_papers_s", papers_s)
            result.add("load_all_s", all_s)
        result.add("atomic_write_ms", *atomic_write_floor(base / "floor", 50))
        result.add("journal_append_ms", *journal_append_floor(base / "floor", 50))
    per_session = -(-cfg.keys // cfg.repeat)  # the keypress samples are pooled over sessions
    per_session += per_session % 2  # even: every toggle ends where it started
    for r in range(cfg.repeat):
        with _step(result, f"bare app #{r + 1}"):
            paint, hwm, moves = bare_app_floor(cfg.timeout, per_session)
            result.add("bare_paint_s", paint)
            result.add("bare_memory_mb", hwm)
            result.add("bare_key_ms", *moves)
        with _step(result, f"app session #{r + 1}"):
            app_session(lib, names, per_session, cfg.timeout, result)
    for r in range(cfg.repeat):
        with _step(result, f"search #{r + 1}"):
            found = search_probe(lib, cfg.search_rounds, cfg.timeout * 10)
            broad, selective = (found["queries"][q] for q in SEARCH_QUERIES)
            result.add("search_broad_ms", *broad["ms"])
            result.add("search_selective_ms", *selective["ms"])
            floor = found["floor_scan_ms"]
            result.add("scan_broad_ms", floor[SEARCH_QUERIES[0]])
            result.add("scan_selective_ms", floor[SEARCH_QUERIES[1]])
            hits = {q: found["queries"][q]["hits"] for q in SEARCH_QUERIES}
            result.notes["search_hits"] = hits
            expected = {q: dump.term_counts[q] for q in SEARCH_QUERIES}
            if hits != expected:
                raise RuntimeError(f"search showed {hits} papers, the dump has {expected}")
            if "searchable_s" in found:
                result.add("searchable_s", found["searchable_s"])
            shapes = found["shapes"]
            for shape, metric in zip(QUERY_SET, SHAPE_METRICS, strict=True):
                result.add(metric.key, *shapes[shape]["ms"])
                assert metric.floor is not None
                result.add(metric.floor, shapes[shape]["floor_scan_ms"])
            result.notes["shape_hits"] = {s: shapes[s]["hits"] for s in shapes}
            wrong = {s: v for s, v in shapes.items() if v["hits"] != v["expected"]}
            if wrong:
                raise RuntimeError(
                    "the Inbox showed "
                    + ", ".join(
                        f"{v['hits']} for {v['query']!r}, not {v['expected']}"
                        for v in wrong.values()
                    )
                )
    with _step(result, "export"):
        queued = star_queue(lib, QUEUE_SIZE)
        result.notes["queued"] = queued
        target = base / "queue.md"
        for _ in range(cfg.repeat):
            argv = [*papertui_argv(), "--data-dir", str(lib), "export", "-o", str(target)]
            wall, _rss, code, err = run_measured(argv, child_env(lib))
            if code != 0:
                raise RuntimeError(f"papertui export exited {code}: {err}")
            result.add("export_cli_s", wall)
            result.add("export_func_ms", export_in_process(lib, base / "queue-func.md"))
            wall, _rss, code, err = run_measured([*papertui_argv(), "--version"], child_env(lib))
            result.add("cli_floor_s", wall)
        result.notes["export_bytes"] = target.stat().st_size
    with _step(result, "saves with 20% triaged"):
        triaged, saves = triaged_saves(lib, 0.2, cfg.keys)
        result.notes["triaged_states"] = triaged
        result.add("save_triaged_ms", *saves)
    with _step(result, "saves with another process writing"):
        saves, idle, seen = concurrent_saves(lib, cfg.keys)
        result.add("save_concurrent_ms", *saves)
        result.add("poll_idle_ms", *idle)
        result.add("seen_elsewhere_ms", *seen)
    return result


# --------------------------------------------------------------------------- report


def _fmt(value: float, unit: str) -> str:
    """A figure with a sensible number of digits (small seconds shown in ms)."""
    if unit == "s" and value < 0.1:
        return _fmt(value * 1000, "ms")
    if unit == "s":
        return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        if value < 1:
            return f"{value:.2f} ms"
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    return f"{value:.0f} {unit}"


def _cell(res: SizeResult, metric: Metric) -> str:
    fig = res.get(metric.key)
    if fig is None:
        return "—"
    text = _fmt(fig["median"], metric.unit)
    if metric.worst:
        text += f" / {_fmt(fig['worst'], metric.unit)}"
    floor = res.get(metric.floor) if metric.floor else None
    if floor is not None and floor["median"] > 0:
        text += f" ({_fmt(floor['median'], metric.unit)}"
        if metric.ratio:
            text += f", {fig['median'] / floor['median']:.1f}x"
        text += ")"
    return text


@dataclass(frozen=True)
class Verdict:
    """One target, judged on the largest size measured."""

    target: str
    met: bool | None
    detail: str


def judge(results: Sequence[SizeResult]) -> list[Verdict]:
    """Check the targets on the largest size (saves also against the smallest)."""
    if not results:
        return []
    big, small = results[-1], results[0]
    out: list[Verdict] = []

    def med(res: SizeResult, key: str) -> float | None:
        fig = res.get(key)
        return None if fig is None else float(fig["median"])

    def latency(key: str, label: str, median: float, worst: float | None = None) -> None:
        fig = big.get(key)
        if fig is None:
            return
        ok = fig["median"] <= median and (worst is None or fig["worst"] <= worst)
        limit = f"≤ {median:g} ms median" + (f", ≤ {worst:g} ms worst" if worst else "")
        detail = f"median {fig['median']:.1f} ms, worst {fig['worst']:.0f} ms"
        out.append(Verdict(f"{label} {limit}", ok, detail))

    paint, bare = med(big, "first_paint_s"), med(big, "bare_paint_s")
    if paint is not None and bare:
        out.append(
            Verdict(
                "first paint ≤ 1.5x bare Textual app",
                paint <= 1.5 * bare,
                f"{paint:.2f} s vs {bare:.2f} s = {paint / bare:.1f}x",
            )
        )
    latency("fresh_save_ms", "save in the first 10 s after a fresh import", 20, 50)
    for key, label in (("save_star_ms", "star"), ("save_read_ms", "read"), ("save_tag_ms", "tag")):
        m, m0 = med(big, key), med(small, key)
        if m is None:
            continue
        ok = m <= 20
        detail = f"median {m:.1f} ms"
        if m0 and big is not small:
            ok = ok and m <= 1.5 * m0
            detail += f", {m / m0:.2f}x the {small.papers:,}-paper figure ({m0:.1f} ms)"
        out.append(
            Verdict(f"{label} save ≤ 20 ms median and ≤ 1.5x at {small.papers:,}", ok, detail)
        )
    latency("key_repaint_ms", "keypress s/r → first repaint", 16)
    latency("key_repaint_j_ms", "keypress j → first repaint", 16)
    for key in ("search_broad_ms", "search_selective_ms"):
        latency(key, f"search keystroke ({key.split('_')[1]}, All view)", 50, 100)
    for shape, metric in zip(QUERY_SET, SHAPE_METRICS, strict=True):
        latency(metric.key, f"search keystroke, Inbox, {shape}", 50, 100)
    imp = med(big, "import_ready_s")
    if imp is not None:
        out.append(Verdict("import with the search index ready ≤ 10 s", imp <= 10, f"{imp:.1f} s"))
    ready = med(big, "searchable_s")
    if ready is not None:
        out.append(
            Verdict("launch → every abstract searchable ≤ 2 s", ready <= 2, f"{ready:.2f} s")
        )
    exp = med(big, "export_cli_s")
    if exp is not None:
        out.append(
            Verdict(
                f"export of the queue ({big.notes.get('queued', '?')}) ≤ 0.5 s",
                exp <= 0.5,
                f"command {exp:.2f} s, in-process {med(big, 'export_func_ms') or 0:.0f} ms",
            )
        )
    mem = med(big, "app_memory_mb")
    if mem is not None:
        out.append(Verdict("app memory ≤ 400 MB", mem <= 400, f"{mem:.0f} MB"))
    for key, label, limit in (
        ("relevance_view_ms", "relevance order of a view", 300),
        ("similar_ms", "similar", 100),
        ("relevance_update_ms", "a new positive (model update)", 10),
        ("relevance_growth_mb", "relevance memory growth", 150),
    ):
        m = med(big, key)
        if m is not None:
            unit = "MB" if key.endswith("_mb") else "ms"
            out.append(Verdict(f"{label} ≤ {limit} {unit}", m <= limit, f"median {m:.1f} {unit}"))
    return out


def markdown(results: Sequence[SizeResult], cfg: Config, started: datetime) -> str:
    """The results table (Markdown), floors in parentheses, then the targets."""
    head = "| Measure | " + " | ".join(f"{r.papers:,} papers" for r in results) + " | Floor |"
    lines = [
        f"papertui benchmark, {started:%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, repeat {cfg.repeat}, ≥{cfg.keys} keypresses per "
        "save figure.",
        "",
        "Cells: median (latencies: median / worst), then (floor measured in the same run, ratio).",
        "",
        head,
        "|" + "---|" * (len(results) + 2),
    ]
    for metric in METRICS:
        cells = [_cell(r, metric) for r in results]
        floor = FLOOR_LABELS.get(metric.floor or "", "")
        lines.append(f"| {metric.label} | " + " | ".join(cells) + f" | {floor} |")
    verdicts = judge(results)
    if verdicts:
        largest = results[-1].papers
        lines += ["", f"Targets at {largest:,} papers:", ""]
        for v in verdicts:
            mark = "met" if v.met else "MISSED"
            lines.append(f"- {v.target}: **{mark}** ({v.detail})")
    errors = [(r.papers, k, e) for r in results for k, e in r.errors.items()]
    if errors:
        lines += ["", "Errors:", ""]
        lines += [f"- {n:,} papers, {k}: {e}" for n, k, e in errors]
    return "\n".join(lines) + "\n"


def missing_figures(results: Iterable[SizeResult]) -> list[str]:
    """``size:metric`` for every figure of the table (or its floor) that was not produced."""
    out = []
    for r in results:
        for metric in METRICS:
            for key in (metric.key, metric.floor):
                if key and r.get(key) is None:
                    out.append(f"{r.papers}:{key}")
    return out


def compile_bytecode() -> None:
    """Write papertui's (and the benchmark's) bytecode caches before anything is timed.

    What ``pip install`` does for an installed package, and what Python does on a first run:
    without it, every launch here would compile papertui's source again, because these
    machines set ``PYTHONDONTWRITEBYTECODE`` (Python still reads caches that exist). Textual,
    installed by pip, has its caches; papertui, installed in editable mode, gets them here,
    so that the app and the bare Textual floor start on equal terms.
    """
    import compileall

    for package in ("papertui", "bench"):
        compileall.compile_dir(REPO / package, quiet=1)


def run(cfg: Config) -> tuple[list[SizeResult], str, Path]:
    """Measure every size; write JSON and Markdown to ``cfg.out``; return the table."""
    started = datetime.now()
    compile_bytecode()
    results = [measure_size(n, cfg) for n in cfg.sizes]
    table = markdown(results, cfg, started)
    cfg.out.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    payload = {
        "started": started.isoformat(timespec="seconds"),
        "config": {
            "sizes": cfg.sizes,
            "repeat": cfg.repeat,
            "keys": cfg.keys,
            "search_rounds": cfg.search_rounds,
            "seed": cfg.seed,
        },
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "floors": FLOOR_LABELS,
        "results": [r.to_json() for r in results],
        "targets": [v.__dict__ for v in judge(results)],
        "missing": missing_figures(results),
    }
    path = cfg.out / f"bench-{stamp}.json"
    path.write_text(json.dumps(payload, indent=1) + "\n")
    (cfg.out / f"bench-{stamp}.md").write_text(table)
    shutil.copyfile(path, cfg.out / "latest.json")
    (cfg.out / "latest.md").write_text(table)
    return results, table, path


def _sizes(text: str) -> list[int]:
    sizes = [int(s.replace("_", "").replace("k", "000")) for s in text.split(",") if s]
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError("sizes are positive numbers: 300,20000,100000")
    return sorted(sizes)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; exit status 1 when some figure could not be measured."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=_sizes("300,20000,100000"),
        help="library sizes (default 300,20000,100000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument(
        "--keys",
        type=int,
        default=50,
        help="keypresses per save figure, pooled over the repeats (default 50)",
    )
    parser.add_argument(
        "--search-rounds", type=int, default=1, help="times each query is typed per search run"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 300 papers, once, 4 keypresses each"
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where results go")
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="scratch folder (default: a new temp folder, removed afterwards)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for the app to show something"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat, args.keys, args.search_rounds = [300], 1, 4, 1
    work = args.work or Path(tempfile.mkdtemp(prefix="papertui-bench-"))
    cfg = Config(
        args.sizes,
        max(1, args.repeat),
        max(2, args.keys),
        max(1, args.search_rounds),
        work,
        args.out,
        args.seed,
        args.timeout,
    )
    try:
        results, table, path = run(cfg)
    finally:
        if args.work is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    sys.stdout.write(table)
    _log(f"results: {path}")
    missing = missing_figures(results)
    if missing:
        _log(f"missing figures: {', '.join(missing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
