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
