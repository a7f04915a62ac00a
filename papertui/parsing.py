"""Reading saved Hugging Face "Daily Papers" pages into :class:`~papertui.models.ParsedPaper`.

Pure: no Textual, no storage, and no I/O except :func:`read_page`.

A page is a listing saved from the browser as plain text. Three layouts occur and are told
apart from the text alone (:attr:`PageResult.layout`):

``metadata``
    A header (``new``, ``Get trending papers in your email inbox!``, ``Subscribe``,
    ``Daily Papers``, ``byAK and the research community``, then the page date such as
    ``Dec 12``), then per paper a title line, an abstract line and usually a metadata block
    ``• 7 authors`` / ``·`` / ``Oct 9, 2024 2`` (month, day, optional year, optional upvote
    count), all separated by blank lines.
``glued``
    No blank lines at all: header lines run together, the first title is glued to
    ``Subscribe`` (``SubscribeExploring ...``), then title and abstract alternate.
``plain``
    Titles and abstracts separated by blank lines, with no metadata.

The parser is a single pass over the lines (a small state machine with precompiled,
anchored regular expressions), so its cost is linear in the size of the page. Blank lines
only separate; what a line *is* decides what it does:

* header lines (anywhere, as whole lines) are skipped; at the top of the page a header
  phrase glued to the front of a line is cut off;
* a date line before the first paper (or right after a repeated header) is the page date;
* ``N authors``, ``·`` and date lines form a paper's metadata block;
* any other line is text: after a title it is the abstract, otherwise it is a title.

Text that does not fit is reported as a :class:`Problem` and never silently dropped:

* a line with no letter or digit (``----``, ``…``) is a stray line and skipped;
* a line longer than :data:`TITLE_MAX_CHARS` where a title is expected is prose without a
  title and skipped (unless the paper before it still lacks an abstract: then it is that
  abstract, which covers a metadata block printed before the abstract);
* a title followed directly by another title-like line whose next line reads like an
  abstract keeps an empty abstract, and the second line starts the next paper (so one
  missing abstract does not shift every later title into the abstract slot);
* **a title without an abstract is still a paper** (abstract ``""``), and a problem says so,
  because on these pages it usually means a line went missing;
* metadata with no paper before it, a second metadata block for the same paper, and dates
  that do not exist (``Feb 30``) are problems; the paper keeps what was valid.

Dates without a year belong to the page's year: the ``year`` option when given, otherwise
the year of the page date if it shows one, otherwise the year after the latest explicit year
on the page (the site prints a year only for past years), otherwise the caller's
``fallback_year`` (the file's modification year). A guessed year never puts a date after the
day the page was saved (``latest``: the file's modification day, or today): then the page is
a year earlier (a page saved on 3 Jan 2026 showing ``Dec 12`` is from 2025), and a paper
whose date would still be later is dated the year before. A page saved as HTML is refused
with a :class:`PageError` saying how to save it as text. A paper's ``upvotes`` is the count printed
after its date, and None when the page shows none (the parser does not guess 0).

Text is cleaned of terminal control characters (:func:`clean_text`) line by line; white space
inside title-length lines is collapsed to single spaces. A UTF-8 BOM, CRLF or CR line ends
and trailing white space change nothing.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import MAXYEAR, MINYEAR, date, datetime
from pathlib import Path
from typing import Literal, NamedTuple

from papertui.links import extract_links
from papertui.models import ParsedPaper, Source
from papertui.paperlink import split_paper_links
from papertui.safetext import CONTROL as _CONTROL
from papertui.safetext import clean_text, display_text, undecodable_replaced

__all__ = [
    "MAX_PROBLEMS",
    "SAVED_AS_HTML",
    "TITLE_MAX_CHARS",
    "Layout",
    "PageError",
    "PageResult",
    "Problem",
    "YearSource",
    "clean_text",
    "display_name",
    "looks_like_html",
    "parse_page",
    "parse_page_bytes",
    "read_page",
]

MAX_PROBLEMS = 200
"""Problems listed per page; the rest are counted in one last problem. A page of junk
lines has one problem per line: kept, they cost ~150 bytes of memory per line and one
warning line each."""

TITLE_MAX_CHARS = 300
"""A line longer than this is never taken for a title (real titles stay well below 300)."""

Layout = Literal["metadata", "glued", "plain", "empty"]
YearSource = Literal["option", "page", "file"]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Problem:
    """Something on a page the parser could not make sense of.

    ``line`` is 1-based; 0 means the page as a whole (then ``str()`` leaves it out).
    """

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        """``file:line: message`` (``file: message`` for the page as a whole)."""
        if self.line <= 0:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class PageResult:
    """Everything one page yielded."""

    file: str
    """The page's file name, as given to :func:`parse_page`."""
    layout: Layout
    page_date: date | None
    """The page's own date (the header's ``Dec 12``), in the page's year."""
    year: int
    """The year given to dates printed without one."""
    year_source: YearSource
    """Where :attr:`year` came from: the caller's option, the page itself, or the file."""
    papers: tuple[ParsedPaper, ...]
    problems: tuple[Problem, ...]
    notices: tuple[str, ...]
    """Remarks that are not problems with a particular line, e.g. ``decoded as cp1252``."""
    recognised: bool = True
    """Whether the text looks like a Daily Papers page (its header lines, or metadata
    blocks); the importer refuses other text unless forced."""


class PageError(Exception):
    """A file that cannot be read as a page at all; ``str()`` is one line naming the file."""

    def __init__(self, file: str, reason: str) -> None:
        """``file`` as shown to the user, ``reason`` a short phrase."""
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")


# --------------------------------------------------------------------------- cleaning


def display_name(file: str) -> str:
    """A file name fit for messages and sources: bytes that are not UTF-8 (which the file
    system hands over as lone surrogates) shown as U+FFFD, control and invisible formatting
    characters removed, line breaks made spaces."""
    name = display_text(undecodable_replaced(file)).replace("\n", " ").replace("\t", " ")
    return name if name.strip() else "<page>"


def _snippet(text: str, limit: int = 60) -> str:
    """A short quotation of ``text`` for a problem message."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# --------------------------------------------------------------------------- line shapes

_HEADER_LINES = frozenset(
    {
        "new",
        "get trending papers in your email inbox!",
        "get trending papers in your email inbox once a day!",
        "get trending papers in your email inbox",
        "get trending papers in your email inbox once a day",
        "subscribe",
        "daily papers",
        "byak and the research community",
    }
)
"""Boilerplate lines of the site (compared case-folded); never papers."""

_HEADER_PREFIXES = (
    "Get trending papers in your email inbox once a day!",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
)
"""Header phrases that the glued layout runs into the next line (cut off at the top only)."""

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

_DATE = r"(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:,\s*(?P<year>\d{4}))?"
_DATE_LINE = re.compile(r"(?:·\s*)?" + _DATE + r"(?:\s+(?P<upvotes>\d{1,7}))?")
_AUTHORS_LINE = re.compile(
    r"(?:[•·*\-]\s*)?(?P<authors>\d{1,6})\s+authors?(?:\s*·\s*(?P<date>.+))?",
    re.IGNORECASE,
)
_SEPARATOR_LINES = frozenset({"·", "•"})
_AUTHORS_START = frozenset("•·*-0123456789")
_DATE_START = frozenset(name[:3] for name in _MONTHS)
_ALNUM = re.compile(r"[^\W_]")
_METADATA_MAX_CHARS = 80
"""Metadata lines are short; longer lines are not even tried against the patterns."""
_HEADER_MAX_CHARS = max(len(h) for h in _HEADER_LINES)


class _DateParts(NamedTuple):
    """A date as printed: the year may be missing."""

    month: int
    day: int
    year: int | None
    upvotes: int | None
    text: str
    line: int


def _match_date(s: str, line: int) -> _DateParts | None:
    """``s`` as a date line (``Oct 9, 2024 2``, ``Jan 21``), or None when it is not one."""
    m = _DATE_LINE.fullmatch(s)
    if m is None:
        return None
    month = _MONTHS.get(m["month"].lower())
    if month is None:
        return None
    return _DateParts(
        month=month,
        day=int(m["day"]),
        year=int(m["year"]) if m["year"] else None,
        upvotes=int(m["upvotes"]) if m["upvotes"] else None,
        text=s[m.start("month") : m.end("year") if m["year"] else m.end("day")],
        line=line,
    )


_ODD_BREAKS = str.maketrans({"\t": " ", "\u2028": " ", "\u2029": " "})


def _normal_line(raw: str) -> str:
    """``raw`` as the parser reads it: stripped; without control characters and escape
    sequences; in lines short enough to be titles, every run of white space made one space;
    in longer lines, tabs and Unicode line separators made spaces.

    :meth:`_Parser.run` inlines the cheap part of this for text known to be clean; the two
    must agree.
    """
    s = raw.strip()
    if not s:
        return s
    if not s.isprintable():
        # Rare, so the costly cleaning runs only here: controls, tabs, odd spaces.
        if _CONTROL.search(s) is not None:
            s = clean_text(s).strip()
        s = " ".join(s.split()) if len(s) <= TITLE_MAX_CHARS else s.translate(_ODD_BREAKS)
    elif len(s) <= TITLE_MAX_CHARS and "  " in s:
        s = " ".join(s.split())
    return s


def _looks_like_abstract(s: str) -> bool:
    """Whether ``s`` reads like prose: too long for a title, or a sentence of 8+ words."""
    if len(s) > TITLE_MAX_CHARS:
        return True
    return s.endswith((".", '."', ".)")) and s.count(" ") >= 7


class _Lines:
    """A page's lines, split from its text a chunk at a time.

    Iterating gives ``(index, line)`` pairs; :meth:`line` reads ahead of the iteration.
    All of a big page's lines at once would cost a string object per line on top of the
    text (~60 bytes a line: a page of short junk lines took 20 times its size); a chunk
    at a time, the lines cost a fixed amount whatever the page's size.
    """

    CHUNK = 1 << 16
    """Characters of text split at a time (a chunk ends at the first line end after it)."""

    __slots__ = ("_chunks", "_next", "_split", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._next = 0
        """Where in the text the next chunk starts (past the end when all are split)."""
        self._split = 0
        """Lines split so far (the index of the next chunk's first line)."""
        self._chunks: list[tuple[int, list[str]]] = []
        """The chunks split and not yet passed by the iteration: (first index, lines)."""

    def _split_next(self) -> bool:
        """Split the next chunk (False at the end of the text)."""
        text, start = self._text, self._next
        if start > len(text):
            return False
        end = text.find("\n", start + self.CHUNK)
        if end < 0:
            end = len(text)
        lines = text[start:end].split("\n")
        self._chunks.append((self._split, lines))
        self._split += len(lines)
        self._next = end + 1
        return True

    def __iter__(self) -> Iterator[tuple[int, str]]:
        chunks = self._chunks
        while chunks or self._split_next():
            base, lines = chunks[0]
            yield from enumerate(lines, base)
            chunks.pop(0)

    def line(self, index: int) -> str | None:
        """Line ``index`` (at or after the one being iterated), or None past the end."""
        while True:
            for base, lines in self._chunks:
                if base <= index < base + len(lines):
                    return lines[index - base]
            if not self._split_next():
                return None


# The parts of a metadata block, as bits of :attr:`_Parser.block_parts`.
_SEPARATOR = 1
_AUTHORS = 2
_DATE_ONLY = 4

# --------------------------------------------------------------------------- the parser


@dataclass(slots=True)
class _Entry:
    """A paper being assembled."""

    title: str
    line: int
    abstract: str | None = None
    authors: int | None = None
    date: _DateParts | None = None
    has_metadata: bool = False


class _Parser:
    """One pass over a page's lines; see the module docstring for the rules.

    The main loop is written out flat (few calls per line) because it is most of the time an
    import of 100k papers takes; the rare cases live in their own methods.
    """

    def __init__(self, lines: _Lines, file: str) -> None:
        self.lines = lines
        self.file = file
        self.entries: list[_Entry] = []
        self.problems: list[Problem] = []
        self.page_date: _DateParts | None = None
        self.current: _Entry | None = None
        self.block_open = False
        """Whether the last non-blank, non-header line was metadata."""
        self.block_entry: _Entry | None = None
        """The paper the open metadata block belongs to (None: the block is ignored)."""
        self.block_parts = 0
        """Which parts the open metadata block had so far (bits)."""
        self.header_run = 0
        """How many header lines came right before this line (2+ then a date: page date)."""
        self.glued_pairs = 0
        self.spaced_pairs = 0
        self.saw_text = False
        self.headers_seen = 0
        """Header lines of a Daily Papers page seen (whole or glued to a title)."""
        self.unlisted = 0
        """Problems past :data:`MAX_PROBLEMS`, counted but not kept."""

    def problem(self, line: int, message: str) -> None:
        """Record a problem at 1-based ``line`` (only counted past :data:`MAX_PROBLEMS`)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(self.file, line, message))
        else:
            self.unlisted += 1

    # -- the pass

    def run(self, known_clean: bool) -> None:
        """Parse every line. ``known_clean`` says the text holds no control characters, tabs
        or line separators (checked on the bytes by :func:`read_page`), which lets the loop
        skip the per-line check."""
        header_lines = _HEADER_LINES
        header_max = _HEADER_MAX_CHARS
        metadata_max = _METADATA_MAX_CHARS
        title_max = TITLE_MAX_CHARS
        separators = _SEPARATOR_LINES
        authors_start = _AUTHORS_START
        date_start = _DATE_START
        authors_line = _AUTHORS_LINE.fullmatch
        alnum = _ALNUM.search
        match_date = _match_date
        for index, raw in self.lines:
            if not raw:
                continue
            s = raw.strip()
            if not s:
                continue
            if not known_clean:
                s = _normal_line(s)
                if not s:
                    continue
            elif len(s) <= title_max and ("  " in s or not (s.isascii() or s.isprintable())):
                s = " ".join(s.split())
            if not self.saw_text:
                s = self.cut_header_prefix(s)
            size = len(s)

            # Header and metadata lines are short.
            if size <= metadata_max:
                if size <= header_max and s.casefold() in header_lines:
                    self.header_run += 1
                    self.headers_seen += 1
                    continue
                number = index + 1
                if s in separators:
                    self.metadata(_SEPARATOR, s, number)
                    self.header_run = 0
                    continue
                first = s[0]
                if first in authors_start:
                    m = authors_line(s)
                    if m is not None:
                        rest = m["date"]
                        parts = bad_date = None
                        if rest is not None:
                            rest = rest.strip()
                            parts = match_date(rest, number)
                            bad_date = None if parts else rest
                        self.metadata(_AUTHORS, s, number, int(m["authors"]), parts, bad_date)
                        self.header_run = 0
                        continue
                if first == "·" or s[:3].lower() in date_start:
                    parts = match_date(s, number)
                    if parts is not None:
                        if not self.is_page_date(parts):
                            self.metadata(_DATE_ONLY, s, number, None, parts)
                        self.header_run = 0
                        continue
            self.header_run = 0

            # A text line: a title or an abstract.
            self.block_open = False
            if alnum(s) is None:
                if len(self.problems) < MAX_PROBLEMS:
                    self.problem(
                        index + 1, f"stray line {_snippet(s)} (neither title nor abstract)"
                    )
                else:
                    self.unlisted += 1  # a page of junk: no message made per line
                continue
            self.saw_text = True
            entry = self.current
            if (
                entry is not None
                and entry.abstract is None
                and (
                    size > title_max or not (entry.has_metadata or self.starts_next_paper(s, index))
                )
            ):
                # The abstract (after metadata only when it cannot be a title).
                entry.abstract = s
                if index == entry.line:
                    self.glued_pairs += 1
                else:
                    self.spaced_pairs += 1
                continue
            if size > title_max:
                self.problem(
                    index + 1,
                    f"{size} characters of text with no title before it "
                    f"(starts {_snippet(s, 40)}); skipped",
                )
                continue
            if entry is not None:
                self.finish_entry()
            self.current = _Entry(s, index + 1)
        self.finish_entry()

    def cut_header_prefix(self, s: str) -> str:
        """``s`` without header phrases glued to its front (the glued layout)."""
        cut = True
        while cut:
            cut = False
            for prefix in _HEADER_PREFIXES:
                if s.startswith(prefix) and len(s) > len(prefix):
                    s = s[len(prefix) :].lstrip()
                    cut = True
                    self.headers_seen += 1
        return s

    def starts_next_paper(self, s: str, index: int) -> bool:
        """Whether the short line ``s``, found where an abstract belongs, is rather the next
        paper's title: it reads like a title and the text after it reads like an abstract."""
        if _looks_like_abstract(s):
            return False
        following = self.next_text(index)
        return following is not None and _looks_like_abstract(following)

    def next_text(self, index: int) -> str | None:
        """The next text line after ``index`` (skipping blank, header and stray lines), or
        None when a metadata line or the end of the page comes first."""
        line = self.lines.line
        later = index
        while (raw := line(later := later + 1)) is not None:
            s = _normal_line(raw)
            if not s or _ALNUM.search(s) is None:
                continue
            if len(s) > _METADATA_MAX_CHARS:
                return s
            if s.casefold() in _HEADER_LINES:
                continue
            if (
                s in _SEPARATOR_LINES
                or _AUTHORS_LINE.fullmatch(s)
                or _match_date(s, later + 1) is not None
            ):
                return None
            return s
        return None

    def is_page_date(self, parts: _DateParts) -> bool:
        """Take ``parts`` as the page date when it stands where one does (before the first
        paper, or after a repeated page header of two or more lines); report a second one."""
        if parts.upvotes is not None:
            return False
        at_top = not self.saw_text and not self.block_open
        if not (at_top or self.header_run >= 2):
            return False
        self.block_open = False
        known = self.page_date
        if known is None:
            self.page_date = parts
        elif (parts.month, parts.day, parts.year) != (known.month, known.day, known.year):
            self.problem(
                parts.line,
                f"second page date {_snippet(parts.text)} ignored "
                f"(the page is dated {_snippet(known.text)})",
            )
        return True

    def metadata(
        self,
        kind: int,
        s: str,
        number: int,
        authors: int | None = None,
        parts: _DateParts | None = None,
        bad_date: str | None = None,
    ) -> None:
        """Handle the metadata line ``s`` (line ``number``) of ``kind``, with what was read
        from it: the author count, the date, or the text of a date that could not be read."""
        has = self.block_parts
        if not self.block_open or has & kind or (kind == _AUTHORS and has & _DATE_ONLY):
            self.start_block(s, number)
        self.block_parts |= kind
        entry = self.block_entry
        if entry is None or kind == _SEPARATOR:
            return
        entry.has_metadata = True
        if kind == _AUTHORS:
            entry.authors = authors
            if parts is not None or bad_date is not None:
                self.block_parts |= _DATE_ONLY
        if parts is not None:
            entry.date = parts
        if bad_date is not None:
            self.problem(number, f"unreadable date {_snippet(bad_date)}; left out")

    def start_block(self, s: str, number: int) -> None:
        """Begin a metadata block at line ``s`` and decide which paper it belongs to."""
        entry = self.current
        self.block_open = True
        self.block_parts = 0
        self.block_entry = None
        if entry is None:
            self.problem(number, f"metadata {_snippet(s)} with no paper before it; ignored")
        elif entry.has_metadata:
            self.problem(
                number,
                f"second metadata block for {_snippet(entry.title)} (line {entry.line}); ignored",
            )
        else:
            self.block_entry = entry

    def finish_entry(self) -> None:
        """Close the current paper, if any."""
        entry = self.current
        if entry is None:
            return
        if entry.abstract is None:
            self.problem(entry.line, f"{_snippet(entry.title)} has no abstract; kept without one")
        self.entries.append(entry)
        self.current = None

    @property
    def layout(self) -> Layout:
        """The page's layout, judged from what the pass saw."""
        if not self.entries:
            return "empty"
        if any(e.has_metadata for e in self.entries):
            return "metadata"
        if self.glued_pairs > self.spaced_pairs:
            return "glued"
        return "plain"


def _resolve_date(parts: _DateParts, year: int) -> date:
    """The date ``parts`` denote, ``year`` standing in for a missing year (ValueError if
    there is no such day)."""
    return date(parts.year if parts.year is not None else year, parts.month, parts.day)


def _date_shown(parts: _DateParts, year: int) -> str:
    """A date as the page printed it, for messages: ``'Feb 30, 2025'``, or for a date
    printed without a year ``'Feb 29' (in 2025)``."""
    if parts.year is not None:
        return _snippet(parts.text)
    return f"{_snippet(parts.text)} (in {year})"


def _check_year(value: int, name: str) -> int:
    """``value`` when it is a year :class:`datetime.date` can hold, else ValueError."""
    if not MINYEAR <= value <= MAXYEAR:
        raise ValueError(f"{name} must be between {MINYEAR} and {MAXYEAR}, not {value}")
    return value


def parse_page(
    text: str,
    *,
    file: str,
    year: int | None = None,
    fallback_year: int,
    latest: date | None = None,
) -> PageResult:
    """Parse one page's text.

    ``file`` names the page in sources and problems; ``year`` overrides the page's year;
    ``fallback_year`` is used when neither ``year`` nor the page gives one. ``latest`` is
    the last day the page can show (the day it was saved, or today): a guessed year never
    puts a date printed without one after it (:func:`_year_not_after`). A UTF-8 byte
    order mark, CRLF or CR line ends, trailing white space and terminal control characters
    change nothing. Never raises for any ``text``; raises ValueError when ``year`` or
    ``fallback_year`` is not between 1 and 9999.
    """
    return _parse(
        text, file=file, year=year, fallback_year=fallback_year, latest=latest, known_clean=False
    )


def _year_not_after(year: int, days: list[tuple[int, int]], latest: date) -> int:
    """The guessed ``year``, made earlier when needed so that none of ``days`` (month, day)
    falls after ``latest``: a page saved on 3 Jan 2026 that shows ``Dec 12`` is from 2025."""
    year = min(year, latest.year)
    if year == latest.year and any(day > (latest.month, latest.day) for day in days):
        year -= 1
    return max(year, MINYEAR)


def _parse(
    text: str,
    *,
    file: str,
    year: int | None,
    fallback_year: int,
    latest: date | None = None,
    known_clean: bool,
) -> PageResult:
    """:func:`parse_page`; ``known_clean`` as for :meth:`_Parser.run`."""
    if year is not None:
        _check_year(year, "year")
    _check_year(fallback_year, "fallback_year")
    file = display_name(file)
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")

    parser = _Parser(_Lines(text), file)
    parser.run(known_clean)

    # The page's year.
    dated = [e.date for e in parser.entries if e.date is not None]
    if parser.page_date is not None:
        dated.append(parser.page_date)
    explicit = [d.year for d in dated if d.year is not None]
    year_source: YearSource
    if year is not None:
        page_year, year_source = year, "option"
    elif parser.page_date is not None and parser.page_date.year is not None:
        page_year, year_source = parser.page_date.year, "page"
    elif explicit:
        page_year, year_source = min(max(explicit) + 1, MAXYEAR), "page"
    else:
        page_year, year_source = fallback_year, "file"
    guessed = year is None and (parser.page_date is None or parser.page_date.year is None)
    if guessed and latest is not None:
        # The page's date decides; without one, every date printed without a year.
        anchors = [parser.page_date] if parser.page_date is not None else dated
        days = [(d.month, d.day) for d in anchors if d.year is None]
        page_year = _year_not_after(page_year, days, latest)

    page_date: date | None = None
    if parser.page_date is not None:
        try:
            page_date = _resolve_date(parser.page_date, page_year)
        except ValueError:
            parser.problem(
                parser.page_date.line,
                f"{_date_shown(parser.page_date, page_year)} is not a date; the page is kept "
                "without one",
            )
    source = Source(file=file, page_date=page_date.isoformat() if page_date else None)

    papers: list[ParsedPaper] = []
    for entry in parser.entries:
        published: date | None = None
        upvotes: int | None = None
        if entry.date is not None:
            upvotes = entry.date.upvotes
            try:
                published = _resolve_date(entry.date, page_year)
                if guessed and latest and entry.date.year is None and published > latest:
                    # A paper dated (in the page's year) after the day the page was saved.
                    published = _resolve_date(entry.date, page_year - 1)
            except ValueError:
                parser.problem(
                    entry.date.line,
                    f"{_date_shown(entry.date, page_year)} is not a date; the paper "
                    f"{_snippet(entry.title)} is kept without one",
                )
        abstract = entry.abstract or ""
        arxiv_id, code_urls, project_urls = split_paper_links(*extract_links(abstract))
        papers.append(
            ParsedPaper(
                title=entry.title,
                abstract=abstract,
                source=source,
                line=entry.line,
                authors_count=entry.authors,
                published=published,
                upvotes=upvotes,
                code_urls=code_urls,
                project_urls=project_urls,
                arxiv_id=arxiv_id,
            )
        )

    problems = sorted(parser.problems, key=lambda p: p.line)
    if parser.unlisted:
        problems.append(
            Problem(
                file,
                0,
                f"{parser.unlisted} more problems not listed (only the first {MAX_PROBLEMS} are)",
            )
        )
    if not papers:
        problems.append(Problem(file, 0, "no papers found"))
    return PageResult(
        file=file,
        layout=parser.layout,
        page_date=page_date,
        year=page_year,
        year_source=year_source,
        papers=tuple(papers),
        problems=tuple(problems),
        notices=(),
        recognised=parser.headers_seen > 0 or parser.layout == "metadata",
    )


# --------------------------------------------------------------------------- files

_BINARY_SAMPLE = 1 << 16
_BINARY_CONTROL_SHARE = 0.05
"""A page whose sample is more than this share control characters is binary data."""


# What makes UTF-8 bytes need per-line cleaning: C0 controls except LF and CR (CR is
# rewritten before the lines are split), tab and DEL; C1 controls and the Unicode line
# separators in their UTF-8 form. Each pattern starts with a literal, which keeps the scans
# fast (the byte-set test is a single ``bytes.translate``).
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b in (10, 13) or 32 <= b < 127 or b > 127)
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_LINE_SEPARATOR_UTF8 = re.compile(rb"\xe2\x80[\xa8\xa9]")


def _utf8_is_clean(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds no character that per-line cleaning would change."""
    return (
        not data.translate(None, _NOT_CONTROL_BYTES)
        and _C1_UTF8.search(data) is None
        and _LINE_SEPARATOR_UTF8.search(data) is None
    )


def _decode(data: bytes) -> tuple[str, tuple[str, ...], bool] | None:
    """``data`` as text, notices about the encoding, and whether the text is known to be
    clean of control characters; None when it is binary."""
    notices: tuple[str, ...] = ()
    known_clean = False
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
        notices = ("decoded as UTF-16",)
    elif b"\x00" in data:
        return None
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
            known_clean = _utf8_is_clean(data)
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
                notices = ("not valid UTF-8; decoded as cp1252",)
            except UnicodeDecodeError:
                text = data.decode("latin-1")
                notices = ("not valid UTF-8 or cp1252; decoded as latin-1",)
    if not known_clean:
        sample = text[:_BINARY_SAMPLE]
        # Escape sequences are a text thing (a captured terminal), not a sign of binary data.
        controls = len(_CONTROL.findall(sample)) - sum(map(sample.count, "\r\f\x1b"))
        if "\x00" in sample or controls > _BINARY_CONTROL_SHARE * len(sample):
            return None
    return text, notices, known_clean


SAVED_AS_HTML = (
    "is a web page saved as HTML, not as text; in the browser, select all (ctrl+a), copy, "
    'and paste into a .txt file (or save the page as "Text Files")'
)
"""Why an HTML file is refused, and what to do instead."""

_HTML_START = re.compile(
    r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|meta|body)\b"
    r"|\s*(?:from: <saved by blink>|mime-version:.*content-type: multipart/related)",
    re.IGNORECASE | re.DOTALL,
)


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is a web page's source (``<!DOCTYPE html>``, ``<html>``...) or a
    browser's web archive (MHTML) rather than the page's text."""
    return _HTML_START.match(text[:4096]) is not None


def read_page(path: Path, *, year: int | None = None) -> PageResult:
    """Read and parse the page file at ``path``.

    Sources and problems name the file by its name alone; the year of the file's
    modification time is the fallback year. Raises :class:`PageError` (one line naming the
    file) when the file is missing, unreadable, not a regular file, binary or a page saved
    as HTML. Bytes that are not UTF-8 are decoded as cp1252 (or latin-1), with a notice
    saying so.
    """
    shown = display_name(str(path))
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise PageError(shown, "is a folder, not a page")
        if not stat.S_ISREG(info.st_mode):
            raise PageError(shown, "not a regular file")
        data = path.read_bytes()
    except PageError:
        raise
    except FileNotFoundError:
        raise PageError(shown, "no such file") from None
    except PermissionError:
        raise PageError(shown, "permission denied") from None
    except IsADirectoryError:
        raise PageError(shown, "is a folder, not a page") from None
    except OSError as exc:
        raise PageError(shown, f"cannot read ({exc.strerror or type(exc).__name__})") from None
    decoded = _decode_page(data, shown)
    del data  # a page can be large; keep one copy of it, not two
    today = date.today()
    try:
        saved = min(datetime.fromtimestamp(info.st_mtime).date(), today)
    except (OverflowError, OSError, ValueError):
        saved = today
    return _parse_decoded(decoded, shown, file=path.name, year=year, latest=saved)


def parse_page_bytes(
    data: bytes, *, file: str, year: int | None = None, latest: date
) -> PageResult:
    """Parse a page given as bytes (standard input) saved on ``latest``, decoded and
    checked as :func:`read_page` does a file's: UTF-8, else cp1252 or latin-1 with a
    notice; :class:`PageError` for binary data or a page saved as HTML."""
    shown = display_name(file)
    decoded = _decode_page(data, shown)
    del data
    return _parse_decoded(decoded, shown, file=file, year=year, latest=latest)


def _decode_page(data: bytes, shown: str) -> tuple[str, tuple[str, ...], bool]:
    """:func:`_decode`, raising :class:`PageError` (naming ``shown``) for binary data."""
    decoded = _decode(data)
    if decoded is None:
        raise PageError(shown, "not a text page (binary data)")
    return decoded


def _parse_decoded(
    decoded: tuple[str, tuple[str, ...], bool],
    shown: str,
    *,
    file: str,
    year: int | None,
    latest: date,
) -> PageResult:
    """Parse a decoded page saved on ``latest``, with the decoding's notices."""
    text, notices, known_clean = decoded
    if looks_like_html(text):
        raise PageError(shown, SAVED_AS_HTML)
    result = _parse(
        text,
        file=file,
        year=year,
        fallback_year=latest.year,
        latest=latest,
        known_clean=known_clean,
    )
    if notices:
        result = replace(result, notices=notices + result.notices)
    return result
