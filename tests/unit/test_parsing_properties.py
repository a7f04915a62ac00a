"""Properties of the page parser: it never raises, never makes an empty title, and a clean
page keeps every paper through line-end, BOM, white-space and junk-line mutations."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st

from papertui.links import is_safe_url
from papertui.models import paper_id
from papertui.parsing import TITLE_MAX_CHARS, PageError, PageResult, parse_page, read_page

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\nDec 12\n\n"
)


def parse(text: str) -> PageResult:
    """``parse_page`` with fixed options."""
    return parse_page(text, file="p.txt", fallback_year=2025)


def is_control(c: str) -> bool:
    """C0 (but newline and tab), DEL or C1."""
    return (ord(c) < 32 and c not in "\n\t") or 127 <= ord(c) < 160


def check_invariants(result: PageResult) -> None:
    """What must hold for any page, however hostile."""
    for paper in result.papers:
        assert paper.title and paper.title == paper.title.strip()
        assert any(c.isalnum() for c in paper.title)
        assert len(paper.title) <= TITLE_MAX_CHARS
        assert "\n" not in paper.title and "\n" not in paper.abstract
        assert not any(is_control(c) for c in paper.title + paper.abstract)
        assert all(is_safe_url(u) for u in paper.code_urls + paper.project_urls)
        assert paper.line >= 1
    for problem in result.problems:
        assert "\n" not in str(problem)
    if not result.papers:
        assert any("no papers found" in p.message for p in result.problems)


# --------------------------------------------------------------------------------------
# Random and hostile pages never raise

TRICKY_LINES = [
    "",
    " ",
    "\t",
    "new",
    "Subscribe",
    "SubscribeA Glued Title",
    "Daily Papers",
    "byAK and the research community",
    "Get trending papers in your email inbox!",
    "Dec 12",
    "Feb 30",
    "Feb 29, 2023 4",
    "Jan 21 10",
    "Oct 9, 2024 2",
    "Mayo 5",
    "May 99",
    "  • 7 authors",
    "• 0 authors · Jun 1, 2020 3",
    "• 3 authors · someday",
    "99999999 authors",
    "·",
    "•",
    "· Jan 3",
    "----",
    "…",
    "A Title",
    "Another Title: With a Colon",
    "A short abstract sentence that ends with a period and has words.",
    "x" * 400,
    "We propose a thing. " * 20,
    "see https://github.com/a/b.git. and https:x.github.io/p}.",
    "javascript:alert(1) file:///etc/passwd",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07",
    "\x9b2J\x07\x7f\x00",
    "\ufeffBOM inside",
    "\u2028\u2029\u00a0\u200b",
    "\r",
]

_line = st.one_of(
    st.sampled_from(TRICKY_LINES),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
)


@SETTINGS
@given(st.lists(_line, max_size=40), st.sampled_from(["\n", "\r\n", "\r", "\n\n"]))
def test_hostile_pages_never_raise(lines: list[str], end: str) -> None:
    check_invariants(parse(end.join(lines)))


@SETTINGS
@given(st.text(max_size=2000))
def test_random_text_never_raises(text: str) -> None:
    check_invariants(parse(text))


@SETTINGS
@given(st.binary(max_size=600))
def test_random_bytes_never_crash_read_page(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.txt"
        path.write_bytes(data)
        try:
            result = read_page(path)
        except PageError as exc:
            assert "\n" not in str(exc)
            assert str(exc).endswith("page.txt: not a text page (binary data)")
            return
        check_invariants(result)


# --------------------------------------------------------------------------------------
# Clean generated pages


@dataclass(frozen=True)
class Entry:
    """A paper as written into a generated page."""

    title: str
    abstract: str
    authors: int | None
    published: date | None
    upvotes: int | None


_WORD = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-",
    min_size=1,
    max_size=10,
)
_TITLE = st.builds(
    lambda first, rest, tail: " ".join([first, *rest]) + tail,
    st.sampled_from(["Attention", "Diffusion", "Scaling", "Towards", "Sparse", "Learning"]),
    st.lists(_WORD, max_size=8),
    st.sampled_from(["", "?", "!"]),
)
_SENTENCE = st.builds(
    lambda words: " ".join(words).capitalize() + ".",
    st.lists(_WORD, min_size=8, max_size=12),
)
FILLER = (
    "We evaluate the method on standard benchmarks and find that it improves accuracy while "
    "using less memory than strong baselines. Ablations show that each component matters, "
    "and the approach scales to larger models without retuning. We release code and models "
    "to support further research on efficient and reliable learning systems."
)
_ABSTRACT = st.one_of(
    # Real abstracts: long prose, sometimes with a link.
    st.builds(
        lambda sentence, link: f"{sentence} {FILLER}{link}",
        _SENTENCE,
        st.sampled_from(["", " Code: https://github.com/x/y.", " See https://x.github.io/p."]),
    ),
    # Short ones (as other tests and hand-made pages use).
    _SENTENCE,
)
_ENTRY = st.builds(
    Entry,
    title=_TITLE,
    abstract=_ABSTRACT,
    authors=st.one_of(st.none(), st.integers(1, 300)),
    published=st.dates(date(2015, 1, 1), date(2024, 12, 31)),
    upvotes=st.one_of(st.none(), st.integers(0, 999)),
)


def unique(entries: list[Entry]) -> bool:
    """Whether no two entries share a paper id."""
    return len({paper_id(e.title) for e in entries}) == len(entries)


def render(layout: str, entries: list[Entry]) -> str:
    """A page in ``layout`` holding ``entries``."""
    if layout == "glued":
        body = "".join(f"{e.title}\n{e.abstract}\n" for e in entries)
        return "Get trending papers in your email inbox once a day!\nSubscribe" + body
    if layout == "plain":
        return HEADER + "".join(f"{e.title}\n\n{e.abstract}\n\n" for e in entries)
    parts = [HEADER]
    for e in entries:
        parts.append(f"{e.title}\n\n{e.abstract}\n\n")
        if e.authors is not None:
            assert e.published is not None
            when = e.published.strftime("%b ") + f"{e.published.day}, {e.published.year}"
            votes = f" {e.upvotes}" if e.upvotes is not None else ""
            parts.append(f"  • {e.authors} authors\n·\n{when}{votes}\n\n")
    return "".join(parts)


_PAGE = st.tuples(
    st.sampled_from(["metadata", "glued", "plain"]),
    st.lists(_ENTRY, min_size=1, max_size=12).filter(unique),
)


def ids(result: PageResult) -> set[str]:
    """The paper ids on a parsed page."""
    return {paper_id(p.title) for p in result.papers}


@SETTINGS
@given(_PAGE)
def test_clean_pages_parse_exactly(page: tuple[str, list[Entry]]) -> None:
    layout, entries = page
    result = parse(render(layout, entries))
    assert result.problems == ()
    assert [(p.title, p.abstract) for p in result.papers] == [
        (e.title, e.abstract) for e in entries
    ]
    if layout == "metadata":
        for paper, entry in zip(result.papers, entries, strict=True):
            assert paper.authors_count == entry.authors
            if entry.authors is not None:
                assert (paper.published, paper.upvotes) == (entry.published, entry.upvotes)
    else:
        assert result.layout == layout


def _junk_line() -> st.SearchStrategy[str]:
    """Lines a reader sees as junk: blank, boilerplate, separators, debris, escapes."""
    return st.sampled_from(
        [
            "",
            "   ",
            "\t",
            "Subscribe",
            "new",
            "Daily Papers",
            "·",
            "----",
            "…",
            "***",
            "\x1b[2J",
            "\x07",
            "\u00a0",
        ]
    )


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[str, str, str]:
    """(clean page, mutated page, kind of mutation)."""
    layout, entries = draw(_PAGE)
    text = render(layout, entries)
    kind = draw(st.sampled_from(["crlf", "bom", "trailing", "junk", "all"]))
    lines = text.split("\n")
    if kind in ("trailing", "all"):
        pads = draw(
            st.lists(
                st.sampled_from(["", " ", "\t", "  \t "]), min_size=len(lines), max_size=len(lines)
            )
        )
        lines = [line + pad for line, pad in zip(lines, pads, strict=True)]
    if kind in ("junk", "all"):
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(lines)))
            lines.insert(at, draw(_junk_line()))
    mutated = "\n".join(lines)
    if kind in ("crlf", "all"):
        mutated = mutated.replace("\n", "\r\n")
    if kind in ("bom", "all"):
        mutated = "\ufeff" + mutated
    return text, mutated, kind


@SETTINGS
@given(_mutated())
def test_mutations_never_lose_a_paper(case: tuple[str, str, str]) -> None:
    text, mutated, kind = case
    clean, changed = parse(text), parse(mutated)
    check_invariants(changed)
    assert ids(clean) <= ids(changed)
    # Stronger: junk a reader recognises as junk is never taken for a paper, and every
    # paper keeps its own abstract.
    assert [(p.title, p.abstract) for p in changed.papers] == [
        (p.title, p.abstract) for p in clean.papers
    ]
    if kind in ("crlf", "bom", "trailing"):
        # These change nothing at all, line numbers included.
        assert [(p.title, p.abstract, p.line, p.published) for p in changed.papers] == [
            (p.title, p.abstract, p.line, p.published) for p in clean.papers
        ]
        assert changed.problems == clean.problems


@SETTINGS
@given(_PAGE, st.data())
def test_damaged_pages_never_raise(page: tuple[str, list[Entry]], data: st.DataObject) -> None:
    # Lines deleted, duplicated, swapped or cut short: anything may come out, but no crash.
    lines = render(*page).split("\n")
    for _ in range(data.draw(st.integers(1, 6))):
        if not lines:
            break
        at = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "swap", "cut"]))
        if action == "delete":
            del lines[at]
        elif action == "duplicate":
            lines.insert(at, lines[at])
        elif action == "swap":
            other = data.draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        else:
            lines[at] = lines[at][: data.draw(st.integers(0, max(0, len(lines[at]) - 1)))]
    check_invariants(parse("\n".join(lines)))


# --------------------------------------------------------------------------------------
# The file path's fast route agrees with parse_page

_ANY_LINE = st.one_of(
    st.sampled_from(TRICKY_LINES),
    _TITLE,
    _SENTENCE,
    st.text(alphabet=st.sampled_from(list("ab .\t\u00a0\u2028\u200b\x1b[m\x07é•·")), max_size=30),
)


@SETTINGS
@given(st.lists(_ANY_LINE, max_size=30))
def test_read_page_agrees_with_parse_page(lines: list[str]) -> None:
    text = "\n".join(lines)
    assume("\x00" not in text)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.txt"
        path.write_bytes(text.encode("utf-8"))
        try:
            read = read_page(path)
        except PageError:
            reject()
    today = date.today()  # the file was just written: saved today
    parsed = parse_page(text, file="p.txt", fallback_year=today.year, latest=today)
    assert [(p.title, p.abstract, p.line, p.authors_count, p.published) for p in read.papers] == [
        (p.title, p.abstract, p.line, p.authors_count, p.published) for p in parsed.papers
    ]
    assert read.problems == parsed.problems


@given(
    st.text(
        alphabet=st.sampled_from(
            [*"aZ9 -:", "\t", "\x0b", "\x1c", "\x1f", "\x85", "\u00a0", "\u2003", "ﬁ", "É", "ß"]
        ),
        max_size=30,
    )
)
def test_paper_id_is_the_hash_of_the_normalised_title(title: str) -> None:
    """The ASCII fast path gives the id the definition does: SHA-1 of the NFKC,
    white-space-free, case-folded title (ids must never change between versions)."""
    import hashlib

    from papertui.models import ID_LENGTH, normalise_title

    expected = hashlib.sha1(normalise_title(title).encode()).hexdigest()[:ID_LENGTH]
    assert paper_id(title) == expected
    assert paper_id(title.upper()) == paper_id(title.lower()) or not title.isascii()
