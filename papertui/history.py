"""Undo and redo of one process's own triage actions (pure: the library applies them).

An undo applies to the state as it is now, which other processes may have changed since
the action: only the fields the action changed are put back, and of those only the ones
still as it left them (tags one by one). What another process changed since is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from papertui.models import TriageState

__all__ = ["Change", "UndoStack", "revert"]


@dataclass(frozen=True)
class Change:
    """One triage action: the states before and after, for undo and redo."""

    label: str
    before: dict[str, TriageState]
    after: dict[str, TriageState]
    kept: int = 0
    """For an undo or redo: fields left as another process changed them since."""

    @property
    def count(self) -> int:
        """How many papers the action touched."""
        return len(self.after)


@dataclass
class UndoStack:
    """Undo/redo history of :class:`Change` values (pure; the library applies them)."""

    limit: int = 500
    done: list[Change] = field(default_factory=list)
    undone: list[Change] = field(default_factory=list)

    def push(self, change: Change) -> None:
        """Record a new action (clears the redo history)."""
        if not change.after:
            return
        self.done.append(change)
        del self.done[: -self.limit]
        self.undone.clear()

    def pop_undo(self) -> Change | None:
        """The action to undo (moved to the redo history), or None."""
        if not self.done:
            return None
        change = self.done.pop()
        self.undone.append(change)
        return change

    def pop_redo(self) -> Change | None:
        """The action to redo (moved back to the undo history), or None."""
        if not self.undone:
            return None
        change = self.undone.pop()
        self.done.append(change)
        return change


_FIELDS = tuple(f.name for f in fields(TriageState) if f.name not in ("changed", "tags"))


def revert(cur: TriageState, was: TriageState, to: TriageState) -> tuple[TriageState, int]:
    """``cur`` with the change from ``was`` to ``to`` undone field by field (tags one by
    one), where ``cur`` still holds what the change left; and how many fields were kept
    because another process changed them since."""
    changes: dict[str, Any] = {}
    kept = 0
    for name in _FIELDS:
        a, b = getattr(was, name), getattr(to, name)
        if a == b:
            continue
        if getattr(cur, name) == a:
            changes[name] = b
        elif name != "queue_position":  # positions follow the queue; not a user's field
            kept += 1
    if changes.get("starred") is False:
        changes["queue_position"] = None
    elif changes.get("starred") is True and "queue_position" not in changes:
        changes["queue_position"] = to.queue_position
    added = [t for t in was.tags if t not in to.tags]  # what undoing/redoing removes
    removed = [t for t in to.tags if t not in was.tags]  # what it puts back
    if added or removed:
        tags = [t for t in cur.tags if t not in added]
        tags += [t for t in removed if t not in tags]
        if tuple(tags) != cur.tags:
            changes["tags"] = tuple(tags)
    return (cur.with_changes(**changes) if changes else cur), kept
