"""The search language shared by the CLI and the TUI.

A query is a list of terms; all terms must match (AND), and ``OR`` between terms makes
alternatives. AND binds tighter than OR (``a b OR c`` is ``(a AND b) OR c``); parentheses
group. A ``-`` in front of any term or group negates it.

=====================  ===============================================================
Term                   Matches papers...
=====================  ===============================================================
``word``               whose title or abstract contains *word* (case-insensitive
                       substring)
``"a phrase"``         whose title or abstract contains the phrase
``tag:NAME``           tagged *NAME* (names normalised: ``tag:"Two Words"`` is
                       ``tag:two-words``)
``is:starred``         in the reading queue (alias ``is:queued``)
``is:read``            marked read (``is:unread`` is the opposite)
``is:dismissed``       dismissed (not interested)
``is:inbox``           neither read, queued nor dismissed
``has:code``           with a code link (also ``has:project``, ``has:note``, ``has:tags``)
``upvotes>N``          with more than N upvotes (also ``>=``, ``<``, ``<=``, ``=``,
                       ``upvotes:N``, ``upvotes:>N``)
``year:2024``          published in 2024 (also ``year>2023`` and the other comparisons)
``after:2025-01-01``   published on or after that day
``before:2025-02-01``  published before that day
``added:today``        added to the library today (local time; also ``added:YYYY-MM-DD``,
                       ``added>=YYYY-MM-DD`` and the other comparisons, and the exact
                       stamp of one import, ``added:2025-01-02T08:00:00+00:00``)
``page:2025-01-02``    seen on a page of that date
``like:ID``            among the 50 papers most like that one (``like:tag:NAME``: most
                       like that tag's papers); results come most alike first
=====================  ===============================================================

Papers without a date (or without an upvote count) never match a date (or upvote)
filter, negated or not. Filter names and values are case-insensitive; ``OR`` must be
written in capitals (``or`` is an ordinary word).

:func:`parse_query` turns text into a :class:`Query`, or raises :class:`QueryError` naming
the bad token. :attr:`Query.predicate` is a closure tree compiled once per query, so the
per-paper cost is a handful of function calls.

This module is pure: no Textual, no storage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal, NamedTuple, TypeAlias, TypeVar

from papertui.models import Paper, TriageState
from papertui.tags import normalise_tag

__all__ = [
    "Predicate",
    "Query",
    "QueryError",
    "TextTerms",
    "filter_terms",
    "parse_query",
    "search_text",
]

Predicate: TypeAlias = Callable[[Paper, TriageState, str], bool]
"""``(paper, state, text) -> bool`` where ``text`` is :func:`search_text` of the paper."""


def search_text(title: str, abstract: str) -> str:
    """The text a query's words and phrases are matched against.

    ``"title\\nabstract"``, case-folded, with every run of white space inside the title and
    inside the abstract collapsed to one space (so a phrase matches across a wrapped line).
    The library should precompute this once per paper and pass it to
    :attr:`Query.predicate`.
    """
    if _needs_collapse(abstract):
        abstract = " ".join(abstract.split())
    return (" ".join(title.split()) + "\n" + abstract).casefold()


def _needs_collapse(text: str) -> bool:
    """Whether ``" ".join(text.split())`` would change ``text``.

    Most abstracts are one line of ASCII with single spaces: a few substring checks (each
    a fast C scan) prove it and save the split/join, 5x the cost, for 100k papers.
    """
    if not text:
        return False
    if not text.isascii():
        return True
    if "  " in text or text[0] == " " or text[-1] == " ":
        return True
    # each a memchr; spelt out, as a generator costs more than the nine scans
    return (
        "\n" in text
        or "\t" in text
        or "\r" in text
        or "\x0b" in text
        or "\x0c" in text
        or "\x1c" in text
        or "\x1d" in text
        or "\x1e" in text
        or "\x1f" in text
    )


class QueryError(ValueError):
    """A malformed query. ``str(error)`` is one line that names the bad token."""

    def __init__(self, message: str, token: str, position: int | None = None) -> None:
        """Create the error.

        :param message: the one-line, user-facing message (it quotes ``token``).
        :param token: the offending piece of the query text.
        :param position: where ``token`` starts in the query text, when known.
        """
        super().__init__(message)
        self.message = message
        self.token = token
        self.position = position


# --------------------------------------------------------------------------------------
# The syntax tree. Leaves are frozen (hashable, comparable) so that queries can be
# compared and :meth:`Query.refines` can reason about them.


@dataclass(frozen=True, slots=True)
class _Text:
    """A word or phrase that must occur in the search text."""

    needle: str
    """Case-folded; phrases have their white space collapsed to single spaces."""


@dataclass(frozen=True, slots=True)
class _Tag:
    """The paper carries this tag (names compared by :func:`papertui.tags.normalise_tag`)."""

    name: str


_FlagName = Literal["starred", "read", "dismissed", "code", "project", "note", "tags"]


@dataclass(frozen=True, slots=True)
class _Flag:
    """A yes/no property of the paper or its state."""

    name: _FlagName


@dataclass(frozen=True, slots=True)
class _Upvotes:
    """The upvote count lies in ``[lo, hi]`` (``None``: unbounded); unknown never matches."""

    lo: int | None
    hi: int | None


@dataclass(frozen=True, slots=True)
class _Published:
    """The published date lies in ``[lo, hi]`` (``None``: unbounded); unknown never matches."""

    lo: date | None
    hi: date | None


@dataclass(frozen=True, slots=True)
class _Added:
    """The paper entered the library at or after ``lo`` and before ``hi`` (ISO 8601 UTC
    stamps, compared as text; ``None``: unbounded)."""

    lo: str | None
    hi: str | None


@dataclass(frozen=True, slots=True)
class _Page:
    """One of the paper's pages is dated ``day`` (``YYYY-MM-DD``)."""

    day: str


@dataclass(frozen=True, slots=True)
class _Like:
    """Among the papers most like a paper (``ref`` is an id prefix) or like a tag's papers
    (``ref`` is ``tag:NAME``). The library finds them: :meth:`Query.with_likes`."""

    ref: str
    ids: frozenset[str] | None = None
    """The matching papers, once found (None: not yet; matches nothing)."""


_Leaf: TypeAlias = "_Text | _Tag | _Flag | _Upvotes | _Published | _Added | _Page | _Like"


@dataclass(frozen=True, slots=True)
class _Not:
    """Negation, as parsed (removed again by :func:`_to_nnf`)."""

    child: _Ast


@dataclass(frozen=True, slots=True)
class _And:
    """All children match."""

    children: tuple[_Ast, ...]


@dataclass(frozen=True, slots=True)
class _Or:
    """At least one child matches."""

    children: tuple[_Ast, ...]


_Ast: TypeAlias = "_Leaf | _Not | _And | _Or"


# Negation normal form: negation only on leaves. This is what gets compiled and compared.


@dataclass(frozen=True, slots=True)
class _Lit:
    """A leaf, possibly negated.

    A negated date or upvote filter still requires the value to be known (so papers with
    no date never match a date filter, whichever way round).
    """

    leaf: _Leaf
    negated: bool


@dataclass(frozen=True, slots=True)
class _All:
    """Conjunction in negation normal form."""

    children: tuple[_Nnf, ...]


@dataclass(frozen=True, slots=True)
class _Any:
    """Disjunction in negation normal form."""

    children: tuple[_Nnf, ...]


_Nnf: TypeAlias = "_Lit | _All | _Any"


def _to_nnf(node: _Ast, negate: bool = False) -> _Nnf:
    """Push negations down to the leaves (De Morgan) and flatten nested AND/OR."""
    if isinstance(node, _Not):
        return _to_nnf(node.child, not negate)
    if isinstance(node, _And | _Or):
        kids = [_to_nnf(child, negate) for child in node.children]
        conjunction = isinstance(node, _And) != negate
        flat: list[_Nnf] = []
        for kid in kids:
            if isinstance(kid, _All if conjunction else _Any):
                flat.extend(kid.children)
            else:
                flat.append(kid)
        if len(flat) == 1:
            return flat[0]
        return _All(tuple(flat)) if conjunction else _Any(tuple(flat))
    return _Lit(node, negate)


# --------------------------------------------------------------------------------------
# Lexing and term interpretation.

_KEY_RE = re.compile(r"[A-Za-z_]+")
_FILTER_RE = re.compile(r"([A-Za-z_]+):(.*)", re.DOTALL)
_COMPARE_RE = re.compile(r"([A-Za-z_]+)(>=|<=|>|<|=)(.*)", re.DOTALL)
_OP_VALUE_RE = re.compile(r"(>=|<=|>|<|=)?(.*)", re.DOTALL)
_DIGITS_RE = re.compile(r"[0-9]+")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_FILTER_KEYS = frozenset(
    {"tag", "is", "has", "upvotes", "year", "after", "before", "added", "page", "like"}
)
_ID_RE = re.compile(r"[0-9a-f]+")
_NUMERIC_KEYS = frozenset({"upvotes", "year"})

_IS_VALUES: dict[str, _Ast] = {
    "starred": _Flag("starred"),
    "queued": _Flag("starred"),
    "read": _Flag("read"),
    "unread": _Not(_Flag("read")),
    "dismissed": _Flag("dismissed"),
    "inbox": _And((_Not(_Flag("starred")), _Not(_Flag("read")), _Not(_Flag("dismissed")))),
}
_HAS_VALUES: dict[str, _Ast] = {
    "code": _Flag("code"),
    "project": _Flag("project"),
    "note": _Flag("note"),
    "tags": _Flag("tags"),
}

_TokKind = Literal["term", "or", "lparen", "rparen", "not"]


@dataclass(frozen=True, slots=True)
class _Tok:
    """One lexical token; ``node`` is set for terms."""

    kind: _TokKind
    raw: str
    pos: int
    node: _Ast | None = None


def _quote(token: str) -> str:
    """A token as shown inside an error message."""
    return f"'{token}'"


def _parse_date(value: str, token: str, pos: int) -> date:
    """A strict ``YYYY-MM-DD`` date, or a :class:`QueryError` naming ``token``."""
    if _DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise QueryError(f"bad date in {_quote(token)}", token, pos)


def _compare(key: str, op: str, number: str, token: str, pos: int) -> _Ast:
    """An ``upvotes`` or ``year`` comparison ``key op number``."""
    if not _DIGITS_RE.fullmatch(number):
        kind = "year" if key == "year" else "number"
        raise QueryError(f"bad {kind} in {_quote(token)}", token, pos)
    n = int(number)
    if key == "upvotes":
        bounds: dict[str, tuple[int | None, int | None]] = {
            "=": (n, n),
            ">": (n + 1, None),
            ">=": (n, None),
            "<": (None, n - 1),
            "<=": (None, n),
        }
        lo, hi = bounds[op]
        return _Upvotes(lo, hi)
    try:
        if op == "=":
            return _Published(date(n, 1, 1), date(n, 12, 31))
        if op == ">":
            return _Published(date(n + 1, 1, 1), None)
        if op == ">=":
            return _Published(date(n, 1, 1), None)
        if op == "<":
            return _Published(None, date(n - 1, 12, 31))
        return _Published(None, date(n, 12, 31))
    except ValueError:
        raise QueryError(f"bad year in {_quote(token)}", token, pos) from None


_STAMP_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.+\-Z]+")


def _day_start(day: date) -> str:
    """The UTC stamp (as :func:`papertui.models.now_iso` writes them) of the start of
    ``day`` in local time."""
    local = datetime(day.year, day.month, day.day).astimezone()
    return local.astimezone(timezone.utc).isoformat()


def _added(op: str, value: str, token: str, pos: int) -> _Ast:
    """``added`` compared with a day (``today`` or ``YYYY-MM-DD``, local time), or equal to
    an import's exact stamp."""
    if op == "=" and _STAMP_RE.fullmatch(value):
        return _Added(value, value + "\x00")  # the one stamp: [stamp, stamp + NUL)
    day = date.today() if value.casefold() == "today" else _parse_date(value, token, pos)
    try:
        start, end = _day_start(day), _day_start(day + timedelta(days=1))
    except (OverflowError, ValueError):
        raise QueryError(f"bad date in {_quote(token)}", token, pos) from None
    bounds = {
        "=": (start, end),
        ">": (end, None),
        ">=": (start, None),
        "<": (None, start),
        "<=": (None, end),
    }
    return _Added(*bounds[op])


def _filter(key: str, value: str, token: str, pos: int) -> _Ast:
    """Interpret ``key:value`` (``token`` is the whole term, for messages)."""
    k = key.casefold()
    if k not in _FILTER_KEYS:
        names = [f"{name}:" for name in sorted(_FILTER_KEYS)]
        expected = ", ".join(names[:-1]) + " or " + names[-1]
        raise QueryError(
            f"unknown filter {_quote(key + ':')} in {_quote(token)} (filters: {expected})",
            token,
            pos,
        )
    if not value:
        raise QueryError(f"missing value in {_quote(token)}", token, pos)
    if k == "tag":
        name = normalise_tag(value)
        if not name:
            raise QueryError(f"missing value in {_quote(token)}", token, pos)
        return _Tag(name)
    if k == "like":
        tag = _FILTER_RE.fullmatch(value)
        if tag and tag[1].casefold() == "tag" and tag[2]:
            name = normalise_tag(tag[2])
            if not name:
                raise QueryError(f"missing value in {_quote(token)}", token, pos)
            return _Like("tag:" + name)
        if not _ID_RE.fullmatch(value.casefold()):
            raise QueryError(
                f"bad paper id {_quote(value)} in {_quote(token)} (like:ID or like:tag:NAME)",
                token,
                pos,
            )
        return _Like(value.casefold())
    if k in ("is", "has"):
        table = _IS_VALUES if k == "is" else _HAS_VALUES
        node = table.get(value.casefold())
        if node is None:
            names = list(table)
            expected = ", ".join(names[:-1]) + " or " + names[-1]
            raise QueryError(
                f"unknown value {_quote(value)} in {_quote(token)} (expected {expected})",
                token,
                pos,
            )
        return node
    if k in _NUMERIC_KEYS or k == "added":
        m = _OP_VALUE_RE.fullmatch(value)
        assert m is not None  # the pattern matches every string
        if k == "added":
            return _added(m[1] or "=", m[2], token, pos)
        return _compare(k, m[1] or "=", m[2], token, pos)
    day = _parse_date(value, token, pos)
    if k == "page":
        return _Page(day.isoformat())
    if k == "after":
        return _Published(day, None)
    try:
        return _Published(None, day - timedelta(days=1))
    except OverflowError:
        raise QueryError(f"bad date in {_quote(token)}", token, pos) from None


def _word(word: str, pos: int) -> _Ast:
    """Interpret an unquoted word: a filter, a comparison, or text to find."""
    m = _FILTER_RE.fullmatch(word)
    if m:
        return _filter(m[1], m[2], word, pos)
    m = _COMPARE_RE.fullmatch(word)
    if m:
        key = m[1].casefold()
        if key in _NUMERIC_KEYS:
            return _compare(key, m[2], m[3], word, pos)
        if key == "added":
            return _added(m[2], m[3], word, pos)
        if key in _FILTER_KEYS:
            raise QueryError(f"unsupported comparison in {_quote(word)}", word, pos)
    return _Text(word.casefold())


def _lex(text: str) -> list[_Tok]:
    """Split ``text`` into tokens, interpreting each term as it goes."""
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "(":
            toks.append(_Tok("lparen", c, i))
            i += 1
            continue
        if c == ")":
            toks.append(_Tok("rparen", c, i))
            i += 1
            continue
        start = i
        negated = False
        if c == "-":
            if i + 1 >= n or text[i + 1].isspace() or text[i + 1] == ")":
                raise QueryError("'-' needs a term after it", "-", i)
            if text[i + 1] == "(":
                toks.append(_Tok("not", c, i))
                i += 1
                continue
            negated = True
            i += 1
        node: _Ast
        if text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raw = text[start:]
                raise QueryError(f"unterminated quote in {_quote(raw)}", raw, start)
            raw = text[start : end + 1]
            phrase = " ".join(text[i + 1 : end].split())
            if not phrase:
                raise QueryError(f"empty phrase in {_quote(raw)}", raw, start)
            node = _Text(phrase.casefold())
            i = end + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()"':
                j += 1
            word = text[i:j]
            if j < n and text[j] == '"' and word.endswith(":") and _KEY_RE.fullmatch(word[:-1]):
                end = text.find('"', j + 1)
                if end < 0:
                    raw = text[start:]
                    raise QueryError(f"unterminated quote in {_quote(raw)}", raw, start)
                raw = text[start : end + 1]
                value = " ".join(text[j + 1 : end].split())
                node = _filter(word[:-1], value, text[i : end + 1], i)
                i = end + 1
            else:
                raw = text[start:j]
                i = j
                if word == "OR" and not negated:
                    toks.append(_Tok("or", raw, start))
                    continue
                node = _word(word, start + (1 if negated else 0))
        toks.append(_Tok("term", raw, start, _Not(node) if negated else node))
    return toks


MAX_DEPTH = 32
"""How deeply parentheses may nest: deeper is refused with a clear error (the parser, and
what compiles its tree, recurse once per level; 250 levels would exhaust Python's stack)."""


class _Parser:
    """Recursive descent over tokens: ``or := and ('OR' and)*``, ``and := unary+``."""

    def __init__(self, toks: list[_Tok]) -> None:
        """Start at the first token."""
        self._toks = toks
        self._i = 0
        self._depth = 0
        """Groups open at the current token."""

    def _peek(self) -> _Tok | None:
        """The next token, or ``None`` at the end."""
        return self._toks[self._i] if self._i < len(self._toks) else None

    def _next(self) -> _Tok:
        """Consume and return the next token (the caller has checked there is one)."""
        tok = self._toks[self._i]
        self._i += 1
        return tok

    @staticmethod
    def _or_error(tok: _Tok) -> QueryError:
        """The error for an ``OR`` with nothing on one side."""
        return QueryError("'OR' needs a term on both sides", tok.raw, tok.pos)

    def parse(self) -> _Ast:
        """Parse the whole token list (which is not empty)."""
        node = self._parse_or()
        tok = self._peek()
        if tok is not None:  # only a stray ')' can stop _parse_or early
            raise QueryError("unmatched ')'", tok.raw, tok.pos)
        return node

    def _parse_or(self) -> _Ast:
        """``and ('OR' and)*``."""
        parts = [self._parse_and()]
        while (tok := self._peek()) is not None and tok.kind == "or":
            self._next()
            after = self._peek()
            if after is None or after.kind in ("or", "rparen"):
                raise self._or_error(tok)
            parts.append(self._parse_and())
        return parts[0] if len(parts) == 1 else _Or(tuple(parts))

    def _parse_and(self) -> _Ast:
        """One or more unary terms."""
        items: list[_Ast] = []
        while (tok := self._peek()) is not None and tok.kind not in ("or", "rparen"):
            items.append(self._parse_unary())
        if not items:
            tok = self._peek()
            assert tok is not None  # parse() and _parse_group() never call us at the end
            if tok.kind == "or":
                raise self._or_error(tok)
            raise QueryError("unmatched ')'", tok.raw, tok.pos)
        return items[0] if len(items) == 1 else _And(tuple(items))

    def _parse_unary(self) -> _Ast:
        """A term, a group, or ``-`` followed by a group."""
        tok = self._next()
        if tok.kind == "term":
            assert tok.node is not None
            return tok.node
        if tok.kind == "not":
            return _Not(self._parse_group(self._next()))
        return self._parse_group(tok)

    def _parse_group(self, lparen: _Tok) -> _Ast:
        """``( or )`` after the opening parenthesis ``lparen`` was consumed."""
        tok = self._peek()
        if tok is None:
            raise QueryError("unclosed '('", lparen.raw, lparen.pos)
        if tok.kind == "rparen":
            raise QueryError("empty parentheses '()'", "()", lparen.pos)
        if self._depth >= MAX_DEPTH:
            raise QueryError(
                f"parentheses nested more than {MAX_DEPTH} deep", lparen.raw, lparen.pos
            )
        self._depth += 1
        inner = self._parse_or()
        self._depth -= 1
        tok = self._peek()
        if tok is None or tok.kind != "rparen":
            raise QueryError("unclosed '('", lparen.raw, lparen.pos)
        self._next()
        return inner


# --------------------------------------------------------------------------------------
# Compilation to closures. Each builder returns a predicate; combinators specialise small
# arities so that the common queries cost one or two Python calls per paper. (The generic
# cases use explicit loops: ``all(genexpr)`` is twice as slow per call.)

_INT_MIN = -(1 << 62)
_INT_MAX = 1 << 62


def _always(paper: Paper, state: TriageState, text: str) -> bool:
    """The predicate of the empty query."""
    return True


def _never(paper: Paper, state: TriageState, text: str) -> bool:
    """The predicate of a contradiction such as ``is:read is:unread``."""
    return False


def _all_in(needles: Sequence[str]) -> Predicate:
    """Every needle occurs in the text."""
    if len(needles) == 1:
        (a,) = needles
        return lambda p, s, t: a in t
    if len(needles) == 2:
        a, b = needles
        return lambda p, s, t: a in t and b in t
    if len(needles) == 3:
        a, b, c = needles
        return lambda p, s, t: a in t and b in t and c in t
    frozen = tuple(needles)

    def all_in(p: Paper, s: TriageState, t: str) -> bool:
        """Every needle occurs in the text."""
        for needle in frozen:  # noqa: SIM110 (faster than all())
            if needle not in t:
                return False
        return True

    return all_in


def _none_in(needles: Sequence[str]) -> Predicate:
    """No needle occurs in the text."""
    if len(needles) == 1:
        (a,) = needles
        return lambda p, s, t: a not in t
    if len(needles) == 2:
        a, b = needles
        return lambda p, s, t: a not in t and b not in t
    frozen = tuple(needles)

    def none_in(p: Paper, s: TriageState, t: str) -> bool:
        """No needle occurs in the text."""
        for needle in frozen:  # noqa: SIM110 (faster than any())
            if needle in t:
                return False
        return True

    return none_in


def _any_in(needles: Sequence[str]) -> Predicate:
    """At least one needle occurs in the text."""
    if len(needles) == 1:
        (a,) = needles
        return lambda p, s, t: a in t
    if len(needles) == 2:
        a, b = needles
        return lambda p, s, t: a in t or b in t
    frozen = tuple(needles)

    def any_in(p: Paper, s: TriageState, t: str) -> bool:
        """At least one needle occurs in the text."""
        for needle in frozen:  # noqa: SIM110 (faster than any())
            if needle in t:
                return True
        return False

    return any_in


def _all_of(preds: Sequence[Predicate]) -> Predicate:
    """Conjunction of predicates, evaluated left to right with short-circuit."""
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda p, s, t: a(p, s, t) and b(p, s, t)
    if len(preds) == 3:
        a, b, c = preds
        return lambda p, s, t: a(p, s, t) and b(p, s, t) and c(p, s, t)
    if len(preds) == 4:
        a, b, c, d = preds
        return lambda p, s, t: a(p, s, t) and b(p, s, t) and c(p, s, t) and d(p, s, t)
    frozen = tuple(preds)

    def all_of(p: Paper, s: TriageState, t: str) -> bool:
        """All predicates hold."""
        for pred in frozen:  # noqa: SIM110 (faster than all())
            if not pred(p, s, t):
                return False
        return True

    return all_of


def _any_of(preds: Sequence[Predicate]) -> Predicate:
    """Disjunction of predicates, evaluated left to right with short-circuit."""
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda p, s, t: a(p, s, t) or b(p, s, t)
    if len(preds) == 3:
        a, b, c = preds
        return lambda p, s, t: a(p, s, t) or b(p, s, t) or c(p, s, t)
    frozen = tuple(preds)

    def any_of(p: Paper, s: TriageState, t: str) -> bool:
        """At least one predicate holds."""
        for pred in frozen:  # noqa: SIM110 (faster than any())
            if pred(p, s, t):
                return True
        return False

    return any_of


def _compile_flag(name: _FlagName, negated: bool) -> Predicate:
    """Predicate for an ``is:``/``has:`` flag."""
    if name == "starred":
        if negated:
            return lambda p, s, t: not s.starred
        return lambda p, s, t: s.starred
    if name == "read":
        if negated:
            return lambda p, s, t: not s.read
        return lambda p, s, t: s.read
    if name == "dismissed":
        if negated:
            return lambda p, s, t: not s.dismissed
        return lambda p, s, t: s.dismissed
    if name == "code":
        if negated:
            return lambda p, s, t: not p.code_urls
        return lambda p, s, t: bool(p.code_urls)
    if name == "project":
        if negated:
            return lambda p, s, t: not p.project_urls
        return lambda p, s, t: bool(p.project_urls)
    if name == "tags":
        if negated:
            return lambda p, s, t: not s.tags
        return lambda p, s, t: bool(s.tags)
    if negated:
        return lambda p, s, t: not s.note.strip()
    return lambda p, s, t: bool(s.note.strip())


def _compile_state_flags(starred: bool, read: bool) -> Predicate:
    """One check for ``is:starred``/``is:read`` both given (e.g. ``is:unread -is:starred``)."""
    return lambda p, s, t: s.starred == starred and s.read == read


def _compile_lit(lit: _Lit) -> Predicate:
    """Predicate for one (possibly negated) leaf."""
    leaf, negated = lit.leaf, lit.negated
    if isinstance(leaf, _Text):
        return _none_in([leaf.needle]) if negated else _all_in([leaf.needle])
    if isinstance(leaf, _Flag):
        return _compile_flag(leaf.name, negated)
    if isinstance(leaf, _Tag):
        name = leaf.name

        def has_tag(p: Paper, s: TriageState, t: str) -> bool:
            """The state carries the tag (or, negated, does not)."""
            for tag in s.tags:
                if tag == name or normalise_tag(tag) == name:
                    return not negated
            return negated

        return has_tag
    if isinstance(leaf, _Like):
        ids = leaf.ids or frozenset()
        if negated:
            return lambda p, s, t: p.id not in ids
        return lambda p, s, t: p.id in ids
    if isinstance(leaf, _Upvotes):
        lo = _INT_MIN if leaf.lo is None else leaf.lo
        hi = _INT_MAX if leaf.hi is None else leaf.hi
        if negated:
            return lambda p, s, t: (v := p.upvotes) is not None and not lo <= v <= hi
        return lambda p, s, t: (v := p.upvotes) is not None and lo <= v <= hi
    if isinstance(leaf, _Added):
        alo, ahi = leaf.lo or "", leaf.hi or "\uffff"
        if negated:
            return lambda p, s, t: not alo <= p.added_at < ahi
        return lambda p, s, t: alo <= p.added_at < ahi
    if isinstance(leaf, _Page):
        day = leaf.day

        def on_page(p: Paper, s: TriageState, t: str) -> bool:
            """One of the paper's pages has that date (or, negated, none has)."""
            for src in p.sources:
                if src.page_date == day:
                    return not negated
            return negated

        return on_page
    dlo = date.min if leaf.lo is None else leaf.lo
    dhi = date.max if leaf.hi is None else leaf.hi
    if negated:
        return lambda p, s, t: (d := p.published) is not None and not dlo <= d <= dhi
    return lambda p, s, t: (d := p.published) is not None and dlo <= d <= dhi


def _cost(node: _Nnf) -> int:
    """A rough relative cost of evaluating ``node`` (cheap checks go first)."""
    if isinstance(node, _Lit):
        leaf = node.leaf
        if isinstance(leaf, _Text):
            return 30 if node.negated else 20
        if isinstance(leaf, _Flag):
            return 1
        if isinstance(leaf, _Tag):
            return 3
        return 2
    return sum(_cost(child) for child in node.children) + 1


_STARRED = _Flag("starred")
_READ = _Flag("read")
_B = TypeVar("_B", int, date)


def _intersect(
    ranges: Sequence[tuple[_B | None, _B | None]],
) -> tuple[_B | None, _B | None]:
    """The intersection of closed ranges (``None``: unbounded)."""
    los = [lo for lo, _ in ranges if lo is not None]
    his = [hi for _, hi in ranges if hi is not None]
    return (max(los) if los else None, min(his) if his else None)


def _merge_conjunction(children: Sequence[_Nnf]) -> list[_Nnf] | None:
    """Simplify the children of an AND before compiling; ``None`` if it can never match.

    Positive upvote ranges are intersected into one, and so are positive date ranges
    (``after:X before:Y`` becomes one check). ``is:starred``/``is:read`` and their negations
    are kept once each; asking for a flag both set and unset is a contradiction.
    """
    upvotes: list[tuple[int | None, int | None]] = []
    dates: list[tuple[date | None, date | None]] = []
    flags: dict[_Lit, None] = {}
    rest: list[_Nnf] = []
    for child in children:
        if isinstance(child, _Lit) and not child.negated and isinstance(child.leaf, _Upvotes):
            upvotes.append((child.leaf.lo, child.leaf.hi))
        elif isinstance(child, _Lit) and not child.negated and isinstance(child.leaf, _Published):
            dates.append((child.leaf.lo, child.leaf.hi))
        elif isinstance(child, _Lit) and isinstance(child.leaf, _Flag):
            if _Lit(child.leaf, not child.negated) in flags:
                return None
            flags[child] = None
        else:
            rest.append(child)
    merged: list[_Nnf] = list(flags)
    if upvotes:
        merged.append(_Lit(_Upvotes(*_intersect(upvotes)), False))
    if dates:
        merged.append(_Lit(_Published(*_intersect(dates)), False))
    return merged + rest


def _compile(node: _Nnf) -> Predicate:
    """Compile a negation-normal-form tree into a closure tree."""
    if isinstance(node, _Lit):
        return _compile_lit(node)
    conjunction = isinstance(node, _All)
    children: Sequence[_Nnf] = node.children
    if conjunction:
        simplified = _merge_conjunction(children)
        if simplified is None:
            return _never
        children = simplified
    positive: list[str] = []
    negative: list[str] = []
    parts: list[tuple[int, Predicate]] = []
    if conjunction:
        wanted = {
            child.leaf.name: not child.negated
            for child in children
            if isinstance(child, _Lit)
            and isinstance(child.leaf, _Flag)
            and child.leaf.name in ("starred", "read")
        }
        if len(wanted) == 2:
            parts.append((1, _compile_state_flags(wanted["starred"], wanted["read"])))
            children = [
                child
                for child in children
                if not (isinstance(child, _Lit) and child.leaf in (_STARRED, _READ))
            ]
    for child in children:
        if isinstance(child, _Lit) and isinstance(child.leaf, _Text):
            if not child.negated:
                positive.append(child.leaf.needle)
                continue
            if conjunction:
                negative.append(child.leaf.needle)
                continue
        parts.append((_cost(child), _compile(child)))
    if positive:
        # Longer needles are usually rarer, so they fail (or succeed) sooner.
        positive.sort(key=len, reverse=True)
        merged = _all_in(positive) if conjunction else _any_in(positive)
        parts.append((20 * len(positive), merged))
    if negative:
        parts.append((30 * len(negative), _none_in(negative)))
    parts.sort(key=lambda part: part[0])
    preds = [pred for _, pred in parts]
    return _all_of(preds) if conjunction else _any_of(preds)


# --------------------------------------------------------------------------------------
# Implication, for Query.refines.

_MAX_CLAUSES = 64


def _dnf(node: _Nnf) -> tuple[tuple[_Lit, ...], ...] | None:
    """Disjunctive normal form as clauses of literals, or ``None`` when it would be large."""
    if isinstance(node, _Lit):
        return ((node,),)
    if isinstance(node, _Any):
        clauses: list[tuple[_Lit, ...]] = []
        for child in node.children:
            sub = _dnf(child)
            if sub is None:
                return None
            clauses.extend(sub)
            if len(clauses) > _MAX_CLAUSES:
                return None
        return tuple(clauses)
    product: list[tuple[_Lit, ...]] = [()]
    for child in node.children:
        sub = _dnf(child)
        if sub is None or len(product) * len(sub) > _MAX_CLAUSES:
            return None
        product = [left + right for left in product for right in sub]
    return tuple(product)


def _leaf_implies(x: _Leaf, y: _Leaf) -> bool:
    """Whether every paper matching leaf ``x`` also matches leaf ``y`` (sound, incomplete)."""
    if x == y:
        return True
    if isinstance(x, _Text) and isinstance(y, _Text):
        return y.needle in x.needle
    if isinstance(x, _Upvotes) and isinstance(y, _Upvotes):
        return (y.lo is None or (x.lo is not None and x.lo >= y.lo)) and (
            y.hi is None or (x.hi is not None and x.hi <= y.hi)
        )
    if isinstance(x, _Published) and isinstance(y, _Published):
        return (y.lo is None or (x.lo is not None and x.lo >= y.lo)) and (
            y.hi is None or (x.hi is not None and x.hi <= y.hi)
        )
    return False


def _lit_implies(a: _Lit, b: _Lit) -> bool:
    """Whether literal ``a`` implies literal ``b``.

    For two negated literals this is the contrapositive: ``-x`` implies ``-y`` when ``y``
    implies ``x``. (That also holds for date and upvote filters, whose negation still
    requires a known value, because both literals then talk about the same field.)
    """
    if a.negated != b.negated:
        return False
    if a.negated:
        return _leaf_implies(b.leaf, a.leaf)
    return _leaf_implies(a.leaf, b.leaf)


def _clause_implies(mine: tuple[_Lit, ...], theirs: tuple[_Lit, ...]) -> bool:
    """Whether the conjunction ``mine`` implies the conjunction ``theirs``."""
    return all(any(_lit_implies(a, b) for a in mine) for b in theirs)


# --------------------------------------------------------------------------------------
# The public face.


def _collect_text(node: _Nnf, out: list[_Lit]) -> None:
    """Append every text literal of ``node`` to ``out``, left to right."""
    if isinstance(node, _Lit):
        if isinstance(node.leaf, _Text):
            out.append(node)
    else:
        for child in node.children:
            _collect_text(child, out)


def _collect_likes(node: _Nnf, out: list[str]) -> None:
    if isinstance(node, _Lit):
        if isinstance(node.leaf, _Like):
            out.append(node.leaf.ref)
    else:
        for child in node.children:
            _collect_likes(child, out)


def _bind_likes(node: _Nnf, found: dict[str, frozenset[str]]) -> _Nnf:
    if isinstance(node, _Lit):
        if isinstance(node.leaf, _Like):
            return _Lit(_Like(node.leaf.ref, found.get(node.leaf.ref, frozenset())), node.negated)
        return node
    kids = tuple(_bind_likes(child, found) for child in node.children)
    return _All(kids) if isinstance(node, _All) else _Any(kids)


class TextTerms(NamedTuple):
    """See :attr:`Query.text_terms`."""

    required: tuple[str, ...]
    excluded: tuple[str, ...]
    complete: bool


class Query:
    """A parsed query. Build one with :func:`parse_query`; instances are immutable."""

    __slots__ = ("_clauses", "_highlight", "_needs_text", "_predicate", "_text", "_tree")

    def __init__(self, text: str, tree: _Nnf | None) -> None:
        """Wrap a parsed tree (``None`` for the empty query). Use :func:`parse_query`."""
        self._text = text
        self._tree = tree
        self._predicate: Predicate = _always if tree is None else _compile(tree)
        texts: list[_Lit] = []
        if tree is not None:
            _collect_text(tree, texts)
        highlight: dict[str, None] = {}
        for lit in texts:
            if not lit.negated:
                assert isinstance(lit.leaf, _Text)
                highlight[lit.leaf.needle] = None
        self._highlight = tuple(highlight)
        self._needs_text = bool(texts)
        self._clauses = None if tree is None else _dnf(tree)

    @property
    def text(self) -> str:
        """The source text the query was parsed from."""
        return self._text

    @property
    def tree(self) -> _Nnf | None:
        """The parsed tree in negation normal form (None for the empty query), for
        evaluators such as :mod:`papertui.queryplan`."""
        return self._tree

    @property
    def is_empty(self) -> bool:
        """True for a query with no terms (it matches every paper)."""
        return self._tree is None

    @property
    def predicate(self) -> Predicate:
        """The compiled test ``(paper, state, text) -> bool``.

        ``text`` must be :func:`search_text` of the paper's title and abstract (at least
        case-folded ``"title\\nabstract"``). Compiled once; cheap checks run first.
        """
        return self._predicate

    @property
    def highlight_terms(self) -> tuple[str, ...]:
        """The positive words and phrases, case-folded, without duplicates, in query order.

        Match them case-insensitively when highlighting.
        """
        return self._highlight

    @property
    def needs_text(self) -> bool:
        """Whether any term (positive or negated) looks at the title or abstract."""
        return self._needs_text

    @property
    def plain_needles(self) -> tuple[str, ...] | None:
        """For a query made only of positive words and phrases (all must occur), those
        needles, longest first; otherwise None.

        This is what people type most of the time, and the library can then test the
        needles directly against the text with no per-paper function call.
        """
        tree = self._tree
        if tree is None:
            return None
        lits = tree.children if isinstance(tree, _All) else (tree,)
        needles: list[str] = []
        for lit in lits:
            if not (isinstance(lit, _Lit) and isinstance(lit.leaf, _Text) and not lit.negated):
                return None
            needles.append(lit.leaf.needle)
        return tuple(sorted(dict.fromkeys(needles), key=len, reverse=True))

    @property
    def text_terms(self) -> TextTerms | None:
        """The words and phrases that every match must contain, and those it must not:
        the text literals of the query's top-level AND (None if there is none).

        A word index can answer these without reading any text; :attr:`TextTerms.complete`
        says whether they are the whole query (otherwise the predicate must still run, on
        the papers they leave).
        """
        tree = self._tree
        if tree is None:
            return None
        lits = tree.children if isinstance(tree, _All) else (tree,)
        required: list[str] = []
        excluded: list[str] = []
        for lit in lits:
            if isinstance(lit, _Lit) and isinstance(lit.leaf, _Text):
                (excluded if lit.negated else required).append(lit.leaf.needle)
        if not required and not excluded:
            return None
        return TextTerms(
            tuple(dict.fromkeys(required)),
            tuple(dict.fromkeys(excluded)),
            len(required) + len(excluded) == len(lits),
        )

    @property
    def likes(self) -> tuple[str, ...]:
        """The references of the ``like:`` terms (an id prefix or ``tag:NAME``), in order."""
        out: list[str] = []
        if self._tree is not None:
            _collect_likes(self._tree, out)
        return tuple(dict.fromkeys(out))

    def with_likes(self, found: dict[str, frozenset[str]]) -> Query:
        """This query with each ``like:`` term matching the papers ``found`` for its
        reference (see :attr:`likes`)."""
        if self._tree is None:
            return self
        return Query(self._text, _bind_likes(self._tree, found))

    def matches(self, paper: Paper, state: TriageState, abstract: str) -> bool:
        """Convenience for one-off checks: builds the search text, then runs the predicate."""
        return self._predicate(paper, state, search_text(paper.title, abstract))

    def refines(self, other: Query) -> bool:
        """True only if every paper matching ``self`` is sure to match ``other`` too.

        Conservative: ``False`` whenever that is not evident, e.g. ``"diffu"`` refines
        ``"diff"``, ``"diffusion model"`` refines ``"diffusion"``, ``"upvotes>10"`` refines
        ``"upvotes>5"``, ``"-ga"`` refines ``"-gan"``; anything refines the empty query.

        The answer is about the query logic only. Filters such as ``is:read`` depend on
        triage state, so results cached for ``other`` are only a valid superset if no state
        changed in between.
        """
        if other._tree is None:
            return True
        if self._tree is None:
            return False
        if self._tree == other._tree:
            return True
        mine, theirs = self._clauses, other._clauses
        if mine is None or theirs is None:
            return False
        return all(any(_clause_implies(s, o) for o in theirs) for s in mine)

    def __eq__(self, other: object) -> bool:
        """Queries are equal when they parse to the same tree (spacing does not matter)."""
        if not isinstance(other, Query):
            return NotImplemented
        return self._tree == other._tree

    def __hash__(self) -> int:
        """Hash of the parsed tree."""
        return hash(self._tree)

    def __repr__(self) -> str:
        """``Query('text')``."""
        return f"Query({self._text!r})"


def parse_query(text: str) -> Query:
    """Parse ``text`` into a :class:`Query`.

    Empty or all-white-space text gives the empty query, which matches everything.

    :raises QueryError: when the text is malformed; the message names the bad token.
    """
    toks = _lex(text)
    if not toks:
        return Query(text, None)
    return Query(text, _to_nnf(_Parser(toks).parse()))


def filter_terms() -> dict[str, tuple[str, ...]]:
    """Every filter name with the values it knows (for completion): ``{"is": ("starred",
    ...), "has": ("code", ...), "tag": (), ...}``; an empty tuple means any value (tag
    names, numbers, dates)."""
    known = {"is": tuple(_IS_VALUES), "has": tuple(_HAS_VALUES)}
    return {key: known.get(key, ()) for key in sorted(_FILTER_KEYS)}
