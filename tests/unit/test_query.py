"""Tests for the search language (papertui.query)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papertui.models import Paper, TriageState
from papertui.query import QueryError, parse_query, search_text

_FILTERS = "before:, has:, is:, like:, page:, tag:, upvotes: or year:)"
"""The end of the unknown-filter message (the valid filters)."""


def make_paper(title: str = "Untitled", **kw: Any) -> Paper:
    """A paper with sensible defaults."""
    return Paper(id=kw.pop("id", "0123456789ab"), title=title, **kw)


def matches(
    query: str,
    paper: Paper | None = None,
    state: TriageState | None = None,
    abstract: str = "",
) -> bool:
    """Whether ``query`` matches, computed the way the library does (through the predicate)."""
    paper = paper or make_paper()
    q = parse_query(query)
    return q.predicate(paper, state or TriageState(), search_text(paper.title, abstract))


DIFFUSION = make_paper("Scaling Diffusion Transformers")
DIFFUSION_ABSTRACT = "We train large Diffusion models with a Transformer backbone on ImageNet."


# --------------------------------------------------------------------------------------
# Empty query, words, phrases


@pytest.mark.parametrize("text", ["", "   ", "\t\n "])
def test_empty_query_matches_everything(text: str) -> None:
    q = parse_query(text)
    assert q.is_empty
    assert q.text == text
    assert q.highlight_terms == ()
    assert not q.needs_text
    assert q.predicate(make_paper(), TriageState(), "") is True
    assert q.predicate(make_paper(), TriageState(read=True, starred=True), "xyz") is True


def test_nonempty_query_is_not_empty() -> None:
    assert not parse_query("a").is_empty
    assert not parse_query("is:read").is_empty


def test_words_must_all_match_title_or_abstract() -> None:
    assert matches("diffusion", DIFFUSION, abstract=DIFFUSION_ABSTRACT)
    assert matches("imagenet", DIFFUSION, abstract=DIFFUSION_ABSTRACT)  # abstract only
    assert matches("scaling", DIFFUSION, abstract="")  # title only
    assert matches("scaling imagenet", DIFFUSION, abstract=DIFFUSION_ABSTRACT)
    assert not matches("scaling mamba", DIFFUSION, abstract=DIFFUSION_ABSTRACT)
    assert not matches("mamba", DIFFUSION, abstract=DIFFUSION_ABSTRACT)


def test_words_are_case_insensitive_substrings() -> None:
    assert matches("DIFFU", DIFFUSION)
    assert matches("transformer", DIFFUSION)  # substring of "Transformers"
    assert matches("TrAnSfOrMeRs", DIFFUSION)
    assert matches("strasse", make_paper("Die Straße"))  # casefold, not just lower()
    assert matches("STRASSE", make_paper("Die Straße"))


def test_phrase_needs_adjacent_words() -> None:
    paper = make_paper("Flow Matching for Generative Modeling")
    assert matches('"flow matching"', paper)
    assert matches('"FLOW   Matching"', paper)  # white space inside quotes is collapsed
    assert not matches('"matching flow"', paper)
    assert matches("matching flow", paper)  # as words, order does not matter


def test_phrase_spans_a_wrapped_line_in_the_abstract() -> None:
    abstract = "We propose rectified\n   flow for generation."
    assert matches('"rectified flow"', abstract=abstract)


def test_phrase_does_not_span_title_and_abstract() -> None:
    assert not matches('"models we"', make_paper("Diffusion Models"), abstract="We study x")


def test_search_text_is_casefolded_title_newline_abstract() -> None:
    assert search_text("A  Title", "Some\nAbstract") == "a title\nsome abstract"


def test_matches_convenience_agrees_with_predicate() -> None:
    q = parse_query("imagenet -mamba")
    assert q.matches(DIFFUSION, TriageState(), DIFFUSION_ABSTRACT)
    assert not q.matches(DIFFUSION, TriageState(), "")


def test_quote_ends_a_word_and_starts_a_phrase() -> None:
    paper = make_paper("alpha beta gamma")
    assert matches('alpha"beta gamma"', paper)
    assert not matches('alpha"gamma beta"', paper)


def test_lowercase_or_is_an_ordinary_word() -> None:
    assert not matches("diffusion or mamba", DIFFUSION)
    assert matches("for or", make_paper("Tools for orchestration"))


# --------------------------------------------------------------------------------------
# Negation


def test_negated_word_and_phrase() -> None:
    paper = make_paper("Flow Matching for Generative Modeling")
    assert matches("flow -diffusion", paper)
    assert not matches("flow -MATCHING", paper)
    assert not matches('-"flow matching"', paper)
    assert matches('-"matching flow"', paper)


def test_negation_applies_to_filters() -> None:
    read = TriageState(read=True)
    assert not matches("-is:read", state=read)
    assert matches("-is:read", state=TriageState())
    tagged = TriageState(tags=("nlp",))
    assert not matches("-tag:nlp", state=tagged)
    assert matches("-tag:vision", state=tagged)
    assert not matches("-has:code", make_paper(code_urls=("https://github.com/a/b",)))


def test_negated_group() -> None:
    paper = make_paper("alpha beta")
    assert not matches("-(alpha OR gamma)", paper)
    assert matches("-(gamma OR delta)", paper)
    assert matches("-(alpha gamma)", paper)  # not (alpha and gamma)
    assert not matches("-(alpha beta)", paper)


def test_a_hyphen_inside_a_word_is_not_negation() -> None:
    paper = make_paper("Self-Supervised Learning")
    assert matches("self-supervised", paper)
    assert not matches("-self", paper)


# --------------------------------------------------------------------------------------
# Filters


def test_tag_is_case_insensitive_equality() -> None:
    state = TriageState(tags=("NLP", "reading group"))
    assert matches("tag:nlp", state=state)
    assert matches("TAG:Nlp", state=state)
    assert not matches("tag:nl", state=state)  # not a substring match
    assert not matches("tag:nlpx", state=state)
    assert matches('tag:"reading group"', state=state)
    assert matches('tag:"Reading   Group"', state=state)
    assert not matches("tag:reading", state=state)
    assert not matches("tag:nlp", state=TriageState())


@pytest.mark.parametrize(
    ("query", "state", "expected"),
    [
        ("is:starred", TriageState(starred=True, queue_position=1), True),
        ("is:starred", TriageState(), False),
        ("is:queued", TriageState(starred=True, queue_position=1), True),
        ("is:queued", TriageState(read=True), False),
        ("is:read", TriageState(read=True), True),
        ("is:read", TriageState(), False),
        ("is:unread", TriageState(), True),
        ("is:unread", TriageState(read=True), False),
        ("is:inbox", TriageState(), True),
        ("is:inbox", TriageState(read=True), False),
        ("is:inbox", TriageState(starred=True, queue_position=1), False),
        ("IS:READ", TriageState(read=True), True),
        ("is:Starred", TriageState(starred=True, queue_position=1), True),
        ("is:read is:unread", TriageState(read=True), False),
        ("is:read is:unread", TriageState(), False),
        ("is:unread -is:starred", TriageState(), True),
        ("is:unread -is:starred", TriageState(starred=True, queue_position=1), False),
    ],
)
def test_is_filters(query: str, state: TriageState, expected: bool) -> None:
    assert matches(query, state=state) is expected


@pytest.mark.parametrize(
    ("query", "paper", "state", "expected"),
    [
        ("has:code", make_paper(code_urls=("https://github.com/a/b",)), TriageState(), True),
        ("has:code", make_paper(project_urls=("https://a.io",)), TriageState(), False),
        ("has:project", make_paper(project_urls=("https://a.io",)), TriageState(), True),
        ("has:project", make_paper(code_urls=("https://github.com/a/b",)), TriageState(), False),
        ("has:note", make_paper(), TriageState(note="check eq. 3"), True),
        ("has:note", make_paper(), TriageState(note="  \n "), False),
        ("has:note", make_paper(), TriageState(), False),
        ("has:tags", make_paper(), TriageState(tags=("x",)), True),
        ("has:tags", make_paper(), TriageState(), False),
        ("-has:tags", make_paper(), TriageState(), True),
        ("HAS:CODE", make_paper(code_urls=("https://github.com/a/b",)), TriageState(), True),
    ],
)
def test_has_filters(query: str, paper: Paper, state: TriageState, expected: bool) -> None:
    assert matches(query, paper, state) is expected


@pytest.mark.parametrize(
    ("query", "upvotes", "expected"),
    [
        ("upvotes>10", 11, True),
        ("upvotes>10", 10, False),
        ("upvotes>=10", 10, True),
        ("upvotes>=10", 9, False),
        ("upvotes<10", 9, True),
        ("upvotes<10", 10, False),
        ("upvotes<=10", 10, True),
        ("upvotes<=10", 11, False),
        ("upvotes=10", 10, True),
        ("upvotes=10", 11, False),
        ("upvotes:10", 10, True),
        ("upvotes:10", 9, False),
        ("upvotes:>10", 11, True),
        ("upvotes:>10", 10, False),
        ("upvotes:<=0", 0, True),
        ("UPVOTES>5", 6, True),
        ("upvotes>5 upvotes<8", 7, True),
        ("upvotes>5 upvotes<8", 8, False),
        ("upvotes>5 upvotes<8", 5, False),
        ("upvotes>8 upvotes<5", 6, False),  # empty range
        ("-upvotes>10", 10, True),
        ("-upvotes>10", 11, False),
        # Papers without an upvote count never match an upvote filter, negated or not.
        ("upvotes>=0", None, False),
        ("upvotes<10", None, False),
        ("-upvotes>10", None, False),
    ],
)
def test_upvotes(query: str, upvotes: int | None, expected: bool) -> None:
    assert matches(query, make_paper(upvotes=upvotes)) is expected


@pytest.mark.parametrize(
    ("query", "published", "expected"),
    [
        ("year:2024", date(2024, 1, 1), True),
        ("year:2024", date(2024, 12, 31), True),
        ("year:2024", date(2025, 1, 1), False),
        ("year:2024", date(2023, 12, 31), False),
        ("year=2024", date(2024, 6, 1), True),
        ("year>2023", date(2024, 1, 1), True),
        ("year>2023", date(2023, 12, 31), False),
        ("year>=2024", date(2024, 1, 1), True),
        ("year<2024", date(2023, 12, 31), True),
        ("year<2024", date(2024, 1, 1), False),
        ("year<=2024", date(2024, 12, 31), True),
        ("year:>2023", date(2024, 3, 3), True),
        ("-year:2024", date(2025, 1, 1), True),
        ("-year:2024", date(2024, 5, 1), False),
        # after: is inclusive, before: is exclusive, so together they make a half-open range.
        ("after:2025-01-01", date(2025, 1, 1), True),
        ("after:2025-01-01", date(2024, 12, 31), False),
        ("before:2025-02-01", date(2025, 1, 31), True),
        ("before:2025-02-01", date(2025, 2, 1), False),
        ("after:2025-01-01 before:2025-02-01", date(2025, 1, 15), True),
        ("after:2025-01-01 before:2025-02-01", date(2025, 2, 15), False),
        ("after:2025-01-01 before:2025-02-01", date(2024, 12, 15), False),
        ("-after:2025-01-01", date(2024, 12, 31), True),
        ("-after:2025-01-01", date(2025, 1, 1), False),
        ("AFTER:2025-01-01", date(2025, 1, 2), True),
        # Papers with no date never match a date filter, negated or not.
        ("year:2024", None, False),
        ("after:2000-01-01", None, False),
        ("before:2999-01-01", None, False),
        ("-after:2025-01-01", None, False),
        ("-before:2025-01-01", None, False),
        ("-year:2024", None, False),
        ("-(year:2024 OR after:2025-01-01)", None, False),
    ],
)
def test_dates(query: str, published: date | None, expected: bool) -> None:
    assert matches(query, make_paper(published=published)) is expected


def test_negated_group_of_a_date_filter_and_text_still_matches_undated_by_text() -> None:
    # -(year:2024 foo) is (-year:2024 OR -foo): the text side can still match.
    assert matches("-(year:2024 foo)", make_paper("bar", published=None))
    assert not matches("-(year:2024 bar)", make_paper("bar", published=None))


# --------------------------------------------------------------------------------------
# OR, precedence, grouping


def test_or() -> None:
    assert matches("mamba OR diffusion", DIFFUSION)
    assert matches("diffusion OR mamba", DIFFUSION)
    assert not matches("mamba OR rwkv", DIFFUSION)
    assert matches("mamba OR rwkv OR scaling", DIFFUSION)


def test_and_binds_tighter_than_or() -> None:
    # "a b OR c" is "(a AND b) OR c".
    ab = make_paper("alpha beta")
    c_only = make_paper("gamma")
    a_only = make_paper("alpha")
    a_c = make_paper("alpha gamma")
    assert matches("alpha beta OR gamma", ab)
    assert matches("alpha beta OR gamma", c_only)
    assert not matches("alpha beta OR gamma", a_only)  # would match if it were a AND (b OR c)
    assert matches("alpha beta OR gamma", a_c)
    # "a OR b c" is "a OR (b AND c)".
    assert matches("alpha OR beta gamma", a_only)
    assert not matches("alpha OR beta gamma", make_paper("beta"))


def test_parentheses_group() -> None:
    assert not matches("alpha (beta OR gamma)", make_paper("alpha"))
    assert matches("alpha (beta OR gamma)", make_paper("alpha gamma"))
    assert matches("(beta OR gamma) alpha", make_paper("gamma alpha"))
    assert matches("((alpha))", make_paper("alpha"))
    assert matches("(alpha OR beta) (gamma OR delta)", make_paper("beta delta"))
    assert not matches("(alpha OR beta) (gamma OR delta)", make_paper("beta"))


def test_or_mixes_filters_and_words() -> None:
    query = "is:starred OR tag:todo OR diffusion"
    assert matches(query, make_paper("x"), TriageState(starred=True, queue_position=1))
    assert matches(query, make_paper("x"), TriageState(tags=("todo",)))
    assert matches(query, DIFFUSION)
    assert not matches(query, make_paper("x"))


def test_filters_combine_with_words() -> None:
    paper = make_paper("Diffusion", upvotes=50, published=date(2025, 1, 5))
    state = TriageState(tags=("gen",))
    assert matches("diffusion tag:gen upvotes>=50 year:2025", paper, state)
    assert not matches("diffusion tag:gen upvotes>50 year:2025", paper, state)


# --------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("query", "message", "token"),
    [
        (
            "foo:bar",
            "unknown filter 'foo:' in 'foo:bar' (filters: added:, after:, " + _FILTERS,
            "foo:bar",
        ),
        (
            "diffusion Foo:bar",
            "unknown filter 'Foo:' in 'Foo:bar' (filters: added:, after:, " + _FILTERS,
            "Foo:bar",
        ),
        (
            'foo:"x y"',
            "unknown filter 'foo:' in 'foo:\"x y\"' (filters: added:, after:, " + _FILTERS,
            'foo:"x y"',
        ),
        ("upvotes>abc", "bad number in 'upvotes>abc'", "upvotes>abc"),
        ("upvotes>", "bad number in 'upvotes>'", "upvotes>"),
        ("upvotes:", "missing value in 'upvotes:'", "upvotes:"),
        ("upvotes:>x", "bad number in 'upvotes:>x'", "upvotes:>x"),
        ("upvotes>1.5", "bad number in 'upvotes>1.5'", "upvotes>1.5"),
        ("-upvotes>abc", "bad number in 'upvotes>abc'", "upvotes>abc"),
        ("year:abc", "bad year in 'year:abc'", "year:abc"),
        ("year:0", "bad year in 'year:0'", "year:0"),
        ("year>9999", "bad year in 'year>9999'", "year>9999"),
        ("after:2025-13-01", "bad date in 'after:2025-13-01'", "after:2025-13-01"),
        ("after:2025-02-30", "bad date in 'after:2025-02-30'", "after:2025-02-30"),
        ("before:2025-1-1", "bad date in 'before:2025-1-1'", "before:2025-1-1"),
        ("before:20250101", "bad date in 'before:20250101'", "before:20250101"),
        ("before:0001-01-01", "bad date in 'before:0001-01-01'", "before:0001-01-01"),
        ("after:", "missing value in 'after:'", "after:"),
        ("after>2025-01-01", "unsupported comparison in 'after>2025-01-01'", "after>2025-01-01"),
        ("tag>x", "unsupported comparison in 'tag>x'", "tag>x"),
        ("tag:", "missing value in 'tag:'", "tag:"),
        ('tag:""', "missing value in 'tag:\"\"'", 'tag:""'),
        ('"flow matching', "unterminated quote in '\"flow matching'", '"flow matching'),
        ('a -"b c', "unterminated quote in '-\"b c'", '-"b c'),
        ('tag:"x y', "unterminated quote in 'tag:\"x y'", 'tag:"x y'),
        ('""', "empty phrase in '\"\"'", '""'),
        ("a OR", "'OR' needs a term on both sides", "OR"),
        ("OR a", "'OR' needs a term on both sides", "OR"),
        ("a OR OR b", "'OR' needs a term on both sides", "OR"),
        ("(a OR) b", "'OR' needs a term on both sides", "OR"),
        ("(OR a)", "'OR' needs a term on both sides", "OR"),
        ("OR", "'OR' needs a term on both sides", "OR"),
        ("(a b", "unclosed '('", "("),
        ("((a) b", "unclosed '('", "("),
        ("a b)", "unmatched ')'", ")"),
        (")", "unmatched ')'", ")"),
        ("a () b", "empty parentheses '()'", "()"),
        ("-", "'-' needs a term after it", "-"),
        ("a - b", "'-' needs a term after it", "-"),
        ("(a -)", "'-' needs a term after it", "-"),
    ],
)
def test_errors_name_the_bad_token(query: str, message: str, token: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(query)
    err = info.value
    assert str(err) == message
    assert err.message == message
    assert err.token == token
    assert "\n" not in str(err)
    assert isinstance(err, ValueError)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "is:foo",
            "unknown value 'foo' in 'is:foo' "
            "(expected starred, queued, read, unread, dismissed or inbox)",
        ),
        ("has:bar", "unknown value 'bar' in 'has:bar' (expected code, project, note or tags)"),
        (
            "-is:Nope",
            "unknown value 'Nope' in 'is:Nope' "
            "(expected starred, queued, read, unread, dismissed or inbox)",
        ),
    ],
)
def test_unknown_is_and_has_values_list_the_choices(query: str, message: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(query)
    assert str(info.value) == message
    assert info.value.token == query.lstrip("-")


def test_error_position_points_at_the_token() -> None:
    text = "diffusion upvotes>abc"
    with pytest.raises(QueryError) as info:
        parse_query(text)
    assert info.value.position == text.index("upvotes")
    text = 'alpha "beta'
    with pytest.raises(QueryError) as info:
        parse_query(text)
    assert info.value.position == text.index('"')


@given(st.text(alphabet=st.sampled_from(list('ab:-"() ORtagis>=<.0123456789x')), max_size=25))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_parses_or_raises_query_error(text: str) -> None:
    try:
        q = parse_query(text)
    except QueryError as err:
        assert str(err)
        assert "\n" not in str(err)
        return
    paper = make_paper("ab ba", upvotes=3, published=date(2024, 1, 1))
    result = q.predicate(paper, TriageState(tags=("x",)), "ab ba\nxx")
    assert isinstance(result, bool)
    q.refines(parse_query("a"))


@given(st.text(max_size=30))
@settings(max_examples=300)
def test_arbitrary_unicode_never_crashes(text: str) -> None:
    try:
        q = parse_query(text)
    except QueryError:
        return
    assert isinstance(q.predicate(make_paper(), TriageState(), "untitled\n"), bool)


# --------------------------------------------------------------------------------------
# highlight_terms, needs_text, text, equality


def test_highlight_terms_are_positive_words_and_phrases() -> None:
    q = parse_query('Diffusion "Flow  Matching" -gan tag:nlp is:read upvotes>3 diffusion')
    assert q.highlight_terms == ("diffusion", "flow matching")


def test_highlight_terms_include_both_sides_of_or_but_not_negated_groups() -> None:
    q = parse_query("mamba OR rwkv -(gan OR vae) --x")
    assert q.highlight_terms == ("mamba", "rwkv")


def test_highlight_terms_of_a_double_negation_are_positive() -> None:
    assert parse_query("-(-alpha)").highlight_terms == ("alpha",)


@pytest.mark.parametrize(
    ("query", "needs"),
    [
        ("diffusion", True),
        ("-diffusion", True),
        ('"a phrase"', True),
        ("is:read OR word", True),
        ("is:read", False),
        ("tag:x has:code upvotes>3 year:2024 after:2024-01-01", False),
        ("", False),
    ],
)
def test_needs_text(query: str, needs: bool) -> None:
    assert parse_query(query).needs_text is needs


def test_text_is_the_source() -> None:
    assert parse_query("  Diffusion  is:read ").text == "  Diffusion  is:read "


def test_equality_ignores_spacing_and_case_of_words() -> None:
    assert parse_query("a  b") == parse_query("a b")
    assert parse_query("Diffusion") == parse_query("diffusion")
    assert parse_query("is:queued") == parse_query("is:starred")
    assert hash(parse_query("a  b")) == hash(parse_query("a b"))
    assert parse_query("a b") != parse_query("a OR b")
    assert repr(parse_query("a")) == "Query('a')"


# --------------------------------------------------------------------------------------
# refines


@pytest.mark.parametrize(
    ("new", "old"),
    [
        ("diffu", "diff"),
        ("diffusion", "diffusion"),
        ("diffusion model", "diffusion"),
        ("diffusion model", "diffusion mod"),
        ("model diffusion", "diffusion"),
        ("diffusion tag:x", "diffusion"),
        ("diffusion is:read", "diffusion"),
        ('"flow matching"', "flow"),
        ('"flow matching"', "matching"),
        ("anything", ""),
        ("is:read", ""),
        ("-ga", "-gan"),
        ("diff -ga", "diff -gan"),
        ("upvotes>10", "upvotes>5"),
        ("upvotes=7", "upvotes>=7"),
        ("upvotes>=10 upvotes<20", "upvotes<30"),
        ("after:2025-02-01", "after:2025-01-01"),
        ("year:2024", "after:2024-01-01"),
        ("year:2024", "before:2025-01-01"),
        ("-tag:x", "-tag:x"),
        ("a OR bc", "a OR b"),
        ("alpha (beta OR gamma)", "alpha"),
        ("is:read x", "is:read"),
        ("is:unread", "-is:read"),
        ("alpha beta", "beta OR gamma"),
        ("  a   b ", "a b"),
    ],
)
def test_refines_true(new: str, old: str) -> None:
    assert parse_query(new).refines(parse_query(old))


@pytest.mark.parametrize(
    ("new", "old"),
    [
        ("diff", "diffu"),
        ("", "a"),
        ("a OR b", "a"),
        ("-gan", "-ga"),
        ("a", "a -b"),
        ("diffusion", "-diff"),
        ("upvotes>5", "upvotes>10"),
        ("upvotes>5", "upvotes<10"),
        ("after:2025-01-01", "after:2025-02-01"),
        ("is:read", "is:unread"),
        ("is:read", "is:starred"),
        ("tag:nlp", "tag:nl"),  # tags are equality, not substring
        ("tag:nl", "tag:nlp"),
        ("a", "a b OR a c"),
        ("alpha", "alpha (beta OR gamma)"),
        ("flow matching", '"flow matching"'),  # words anywhere do not imply the phrase
        ("upvotes>5", "-upvotes<3"),  # conservative: mixed polarity is not reasoned about
    ],
)
def test_refines_false(new: str, old: str) -> None:
    assert not parse_query(new).refines(parse_query(old))


_TERMS = [
    "a",
    "ab",
    "abc",
    "b",
    "bc",
    "-a",
    "-ab",
    '"a b"',
    "tag:x",
    "tag:xy",
    "-tag:x",
    "is:read",
    "is:unread",
    "is:starred",
    "has:code",
    "upvotes>5",
    "upvotes>=10",
    "upvotes<3",
    "-upvotes>7",
    "year:2024",
    "after:2024-06-01",
    "before:2025-01-01",
    "-(a OR b)",
    "(ab OR c)",
]


def _query_strategy() -> st.SearchStrategy[str]:
    """Small queries over a vocabulary chosen so that implications are common."""
    group = st.lists(st.sampled_from(_TERMS), min_size=1, max_size=3).map(" ".join)
    return st.lists(group, min_size=1, max_size=2).map(" OR ".join)


_PAPERS = [
    (
        make_paper(
            title,
            upvotes=upvotes,
            published=published,
            code_urls=("https://github.com/x/y",) if code else (),
        ),
        TriageState(read=read, starred=starred, tags=tags),
    )
    for title in ("a", "ab", "abc", "a b", "bc", "c", "b a")
    for upvotes in (None, 2, 6, 10)
    for published in (None, date(2024, 7, 1), date(2023, 1, 1), date(2025, 3, 1))
    for code, read, starred, tags in (
        (False, False, False, ()),
        (True, True, False, ("x",)),
        (False, True, True, ("xy",)),
        (True, False, True, ("X", "xy")),
    )
]


@given(_query_strategy(), _query_strategy())
@settings(max_examples=300, deadline=None)
def test_refines_is_sound(new_text: str, old_text: str) -> None:
    """Whenever refines() says yes, no paper matches the new query but not the old one."""
    new, old = parse_query(new_text), parse_query(old_text)
    if not new.refines(old):
        return
    for paper, state in _PAPERS:
        text = search_text(paper.title, "")
        if new.predicate(paper, state, text):
            assert old.predicate(paper, state, text), (new_text, old_text, paper, state)


def test_plain_needles_only_for_conjunctions_of_positive_text() -> None:
    assert parse_query('diffusion "flow  matching" video').plain_needles == (
        "flow matching",
        "diffusion",
        "video",
    )
    assert parse_query("Diffusion").plain_needles == ("diffusion",)
    for text in ("", "a -b", "a OR b", "a is:read", "tag:x", "a (b OR c)"):
        assert parse_query(text).plain_needles is None, text


def test_an_unknown_filter_lists_the_valid_ones() -> None:
    with pytest.raises(QueryError) as info:
        parse_query("diffusion foo:bar")
    assert str(info.value) == (
        "unknown filter 'foo:' in 'foo:bar' (filters: added:, after:, before:, has:, is:, "
        "like:, page:, tag:, upvotes: or year:)"
    )
