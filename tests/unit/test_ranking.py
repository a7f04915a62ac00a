"""The ranker on small hand-made corpora where the right order is known; its file; the
library's relevance sort, similar, why, and the like: query terms."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from papertui import ranking
from papertui.library import Library, LibraryError
from papertui.models import ParsedPaper, Source, TriageState, paper_id
from papertui.query import QueryError, parse_query, search_text
from papertui.relevance import examples, is_negative, is_positive

# Three topics, four papers each, plus two that mix them; every abstract also carries the
# words every paper of such a library shares.
COMMON = "we study transformer networks and report experiments on benchmarks"
CORPUS = {
    "speech1": ("Neural speech synthesis", "speech synthesis vocoder waveform prosody"),
    "speech2": ("Expressive text to speech", "speech prosody vocoder speaker voices"),
    "speech3": ("Speech recognition at scale", "speech recognition acoustic speaker audio"),
    "speech4": ("Zero-shot voice cloning", "speaker voices vocoder audio prosody"),
    "mesh1": ("Mesh generation from text", "mesh geometry texture shapes 3d assets"),
    "mesh2": ("Textured 3d assets", "3d assets texture geometry mesh rendering"),
    "mesh3": ("Gaussian splatting scenes", "3d gaussian splatting rendering geometry scenes"),
    "mesh4": ("Shape diffusion in 3d", "3d shapes geometry mesh diffusion latent"),
    "quant1": ("Low-bit quantization", "quantization int4 weights kernels latency memory"),
    "quant2": ("Serving with pruning", "pruning latency throughput kernels serving memory"),
    "quant3": ("Fast attention kernels", "kernels memory latency attention gpu throughput"),
    "quant4": ("Post-training quantization", "quantization weights int4 calibration latency"),
    "mixed1": ("Speech meets meshes", "speech mesh audio geometry"),
    "mixed2": ("Quantized vocoder", "vocoder quantization latency speech"),
}
NAMES = list(CORPUS)


def text(name: str) -> str:
    title, words = CORPUS[name]
    return search_text(title, f"{words} {COMMON}")


@pytest.fixture(scope="module")
def feats() -> ranking.Features:
    return ranking.build(NAMES, [text(n) for n in NAMES])


def ranked(feats: ranking.Features, positives: list[str], negatives: list[str] = ()) -> list[str]:  # type: ignore[assignment]
    profile = ranking.Profile(feats)
    profile.update(positives, negatives)
    rest = [n for n in NAMES if n not in positives and n not in negatives]
    return profile.order(rest)


def test_the_topic_of_the_positives_comes_first(feats: ranking.Features) -> None:
    order = ranked(feats, ["mesh1", "mesh2"])
    assert set(order[:2]) == {"mesh3", "mesh4"}
    assert order.index("mixed1") < min(order.index(n) for n in NAMES if n.startswith("quant"))


def test_each_topic_ranks_its_own_papers_first(feats: ranking.Features) -> None:
    for topic in ("speech", "mesh", "quant"):
        order = ranked(feats, [f"{topic}1", f"{topic}2"])
        own = [order.index(f"{topic}{k}") for k in (3, 4)]
        others = [i for i, n in enumerate(order) if not n.startswith((topic, "mixed"))]
        assert max(own) < min(others), (topic, order)


def test_negatives_push_their_topic_down(feats: ranking.Features) -> None:
    # mixed2 is speech and quantization: starring speech alone ranks it high; dismissing
    # quantization papers too sends it below the pure speech papers.
    plain = ranked(feats, ["speech1", "speech2"])
    against = ranked(feats, ["speech1", "speech2"], ["quant1", "quant4"])
    assert against.index("mixed2") > plain.index("mixed2")
    assert against.index("mixed2") > against.index("mixed1")  # speech and 3d: untouched
    quant = [n for n in against if n.startswith("quant")]
    assert against[-len(quant) :] == quant


def test_profile_updates_incrementally_to_the_same_result(feats: ranking.Features) -> None:
    step = ranking.Profile(feats)
    step.update(["quant1"])
    step.update(["quant1", "quant2"])
    step.update(["quant1", "quant2", "speech1"])
    step.update(["quant1", "quant2"])  # and one taken back
    fresh = ranking.Profile(feats)
    fresh.update(["quant2", "quant1"])
    assert step.base == pytest.approx(fresh.base)
    assert step.order(NAMES) == fresh.order(NAMES)
    assert step.update(["quant1", "quant2"]) is False  # nothing changed


def test_no_positives_keeps_the_given_order(feats: ranking.Features) -> None:
    profile = ranking.Profile(feats)
    assert profile.order(NAMES[::-1]) == NAMES[::-1]
    assert profile.best(3) == []


def test_similar_leaves_the_paper_out_and_finds_its_topic(feats: ranking.Features) -> None:
    hits = ranking.similar(feats, "quant1", 3)
    assert [h for h, _ in hits][:1] == ["quant4"]  # quantization, int4, weights
    assert "quant1" not in [h for h, _ in hits]
    assert all(h.startswith("quant") for h, _ in hits)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)


def test_why_names_the_shared_words_not_the_common_ones(feats: ranking.Features) -> None:
    profile = ranking.Profile(feats)
    profile.update(["speech1", "speech2"])
    why = profile.why(text("speech4"))
    shared = set(ranking.terms_of(text("speech1"))) | set(ranking.terms_of(text("speech2")))
    assert "vocoder" in why and set(why) <= shared
    assert not set(why) & set(COMMON.split())  # words every paper has raise none
    assert profile.why(text("quant3")) == []  # nothing in common with speech


def test_why_prefers_a_phrase_to_its_words() -> None:
    docs = {
        "a": search_text("Neural radiance fields", "neural radiance fields for views"),
        "b": search_text("Faster neural radiance fields", "neural radiance fields at speed"),
        "c": search_text("Text classification", "bag of words baseline"),
        "d": search_text("Image classification", "convolutions baseline"),
    }
    feats = ranking.build(list(docs), list(docs.values()))
    profile = ranking.Profile(feats)
    profile.update(["a"])
    why = profile.why(docs["b"])
    assert "neural radiance" in why or "radiance fields" in why
    for phrase in [w for w in why if " " in w]:
        assert not set(phrase.split()) & set(why)


# Speech and image generation papers share "generation"; speech papers alone say "speech".
GENERATION = {
    "speech1": ("Speech generation with vocoders", "speech generation vocoder prosody"),
    "speech2": ("Singing speech generation", "speech generation singing voices"),
    "speech3": ("Dialogue speech generation", "speech generation dialogue turns"),
    "speech4": ("Speech recognition", "speech acoustic recognition errors"),
    "image1": ("Image generation with diffusion", "image generation diffusion prompts"),
    "image2": ("Layout image generation", "image generation layout boxes"),
    "image3": ("Image generation at speed", "image generation distillation steps"),
    "quant1": ("Low-bit quantization", "quantization int4 weights kernels"),
    "quant2": ("Pruning for serving", "pruning latency throughput kernels"),
    "quant3": ("Fast attention kernels", "kernels memory latency attention"),
    "quant4": ("Post-training quantization", "quantization weights calibration"),
    "quant5": ("Serving at scale", "latency throughput batching memory"),
}


def test_relevance_weight_favours_what_the_positives_share_and_others_lack() -> None:
    import numpy as np

    def weight(r: int, df: int) -> float:
        return float(ranking._relevance_weight(np.array([r]), 3, np.array([df]), 12)[0])

    assert weight(3, 4) > weight(3, 7) > weight(3, 12)  # fewer other papers: higher
    assert weight(3, 4) > weight(2, 4) > weight(1, 4)  # more positives: higher
    assert weight(3, 12) <= 0  # a term every paper has says nothing


def test_profile_weights_the_positives_distinctive_words_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = list(GENERATION)
    feats = ranking.build(names, [search_text(*GENERATION[n]) for n in names])
    speech, generation = (ranking._bucket(w) for w in ("speech", "generation"))
    power = ranking.RSJ_POWER

    def base(power: float) -> dict[int, float]:
        monkeypatch.setattr(ranking, "RSJ_POWER", power)
        profile = ranking.Profile(feats)
        profile.update(["speech1", "speech2", "speech3"])
        return profile.base

    assert power > 0
    plain, weighted = base(0.0), base(power)
    # both words are in every positive; "generation" is in the image papers too
    assert weighted[speech] / weighted[generation] > plain[speech] / plain[generation]
    length = [sum(w * w for w in b.values()) for b in (plain, weighted)]
    assert length[0] == pytest.approx(length[1])  # reshaped, not rescaled
    profile = ranking.Profile(feats)
    profile.update(["speech1", "speech2", "speech3"])
    assert profile.order(["image1", "quant1", "speech4"])[0] == "speech4"


# Speech papers that share the library's common word "generation" (image papers have it
# too) and, one of them, the rare "vocoder" and "prosody" of a fourth speech paper.
RARE = {
    "speech1": ("Neural vocoders for speech", "speech generation vocoder prosody"),
    "speech2": ("Singing voices", "speech generation singing voices"),
    "speech3": ("Spoken dialogue", "speech generation dialogue turns"),
    "vocoder": ("Vocoder prosody control", "vocoder prosody waveform filters"),
    **{k: v for k, v in GENERATION.items() if not k.startswith("speech")},
}


def test_several_positives_weigh_their_rarer_words_up(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    names = list(RARE)
    feats = ranking.build(names, [search_text(*RARE[n]) for n in names])
    vocoder, generation = (ranking._bucket(w) for w in ("vocoder", "generation"))
    found = feats.idf_of(np.array([vocoder, generation])).tolist()
    idf = dict(zip((vocoder, generation), found, strict=True))
    assert idf[vocoder] > idf[generation] > 0
    power = ranking.IDF_POWER
    assert power > 0

    def profile(power: float, positives: list[str]) -> ranking.Profile:
        monkeypatch.setattr(ranking, "IDF_POWER", power)
        profile = ranking.Profile(feats)
        profile.update(positives)
        profile.scores()
        return profile

    speech = ["speech1", "speech2", "speech3"]
    plain, weighted = profile(0.0, speech), profile(power, speech)
    ratio = [p.base[vocoder] / p.base[generation] for p in (plain, weighted)]
    assert ratio[1] / ratio[0] == pytest.approx((idf[vocoder] / idf[generation]) ** power)
    length = [sum(w * w for w in p.base.values()) for p in (plain, weighted)]
    assert length[0] == pytest.approx(length[1])  # reshaped, not rescaled
    # the speech paper that shares only rare words with one positive gains on the image
    # papers that share the common one with all
    gap = [
        p.scores()[feats.row["vocoder"]] / p.scores()[feats.row["image1"]]
        for p in (plain, weighted)
    ]
    assert gap[1] > gap[0]
    # one paper's own vector (similar) is left as it is
    assert profile(0.0, ["speech1"]).base == profile(power, ["speech1"]).base
    assert ranking.similar(feats, "speech1", 3)[0][0] in {"vocoder", "speech2", "speech3"}


def test_idf_weighting_keeps_a_vectors_length() -> None:
    names = list(RARE)
    feats = ranking.build(names, [search_text(*RARE[n]) for n in names])
    vector = feats.profile_of([feats.row["speech1"], feats.row["image1"]])
    weighted = ranking._idf_weighted(feats, vector)
    assert set(weighted) == set(vector)
    assert sum(w * w for w in weighted.values()) == pytest.approx(
        sum(w * w for w in vector.values())
    )
    vocoder, generation = (ranking._bucket(w) for w in ("vocoder", "generation"))
    assert weighted[vocoder] / weighted[generation] > vector[vocoder] / vector[generation]
    assert ranking._idf_weighted(feats, {}) == {}


def test_rare_terms_are_left_out_and_df_is_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    assert ranking.min_df(12) == 2 and ranking.min_df(257) == 5 and ranking.min_df(10**5) == 5
    names = list(GENERATION)
    texts = [search_text(*GENERATION[n]) for n in names]
    feats = ranking.build(names, texts)
    words = ["speech", "generation", "kernels", "latency"]
    truth = [sum(w in ranking.terms_of(t) for t in texts) for w in words]
    assert truth == [4, 6, 3, 3]
    assert feats.df_of(np.array([ranking._bucket(w) for w in words])).tolist() == truth
    vocoder = ranking._bucket("vocoder")  # in one paper only
    assert feats.idf_of(np.array([vocoder]))[0] == 0
    assert all(vocoder not in feats.vector(r)[0].tolist() for r in range(len(feats)))
    two, three = (np.array([ranking._bucket(w)]) for w in ("quantization", "kernels"))
    assert feats.idf_of(two)[0] > 0  # in 2 of 12 papers: kept in so small a library
    monkeypatch.setattr(ranking, "MIN_DF_SHARE", 0.25)  # as if it were larger: 3 papers
    stricter = ranking.build(names, texts)
    assert stricter.idf_of(two)[0] == 0 and stricter.idf_of(three)[0] > 0


def test_built_rows_are_the_terms_of_each_text_weighted_and_cut() -> None:
    """The vectorised build gives every paper the row its own terms (:func:`terms_of`,
    what the why line and papers added later use) make: (1 + log tf) x idf, the KEEP
    heaviest, unit length; for ASCII, non-ASCII and capitalised texts alike."""
    from collections import Counter

    import numpy as np

    texts = [text(n) for n in NAMES] + [
        "naïve shape priors ² for the mesh\nthe mesh — naïve speech ½ and voices kernels",
        "no newline: mesh speech kernels",
        "Capital Mesh SPEECH\nKernels Quantization speech mesh",
        "",
        " ".join(f"word{k} mesh{k}" for k in range(120)) + "\n" + "speech mesh " * 3,
    ]
    ids = [f"p{k}" for k in range(len(texts))]
    feats = ranking.build(ids, texts * 1)
    assert feats.sigs == [ranking.signature(t) for t in texts]
    for row, t in enumerate(texts):
        tf = Counter(map(ranking._bucket, ranking.terms_of(t)))
        buckets = np.array(list(tf), np.int64)
        w = (1 + np.log(np.array(list(tf.values()), np.float64))) * feats.idf_of(buckets)
        expected = {int(b): float(x) for b, x in zip(buckets, w, strict=True) if x > 0}
        kept = dict(sorted(expected.items(), key=lambda kv: -kv[1])[: ranking.KEEP])
        norm = sum(x * x for x in kept.values()) ** 0.5
        terms, weights = feats.vector(row)
        got = dict(zip(terms.tolist(), weights.tolist(), strict=True))
        heaviest = sorted(kept.values())[-ranking.KEEP :] if kept else []
        tied_at_cut = len(expected) > ranking.KEEP and heaviest.count(heaviest[0]) > 1
        if not tied_at_cut:
            assert got.keys() == kept.keys(), row
        assert sorted(got.values()) == pytest.approx(sorted(x / norm for x in kept.values()))


def test_terms_skip_stop_words_and_number_tokens() -> None:
    terms = ranking.terms_of("The 3D mesh\nWe propose 2024 a mesh of 3d shapes")
    assert terms.count("3d mesh") == 2  # title terms count twice
    assert "the" not in terms and "propose" not in terms and "2024" not in terms
    assert "mesh 3d" in terms  # 'of' is skipped between neighbours


def test_extend_scores_papers_the_features_did_not_cover(feats: ranking.Features) -> None:
    grown = ranking.build(NAMES, [text(n) for n in NAMES])
    grown.extend(["late"], [search_text("Late speech paper", "speech vocoder prosody")])
    profile = ranking.Profile(grown)
    profile.update(["speech1", "speech2"])
    order = profile.order(["quant1", "late", "mesh1"])
    assert order[0] == "late"
    # a covered paper whose text changed gets a new row; the old one never comes back
    grown.extend(["quant3"], [search_text("Now about speech", "speech vocoder prosody voices")])
    again = ranking.Profile(grown)
    again.update(["speech1", "speech2"])
    assert again.order(["quant1", "quant3", "mesh1"])[0] == "quant3"
    assert [p for p, _ in again.best(20)].count("quant3") == 1


def test_features_file_round_trip_and_damage(tmp_path: Path, feats: ranking.Features) -> None:
    path = tmp_path / "f"
    feats.save(path)
    back = ranking.Features.load(path)
    assert back.ids == feats.ids and back.sigs == feats.sigs
    a, b = ranking.Profile(feats), ranking.Profile(back)
    a.update(["mesh1"])
    b.update(["mesh1"])
    assert a.order(NAMES) == b.order(NAMES)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ranking.FeaturesDamaged):
        ranking.Features.load(path)
    path.write_bytes(b"something else")
    with pytest.raises(ranking.FeaturesDamaged):
        ranking.Features.load(path)


def test_loaded_features_outlive_the_file_being_replaced(
    tmp_path: Path, feats: ranking.Features
) -> None:
    """The file is mapped, not read: a build that replaces it (another process's index)
    must not change, or break, the features already in use."""
    path = tmp_path / "f"
    feats.save(path)
    back = ranking.Features.load(path)
    before = ranking.Profile(back)
    before.update(["speech1", "speech2"])
    expected = before.order(NAMES)
    other = ranking.build(NAMES[::-1], [text(n) for n in NAMES[::-1]])
    other.save(path)  # replaced whole, as every save does
    path.write_bytes(b"")  # and the new file even truncated: the mapping is of the old one
    again = ranking.Profile(back)
    again.update(["speech1", "speech2"])
    assert again.order(NAMES) == expected
    with pytest.raises(ranking.FeaturesDamaged):
        ranking.Features.load(path)  # an empty file is damage, not a crash


def test_empty_corpus() -> None:
    feats = ranking.build([], [])
    profile = ranking.Profile(feats)
    assert profile.order([]) == [] and profile.best(5) == []


def test_examples_from_states() -> None:
    assert is_positive(TriageState(starred=True, queue_position=1))
    assert is_positive(TriageState(tags=("3d",)))
    assert is_positive(TriageState(read=True, note="good"))
    assert not is_positive(TriageState(read=True))
    assert not is_negative(TriageState(read=True))
    states = {"a": TriageState(tags=("x",)), "b": TriageState(read=True)}
    assert examples(states) == ({"a"}, set())


# -- the library ---------------------------------------------------------------------------

SRC = Source("a.txt", "2024-12-12")


@pytest.fixture
def lib(tmp_path: Path) -> Library:
    lib = Library.open(tmp_path / "lib")
    lib.import_entries(
        ParsedPaper(
            title=CORPUS[n][0],
            abstract=f"{CORPUS[n][1]} {COMMON}",
            source=SRC,
            line=1,
            published=date(2024, 1, 1 + k),
        )
        for k, n in enumerate(NAMES)
    )
    return lib


def pid(name: str) -> str:
    return paper_id(CORPUS[name][0])


def test_relevance_sort_follows_stars_and_reflects_the_next_one(lib: Library) -> None:
    by_date = lib.view_ids("inbox", "date")
    assert lib.view_ids("inbox", "relevance") == by_date  # no positives: date order
    lib.set_starred([pid("mesh1")], True)
    first = lib.view_ids("inbox", "relevance")
    assert first[0] in {pid("mesh2"), pid("mesh3"), pid("mesh4")}
    lib.tag([pid("quant1"), pid("quant4")], add=["fast"])
    lib.set_starred([pid("quant2")], True)
    order = lib.view_ids("inbox", "relevance")
    # tagged papers stay in the inbox, examples themselves: first; then their topic
    assert set(order[:2]) == {pid("quant1"), pid("quant4")}
    assert order[2] == pid("quant3")
    assert lib.positives() == 4


def test_deferred_relevance_keeps_the_order_until_refreshed(lib: Library) -> None:
    lib.defer_relevance = True
    lib.set_starred([pid("mesh1")], True)
    before = lib.view_ids("all", "relevance")
    lib.set_starred([pid("speech1"), pid("speech2")], True)
    assert lib.view_ids("all", "relevance") == before  # stale, shown as it was
    assert lib.refresh_relevance() is True
    after = lib.view_ids("all", "relevance")
    assert after != before
    with Library.open(lib.root, readonly=True) as fresh:  # what a new process sees
        assert fresh.view_ids("all", "relevance") == after
    assert lib.refresh_relevance() is False  # nothing new


def test_search_in_relevance_order_matches_the_sorted_view(lib: Library) -> None:
    lib.set_starred([pid("speech1")], True)
    sel = lib.select("all", parse_query("latency OR speech"), "relevance").ids
    full = lib.view_ids("all", "relevance")
    assert sel == [p for p in full if p in set(sel)]
    lib.set_starred([pid("quant1")], True)  # the order changes: the search follows
    sel2 = lib.select("all", parse_query("latency OR speech"), "relevance").ids
    assert sel2 == [p for p in lib.view_ids("all", "relevance") if p in set(sel2)]


def test_similar_and_why_through_the_library(lib: Library) -> None:
    hits = [p for p, _ in lib.similar(pid("mesh2"), 3)]
    assert set(hits) <= {pid("mesh1"), pid("mesh3"), pid("mesh4"), pid("mixed1")}
    assert pid("mesh2") not in hits
    assert lib.why(pid("speech3")) == []  # no positives yet
    lib.set_starred([pid("speech1"), pid("speech2")], True)
    assert lib.why(pid("speech4"))


def test_import_after_ranking_covers_the_new_paper(lib: Library) -> None:
    lib.set_starred([pid("speech1"), pid("speech2")], True)
    assert lib.view_ids("inbox", "relevance")
    lib.import_entries(
        [ParsedPaper(title="A late vocoder", abstract="vocoder prosody speech", source=SRC, line=1)]
    )
    order = lib.view_ids("inbox", "relevance")
    late = order.index(paper_id("A late vocoder"))
    assert late < min(order.index(pid(n)) for n in NAMES if n[:4] in ("mesh", "quan"))


def test_like_terms_in_queries(lib: Library) -> None:
    sel = lib.select("all", parse_query("like:" + pid("quant1")[:7])).ids
    assert sel[0] == pid("quant4") and pid("quant1") not in sel
    # combinable with the rest of the language
    sel = lib.select("all", parse_query(f"like:{pid('quant1')[:7]} -quantization")).ids
    assert pid("quant4") not in sel and sel[0] in {pid("quant2"), pid("quant3")}
    lib.tag([pid("mesh1"), pid("mesh2")], add=["3d"])
    sel = lib.select("inbox", parse_query("like:tag:3D")).ids
    assert set(sel[:2]) == {pid("mesh3"), pid("mesh4")}
    assert pid("mesh1") not in sel  # the tag's own papers are left out


def test_like_errors_name_the_bad_id(lib: Library) -> None:
    with pytest.raises(LibraryError, match=r"no paper with id 'abcdef'.*like:abcdef"):
        lib.select("all", parse_query("like:abcdef"))
    with pytest.raises(LibraryError, match="tagged 'nope'"):
        lib.select("all", parse_query("like:tag:nope"))
    with pytest.raises(QueryError, match="bad paper id 'x!' in 'like:x!'"):
        parse_query("like:x!")
    with pytest.raises(QueryError, match="missing value in 'like:'"):
        parse_query("like:")


def test_build_search_index_writes_the_features(lib: Library, tmp_path: Path) -> None:
    lib.build_search_index()
    assert lib.relevance.path.is_file()
    lib.set_starred([pid("mesh1"), pid("mesh2")], True)
    expected = lib.view_ids("inbox", "relevance")
    lib.close()
    again = Library.open(tmp_path / "lib")
    assert again.view_ids("inbox", "relevance") == expected
    again.close()


def test_a_features_file_older_than_a_text_is_caught(lib: Library, tmp_path: Path) -> None:
    lib.build_search_index()  # the features file, with quant3 about kernels
    longer = "speech vocoder prosody speaker voices " * 3 + COMMON
    lib.import_entries(
        [ParsedPaper(title=CORPUS["quant3"][0], abstract=longer, source=SRC, line=1)]
    )
    lib.close()
    with Library.open(tmp_path / "lib") as again:
        again.set_starred([pid("speech1"), pid("speech2")], True)
        # show/similar trust the file for one paper (no text read but that paper's)...
        assert again.why(pid("quant3"))
        # ...a ranked view checks every text first: quant3 is about speech now
        order = again.view_ids("inbox", "relevance")
        others = [order.index(pid(n)) for n in NAMES if n[:4] in ("mesh", "quan") and n != "quant3"]
        assert order.index(pid("quant3")) < min(others)
