"""Papers the corpus lacks whose triage state is kept.

A paper can leave the corpus while its state stays on disk: it was set aside as damaged,
imported again only in part, or removed and its state restored from a backup. Its state is
set aside here, out of every view and count, until an import brings the paper back. The
library still answers for such a paper (a stand-in named by id), ``stats`` lists them, and
a triage action on one applies to its kept state: the state is brought back among the
decisions for the action, then set aside again. Pure Python over the library's parts.
"""

from __future__ import annotations

from collections.abc import Iterable

from papertui.corpus import Corpus
from papertui.decisions import Decisions
from papertui.models import Paper, TriageState

__all__ = ["MISSING_TITLE", "MissingPapers"]

MISSING_TITLE = "Not in the library"
"""The title shown for a paper whose triage state is kept but whose metadata the corpus
lacks (:meth:`papertui.library.Library.missing`)."""


class MissingPapers:
    """The kept states of papers the corpus lacks, by id."""

    def __init__(self, corpus: Corpus, decisions: Decisions) -> None:
        self.corpus = corpus
        self.decisions = decisions
        self.states: dict[str, TriageState] = {}
        """States of papers not in the corpus: kept on disk, out of every view."""
        self._brought_back: set[str] = set()
        """Papers the corpus lacks whose states a triage action is using."""

    def __contains__(self, pid: object) -> bool:
        return pid in self.states

    def ids(self) -> list[str]:
        """The papers, by id."""
        return sorted(self.states)

    def stand_in(self, pid: str) -> Paper:
        """What is shown for such a paper (KeyError for an id with no kept state)."""
        if pid not in self.states:
            raise KeyError(pid)
        return Paper(id=pid, title=f"{MISSING_TITLE} (id {pid})")

    def set_aside(self, changed: set[str] | None) -> None:
        """Move the states of papers the corpus lacks out of the decisions; only those of
        ``changed`` papers, unless it is None."""
        states = self.decisions.states
        with self.corpus.lock:
            if changed is None:
                self.states = {}
                if not states:
                    return
                # A C-level pass over the ids (no id index: opening does without it).
                present = set(filter(states.__contains__, self.corpus.ids))
                if len(present) == len(states):
                    return
                strays = [p for p in states if p not in present]
            else:
                for pid in changed:
                    self.states.pop(pid, None)
                strays = [p for p in changed if p in states and p not in self.corpus.row]
            for pid in strays:
                self.states[pid] = states.pop(pid)
            if strays:
                self.decisions.forget_decided()

    def bring_back(self, ids: list[str]) -> None:
        """Put the kept states of ``ids`` among the decisions for a triage action on them
        (:meth:`set_aside_again` sets them aside after it)."""
        back = [pid for pid in ids if pid in self.states]
        if back:
            with self.corpus.lock:
                for pid in back:
                    self.decisions.states[pid] = self.states.pop(pid)
                self.decisions.forget_decided()
            self._brought_back.update(back)

    def set_aside_again(self) -> None:
        """After a triage action: the states :meth:`bring_back` took out, aside again."""
        if self._brought_back:
            back, self._brought_back = self._brought_back, set()
            self.set_aside(back)

    def removed(self, ids: Iterable[str]) -> None:
        """Papers left the corpus (under the lock): a state they left behind is kept."""
        for pid in ids:
            orphan = self.decisions.states.pop(pid, None)
            if orphan is not None:
                self.states[pid] = orphan
                self.decisions.forget_decided()

    def returned(self, ids: Iterable[str]) -> None:
        """Papers came (back) into the corpus (under the lock): their kept states with them."""
        for pid in ids:
            orphan = self.states.pop(pid, None)
            if orphan is not None:
                self.decisions.states[pid] = orphan
                self.decisions.forget_decided()
