"""The relevance order on the command line: list/export --sort relevance, similar, show's why
line, like: queries (in-process through ``main``, on the sample library)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from papertui.cli import main
from papertui.library import Library

THREE_D = ("4ce64dd5f3ca", "7fa8b7856e3e", "f610c6628f26")
"""Hunyuan3D 2.0, TripoSG, MeshCraft."""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def titles(out: str) -> list[str]:
    return [line.split("\t")[4] for line in out.splitlines()]


def test_list_sort_relevance_follows_the_stars(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    code, out, _ = run(capsys, "list", "--sort", "relevance", "is:inbox")
    assert code == 0
    with Library.open(seeded_dir) as lib:
        assert [line.split("\t")[0] for line in out.splitlines()] == [
            lib.short_id(p) for p in lib.view_ids("inbox", "date")
        ]  # nothing kept yet: date order
    run(capsys, "star", *THREE_D)
    code, out, _ = run(capsys, "list", "--sort", "relevance", "is:inbox")
    top = titles(out)[:5]
    assert all("3D" in t or "Mesh" in t for t in top), top
    # a later star shows at the next listing (each command is a new process's view)
    run(capsys, "star", "edf3dd54db05", "559bffe3a59c")  # F5-TTS, SimpleSpeech 2
    _, again, _ = run(capsys, "list", "--sort", "relevance", "is:inbox")
    assert again != out


def test_export_sort_relevance(capsys: pytest.CaptureFixture[str], seeded_dir: Path) -> None:
    run(capsys, "star", *THREE_D)
    code, out, _ = run(capsys, "export", "--all", "--sort", "relevance", "--format", "json")
    assert code == 0
    records = json.loads(out)
    assert {r["id"] for r in records[:3]} == set(THREE_D)  # the kept papers themselves first
    assert "3D" in records[3]["title"]
    _, queue, _ = run(capsys, "export", "--sort", "title", "--format", "json")
    names = [r["title"] for r in json.loads(queue)]
    assert names == sorted(names, key=str.casefold) and len(names) == 3


def test_similar_lists_the_most_alike(capsys: pytest.CaptureFixture[str], seeded_dir: Path) -> None:
    code, out, err = run(capsys, "similar", "4ce64dd", "-n", "5")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 5 and "5 papers like 4ce64dd Hunyuan3D 2.0" in err
    scores = [float(line.split("\t")[1]) for line in lines]
    assert scores == sorted(scores, reverse=True)
    assert sum("3D" in line for line in lines) >= 4
    code, out, _ = run(capsys, "similar", "4ce64dd", "-n", "3", "--json")
    records = json.loads(out)
    assert len(records) == 3 and all("similarity" in r and "title" in r for r in records)
    assert "4ce64dd5f3ca" not in [r["id"] for r in records]


def test_similar_errors(capsys: pytest.CaptureFixture[str], seeded_dir: Path) -> None:
    code, _, err = run(capsys, "similar", "zzzz")
    assert code != 0 and err.strip() == "papertui: error: no paper with id 'zzzz'"
    code, _, err = run(capsys, "similar", "4ce64dd", "-n", "0")
    assert code == 2 and "-n must be at least 1 (got 0)" in err


def test_show_says_why_once_three_papers_are_kept(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    _, out, _ = run(capsys, "show", "c0cb66f")  # MAR-3D
    assert "Why (relevance)" not in out
    run(capsys, "star", *THREE_D)
    _, out, _ = run(capsys, "show", "c0cb66f")
    why = next(line for line in out.splitlines() if line.startswith("Why (relevance): "))
    assert "3d" in why
    _, out, _ = run(capsys, "show", "c0cb66f", "--json")
    assert "Why" not in out  # the JSON contract is unchanged


def test_like_queries_and_their_errors(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    code, out, _ = run(capsys, "list", "like:4ce64dd is:inbox")
    assert code == 0 and 0 < len(out.splitlines()) <= 50
    assert "3D" in titles(out)[0]
    code, _, err = run(capsys, "list", "like:abcdef")
    assert code == 1
    assert err.strip() == "papertui: error: no paper with id 'abcdef' (in 'like:abcdef')"
    code, _, err = run(capsys, "list", "like:tag:3d")
    assert code == 1 and "no paper is tagged '3d'" in err
    run(capsys, "tag", *THREE_D, "+3d")
    code, out, _ = run(capsys, "list", "like:tag:3d -is:starred")
    assert code == 0 and all(p not in out for p in ("4ce64dd", "7fa8b78", "f610c66"))
