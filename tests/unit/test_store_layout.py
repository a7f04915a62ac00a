"""papers.json carries its layout: opening decodes the ids, each column on first use."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papertui.store import LibraryDamaged, Store, _LazyColumn, _PackedColumn


def doc(i: int, title: str | None = None) -> dict[str, Any]:
    return {
        "title": title if title is not None else f"Paper {i}",
        "authors_count": i % 7 or None,
        "published": f"2024-01-{i % 28 + 1:02d}",
        "upvotes": i,
        "code_urls": [f"https://github.com/x/{i}"] if i % 3 == 0 else [],
        "project_urls": [],
        "sources": [[f"page{i % 4}.txt", "2024-12-12"]],
        "added_at": "2024-12-12T00:00:00Z",
    }


def save(root: Path, docs: dict[str, dict[str, Any]]) -> None:
    store = Store(root)
    store.save_papers(docs, {}, order=list(docs))
    store.close()


def load(root: Path) -> tuple[list[str], dict[str, Any]]:
    store = Store(root, readonly=True)
    try:
        return store.load_paper_columns()
    finally:
        store.close()


def test_columns_are_decoded_on_first_use_and_the_first_rows_alone(tmp_path: Path) -> None:
    docs = {f"{i:012x}": doc(i) for i in range(3000)}
    save(tmp_path, docs)
    ids, cols = load(tmp_path)
    assert ids == list(docs)
    title = cols["title"]
    assert isinstance(title, _LazyColumn)
    assert title[0] == "Paper 0" and title[41] == "Paper 41"
    assert title._values is None  # the first screen's rows did not decode the column
    assert len(title._head) == 42
    assert title[2999] == "Paper 2999"  # beyond the first rows: the whole column, once
    assert cols["title"] is not title  # and the plain list took its place
    assert cols["title"] == [d["title"] for d in docs.values()]
    code = cols["code_urls"]
    assert isinstance(code, _PackedColumn)
    assert code[3] == ["https://github.com/x/3"] and code[4] == []
    assert list(cols["sources"]) == [d["sources"] for d in docs.values()]
    assert list(cols["upvotes"]) == list(range(3000))


def test_a_hand_edited_file_is_read_whole_and_the_edit_kept(tmp_path: Path) -> None:
    save(tmp_path, {f"{i:012x}": doc(i) for i in range(50)})
    path = tmp_path / "papers.json"
    path.write_bytes(path.read_bytes().replace(b'"Paper 7"', b'"Paper seven, edited"'))
    _ids, cols = load(tmp_path)
    assert not isinstance(cols["title"], _LazyColumn)
    assert cols["title"][7] == "Paper seven, edited"


def test_a_damaged_column_is_reported_at_opening(tmp_path: Path) -> None:
    save(tmp_path, {f"{i:012x}": doc(i) for i in range(50)})
    path = tmp_path / "papers.json"
    path.write_bytes(path.read_bytes().replace(b'"Paper 7"', b'"Paper 7'))
    with pytest.raises(LibraryDamaged, match=r"papers\.json is damaged"):
        load(tmp_path)


def test_a_file_without_a_layout_is_read_whole(tmp_path: Path) -> None:
    save(tmp_path, {f"{i:012x}": doc(i) for i in range(20)})
    path = tmp_path / "papers.json"
    data = json.loads(path.read_bytes())
    del data["layout"]  # as an older papertui wrote it
    path.write_text(json.dumps(data))
    ids, cols = load(tmp_path)
    assert len(ids) == 20
    assert cols["title"][19] == "Paper 19"


def test_threads_decoding_the_same_column_agree(tmp_path: Path) -> None:
    save(tmp_path, {f"{i:012x}": doc(i) for i in range(5000)})
    _ids, cols = load(tmp_path)
    title = cols["title"]
    seen: list[list[Any]] = []

    def read() -> None:
        seen.append([title[i] for i in range(0, 5000, 7)])

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [[f"Paper {i}" for i in range(0, 5000, 7)]] * 4


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=900), min_size=1, max_size=60))
def test_first_rows_decode_like_the_whole_column(titles: list[str]) -> None:
    """Any text (multi-byte characters cut by the decoder's chunks, quotes, escapes)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        save(root, {f"{i:012x}": doc(i, t) for i, t in enumerate(titles)})
        _ids, cols = load(root)
        head = [cols["title"][i] for i in range(len(titles))]
        assert head == titles
        assert cols["title"] == titles


# Values whose text holds what a cut between values looks like: commas after digits,
# quotes and brackets, escapes, nested lists.
_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.text(alphabet=st.sampled_from(list('",1a\\[]n -é\n{}:')), max_size=12),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_value, max_size=40), st.integers(1, 24))
def test_a_column_decoded_in_pieces_is_the_whole_decode(values: list[Any], piece: int) -> None:
    """A worker decoding a 100k column holds the GIL a piece at a time, never for the whole
    ``json.loads``; the values are those of one decode, whatever their text holds."""
    from papertui import store

    raw = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
    original = store._COLUMN_PIECE
    store._COLUMN_PIECE = piece
    try:
        found = store._list_in_pieces(raw)
        assert found is None or found == values
        cut = raw[: len(raw) // 2] + b"]"  # damaged: whatever it decodes to, one decode's
        try:
            whole = json.loads(cut)
        except ValueError:
            assert store._list_in_pieces(cut) is None
        else:
            assert store._list_in_pieces(cut) in (None, whole)
    finally:
        store._COLUMN_PIECE = original


def test_a_long_column_is_decoded_in_pieces(tmp_path: Path, monkeypatch) -> None:
    from papertui import store

    titles = [f'Paper {i}, "quoted", 1,000 GPUs [x]' for i in range(5000)]
    save(tmp_path, {f"{i:012x}": doc(i, t) for i, t in enumerate(titles)})
    monkeypatch.setattr(store, "_COLUMN_PIECE", 1000)
    loads: list[int] = []
    real = json.loads

    def counted(data: Any, *args: Any, **kwargs: Any) -> Any:
        loads.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(store.json, "loads", counted)
    _ids, cols = load(tmp_path)
    loads.clear()
    assert list(cols["title"]) == titles
    assert loads and max(loads) < 3000  # never the whole column (~240 KB) at once


def test_a_loader_decodes_every_column_left(tmp_path: Path) -> None:
    from papertui.corpus import Corpus

    docs = {f"{i:012x}": doc(i) for i in range(3000)}
    save(tmp_path, docs)
    ids, cols = load(tmp_path)
    corpus = Corpus(ids, cols)
    assert corpus.cols["title"][0] == "Paper 0"  # the first screen's row: still lazy
    lazy = [k for k, v in cols.items() if isinstance(v, _LazyColumn)]
    packed = [k for k, v in cols.items() if isinstance(v, _PackedColumn)]
    assert "title" in lazy and "code_urls" in packed
    corpus.decode()
    assert not any(isinstance(v, _LazyColumn) for v in corpus.cols.values())
    for key in packed:
        assert isinstance(corpus.cols[key]._raw, list)  # type: ignore[attr-defined]
    assert corpus.cols["title"] == [d["title"] for d in docs.values()]
    assert corpus.paper(ids[2999]).title == "Paper 2999"
    assert list(corpus.cols["code_urls"])[3] == ["https://github.com/x/3"]
