"""The command line as papis, notmuch and git users script it (issue 13), end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from papertui.cli import main
from papertui.library import Library
from papertui.models import paper_id

HUNYUAN = (
    "Hunyuan3D 2.0: Scaling Diffusion Models for High Resolution Textured 3D Assets Generation"
)
HUN = paper_id(HUNYUAN)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def papertui(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "papertui", *argv],
        capture_output=True,
        text=True,
        input=stdin,
        env=os.environ.copy(),
        timeout=60,
    )


def listed(out: str) -> list[str]:
    """The short ids of ``list``'s piped output."""
    return [line.split("\t")[0] for line in out.splitlines()]


# -- queries are every remaining word -----------------------------------------------------


def test_a_query_is_every_remaining_word(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    code, words, err = run(capsys, "list", "diffusion", "has:code", "upvotes>=10")
    assert code == 0, err
    _, quoted, _ = run(capsys, "list", "diffusion has:code upvotes>=10")
    assert words == quoted and HUN[:7] in listed(words)
    _, everything, _ = run(capsys, "list")
    assert 0 < len(listed(words)) < len(listed(everything))
    code, out, _ = run(capsys, "export", "--format", "json", "diffusion", "has:code", "upvotes>=10")
    assert code == 0 and [r["id"][:7] for r in json.loads(out)] == listed(words)


@pytest.mark.parametrize("query", ["-has:code", "-tag:survey", "-diffusion"])
def test_a_query_starting_with_minus_needs_no_double_dash(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path, query: str
) -> None:
    run(capsys, "tag", HUN, "+survey")
    code, out, err = run(capsys, "list", query)
    assert code == 0, err
    _, dashed, _ = run(capsys, "list", "--", query)
    assert out == dashed
    _, everything, _ = run(capsys, "list")
    assert HUN[:7] not in listed(out)  # it has code, the tag and the word
    assert 0 < len(listed(out)) < len(listed(everything))


def test_a_minus_query_mixed_with_options_and_words(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    code, out, err = run(capsys, "list", "diffusion", "--sort", "upvotes", "-has:code", "--json")
    assert code == 0, err
    records = json.loads(out)
    assert records and all(not r["code_urls"] for r in records)
    assert all("diffusion" in (r["title"] + r["abstract"]).casefold() for r in records)
    upvotes = [r["upvotes"] or 0 for r in records]
    assert upvotes == sorted(upvotes, reverse=True)


def test_where_a_query_could_be_an_option_the_error_says_what_to_type(seeded_dir: Path) -> None:
    result = papertui("export", "-object")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        "papertui export: error: '-object' could be the option -o with the value 'bject' or "
        "a query word: write '-o bject' for the option, or put the query after '--': "
        "papertui export -- -object"
    )
    result = papertui("export", "--", "-object")
    assert result.returncode == 0, result.stderr
    result = papertui("export", "-o")
    assert result.returncode == 2
    assert "put the query after '--'" not in result.stderr  # only the one hint below
    assert result.stderr.strip().endswith(
        "(a query that starts with '-' goes after '--': papertui export -- -word)"
    )


def test_an_error_about_a_long_option_has_no_query_hint(seeded_dir: Path) -> None:
    result = papertui("list", "--sort", "bogus")
    assert result.returncode == 2
    assert "invalid choice: 'bogus'" in result.stderr and "'--'" not in result.stderr


def test_the_old_help_collision_is_a_query(seeded_dir: Path) -> None:
    # argparse used to read -has:code as -h with the value 'as:code'.
    result = papertui("list", "-has:code")
    assert result.returncode == 0, result.stderr
    assert result.stdout and "usage" not in result.stdout


def test_tag_removal_words_still_start_with_minus(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    assert run(capsys, "tag", HUN, "+a", "+b")[0] == 0
    code, _out, err = run(capsys, "tag", HUN, "-a", "--data-dir", str(seeded_dir))
    assert code == 0, err
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.state(HUN).tags == ("b",)


# -- global options anywhere --------------------------------------------------------------


def test_global_options_before_or_after_the_command(tmp_path: Path, pages_dir: Path) -> None:
    other = tmp_path / "other"
    page = str(pages_dir / "002_0416d66b2ad94a61.txt")
    assert papertui("import", page, "--data-dir", str(other)).returncode == 0
    after = papertui("list", "is:unread", "--data-dir", str(other))
    before = papertui("--data-dir", str(other), "list", "is:unread")
    assert after.returncode == before.returncode == 0, after.stderr
    assert after.stdout == before.stdout and after.stdout
    assert not Path(os.environ["PAPERTUI_DATA_DIR"]).exists()  # the default was never used
    # Given both ways, the one after the command wins, as the later word.
    both = papertui("--data-dir", str(tmp_path / "nothing"), "list", "--data-dir", str(other))
    assert both.returncode == 0 and both.stdout == papertui("--data-dir", str(other), "list").stdout


# -- tag names ------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ['tag:"two words"', "tag:Two-Words", "tag:two-words"])
def test_every_spelling_of_a_tag_finds_it(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path, spelling: str
) -> None:
    assert run(capsys, "tag", HUN, '+"two words"')[0] == 0  # the quotes as typed in 'single'
    assert run(capsys, "tag", HUN, "+Two Words")[0] == 0  # +"two words" unquoted by the shell
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.state(HUN).tags == ("two-words",)
    code, out, err = run(capsys, "list", spelling)
    assert code == 0, err
    assert listed(out) == [HUN[:7]]


# -- ids and filters ------------------------------------------------------------------------


def test_a_one_character_prefix_is_ambiguous(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    code, _, err = run(capsys, "show", HUN[0])
    assert code == 1
    assert err.startswith(f"papertui: error: id prefix '{HUN[0]}' is ambiguous (")


def test_an_unknown_filter_lists_the_valid_ones(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    code, _, err = run(capsys, "list", "foo:bar")
    assert code == 2
    assert "unknown filter 'foo:'" in err and "tag:, upvotes: or year:)" in err


# -- output that pipes ----------------------------------------------------------------------


def test_show_stats_and_restore_print_whole_lines_into_a_pipe(seeded_dir: Path) -> None:
    note = "A note long enough to be wrapped at eighty columns by any terminal-minded printer."
    for argv in (["star", HUN], ["tag", HUN, "+survey"], ["note", HUN, note], ["read", HUN]):
        assert papertui(*argv).returncode == 0
    with Library.open(seeded_dir, readonly=True) as lib:
        abstract = lib.abstract(HUN)
    show = papertui("show", HUN[:7]).stdout.splitlines()
    assert show[0] == HUNYUAN  # whole: `papertui show ID | head -1` is the title
    assert note in show and abstract in show
    stats = papertui("stats").stdout.splitlines()
    assert any(HUNYUAN in line and line.startswith("Oldest in queue: ") for line in stats)
    restore = papertui("restore").stdout.splitlines()
    backup = [line for line in restore if line.startswith("  1. state-")]
    assert backup and backup[0].endswith("1 paper with state")
    for line in show + stats + restore:
        assert line == line.rstrip(), repr(line)


@pytest.mark.parametrize("columns", [80, 60])
def test_list_in_a_terminal_fits_the_width_with_titles_in_two_lines(
    seeded_dir: Path, columns: int
) -> None:
    import pty
    import re

    long_tags = ["+a-rather-long-tag-name", "+another-one", "+x"]
    assert papertui("tag", HUN, *long_tags).returncode == 0
    master, slave = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "papertui", "list"],
        stdout=slave,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": str(columns), "LINES": "40", "TERM": "dumb", "NO_COLOR": "1"},
    ) as proc:
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
    os.close(master)
    lines = b"".join(chunks).decode().replace("\r\n", "\n").splitlines()
    assert lines[0].split() == ["id", "title", "date", "▲", "tags"]
    assert lines[-1] == "257 of 257 papers"
    assert max(len(line.rstrip()) for line in lines) <= columns
    # A row starts with an id; a title takes its first line and at most one more.
    starts = [i for i, line in enumerate(lines[1:-1], 1) if line[:7].strip()]
    ends = [*starts[1:], len(lines) - 1]
    left, right = lines[0].index("title"), lines[0].index("date")
    title_lines = [
        sum(bool(line[left:right].strip()) for line in lines[a:b])
        for a, b in zip(starts, ends, strict=True)
    ]
    hunyuan = next(i for i in starts if lines[i].startswith(HUN[:7]))
    assert "Hunyuan3D 2.0:" in lines[hunyuan]
    assert max(title_lines) == 2  # long titles take two lines, never more
    # Ids and dates whole, a title on every row's first line.
    row = re.compile(r"[0-9a-f]{7}  .{3}  \S.*?(\d{4}-\d{2}-\d{2})?")
    assert all(row.fullmatch(lines[i].rstrip()) for i in starts), lines[:6]
    dated = json.loads(papertui("list", "--json").stdout)
    dates = sum(bool(re.search(r"\d{4}-\d{2}-\d{2}", lines[i])) for i in starts)
    assert dates == sum(1 for r in dated if r["published"]) == 72
    assert any(line.rstrip().endswith("…") for line in lines)  # a cut title says so


# -- --json where a command prints data -------------------------------------------------------


def test_import_json_per_file_and_totals(
    capsys: pytest.CaptureFixture[str],
    pages_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    notes = Path("notes.txt")
    notes.write_text("My reading notes\n\nSome long line of thoughts about what to read next.\n")
    page = pages_dir / "002_0416d66b2ad94a61.txt"
    code, out, err = run(capsys, "import", str(page), str(notes), "--json")
    assert code == 1 and err == ""
    report = json.loads(out)
    ok, refused = report["files"]
    assert ok["file"] == str(page) and ok["ok"] and ok["error"] is None
    assert ok["layout"] == "metadata" and ok["entries"] == 34
    assert refused == {
        "file": "notes.txt",
        "ok": False,
        "error": "notes.txt: does not look like a Daily Papers page "
        "(no page header, no paper metadata)",
        "layout": None,
        "page_date": None,
        "year": None,
        "entries": 0,
        "warnings": [],
    }
    assert report["totals"] == {
        "papers": 34,
        "new": 34,
        "updated": 0,
        "unchanged": 0,
        "failed_files": 1,
    }


def test_restore_json_lists_and_restores(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    run(capsys, "star", HUN)
    run(capsys, "read", HUN)  # opening after a change takes a backup
    code, out, _ = run(capsys, "restore", "--json")
    (backup,) = json.loads(out)
    assert backup["n"] == 1 and backup["name"].startswith("state-") and backup["entries"] == 1
    assert backup["kind"] == "backup"
    assert datetime.fromisoformat(backup["taken_at"])
    code, out, _ = run(capsys, "restore", "1", "--json")
    assert code == 0
    assert json.loads(out) == {"restored": backup["name"], "entries": 1, "replayed": 0}


# -- import messages tell the truth ---------------------------------------------------------


def test_a_refused_file_prints_only_its_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    prose = Path("essay.txt")
    lines = [f"Heading number {n}\n\n{'A sentence of prose. ' * 20}\n\n" for n in range(30)]
    prose.write_text("Short\n\n" + "".join(lines) + "Dangling title\n", encoding="cp1252")
    code, _, err = run(capsys, "import", str(prose))
    assert code == 1
    assert err.splitlines() == [
        "papertui: error: essay.txt: does not look like a Daily Papers page (no page header, "
        "no paper metadata); if it is one, import it anyway with --force"
    ]
    code, _out, err = run(capsys, "import", "--force", str(prose))
    assert code == 0 and "warning" in err  # imported: now its remarks are news


@pytest.mark.parametrize(
    "source",
    [
        "<!DOCTYPE html>\n<html><head><title>Daily Papers</title></head><body>Subscribe",
        "\n  <html lang='en'><body>Daily Papers</body></html>",
        "From: <Saved by Blink>\nSnapshot-Content-Location: https://huggingface.co/papers\n",
    ],
)
def test_a_page_saved_as_html_says_how_to_save_it_as_text(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("papers.html").write_text(source)
    for argv in (["import", "papers.html"], ["import", "--force", "papers.html"]):
        code, _out, err = run(capsys, *argv)
        assert code == 1
        (line,) = err.splitlines()
        assert line == (
            "papertui: error: papers.html: is a web page saved as HTML, not as text; in the "
            "browser, select all (ctrl+a), copy, and paste into a .txt file (or save the "
            'page as "Text Files")'
        )
        assert "--force" not in line


def test_html_on_stdin_is_recognised_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("<!doctype html><html><body>x</body></html>"))
    code, _, err = run(capsys, "import", "-")
    assert code == 1 and err.startswith("papertui: error: <stdin>: is a web page saved as HTML")
