"""The command line, end to end: in-process through ``main`` and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from papertui.cli import main
from papertui.library import Library
from papertui.models import paper_id

HUNYUAN = (
    "Hunyuan3D 2.0: Scaling Diffusion Models for High Resolution Textured 3D Assets Generation"
)
LUMINA = paper_id(
    "Lumina-T2X: Transforming Text into Any Modality, Resolution, and Duration via "
    "Flow-based Large Diffusion Transformers"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def papertui(
    *argv: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "papertui", *argv],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_import_reports_per_file_and_totals(
    capsys: pytest.CaptureFixture[str], pages_dir: Path
) -> None:
    code, out, err = run(capsys, "import", str(pages_dir))
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 6
    assert "000_eb9d15c261023939.txt: 45 entries (metadata layout" in lines[0]
    assert lines[-1] == "257 papers: 257 new, 0 updated, 0 unchanged"
    code, out, _ = run(capsys, "import", str(pages_dir))
    assert out.splitlines()[-1] == "257 papers: 0 new, 0 updated, 257 unchanged"


def test_import_keeps_going_past_bad_files(
    capsys: pytest.CaptureFixture[str], pages_dir: Path, tmp_path: Path
) -> None:
    binary = tmp_path / "junk.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    code, out, err = run(
        capsys,
        "import",
        str(binary),
        str(pages_dir / "000_eb9d15c261023939.txt"),
        str(tmp_path / "missing.txt"),
    )
    assert code == 1
    assert out.splitlines()[-1].startswith("45 papers: 45 new")
    errors = [line for line in err.splitlines() if line.startswith("papertui: error:")]
    assert len(errors) == 2
    assert "junk.txt" in errors[0] or "junk.txt" in errors[1]
    assert any("missing.txt" in e for e in errors)


def test_import_from_stdin_with_year(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    page = "Daily Papers\n\nJan 21\n\nA Paper\n\nIts abstract.\n\n  • 2 authors\n·\nJan 20 3\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(page))
    code, out, err = run(capsys, "import", "-", "--year", "2023")
    assert code == 0, err
    code, out, _ = run(capsys, "list", "--json")
    (rec,) = json.loads(out)
    assert rec["published"] == "2023-01-20" and rec["upvotes"] == 3
    assert rec["sources"] == [{"file": "<stdin>", "page_date": "2023-01-21"}]


def test_list_json_schema_is_the_public_contract(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    code, out, _ = run(capsys, "list", "hunyuan3d", "--json")
    assert code == 0
    (rec,) = json.loads(out)
    assert list(rec) == [
        "id",
        "title",
        "abstract",
        "authors_count",
        "published",
        "upvotes",
        "code_urls",
        "project_urls",
        "sources",
        "tags",
        "starred",
        "read",
        "dismissed",
        "note",
        "queue_position",
        "added_at",
        "paper_url",
        "arxiv_id",
    ]
    assert rec["title"] == HUNYUAN
    assert rec["paper_url"] == "https://huggingface.co/papers?q=" + quote(HUNYUAN, safe="")
    assert rec["arxiv_id"] is None
    assert (rec["authors_count"], rec["published"], rec["upvotes"]) == (71, "2025-01-21", 10)
    assert rec["code_urls"] == ["https://github.com/Tencent/Hunyuan3D-2"]


def test_triage_commands_and_stats(capsys: pytest.CaptureFixture[str], seeded_dir: Path) -> None:
    hun = paper_id(HUNYUAN)
    assert run(capsys, "star", hun[:6], LUMINA)[0] == 0
    assert run(capsys, "read", hun)[0] == 0
    assert run(capsys, "tag", LUMINA, "+diffusion", "+To Read")[0] == 0
    assert run(capsys, "tag", LUMINA, "-diffusion")[0] == 0
    assert run(capsys, "note", LUMINA, "line one\nline two")[0] == 0
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.queue() == [hun, LUMINA]
        assert lib.state(hun).read
        assert lib.state(LUMINA).tags == ("to-read",)
        assert lib.state(LUMINA).note == "line one\nline two"
    _code, out, _ = run(capsys, "stats", "--json")
    stats = json.loads(out)
    assert (stats["total"], stats["queued"], stats["read"], stats["unread"]) == (257, 2, 1, 256)
    assert stats["tags"] == {"to-read": 1}
    assert stats["oldest_queued"]["id"] == hun
    assert run(capsys, "unstar", hun)[0] == 0
    assert run(capsys, "unread", hun)[0] == 0
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.queue() == [LUMINA] and not lib.state(hun).read


def test_export_queue_markdown_to_file(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path, tmp_path: Path
) -> None:
    hun = paper_id(HUNYUAN)
    run(capsys, "star", LUMINA, hun)
    code, _out, err = run(capsys, "export", "-o", str(tmp_path / "typo" / "queue.md"))
    assert code == 1 and "no folder" in err and not (tmp_path / "typo").exists()
    target = tmp_path / "queue.md"
    code, out, _err = run(capsys, "export", "-o", str(target))
    assert code == 0 and out == ""
    text = target.read_text()
    assert text.index("Lumina-T2X") < text.index("Hunyuan3D")  # queue order
    assert "(https://github.com/Tencent/Hunyuan3D-2)" in text
    code, out, _ = run(capsys, "export", "--format", "json")
    assert [r["id"] for r in json.loads(out)] == [LUMINA, hun]
    code, out, _ = run(capsys, "export", "--all", "--format", "json")
    assert len(json.loads(out)) == 257


def test_errors_are_one_line_without_traceback(seeded_dir: Path) -> None:
    for argv, code in (
        (["show", "zzzz"], 1),
        (["list", "upvotes>abc"], 2),
        (["list", "foo:bar"], 2),
        (["tag", "abc"], 2),
        (["import", "/nonexistent/page.txt"], 1),
    ):
        proc = papertui(*argv)
        assert proc.returncode == code, (argv, proc.stderr)
        assert "Traceback" not in proc.stderr
        err_lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert len(err_lines) == 1 and err_lines[0].startswith("papertui: error:"), proc.stderr


def test_data_dir_option_overrides_env(tmp_path: Path, pages_dir: Path) -> None:
    other = tmp_path / "other"
    proc = papertui("--data-dir", str(other), "import", str(pages_dir / "002_0416d66b2ad94a61.txt"))
    assert proc.returncode == 0, proc.stderr
    assert (other / "papers.json").exists()
    assert not Path(os.environ["PAPERTUI_DATA_DIR"]).exists()


def test_list_before_any_import_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list")
    assert code == 1 and "papertui import" in err


def test_export_does_not_load_textual(seeded_dir: Path) -> None:
    code = (
        "import sys; from papertui.cli import main; rc = main(['export', '--all']); "
        "assert 'textual' not in sys.modules, 'textual imported'; sys.exit(rc)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_restore_lists_and_restores(capsys: pytest.CaptureFixture[str], seeded_dir: Path) -> None:
    run(capsys, "star", LUMINA)
    run(capsys, "list")  # a reader never takes backups
    run(capsys, "read", LUMINA)  # a writer opening after a change does
    run(capsys, "unstar", LUMINA)
    code, out, _ = run(capsys, "restore")
    assert code == 0 and "1. state-" in out
    code, out, _ = run(capsys, "restore", "latest")
    assert code == 0 and out.startswith("Restored")
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.state(LUMINA).read  # the state as it was when the backup was taken
    code, _, err = run(capsys, "restore", "99")
    assert code == 1 and "no backup" in err


def test_text_that_is_not_a_page_is_refused_unless_forced(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("My reading notes\n\nSome long line of thoughts about what to read next.\n")
    code, out, err = run(capsys, "import", str(notes))
    assert code == 1 and "does not look like a Daily Papers page" in err
    assert out.splitlines()[-1] == "0 papers: 0 new, 0 updated, 0 unchanged"
    code, out, _ = run(capsys, "import", "--force", str(notes))
    assert code == 0 and out.splitlines()[-1].startswith("1 paper: 1 new")


def test_show_json_is_one_object(capsys: pytest.CaptureFixture[str], seeded_dir: Path) -> None:
    code, out, _ = run(capsys, "show", LUMINA, "--json")
    assert code == 0 and json.loads(out)["id"] == LUMINA


def test_contradictory_tags_are_refused(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    code, _, err = run(capsys, "tag", LUMINA, "+bio", "-bio")
    assert code == 1 and "both added and removed" in err
    assert run(capsys, "tag", LUMINA, "+#NLP")[0] == 0
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.state(LUMINA).tags == ("nlp",)


def test_list_piped_is_one_tab_separated_line_per_paper(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    run(capsys, "star", LUMINA)
    code, out, err = run(capsys, "list", "diffusion", "--sort", "upvotes")
    lines = out.splitlines()
    assert code == 0 and err.strip() == f"{len(lines)} of 257 papers"
    rows = [line.split("\t") for line in lines]
    assert all(len(r) == 6 for r in rows)
    ups = [int(r[3]) if r[3] else 0 for r in rows]
    assert ups == sorted(ups, reverse=True)
    (lumina,) = [r for r in rows if LUMINA.startswith(r[0])]
    assert lumina[1] == "★-" and lumina[4].startswith("Lumina-T2X")


def test_index_builds_the_search_index(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    code, out, err = run(capsys, "index")
    assert code == 0, err
    assert out.startswith("Indexed 257 papers (")
    assert out.rstrip().endswith(str(seeded_dir / "search.index"))
    with Library.open(seeded_dir) as lib:
        assert lib.attach_search_index().complete
    code, out, _ = run(capsys, "index", "--quiet")
    assert (code, out) == (0, "")


def test_index_in_the_background_reports_progress_lines(seeded_dir: Path) -> None:
    result = papertui("index", "--background")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["0/257"]  # then one line per 2,000 papers


def test_index_without_a_library_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "index")
    assert code == 1
    assert "no library at" in err and "import pages first" in err


# -- dismissing, removing, the note in an editor, the queue order --------------------------

HUN_ID = paper_id(HUNYUAN)


def test_dismiss_undismiss_stats_json_and_exports(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    assert run(capsys, "star", HUN_ID, LUMINA)[0] == 0
    code, out, _ = run(capsys, "dismiss", HUN_ID[:8])
    assert code == 0 and out == "Dismissed 1 paper\n"
    _, out, _ = run(capsys, "stats", "--json")
    stats = json.loads(out)
    assert (stats["dismissed"], stats["queued"], stats["inbox"]) == (1, 1, 255)
    assert stats["new"] == 257  # one import so far
    _, out, _ = run(capsys, "stats")
    assert "Dismissed 1" in out
    _, out, _ = run(capsys, "list", "is:dismissed", "--json")
    (rec,) = json.loads(out)
    assert rec["id"] == HUN_ID and rec["dismissed"] is True and rec["starred"] is False
    _, out, _ = run(capsys, "export", "--format", "json")  # the queue: never a dismissed one
    assert [r["id"] for r in json.loads(out)] == [LUMINA]
    _, out, _ = run(capsys, "export")
    assert "Hunyuan3D" not in out
    assert run(capsys, "undismiss", HUN_ID)[0] == 0
    with Library.open(seeded_dir, readonly=True) as lib:
        assert not lib.state(HUN_ID).dismissed
        assert lib.counts()["inbox"] == 256


def test_list_sort_queue(capsys: pytest.CaptureFixture[str], seeded_dir: Path) -> None:
    run(capsys, "star", LUMINA, HUN_ID)
    _, out, _ = run(capsys, "list", "--sort", "queue", "--json")
    ids = [r["id"] for r in json.loads(out)]
    assert ids[:2] == [LUMINA, HUN_ID] and len(ids) == 257
    _, out, _ = run(capsys, "list", "is:queued", "--sort", "queue", "--json")
    assert [r["id"] for r in json.loads(out)] == [LUMINA, HUN_ID]


def test_remove_asks_unless_yes_and_restore_brings_the_state_back(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path, pages_dir: Path
) -> None:
    run(capsys, "star", HUN_ID)
    run(capsys, "tag", HUN_ID, "+keep")
    # Not a terminal and no --yes: refused, nothing removed.
    proc = papertui("remove", HUN_ID, stdin="y\n")
    assert proc.returncode == 1 and "add --yes" in proc.stderr
    assert "Hunyuan3D 2.0" in proc.stdout  # it showed what it would remove
    with Library.open(seeded_dir, readonly=True) as lib:
        assert HUN_ID in lib
    code, out, err = run(capsys, "remove", HUN_ID, "--yes")
    assert code == 0, err
    assert "Removed 1 paper" in out
    with Library.open(seeded_dir, readonly=True) as lib:
        assert HUN_ID not in lib and len(lib) == 256 and lib.queue() == []
    code, _, err = run(capsys, "show", HUN_ID)
    assert code == 1 and "no paper with id" in err
    assert run(capsys, "restore", "latest")[0] == 0
    # restored state waits for the paper: importing its page again brings both back
    _, out, err = run(capsys, "import", str(pages_dir))
    assert out.splitlines()[-1] == "257 papers: 1 new, 0 updated, 256 unchanged"
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.queue() == [HUN_ID] and lib.state(HUN_ID).tags == ("keep",)
        assert lib.select("new").ids == [HUN_ID]


def test_remove_by_query_and_the_undo_line_of_import(
    capsys: pytest.CaptureFixture[str], isolated_data_dir: Path, pages_dir: Path, tmp_path: Path
) -> None:
    run(capsys, "import", str(pages_dir / "000_eb9d15c261023939.txt"))
    junk = tmp_path / "README.txt"
    junk.write_text("Some Heading\n\nA paragraph of text that is not a paper.\n\n" * 3)
    code, _out, err = run(capsys, "import", str(junk), "--force")
    assert code == 0, err
    (undo,) = [line for line in err.splitlines() if "to undo this import" in line]
    command = undo.split("to undo this import: ", 1)[1].split(" (")[0]
    assert command.startswith("papertui remove --query 'added:")
    query = command.split("--query ", 1)[1].strip("'")
    with Library.open(isolated_data_dir, readonly=True) as lib:
        before = len(lib)
    code, _out, err = run(capsys, "remove", "--query", query, "--yes")
    assert code == 0, err
    with Library.open(isolated_data_dir, readonly=True) as lib:
        assert len(lib) == 45 and before > 45  # exactly the first page's papers are left
    code, _, err = run(capsys, "remove", "--query", "", "--yes")
    assert code == 2 and "empty" in err
    code, _, err = run(capsys, "remove", LUMINA, "--query", "x")
    assert code == 2


def test_note_without_text_opens_the_editor(seeded_dir: Path, tmp_path: Path) -> None:
    script = tmp_path / "fake editor.py"  # a space: the variable is split like a shell would
    script.write_text(
        "import sys\n"
        "path = sys.argv[-1]\n"
        "old = open(path, encoding='utf-8').read()\n"
        "open(path, 'w', encoding='utf-8').write(old.replace('draft', 'final') + 'added\\n')\n"
    )
    editor = f"{sys.executable} -I '{script}'"
    assert papertui("note", HUN_ID, "a draft").returncode == 0
    proc = papertui("note", HUN_ID, env={"VISUAL": editor, "EDITOR": "false"})
    assert proc.returncode == 0, proc.stderr
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.state(HUN_ID).note == "a final\nadded"
    # an editor that fails changes nothing, and says so
    proc = papertui("note", HUN_ID, env={"VISUAL": "", "EDITOR": "false"})
    assert proc.returncode == 1 and "exited with status 1" in proc.stderr
    proc = papertui("note", HUN_ID, env={"VISUAL": "no-such-editor-here", "EDITOR": ""})
    assert proc.returncode == 1 and "cannot run the editor" in proc.stderr
    with Library.open(seeded_dir, readonly=True) as lib:
        assert lib.state(HUN_ID).note == "a final\nadded"


# -- papertui open ----------------------------------------------------------------------


def _no_links(root: Path) -> tuple[str, str]:
    with Library.open(root, readonly=True) as lib:
        pid = next(
            p for p in lib.ids if not lib.paper(p).code_urls and not lib.paper(p).project_urls
        )
        return pid, lib.title(pid)


def test_open_print_gives_the_title_search_of_a_paper_without_links(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    pid, title = _no_links(seeded_dir)
    code, out, _ = run(capsys, "open", pid[:7], "--print")
    assert code == 0
    assert out == "https://huggingface.co/papers?q=" + quote(title, safe="") + "\n"
    code, out, err = run(capsys, "open", pid[:7], "--code", "--print")
    assert code == 1 and out == ""
    assert err == f"papertui: error: paper {pid[:7]} has no code link (try --paper)\n"
    hun = paper_id(HUNYUAN)
    code, out, _ = run(capsys, "open", hun, "--code", "--print")
    assert out == "https://github.com/Tencent/Hunyuan3D-2\n"
    with pytest.raises(SystemExit) as exited:
        main(["open", hun, "--paper", "--code"])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_open_follows_the_config_file(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path, config_file: Path
) -> None:
    pid, title = _no_links(seeded_dir)
    config_file.parent.mkdir(parents=True)
    config_file.write_text('[paper_link]\nsite = "google-scholar"\n')
    code, out, _ = run(capsys, "open", pid, "--print")
    assert out == f"https://scholar.google.com/scholar?q=%22{quote(title, safe='')}%22\n"
    config_file.write_text('[paper_link]\nsite = "bing"\n')
    code, out, err = run(capsys, "open", pid, "--print")
    assert code == 0 and out.startswith("https://huggingface.co/papers?q=")  # the defaults
    assert err.startswith(f"papertui: warning: {config_file} line 2: ")
    assert "unknown site 'bing'" in err
    assert err.count("\n") == 1


def test_open_hands_the_url_to_the_browser_in_BROWSER(seeded_dir: Path, tmp_path: Path) -> None:
    pid, title = _no_links(seeded_dir)
    record = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{record}"\n')
    browser.chmod(0o755)
    done = papertui("open", pid, env={"BROWSER": str(browser)})
    assert done.returncode == 0, done.stderr
    url = "https://huggingface.co/papers?q=" + quote(title, safe="")
    assert record.read_text() == url + "\n"  # one argument: the URL, whole
    assert done.stderr == f"Opening {url}\n"
    failing = tmp_path / "nobrowser.sh"
    failing.write_text("#!/bin/sh\nexit 3\n")
    failing.chmod(0o755)
    done = papertui("open", pid, env={"BROWSER": str(failing)})
    assert done.returncode == 1
    assert done.stderr == (
        f"papertui: error: no browser could be started (set $BROWSER); the link: {url}\n"
    )


def test_every_sample_paper_can_be_opened_from_the_exported_markdown(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path
) -> None:
    from markdown_it import MarkdownIt

    code, out, _ = run(capsys, "export", "--all")
    assert code == 0
    tokens = MarkdownIt("commonmark").parse(out)
    items = [t for t in tokens if t.type == "inline" and t.content.startswith(("[ ]", "[x]"))]
    assert len(items) == 257
    for item in items:
        children = item.children or []
        # The title is the item's first link, and it leads to the paper.
        first = next(c for c in children if c.type == "link_open")
        href = str(first.attrs["href"])
        assert href.startswith(("https://huggingface.co/papers?q=", "https://arxiv.org/abs/"))


def test_import_leaves_the_search_index_ready_in_a_big_library(
    capsys: pytest.CaptureFixture[str], pages_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from papertui import importer

    code, _, err = run(capsys, "import", str(pages_dir / "000_eb9d15c261023939.txt"))
    assert code == 0, err
    with Library.open(Path(os.environ["PAPERTUI_DATA_DIR"])) as lib:
        assert not lib.index_path.exists()  # 45 papers: searches scan, no index
    monkeypatch.setattr(importer, "INDEX_MIN_PAPERS", 100)  # as if this were a big library
    code, _, err = run(capsys, "import", str(pages_dir))
    assert code == 0, err
    index = Path(os.environ["PAPERTUI_DATA_DIR"]) / "search.index"
    built = index.stat().st_mtime_ns
    code, _, err = run(capsys, "import", str(pages_dir))  # nothing new: nothing to redo
    assert index.stat().st_mtime_ns == built
    with Library.open(Path(os.environ["PAPERTUI_DATA_DIR"])) as lib:
        lib.load_abstracts()
        status = lib.attach_search_index()
        assert status.complete and status.covered == len(lib) == 257


def test_a_bare_papertui_is_parsed_as_the_full_parser_parses_it() -> None:
    from papertui.cli import _open_parser, build_parser

    assert vars(_open_parser().parse_args([])) == vars(build_parser().parse_args([]))


def test_a_bare_papertui_opens_the_app_on_the_library(
    seeded_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import papertui.cli as cli

    opened: list[int] = []
    monkeypatch.setattr(cli, "_start", lambda app: opened.append(len(app.library)))
    assert cli.main([]) == 0
    assert opened == [257]
