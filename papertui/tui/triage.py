"""Running triage calls for the UI: refusal when read-only, failures kept for a retry.

No Textual here: :class:`TriageRunner` turns each library call into an :class:`Outcome`
(the change, or a message and its severity) and remembers the last call whose save failed,
so that the screen only has to show outcomes and move the cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from papertui.library import Change, Library, LibraryError
from papertui.store import StoreError
from papertui.tui.jobs import describe_error

__all__ = ["Outcome", "Severity", "TriageRunner"]

Severity = Literal["information", "warning", "error"]

Op = Callable[[], Change | None]
"""A triage call: returns the change (None when there was nothing to do, e.g. undo)."""


@dataclass(frozen=True)
class Outcome:
    """What one triage call did, ready to be shown."""

    message: str
    severity: Severity = "information"
    change: Change | None = None
    """The change made, when one was made and saved."""
    failed_save: bool = False
    """The save failed; the call is kept for :meth:`TriageRunner.retry`."""
    context: object = None
    """Whatever the caller passed along (e.g. where the cursor should go)."""


@dataclass(frozen=True)
class _Pending:
    """A call whose save failed."""

    describe: str
    op: Op
    label: Callable[[Change], str] | None
    none_message: str
    context: object


class TriageRunner:
    """Runs triage calls against a library and keeps a failed one for retrying."""

    def __init__(self, library: Library, readonly_reason: str | None = None) -> None:
        """Triage ``library``; with a ``readonly_reason`` every call is refused."""
        self.library = library
        self.readonly_reason = readonly_reason
        if readonly_reason is None and library.readonly:
            self.readonly_reason = "Read-only: the library is open read-only"
        self.pending: _Pending | None = None

    @property
    def readonly(self) -> bool:
        """Whether calls are refused."""
        return self.readonly_reason is not None

    def refusal(self, describe: str) -> Outcome | None:
        """The outcome of refusing ``describe`` on a read-only library, else None."""
        if self.readonly_reason is None:
            return None
        return Outcome(f"{self.readonly_reason}\nNot done: {describe}", "warning")

    def run(
        self,
        describe: str,
        op: Op,
        *,
        label: Callable[[Change], str] | None = None,
        none_message: str = "Nothing to do",
        context: object = None,
    ) -> Outcome:
        """Run ``op`` (described as ``describe`` to the user, e.g. "queue 3 papers").

        A :class:`~papertui.library.LibraryError` is a warning. An ``OSError`` or
        :class:`~papertui.store.StoreError` means nothing was saved (the library changes
        memory only after a durable write): the call is kept for :meth:`retry`.
        """
        refused = self.refusal(describe)
        if refused is not None:
            return refused
        try:
            change = op()
        except LibraryError as exc:
            return Outcome(str(exc), "warning", context=context)
        except (OSError, StoreError) as exc:
            self.pending = _Pending(describe, op, label, none_message, context)
            return Outcome(
                f"Could not save ({describe}): {describe_error(exc)}\nNothing was changed.",
                "error",
                failed_save=True,
                context=context,
            )
        self.pending = None
        if change is None:
            return Outcome(none_message, context=context)
        message = label(change) if label is not None else change.label
        return Outcome(message, change=change, context=context)

    def retry(self) -> Outcome | None:
        """Run the call whose save failed again (None when there is none)."""
        pending = self.pending
        if pending is None:
            return None
        return self.run(
            pending.describe,
            pending.op,
            label=pending.label,
            none_message=pending.none_message,
            context=pending.context,
        )

    def undo(self, context: object = None) -> Outcome:
        """Undo the last action; a failed save leaves it undoable."""
        return self.run(
            "undo",
            self.library.undo_last,
            label=lambda c: f"Undid: {c.label}{_kept(c)}",
            none_message="Nothing to undo",
            context=context,
        )

    def redo(self, context: object = None) -> Outcome:
        """Redo the last undone action; a failed save leaves it redoable."""
        return self.run(
            "redo",
            self.library.redo_last,
            label=lambda c: f"Redid: {c.label}{_kept(c)}",
            none_message="Nothing to redo",
            context=context,
        )


def _kept(change: Change) -> str:
    """What an undo or redo left alone because another process changed it since."""
    if not change.kept:
        return ""
    what = "change" if change.kept == 1 else "changes"
    return f" ({change.kept} {what} made elsewhere since kept as they are)"
