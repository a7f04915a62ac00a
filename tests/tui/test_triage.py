"""Triage from the keyboard: what the library holds afterwards is what counts."""

from __future__ import annotations

import asyncio
import errno
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from papertui.library import Library
from papertui.render import QUEUED
from papertui.tui.flows.triage import short_title
from papertui.tui.widgets import PaperList
from papertui.tui.widgets.paper_list import MARK


def reopen(root: Path) -> Library:
    """The library as it is on disk (read-only: the app's library still holds the lock)."""
    return Library.open(root, readonly=True)


async def test_star_moves_cursor_to_next_and_is_saved(
    library: Library, seeded_dir: Path, run_app: Any
) -> None:
    async with run_app(library) as h:
        first, second = h.screen.rows.id_at(0), h.screen.rows.id_at(1)
        assert h.screen.highlighted == first
        await h.press("s")
        assert library.state(first).starred
        # The paper left the inbox, but its row stays under the cursor, shown queued,
        # until the cursor moves on.
        assert h.screen.rows.index_of(first) == 0
        assert h.screen.highlighted == first
        assert QUEUED in h.screen.query_one(PaperList).render_line(0).text
        assert any(m.startswith("Queued: " + library.title(first)[:20]) for m in h.messages())
        await h.press("j")
        assert h.screen.rows.index_of(first) is None
        assert h.screen.highlighted == second
        assert reopen(seeded_dir).state(first).starred  # durable at once
        await h.press("4")  # All: the paper is still there, shown queued
        await h.press("g")
        index = h.screen.rows.index_of(first)
        assert index is not None
        h.screen.rows = h.screen.rows.with_focus(first)
        await h.pilot.pause()
        await h.press("s")  # unstar
        assert not library.state(first).starred
        assert not reopen(seeded_dir).state(first).starred


async def test_read_toggle(library: Library, seeded_dir: Path, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("4")
        pid = h.screen.highlighted
        assert pid is not None
        await h.press("r")
        assert library.state(pid).read
        assert h.screen.highlighted == pid  # still in the All view
        await h.press("r")
        assert not library.state(pid).read
    assert not reopen(seeded_dir).state(pid).read


async def test_tag_prompt_adds_and_removes(
    library: Library, seeded_dir: Path, run_app: Any
) -> None:
    async with run_app(library) as h:
        await h.press("4")
        pid = h.screen.highlighted
        assert pid is not None
        await h.press("t")
        await h.fill("ml vision")
        await h.press("enter")
        assert library.state(pid).tags == ("ml", "vision")
        assert "#vision" in h.text()  # the sidebar lists the new tag
        await h.press("t")
        await h.fill("-ml rl")
        await h.press("enter")
        assert library.state(pid).tags == ("vision", "rl")
        await h.press("t", "escape")  # cancel changes nothing
        assert library.state(pid).tags == ("vision", "rl")
    assert reopen(seeded_dir).state(pid).tags == ("vision", "rl")


async def test_tag_prompt_completes_existing_tags(library: Library, run_app: Any) -> None:
    library.tag([library.ids[5]], add=["transformers"])
    async with run_app(library) as h:
        await h.press("4")
        pid = h.screen.highlighted
        await h.press("t")
        await h.pilot.press(*"tra")
        await h.pilot.pause()
        await h.press("right", "enter")  # accept the suggestion
        assert pid is not None and library.state(pid).tags == ("transformers",)


async def test_note_editor_saves_and_cancels(
    library: Library, seeded_dir: Path, run_app: Any
) -> None:
    async with run_app(library) as h:
        pid = h.screen.highlighted
        assert pid is not None
        await h.press("a")
        await h.fill("read section 3")
        await h.press("enter")
        await h.fill("[b]not bold[/b]", typed=3)
        await h.press("ctrl+s")
        assert library.state(pid).note == "read section 3\n[b]not bold[/b]"
        assert "[b]not bold[/b]" in h.text()  # literally, in the detail pane
        await h.press("a")
        await h.fill("discarded")
        await h.press("escape", "escape")  # unsaved: the second escape discards
        assert h.app.screen is h.screen
        assert library.state(pid).note == "read section 3\n[b]not bold[/b]"
    assert reopen(seeded_dir).state(pid).note == "read section 3\n[b]not bold[/b]"


async def test_batch_marks_star_read_tag_undo_redo(
    library: Library, seeded_dir: Path, run_app: Any
) -> None:
    async with run_app(library) as h:
        await h.press("4")
        ids = [h.screen.rows.id_at(i) for i in range(3)]
        await h.press("space", "space", "space")
        assert h.screen.marked == frozenset(ids)
        assert h.screen.highlighted == h.screen.rows.id_at(3)  # space moves down
        papers = h.app.screen.query_one(PaperList)
        assert papers.render_line(0).text.startswith(MARK)
        await h.press("s")
        assert all(library.state(p).starred for p in ids)
        assert not library.state(h.screen.rows.id_at(3)).starred
        assert library.queue() == ids
        await h.press("r")
        assert all(library.state(p).read for p in ids)
        await h.press("t")
        await h.fill("batch")
        await h.press("enter")
        assert all(library.state(p).tags == ("batch",) for p in ids)
        # Undo walks back through the batch actions, one action at a time.
        await h.press("u")
        assert all(library.state(p).tags == () for p in ids)
        await h.press("u")
        assert not any(library.state(p).read for p in ids)
        await h.press("u")
        assert not any(library.state(p).starred for p in ids)
        assert reopen(seeded_dir).queue() == []
        await h.press("ctrl+r")
        assert all(library.state(p).starred for p in ids)
        assert "Redid" in h.messages()[-1]
        # The footer offers to clear the marks; escape does it.
        assert h.app.screen.active_bindings["escape"].binding.action == "clear_marks"
        await h.press("escape")
        assert h.screen.marked == frozenset()
        assert not papers.render_line(0).text.startswith(MARK)
    assert reopen(seeded_dir).queue() == ids


async def test_undo_with_nothing_to_undo(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("u")
        assert h.messages()[-1] == "Nothing to undo"
        await h.press("ctrl+r")
        assert h.messages()[-1] == "Nothing to redo"


async def test_undo_puts_the_paper_back_under_the_cursor(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        pid = h.screen.highlighted
        await h.press("j", "j")
        pid = h.screen.highlighted
        await h.press("s")
        assert h.screen.highlighted == pid  # the row stays until the cursor moves
        await h.press("j")
        assert h.screen.highlighted != pid
        await h.press("u")
        assert h.screen.highlighted == pid
        assert pid is not None and not library.state(pid).starred


async def test_queue_reorder_with_J_and_K(library: Library, seeded_dir: Path, run_app: Any) -> None:
    a, b, c = library.ids[:3]
    library.set_starred([a, b, c], True)
    async with run_app(library) as h:
        await h.press("2")
        assert list(h.screen.rows.ids) == [a, b, c]
        assert h.screen.highlighted == a
        await h.press("J")
        assert library.queue() == [b, a, c]
        assert h.screen.highlighted == a  # the cursor follows the moved paper
        await h.press("J")
        assert library.queue() == [b, c, a]
        await h.press("K", "K")
        assert library.queue() == [a, b, c]
        await h.press("J")
    assert reopen(seeded_dir).queue() == [b, a, c]


async def test_queue_keys_only_in_queue_view(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        assert h.screen.check_action("queue_down", ()) is False
        await h.press("2")
        assert h.screen.check_action("queue_down", ()) is True


async def test_next_unread(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("4")
        rows = h.screen.rows
        library.set_read([rows.id_at(1), rows.id_at(2)], True)
        await h.press("n")
        assert h.screen.highlighted == rows.id_at(3)


async def test_save_failure_is_shown_and_retry_works(
    library: Library, seeded_dir: Path, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = library.store.put_states

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    async with run_app(library) as h:
        pid = h.screen.highlighted
        assert pid is not None
        monkeypatch.setattr(library.store, "put_states", disk_full)
        await h.press("s")
        assert h.app.is_running
        assert not library.state(pid).starred
        note = h.notes[-1]
        assert note.severity == "error"
        assert "No space left on device" in note.message and "ctrl+s" in note.message
        assert h.screen.check_action("retry_save", ()) is True
        await h.press("ctrl+s")  # still failing: still pending
        assert h.notes[-1].severity == "error"
        monkeypatch.setattr(library.store, "put_states", real)
        await h.press("ctrl+s")
        assert library.state(pid).starred
        assert h.screen.check_action("retry_save", ()) is False
        assert h.messages()[-1] == "Queued: " + short_title(library.title(pid))
    assert reopen(seeded_dir).state(pid).starred


async def test_failed_undo_stays_undoable(
    library: Library, seeded_dir: Path, run_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = library.store.put_states

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    async with run_app(library) as h:
        await h.press("4")
        pid = h.screen.highlighted
        assert pid is not None
        await h.press("r")
        monkeypatch.setattr(library.store, "put_states", denied)
        await h.press("u")
        assert library.state(pid).read
        assert h.notes[-1].severity == "error"
        monkeypatch.setattr(library.store, "put_states", real)
        await h.press("ctrl+s")
        assert not library.state(pid).read
    assert not reopen(seeded_dir).state(pid).read


async def test_note_editor_escape_warns_before_discarding(library: Library, run_app: Any) -> None:
    from textual.widgets import Static

    from papertui.tui.screens.note import HINT, UNSAVED_HINT, NoteEditor

    pid = library.ids[0]
    library.set_note(pid, "keep me")
    async with run_app(library) as h:
        h.screen.rows = h.screen.rows.with_focus(pid)
        await h.pilot.pause()
        await h.press("a")
        editor = h.app.screen
        assert isinstance(editor, NoteEditor)
        hint = editor.query_one("#note-hint", Static)
        await h.fill(" and more")
        await h.press("escape")
        assert h.app.screen is editor and editor.discard_armed  # still open, warned
        assert UNSAVED_HINT in h.text() and str(hint.render()) == UNSAVED_HINT
        await h.press("x")  # more typing: the warning is taken back, escape warns again
        assert not editor.discard_armed and str(hint.render()) == HINT
        await h.press("escape")
        assert h.app.screen is editor and editor.discard_armed
        await h.press("ctrl+s")  # saving still works from the warning
        assert h.app.screen is h.screen
        assert library.state(pid).note == "keep me and morex"
        # Unchanged text: one escape closes.
        await h.press("a")
        assert isinstance(h.app.screen, NoteEditor)
        await h.press("escape")
        assert h.app.screen is h.screen
        # Changed, then two escapes: discarded.
        await h.press("a")
        await h.fill("zz")
        await h.press("escape", "escape")
        assert h.app.screen is h.screen
        assert library.state(pid).note == "keep me and morex"


def _footer_keys(h: Any) -> dict[str, bool]:
    """The footer's keys: action -> shown enabled (False: shown dimmed)."""
    from textual.widgets._footer import FooterKey

    return {k.action: not k.has_class("-disabled") for k in h.app.screen.query(FooterKey)}


async def test_readonly_library_dims_triage_keys(seeded_dir: Path, run_app: Any) -> None:
    lib = Library.open(seeded_dir, readonly=True)
    reason = "Read-only: library is in use by another papertui (pid 4242)"
    async with run_app(lib, readonly_reason=reason) as h:
        assert reason in h.text() and "dimmed" in h.text()  # the banner says why
        screen = h.screen
        for action in ("toggle_star", "toggle_read", "tag", "note", "mark", "undo", "redo"):
            assert screen.check_action(action, ()) is None, action
        assert screen.check_action("import", ()) is None
        assert screen.check_action("next_unread", ()) is True
        keys = _footer_keys(h)
        for action in ("toggle_star", "toggle_read", "tag", "note", "undo"):
            assert keys[action] is False, action  # shown, dimmed
        pid = screen.highlighted
        assert pid is not None
        await h.press("s", "r", "space", "u")
        assert not lib.state(pid).starred and not lib.state(pid).read
        assert not screen.marked
        await h.press("t")  # no prompt opens
        assert h.app.screen is screen
        await h.press("a")
        assert h.app.screen is screen
        await h.press("2")
        assert screen.check_action("queue_down", ()) is None  # in the queue: dimmed
        assert "Star (s)" not in {c.title for c in screen.palette_commands()}
    assert not reopen(seeded_dir).state(pid).starred


async def test_writable_library_keys_are_enabled(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        keys = _footer_keys(h)
        assert keys["toggle_star"] and keys["toggle_read"] and keys["undo"]
        assert h.screen.check_action("queue_down", ()) is False  # not in the queue view
        assert not h.screen.query_one("#readonly-banner").display


async def _shell(root: Path, *argv: str) -> int:
    """A papertui command in another process, as from the shell in the next pane (the
    event loop keeps running meanwhile, as it does for the user)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-P",
        "-m",
        "papertui",
        "--data-dir",
        str(root),
        *argv,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    assert proc.returncode == 0, err
    return proc.returncode


async def test_changes_made_in_the_shell_show_in_the_open_app_without_a_key(
    seeded_dir: Path, run_app: Any, tmp_path: Path
) -> None:
    lib = Library.open(seeded_dir)
    async with run_app(lib) as h:
        await h.press("4")
        pid = h.screen.rows.id_at(0)
        assert pid is not None and not lib.state(pid).starred
        before = lib.counts()["queue"]
        await _shell(seeded_dir, "star", pid)
        await _shell(seeded_dir, "tag", pid, "+from-shell")
        started = time.monotonic()
        await h.wait_for(lambda: "#from-shell" in h.text(), timeout=5)
        assert time.monotonic() - started < 1.5
        assert lib.state(pid).starred and h.screen.sidebar.counts["queue"] == before + 1
        page = tmp_path / "today.txt"
        page.write_text("A Paper From The Shell Pane\n\nIts abstract, long enough to count.\n")
        await _shell(seeded_dir, "import", "--force", str(page))
        started = time.monotonic()
        await h.wait_for(lambda: h.screen.sidebar.counts["all"] == 258, timeout=5)
        assert time.monotonic() - started < 2.5
        at = h.screen.highlighted or ""
        was = lib.state(at).starred
        await h.press("s")  # and this app still writes
        assert lib.state(at).starred is not was


async def test_two_apps_on_one_library_see_each_other_s_triage(
    seeded_dir: Path, run_app: Any
) -> None:
    other = Library.open(seeded_dir)  # the second app's library
    lib = Library.open(seeded_dir)
    try:
        async with run_app(lib) as h:
            await h.press("4")
            pid = h.screen.rows.id_at(0)
            assert pid is not None
            other.set_starred([pid], True)
            await h.wait_for(lambda: lib.state(pid).starred, timeout=2)
            await h.press("r")  # this app marks it read; the other sees it on its next look
            other.refresh()
            assert other.state(pid).read and other.state(pid).starred
    finally:
        other.close()


async def test_queued_glyph_shows_in_list(library: Library, run_app: Any) -> None:
    async with run_app(library) as h:
        await h.press("4", "s")
        papers = h.app.screen.query_one(PaperList)
        assert QUEUED in papers.render_line(0).text


async def test_actions_use_the_cursor_even_before_its_message_arrives(
    library: Library, run_app: Any
) -> None:
    """``j`` then ``s`` in one terminal read: ``s`` must star the paper ``j`` moved to."""
    async with run_app(library) as h:
        papers = h.app.screen.query_one(PaperList)
        second = h.screen.rows.id_at(1)
        papers.action_cursor_down()  # its Highlighted message is still queued ...
        h.screen.action_toggle_star()  # ... when the next key's action runs
        assert library.state(second).starred
        assert not library.state(h.screen.rows.id_at(0)).starred
        await h.pilot.pause()
        assert h.screen.highlighted == h.screen.rows.id_at(1)
