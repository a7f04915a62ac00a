"""Search latency, measured in-process with Textual's headless driver (``App.run_test``).

Run by :mod:`bench.run` in a subprocess (``python -m bench.search_probe --data-dir DIR
--query diffusion --query quokkaformer --query-set``); prints one JSON object on standard
output.

For each keystroke of each query the probe, 0.1 s after the previous one's result was on
screen (``--gap``: a fast typist's pace; sent back to back, keys would also measure the
wait for Textual's next frame at 60 fps, up to 17 ms, which a person typing never sees),

1. sends the key the way a terminal driver does (``driver.send_message(events.Key)``; the
   Pilot's ``press`` is not used because it adds two 20 ms idle waits per key),
2. waits until the screen has taken in the text typed so far (its ``query_text``: it then
   filters synchronously; after a slow search it paints the input first and filters next),
3. waits for the next screen refresh after that (``call_after_refresh``: the list's visible
   lines have been rendered by the compositor; the headless driver only skips the final
   write to a terminal),

and records the time from 1 to 3. Typing starts once every abstract is loaded (full-text
search) and, for a library the app indexes (5,000 papers and more), once the word index is
in use. The ``--query`` queries are typed in the *All* view, so that the number of hits can
be checked against the dump; with ``--query-set``, every shape of :data:`QUERY_SET` is then
typed in the Inbox (the view the app opens on), only the keystrokes that leave a valid
query are counted, and the hits are checked against the query's predicate run on every
paper (after all the typing: the check builds every paper's object, which the app's
collector would then walk during the keystrokes that follow). The floor is a plain
substring scan of every paper's search text for each text typed (median): what looking at
every paper once costs, with no Python code per paper.
With ``--launched`` (the parent's ``time.time()`` just before starting this process), the
time until every abstract is searchable is reported as ``searchable_s``; ``--shape`` types
only the shapes named (a short run).

The app runs with the settings ``papertui`` launches it with (:func:`_as_launched`): without
them, the garbage collector's full collections walked the whole library, 50-180 ms each at
100k papers, in the middle of the keystrokes timed here, pauses the app itself never has.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "probe"]


async def _type_query(
    app: Any, query: str, timeout: float, gap: float
) -> tuple[list[tuple[str, float]], int]:
    """Type ``query`` key by key, ``gap`` seconds apart; returns, for each keystroke, the text
    typed so far and its latency (ms), and the final row count.

    A keystroke is done when the screen has taken in the text (its ``query_text``: it then
    filtered, or, after a slow search, it painted the input first and filtered next) and the
    screen refreshed after that.
    """
    from textual import events
    from textual.keys import _character_to_key

    from papertui.tui.widgets import PaperList

    loop = asyncio.get_running_loop()
    driver = app._driver
    screen = app.screen
    latencies: list[tuple[str, float]] = []
    for n, ch in enumerate(query, 1):
        await asyncio.sleep(gap)
        typed = query[:n]
        refreshed: asyncio.Future[float] = loop.create_future()
        key = events.Key(_character_to_key(ch), ch)
        key.set_sender(app)
        t0 = time.perf_counter()
        driver.send_message(key)
        deadline = t0 + timeout
        while screen.query_text != typed:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"the search did not take in {typed!r}")
            await asyncio.sleep(0)
        screen.call_after_refresh(lambda f=refreshed: f.done() or f.set_result(time.perf_counter()))
        t1 = await asyncio.wait_for(refreshed, timeout)
        latencies.append((typed, (t1 - t0) * 1000))
    return latencies, len(screen.query_one(PaperList).rows)


async def _rounds(
    app: Any, pilot: Any, query: str, rounds: int, timeout: float, gap: float
) -> tuple[list[tuple[str, float]], int]:
    """Type ``query`` ``rounds`` times (each from an empty search bar, cleared after);
    returns every keystroke's text and latency, and the final row count."""
    typed: list[tuple[str, float]] = []
    hits = -1
    for _ in range(rounds):
        await pilot.press("slash")
        await pilot.pause()
        lat, hits = await _type_query(app, query, timeout, gap)
        typed.extend(lat)
        await _clear(app, pilot)
    return typed, hits


async def _clear(app: Any, pilot: Any) -> None:
    """Escape: clear the search (back to the full view)."""
    await pilot.press("escape")
    await pilot.pause()


QUERY_SET: dict[str, str] = {
    "word, broad": "diffusion",
    "word, selective": "quokkaformer",
    "two words": "diffusion retrieval",
    "phrase": '"latent diffusion"',
    "OR": "retrieval OR quokkaformer",
    "negation": "diffusion -retrieval",
    "is:": "diffusion is:unread",
    "has:": "has:code diffusion",
    "tag:": "tag:bench OR quokkaformer",
    "upvotes": "upvotes>100",
    "dates": "after:2024-06-01 retrieval",
}
"""The query shapes typed in the Inbox view (:func:`probe`, ``--query-set``): one per kind
of term people use."""


def _valid(text: str) -> bool:
    """Whether ``text`` parses (a keystroke that leaves an unfinished query only shows an
    error, no search: those keystrokes are not counted)."""
    from papertui.query import QueryError, parse_query

    try:
        parse_query(text)
    except QueryError:
        return False
    return True


def _as_launched() -> None:
    """The runtime settings ``papertui`` itself runs the app with
    (:func:`papertui.cli._run_app`): the library opened is frozen out of the garbage
    collector's walks (else a full collection walks 100k papers' columns, 50-150 ms, in
    the middle of a keystroke: a pause the app never has), and a 1 ms switch interval."""
    gc.freeze()
    sys.setswitchinterval(0.001)


def _scan_floor(texts: Sequence[str], typed: Sequence[str]) -> float:
    """The median ms of one plain substring scan of every text for each typed text (what
    looking at every paper once costs, with no per-paper Python code)."""
    scans = []
    for needle in typed:
        t0 = time.perf_counter()
        _hits = [t for t in texts if needle in t]
        scans.append((time.perf_counter() - t0) * 1000)
    return statistics.median(scans)


async def probe(
    data_dir: Path,
    queries: Sequence[str],
    rounds: int,
    timeout: float,
    gap: float = 0.1,
    *,
    query_set: bool = False,
    shapes: Sequence[str] | None = None,
    launched: float | None = None,
) -> dict[str, Any]:
    """Open the app headless on ``data_dir`` and time typing each query ``rounds`` times in
    the *All* view; with ``query_set``, then every shape of :data:`QUERY_SET` in the Inbox.

    ``shapes``: only these shapes of the set (a short run; None: all). ``launched`` (a
    ``time.time()``) is when the process was started: the time from then until every
    abstract is searchable is reported as ``searchable_s``.
    """
    from papertui.library import INDEX_MIN_PAPERS, Library
    from papertui.query import parse_query, search_text
    from papertui.store import SHARDS
    from papertui.tui.app import create_app
    from papertui.tui.widgets import PaperList

    t_open = time.perf_counter()
    lib = Library.open(data_dir)
    _as_launched()
    app = create_app(lib)
    out: dict[str, Any] = {"queries": {}, "shapes": {}}
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            deadline = time.perf_counter() + 600
            indexed = len(lib) >= INDEX_MIN_PAPERS

            def ready() -> bool:
                if not lib.abstracts_loaded or getattr(app.screen, "activity", None) is not None:
                    return False
                return not indexed or lib.search_index_status().complete

            while not (
                lib.abstracts_loaded and (not indexed or lib.search_index_status().complete)
            ):
                if time.perf_counter() > deadline:
                    raise TimeoutError("abstracts (and the search index) did not load")
                await asyncio.sleep(0.005)
            if launched is not None:
                out["searchable_s"] = time.time() - launched
            while not ready():
                if time.perf_counter() > deadline:
                    raise TimeoutError("the app did not go idle")
                await asyncio.sleep(0.02)
            out["abstracts_loaded_s"] = time.perf_counter() - t_open
            out["indexed"] = lib.search_index_status().covered
            # every text made here from the shard files (the check does not trust the app's)
            shards: dict[str, str] = {}
            for shard in range(SHARDS):
                shards.update(lib.store.load_abstract_shard(shard))
            text_of = {p: search_text(lib.title(p), shards.get(p, "")) for p in lib.ids}
            texts = list(text_of.values())
            del shards
            gc.freeze()  # the probe's own texts too: the collector walks what the app's does
            await pilot.press("4")  # the All view
            await pilot.pause()
            plist = app.screen.query_one(PaperList)
            out["rows_all"] = len(plist.rows)
            floors = {}
            for query in queries:
                lat, hits = await _rounds(app, pilot, query, rounds, timeout, gap)
                out["queries"][query] = {"ms": [ms for _, ms in lat], "hits": hits}
                floors[query] = _scan_floor(texts, [query[:i] for i in range(1, len(query) + 1)])
            out["floor_scan_ms"] = floors
            if query_set:
                await pilot.press("1")  # the Inbox, where searches are typed
                await pilot.pause()
                inbox = lib.view_ids("inbox", "date")
                for shape, query in QUERY_SET.items():
                    if shapes is not None and shape not in shapes:
                        continue
                    lat, hits = await _rounds(app, pilot, query, rounds, timeout, gap)
                    timed = [ms for typed, ms in lat if _valid(typed)]
                    typed = [query[:i] for i in range(1, len(query) + 1) if _valid(query[:i])]
                    out["shapes"][shape] = {
                        "query": query,
                        "ms": timed,
                        "hits": hits,
                        "floor_scan_ms": _scan_floor(texts, typed),
                    }
                # Checked once every shape is typed: the check builds every Paper, 300k
                # objects the app's collector would walk in later keystrokes (50-100 ms
                # pauses the app itself never has: it builds the Papers it shows).
                for shape in out["shapes"].values():
                    pred = parse_query(shape["query"]).predicate
                    shape["expected"] = sum(
                        1 for p in inbox if pred(lib.paper(p), lib.state(p), text_of[p])
                    )
            app.exit()
    finally:
        lib.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (used by :mod:`bench.run`)."""
    parser = argparse.ArgumentParser(prog="python -m bench.search_probe")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--query", action="append", default=[])
    parser.add_argument("--rounds", type=int, default=1, help="times each query is typed")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument(
        "--gap", type=float, default=0.1, help="seconds between keystrokes (a fast typist)"
    )
    parser.add_argument(
        "--query-set", action="store_true", help="then type every shape of QUERY_SET in the Inbox"
    )
    parser.add_argument(
        "--shape",
        action="append",
        choices=list(QUERY_SET),
        default=None,
        help="with --query-set, only this shape (repeatable: a short run)",
    )
    parser.add_argument(
        "--launched", type=float, default=None, help="time.time() when this process was started"
    )
    args = parser.parse_args(argv)
    result = asyncio.run(
        probe(
            args.data_dir,
            args.query,
            args.rounds,
            args.timeout,
            args.gap,
            query_set=args.query_set,
            shapes=args.shape,
            launched=args.launched,
        )
    )
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
