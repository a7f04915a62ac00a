"""Costs of hostile input (issue 15, items 12-14): what the safety tests bound, in numbers.

``python -m bench.hostile_probe [--quick]`` prints one JSON object:

``merge``
    seconds to merge the entries of an import: one title repeated N times, each with its
    own code link (``repeat_N``); and re-importing a paper with N links into a library that
    has it (``reimport_links_N``, :meth:`Library.import_entries`, in a temp library).
``junk``
    parsing 2 MB pages of junk lines: peak memory allocated per byte of page
    (``tracemalloc``) and seconds (measured in a separate run without tracemalloc).
``render``
    seconds to render the detail pane's view of a paper (:func:`papertui.render.paper_detail`
    at the pane's width) with abstracts of 20 KB to 2 MB, as the app does (cut to
    :data:`papertui.tui.widgets.detail.ABSTRACT_LIMIT`) and whole (as ``papertui show``).
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from papertui.library import Library
from papertui.merge import merge_entries
from papertui.models import ParsedPaper, Source
from papertui.parsing import parse_page

__all__ = ["main"]


def _entries(n: int, title: str, links: int = 1) -> list[ParsedPaper]:
    return [
        ParsedPaper(
            title=title,
            abstract=f"An abstract {i}.",
            source=Source("page.txt", None),
            line=i,
            code_urls=tuple(f"https://github.com/o/r{i + k}" for k in range(links)),
        )
        for i in range(n)
    ]


def merge(sizes: list[int]) -> dict[str, float]:
    """Merge timings (seconds)."""
    out: dict[str, float] = {}
    for n in sizes:
        entries = _entries(n, "The Same Title Again")
        started = time.perf_counter()
        merge_entries(entries)
        out[f"repeat_{n}"] = round(time.perf_counter() - started, 3)
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp, Library.open(Path(tmp)) as lib:
            (first,) = _entries(1, "A Paper With Many Links", links=n)
            lib.import_entries([first])
            (again,) = _entries(1, "A Paper With Many Links", links=n + 2)
            started = time.perf_counter()
            lib.import_entries([again])
            out[f"reimport_links_{n}"] = round(time.perf_counter() - started, 3)
    return out


JUNK = {
    "dash lines": "-\n",
    "two-character lines": "--\n",
    "punctuation lines": "*** ---\n",
    "ellipsis lines (non-ASCII)": "…\n\n",
    "two-letter lines (become papers)": "ab\n",
}


def junk(size: int) -> dict[str, dict[str, float]]:
    """Peak bytes allocated per byte of page, and seconds, for pages of junk lines."""
    out: dict[str, dict[str, float]] = {}
    for name, unit in JUNK.items():
        text = unit * (size // len(unit.encode()))
        nbytes = len(text.encode())
        started = time.perf_counter()
        parse_page(text, file="junk.txt", fallback_year=2025)
        took = time.perf_counter() - started
        tracemalloc.start()
        try:
            parse_page(text, file="junk.txt", fallback_year=2025)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        out[name] = {"peak_bytes_per_byte": round(peak / nbytes, 1), "seconds": round(took, 2)}
    return out


def render(sizes: list[int], width: int = 60) -> dict[str, float]:
    """Seconds to render the detail view (cut as the app does, and whole)."""
    from rich.console import Console

    from papertui.models import Paper, TriageState
    from papertui.render import paper_detail
    from papertui.tui.widgets.detail import ABSTRACT_LIMIT

    console = Console(width=width, file=io.StringIO())
    paper = Paper(id="0" * 12, title="A Paper")
    words = "diffusion models learn to denoise images step by step with attention"
    out: dict[str, float] = {}
    for size in sizes:
        abstract = (words + " ") * (size // (len(words) + 1))
        for label, limit in (("app", ABSTRACT_LIMIT), ("whole", None)):
            renderable = paper_detail(paper, TriageState(), abstract, abstract_limit=limit)
            started = time.perf_counter()
            console.render_lines(renderable, console.options)
            out[f"{label}_{size}"] = round(time.perf_counter() - started, 3)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the probes and print their figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    args = parser.parse_args(argv)
    sizes = [2_000, 5_000] if args.quick else [10_000, 40_000]
    result: dict[str, Any] = {
        "merge": merge(sizes),
        "junk": junk(200_000 if args.quick else 2_000_000),
        "render": render([20_000, 200_000] if args.quick else [20_000, 200_000, 2_000_000]),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
