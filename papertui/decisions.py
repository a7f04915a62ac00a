"""The user's decisions: the triage state in memory, how each action changes it, and the
commit that stores a change (disk first, then memory). Pure Python over the store.

Every action is computed from the state as it is now (the library takes in what other
processes stored first, under the state lock), so it never writes back an older state of a
paper; this process's own actions are kept for undo (:mod:`papertui.history`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from papertui.errors import LibraryError
from papertui.history import Change, UndoStack, revert
from papertui.models import TriageState, papers_count
from papertui.safetext import clean_text
from papertui.store import Store
from papertui.tags import normalise_tag

__all__ = ["DEFAULT_STATE", "Decisions", "normalise_tag"]

DEFAULT_STATE = TriageState()
"""The state of a paper nobody decided anything about."""

Planned = tuple[str, dict[str, TriageState]]
"""An action's label and the new states it sets (before :meth:`Decisions.commit`)."""


class Decisions:
    """Triage states by paper id, equal to what is on disk."""

    def __init__(
        self,
        store: Store,
        lock: threading.RLock,
        *,
        on_change: Callable[[dict[str, TriageState] | None], None],
    ) -> None:
        self.store = store
        self._lock = lock
        self._on_change = on_change
        self.states: dict[str, TriageState] = {
            pid: TriageState.from_doc(doc) for pid, doc in store.load_states().items()
        }
        self._decided_ids: set[str] | None = None
        self.undo = UndoStack()

    # -- reading ------------------------------------------------------------------------
    def state(self, pid: str) -> TriageState:
        """The triage state of a paper (the default state if untouched)."""
        return self.states.get(pid, DEFAULT_STATE)

    def queue(self) -> list[str]:
        """The reading queue: starred papers in queue order."""
        starred = [(s.queue_position or 0, pid) for pid, s in self.states.items() if s.starred]
        return [pid for _, pid in sorted(starred)]

    def tags(self) -> Counter[str]:
        """Every tag in use with its number of papers."""
        counts: Counter[str] = Counter()
        for s in self.states.values():
            counts.update(s.tags)
        return counts

    def counts(self, total: int) -> dict[str, int]:
        """Papers per built-in view, of ``total`` papers (the New view aside)."""
        starred = read = dismissed = 0
        for s in self.states.values():
            starred += s.starred
            read += s.read
            dismissed += s.dismissed
        return {
            "inbox": total - len(self.decided()),
            "queue": starred,
            "read": read,
            "all": total,
            "dismissed": dismissed,
        }

    def decided(self) -> set[str]:
        """Papers out of the inbox (queued, read or dismissed); kept until the next change of state
        (every search keystroke in the inbox asks; 20k triaged papers take ~5 ms to go
        through)."""
        decided = self._decided_ids
        if decided is None:
            decided = {p for p, s in self.states.items() if not s.in_inbox}
            self._decided_ids = decided
        return decided

    def forget_decided(self) -> None:
        """Drop the cached :meth:`decided` (the library moved states in or out)."""
        self._decided_ids = None

    # -- other processes ----------------------------------------------------------------
    def take(self, changed: dict[str, Any] | None) -> set[str] | None:
        """Take in states other processes stored (see :meth:`Store.poll_states`); returns
        the ids whose state changed, or None if any may have."""
        if changed is not None and not changed:
            return set()
        with self._lock:
            before = None if changed is None else {pid: self.state(pid) for pid in changed}
            if changed is None:
                self.states = {
                    pid: TriageState.from_doc(doc)
                    for pid, doc in self.store.current_states().items()
                }
            else:
                for pid, doc in changed.items():
                    if doc is None:
                        self.states.pop(pid, None)
                    else:
                        self.states[pid] = TriageState.from_doc(doc)
            self._decided_ids = None
            self._on_change(before)
        return None if changed is None else set(changed)

    # -- changing -----------------------------------------------------------------------
    def commit(self, label: str, after: dict[str, TriageState], *, record: bool = True) -> Change:
        """Store new states (durably), then update memory; returns the change for undo."""
        after = {pid: s for pid, s in after.items() if s != self.state(pid)}
        before = {pid: self.state(pid) for pid in after}
        change = Change(label, before, after)
        if not after:
            return change
        self.store.put_states(
            {pid: (None if s.is_default else s.to_doc()) for pid, s in after.items()}
        )
        with self._lock:
            for pid, s in after.items():
                if s.is_default:
                    self.states.pop(pid, None)
                else:
                    self.states[pid] = s
            self._decided_ids = None
            self._on_change(before)
        if record:
            self.undo.push(change)
        return change

    def starring(self, ids: list[str], starred: bool) -> Planned:
        """Queue (star) or unqueue; newly queued papers go to the end of the queue."""
        nxt = max((s.queue_position or 0 for s in self.states.values() if s.starred), default=0)
        after: dict[str, TriageState] = {}
        for pid in ids:
            s = self.state(pid)
            if s.starred == starred:
                continue
            if starred:
                nxt += 1
                after[pid] = s.with_changes(starred=True, queue_position=nxt)
                if s.dismissed:  # queueing a dismissed paper takes the dismissal back
                    after[pid] = after[pid].with_changes(dismissed=False)
            else:
                after[pid] = s.with_changes(starred=False, queue_position=None)
        verb = "Queued" if starred else "Unqueued"
        return f"{verb} {papers_count(len(after))}", after

    def reading(self, ids: list[str], read: bool) -> Planned:
        """Mark read or unread."""
        after = {
            pid: self.state(pid).with_changes(read=read)
            for pid in ids
            if self.state(pid).read != read
        }
        verb = "Marked read" if read else "Marked unread"
        return f"{verb}: {papers_count(len(after))}", after

    def dismissing(self, ids: list[str], dismissed: bool) -> Planned:
        """Dismiss ("not interested": out of the inbox) or take that back; dismissing a
        queued paper takes it out of the queue (read marks and tags stay)."""
        after: dict[str, TriageState] = {}
        for pid in ids:
            s = self.state(pid)
            if s.dismissed == dismissed:
                continue
            if dismissed and s.starred:
                s = s.with_changes(starred=False, queue_position=None)
            after[pid] = s.with_changes(dismissed=dismissed)
        verb = "Dismissed" if dismissed else "Undismissed"
        return f"{verb} {papers_count(len(after))}", after

    def tagging(self, ids: list[str], add: Iterable[str], remove: Iterable[str]) -> Planned:
        """Add and remove tags (names normalised with :func:`normalise_tag`)."""
        add_t = [normalise_tag(t) for t in add]
        rem_t = {normalise_tag(t) for t in remove}
        for t in [*add_t, *rem_t]:
            if not t:
                raise LibraryError("a tag name cannot be empty")
        both = sorted(rem_t.intersection(add_t))
        if both:
            raise LibraryError(f"tag '{both[0]}' is both added and removed")
        after: dict[str, TriageState] = {}
        for pid in ids:
            s = self.state(pid)
            tags = [t for t in s.tags if t not in rem_t]
            tags += [t for t in add_t if t not in tags]
            if tuple(tags) != s.tags:
                after[pid] = s.with_changes(tags=tuple(tags))
        parts = [f"+{t}" for t in add_t] + [f"-{t}" for t in sorted(rem_t)]
        return f"Tagged {papers_count(len(after))} {' '.join(parts)}", after

    def noting(self, pid: str, note: str) -> Planned:
        """Replace a paper's note ("" removes it); terminal control characters are dropped."""
        note = clean_text(note).rstrip()
        s = self.state(pid)
        after = {pid: s.with_changes(note=note)} if note != s.note else {}
        return ("Note saved" if note else "Note removed"), after

    def moving(self, pid: str, delta: int) -> Planned:
        """Move a queued paper ``delta`` places (negative = towards the front)."""
        queue = self.queue()
        if pid not in queue:
            raise LibraryError("only queued papers can be moved in the queue")
        i = queue.index(pid)
        j = max(0, min(len(queue) - 1, i + delta))
        if i == j:
            where = "top" if delta < 0 else "end"
            return f"Already at the {where} of the queue", {}
        queue.insert(j, queue.pop(i))
        after = {}
        for pos, qid in enumerate(queue, 1):
            s = self.state(qid)
            if s.queue_position != pos:
                after[qid] = replace(s, queue_position=pos)
        return f"Moved to position {j + 1} of {len(queue)}", after

    def moving_to_end(self, ids: list[str], *, top: bool) -> Planned:
        """Move queued papers to the top (front) or the bottom of the queue, keeping their
        order among themselves; papers not in the queue are refused."""
        queue = self.queue()
        queued = set(queue)
        if any(pid not in queued for pid in ids):
            raise LibraryError("only queued papers can be moved in the queue")
        wanted = set(ids)
        moving = [pid for pid in queue if pid in wanted]
        rest = [pid for pid in queue if pid not in wanted]
        order = moving + rest if top else rest + moving
        after = {}
        for pos, qid in enumerate(order, 1):
            s = self.state(qid)
            if s.queue_position != pos:
                after[qid] = replace(s, queue_position=pos)
        where = "top" if top else "bottom"
        if not after:
            return f"Already at the {where} of the queue", {}
        return f"Moved {papers_count(len(moving))} to the {where} of the queue", after

    # -- undo ---------------------------------------------------------------------------
    def step(self, *, forward: bool) -> Change | None:
        """Undo (or, ``forward``, redo) this process's last action; returns it with
        :attr:`Change.kept` set, or None when there is nothing to undo (redo)."""
        stack = self.undo
        change = stack.pop_redo() if forward else stack.pop_undo()
        if change is None:
            return None
        try:
            return replace(change, kept=self._replay(change, forward))
        except BaseException:
            # Not saved: it stays the action to undo (redo).
            stack.pop_undo() if forward else stack.pop_redo()
            raise

    def _replay(self, change: Change, forward: bool) -> int:
        """Apply ``change`` again (or undo it): only the fields it changed, and of those
        only the ones still as it left them; returns how many were kept as another process
        left them."""
        src, dst = (change.before, change.after) if forward else (change.after, change.before)
        after: dict[str, TriageState] = {}
        kept = 0
        for pid in change.after:
            cur = self.state(pid)
            new, skipped = revert(cur, src[pid], dst[pid])
            kept += skipped
            if new != cur:
                after[pid] = new
        verb = "Redid" if forward else "Undid"
        self.commit(f"{verb}: {change.label}", after, record=False)
        return kept
