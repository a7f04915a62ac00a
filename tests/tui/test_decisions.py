"""Dismissing, decisions that stay under the cursor, the status line, queue top/bottom,
removing, the note's ways out: driven from the keyboard, checked in the library."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from papertui.library import Library
from papertui.render import DISMISSED
from papertui.store import Store
from papertui.tui.screens.note import NoteEditor
from papertui.tui.screens.question import Confirm, QuitOverNote
from papertui.tui.widgets import PaperList, StatusLine


def reopen(root: Path) -> Library:
    """The library as it is on disk (read-only: the app still holds the lock)."""
    return Library.open(root, readonly=True)


async def test_star_then_tag_in_the_inbox_tags_the_starred_paper(
    library: Library, seeded_dir: Path, run_app: Any
) -> None:
    async with run_app(library) as h:
        first, second = h.screen.rows.id_at(0), h.screen.rows.id_at(1)
        await h.press("s")
        await h.press("t")
        await h.fill("later")
        await h.press("enter")
        assert library.state(first).starred and library.state(first).tags == ("later",)
        assert library.state(second).is_default
        assert h.messages()[-1].startswith("Tagged +later: ")
    assert reopen(seeded_dir).state(first).tags == ("later",)


async def test_x_dismisses_marked_papers_which_stay_until_the_cursor_moves(
    library: Library, seeded_dir: Path, run_app: Any
) -> None:
    async with run_app(library) as h:
        a, b, c = (h.screen.rows.id_at(i) for i in range(3))
        await h.press("space", "space")  # mark a and b; the cursor is on c
        await h.press("k")  # back on b
        await h.press("x")
        assert library.state(a).dismissed and library.state(b).dismissed
        assert not library.state(c).dismissed
        assert h.screen.sidebar.counts["dismissed"] == 2
        assert h.screen.sidebar.counts["inbox"] == 255
        assert h.messages()[-1] == "Dismissed 2 papers"
        papers = h.screen.query_one(PaperList)
        assert h.screen.rows.index_of(b) == 1 and DISMISSED in papers.render_line(1).text
        await h.press("j")  # the cursor leaves: the dismissed rows go
        assert h.screen.rows.index_of(a) is None and h.screen.rows.index_of(b) is None
        assert h.screen.highlighted == c
        await h.press("6")
        assert set(h.screen.rows.ids) == {a, b}
        first = h.screen.highlighted
        assert first is not None
        await h.press("x")  # undismissed: it leaves the view but stays under the cursor
        assert not library.state(first).dismissed and h.screen.highlighted == first
        await h.press("x")  # so the next x is about the same paper
        assert library.state(first).dismissed
        await h.press("u", "u")
        assert library.state(a).dismissed and library.state(b).dismissed
    disk = reopen(seeded_dir)
    assert disk.state(a).dismissed and disk.state(b).dismissed and disk.counts()["inbox"] == 255


async def test_X_asks_with_the_count_and_undoes_in_one_go(
    library: Library, seeded_dir: Path, run_app: Any
) -> None:
    pid = library.ids[0]
    library.set_starred([pid], True)
    async with run_app(library) as h:
        await h.press("X")
        question = h.app.screen
        assert isinstance(question, Confirm)
        assert question.question == "Dismiss the 256 papers left in this view?"
        await h.press("n")
        assert h.app.screen is h.screen and library.counts()["dismissed"] == 0
        await h.press("X", "y")
        assert library.counts()["dismissed"] == 256 and library.counts()["inbox"] == 0
        assert len(h.screen.rows) == 0  # refreshed: nothing lingers
        assert library.state(pid).starred  # the queued paper was not in the Inbox
        assert reopen(seeded_dir).counts()["dismissed"] == 256
        await h.press("u")
        assert library.counts()["dismissed"] == 0 and library.counts()["inbox"] == 256
    assert reopen(seeded_dir).counts()["inbox"] == 256


async def test_T_and_B_move_to_the_top_and_bottom_of_the_queue(
    library: Library, seeded_dir: Path, run_app: Any
) -> None:
    a, b, c, d = library.ids[:4]
    library.set_starred([a, b, c, d], True)
    async with run_app(library) as h:
        await h.press("T")  # not in the queue view: the key does nothing there
        assert library.queue() == [a, b, c, d]
        await h.press("2", "G")
        assert h.screen.highlighted == d
        await h.press("T")
        assert library.queue() == [d, a, b, c] and h.screen.highlighted == d
        await h.press("j", "space", "space", "B")  # a and b marked: both to the bottom
        assert library.queue() == [d, c, a, b]
        await h.press("u")
        assert library.queue() == [d, a, b, c]
    assert reopen(seeded_dir).queue() == [d, a, b, c]


async def test_D_removes_after_asking(library: Library, seeded_dir: Path, run_app: Any) -> None:
    async with run_app(library) as h:
        pid = h.screen.highlighted
        assert pid is not None
        library.tag([pid], add=["gone-soon"])
        await h.press("D")
        question = h.app.screen
        assert isinstance(question, Confirm)
        assert library.title(pid)[:30] in question.question
        await h.press("escape")
        assert pid in library
        await h.press("D", "y")
        assert pid not in library and len(library) == 256
        assert h.screen.rows.index_of(pid) is None
        assert h.screen.sidebar.counts["all"] == 256
        assert "#gone-soon" not in h.text()
        assert h.messages()[-1] == "Removed 1 paper from the library"
    assert pid not in reopen(seeded_dir)
    store = Store(seeded_dir, readonly=True)
    assert store.list_backups(), "the state was backed up before the removal"


async def _draft(h: Any, text: str) -> NoteEditor:
    await h.press("a")
    await h.fill(text)
    editor = h.app.screen
    assert isinstance(editor, NoteEditor) and editor.changed
    return editor


async def test_ctrl_q_over_a_draft_asks_and_can_save(
    library: Library, seeded_dir: Path, run_app: Any
) -> None:
    async with run_app(library) as h:
        pid = h.screen.highlighted
        assert pid is not None
        editor = await _draft(h, "keep this draft")
        await h.press("ctrl+q")
        assert h.app.is_running and isinstance(h.app.screen, QuitOverNote)
        await h.press("escape")  # keep editing: the draft is still there
        assert h.app.screen is editor and editor.changed
        await h.press("ctrl+q", "s")
        assert library.state(pid).note == "keep this draft"
        await h.pilot.pause()
        assert not h.app.is_running
    assert reopen(seeded_dir).state(pid).note == "keep this draft"


async def test_q_with_the_editor_open_keeps_the_draft(
    library: Library, seeded_dir: Path, run_app: Any
) -> None:
    """The list's q (quit) never reaches past the modal editor, even with the focus out of
    the text area: the draft stays, and quitting still asks (then discarding works)."""
    async with run_app(library) as h:
        pid = h.screen.highlighted
        assert pid is not None
        editor = await _draft(h, "throw me")
        editor.set_focus(None)  # focus out of the text area: q is not typed into it
        await h.pilot.pause()
        await h.press("q")
        assert h.app.is_running and h.app.screen is editor and editor.changed
        await h.press("ctrl+q")
        assert isinstance(h.app.screen, QuitOverNote)
        await h.press("d")
        await h.pilot.pause()
        assert not h.app.is_running
    assert reopen(seeded_dir).state(pid).note == ""


async def test_the_palette_quit_over_a_draft_asks(
    library: Library, seeded_dir: Path, run_app: Any
) -> None:
    async with run_app(library) as h:
        pid = h.screen.highlighted
        assert pid is not None
        editor = await _draft(h, "palette draft")
        (quit_command,) = [c for c in h.app.get_system_commands(editor) if c.title == "Quit"]
        await quit_command.callback()  # what the palette runs for "Quit"
        await h.pilot.pause()
        assert h.app.is_running and isinstance(h.app.screen, QuitOverNote)
        await h.press("s")
        await h.pilot.pause()
        assert not h.app.is_running
    assert reopen(seeded_dir).state(pid).note == "palette draft"


@pytest.fixture
def fake_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$VISUAL: a script that appends a line to the file it is given."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\nopen(sys.argv[-1], 'a', encoding='utf-8').write('from the editor\\n')\n"
    )
    monkeypatch.setenv("VISUAL", f"{sys.executable} -I {script}")


async def test_A_edits_the_note_in_the_editor(
    library: Library, seeded_dir: Path, run_app: Any, fake_editor: None
) -> None:
    suspended: list[bool] = []

    @contextlib.contextmanager
    def suspend() -> Iterator[None]:  # the headless test driver cannot suspend
        suspended.append(True)
        yield

    async with run_app(library) as h:
        h.app.suspend = suspend
        pid = h.screen.highlighted
        assert pid is not None
        library.set_note(pid, "first line")
        await h.press("A")
        assert suspended == [True]
        assert library.state(pid).note == "first line\nfrom the editor"
        assert h.messages()[-1].startswith("Note saved: ")
    assert reopen(seeded_dir).state(pid).note == "first line\nfrom the editor"


async def test_a_burst_of_messages_is_one_status_line(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press(*"uuuuuuuu")
        line = h.screen.query_one(StatusLine)
        assert line.message == "Nothing to undo" and line.repeats == 8
        assert "Nothing to undo ×8" in h.text()
        assert not list(h.app._notifications)  # no toast
        await h.press("s")
        assert line.message.startswith("Queued: ") and line.repeats == 1


async def test_view_and_sort_are_remembered(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("3")
        h.screen.action_set_sort("title")
        await h.pilot.pause()
    async with run_app(library) as h:
        assert (h.screen.view, h.screen.sort) == ("read", "title")
        await h.press("5")
    async with run_app(library) as h:
        assert h.screen.view == "new"
        assert len(h.screen.rows) == 257 and h.screen.sidebar.counts["new"] == 257


async def test_the_palette_offers_the_new_commands(library: Library, run_app: Any) -> None:
    library.set_starred([library.ids[0]], True)
    async with run_app(library) as h:
        titles = {c.title: c for c in h.screen.palette_commands()}
        for needle in (
            "Dismiss (x)",
            "Dismiss rest (X)",
            "Remove (D)",
            "Note in $EDITOR (A)",
            "View: New",
            "View: Dismissed",
        ):
            assert needle in titles, needle
        assert "To top (T)" not in titles  # queue moves: in the Queue view only
        await titles["Dismiss (x)"].callback()
        await h.pilot.pause()
        assert library.counts()["dismissed"] == 1
        await h.press("2")
        titles = {c.title: c for c in h.screen.palette_commands()}
        assert "To top (T)" in titles and "To bottom (B)" in titles


async def test_a_removal_in_the_shell_shows_in_the_open_app(seeded_dir: Path, run_app: Any) -> None:
    """``papertui remove`` in another pane: the app drops the rows, and painting the old
    ones while the corpus reloads does not fail (it did: KeyError in the paper list)."""
    lib = Library.open(seeded_dir)
    shell = Library.open(seeded_dir)  # another process's library, as the CLI opens it
    try:
        async with run_app(lib) as h:
            await h.press("4")
            pid = h.screen.rows.id_at(0)
            shell.set_starred([pid], True)
            await h.wait_for(lambda: h.screen.sidebar.counts["queue"] == 1, timeout=5)
            shell.remove([pid])
            await h.wait_for(lambda: h.screen.sidebar.counts["all"] == 256, timeout=5)
            assert h.app.is_running and h.screen.rows.index_of(pid) is None
            assert pid not in lib and lib.counts()["queue"] == 0
    finally:
        shell.close()
        lib.close()


async def test_the_next_opening_trusts_the_date_order_checked_before(
    library: Library, run_app: Any
) -> None:
    """The first opening checks that the corpus file is stored in date order (every
    paper's date and upvotes decoded: ~30 ms at 100k, before the first paint); the next
    opening of the same file takes its order as checked, and shows the same rows."""
    import json

    from papertui.store import _LazyColumn

    first = Library.open(library.root)
    async with run_app(first) as h:
        shown = list(h.screen.rows.ids)
    saved = json.loads((library.root / "app.json").read_text())
    assert saved["date_order"] == list(first.store.corpus_seen)
    again = Library.open(library.root)
    assert isinstance(again.corpus.cols["seen"], _LazyColumn)
    async with run_app(again) as h:
        assert again.views.trust_date_order and again.views.date_ordered
        assert list(h.screen.rows.ids) == shown
    # the file replaced (an import elsewhere): checked again, not trusted
    with Store(library.root) as other, other.corpus_write():
        other.save_papers({}, {}, order=list(reversed(first.ids)))
    third = Library.open(library.root)
    assert list(third.ids) == list(reversed(first.ids))
    third.trust_date_order(saved["date_order"])
    assert not third.views.trust_date_order
    assert third.view_ids("all", "date") != list(reversed(first.ids))  # sorted, not trusted
