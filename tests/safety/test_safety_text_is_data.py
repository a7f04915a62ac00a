"""Text is data, never markup, and only http(s) links are ever links: every non-TUI output.

A page whose title and abstract (and a note and tags added later) are full of Rich markup
(``[bold]``, ``[/]``, ``[@click=app.quit]``), Markdown (``*a*``, ``_b_``, backticks,
``|``) and HTML goes through ``papertui list``, ``show``, ``stats`` and ``export``: the text
is printed exactly as written, the exported Markdown renders it literally, and JSON keeps it
verbatim. ``javascript:``, ``file:`` and other non-web URLs in an abstract never become
code/project links nor Markdown link targets.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from markdown_it import MarkdownIt

from papertui.cli import main
from papertui.models import paper_id

TITLE = "Markup [nextline] [/] [bold]x[/bold] [@click=app.quit] *a* _b_ | `tick` <html> paper"
ABSTRACT = (
    "We study [nextline] tokens, [/] closers, [bold]x[/bold] styles, [@click=app.quit] "
    "actions, *a* and _b_ emphasis, | pipes |, `code` spans and <html><script>alert(1)"
    "</script> tags, plus [link](not-a-url) forms."
)
NOTE = "note with [bold]x[/bold] and [@click=app.quit] *a* _b_ | `c` <html>\nsecond line [/] end"
TAGS = ["[bold]x[/bold]", "*a*", "_b_", "<html>", "[@click=app.quit]", "`t`", "|", "[/]"]
PID = paper_id(TITLE)

LINKS_TITLE = "Links Paper One"
LINKS_ABSTRACT = (
    "Code: javascript:alert(document.cookie) and file:///etc/passwd and "
    "data:text/html,<script>alert(1)</script> and vbscript:msgbox(1) and JAVASCRIPT:alert(2) "
    "but the real code is at https://github.com/org/repo and the project at "
    "http://project.example.org/page."
)
NOLINKS_TITLE = "[click me](javascript:alert(1)) Links Paper Two <a href='file:///etc/passwd'>x</a>"
NOLINKS_ABSTRACT = (
    "Only bad ones: javascript:alert(1) file:///etc/shadow ftp://ftp.example.org/x "
    "mailto:someone@example.org <javascript:alert(3)> and [x](file:///etc/hosts) here."
)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    except BaseException as exc:
        pytest.fail(f"papertui {' '.join(argv)} crashed with {type(exc).__name__}: {exc}")
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = cli(capsys, *argv)
    assert code == 0, (argv, err)
    return out


def write_page(path: Path, *papers: tuple[str, str]) -> Path:
    body = "".join(f"{t}\n\n{a}\n\n  • 2 authors\n·\nJan 20 7\n\n" for t, a in papers)
    path.write_text("Daily Papers\n\nJan 21\n\n" + body, encoding="utf-8")
    return path


@pytest.fixture
def markup_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setenv("COLUMNS", "400")  # no wrapping in the middle of a phrase
    page = write_page(tmp_path / "markup.txt", (TITLE, ABSTRACT), (LINKS_TITLE, LINKS_ABSTRACT))
    ok(capsys, "import", str(page))
    ok(capsys, "tag", PID, *[f"+{t}" for t in TAGS])
    ok(capsys, "note", PID, NOTE)
    ok(capsys, "star", PID)
    return PID


def test_markup_in_imported_and_user_text_is_shown_literally(
    markup_library: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = markup_library
    out = ok(capsys, "list")
    assert TITLE in out
    for tag in TAGS:
        assert f"#{tag}" in out, tag
    out = ok(capsys, "list", "markup")
    assert TITLE in out

    out = ok(capsys, "show", pid)
    for text in (TITLE, ABSTRACT, *NOTE.splitlines(), *(f"#{t}" for t in TAGS)):
        assert text in out, text

    out = ok(capsys, "stats")
    for tag in TAGS:
        assert f"  #{tag}  1" in out.splitlines(), tag
    assert f"Oldest in queue: {TITLE}  (id {pid[:7]}" in out


def test_json_outputs_keep_the_text_verbatim(
    markup_library: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = markup_library
    for argv in (["list", "--json"], ["show", pid, "--json"], ["export", "--format", "json"]):
        data = json.loads(ok(capsys, *argv))
        records = {r["id"]: r for r in (data if isinstance(data, list) else [data])}
        rec = records[pid]
        assert (rec["title"], rec["abstract"], rec["note"], rec["tags"]) == (
            TITLE,
            ABSTRACT,
            NOTE,
            TAGS,
        ), argv
    stats = json.loads(ok(capsys, "stats", "--json"))
    assert stats["tags"] == {t: 1 for t in TAGS}
    assert stats["oldest_queued"]["title"] == TITLE


ALLOWED_TAGS = {"h1", "h2", "p", "ul", "li", "blockquote", "a"}


def _render(markdown: str, preset: str) -> tuple[str, set[str], list[str]]:
    """(visible text, HTML tag names, every link target) of ``markdown`` rendered.

    Links are collected with link validation switched off, so that a ``javascript:`` link
    in the Markdown shows up here even though markdown-it would refuse to render it.
    """
    md = MarkdownIt(preset)
    rendered = md.render(markdown)
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", rendered))
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    permissive = MarkdownIt(preset)
    permissive.validateLink = lambda url: True  # type: ignore[method-assign]
    hrefs: list[str] = []

    def walk(tokens: list[Any]) -> None:
        for tok in tokens:
            if tok.type in ("link_open", "image"):
                hrefs.append(str(tok.attrGet("href") or tok.attrGet("src")))
            if tok.children:
                walk(tok.children)

    walk(permissive.parse(markdown))
    return " ".join(text.split()), tags, hrefs


@pytest.mark.parametrize("preset", ["commonmark", "gfm-like"])
@pytest.mark.parametrize("group_by", [None, "tag"])
def test_exported_markdown_renders_the_text_literally(
    markup_library: str, capsys: pytest.CaptureFixture[str], preset: str, group_by: str | None
) -> None:
    argv = ["export"] + (["--group-by", group_by] if group_by else [])
    text, tags, hrefs = _render(ok(capsys, *argv), preset)
    assert tags <= ALLOWED_TAGS, f"markup became HTML: {sorted(tags - ALLOWED_TAGS)}"
    assert hrefs == [hf(TITLE)], hrefs  # no links of its own: its title search alone
    for literal in (TITLE, *NOTE.splitlines(), *TAGS):
        assert literal in text, f"{literal!r} not shown literally in: {text[:600]}"


def hf(title: str) -> str:
    """A paper link without an arXiv id: the Hugging Face search for the exact title."""
    return "https://huggingface.co/papers?q=" + quote(" ".join(title.split()), safe="")


def test_only_http_links_are_links(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    page = write_page(
        tmp_path / "links.txt", (LINKS_TITLE, LINKS_ABSTRACT), (NOLINKS_TITLE, NOLINKS_ABSTRACT)
    )
    ok(capsys, "import", str(page))
    good, bad = paper_id(LINKS_TITLE), paper_id(NOLINKS_TITLE)
    records = {r["id"]: r for r in json.loads(ok(capsys, "list", "--json"))}
    assert records[good]["code_urls"] == ["https://github.com/org/repo"]
    assert records[good]["project_urls"] == ["http://project.example.org/page"]
    assert records[bad]["code_urls"] == [] and records[bad]["project_urls"] == []
    assert records[bad]["title"] == NOLINKS_TITLE

    # papertui show lists a paper's links after its abstract: only the two web links.
    for pid, want in ((good, 2), (bad, 0)):
        out = ok(capsys, "show", pid)
        links = [ln.strip() for ln in out.splitlines() if ln.startswith(("code ", "project "))]
        assert len(links) == want, out
        assert all(re.fullmatch(r"(code|project) +https?://\S+", ln) for ln in links), links

    ok(capsys, "star", good, bad)
    for argv in (["export"], ["export", "--all"], ["export", "--all", "--group-by", "tag"]):
        markdown = ok(capsys, *argv)
        for preset in ("commonmark", "gfm-like"):
            text, tags, hrefs = _render(markdown, preset)
            assert tags <= ALLOWED_TAGS, sorted(tags - ALLOWED_TAGS)
            # Each title links to its paper link, then its http(s) code and project links.
            assert sorted(hrefs) == sorted(
                [
                    hf(LINKS_TITLE),
                    "https://github.com/org/repo",
                    "http://project.example.org/page",
                    hf(NOLINKS_TITLE),
                ]
            ), (argv, preset, hrefs)
            assert NOLINKS_TITLE in text
        # The bad URLs are in the Markdown only as escaped text, never as a destination.
        assert not re.search(r"(?<!\\)\]\((?!https?://)", markdown), markdown
        assert not re.search(r"(?<!\\)<(?!https?://)[a-z]+:", markdown, re.IGNORECASE), markdown
