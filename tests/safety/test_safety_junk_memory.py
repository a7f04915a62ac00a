"""A page of junk lines costs memory in proportion to its size, with a small factor.

Every stray line (neither title nor abstract) was kept as a problem with its own message,
and printed as one warning: ~100 bytes of memory per byte of such a page (a 25 MB page took
1.48 GB and 76 s). Now the first :data:`MAX_PROBLEMS` are listed and the rest counted. The
bound below is on allocated memory (``tracemalloc``), which does not depend on the machine;
``bench/hostile_probe.py`` gives the figures for several kinds of junk.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from papertui.cli import main
from papertui.parsing import MAX_PROBLEMS, parse_page

HEADER = "Daily Papers\n\nJan 21\n\n"
PAPER = "A Real Paper Title\n\nA real abstract that is long enough to be read as one.\n\n"


@pytest.mark.parametrize("junk", ["-\n", "--\n", "*** ---\n", "…\n\n"])
def test_junk_lines_take_bounded_memory_and_a_bounded_report(junk: str) -> None:
    text = HEADER + PAPER + junk * (600_000 // len(junk)) + PAPER.replace("Real", "Second")
    tracemalloc.start()
    try:
        result = parse_page(text, file="junk.txt", fallback_year=2025)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / len(text.encode()) < 8  # bytes per byte of page: was ~100
    assert [p.title for p in result.papers] == ["A Real Paper Title", "A Second Paper Title"]
    assert len(result.problems) == MAX_PROBLEMS + 1
    last = result.problems[-1]
    assert last.line == 0 and last.message.endswith(
        f"more problems not listed (only the first {MAX_PROBLEMS} are)"
    )
    unlisted = int(last.message.split()[0])
    assert unlisted > 10_000


def test_the_cli_prints_a_bounded_number_of_warnings(
    isolated_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "junk.txt"
    page.write_text(HEADER + PAPER + "--\n" * 100_000)
    assert main(["import", str(page)]) == 0
    out, err = capsys.readouterr()
    warnings = [line for line in err.splitlines() if line.startswith("papertui: warning:")]
    assert len(warnings) == MAX_PROBLEMS + 1
    assert warnings[-1].startswith("papertui: warning: junk.txt: ")
    assert "more problems not listed" in warnings[-1]
    assert out.endswith("1 paper: 1 new, 0 updated, 0 unchanged\n")
