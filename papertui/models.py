"""The domain model: papers as imported, and the user's triage state.

Pure data, no I/O and no Textual. Everything is a frozen dataclass so that a value handed
to the UI can never be changed behind the library's back; every change goes through
:class:`papertui.library.Library`, which produces new values.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import Any

__all__ = [
    "ID_LENGTH",
    "Paper",
    "ParsedPaper",
    "Source",
    "TriageState",
    "normalise_title",
    "now_iso",
    "paper_id",
    "papers_count",
]

ID_LENGTH = 12
"""Hex digits in a paper id (48 bits: collision odds at 100k papers are about 1 in 50,000)."""

_WS = re.compile(r"\s+")


def normalise_title(title: str) -> str:
    """The key two titles are compared by: NFKC, case-folded, all white space removed.

    "Easy and Efficient Transformer : Scalable" and "easy and efficient transformer: scalable"
    are the same paper.
    """
    return _WS.sub("", unicodedata.normalize("NFKC", title)).casefold()


def paper_id(title: str) -> str:
    """A paper's stable id: the first :data:`ID_LENGTH` hex digits of SHA-1 of its normalised title.

    Stable across imports and machines; users may type any unique prefix of it.
    """
    import hashlib  # here: only imports compute ids, and opening the app should not load it

    # NFKC leaves ASCII as it is, and str.split's white space is \s's: the same key, faster
    key = "".join(title.split()).lower() if title.isascii() else normalise_title(title)
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:ID_LENGTH]


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string with seconds precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True, slots=True)
class Source:
    """One page a paper was seen on."""

    file: str
    """The page's file name (no folder)."""
    page_date: str | None
    """The page's own date as ``YYYY-MM-DD``, when the page showed one."""

    def to_doc(self) -> dict[str, Any]:
        """The JSON form (also the public ``sources`` schema)."""
        return {"file": self.file, "page_date": self.page_date}

    def __reduce__(self) -> tuple[type[Source], tuple[str, str | None]]:
        # Pickled as its fields (the parse helper sends tens of thousands): a frozen slots
        # dataclass's own state functions are Python code run per object.
        return Source, (self.file, self.page_date)


@dataclass(frozen=True, slots=True)
class ParsedPaper:
    """One entry as the parser found it on one page (before de-duplication)."""

    title: str
    abstract: str
    source: Source
    line: int
    """1-based line of the title in the page, for messages."""
    authors_count: int | None = None
    published: date | None = None
    upvotes: int | None = None
    code_urls: tuple[str, ...] = ()
    project_urls: tuple[str, ...] = ()
    arxiv_id: str | None = None
    """The paper's arXiv id, when a link in its abstract gives it (see
    :func:`papertui.paperlink.split_paper_links`)."""
    id: str = field(init=False, repr=False, compare=False)
    """:func:`paper_id` of the title (computed once: an import groups entries by it and
    sends their texts on by it)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", paper_id(self.title))

    def __reduce__(self) -> tuple[type[ParsedPaper], tuple[Any, ...]]:
        # Pickled as its fields, the id computed again (see Source.__reduce__).
        fields = (self.title, self.abstract, self.source, self.line, self.authors_count)
        more = (self.published, self.upvotes, self.code_urls, self.project_urls, self.arxiv_id)
        return ParsedPaper, fields + more


@dataclass(frozen=True, slots=True)
class Paper:
    """A paper in the library: imported metadata only (user state lives in :class:`TriageState`).

    The abstract is kept apart (see :class:`papertui.library.Library.abstract`) so that the
    list of 100k papers can be shown before 150 MB of abstracts are read.
    """

    id: str
    title: str
    authors_count: int | None = None
    published: date | None = None
    upvotes: int | None = None
    code_urls: tuple[str, ...] = ()
    project_urls: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    added_at: str = ""
    """When the paper first entered this library (ISO 8601, UTC)."""
    arxiv_id: str | None = None
    """The paper's arXiv id, when known (its own arXiv or Hugging Face paper page is not
    among the code and project links)."""

    @property
    def has_code(self) -> bool:
        """Whether the paper has at least one code link."""
        return bool(self.code_urls)

    @property
    def date_seen(self) -> date | None:
        """The date the list sorts by: the published date, else the newest page date (the
        day the paper was seen on a page); None when neither is known."""
        if self.published is not None:
            return self.published
        days = [s.page_date for s in self.sources if s.page_date]
        return date.fromisoformat(max(days)) if days else None


@dataclass(frozen=True, slots=True)
class TriageState:
    """What the user decided about one paper. The default value means "untouched"."""

    starred: bool = False
    """In the reading queue."""
    queue_position: int | None = None
    """Order in the queue (smaller first); set exactly when ``starred``."""
    read: bool = False
    dismissed: bool = False
    """Not interested: out of the inbox without being queued or read."""
    tags: tuple[str, ...] = ()
    note: str = ""
    changed: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """When each of ``starred``, ``read``, ``dismissed``, ``tags``, ``note`` last changed
    (ISO 8601, UTC)."""

    @property
    def is_default(self) -> bool:
        """True when nothing has been decided (such states are not stored)."""
        return self == _DEFAULT_STATE

    @property
    def in_inbox(self) -> bool:
        """Neither queued, read nor dismissed: the papers still waiting for a decision."""
        return not (self.read or self.starred or self.dismissed)

    def with_changes(self, **changes: Any) -> TriageState:
        """A copy with ``changes`` applied and their ``changed`` times stamped."""
        stamp = now_iso()
        changed = dict(self.changed)
        for key in changes:
            if key in ("starred", "read", "dismissed", "tags", "note"):
                changed[key] = stamp
        return replace(self, changed=changed, **changes)

    def to_doc(self) -> dict[str, Any]:
        """The stored form (JSON-ready)."""
        return {
            "starred": self.starred,
            "queue_position": self.queue_position,
            "read": self.read,
            "dismissed": self.dismissed,
            "tags": list(self.tags),
            "note": self.note,
            "changed": dict(self.changed),
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> TriageState:
        """Inverse of :meth:`to_doc`."""
        return cls(
            starred=bool(doc.get("starred", False)),
            queue_position=doc.get("queue_position"),
            read=bool(doc.get("read", False)),
            dismissed=bool(doc.get("dismissed", False)),
            tags=tuple(doc.get("tags") or ()),
            note=str(doc.get("note") or ""),
            changed=dict(doc.get("changed") or {}),
        )


_DEFAULT_STATE = TriageState()


def papers_count(n: int) -> str:
    """``1 paper`` / ``3 papers``: how every message counts papers."""
    return f"{n} paper" if n == 1 else f"{n} papers"
