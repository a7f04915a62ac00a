"""Opening and copying links in the app: p, o, O, y and the link picker (L)."""

from __future__ import annotations

import webbrowser
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from papertui.library import Library
from papertui.tui.flows import links as links_flow
from papertui.tui.screens.link_picker import LinkPicker

SONGGEN = "5c2322729b4d"
"""A sample paper with a code and a project link."""


def hf(title: str) -> str:
    """The default paper link of a paper without an arXiv id."""
    return "https://huggingface.co/papers?q=" + quote(title, safe="")


class Recorder:
    """Stands in for the browser and the terminal's clipboard."""

    def __init__(self, app: Any, monkeypatch: pytest.MonkeyPatch, *, browser: bool = True):
        self.opened: list[str] = []
        self.copied: list[str] = []
        monkeypatch.setattr(app, "open_url", lambda url, **kw: self.opened.append(url))
        monkeypatch.setattr(app, "copy_to_clipboard", self.copied.append)
        monkeypatch.setattr(links_flow, "clipboard_tool", lambda: None)

        def no_browser(*args: object) -> object:
            raise webbrowser.Error("could not locate runnable browser")

        monkeypatch.setattr(webbrowser, "get", (lambda *a: object()) if browser else no_browser)


def _no_links(library: Library) -> str:
    return next(
        p
        for p in library.ids
        if not library.paper(p).code_urls and not library.paper(p).project_urls
    )


async def _focus(h: Any, pid: str) -> None:
    await h.press("4")
    h.screen.rows = h.screen.rows.with_focus(pid)
    await h.pilot.pause()
    assert h.screen.highlighted == pid


async def test_p_opens_the_paper_link_a_title_search(
    library: Library, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = _no_links(library)
    title = library.title(pid)
    async with run_app(library) as h:
        rec = Recorder(h.app, monkeypatch)
        await _focus(h, pid)
        await h.press("p")
        assert rec.opened == [hf(title)]
        assert h.messages()[-1] == f"Opening the paper link: {hf(title)}"


async def test_o_opens_the_code_link(
    library: Library, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with run_app(library) as h:
        rec = Recorder(h.app, monkeypatch)
        await _focus(h, SONGGEN)
        await h.press("o")
        assert rec.opened == [library.paper(SONGGEN).code_urls[0]]
        await h.press("O")
        assert rec.opened[1] == library.paper(SONGGEN).project_urls[0]


async def test_o_without_code_says_so_and_offers_the_paper_link(
    library: Library, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = _no_links(library)
    async with run_app(library) as h:
        rec = Recorder(h.app, monkeypatch)
        await _focus(h, pid)
        await h.press("o")
        assert isinstance(h.app.screen, LinkPicker)
        assert "This paper has no code link" in h.text()
        assert rec.opened == []
        await h.press("enter")  # the paper link, the only one, is chosen
        assert not isinstance(h.app.screen, LinkPicker)
        assert rec.opened == [hf(library.title(pid))]
        await h.press("O")
        assert "This paper has no project link" in h.text()
        await h.press("escape")
        assert not isinstance(h.app.screen, LinkPicker)
        assert len(rec.opened) == 1


async def test_y_copies_the_paper_link_and_says_where_it_went(
    library: Library, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with run_app(library) as h:
        rec = Recorder(h.app, monkeypatch)
        await _focus(h, SONGGEN)
        await h.press("y")
        url = hf(library.title(SONGGEN))
        assert rec.copied == [url]
        assert h.messages()[-1] == f"The paper link was sent to the terminal's clipboard: {url}"


async def test_y_uses_the_system_clipboard_tool_too(
    library: Library, run_app: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "clipboard.txt"
    tool = tmp_path / "fakeclip"
    tool.write_text(f"#!/bin/sh\ncat > '{out}'\n")
    tool.chmod(0o755)
    async with run_app(library) as h:
        rec = Recorder(h.app, monkeypatch)
        monkeypatch.setattr(links_flow, "clipboard_tool", lambda: [str(tool)])
        await _focus(h, SONGGEN)
        await h.press("y")
        url = hf(library.title(SONGGEN))
        await h.wait_for(lambda: any("fakeclip" in m for m in h.messages()))
        assert out.read_text() == url
        assert rec.copied == [url]  # and to the terminal
        assert h.messages()[-1] == (
            f"The paper link was sent to the terminal's clipboard and copied with fakeclip: {url}"
        )


async def test_link_picker_lists_every_link_and_opens_or_copies_one(
    library: Library, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    paper = library.paper(SONGGEN)
    async with run_app(library) as h:
        rec = Recorder(h.app, monkeypatch)
        await _focus(h, SONGGEN)
        await h.press("L")
        assert isinstance(h.app.screen, LinkPicker)
        text = h.text()
        assert "1  paper" in text and "2  code" in text and "3  project" in text
        assert paper.code_urls[0] in text
        await h.press("2")  # a digit opens that link at once
        assert rec.opened == [paper.code_urls[0]]
        await h.press("L", "down", "down", "y")  # copy the third: the project link
        assert rec.copied == [paper.project_urls[0]]
        assert not isinstance(h.app.screen, LinkPicker)
        await h.press("L", "o")  # o opens the highlighted one: the paper link
        assert rec.opened[-1] == hf(paper.title)


async def test_no_browser_copies_instead(
    library: Library, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with run_app(library) as h:
        rec = Recorder(h.app, monkeypatch, browser=False)
        await _focus(h, SONGGEN)
        await h.press("o")
        url = library.paper(SONGGEN).code_urls[0]
        assert rec.opened == [] and rec.copied == [url]
        assert "No browser found" in h.messages()[-2]
        assert h.notes[-1].markup is False


async def test_links_refuse_non_http(
    library: Library, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = library.ids[0]
    evil = replace(
        library.paper(pid),
        code_urls=("javascript:alert(1)",),
        project_urls=("file:///etc/passwd",),
    )
    real_paper = library.paper
    monkeypatch.setattr(library, "paper", lambda p: evil if p == pid else real_paper(p))
    async with run_app(library) as h:
        rec = Recorder(h.app, monkeypatch)
        await _focus(h, pid)
        await h.press("o")
        assert isinstance(h.app.screen, LinkPicker)
        text = h.text()
        assert "only http and https" in text
        assert "javascript" not in text and "file:" not in text  # never offered
        await h.press("escape", "L")
        assert "javascript" not in h.text()
        await h.press("escape")
        assert rec.opened == [] and rec.copied == []


async def test_paper_links_follow_the_config_file(
    library: Library, run_app: Any, monkeypatch: pytest.MonkeyPatch, config_file: Path
) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_text('[paper_link]\nsite = "arxiv"\n\n[keys]\n"link.paper" = "P"\n')
    pid = _no_links(library)
    async with run_app(library) as h:
        rec = Recorder(h.app, monkeypatch)
        await _focus(h, pid)
        await h.press("p")  # remapped away
        assert rec.opened == []
        await h.press("P")
        title = quote(library.title(pid), safe="")
        assert rec.opened == [f"https://arxiv.org/search/?query={title}&searchtype=title"]


async def test_a_broken_config_file_is_one_line_and_the_app_starts(
    library: Library, run_app: Any, config_file: Path
) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_text('[paper_link]\nsite = "altavista"\n')
    async with run_app(library) as h:
        (note,) = [n for n in h.notes if n.title == "Config"]
        assert note.message.startswith(f"{config_file} line 2: ")
        assert "altavista" in note.message and "\n" not in note.message
        assert len(h.screen.rows) > 0
