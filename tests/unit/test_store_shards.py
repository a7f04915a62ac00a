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
