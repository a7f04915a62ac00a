"""The word index: exactly the papers a scan finds, for any needle; a damaged file is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papertui.query import search_text
from papertui.wordindex import (
    COMMON_SHARE,
    IndexDamaged,
    WordIndex,
    _pack,
    build,
    signature,
    word_pieces,
)

TEXTS = [
    search_text("Diffusion Models for 3D-GAN Synthesis", "We train a diffusion model. C++ code."),
    search_text("Quokkaformer: a Transformer", "Retrieval-augmented generation, naïve baseline."),
    search_text("Naive Bayes", "A retrieval baseline; no diffusion at all: difference only."),
    search_text("GPT-4 evaluation", "We evaluate gpt-4 and GPT-4o on 12 tasks (see §3)."),
    search_text("Empty-ish", ""),
]
PIDS = [f"{i:012x}" for i in range(len(TEXTS))]


def scan(texts: list[str], needle: str) -> set[int]:
    return {i for i, t in enumerate(texts) if needle in t}


def found_set(index: WordIndex, needle: str) -> tuple[set[int], bool]:
    found = index.find(needle)
    assert found is not None
    mask = index.mask(found.bits)
    return {i for i, m in enumerate(mask) if m}, found.exact


@pytest.mark.parametrize(
    "needle",
    ["d", "di", "diffusion", "iffu", "former", "quokkaformer", "naïve", "ï", "4o", "12", "zzz"],
)
def test_single_words_give_exactly_the_papers_a_scan_finds(needle: str) -> None:
    index = build(PIDS, TEXTS)
    got, exact = found_set(index, needle)
    assert exact
    assert got == scan(TEXTS, needle)


@pytest.mark.parametrize("needle", ["3d-gan", "diffusion model", "c++", "gpt-4", "(see §3)"])
def test_other_needles_give_candidates_that_include_every_match(needle: str) -> None:
    index = build(PIDS, TEXTS)
    got, exact = found_set(index, needle)
    assert not exact
    assert got >= scan(TEXTS, needle)
    assert got  # each of these occurs somewhere


def test_a_needle_without_letters_or_digits_cannot_be_answered() -> None:
    index = build(PIDS, TEXTS)
    assert index.find("-") is None
    assert index.find("++") is None


def test_common_words_keep_bitmaps_and_rare_words_postings() -> None:
    # 200 papers: "common" is in all of them (a bitmap), "rareword" in two (postings).
    texts = [search_text(f"Paper {i}", "common words here") for i in range(200)]
    texts[3] += " rareword"
    texts[150] += " rareword"
    index = build([f"{i:012x}" for i in range(200)], texts)
    assert index._common == [b"common", b"here", b"paper", b"words"]
    assert b"rareword" in index._rare
    assert found_set(index, "rare")[0] == {3, 150}
    assert found_set(index, "on")[0] == set(range(200))
    assert 200 // COMMON_SHARE < 64  # small libraries: the minimum count applies


def test_typing_on_narrows_from_the_last_piece_and_stays_exact() -> None:
    texts = [search_text(f"T{i}", f"word{i} alpha{i % 7} beta") for i in range(300)]
    index = build([f"{i:012x}" for i in range(300)], texts)
    for prefix in ("a", "al", "alp", "alph", "alpha", "alpha3", "alpha", "lpha3"):
        assert found_set(index, prefix)[0] == scan(texts, prefix), prefix


def test_save_and_load_give_the_same_answers(tmp_path: Path) -> None:
    index = build(PIDS, TEXTS)
    path = tmp_path / "search.index"
    index.save(path)
    loaded = WordIndex.load(path)
    assert loaded.pids == PIDS
    assert list(loaded.sigs) == [signature(t) for t in TEXTS]
    for needle in ("d", "diffusion", "ï", "gpt-4", "quokka", "zzz"):
        assert found_set(loaded, needle) == found_set(index, needle)


def test_an_empty_library_has_an_empty_index(tmp_path: Path) -> None:
    index = build([], [])
    index.save(tmp_path / "i")
    loaded = WordIndex.load(tmp_path / "i")
    assert len(loaded) == 0
    assert loaded.find("x") is not None


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b + b"extra",  # trailing bytes
        lambda b: b"not an index at all",
        lambda b: b.replace(b'"version": 1', b'"version": 9'),
        lambda b: b.replace(b'"papers": 5', b'"papers": 6'),
        lambda b: b[:40] + b"\xff" * 20 + b[60:],  # header garbled
        lambda b: b"",
    ],
)
def test_a_damaged_file_is_refused_not_misread(tmp_path: Path, damage: object) -> None:
    path = tmp_path / "search.index"
    build(PIDS, TEXTS).save(path)
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    with pytest.raises(IndexDamaged):
        WordIndex.load(path)


def test_a_posting_beyond_the_papers_is_refused(tmp_path: Path) -> None:
    index = build(PIDS, TEXTS)
    index._postings[0] = 999
    index.save(tmp_path / "i")
    with pytest.raises(IndexDamaged):
        WordIndex.load(tmp_path / "i")


def test_build_reports_progress() -> None:
    texts = [search_text(f"T{i}", "x") for i in range(4100)]
    seen: list[tuple[int, int]] = []
    build([f"{i:012x}" for i in range(4100)], texts, lambda d, t: seen.append((d, t)))
    assert seen == [(2000, 4100), (4000, 4100)]


def test_texts_and_ids_must_match() -> None:
    with pytest.raises(ValueError, match="2 texts for 1 papers"):
        build(["a"], ["x", "y"])


@given(st.lists(st.booleans(), max_size=300))
def test_pack_sets_bit_i_for_paper_i(marks: list[bool]) -> None:
    expected = sum(1 << i for i, m in enumerate(marks) if m)
    assert _pack(bytes(marks)) == expected


_ALPHABET = "ab-c é1 \n"


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text(alphabet=_ALPHABET, max_size=30), min_size=1, max_size=25),
    st.lists(st.text(alphabet=_ALPHABET, min_size=1, max_size=4), min_size=1, max_size=6),
)
def test_any_needle_matches_a_scan(texts: list[str], needles: list[str]) -> None:
    """Exact for single words, a superset otherwise, whatever the texts and the order in
    which needles are looked up (the index reuses the previous lookup)."""
    hays = [search_text("", t) for t in texts]
    index = build([f"{i:012x}" for i in range(len(hays))], hays)
    for needle in needles:
        needle = needle.casefold()
        found = index.find(needle)
        truth = scan(hays, needle)
        if found is None:
            assert not word_pieces(needle)
            continue
        got = {i for i, m in enumerate(index.mask(found.bits)) if m}
        if found.exact:
            assert got == truth
        else:
            assert got >= truth


def test_damage_that_keeps_the_shape_is_caught_by_the_checksum(tmp_path: Path) -> None:
    path = tmp_path / "search.index"
    build(PIDS, TEXTS).save(path)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # a bit flipped in a bitmap: sizes and structure still fine
    path.write_bytes(bytes(data))
    with pytest.raises(IndexDamaged, match="checksum"):
        WordIndex.load(path)
