"""The triage actions that go beyond one library call, for the main screen: dismissing
(and dismissing the rest of a view), moving to the top or bottom of the queue, removing
papers, the note in ``$EDITOR``; and how decisions stay where the user is looking.

Rows a decision takes out of the view *linger*: they stay in place, showing their new
state, until the cursor moves (or the view is refreshed), so that the next key always
applies to the paper the user sees under the cursor (``s`` then ``t`` in the Inbox tags the
paper just starred). :func:`keep_in_place` and :func:`lingering` are the rules; the screen
applies them when it reselects after a change.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from papertui.library import Change
from papertui.models import papers_count
from papertui.tui.models import RowSource

if TYPE_CHECKING:
    from papertui.tui.screens.main import MainScreen

__all__ = ["TriageFlow", "keep_in_place", "lingering", "name_paper"]

TITLE_ROOM = 60
"""Characters of a title quoted in a confirmation."""

_ONE_PAPER = re.compile(r"^(?P<head>.*?):? 1 paper(?P<tail>.*)$")


def short_title(title: str, room: int = TITLE_ROOM) -> str:
    """``title`` on one line, cut with an ellipsis past ``room`` characters."""
    flat = " ".join(title.split())
    return flat if len(flat) <= room else flat[: room - 1].rstrip() + "…"


def name_paper(message: str, title: str) -> str:
    """A confirmation about one paper, naming it: ``Queued 1 paper`` -> ``Queued: Title``,
    ``Tagged 1 paper +ml`` -> ``Tagged +ml: Title``, ``Note saved`` -> ``Note saved: Title``."""
    first, _, rest = message.partition("\n")
    m = _ONE_PAPER.match(first)
    named = (
        f"{m['head']}{m['tail']}: {short_title(title)}" if m else f"{first}: {short_title(title)}"
    )
    return f"{named}\n{rest}" if rest else named


def lingering(
    before: Collection[str], cursor: str | None, changed: Collection[str], rows: RowSource
) -> frozenset[str]:
    """The papers to keep showing after a change: the ones it changed that are shown now,
    plus a lingering paper the cursor is still on (the rest went when the cursor left)."""
    keep = {pid for pid in changed if rows.index_of(pid) is not None}
    if cursor is not None and cursor in before:
        keep.add(cursor)
    return frozenset(keep)


def keep_in_place(old: RowSource, new: Sequence[str], keep: Collection[str]) -> Sequence[str]:
    """``new`` with the papers of ``keep`` that it lacks put back where they were in
    ``old``: each goes after the nearest paper above it in ``old`` that is shown.

    Membership is checked by C-level scans of the list (a few per kept paper) rather than
    by indexing 100k ids at every keypress.
    """
    if not keep:
        return new
    out = list(new)

    def find(pid: str) -> int | None:
        try:
            return out.index(pid)
        except ValueError:
            return None

    missing = sorted(
        (i, pid) for pid in keep if (i := old.index_of(pid)) is not None and find(pid) is None
    )
    for i, pid in missing:  # top first: each one placed counts as shown for the next
        place, j = 0, i - 1
        while j >= 0:
            k = find(old.id_at(j))
            if k is not None:
                place = k + 1
                break
            j -= 1
        out.insert(place, pid)
    return out if missing else new


class TriageFlow:
    """The actions; the screen keeps the data (rows, marks, cursor) and runs each call."""

    def __init__(self, screen: MainScreen) -> None:
        """Act for ``screen``."""
        self.screen = screen

    def toggle_dismiss(self) -> None:
        """Dismiss the targets, or take the dismissal back when all are dismissed."""
        screen = self.screen
        screen._toggle(
            "dismissed",
            lambda on, n: f"{'dismiss' if on else 'undismiss'} {n}",
            screen.library.set_dismissed,
        )

    def dismiss_rest(self) -> None:
        """Dismiss every paper left in the view (not dismissed yet), after saying how many;
        one action for undo. The view is refreshed: nothing lingers."""
        from papertui.tui.screens.question import Confirm

        screen = self.screen
        if screen._refuse_readonly("dismiss the rest of the view"):
            return
        lib = screen.library
        rows = screen.rows
        shown = [rows.id_at(i) for i in range(len(rows))]
        ids = [pid for pid in shown if not lib.state(pid).dismissed]
        if not ids:
            screen.notify("Nothing left to dismiss in this view", timeout=2)
            return
        count = papers_count(len(ids))

        def answered(answer: str | None) -> None:
            if answer != "yes":
                screen.notify("Nothing dismissed", timeout=2)
                return
            screen._apply(f"dismiss {count}", lambda: lib.set_dismissed(ids, True))
            screen.clear_lingering()

        screen.app.push_screen(
            Confirm(
                f"Dismiss the {count} left in this view?",
                "Dismissed papers leave the inbox (and the queue); u undoes it in one go.",
            ),
            answered,
        )

    def queue_to(self, *, top: bool) -> None:
        """Move the targets to the top or the bottom of the queue; the cursor stays."""
        screen = self.screen
        ids = screen._targets()
        if not ids:
            return screen._nothing_selected()
        lib = screen.library
        where = "top" if top else "bottom"
        screen._apply(
            f"move to the {where} of the queue",
            lambda: lib.move_to_end(ids, top=top),
            focus=screen._cursor(),
        )

    def remove(self) -> None:
        """Delete the targets from the library, after asking."""
        from papertui.tui.screens.question import Confirm

        screen = self.screen
        ids = screen._targets()
        if not ids:
            return screen._nothing_selected()
        if screen._refuse_readonly("remove papers"):
            return
        lib = screen.library
        what = f"“{short_title(lib.title(ids[0]))}”" if len(ids) == 1 else papers_count(len(ids))

        def op() -> Change:
            n = lib.remove(ids)
            return Change(f"Removed {papers_count(n)} from the library", {}, {})

        def answered(answer: str | None) -> None:
            if answer == "yes":
                screen._apply(f"remove {papers_count(len(ids))}", op)
                if screen.marked:
                    screen.marked = frozenset()

        screen.app.push_screen(
            Confirm(
                f"Remove {what} from the library?",
                "Their stars, tags and notes go into a backup first (papertui restore); "
                "importing their pages again brings them back. Undo cannot.",
            ),
            answered,
        )

    def note_in_editor(self) -> None:
        """Edit the highlighted paper's note in ``$VISUAL``/``$EDITOR``, the app suspended."""
        from textual.app import SuspendNotSupported

        from papertui.editor import EditorError, edit_text

        screen = self.screen
        pid = screen._cursor()
        if pid is None:
            return screen._nothing_selected()
        if screen._refuse_readonly("edit the note"):
            return
        lib = screen.library
        current = lib.state(pid).note
        try:
            with screen.app.suspend():
                text = edit_text(current, name=pid[:7])
        except SuspendNotSupported:
            screen.notify("Cannot hand the terminal to an editor here", severity="error")
            return
        except EditorError as exc:
            screen.notify(str(exc), severity="error")
            return
        if text.rstrip() == current.rstrip():
            screen.notify(name_paper("Note unchanged", lib.title(pid)), timeout=2)
            return
        screen._apply("save the note", lambda: lib.set_note(pid, text), focus=pid)
