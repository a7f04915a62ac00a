"""Unreadable input never aborts a command with a traceback.

One entry that cannot be read (a folder that cannot be listed or looked into, a broken
link, a file whose name is not UTF-8) is one line, and the other files still import; a
``papers.json`` edited by hand to hold a value of the wrong type is set aside as damaged
with one line, instead of tracebacks (or the app crashing at its first paint); bytes that
are not UTF-8 on standard input or in arguments are a clear error, or for a page, decoded
as a file's would be.

The tests run as root here, which reads anything: "permission denied" is made by refusing
``os.stat``/``os.scandir`` for chosen paths, as the kernel does for a user without the
folder's x (or r) permission.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from test_safety_hostile_import import cli  # runs the CLI in-process, failing on a traceback

from papertui.library import Library

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
SAMPLE, SECOND = sorted(PAGES.glob("*.txt"))[:2]
SAMPLE_PAPERS = 45


def errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("papertui: error: ")]


def refuse(monkeypatch: pytest.MonkeyPatch, *, stat: str, scandir: str) -> None:
    """Make os.stat/os.lstat of paths containing ``stat``, and os.scandir of paths
    containing ``scandir``, fail with EACCES."""
    real_stat, real_lstat, real_scandir = os.stat, os.lstat, os.scandir

    def denied(path: Any) -> PermissionError:
        return PermissionError(13, "Permission denied", os.fsdecode(path))

    def fake_stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if stat in os.fsdecode(path):
            raise denied(path)
        return real_stat(path, *args, **kwargs)

    def fake_lstat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if stat in os.fsdecode(path):
            raise denied(path)
        return real_lstat(path, *args, **kwargs)

    def fake_scandir(path: Any = ".") -> Any:
        if scandir in os.fsdecode(path):
            raise denied(path)
        return real_scandir(path)

    monkeypatch.setattr(os, "stat", fake_stat)
    monkeypatch.setattr(os, "lstat", fake_lstat)
    monkeypatch.setattr(os, "scandir", fake_scandir)


def test_one_bad_entry_is_one_line_and_the_others_import(
    isolated_data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "good.txt").write_bytes(SAMPLE.read_bytes())
    (folder / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    # A page whose name is not UTF-8 (its papers were stored with the raw name, which
    # cannot be written as UTF-8: the whole import failed).
    (folder / os.fsdecode(b"caf\xe9.txt")).write_bytes(SECOND.read_bytes())
    (folder / "stat-denied.txt").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "unlistable").mkdir()
    (tmp_path / "unlistable" / "p.txt").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "locked-dir").mkdir()
    inside_locked = tmp_path / "locked-dir" / "stat-denied-too.txt"
    inside_locked.write_bytes(SAMPLE.read_bytes())
    broken_arg = tmp_path / "broken-arg.txt"
    broken_arg.symlink_to(tmp_path / "nowhere.txt")
    refuse(monkeypatch, stat="stat-denied", scandir="unlistable")

    code, out, err = cli(
        capsys,
        "import",
        str(folder),
        str(tmp_path / "unlistable"),
        str(inside_locked),
        str(broken_arg),
    )
    assert code == 1
    assert "Traceback" not in err
    failed = errors(err)
    assert len(failed) == 5, failed
    assert f"papertui: error: {folder}/dangling.txt: a broken link" in err
    assert f"papertui: error: {folder}/stat-denied.txt: permission denied" in failed
    assert f"papertui: error: {tmp_path}/unlistable: permission denied" in failed
    assert f"papertui: error: {inside_locked}: permission denied" in failed
    assert f"papertui: error: {broken_arg}: a broken link" in err
    assert f"{folder}/caf\ufffd.txt: " in out
    assert f"{folder}/good.txt: {SAMPLE_PAPERS} entries" in out
    with Library.open(isolated_data_dir, readonly=True) as lib:
        files = {s.file for p in lib.ids for s in lib.paper(p).sources}
        assert files == {"good.txt", "caf\ufffd.txt"}
        assert len(lib) > SAMPLE_PAPERS  # the second page's papers too


COLUMN_EDITS = {
    "upvotes": "12",
    "authors_count": 2.5,
    "published": "last tuesday",
    "title": 7,
    "code_urls": [["https://github.com/a/b", 3]],
    "sources": [["page.txt"]],
    "added_at": None,
}


@pytest.mark.parametrize("column", sorted(COLUMN_EDITS))
def test_a_hand_edited_wrong_type_sets_the_corpus_aside_with_one_line(
    seeded_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    column: str,
) -> None:
    with Library.open(seeded_dir) as lib:
        pid = lib.ids[1]
        lib.set_starred([pid], True)
    path = seeded_dir / "papers.json"
    data = json.loads(path.read_bytes())
    stored = data["tables"]["papers"]["columns"]
    if isinstance(stored[column], dict):  # a packed column, written out plain by hand
        with Library.open(seeded_dir, readonly=True) as lib:
            stored[column] = [
                [[v.file, v.page_date] if column == "sources" else v for v in values]
                for values in (getattr(lib.paper(p), column) for p in lib.ids)
            ]
    value = COLUMN_EDITS[column]
    stored[column][1] = value if column != "code_urls" else value[0]
    damaged = json.dumps(data)

    def no_app(*_args: Any, **_kwargs: Any) -> int:
        pytest.fail("the app was started on a damaged corpus (it crashed at first paint)")

    monkeypatch.setattr("papertui.cli._run_app", no_app)
    for argv in ([], ["list", "--sort", "upvotes"]):  # [] opens the app
        path.write_text(damaged)
        code, out, err = cli(capsys, *argv)
        assert (code, out) == (1, "")
        (line,) = err.splitlines()
        assert re.fullmatch(
            rf"papertui: error: {re.escape(str(path))} is damaged \(table 'papers', "
            rf"column '{column}', row 2 holds .*, not .*\); kept as "
            r"papers\.json\.damaged-\d+T\d+\. To recover, import your pages again .*",
            line,
        ), line
        assert not path.exists()
        assert len(list(seeded_dir.glob("papers.json.damaged-*"))) >= 1
    # Nothing stored is lost: the decision is kept, for the pages to come back.
    code, out, _ = cli(capsys, "stats", "--json")
    assert code == 0 and json.loads(out)["not_in_library"] == [pid]
    assert cli(capsys, "import", str(SAMPLE.parent))[0] == 0
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.queue() == [pid] and lib.missing() == []


class _Stdin(io.TextIOWrapper):
    """Standard input holding raw bytes."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8", errors="strict")


def test_bytes_that_are_not_utf8_on_stdin_or_in_arguments(
    seeded_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A page on stdin is decoded as a file would be.
    page = SAMPLE.read_bytes().replace(
        b"Daily Papers\n",
        b"Daily Papers\n\nCaf\xe9 Paper\n\nAn abstract na\xefve enough to be read as one here.\n",
        1,
    )
    monkeypatch.setattr("sys.stdin", _Stdin(page))
    code, out, err = cli(capsys, "import", "-")
    assert code == 0, err
    assert "papertui: note: <stdin>: not valid UTF-8; decoded as cp1252" in err
    monkeypatch.setattr("sys.stdin", _Stdin(b"\x00\x01\x02binary" * 100))
    code, out, err = cli(capsys, "import", "-")
    assert code == 1 and errors(err) == ["papertui: error: <stdin>: not a text page (binary data)"]

    with Library.open(seeded_dir, readonly=True) as lib:
        pid = lib.ids[0]
    assert cli(capsys, "note", pid, "kept")[0] == 0
    monkeypatch.setattr("sys.stdin", _Stdin(b"new \xff note"))
    code, out, err = cli(capsys, "note", pid, "-")
    assert (code, out) == (1, "")
    assert err == (
        "papertui: error: note: standard input is not UTF-8 text (byte 0xff at offset 4); "
        "the note was not changed\n"
    )
    bad = os.fsdecode(b"x\xff")
    for argv, what in (
        (["note", pid, bad], "note 'x\\xff'"),
        (["tag", pid, f"+{bad}"], "argument '+x\\xff'"),
        (["list", bad], "query 'x\\xff'"),
        (["export", bad], "query 'x\\xff'"),
        (["show", bad], "id 'x\\xff'"),
    ):
        code, out, err = cli(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert err == f"papertui: error: {what} is not UTF-8 text\n"
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.state(pid).note == "kept" and lib.state(pid).tags == ()
