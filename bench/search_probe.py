"""Search latency, measured in-process with Textual's headless driver (``App.run_test``).

Run by :mod:`bench.run` in a subprocess (``python -m bench.search_probe --data-dir DIR
--query diffusion --query quokkaformer``); prints one JSON object on standard output.

For each keystroke of each query the probe, 0.1 s after the previous one's result was on
screen (``--gap``: a fast typist's pace; sent back to back, keys would also measure the
wait for Textual's next frame at 60 fps, up to 17 ms, which a person typing never sees),

1. sends the key the way a terminal driver does (``driver.send_message(events.Key)``; the
   Pilot's ``press`` is not used because it adds two 20 ms idle waits per key),
2. waits until the paper list's ``rows`` object has changed (the screen filters
   synchronously when the search text changes, then binds the new rows to the list),
3. waits for the next screen refresh after that (``call_after_refresh``: the list's visible
   lines have been rendered by the compositor; the headless driver only skips the final
   write to a terminal),

and records the time from 1 to 3. Typing starts once every abstract is loaded (full-text
search) and, for a library the app indexes (5,000 papers and more), once the word index is
in use; in the *All* view, so that the number of hits can be checked against the dump.
The floor is a plain substring scan of every paper's case-folded title + abstract for each
prefix typed (median over the prefixes): what a linear scan costs without any overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "probe"]


async def _type_query(
    app: Any, plist: Any, query: str, timeout: float, gap: float
) -> tuple[list[float], int]:
    """Type ``query`` key by key, ``gap`` seconds apart; returns per-key latencies (ms) and
    the final row count."""
    from textual import events

    loop = asyncio.get_running_loop()
    driver = app._driver
    latencies: list[float] = []
    for ch in query:
        await asyncio.sleep(gap)
        before = plist.rows
        refreshed: asyncio.Future[float] = loop.create_future()
        key = events.Key(ch, ch)
        key.set_sender(app)
        t0 = time.perf_counter()
        driver.send_message(key)
        deadline = t0 + timeout
        while plist.rows is before:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"the list did not change after typing {ch!r} of {query!r}")
            await asyncio.sleep(0)
        plist.call_after_refresh(lambda f=refreshed: f.done() or f.set_result(time.perf_counter()))
        t1 = await asyncio.wait_for(refreshed, timeout)
        latencies.append((t1 - t0) * 1000)
    return latencies, len(plist.rows)


async def _clear(app: Any, pilot: Any) -> None:
    """Escape: clear the search (back to the full view)."""
    await pilot.press("escape")
    await pilot.pause()


async def probe(
    data_dir: Path, queries: Sequence[str], rounds: int, timeout: float, gap: float = 0.1
) -> dict[str, Any]:
    """Open the app headless on ``data_dir`` and time typing each query ``rounds`` times."""
    from papertui.library import INDEX_MIN_PAPERS, Library
    from papertui.tui.app import create_app
    from papertui.tui.widgets import PaperList

    t_open = time.perf_counter()
    lib = Library.open(data_dir)
    app = create_app(lib)
    out: dict[str, Any] = {"queries": {}}
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            deadline = time.perf_counter() + 600
            indexed = len(lib) >= INDEX_MIN_PAPERS

            def ready() -> bool:
                if not lib.abstracts_loaded or getattr(app.screen, "activity", None) is not None:
                    return False
                return not indexed or lib.search_index_status().complete

            while not ready():
                if time.perf_counter() > deadline:
                    raise TimeoutError("abstracts (and the search index) did not load")
                await asyncio.sleep(0.02)
            out["abstracts_loaded_s"] = time.perf_counter() - t_open
            out["indexed"] = lib.search_index_status().covered
            await pilot.press("4")  # the All view
            await pilot.pause()
            plist = app.screen.query_one(PaperList)
            out["rows_all"] = len(plist.rows)
            for query in queries:
                samples: list[float] = []
                hits = -1
                for _ in range(rounds):
                    await pilot.press("slash")
                    await pilot.pause()
                    lat, hits = await _type_query(app, plist, query, timeout, gap)
                    samples.extend(lat)
                    await _clear(app, pilot)
                out["queries"][query] = {"ms": samples, "hits": hits}
            # Floor: a plain substring scan of every haystack for each prefix typed (no
            # refinement, no per-paper objects): the median over the prefixes.
            texts = [f"{lib.title(p)}\n{lib.abstract(p)}".casefold() for p in lib.ids]
            floors = {}
            for query in queries:
                scans = []
                for i in range(1, len(query) + 1):
                    needle = query[:i]
                    t0 = time.perf_counter()
                    _hits = [t for t in texts if needle in t]
                    scans.append((time.perf_counter() - t0) * 1000)
                floors[query] = statistics.median(scans)
            out["floor_scan_ms"] = floors
            app.exit()
    finally:
        lib.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (used by :mod:`bench.run`)."""
    parser = argparse.ArgumentParser(prog="python -m bench.search_probe")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--query", action="append", required=True)
    parser.add_argument("--rounds", type=int, default=1, help="times each query is typed")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument(
        "--gap", type=float, default=0.1, help="seconds between keystrokes (a fast typist)"
    )
    args = parser.parse_args(argv)
    result = asyncio.run(probe(args.data_dir, args.query, args.rounds, args.timeout, args.gap))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
