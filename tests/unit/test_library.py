"""The library: import merging, triage state, views, queue order, undo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from papertui.library import Library, LibraryError
from papertui.models import ParsedPaper, Source, paper_id
from papertui.store import Store

SRC = Source("a.txt", "2024-12-12")


def entry(title: str, **kw: object) -> ParsedPaper:
    base: dict[str, object] = {
        "title": title,
        "abstract": f"About {title}.",
        "source": SRC,
        "line": 1,
    }
    base.update(kw)
    return ParsedPaper(**base)  # type: ignore[arg-type]


@pytest.fixture
def lib(tmp_path: Path) -> Library:
    lib = Library.open(tmp_path / "lib")
    lib.import_entries(
        [
            entry("Alpha", published=date(2024, 3, 1), upvotes=5),
            entry(
                "Beta", published=date(2024, 5, 1), upvotes=1, code_urls=("https://github.com/b/b",)
            ),
            entry("Gamma", published=None, upvotes=9),
            entry("Delta", published=date(2023, 1, 1)),
        ]
    )
    return lib


def ids(lib: Library, *titles: str) -> list[str]:
    return [paper_id(t) for t in titles]


def test_duplicates_merge_keeping_richest_metadata_and_all_sources(tmp_path: Path) -> None:
    lib = Library.open(tmp_path)
    report = lib.import_entries(
        [
            entry("Same  Title", abstract="short", source=Source("a.txt", None)),
            entry(
                "same title",
                abstract="a much longer abstract",
                upvotes=7,
                authors_count=3,
                published=date(2024, 1, 2),
                source=Source("b.txt", "2024-12-12"),
            ),
        ]
    )
    assert (report.total, report.new) == (1, 1)
    pid = paper_id("Same Title")
    p = lib.paper(pid)
    assert p.title == "Same  Title"
    assert (p.upvotes, p.authors_count, p.published) == (7, 3, date(2024, 1, 2))
    assert [s.file for s in p.sources] == ["a.txt", "b.txt"]
    assert lib.abstract(pid) == "a much longer abstract"


def test_reimport_keeps_state_and_refreshes_metadata(lib: Library) -> None:
    a, b = ids(lib, "Alpha", "Beta")
    lib.set_starred([a], True)
    lib.tag([a], add=["ml"])
    lib.set_note(a, "keep me")
    lib.set_read([b], True)
    report = lib.import_entries(
        [entry("Alpha", published=date(2024, 3, 1), upvotes=5), entry("Beta")]
    )
    assert (report.new, report.updated, report.unchanged) == (0, 0, 2)
    report = lib.import_entries([entry("Alpha", upvotes=50)])
    assert (report.new, report.updated) == (0, 1)
    root = lib.root
    lib.close()
    lib = Library.open(root)
    assert lib.paper(a).upvotes == 50
    s = lib.state(a)
    assert (s.starred, s.tags, s.note) == (True, ("ml",), "keep me")
    assert lib.state(b).read


def test_views_counts_and_sorts(lib: Library) -> None:
    a, b, g, d = ids(lib, "Alpha", "Beta", "Gamma", "Delta")
    assert lib.select("all", None, "date").ids == [b, a, d, g]
    assert lib.select("all", None, "upvotes").ids[0] == g
    assert lib.select("all", None, "title").ids == [a, b, d, g]
    lib.set_starred([a], True)
    lib.set_read([b], True)
    lib.tag([d], add=["x"])
    assert lib.counts() == {"inbox": 2, "queue": 1, "read": 1, "all": 4}
    assert set(lib.select("inbox").ids) == {g, d}
    assert lib.select("read").ids == [b]
    assert lib.select("tag:x").ids == [d]
    with pytest.raises(LibraryError):
        lib.select("nonsense")


def test_queue_order_and_moves(lib: Library) -> None:
    a, b, g = ids(lib, "Alpha", "Beta", "Gamma")
    lib.set_starred([a], True)
    lib.set_starred([b, g], True)
    assert lib.queue() == [a, b, g]
    lib.move_in_queue(g, -1)
    assert lib.queue() == [a, g, b]
    lib.move_in_queue(a, +5)
    assert lib.queue() == [g, b, a]
    lib.set_starred([b], False)
    assert lib.queue() == [g, a] and lib.state(b).queue_position is None
    with pytest.raises(LibraryError):
        lib.move_in_queue(b, 1)


def test_undo_redo_batch(lib: Library) -> None:
    a, b = ids(lib, "Alpha", "Beta")
    lib.set_starred([a, b], True)
    lib.tag([a, b], add=["t1", "t2"], remove=[])
    lib.undo_last()
    assert lib.state(a).tags == () and lib.state(b).starred
    lib.undo_last()
    assert not lib.state(a).starred and not lib.state(b).starred
    assert lib.undo_last() is None
    lib.redo_last()
    assert lib.queue() == [a, b]
    root = lib.root
    lib.close()
    assert Library.open(root, readonly=True).queue() == [a, b]  # undo/redo are saved too


def test_tags_are_normalised_and_removable(lib: Library) -> None:
    (a,) = ids(lib, "Alpha")
    lib.tag([a], add=["  Deep Learning ", "ML"])
    assert lib.state(a).tags == ("deep-learning", "ml")
    lib.tag([a], remove=["ml"])
    assert lib.state(a).tags == ("deep-learning",)
    with pytest.raises(LibraryError):
        lib.tag([a], add=["  "])


def test_untouched_state_is_forgotten(lib: Library) -> None:
    (a,) = ids(lib, "Alpha")
    lib.set_read([a], True)
    lib.set_read([a], False)
    assert lib.state(a).is_default
    assert a not in lib.store.load_states()


def test_resolve_prefix(lib: Library) -> None:
    (a,) = ids(lib, "Alpha")
    assert lib.resolve(a[:6]) == a
    assert lib.resolve(a.upper()) == a
    with pytest.raises(LibraryError, match="no paper"):
        lib.resolve("zzzz")
    seen: dict[str, str] = {}
    n = 0
    while True:  # find two titles whose ids share a 3-digit prefix
        n += 1
        title = f"Paper {n}"
        prefix = paper_id(title)[:3]
        if prefix in seen:
            break
        seen[prefix] = title
    lib.import_entries([entry(title), entry(seen[prefix])])
    with pytest.raises(LibraryError, match="ambiguous"):
        lib.resolve(prefix)
    assert lib.resolve(paper_id(title)[:12]) == paper_id(title)


@pytest.mark.parametrize("view", ["all", "inbox", "queue", "read", "tag:ml"])
def test_select_matches_the_query_predicate_exactly(seeded_dir: Path, view: str) -> None:
    """The fast paths (plain words, refinement while typing) agree with the plain predicate."""
    from papertui.query import parse_query, search_text

    lib = Library.open(seeded_dir)
    some = lib.sorted_ids("date")
    lib.set_starred(some[:40], True)
    lib.set_read(some[20:70], True)
    lib.tag(some[10:90:3], add=["ml"])
    lib.load_abstracts()

    def brute(q: str) -> list[str]:
        pred = parse_query(q).predicate
        return [
            p
            for p in lib.view_ids(view, "date")
            if pred(lib.paper(p), lib.state(p), search_text(lib.title(p), lib.abstract(p)))
        ]

    typed = ["d", "di", "dif", "diff", "diffusion", "diffusion ", "diffusion v", "diffusion vi"]
    for q in [
        *typed,
        "transformer video",
        '"vision transformer"',
        "diffusion -video",
        "has:code",
        "upvotes>5 OR transformer",
        "zzzz",
        "[nextline]",
    ]:
        assert lib.select(view, parse_query(q), "date").ids == brute(q), q
    lib.close()


def test_search_before_abstracts_load_uses_titles_and_says_so(seeded_dir: Path) -> None:
    from papertui.query import parse_query

    lib = Library.open(seeded_dir)
    sel = lib.select("all", parse_query("nextframe"))  # only in an abstract
    assert sel.partial and sel.ids == []
    lib.load_abstracts()
    sel = lib.select("all", parse_query("nextframe"))
    assert not sel.partial and len(sel.ids) == 1
    lib.close()


def test_failed_undo_stays_undoable(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    (a,) = ids(lib, "Alpha")
    lib.set_starred([a], True)

    def full(_docs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    real = lib.store.put_states
    monkeypatch.setattr(lib.store, "put_states", full)
    with pytest.raises(OSError):
        lib.undo_last()
    assert lib.state(a).starred  # memory unchanged
    monkeypatch.setattr(lib.store, "put_states", real)
    assert lib.undo_last() is not None  # still there to undo
    assert not lib.state(a).starred


def test_moving_past_either_end_of_the_queue_says_which(lib: Library) -> None:
    a, b = ids(lib, "Alpha", "Beta")
    lib.set_starred([a, b], True)
    assert lib.move_in_queue(a, -1).label == "Already at the top of the queue"
    assert lib.move_in_queue(b, +1).label == "Already at the end of the queue"


@pytest.mark.parametrize(
    "stored",
    [
        ["b", "a", "c", "d"],  # dates out of order
        ["a", "c", "b", "d"],  # same date, upvotes out of order
        ["a", "b", "c", "d"],  # the date order itself (no sort needed)
    ],
)
def test_date_sort_holds_whatever_order_the_corpus_was_stored_in(
    tmp_path: Path, stored: list[str]
) -> None:
    """Newest first, then most upvoted: a library stored in another order (an older
    version, a hand edit) is still sorted right."""
    docs = {
        "a": {"title": "A", "published": "2024-05-02", "upvotes": 1},
        "b": {"title": "B", "published": "2024-05-01", "upvotes": 9},
        "c": {"title": "C", "published": "2024-05-01", "upvotes": 3},
        "d": {"title": "D", "published": None, "upvotes": None},
    }
    for doc in docs.values():
        doc.update(authors_count=None, code_urls=[], project_urls=[], sources=[], added_at="x")
    store = Store(tmp_path / "lib")
    store.save_papers(docs, {}, order=stored)
    store.close()
    with Library.open(tmp_path / "lib") as lib:
        assert list(lib.ids) == stored
        assert lib.sorted_ids("date") == ["a", "b", "c", "d"]


def test_a_search_before_the_abstracts_load_reads_titles_only(tmp_path: Path) -> None:
    """Partial results are the titles' (what the app says meanwhile), whichever abstract
    shards happen to be in already; then the abstracts count too."""
    from papertui.query import parse_query

    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.import_entries(
            [
                entry("Zebra paper", abstract="Nothing special."),
                entry("Other paper", abstract="This one mentions zebra crossings."),
            ]
        )
    with Library.open(root) as lib:
        other = paper_id("Other paper")
        assert lib.abstract(other)  # its shard is in, the others not
        assert not lib.abstracts_loaded
        found = lib.select("all", parse_query("zebra"), "date")
        assert found.partial
        assert [lib.title(p) for p in found.ids] == ["Zebra paper"]
        lib.load_abstracts()
        found = lib.select("all", parse_query("zebra"), "date")
        assert not found.partial
        assert sorted(lib.title(p) for p in found.ids) == ["Other paper", "Zebra paper"]


def test_an_import_while_a_shard_is_read_is_not_undone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app reads abstract shards in a worker while an import may run in another: an
    import that lands between reading a shard and storing it must win."""
    from papertui.query import parse_query

    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.import_entries([entry("Alpha", abstract="Obsolete.")])
    with Library.open(root) as lib:
        real = Library._search_texts
        calls = 0

        def import_meanwhile(self: Library, abstracts: dict[str, str]) -> dict[str, str]:
            nonlocal calls
            calls += 1
            texts = real(self, abstracts)
            if calls == 1:  # the shard was read before this import
                self.import_entries(
                    [
                        entry("Alpha", abstract="Much longer new words replace the old ones."),
                        entry("Beta", abstract="A paper that came with the import."),
                    ]
                )
            return texts

        monkeypatch.setattr(Library, "_search_texts", import_meanwhile)
        lib.load_abstracts()
        alpha = paper_id("Alpha")
        assert lib.abstract(alpha) == "Much longer new words replace the old ones."
        assert lib.select("all", parse_query("replace"), "date").ids == [alpha]
        assert lib.select("all", parse_query("obsolete"), "date").ids == []
        assert len(lib.select("all", parse_query("import"), "date").ids) == 1


def test_a_one_character_prefix_is_ambiguous_like_longer_ones(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "one")
    titles = [f"Paper {n}" for n in range(40)]
    lib.import_entries([entry(t) for t in titles])
    firsts = [paper_id(t)[0] for t in titles]
    shared = next(c for c in firsts if firsts.count(c) > 1)
    with pytest.raises(LibraryError, match=f"id prefix '{shared}' is ambiguous"):
        lib.resolve(shared)
    # A prefix only one paper has is that paper, whatever its length.
    unique = next(c for c in firsts if firsts.count(c) == 1)
    assert lib.resolve(unique) == paper_id(titles[firsts.index(unique)])
    absent = next(c for c in "0123456789abcdef" if c not in firsts)
    with pytest.raises(LibraryError, match=f"no paper with id '{absent}'"):
        lib.resolve(absent)
