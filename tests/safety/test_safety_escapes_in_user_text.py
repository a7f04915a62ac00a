"""Terminal escapes typed into notes and tags, or already in stored data, never reach the
terminal; bidirectional and zero-width characters in titles are neutralised when shown.

Page text was already cleaned on import; notes and tags were stored as typed and printed as
stored, so ``papertui note ID $'\\e]0;pwned\\a'`` retitled the terminal at every ``show``.
Now they are cleaned on the way in, and every output (``show``, ``list``, ``stats``, the
Markdown export, the app) cleans on the way out too, for data stored before or edited by
hand. JSON keeps stored text verbatim: its escaping makes any character safe.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from papertui.cli import main
from papertui.library import Library
from papertui.models import paper_id
from papertui.store import Store
from papertui.tui.app import create_app
from papertui.tui.widgets import DetailPane

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters other than tab and newline (what starts any terminal escape)."""
INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
"""Bidirectional controls and zero-width characters."""

ESC_NOTE = "read \x1b]0;pwned\x07this\x1b[2J\x1b[H first\x9b31m\nsecond \x07line"
ESC_TAG = "\x1b[31mred\x1b[0m"
BIDI_TITLE = "Spoofed \u202eTITLE\u202c Paper With \u200bZero\u200d Width\u2066 Isolates\u2069"
PLAIN_NOTE = "read this first\nsecond line"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, (argv, err)
    return out + err


def unsafe(text: str) -> list[str]:
    return sorted({repr(c) for c in CONTROL.findall(text) + INVISIBLE.findall(text)})


def page(path: Path) -> Path:
    path.write_text(
        "Daily Papers\n\nJan 21\n\n"
        f"{BIDI_TITLE}\n\nAn abstract about diffusion, long enough to be read as one.\n\n"
        "  • 2 authors\n·\nJan 20 7\n\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def pid(isolated_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    cli(capsys, "import", str(page(tmp_path / "page.txt")))
    return paper_id(BIDI_TITLE)


def test_typed_notes_and_tags_are_cleaned_on_the_way_in(
    pid: str, isolated_data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "note", pid, ESC_NOTE)
    cli(capsys, "tag", pid, f"+{ESC_TAG}", "+zero\u200bwidth")
    with Library.open(isolated_data_dir, readonly=True) as lib:
        state = lib.state(pid)
    assert state.note == PLAIN_NOTE
    assert state.tags == ("red", "zerowidth")
    assert "pwned" not in state.note  # the whole escape sequence went, not just its ESC


def store_raw_state(root: Path, pid: str) -> None:
    """Decisions as an older papertui (or a hand edit) stored them: escapes and all."""
    with Store(root) as store:
        store.put_states(
            {
                pid: {
                    "starred": True,
                    "queue_position": 1,
                    "read": False,
                    "tags": [ESC_TAG, "bidi\u202etag"],
                    "note": ESC_NOTE,
                    "changed": {"starred": "2025-01-01T00:00:00+00:00"},
                }
            }
        )


@pytest.mark.parametrize("tty", [False, True])
def test_stored_escapes_and_bidi_never_reach_the_terminal(
    pid: str,
    isolated_data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tty: bool,
) -> None:
    store_raw_state(isolated_data_dir, pid)
    monkeypatch.setattr("sys.stdout.isatty", lambda: tty)  # the table, or the piped lines
    monkeypatch.setenv("TERM", "dumb")  # a terminal without colours: every escape is ours
    outputs = {
        "show": cli(capsys, "show", pid),
        "list": cli(capsys, "list"),
        "stats": cli(capsys, "stats"),
        "export": cli(capsys, "export"),
        "export --group-by tag": cli(capsys, "export", "--group-by", "tag"),
        "export --all": cli(capsys, "export", "--all"),
    }
    for name, out in outputs.items():
        assert unsafe(out) == [], name
        assert "pwned" not in out, name
    assert "Spoofed TITLE Paper With Zero Width Isolates" in outputs["show"]
    assert "read this first" in outputs["show"]
    assert "#red" in outputs["list"] and "#bidi" in outputs["list"]
    assert "Spoofed TITLE Paper" in outputs["stats"]
    # JSON keeps the stored text as it is (a public contract), every unsafe character
    # written as a \\u escape (json.dumps keeps C1 controls and bidi ones raw).
    for argv in (["show", pid, "--json"], ["list", "--json"], ["export", "--format", "json"]):
        json_out = cli(capsys, *argv)
        assert unsafe(json_out) == [], argv
        record = json.loads(json_out)
        record = record if isinstance(record, dict) else record[0]
        assert (record["title"], record["note"]) == (BIDI_TITLE, ESC_NOTE)


async def test_the_app_shows_stored_escapes_and_bidi_cleaned(
    pid: str, isolated_data_dir: Path
) -> None:
    store_raw_state(isolated_data_dir, pid)
    lib = Library.open(isolated_data_dir)
    try:
        app = create_app(lib)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("2")  # the queue, where the paper is
            await pilot.pause()
            screen = "\n".join(s.text for s in app.screen._compositor.render_strips())
            detail = app.screen.query_one(DetailPane).text
            assert "Spoofed TITLE Paper" in screen
            assert "read this first" in detail
            for text in (screen, detail):
                assert unsafe(text) == []
                assert "pwned" not in text
    finally:
        lib.close()
