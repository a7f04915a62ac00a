"""Hostile and odd input through ``papertui import``, end to end.

Every bad input gets one clear line naming it; the other files of the same command still
import; nothing already stored is lost; the exit status is 1 when any file failed; and
terminal control characters in imported text never reach any output.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from papertui.cli import main
from papertui.library import Library
from papertui.models import paper_id
from papertui.parsing import read_page

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
SAMPLE = PAGES / "000_eb9d15c261023939.txt"
HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\nJan 21\n\n"
)
# C0 controls except tab and newline, DEL, and C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def page(*papers: tuple[str, str]) -> str:
    body = "".join(
        f"{title}\n\n{abstract}\n\n  • 3 authors\n·\nJan 20 4\n\n" for title, abstract in papers
    )
    return HEADER + body


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    except BaseException as exc:
        pytest.fail(f"papertui {argv[0]} crashed with {type(exc).__name__}: {exc} (a traceback)")
    out, err = capsys.readouterr()
    return code, out, err


def controls(text: str) -> list[str]:
    return sorted({repr(c) for c in CONTROL.findall(text)})


def all_states(root: Path) -> dict[str, Any]:
    with Library.open(root, readonly=True) as lib:
        return {pid: lib.state(pid) for pid in lib.ids if not lib.state(pid).is_default}


ESC_TITLE = "Escape \x1b[2JSequences\x1b]0;pwned\x07 In A Title\x07 And \x9b31mC1 Too"
ESC_ABSTRACT = (
    "This abstract clears the screen \x1b[2J\x1b[H, retitles the terminal \x1b]0;pwned\x07, "
    "rings the bell \x07\x07, uses an 8-bit CSI \x9b1;31m and an 8-bit OSC \x9d2;pwned\x9c, "
    "and still says something about diffusion models at https://github.com/esc/repo here."
)
CP1252_TITLE = "Café “Quoted” Naïve Résumé – A Study"
GOOD = [
    ("A Perfectly Ordinary New Paper", "An abstract of the ordinary kind, long enough to read."),
    ("Another Ordinary New Paper", "Another abstract, about transformers and their training."),
]


def test_every_bad_input_one_line_others_import_nothing_lost(
    seeded_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Decisions made before the import, on papers the import reads again (SAMPLE).
    ids = list(dict.fromkeys(paper_id(p.title) for p in read_page(SAMPLE).papers))[:3]
    assert cli(capsys, "star", ids[0], ids[1])[0] == 0
    assert cli(capsys, "tag", ids[1], "+keep")[0] == 0
    assert cli(capsys, "note", ids[2], "my note")[0] == 0
    before = all_states(seeded_dir)
    assert len(before) == 3

    d = tmp_path / "in"
    d.mkdir()
    bad: dict[str, tuple[Path, str]] = {}

    def add(name: str, reason: str) -> Path:
        bad[name] = (d / name, reason)
        return d / name

    add("binary.txt", "binary").write_bytes(random.Random(1).randbytes(5000) + b"\x00" * 100)
    add("empty.txt", "no papers").write_bytes(b"")
    add("header-only.txt", "no papers").write_text(HEADER)
    folder = add("no-pages", "no *.txt")
    folder.mkdir()
    (folder / "notes.md").write_text("not a page")
    add("missing.txt", "no such")
    locked = add("locked.txt", "permission denied")
    locked.write_text(page(("Never Read", "Because the file cannot be read, ever.")))
    os.mkfifo(add("fifo.txt", "not a regular file"))  # reading it would block forever

    # Tests run as root, which ignores file permissions: make reading locked.txt fail the
    # way it does for an ordinary user without read permission.
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)

    cp1252 = d / "cp1252.txt"
    cp1252.write_bytes(
        page((CP1252_TITLE, "An abstract in Windows-1252 with “curly quotes” and café.")).encode(
            "cp1252"
        )
    )
    escapes = d / "escapes.txt"
    escapes.write_text(page((ESC_TITLE, ESC_ABSTRACT)), encoding="utf-8")
    good = d / "good.txt"
    good.write_text(page(*GOOD))

    paths = [
        bad["binary.txt"][0],
        cp1252,
        bad["empty.txt"][0],
        bad["header-only.txt"][0],
        folder,
        bad["missing.txt"][0],
        locked,
        bad["fifo.txt"][0],
        escapes,
        good,
        SAMPLE,
    ]
    started = time.monotonic()
    code, out, err = cli(capsys, "import", *map(str, paths))
    assert time.monotonic() - started < 30

    assert code == 1, "some files failed: the exit status must say so"
    errors = [line for line in err.splitlines() if line.startswith("papertui: error: ")]
    assert len(errors) == len(bad), err
    for name, (path, reason) in bad.items():
        mine = [e for e in errors if str(path) in e]
        assert len(mine) == 1, f"{name}: expected one error line naming {path}, got {mine}\n{err}"
        assert reason in mine[0], f"{name}: {mine[0]!r} does not say {reason!r}"
    assert all(
        line.startswith(("papertui: error: ", "papertui: warning: ", "papertui: note: "))
        for line in err.splitlines()
    ), err
    assert f"papertui: note: {cp1252}: not valid UTF-8; decoded as cp1252" in err.splitlines()

    # The good files imported, with their per-file lines and the totals.
    lines = out.splitlines()
    for path, n in ((cp1252, 1), (escapes, 1), (good, 2), (SAMPLE, 45)):
        assert any(line.startswith(f"{path}: {n} entr") for line in lines), (path, out)
    assert lines[-1] == "49 papers: 4 new, 0 updated, 45 unchanged", out
    assert not controls(out + err), (
        f"control characters in the import's output: {controls(out + err)}"
    )

    assert all_states(seeded_dir) == before, "the import changed triage decisions"
    with Library.open(seeded_dir, readonly=True) as lib:
        assert len(lib) == 261
        assert lib.title(paper_id(CP1252_TITLE)) == CP1252_TITLE
        esc = next(p for p in lib.ids if lib.title(p).startswith("Escape"))
        title, abstract = lib.title(esc), lib.abstract(esc)
    for text in (title, abstract):
        assert not controls(text), text
        assert "pwned" not in text, f"the payload of an escape sequence was kept: {text!r}"
    assert title == "Escape Sequences In A Title And C1 Too"
    assert "says something about diffusion models" in abstract

    # No output of papertui shows control characters, whatever was imported.
    monkeypatch.setenv("COLUMNS", "200")
    for argv in (
        ["list"],
        ["list", "--json"],
        ["list", "escape"],
        ["show", esc],
        ["show", esc, "--json"],
        ["star", esc],
        ["note", esc, "note"],
        ["export"],
        ["export", "--all"],
        ["export", "--all", "--format", "json"],
        ["export", "--all", "--group-by", "tag"],
        ["stats"],
        ["stats", "--json"],
    ):
        code, out, err = cli(capsys, *argv)
        assert code == 0, (argv, err)
        assert not controls(out + err), f"papertui {' '.join(argv)}: {controls(out + err)}"
        if argv[0] in ("show", "list", "export"):
            assert "Escape Sequences In A Title" in out, (argv, out[:500])


def test_file_names_with_control_characters_never_reach_the_terminal(
    seeded_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file name is input too: ``papertui import ~/Downloads/*`` must not let a file
    called ``x\\e]0;pwned\\a.txt`` retitle the terminal or clear the screen."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "evil\x1b]0;pwned\x07.txt").write_text(page(("A Paper With A Bad File Name", "Abstract.")))
    (d / "bell\x07\x1b[2J.txt").write_text(HEADER)  # no papers
    missing = d / "gone\x1b[31m.txt"
    code, out, err = cli(capsys, "import", str(d), str(missing))
    assert code == 1
    assert not controls(out + err), (
        f"control characters from file names reached the terminal: {controls(out + err)}\n"
        f"{(out + err)!r}"
    )
    assert len(out.splitlines()) == 2 and "evil" in out and "1 entry" in out, out
    errors = err.splitlines()
    assert any("bell" in e and "no papers" in e for e in errors), err
    assert any("gone" in e and "no such" in e for e in errors), err


def _fifty_megabytes(tmp_path: Path, every: str | None) -> Path:
    """A 50 MB page on one single line (no newline at all), of words; with ``every``, that
    string after every ~4 KB (after the first 64 KiB, which the binary sniffing reads)."""
    rng = random.Random(5)
    words = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(500)
    ]
    chunk = " ".join(rng.choices(words, k=800)) + " "  # ~4.4 KB
    n = 50_000_000 // len(chunk) + 1
    text = chunk * n if every is None else chunk * 20 + (every + chunk) * (n - 20)
    path = tmp_path / "huge.txt"
    path.write_text(text[:50_000_000], encoding="utf-8")
    return path


def _import_subprocess(
    root: Path, *paths: Path, timeout: float
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "papertui", "--data-dir", str(root), "import", *map(str, paths)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"papertui import of a 50 MB line did not finish in {timeout:.0f} s (hang)")
    return proc, time.monotonic() - started


@pytest.mark.slow
@pytest.mark.parametrize(
    "every",
    [None, "\x1b]0;x", "\x9d0;x"],
    ids=["plain-words", "7-bit-OSC-unterminated", "8-bit-OSC-unterminated"],
)
def test_a_50_megabyte_single_line_is_refused_quickly(
    seeded_dir: Path, tmp_path: Path, every: str | None
) -> None:
    """One 50 MB line (no title) is reported in seconds, whatever it holds; the page given
    with it still imports. The escape-sequence variants hold ~11,000 sequence starts that
    are never terminated (the plain one takes ~1 s here, the 7-bit one ~5 s)."""
    huge = _fifty_megabytes(tmp_path, every)
    good = tmp_path / "good.txt"
    good.write_text(page(*GOOD))
    proc, _elapsed = _import_subprocess(seeded_dir, huge, good, timeout=15)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"papertui: error: {huge}: no papers found" in proc.stderr.splitlines()
    assert proc.stdout.splitlines()[-1] == "2 papers: 2 new, 0 updated, 0 unchanged"
