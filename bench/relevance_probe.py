"""Relevance timings and memory on a library, measured in-process through the Library API.

Run by :mod:`bench.run` in a subprocess after ``papertui index`` (which writes the ranking
features next to the word index): ``python -m bench.relevance_probe --data-dir DIR``;
prints one JSON object. What the app does, timed:

- ``prepare_ms``: making the features ready once the abstracts are in (reading the features
  file and checking it covers every paper); ``growth_mb``: VmRSS after it less before
  (the features in memory), next to the file's size;
- ``update_ms``: one more positive folded into the profile (the incremental model update,
  no scoring); ``refresh_ms``: after a star, the new relevance order of every paper, as the
  app's worker makes it (profile update + scoring + ordering);
- ``view_ms``: the Inbox in relevance order from scratch (its cache dropped);
- ``similar_ms``: the 10 papers most like a paper, for random papers.

Floors, in the same run: ``floor_sort_ms`` orders the view's ids by precomputed scores
(``sorted`` with a C-level key: the least any relevance order of the view costs);
``floor_top_ms`` picks the 10 best of precomputed scores (``heapq.nlargest``); the save of
the star itself (journal append + fsync) is ``star_ms``. Every star is undone at the end.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "probe"]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


def probe(root: Path, stars: int, similar: int, seed: int) -> dict[str, Any]:
    """Every figure, as a dict."""
    from papertui.library import Library
    from papertui.relevance import FEATURES_FILE

    rng = random.Random(seed)
    out: dict[str, Any] = {}
    with Library.open(root) as lib:
        lib.load_abstracts()
        lib.warm_up()
        lib.defer_relevance = True  # as in the app
        import numpy  # noqa: F401  (its import is not the features' memory)

        before = _rss_mb()
        t0 = time.perf_counter()
        lib.prepare_relevance()
        out["prepare_ms"] = _ms(t0)
        out["growth_mb"] = _rss_mb() - before
        out["features_file_mb"] = (root / FEATURES_FILE).stat().st_size / 1e6
        ids = list(lib.ids)
        picked = rng.sample(ids, stars)
        star_ms: list[float] = []
        refresh_ms: list[float] = []
        update_ms: list[float] = []
        for k, pid in enumerate(picked):
            t0 = time.perf_counter()
            lib.set_starred([pid], True)
            star_ms.append(_ms(t0))
            t0 = time.perf_counter()
            lib.refresh_relevance()
            refresh_ms.append(_ms(t0))
            profile = lib.relevance._profile
            assert profile is not None and len(profile.positives) == k + 1
            extra = rng.choice(ids)  # the model update alone, one positive more and back
            t0 = time.perf_counter()
            profile.update([*picked[: k + 1], extra])
            update_ms.append(_ms(t0))
            profile.update(picked[: k + 1])
        view_ms: list[float] = []
        for _ in range(5):
            lib.views.drop_sort("relevance")
            t0 = time.perf_counter()
            view = lib.view_ids("inbox", "relevance")
            view_ms.append(_ms(t0))
        sim_ms: list[float] = []
        for pid in rng.sample(ids, similar):
            t0 = time.perf_counter()
            hits = lib.similar(pid, 10)
            sim_ms.append(_ms(t0))
            assert pid not in [p for p, _ in hits]
        scores = [rng.random() for _ in ids]
        by = dict(zip(ids, scores, strict=True))
        floor_sort: list[float] = []
        floor_top: list[float] = []
        for _ in range(5):
            t0 = time.perf_counter()
            sorted(view, key=by.__getitem__, reverse=True)
            floor_sort.append(_ms(t0))
            t0 = time.perf_counter()
            heapq.nlargest(10, range(len(scores)), key=scores.__getitem__)
            floor_top.append(_ms(t0))
        lib.set_starred(picked, False)
        out.update(
            papers=len(ids),
            view_papers=len(view),
            star_ms=star_ms,
            refresh_ms=refresh_ms,
            update_ms=update_ms,
            view_ms=view_ms,
            similar_ms=sim_ms,
            floor_sort_ms=floor_sort,
            floor_top_ms=floor_top,
        )
    out["summary"] = {k: statistics.median(v) for k, v in out.items() if isinstance(v, list) and v}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relevance_probe")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--stars", type=int, default=10)
    parser.add_argument("--similar", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    json.dump(probe(args.data_dir, args.stars, args.similar, args.seed), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
