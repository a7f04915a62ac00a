"""The search index built with the ranking features in a helper process (an import's
build): the same caches as the serial build, and a clear failure when the helper fails."""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import shutil
from pathlib import Path

import pytest

from papertui.featuresjob import GO, FeaturesJob, FeaturesJobFailed, main
from papertui.library import INDEX_FILE, Library
from papertui.relevance import FEATURES_FILE
from papertui.store import SHARDS, Store


def _caches(root: Path) -> tuple[bytes, bytes]:
    return (root / INDEX_FILE).read_bytes(), (root / FEATURES_FILE).read_bytes()


def _signatures(root: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Each paper's text checksum in the word index and in the features (their papers may
    come in another order: the corpus in memory after an import is not yet in date order)."""
    from papertui.ranking import Features
    from papertui.wordindex import WordIndex

    index = WordIndex.load(root / INDEX_FILE)
    feats = Features.load(root / FEATURES_FILE)
    assert len(index) == len(feats) == 257
    return dict(zip(index.pids, index.sigs, strict=True)), dict(
        zip(feats.ids, feats.sigs, strict=True)
    )


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if ".tmp-" in p.name)


def test_parallel_build_writes_the_same_caches_as_the_serial_one(seeded_dir: Path) -> None:
    with Library.open(seeded_dir) as lib:
        lib.build_search_index()
        serial = _caches(seeded_dir)
        (seeded_dir / INDEX_FILE).unlink()
        (seeded_dir / FEATURES_FILE).unlink()
        index = lib.words.build(parallel=True)
    assert len(index) == 257
    assert _caches(seeded_dir) == serial
    assert _leftovers(seeded_dir) == []


def test_build_uses_the_abstracts_in_memory_after_an_import_into_an_empty_library(
    isolated_data_dir: Path, pages_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from papertui.importer import import_paths

    with Library.open(isolated_data_dir) as lib:
        import_paths(lib, [str(pages_dir)])
        assert not lib.words.texts.loaded  # every abstract is in memory, no shard read
        read: list[int] = []
        original = Store.load_abstract_shard

        def load(store: Store, shard: int) -> dict[str, str]:
            read.append(shard)
            return original(store, shard)

        monkeypatch.setattr(Store, "load_abstract_shard", load)
        lib.words.build(parallel=True)
        assert read == []
        in_memory = _signatures(isolated_data_dir)
    with Library.open(isolated_data_dir) as lib:  # the same texts, read from the shards
        lib.words.build()
        assert sorted(set(read)) == list(range(SHARDS))
        assert _signatures(isolated_data_dir) == in_memory
        lib.load_abstracts()
        assert lib.attach_search_index().complete


def test_a_failing_helper_is_one_clear_line_and_leaves_no_half_written_cache(
    seeded_dir: Path,
) -> None:
    (seeded_dir / FEATURES_FILE).mkdir()  # the features cannot be written there
    with Library.open(seeded_dir) as lib, pytest.raises(FeaturesJobFailed) as failed:
        lib.words.build(parallel=True)
    message = str(failed.value)
    assert "\n" not in message
    assert message.startswith("the ranking features were not built: ")
    assert "cannot write the ranking features" in message
    assert (seeded_dir / INDEX_FILE).is_file()  # the word index is written all the same
    assert (seeded_dir / FEATURES_FILE).is_dir()
    assert _leftovers(seeded_dir) == []


def test_a_helper_that_gets_truncated_input_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = pickle.dumps((str(tmp_path), ["a", "b"], ["one\ntext", "two\ntexts"], 2))
    assert main(io.BytesIO(data[: len(data) // 2])) == 1  # its parent was killed mid-send
    assert "no complete input" in capsys.readouterr().err
    assert main(io.BytesIO(data)) == 1  # killed before its import had stored the papers
    assert "the import did not finish" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert main(io.BytesIO(data + GO)) == 0
    assert (tmp_path / FEATURES_FILE).is_file()


def test_a_job_stopped_before_it_is_sent_anything_writes_nothing(tmp_path: Path) -> None:
    with FeaturesJob.start() as job, pytest.raises(FeaturesJobFailed, match="given no texts"):
        job.wait()
    assert list(tmp_path.iterdir()) == []


def test_import_warns_in_one_line_when_only_the_features_failed(
    capsys: pytest.CaptureFixture[str], pages_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from papertui import importer
    from papertui.cli import main as cli_main

    root = Path(os.environ["PAPERTUI_DATA_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    (root / FEATURES_FILE).mkdir()
    monkeypatch.setattr(importer, "INDEX_MIN_PAPERS", 100)
    assert cli_main(["import", str(pages_dir)]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert "ranking features were not built" in warnings[0]
    assert (root / INDEX_FILE).is_file()
    shutil.rmtree(root / FEATURES_FILE)
    with Library.open(root) as lib:  # the app makes the features when it needs them
        lib.load_abstracts()
        assert lib.attach_search_index().complete
        assert len(lib.relevance.ensure()) == len(lib)


def test_merged_texts_are_the_texts_merge_entries_keeps() -> None:
    from papertui.merge import merge_entries, merged_texts
    from papertui.models import ParsedPaper, Source

    def entry(title: str, abstract: str, page: str) -> ParsedPaper:
        return ParsedPaper(title, abstract, Source(page, "2025-01-01"), line=1)

    entries = [
        entry("Sparse Diffusion", "short", "a.txt"),
        entry("Dense Retrieval", "", "a.txt"),
        entry("sparse  diffusion", "a longer abstract", "b.txt"),  # the same paper
        entry("Sparse Diffusion", "same size abstract", "c.txt"),  # as long: the first stays
        entry("Dense Retrieval", "found later", "c.txt"),
    ]
    merged = merge_entries(entries)
    assert merged_texts(entries) == {pid: (m.title, m.abstract) for pid, m in merged.items()}
    assert len(merged) == 2


def test_a_big_import_into_an_empty_library_builds_the_features_while_it_stores(
    isolated_data_dir: Path, pages_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from papertui import importer

    monkeypatch.setattr(importer, "INDEX_MIN_PAPERS", 100)
    with Library.open(isolated_data_dir) as lib:
        run = importer.import_paths(lib, [str(pages_dir)], prepare_index=True)
        assert run.features is not None  # started before the papers were stored
        assert importer.index_after_import(lib, run.report, run.features)
        early = _signatures(isolated_data_dir)
        again = importer.import_paths(lib, [str(pages_dir)], prepare_index=True)
        assert again.features is None  # not an empty library: the build starts its own
        again.close()
    with Library.open(isolated_data_dir) as lib:
        lib.build_search_index()
        assert _signatures(isolated_data_dir) == early


def test_an_import_that_fails_after_starting_the_helper_leaves_no_features(
    isolated_data_dir: Path, pages_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from papertui import importer

    monkeypatch.setattr(importer, "INDEX_MIN_PAPERS", 100)
    started: list[FeaturesJob] = []
    start = FeaturesJob.start

    def spy() -> FeaturesJob:
        started.append(start())
        return started[-1]

    monkeypatch.setattr(FeaturesJob, "start", staticmethod(spy))
    with Library.open(isolated_data_dir) as lib:

        def full_disk(*_a: object, **_k: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(lib, "import_entries", full_disk)
        with pytest.raises(OSError, match="No space"):
            importer.import_paths(lib, [str(pages_dir)], prepare_index=True)
    assert len(started) == 1  # it had started, and was stopped
    assert not (isolated_data_dir / FEATURES_FILE).exists()
    assert _leftovers(isolated_data_dir) == []


def test_index_by_hand_builds_the_features_beside_and_warns_in_one_line(
    seeded_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from papertui.cli import main as cli_main

    assert cli_main(["--data-dir", str(seeded_dir), "index"]) == 0
    assert (seeded_dir / INDEX_FILE).is_file() and (seeded_dir / FEATURES_FILE).is_file()
    assert "Indexed" in capsys.readouterr().out
    (seeded_dir / FEATURES_FILE).unlink()
    (seeded_dir / FEATURES_FILE).mkdir()  # the helper cannot write them
    assert cli_main(["--data-dir", str(seeded_dir), "index"]) == 0  # the word index is done
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "warning" in err[0] and "ranking features" in err[0], err


def _imported(root: Path, pages: Path) -> tuple[list[str], dict[str, list[object]], list[str]]:
    """What an import of ``pages`` stored: ids, metadata columns (but the import stamp),
    every abstract; and the files' outcomes as the CLI shows them."""
    from papertui import importer

    with Library.open(root) as lib:
        run = importer.import_paths(lib, [str(pages)], prepare_index=True)
        assert importer.index_after_import(lib, run.report, run.features)
        described = [f.describe() for f in run.files]
    with Library.open(root, readonly=True) as lib:
        ids = list(lib.corpus.ids)
        cols = {k: list(v) for k, v in lib.corpus.cols.items() if k != "added_at"}
        lib.load_abstracts()
        cols["abstract"] = [lib.abstract(pid) for pid in ids]
    return ids, cols, described


def test_a_big_import_parses_its_last_pages_in_the_helper_and_stores_the_same(
    tmp_path: Path, pages_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from papertui import importer

    monkeypatch.setattr(importer, "INDEX_MIN_PAPERS", 100)
    monkeypatch.setattr(importer, "HELPER_MIN_BYTES", 1 << 40)  # no helper parsing
    alone = _imported(tmp_path / "alone", pages_dir)
    helped: list[list[importer.FileOutcome] | None] = []
    parsed = FeaturesJob.parsed

    def spy(job: FeaturesJob) -> list[importer.FileOutcome] | None:
        helped.append(parsed(job))
        return helped[-1]

    monkeypatch.setattr(FeaturesJob, "parsed", spy)
    monkeypatch.setattr(importer, "HELPER_MIN_BYTES", 0)
    assert _imported(tmp_path / "helped", pages_dir) == alone
    assert len(helped) == 1 and helped[0] is not None
    assert 1 <= len(helped[0]) < 5  # the last pages, by the helper; the first ones here
    assert [f.describe() for f in helped[0]] == alone[2][-len(helped[0]) :]
    assert _signatures(tmp_path / "helped") == _signatures(tmp_path / "alone")


def test_pages_the_helper_failed_to_parse_are_parsed_here(
    tmp_path: Path, pages_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from papertui import importer

    monkeypatch.setattr(importer, "INDEX_MIN_PAPERS", 100)
    monkeypatch.setattr(importer, "HELPER_MIN_BYTES", 1 << 40)
    alone = _imported(tmp_path / "alone", pages_dir)
    started: list[FeaturesJob] = []
    start = FeaturesJob.start

    def spy() -> FeaturesJob:
        started.append(start())
        return started[-1]

    parse = FeaturesJob.parse

    def dies(job: FeaturesJob, *args: object) -> None:
        parse(job, *args)  # type: ignore[arg-type]
        job._proc.kill()  # gone before it answers

    monkeypatch.setattr(FeaturesJob, "start", staticmethod(spy))
    monkeypatch.setattr(FeaturesJob, "parse", dies)
    monkeypatch.setattr(importer, "HELPER_MIN_BYTES", 0)
    assert _imported(tmp_path / "helped", pages_dir) == alone
    assert len(started) == 2  # a second helper built the features
    assert _signatures(tmp_path / "helped") == _signatures(tmp_path / "alone")


def test_the_helper_reads_the_last_texts_words_and_the_index_is_the_serial_one(
    seeded_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Library.open(seeded_dir) as lib:
        lib.build_search_index()
        serial = _caches(seeded_dir)
        got: list[object] = []
        real = FeaturesJob.word_lists

        def spy(job: FeaturesJob) -> object:
            got.append(real(job))
            return got[-1]

        monkeypatch.setattr(FeaturesJob, "word_lists", spy)
        lib.words.build(parallel=True)
        assert _caches(seeded_dir) == serial
        assert len(got) == 1 and got[0] is not None
        words, sigs = got[0]  # type: ignore[misc]
        assert 0 < len(sigs) < 257 // 2  # the last texts' words only
        assert min(min(found) for found in words.values()) == 257 - len(sigs)

        monkeypatch.setattr(FeaturesJob, "word_lists", lambda job: None)  # it failed
        lib.words.build(parallel=True)
        assert _caches(seeded_dir) == serial  # the words read here instead


def test_a_helper_sent_other_texts_than_the_index_is_built_from_does_not_hang(
    isolated_data_dir: Path, pages_dir: Path
) -> None:
    import threading

    from papertui import importer

    with Library.open(isolated_data_dir) as lib:
        importer.import_paths(lib, [str(pages_dir)])
        lib.build_search_index()
        serial = _caches(isolated_data_dir)
        job = FeaturesJob.start()
        try:
            # word lists bigger than a pipe holds: the helper waits for them to be read
            others = [" ".join(f"w{i}x{j}" for j in range(500)) for i in range(200)]
            job.send(lib.root, list(lib.corpus.ids)[:200], others)
            done = threading.Event()

            def build() -> None:
                with contextlib.suppress(FeaturesJobFailed):
                    lib.words.build(features=job)  # texts not given: made from the library
                done.set()

            threading.Thread(target=build, daemon=True).start()
            assert done.wait(60), "the build waited for a helper that waited for it"
        finally:
            job.stop()
        assert (isolated_data_dir / INDEX_FILE).read_bytes() == serial[0]
