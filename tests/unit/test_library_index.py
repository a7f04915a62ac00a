"""Searching with the word index gives exactly what searching without it gives."""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from papertui.library import INDEX_FILE, Library
from papertui.models import ParsedPaper, Source
from papertui.query import parse_query

WORDS = [
    "diffusion",
    "model",
    "models",
    "retrieval",
    "augmented",
    "generation",
    "transformer",
    "vision",
    "language",
    "agents",
    "reasoning",
    "3d-gan",
    "gpt-4",
    "c++",
    "naïve",
    "benchmark",
    "sparse",
    "dense",
    "quokkaformer",
    "policy",
]

QUERIES = [
    "d",
    "di",
    "diffusion",
    "diffusion model",
    '"diffusion model"',
    "3d-gan",
    "gpt-4",
    "c++",
    "naïve",
    "NAÏVE",
    "-diffusion",
    "retrieval -augmented",
    'agents -"vision language"',
    "diffusion is:unread",
    "diffusion is:starred",
    "transformer upvotes>5",
    "quokka",
    "zzzz",
    '"++"',
    "diffusion OR retrieval",
]


def papers(count: int, seed: int, start: int = 0) -> list[ParsedPaper]:
    rng = random.Random(seed)
    src = Source("page.txt", "2024-12-12")
    out = []
    for i in range(start, start + count):
        abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))
        out.append(
            ParsedPaper(
                title=f"Paper {i} {rng.choice(WORDS)}",
                abstract=abstract,
                source=src,
                line=1,
                published=date(2024, 1, 1) + timedelta(days=rng.randint(0, 300)),
                upvotes=rng.randint(0, 20),
            )
        )
    return out


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.import_entries(papers(150, seed=1))
        ids = list(lib.ids)
        lib.set_starred(ids[::7], True)
        lib.set_read(ids[::5], True)
    return root


def assert_same_results(indexed: Library, plain: Library) -> None:
    plain.load_abstracts()  # full-text search for both
    indexed.load_abstracts()
    for view in ("all", "inbox", "read", "queue"):
        for sort in ("date", "title", "upvotes"):
            for text in QUERIES:
                query = parse_query(text)
                got = indexed.select(view, query, sort).ids
                want = plain.select(view, query, sort).ids
                assert got == want, (view, sort, text)


def test_searches_through_the_index_match_a_scan(root: Path) -> None:
    with Library.open(root) as lib:
        lib.build_search_index()
    with Library.open(root) as lib, Library.open(root, readonly=True) as plain:
        status = lib.attach_search_index()
        assert (status.covered, status.total, status.problem) == (150, 150, None)
        assert status.complete
        assert lib.words.index is not None
        assert_same_results(lib, plain)


def test_papers_imported_after_the_index_are_still_found(root: Path, tmp_path: Path) -> None:
    with Library.open(root) as lib:
        lib.build_search_index()
    twin = tmp_path / "twin"
    shutil.copytree(root, twin)
    (twin / INDEX_FILE).unlink()
    with Library.open(root) as lib, Library.open(twin) as plain:
        lib.attach_search_index()
        lib.import_entries(papers(40, seed=2, start=1000))
        plain.import_entries(papers(40, seed=2, start=1000))
        assert lib.search_index_status().covered == 150
        assert lib.search_index_status().total == 190
        assert_same_results(lib, plain)


def add_zebra(lib: Library, pid: str) -> None:
    """Re-import a paper with a longer abstract: the import refreshes it."""
    entry = ParsedPaper(
        title=lib.title(pid),
        abstract=lib.abstract(pid) + " zebra-crossing",
        source=Source("later.txt", "2024-12-13"),
        line=1,
    )
    lib.import_entries([entry])


def test_a_paper_whose_text_changed_is_not_taken_from_the_index(root: Path) -> None:
    with Library.open(root) as lib:
        lib.build_search_index()
        first = lib.ids[0]
        add_zebra(lib, first)
    with Library.open(root) as lib:
        status = lib.attach_search_index()
        assert (status.covered, status.total) == (149, 150)
        assert lib.select("all", parse_query("zebra"), "date").ids == [first]
        assert lib.select("all", parse_query("zebra-crossing"), "title").ids == [first]


def test_a_phrase_in_a_changed_text_is_found_in_the_new_text(root: Path) -> None:
    with Library.open(root) as lib:
        lib.build_search_index()
        first = lib.ids[0]
        entry = ParsedPaper(
            title=lib.title(first),
            abstract=lib.abstract(first) + " a zebra crossing, then diffusion models",
            source=Source("later.txt", "2024-12-13"),
            line=1,
        )
        lib.import_entries([entry])
    with Library.open(root) as lib:
        lib.attach_search_index()
        for sort in ("date", "title"):
            assert lib.select("all", parse_query('"zebra crossing"'), sort).ids == [first]
            assert lib.select("all", parse_query('"crossing zebra"'), sort).ids == []
            assert lib.select("all", parse_query('"crossing then"'), sort).ids == []  # a comma
            hits = lib.select("all", parse_query('"diffusion model"'), sort).ids
            assert first in hits
            assert hits == [
                p for p in lib.sorted_ids(sort) if "diffusion model" in lib.texts.haystack(p)
            ]


def test_a_missing_or_damaged_index_is_not_an_error(root: Path) -> None:
    with Library.open(root) as lib, Library.open(root, readonly=True) as plain:
        status = lib.attach_search_index()
        assert status.problem == "no index yet"
        assert status.covered == 0
        (root / INDEX_FILE).write_bytes(b"garbage")
        status = lib.attach_search_index()
        assert status.problem is not None and status.problem.startswith("unusable index")
        assert lib.words.index is None
        assert_same_results(lib, plain)


def test_the_index_is_built_on_a_read_only_library(root: Path) -> None:
    with Library.open(root) as writer, Library.open(root, readonly=True) as reader:
        index = reader.build_search_index()
        assert len(index) == 150
        assert writer.attach_search_index().complete


FILTER_QUERIES = [
    "is:unread diffusion",
    "-is:starred",
    "is:inbox",
    "tag:later",
    "-tag:later model",
    'tag:"two words" OR quokkaformer',
    "has:tags OR has:note",
    "upvotes>10 OR retrieval",
    "-upvotes>10",
    "after:2024-06-01 -before:2024-08-01",
    "year:2024 (diffusion OR vision) -is:read",
    "is:dismissed OR is:starred",
    "-is:dismissed model",
    "added:today OR retrieval",
    "page:2024-12-12 -diffusion",
]


def test_filters_on_bitmaps_follow_each_action_and_other_processes(root: Path) -> None:
    """The state bitmaps are updated change by change: after actions here and writes by
    another process, every view and filter still gives what a scan gives."""
    with Library.open(root) as lib:
        lib.build_search_index()
    with (
        Library.open(root) as lib,
        Library.open(root) as other,
        Library.open(root, readonly=True) as plain,
    ):
        lib.attach_search_index()
        lib.load_abstracts()
        plain.load_abstracts()
        ids = list(lib.ids)

        def same() -> None:
            plain.refresh()
            for view in ("all", "inbox", "read", "dismissed"):
                for text in FILTER_QUERIES + QUERIES[-6:]:
                    query = parse_query(text)
                    assert lib.select(view, query).ids == plain.select(view, query).ids, (
                        view,
                        text,
                    )

        same()  # builds the bitmaps
        lib.tag(ids[:20], add=["later", "two words"], remove=[])
        lib.set_read(ids[3:30], True)
        lib.set_note(ids[40], "look again")
        lib.set_dismissed(ids[30:45], True)
        same()
        lib.tag(ids[:10], add=[], remove=["later"])
        lib.set_starred(ids[::7], False)
        lib.undo_last()
        same()
        other.set_read(ids[50:60], True)
        other.tag(ids[60:70], add=["later"], remove=[])
        lib.refresh()
        same()


@pytest.fixture
def big(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat every library as big: abstracts located, not held (papertui.texts)."""
    from papertui import texts

    monkeypatch.setattr(texts, "LOCATE_MIN", 1)


def test_an_index_built_from_the_same_files_is_used_without_checking_each_text(
    root: Path, big: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from papertui import wordindex

    with Library.open(root) as lib:
        lib.build_search_index()

    def no_checks(text: str) -> int:
        raise AssertionError("a text was checked against the index")

    with monkeypatch.context() as m, Library.open(root) as lib:
        m.setattr(wordindex, "signature", no_checks)
        status = lib.attach_search_index()
        assert (status.covered, status.total) == (150, 150)
    with Library.open(root) as lib, Library.open(root, readonly=True) as plain:
        lib.attach_search_index()
        assert_same_results(lib, plain)


def test_a_file_changed_since_the_index_was_built_sends_it_back_to_checking(
    root: Path, big: None
) -> None:
    with Library.open(root) as lib:
        lib.build_search_index()
        first = lib.ids[0]
    with Library.open(root) as other:  # another process refreshes one paper's abstract
        add_zebra(other, first)
    with Library.open(root) as lib:
        status = lib.attach_search_index()
        assert (status.covered, status.total) == (149, 150)  # checked: the changed one is out
        assert lib.select("all", parse_query("zebra"), "date").ids == [first]


@pytest.mark.parametrize("first", ["into an empty library", "into one with papers"])
def test_the_first_opening_after_an_import_uses_its_index_without_checking_texts(
    first: str, tmp_path: Path, big: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What users meet after ``papertui import``: the app reads the files the import wrote
    and the index it built from them, so it takes the index as it is."""
    from papertui import importer, wordindex
    from papertui.cli import main as cli_main
    from tests.conftest import PAGES

    root = tmp_path / "lib"
    pages = sorted(PAGES.glob("*.txt"))
    monkeypatch.setattr(importer, "INDEX_MIN_PAPERS", 10)
    if first == "into one with papers":
        assert cli_main(["--data-dir", str(root), "import", str(pages[0])]) == 0
    assert cli_main(["--data-dir", str(root), "import", *map(str, pages)]) == 0
    assert (root / "search.index.sources").is_file()

    def no_checks(text: str) -> int:
        raise AssertionError("a text was checked against the index")

    monkeypatch.setattr(wordindex, "signature", no_checks)
    with Library.open(root) as lib:
        lib.load_abstracts()
        status = lib.attach_search_index()
        assert status.complete and status.covered == len(lib)
        monkeypatch.undo()
        with Library.open(root, readonly=True) as plain:
            assert_same_results(lib, plain)
