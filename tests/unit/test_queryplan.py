"""Whole-query evaluation on bitmaps gives exactly what the predicate gives, paper by paper."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papertui import wordindex
from papertui.models import Paper, TriageState
from papertui.query import parse_query, search_text
from papertui.queryplan import CorpusColumns, IndexedText, StateBits, evaluate, select_rows
from papertui.tags import normalise_tag

WORDS = ["diffusion", "latent", "model", "retrieval", "quokkaformer", "3d-gan", "c++", "naïve"]
TAGS = ["bench", "Later", "two words"]


def corpus(n: int, seed: int) -> tuple[list[Paper], list[str], dict[str, TriageState]]:
    """``n`` papers with mixed words, links, upvotes and dates; some triaged."""
    rng = random.Random(seed)
    papers, texts, states = [], [], {}
    for i in range(n):
        title = " ".join(rng.sample(WORDS, 2)).title()
        abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6)))
        paper = Paper(
            id=f"{i:040x}",
            title=title,
            upvotes=None if rng.random() < 0.2 else rng.randint(0, 300),
            published=None
            if rng.random() < 0.2
            else date(2023, 1, 1).fromordinal(date(2023, 1, 1).toordinal() + rng.randint(0, 700)),
            code_urls=("https://github.com/a/b",) if rng.random() < 0.3 else (),
            project_urls=("https://a.io",) if rng.random() < 0.1 else (),
        )
        papers.append(paper)
        texts.append(search_text(title, abstract))
        if rng.random() < 0.4:
            states[paper.id] = TriageState(
                starred=rng.random() < 0.5,
                read=rng.random() < 0.5,
                dismissed=rng.random() < 0.2,
                tags=tuple(rng.sample(TAGS, rng.randint(0, 2))),
                note=rng.choice(["", " ", "a note"]),
            )
    return papers, texts, states


QUERIES = [
    "diffusion",
    "d",
    "-d",
    "diffusion model",
    '"latent diffusion"',
    "3d-gan",
    "c++",
    "naïve",
    "-retrieval",
    "diffusion OR quokkaformer",
    "-(diffusion OR latent) model",
    "is:unread diffusion",
    "is:starred",
    "is:inbox",
    "is:dismissed OR is:read",
    "-is:dismissed diffusion",
    "-is:read -is:starred",
    "has:code",
    "-has:project",
    "has:note OR has:tags",
    "tag:bench",
    "-tag:later",
    'tag:"two words" OR upvotes>200',
    "upvotes>100",
    "-upvotes>100",
    "upvotes:5",
    "upvotes>=10 upvotes<20",
    "year:2024",
    "-year:2024",
    "after:2024-01-01 before:2024-06-01",
    "before:2023-03-01 OR after:2024-11-01 diffusion",
    "is:starred -is:starred OR model",
    "is:read is:starred",
]


def setup(n: int = 300, seed: int = 1, *, permuted: bool = False, stale: int = 0) -> tuple:
    papers, texts, states = corpus(n, seed)
    ids = [p.id for p in papers]
    row = {pid: i for i, pid in enumerate(ids)}
    # The index knows the papers in another order (permuted) and misses the last `stale`.
    known = list(range(n - stale))
    if permuted:
        random.Random(seed).shuffle(known)
    index = wordindex.build([ids[i] for i in known], [texts[i] for i in known])
    uncovered = wordindex.bitmap_of(n, range(n - stale, n))
    text = IndexedText(
        index, n, known if permuted else None, uncovered, lambda rows: [texts[i] for i in rows]
    )
    cols = CorpusColumns(
        [p.upvotes for p in papers],
        [p.published.isoformat() if p.published else None for p in papers],
        [p.code_urls for p in papers],
        [p.project_urls for p in papers],
    )
    bits = StateBits.build(n, states, row)
    return papers, texts, states, text, cols, bits


def expected(query: str, papers, texts, states) -> list[int]:
    pred = parse_query(query).predicate
    return [
        i
        for i, (p, t) in enumerate(zip(papers, texts, strict=True))
        if pred(p, states.get(p.id, TriageState()), t)
    ]


def never_checked(rows):
    raise AssertionError(f"the predicate ran on {list(rows)}")


@pytest.mark.parametrize("permuted,stale", [(False, 0), (True, 0), (False, 17), (True, 5)])
@pytest.mark.parametrize("query", QUERIES)
def test_every_known_term_is_answered_from_bitmaps_exactly(query, permuted, stale) -> None:
    papers, texts, states, text, cols, bits = setup(permuted=permuted, stale=stale)
    everything = (1 << len(papers)) - 1
    got = select_rows(parse_query(query), everything, None, text, cols, bits, never_checked)
    assert got == expected(query, papers, texts, states)


def test_without_an_index_the_words_are_left_to_the_predicate() -> None:
    papers, texts, states, _text, cols, bits = setup()
    everything = (1 << len(papers)) - 1
    q = parse_query("diffusion is:unread")
    yes, maybe = evaluate(q, None, cols, bits)
    assert yes == 0 and maybe != everything  # is:unread already rules some out
    pred = q.predicate
    checked: list[int] = []

    def check(rows):
        rows = list(rows)
        checked.extend(rows)
        return [
            i for i in rows if pred(papers[i], states.get(papers[i].id, TriageState()), texts[i])
        ]

    got = select_rows(q, everything, None, None, cols, bits, check)
    assert got == expected("diffusion is:unread", papers, texts, states)
    assert 0 < len(checked) < len(papers)


def test_view_and_order_are_applied() -> None:
    papers, texts, states, text, cols, bits = setup()
    n = len(papers)
    inbox = ((1 << n) - 1) & ~bits.decided
    order = list(range(n))[::-1]
    got = select_rows(parse_query("model"), inbox, order, text, cols, bits, never_checked)
    want = [
        i for i in order if "model" in texts[i] and states.get(papers[i].id, TriageState()).in_inbox
    ]
    assert got == want


states_st = st.builds(
    TriageState,
    starred=st.booleans(),
    read=st.booleans(),
    dismissed=st.booleans(),
    tags=st.lists(st.sampled_from(TAGS), max_size=2, unique=True).map(tuple),
    note=st.sampled_from(["", " ", "x"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 39), states_st), max_size=30))
def test_state_bits_kept_up_to_date_match_a_fresh_build(changes) -> None:
    ids = [f"{i:040x}" for i in range(40)]
    row = {pid: i for i, pid in enumerate(ids)}
    states: dict[str, TriageState] = {}
    bits = StateBits.build(40, states, row)
    for i, new in changes:
        bits.update(i, states.get(ids[i], TriageState()), new)
        states[ids[i]] = new
    fresh = StateBits.build(40, states, row)
    assert (bits.starred, bits.read, bits.dismissed, bits.noted, bits.tagged) == (
        fresh.starred,
        fresh.read,
        fresh.dismissed,
        fresh.noted,
        fresh.tagged,
    )
    for tag in TAGS:
        name = normalise_tag(tag)
        assert bits.tag(name) == fresh.tag(name)


# -- phrases: candidates from the index, texts read, typed on -------------------------------

PHRASE_TEXTS = [
    ("Latent", "diffusion models for images"),  # across the title/abstract boundary: no
    ("A model", "latent, diffusion and more"),  # punctuation between: no
    ("A model", "latent-diffusion models"),  # a hyphen: only "latent-diffusion" matches
    ("Diffusion latent", "diffusion of latent codes"),  # both words, never adjacent
    ("Nonlatent diffusions", "x"),  # inside longer words: yes (substrings)
    ("Spaces", "latent   diffusion\n\tin  text"),  # white space collapsed: yes
    ("LATENT Diffusion", ""),  # case-folded: yes
    ("Latent diffusion", "latent diffusion again"),  # twice: yes
    ("Nothing here", "at all"),
]


def phrase_setup(
    texts: list[str], *, permuted: bool, stale: int, changed: dict[int, str] | None = None
) -> tuple[IndexedText, list[str], list[int]]:
    """An IndexedText over ``texts`` (the index built from them, in another order if
    ``permuted``, without the last ``stale``); ``changed`` rows get a new text the index does
    not know. Returns it, the current texts, and a log of the rows whose text was read."""
    n = len(texts)
    known = list(range(n - stale))
    if permuted:
        random.Random(n).shuffle(known)
    ids = [f"{i:040x}" for i in range(n)]
    index = wordindex.build([ids[i] for i in known], [texts[i] for i in known])
    now = list(texts)
    uncovered = set(range(n - stale, n))
    for i, text in (changed or {}).items():
        now[i] = text
        uncovered.add(i)
    read: list[int] = []

    def texts_of(rows: list[int]) -> list[str]:
        read.extend(rows)
        return [now[i] for i in rows]

    row_of = known if permuted else None
    if changed and row_of is None:
        row_of = list(range(n - stale))  # a changed paper's entry is stale: no row
    if row_of is not None:
        row_of = [n if i in (changed or {}) else i for i in row_of]
    bits = wordindex.bitmap_of(n, sorted(uncovered))
    return IndexedText(index, n, row_of, bits, texts_of), now, read


def brute(texts: list[str], needle: str) -> int:
    return wordindex.bitmap_of(len(texts), [i for i, t in enumerate(texts) if needle in t])


@pytest.mark.parametrize("permuted,stale", [(False, 0), (True, 0), (False, 3), (True, 2)])
def test_phrases_are_exact_at_boundaries_punctuation_and_inside_words(permuted, stale) -> None:
    texts = [search_text(t, a) for t, a in PHRASE_TEXTS]
    text, now, _read = phrase_setup(texts, permuted=permuted, stale=stale)
    for needle in ("latent diffusion", "latent-diffusion", "latent, diffusion", "t d", "-", ", "):
        assert text.find(needle) == brute(now, needle), needle
    rows = [i for i in range(len(texts)) if text.find("latent diffusion") >> i & 1]
    assert rows == [4, 5, 6, 7]


def test_a_phrase_of_words_every_text_has_but_never_side_by_side_is_found_nowhere() -> None:
    texts = [
        search_text(f"Latent codes {i}", "a diffusion process of latent codes") for i in range(200)
    ]
    text, _now, read = phrase_setup(texts, permuted=True, stale=0)
    assert text.find("latent") == text.find("diffusion") == (1 << 200) - 1
    assert text.find("latent diffusion") == 0
    assert sorted(read) == list(range(200))  # every candidate read once: both words everywhere


def test_a_phrase_typed_on_reads_only_the_texts_of_the_shorter_one() -> None:
    rng = random.Random(7)
    words = ["latent", "diffusion", "models", "dance", "latency", "diff"]
    texts = [search_text("t", " ".join(rng.choice(words) for _ in range(8))) for _ in range(300)]
    text, now, read = phrase_setup(texts, permuted=True, stale=5)
    typed = "latent diffusion models"
    found_before = None
    for end in range(len("latent d"), len(typed) + 1):
        needle = typed[:end]
        read.clear()
        got = text.find(needle)
        assert got == brute(now, needle), needle
        if found_before is not None:  # only the rows of the needle one key shorter
            assert all(found_before >> i & 1 for i in read), needle
        found_before = got
    assert found_before and text.find("latent diffusion") == brute(now, "latent diffusion")


def test_a_changed_text_is_read_not_taken_from_the_index() -> None:
    texts = [search_text("Paper", "latent diffusion here"), search_text("Paper", "latent codes")]
    texts += [search_text("Other", "diffusion latent") for _ in range(8)]
    changed = {
        0: search_text("Paper", "latent codes now"),
        1: search_text("Paper", "latent diffusion now"),
    }
    for permuted in (False, True):
        text, _now, _read = phrase_setup(texts, permuted=permuted, stale=0, changed=changed)
        assert text.find("latent diffusion") == 0b10  # the new texts: row 1 has it, row 0 no more
        assert text.find("latent") == (1 << len(texts)) - 1
        assert text.find("now") == 0b11


piece = st.sampled_from(["latent", "diffusion", "lat", "ent", "3d", "naïve", "a", "c++"])
sep = st.sampled_from([" ", " ", ", ", "-", "  ", "\n"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(piece, sep), max_size=8).map(lambda ws: "".join(a + b for a, b in ws)),
        min_size=1,
        max_size=30,
    ),
    st.lists(st.tuples(piece, sep), min_size=1, max_size=4).map(
        lambda ws: "".join(a + b for a, b in ws).strip()
    ),
    st.booleans(),
    st.integers(0, 3),
)
def test_needles_typed_key_by_key_match_a_scan(abstracts, phrase, permuted, stale) -> None:
    texts = [search_text(f"T {i % 3}", a) for i, a in enumerate(abstracts)]
    stale = min(stale, len(texts))
    text, now, _read = phrase_setup(texts, permuted=permuted, stale=stale)
    needle = " ".join(phrase.split()).casefold()  # as a phrase query gives it
    for end in range(1, len(needle) + 1):
        assert text.find(needle[:end]) == brute(now, needle[:end]), needle[:end]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.lists(st.integers(-(2**70), 2**70)),
        st.lists(st.integers(-5, 5)),
        st.lists(st.text(alphabet="0123456789-é\x00", max_size=10)),
        st.lists(st.one_of(st.integers(0, 3), st.floats(0, 3), st.booleans())),
    )
)
def test_a_columns_order_is_that_of_sorting_pairs(keys: list[object]) -> None:
    """Upvotes and dates are sorted by numpy (the GIL released; a sort of 100k pairs held
    it 50-150 ms against the event loop): ascending, ties in row order, as pairs give."""
    from papertui.queryplan import _stable_order

    want = [i for _, i in sorted(zip(keys, range(len(keys)), strict=True))]  # type: ignore[type-var]
    assert _stable_order(keys) == want
