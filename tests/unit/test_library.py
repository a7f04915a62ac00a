"""The library: import merging, triage state, views, queue order, undo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from papertui.library import Library, LibraryError
from papertui.models import ParsedPaper, Source, paper_id
from papertui.query import parse_query
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
    # Gamma has no published date: it sorts by its page's date (2024-12-12), the date seen.
    assert lib.select("all", None, "date").ids == [g, b, a, d]
    assert lib.select("all", None, "upvotes").ids[0] == g
    assert lib.select("all", None, "title").ids == [a, b, d, g]
    lib.set_starred([a], True)
    lib.set_read([b], True)
    lib.tag([d], add=["x"])
    assert lib.counts() == {
        "inbox": 2,
        "queue": 1,
        "read": 1,
        "all": 4,
        "new": 4,
        "dismissed": 0,
    }
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
        from papertui.texts import Texts

        real = Texts._search_texts
        calls = 0

        def import_meanwhile(self: Texts, abstracts: dict[str, str]) -> dict[str, str]:
            nonlocal calls
            calls += 1
            texts = real(self, abstracts)
            if calls == 1:  # the shard was read before this import
                lib.import_entries(
                    [
                        entry("Alpha", abstract="Much longer new words replace the old ones."),
                        entry("Beta", abstract="A paper that came with the import."),
                    ]
                )
            return texts

        monkeypatch.setattr(Texts, "_search_texts", import_meanwhile)
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


# -- dismissing, the New view, the date seen, queue top/bottom, removing ------------------


@pytest.fixture
def stamped(tmp_path: Path) -> Library:
    """Four papers imported at a known time (the New view compares import stamps)."""
    lib = Library.open(tmp_path / "stamped")
    lib.import_entries(
        [
            entry("Alpha", published=date(2024, 3, 1), upvotes=5),
            entry("Beta", published=date(2024, 5, 1), upvotes=1),
            entry("Gamma"),
            entry("Delta", published=date(2023, 1, 1)),
        ],
        now="2025-01-01T08:00:00+00:00",
    )
    return lib


A, B, G, D = (paper_id(t) for t in ("Alpha", "Beta", "Gamma", "Delta"))


def test_dismiss_takes_papers_out_of_the_inbox_and_the_queue(stamped: Library) -> None:
    stamped.set_starred([A], True)
    change = stamped.set_dismissed([A, B], True)
    assert change.label == "Dismissed 2 papers"
    assert stamped.state(A).dismissed and not stamped.state(A).starred  # dismissing unqueues
    assert stamped.state(A).queue_position is None
    assert stamped.queue() == []
    assert set(stamped.select("inbox").ids) == {G, D}
    assert set(stamped.select("dismissed").ids) == {A, B}
    counts = stamped.counts()
    assert (counts["inbox"], counts["dismissed"], counts["queue"]) == (2, 2, 0)
    # read stays independent: a dismissed paper can be read, and stays dismissed
    stamped.set_read([B], True)
    assert stamped.state(B).dismissed and stamped.state(B).read
    # queueing a dismissed paper takes the dismissal back
    stamped.set_starred([A], True)
    assert stamped.state(A).starred and not stamped.state(A).dismissed
    assert stamped.counts()["dismissed"] == 1


def test_dismiss_is_undone_as_one_action_and_durable(stamped: Library) -> None:
    stamped.set_starred([A], True)
    stamped.set_dismissed([A, B, G], True)
    stamped.undo_last()
    assert not any(stamped.state(p).dismissed for p in (A, B, G))
    assert stamped.state(A).starred  # back in the queue too
    stamped.redo_last()
    root = stamped.root
    stamped.close()
    again = Library.open(root, readonly=True)
    assert {p for p in (A, B, G, D) if again.state(p).dismissed} == {A, B, G}
    assert again.select("all", parse_query("is:dismissed")).ids == again.select("dismissed").ids
    assert set(again.select("all", parse_query("is:inbox")).ids) == {D}


def test_new_view_is_the_latest_import(stamped: Library) -> None:
    assert set(stamped.select("new").ids) == {A, B, G, D}
    stamped.import_entries(
        [entry("Alpha", upvotes=99), entry("Epsilon")], now="2025-01-02T08:00:00+00:00"
    )
    assert stamped.select("new").ids == [paper_id("Epsilon")]  # updated Alpha is not new
    assert stamped.counts()["new"] == 1
    stamped.import_entries([entry("Epsilon")], now="2025-01-03T08:00:00+00:00")  # adds nothing
    assert stamped.select("new").ids == [paper_id("Epsilon")]


def test_papers_without_a_date_sort_by_their_newest_page_date(tmp_path: Path) -> None:
    lib = Library.open(tmp_path)
    lib.import_entries(
        [
            entry("Dated", published=date(2024, 6, 1)),
            entry("Seen late", source=Source("b.txt", "2024-12-20")),
            entry("Seen early", source=Source("c.txt", "2024-01-05")),
            entry("Seen early", source=Source("d.txt", "2024-07-01")),  # its newest page
            entry("Never dated", source=Source("e.txt", None)),
        ]
    )
    order = [lib.title(p) for p in lib.sorted_ids("date")]
    assert order == ["Seen late", "Seen early", "Dated", "Never dated"]
    assert lib.paper(paper_id("Seen early")).date_seen == date(2024, 7, 1)
    # year:/after:/before: keep meaning the published date
    found = lib.select("all", parse_query("year:2024")).ids
    assert [lib.title(p) for p in found] == ["Dated"]
    # the order survives reopening (it is the stored order)
    root = lib.root
    lib.close()
    again = Library.open(root, readonly=True)
    assert [again.title(p) for p in again.sorted_ids("date")] == order


def test_date_seen_sort_on_a_library_stored_without_the_column(tmp_path: Path) -> None:
    """Libraries written before the ``seen`` column still sort by the date seen."""
    lib = Library.open(tmp_path)
    lib.import_entries(
        [
            entry("Dated", published=date(2024, 6, 1)),
            entry("Seen", source=Source("b", "2024-12-20")),
        ]
    )
    lib.close()
    store = Store(tmp_path)
    _storage, db = store._papers()
    table = db.table("papers")
    for doc in table.all():
        table.update({"seen": None}, doc_ids=[doc.doc_id])
    store.close()
    again = Library.open(tmp_path, readonly=True)
    assert [again.title(p) for p in again.sorted_ids("date")] == ["Seen", "Dated"]


def test_queue_top_and_bottom_keep_the_moved_papers_order(stamped: Library) -> None:
    stamped.set_starred([A, B, G, D], True)
    stamped.move_to_end([G, D], top=True)
    assert stamped.queue() == [G, D, A, B]
    stamped.move_to_end([G], top=False)
    assert stamped.queue() == [D, A, B, G]
    assert stamped.move_to_end([D], top=True).after == {}  # already there
    stamped.undo_last()
    assert stamped.queue() == [G, D, A, B]
    stamped.set_starred([A], False)
    with pytest.raises(LibraryError, match="only queued papers"):
        stamped.move_to_end([A], top=True)


def test_added_and_page_filters(stamped: Library) -> None:
    stamped.import_entries(
        [entry("Epsilon", source=Source("z.txt", "2025-02-03"))], now="2025-03-04T12:00:00+00:00"
    )
    eps = paper_id("Epsilon")

    def found(q: str) -> set[str]:
        return set(stamped.select("all", parse_query(q)).ids)

    assert found("added:2025-03-04T12:00:00+00:00") == {eps}  # one import's exact stamp
    assert found("added>2025-02-01") == {eps}
    assert found("added<2025-02-01") == {A, B, G, D}
    assert found("-added>2025-02-01") == {A, B, G, D}
    assert found("page:2025-02-03") == {eps}
    assert found("page:2024-12-12") == {A, B, G, D}
    assert found("-page:2024-12-12") == {eps}


def test_remove_deletes_everything_and_restore_plus_import_brings_it_back(stamped: Library) -> None:
    stamped.set_starred([A], True)
    stamped.tag([A], add=["keep"])
    stamped.set_note(A, "mine")
    stamped.set_read([B], True)
    root = stamped.root
    assert stamped.remove([A, B]) == 2
    assert A not in stamped and len(stamped) == 2
    assert stamped.queue() == [] and stamped.counts()["read"] == 0 and stamped.tags() == {}
    stamped.close()
    again = Library.open(root)
    assert A not in again and len(again) == 2
    assert again.abstract(A) == ""  # gone from its shard
    assert again.state(A).is_default
    again.close()
    # the backup taken before the removal holds their state: restore brings it back...
    store = Store(root)
    backup = store.list_backups()[0]
    store.restore_backup(backup)
    store.close()
    again = Library.open(root)
    assert A not in again and again.queue() == []  # ...out of sight while the paper is gone
    assert again.counts()["all"] == 2 and again.counts()["queue"] == 0
    # ...and importing the page again brings the paper back, new, with its state
    report = again.import_entries([entry("Alpha"), entry("Beta")])
    assert report.new == 2
    assert again.queue() == [A] and again.state(A).note == "mine"
    assert again.state(B).read
    assert set(again.select("new").ids) == {A, B}


def test_remove_clears_the_undo_history(stamped: Library) -> None:
    stamped.set_starred([A], True)
    stamped.remove([A])
    assert stamped.undo_last() is None  # the action named a paper that is gone


def test_the_first_screens_papers_are_known_without_the_id_index(monkeypatch) -> None:
    """A key on one of the first rows (the first seconds' keys) does not build the id
    index of every paper (tens of milliseconds at 100k, on the event loop)."""
    from papertui import corpus as corpus_module
    from papertui.corpus import Corpus

    monkeypatch.setattr(corpus_module, "_ROW_PIECE", 7)  # built in several pieces
    ids = [f"{i:012x}" for i in range(corpus_module._SCAN_ROWS + 50)]
    c = Corpus(list(ids), {})
    assert ids[0] in c and ids[corpus_module._SCAN_ROWS - 1] in c
    assert c.row_map is None
    assert "f" * 12 not in c  # unknown: the index answers
    assert ids[-1] in c
    assert c.row == {pid: i for i, pid in enumerate(ids)}


def test_starring_a_first_row_leaves_the_id_index_for_later(lib: Library, tmp_path: Path) -> None:
    again = Library.open(tmp_path / "lib")
    first = again.ids[0]
    again.set_starred([first], True)
    assert again.corpus.row_map is None
    assert again.state(first).starred
    with pytest.raises(LibraryError):
        again.set_starred(["f" * 16], True)
