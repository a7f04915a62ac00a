"""The library's relevance: which papers are examples, the features in use, their file.

The glue between :class:`papertui.library.Library` and the pure :mod:`papertui.ranking`.
A paper is a *positive* when it is queued (starred), tagged, or read with a note; a
*negative* when it is dismissed. The features come from the file the search index build
writes (:data:`FEATURES_FILE`), checked paper by paper against the current texts; papers it
does not cover (imported since, or no file at all) are added in memory.

No Textual, no storage: the library hands in its texts and states.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from papertui.models import TriageState

if TYPE_CHECKING:
    from papertui.ranking import Features, Profile

__all__ = [
    "FEATURES_FILE",
    "LIKE_MATCHES",
    "Relevance",
    "examples",
    "is_negative",
    "is_positive",
]

FEATURES_FILE = "ranking.features"
"""The ranking features cache (:mod:`papertui.ranking`), in the library folder."""

LIKE_MATCHES = 50
"""How many papers a ``like:`` query term matches (the most similar ones)."""

MIN_POSITIVES = 3
"""Positives (queued, tagged, read with a note) before the Inbox is sorted by relevance."""


def is_positive(state: TriageState) -> bool:
    """Whether the user's decision about a paper says "more like this"."""
    return state.starred or bool(state.tags) or (state.read and bool(state.note))


def is_negative(state: TriageState) -> bool:
    """Whether the user's decision says "not this" (dismissed)."""
    return state.dismissed and not is_positive(state)


def examples(states: Mapping[str, TriageState]) -> tuple[set[str], set[str]]:
    """The positive and negative paper ids among some states."""
    pos = {p for p, s in states.items() if is_positive(s)}
    neg = {p for p, s in states.items() if is_negative(s)}
    return pos, neg


class Relevance:
    """The features and the user's profile for one library (thread-safe).

    ``texts`` gives the search texts of papers (every abstract loaded); the features are
    made on first use (:meth:`ensure`), which may be slow for a big library without a
    features file: the app calls it in a worker.
    """

    def __init__(
        self,
        root: Path,
        ids: Callable[[], Sequence[str]],
        texts: Callable[[Sequence[str]], list[str]],
    ) -> None:
        self.path = root / FEATURES_FILE
        self._ids = ids
        """The library's paper ids, now."""
        self._texts = texts
        self._lock = threading.RLock()
        self._features: Features | None = None
        self._verified = False
        """Every paper's text was checked against the features (see :meth:`ensure`)."""
        self._profile: Profile | None = None
        self._tag_profiles: dict[frozenset[str], Profile] = {}

    @property
    def ready(self) -> bool:
        """Whether the features are made (ranking is then a matter of milliseconds)."""
        return self._features is not None

    def ensure(self, *, verify: bool = True) -> Features:
        """The features of the library's papers: from the file where it covers them, the
        rest computed (a paper whose text changed gets a new row).

        Without ``verify`` the file is trusted for the papers it holds (no text is read but
        those of papers it lacks): what one ``show`` or ``similar`` needs. Ranking a view
        checks every paper's text against the file first.
        """
        from papertui import ranking

        with self._lock:
            ids = list(self._ids())
            feats = self._features
            if feats is None:
                try:
                    feats = ranking.Features.load(self.path)
                except (OSError, ranking.FeaturesDamaged):
                    feats = ranking.build(ids, self._texts(ids))
                    self._verified = True
                    with suppress(OSError):  # a cache: the next opening reads it
                        feats.save(self.path)
                self._features = feats
                self._profile = None
            if verify and not self._verified:
                self._verified = True
                before = len(feats)
                self._cover(feats, ids, self._texts(ids))
                self._rows_changed(feats.ids[before:])
            elif len(feats.row) != len(ids):  # papers imported since
                row = feats.row
                new = [p for p in ids if p not in row]
                if new:
                    feats.extend(new, self._texts(new))
                    self._rows_changed(new)
            return feats

    def _rows_changed(self, pids: Sequence[str]) -> None:
        """Rows were added or replaced: scores are made again (and a profile summed from a
        replaced row, again from scratch)."""
        profile = self._profile
        if profile is not None:
            if profile.positives.intersection(pids) or profile.negatives.intersection(pids):
                self._profile = None
            else:
                profile.invalidate()
        self._tag_profiles.clear()

    @staticmethod
    def _cover(feats: Features, ids: Sequence[str], texts: Sequence[str]) -> None:
        from papertui.ranking import signature

        row, sigs = feats.row, feats.sigs
        stale = [
            (p, t)
            for p, t in zip(ids, texts, strict=True)
            if (i := row.get(p)) is None or sigs[i] != signature(t)
        ]
        if stale:
            feats.extend([p for p, _ in stale], [t for _, t in stale])

    def forget(self, pids: Iterable[str]) -> None:
        """Papers gone from the library (another process removed them)."""
        with self._lock:
            feats = self._features
            if feats is None:
                return
            gone = []
            for pid in pids:
                i = feats.row.pop(pid, None)
                if i is not None:
                    feats.ids[i] = ""
                    feats.quiet.append(i)
                    gone.append(pid)
            self._rows_changed(gone)

    def refresh(self, pids: Iterable[str]) -> None:
        """Papers whose text changed (an import): recompute their rows if features exist."""
        with self._lock:
            if self._features is None:
                return
            pids = list(pids)
            self._features.extend(pids, self._texts(pids))
            self._rows_changed(pids)

    def save(self, ids: Sequence[str], texts: Sequence[str]) -> Features:
        """Build the features of every paper and write them (the search index build)."""
        from papertui import ranking

        feats = ranking.build(ids, texts)
        feats.save(self.path)
        with self._lock:
            self._features, self._profile, self._verified = feats, None, True
            self._tag_profiles.clear()
        return feats

    def profile(self, states: Mapping[str, TriageState], *, verify: bool = True) -> Profile:
        """The user's profile, brought up to date with ``states`` (an example costs
        microseconds; scoring again, milliseconds)."""
        from papertui.ranking import Profile

        with self._lock:
            feats = self.ensure(verify=verify)
            if self._profile is None:
                self._profile = Profile(feats)
            pos, neg = examples(states)
            self._profile.update(pos, neg)
            return self._profile

    def positives(self, states: Mapping[str, TriageState]) -> int:
        """How many positives the states hold (cheap: no features needed)."""
        return sum(map(is_positive, states.values()))

    def order(self, ids: Sequence[str], states: Mapping[str, TriageState]) -> list[str]:
        """``ids`` most relevant first."""
        with self._lock:
            return self.profile(states).order(ids)

    def why(self, pid: str, text: str, states: Mapping[str, TriageState]) -> list[str]:
        """What raised a paper (empty when there are no positives)."""
        with self._lock:
            profile = self.profile(states, verify=False)
            if not profile.positives:
                return []
            return profile.why(text)

    def like(self, anchors: Iterable[str], n: int) -> list[tuple[str, float]]:
        """The ``n`` papers most like the ``anchors`` (themselves left out), best first."""
        with self._lock:
            self.ensure(verify=False)
            return self._like_profile(anchors).best(n)

    def why_like(self, anchors: Iterable[str], text: str) -> list[str]:
        """What a paper's text shares with the ``anchors``."""
        with self._lock:
            self.ensure(verify=False)
            return self._like_profile(anchors).why(text)

    def _like_profile(self, anchors: Iterable[str]) -> Profile:
        """The profile of some papers (the last few are kept: a like: search asks at every
        keystroke, and the detail pane for every paper the cursor passes)."""
        from papertui.ranking import Profile

        key = frozenset(anchors)
        feats = self.ensure(verify=False)
        profile = self._tag_profiles.get(key)
        if profile is None:
            profile = Profile(feats)
            profile.update(key)
            if len(self._tag_profiles) > 16:
                self._tag_profiles.clear()
            self._tag_profiles[key] = profile
        return profile
