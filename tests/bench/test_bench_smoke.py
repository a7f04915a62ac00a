"""The benchmark's quick mode runs end to end and produces every figure (not how fast).

``python -m bench.run --quick``: ~300 papers, one run of each measurement, a few keypresses.
It keeps ``bench/`` from rotting as the app changes (key bindings, widgets, CLI).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_benchmark_produces_every_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(REPO))
    from bench.run import FLOOR_LABELS, METRICS

    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--quick",
            "--out",
            str(out),
            "--work",
            str(tmp_path / "work"),
        ],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    results = json.loads((out / "latest.json").read_text())
    assert results["missing"] == []
    (size,) = results["results"]
    assert size["papers"] == 300
    assert size["errors"] == {}
    figures = size["figures"]
    for metric in METRICS:
        assert figures[metric.key]["n"] >= 1, metric.key
        assert figures[metric.key]["median"] > 0, metric.key
        if metric.floor:
            assert metric.floor in FLOOR_LABELS
            assert figures[metric.floor]["median"] > 0, metric.floor
    assert figures["save_star_ms"]["n"] >= 4
    assert size["notes"]["search_hits"] == {
        q: size["notes"]["dump"]["term_counts"][q] for q in size["notes"]["search_hits"]
    }

    table = proc.stdout
    assert table == (out / "latest.md").read_text()
    for metric in METRICS:
        assert metric.label in table
    assert "| Measure | 300 papers | Floor |" in table
    assert "Targets at 300 papers:" in table


@pytest.mark.slow
def test_hostile_probe_quick_run_gives_every_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m bench.hostile_probe --quick`` (issue 15's merge, junk and render figures)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.hostile_probe", "--quick"],  # the checkout's bench
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert set(figures) == {"merge", "junk", "render"}
    assert set(figures["merge"]) == {
        "repeat_2000",
        "repeat_5000",
        "reimport_links_2000",
        "reimport_links_5000",
    }
    assert all(v["peak_bytes_per_byte"] > 0 for v in figures["junk"].values())
    assert {"app_200000", "whole_200000"} <= set(figures["render"])
