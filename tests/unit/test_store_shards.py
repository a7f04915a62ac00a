"""Abstract shards are read a piece at a time, with the same result as one parse."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from papertui import store

# Texts made of the characters that could confuse a cut between documents.
tricky = st.text(alphabet=st.sampled_from(list('"},\\:{ a0é\n')), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(alphabet="0123456789abcdef", min_size=1, max_size=8), tricky))
def test_pieces_give_what_one_parse_gives(abstracts: dict[str, str]) -> None:
    raw = store._dumps({"abstracts": {pid: {"a": text} for pid, text in abstracts.items()}})
    original = store._PIECE
    store._PIECE = 3  # cut after nearly every document
    try:
        assert store._abstract_pieces(raw) == abstracts
    finally:
        store._PIECE = original
    assert store._abstract_pieces(raw) == abstracts


def test_other_layouts_and_damage_are_left_to_the_ordinary_read() -> None:
    good = store._dumps({"abstracts": {"ab": {"a": "x"}, "cd": {"a": "y"}}})
    assert store._abstract_pieces(good) == {"ab": "x", "cd": "y"}
    assert store._abstract_pieces(good[:-3]) is None  # cut short
    assert store._abstract_pieces(good.replace(b'"y"', b"3")) is None  # wrong shape
    assert store._abstract_pieces(json.dumps({"abstracts": {"ab": {"a": "x"}}}).encode()) is None
    assert store._abstract_pieces(b"\x00garbage") is None


def test_a_library_shard_loads_through_the_pieces(tmp_path, monkeypatch) -> None:
    s = store.Store(tmp_path)
    texts = {f"{i:02x}" + "0" * 38: f'abstract "{i}" }},{{' * 50 for i in range(64)}
    with s.corpus_write():
        s.save_papers({pid: {"title": pid} for pid in texts}, texts)
    monkeypatch.setattr(store, "_PIECE", 100)

    def whole_parse(self: store.AbstractStorage) -> None:
        raise AssertionError("the shard was parsed whole")

    monkeypatch.setattr(store.AbstractStorage, "read", whole_parse)
    loaded: dict[str, str] = {}
    for shard in range(store.SHARDS):
        loaded.update(s.load_abstract_shard(shard))
    assert loaded == texts


def _library_with(tmp_path, texts: dict[str, str]):
    from papertui.library import Library

    s = store.Store(tmp_path)
    with s.corpus_write():
        s.save_papers({pid: {"title": f"T {pid[:4]}"} for pid in texts}, texts)
    return Library.open(tmp_path)


def test_a_big_library_keeps_where_abstracts_lie_not_their_text(tmp_path, monkeypatch) -> None:
    from papertui import texts as texts_module

    monkeypatch.setattr(texts_module, "LOCATE_MIN", 1)  # "big" from one paper
    monkeypatch.setattr(store, "_PIECE", 200)  # several pieces per shard
    abstracts = {f"{i:02x}" + "1" * 10: f'Abstract "{i}" }},{{ é' * 20 for i in range(200)}
    lib = _library_with(tmp_path, abstracts)
    lib.load_abstracts()
    held = lib.texts.abstracts
    assert not held and len(lib.texts.located) == len(abstracts)  # nothing held
    assert {pid: lib.abstract(pid) for pid in abstracts} == abstracts  # read again, right
    assert lib.texts.haystack(next(iter(abstracts))).startswith("t ")  # search texts kept


def test_a_shard_replaced_by_another_process_is_located_again(tmp_path, monkeypatch) -> None:
    from papertui import texts as texts_module
    from papertui.library import Library

    monkeypatch.setattr(texts_module, "LOCATE_MIN", 1)
    monkeypatch.setattr(store, "_PIECE", 200)
    abstracts = {f"{i:02x}" + "2" * 10: f"first text of {i} " * 15 for i in range(128)}
    lib = _library_with(tmp_path, abstracts)
    lib.load_abstracts()
    # another process rewrites every shard: one paper's abstract grows, which moves the rest
    changed = next(iter(abstracts))
    with Library.open(tmp_path) as other, other.store.corpus_write():
        other.store.save_papers({changed: {"title": "T x"}}, {changed: "longer " * 400})
    located_again: list[int] = []
    again = lib.texts._locate_again
    monkeypatch.setattr(lib.texts, "_locate_again", lambda s: located_again.append(s) or again(s))
    unchanged = [p for p in abstracts if p != changed]
    assert [lib.abstract(p) for p in unchanged] == [abstracts[p] for p in unchanged]
    assert located_again == [store.shard_of(changed)]  # once, for the shard that changed


def test_a_shard_not_in_papertuis_layout_is_held_whole(tmp_path, monkeypatch) -> None:
    from papertui import texts as texts_module

    monkeypatch.setattr(texts_module, "LOCATE_MIN", 1)
    abstracts = {"ab" + "3" * 10: "one", "cd" + "3" * 10: "two"}
    lib = _library_with(tmp_path, abstracts)
    for shard in {store.shard_of(p) for p in abstracts}:
        path = lib.store.abstract_path(shard)
        path.write_text(json.dumps(json.loads(path.read_text()), indent=1))  # other layout
    lib.load_abstracts()
    assert lib.texts.abstracts == abstracts and not lib.texts.located


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(st.text(alphabet="0123456789abcdef", min_size=2, max_size=8), tricky),
    st.text(alphabet="0123456789abcdef", min_size=2, max_size=8),
)
def test_one_abstract_read_alone_is_the_one_in_its_shard(
    abstracts: dict[str, str], absent: str
) -> None:
    """The document is found by its key, whatever the texts around it hold (quotes,
    braces, keys written out inside an abstract)."""
    import tempfile
    from pathlib import Path

    abstracts = {**abstracts, "00ab": 'x "00ab":{"a":"fake"} y'}
    abstracts.pop(absent, None)
    with tempfile.TemporaryDirectory() as tmp:
        s = store.Store(Path(tmp))
        shards: dict[int, dict[str, dict[str, str]]] = {}
        for pid, text in abstracts.items():
            shards.setdefault(store.shard_of(pid), {})[pid] = {"a": text}
        s.abstract_path(0).parent.mkdir(parents=True, exist_ok=True)
        for shard, docs in shards.items():
            s.abstract_path(shard).write_bytes(store._dumps({"abstracts": docs}))
        for pid, text in abstracts.items():
            found = s.read_one_abstract(pid)
            assert found is not None and found[0] == text
        found = s.read_one_abstract(absent)
        assert found is not None and found[0] == ""


def test_one_abstract_from_another_layout_is_left_to_the_whole_read(tmp_path) -> None:
    s = store.Store(tmp_path)
    pid = "ab" + "4" * 10
    s.abstract_path(0).parent.mkdir(parents=True, exist_ok=True)
    path = s.abstract_path(store.shard_of(pid))
    path.write_text(json.dumps({"abstracts": {pid: {"a": "one"}}}, indent=1))
    assert s.read_one_abstract(pid) is None
    assert s.read_one_abstract("cd" + "4" * 10) == ("", (0, 0, 0, 0))  # no shard file


def test_the_shown_papers_abstract_is_read_without_its_shard(tmp_path, monkeypatch) -> None:
    """What the detail pane asks for before the loader reached the shard: only that
    abstract is read (the whole shard, search texts made, was ~100 ms on the event loop)."""
    from papertui import texts as texts_module

    monkeypatch.setattr(texts_module, "LOCATE_MIN", 1)
    abstracts = {f"{i:02x}" + "5" * 10: f'Abstract "{i}" }},{{ é' * 20 for i in range(64)}
    lib = _library_with(tmp_path, abstracts)
    first = next(iter(abstracts))

    def whole_shard(self: object, shard: int, *, locate: bool) -> None:
        raise AssertionError("the whole shard was read")

    with monkeypatch.context() as m:
        m.setattr(texts_module.Texts, "_read_shard", whole_shard)
        assert {pid: lib.abstract(pid, alone=True) for pid in abstracts} == abstracts
    assert not lib.texts.loaded_shards and not lib.texts.abstracts
    lib.texts.take({first: "changed"})  # an import changed it: the new text, not the kept one
    assert lib.abstract(first, alone=True) == "changed"
    lib.load_abstracts()  # the loader's read of every shard is unchanged by the kept copies
    assert lib.texts.sources.keys() == {store.shard_of(p) for p in abstracts} - {
        store.shard_of(first)
    }
    assert lib.abstract(first) == "changed"
    assert lib.abstract(next(reversed(abstracts))) == abstracts[next(reversed(abstracts))]
