"""Exporting the queue from the app: e asks where, never overwrites unasked, can copy."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from textual.widgets import Input

from papertui.library import Library
from papertui.tui.flows import export as export_flow
from papertui.tui.screens.export_prompt import ConfirmOverwrite, ExportPrompt

NAME = f"papertui-queue-{date.today().isoformat()}.md"


async def _prompt(h: Any) -> Input:
    await h.press("e")
    assert isinstance(h.app.screen, ExportPrompt)
    return h.app.screen.query_one(Input)


async def test_e_proposes_the_documents_folder_and_writes_there(
    library: Library, tmp_path: Path, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "Documents"
    docs.mkdir()
    monkeypatch.setattr("platformdirs.user_documents_dir", lambda: str(docs))
    monkeypatch.chdir(tmp_path)
    a, b = library.ids[:2]
    library.set_starred([a, b], True)
    async with run_app(library) as h:
        field = await _prompt(h)
        assert field.value == str(docs / NAME)
        await h.press("enter")
        expected = docs / NAME
        await h.wait_for(lambda: any(str(expected) in m for m in h.messages()))
        text = expected.read_text(encoding="utf-8")
        assert "Reading queue" in text
        hf = "https://huggingface.co/papers?q=" + quote(library.title(a), safe="")
        assert f"]({hf})" in text  # every title is linked to its paper link
        assert list(tmp_path.glob("*.md")) == []  # never the current folder


async def test_e_uses_the_configured_folder_and_a_typed_name(
    library: Library, tmp_path: Path, run_app: Any, config_file: Path
) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    config_file.parent.mkdir(parents=True)
    config_file.write_text(f'[export]\nfolder = "{out}"\n')
    library.set_starred([library.ids[0]], True)
    async with run_app(library) as h:
        field = await _prompt(h)
        assert field.value == str(out / NAME)
        field.value = "week.md"  # relative: in the proposed folder
        await h.press("enter")
        await h.wait_for((out / "week.md").exists)


async def test_e_never_overwrites_without_asking(
    library: Library, tmp_path: Path, run_app: Any, config_file: Path
) -> None:
    target = tmp_path / NAME
    target.write_text("my notes", encoding="utf-8")
    config_file.parent.mkdir(parents=True)
    config_file.write_text(f'[export]\nfolder = "{tmp_path}"\n')
    library.set_starred([library.ids[0]], True)
    async with run_app(library) as h:
        await _prompt(h)
        await h.press("enter")
        assert isinstance(h.app.screen, ConfirmOverwrite)
        await h.press("n")
        assert target.read_text(encoding="utf-8") == "my notes"
        assert f"Nothing exported: {target} kept" in h.messages()[-1]
        await _prompt(h)
        await h.press("enter", "y")
        await h.wait_for(lambda: "Reading queue" in target.read_text(encoding="utf-8"))


async def test_e_can_copy_the_markdown_instead(
    library: Library, tmp_path: Path, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("platformdirs.user_documents_dir", lambda: str(tmp_path))
    monkeypatch.setattr(export_flow, "clipboard_tool", lambda: None)
    library.set_starred([library.ids[0]], True)
    async with run_app(library) as h:
        copied: list[str] = []
        monkeypatch.setattr(h.app, "copy_to_clipboard", copied.append)
        await _prompt(h)
        await h.press("ctrl+y")
        await h.wait_for(lambda: bool(copied))
        assert copied[0].startswith("# Reading queue")
        await h.wait_for(lambda: "sent to the terminal's clipboard" in h.messages()[-1])
        assert list(tmp_path.glob("*.md")) == []


async def test_e_refuses_an_empty_queue_and_a_missing_folder(
    library: Library, tmp_path: Path, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("platformdirs.user_documents_dir", lambda: str(tmp_path))
    async with run_app(library) as h:
        await h.press("e")
        assert "queue is empty" in h.messages()[-1]
        await h.press("s")
        field = await _prompt(h)
        field.value = str(tmp_path / "nowhere" / "q.md")
        await h.press("enter")
        await h.wait_for(lambda: h.messages()[-1].startswith("Export failed"))
        assert "nowhere" in h.messages()[-1]
        assert not (tmp_path / "nowhere").exists()
