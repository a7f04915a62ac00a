"""Merging an import is linear in what it merges.

Each link (and source page) was checked against every one kept before it (``url not in
list``): one title repeated 40k times with a link each took 43 s, re-importing a paper with
30k links 12-15 s. These tests count the comparisons instead of timing them (a timed test
would be flaky): strings that count their ``==`` calls go through the merge, and the count
must stay within a small multiple of the number of links. ``bench/merge_probe.py`` gives
the times.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from papertui.library import Library
from papertui.merge import merge_entries
from papertui.models import ParsedPaper, Source, paper_id


class Counted(str):
    """A str that counts how often it is compared for equality."""

    calls = 0

    def __eq__(self, other: object) -> bool:
        Counted.calls += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def entry(i: int, title: str = "The Same Title Again", links: int = 1) -> ParsedPaper:
    return ParsedPaper(
        title=title if i % 2 else title.upper(),  # the same paper, however it is written
        abstract="An abstract " + "longer " * (i % 7),
        source=Source(Counted(f"page-{i % 1000}.txt"), None),
        line=i,
        authors_count=i % 50 or None,
        published=date(2024, 1, 1 + i % 28) if i > 3 else None,
        upvotes=i % 97,
        code_urls=tuple(Counted(f"https://github.com/o/r{i + k}") for k in range(links)),
        project_urls=(Counted("https://project.example.org"),),
    )


def test_one_title_many_times_merges_in_linear_comparisons() -> None:
    n = 3000
    entries = [entry(i) for i in range(n)]
    Counted.calls = 0
    merged = merge_entries(entries)
    assert Counted.calls <= 4 * n  # was ~n*n: each link against every one before it
    (m,) = merged.values()
    assert list(merged) == [paper_id("The Same Title Again")]
    assert m.title == "THE SAME TITLE AGAIN"  # the first entry's spelling
    assert m.code_urls == [f"https://github.com/o/r{i}" for i in range(n)]
    assert m.project_urls == ["https://project.example.org"]
    assert [s.file for s in m.sources] == [f"page-{i}.txt" for i in range(1000)]
    assert m.abstract == "An abstract " + "longer " * 6  # the longest, first of equals
    assert m.abstract is entries[6].abstract
    assert m.authors_count == 49 and m.upvotes == 96
    assert m.published == date(2024, 1, 1 + 4 % 28)  # the first date seen


def test_reimporting_a_paper_with_many_links_is_linear(isolated_data_dir: Path) -> None:
    n = 3000
    with Library.open(isolated_data_dir) as lib:
        first = entry(1, "A Paper With Many Links", links=n)
        lib.import_entries([first])
        pid = paper_id(first.title)
        again = entry(3, "A Paper With Many Links", links=n)  # r3.. : two new links at the end
        Counted.calls = 0
        report = lib.import_entries([again])
        assert Counted.calls <= 4 * n
        assert report.updated == 1
        paper = lib.paper(pid)
        assert paper.code_urls == tuple(f"https://github.com/o/r{i}" for i in range(1, n + 3))
        assert [s.file for s in paper.sources] == ["page-1.txt", "page-3.txt"]
        Counted.calls = 0
        assert lib.import_entries([again]).unchanged == 1  # nothing new the third time
        assert Counted.calls <= 4 * n
