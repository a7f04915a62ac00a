"""How good the relevance order and "papers like this one" are, next to arxiv-sanity's method.

On the real sample pages (``tests/fixtures/pages``, 257 papers) with the topic labels of
``bench/topics.tsv`` (read from the titles and abstracts; a paper may have several topics):

- **relevance**: for each of ``--draws`` random draws per topic, star ``k`` = 5 papers of
  the topic and rank every other paper; precision@10 is the share of the first 10 that
  have the topic.
- **similar**: for each labelled paper, the 5 most similar papers; precision@5 is the share
  that share a topic with it.

The *anchor* is arxiv-sanity's method, run on the same draws: TF-IDF over title + abstract
(1-2-grams, sublinear tf, ``max_df`` 0.1, ``min_df`` 5, 20k features), a LinearSVC per
request (C = 0.01, balanced classes) with the starred papers as positives and every other
paper as a negative, papers sorted by its decision value; "similar" is the same with one
positive. It needs scikit-learn (``pip install -e '.[bench]'``); papertui itself never does.

Usage: ``python -m bench.relevance [--draws 200] [--seed 0] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from papertui import ranking
from papertui.importer import import_paths
from papertui.library import Library
from papertui.query import search_text

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "pages"
LABELS = Path(__file__).resolve().parent / "topics.tsv"
K = 5
AT = 10
SIMILAR_AT = 5

Ranker = Callable[[Sequence[int]], list[int]]
"""Positive rows -> every other row, best first."""


def load_corpus() -> tuple[list[str], list[str], list[str]]:
    """Ids, titles and search texts of the sample papers."""
    with tempfile.TemporaryDirectory() as tmp, Library.open(Path(tmp)) as lib:
        import_paths(lib, [str(PAGES)])
        lib.load_abstracts()
        ids = list(lib.ids)
        titles = [lib.title(p) for p in ids]
        texts = [search_text(t, lib.abstract(p)) for p, t in zip(ids, titles, strict=True)]
    return ids, titles, texts


def load_labels(ids: Sequence[str]) -> dict[str, set[str]]:
    """Topic -> ids, from ``topics.tsv`` (every id must be a sample paper)."""
    known = set(ids)
    topics: dict[str, set[str]] = defaultdict(set)
    for line in LABELS.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        topic, pid, _title = line.split("\t")
        if pid not in known:
            raise SystemExit(f"{LABELS}: unknown paper id {pid}")
        topics[topic].add(pid)
    return dict(topics)


def ours(ids: Sequence[str], texts: Sequence[str]) -> tuple[Ranker, Ranker]:
    """papertui's relevance order and similar, as rankers over rows."""
    feats = ranking.build(ids, texts)

    def rank(pos: Sequence[int]) -> list[int]:
        profile = ranking.Profile(feats)
        profile.update([ids[i] for i in pos])
        chosen = set(pos)
        rest = [p for i, p in enumerate(ids) if i not in chosen]
        row = {p: i for i, p in enumerate(ids)}
        return [row[p] for p in profile.order(rest)]

    def like(pos: Sequence[int]) -> list[int]:
        (i,) = pos
        row = {p: j for j, p in enumerate(ids)}
        return [row[p] for p, _ in ranking.similar(feats, ids[i], len(ids))]

    return rank, like


def anchor(texts: Sequence[str]) -> Ranker:
    """arxiv-sanity: TF-IDF + LinearSVC per request."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vec = TfidfVectorizer(
        input="content",
        encoding="utf-8",
        decode_error="replace",
        strip_accents="unicode",
        lowercase=True,
        analyzer="word",
        stop_words="english",
        token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
        ngram_range=(1, 2),
        max_features=20000,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        sublinear_tf=True,
        max_df=0.1,
        min_df=5,
    )
    x = vec.fit_transform([t.replace("\n", " ") for t in texts])
    n = x.shape[0]

    def rank(pos: Sequence[int]) -> list[int]:
        y = np.zeros(n)
        y[list(pos)] = 1
        clf = LinearSVC(class_weight="balanced", verbose=0, max_iter=10000, tol=1e-6, C=0.01)
        clf.fit(x, y)
        s = clf.decision_function(x)
        chosen = set(pos)
        order = np.argsort(-s, kind="stable")
        return [int(i) for i in order if int(i) not in chosen]

    return rank


def evaluate(draws: int, seed: int) -> dict[str, Any]:
    """Both methods on the same draws; the figures as a dict."""
    ids, _titles, texts = load_corpus()
    topics = load_labels(ids)
    row = {p: i for i, p in enumerate(ids)}
    rank, like = ours(ids, texts)
    methods: dict[str, tuple[Ranker, Ranker]] = {"ours": (rank, like)}
    try:
        base = anchor(texts)
        methods["anchor"] = (base, base)
    except ImportError:
        print("scikit-learn is not installed: no anchor (pip install -e '.[bench]')")
    rng = random.Random(seed)
    plan = [
        (topic, sorted(rng.sample(sorted(members), K)))
        for topic, members in sorted(topics.items())
        for _ in range(draws)
    ]
    out: dict[str, Any] = {
        "papers": len(ids),
        "labelled": len(set().union(*topics.values())),
        "topics": {t: len(m) for t, m in sorted(topics.items())},
        "draws_per_topic": draws,
        "k": K,
    }
    labelled = sorted(set().union(*topics.values()))
    topics_of = {p: {t for t, m in topics.items() if p in m} for p in labelled}
    for name, (ranker, similar) in methods.items():
        per_topic: dict[str, list[float]] = defaultdict(list)
        started = time.perf_counter()
        for topic, starred in plan:
            top = ranker([row[p] for p in starred])[:AT]
            per_topic[topic].append(sum(ids[i] in topics[topic] for i in top) / AT)
        rank_s = time.perf_counter() - started
        sims: list[float] = []
        started = time.perf_counter()
        for p in labelled:
            top = similar([row[p]])[:SIMILAR_AT]
            sims.append(
                sum(bool(topics_of.get(ids[i], set()) & topics_of[p]) for i in top) / SIMILAR_AT
            )
        sim_s = time.perf_counter() - started
        all_p = [v for vs in per_topic.values() for v in vs]
        out[name] = {
            "precision_at_10": sum(all_p) / len(all_p),
            "per_topic": {t: sum(v) / len(v) for t, v in sorted(per_topic.items())},
            "similar_precision_at_5": sum(sims) / len(sims),
            "ms_per_ranking": 1000 * rank_s / len(plan),
            "ms_per_similar": 1000 * sim_s / len(labelled),
        }
    if "anchor" in out:
        out["ratio_precision_at_10"] = (
            out["ours"]["precision_at_10"] / out["anchor"]["precision_at_10"]
        )
        out["ratio_similar"] = (
            out["ours"]["similar_precision_at_5"] / out["anchor"]["similar_precision_at_5"]
        )
    return out


def report(res: dict[str, Any]) -> str:
    """The figures as a Markdown table."""
    names = [m for m in ("ours", "anchor") if m in res]
    heads = {"ours": "papertui", "anchor": "arxiv-sanity method (anchor)"}
    lines = [
        f"{res['papers']} sample papers, {res['labelled']} labelled "
        + ", ".join(f"{t} {n}" for t, n in res["topics"].items())
        + f"; {res['draws_per_topic']} draws of k={res['k']} starred papers per topic",
        "",
        "| Measure | " + " | ".join(heads[m] for m in names) + " |",
        "|---|" + "---|" * len(names),
        "| precision@10 of the relevance order | "
        + " | ".join(f"{res[m]['precision_at_10']:.3f}" for m in names)
        + " |",
    ]
    for topic in res["topics"]:
        lines.append(
            f"| &nbsp; {topic} | "
            + " | ".join(f"{res[m]['per_topic'][topic]:.3f}" for m in names)
            + " |"
        )
    lines.append(
        "| precision@5 of similar | "
        + " | ".join(f"{res[m]['similar_precision_at_5']:.3f}" for m in names)
        + " |"
    )
    lines.append(
        "| time per ranking (257 papers) | "
        + " | ".join(f"{res[m]['ms_per_ranking']:.1f} ms" for m in names)
        + " |"
    )
    if "ratio_precision_at_10" in res:
        lines += [
            "",
            f"precision@10: {res['ratio_precision_at_10']:.2f}x the anchor; "
            f"similar: {res['ratio_similar']:.2f}x",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relevance", description=__doc__)
    parser.add_argument("--draws", type=int, default=200, help="random draws per topic")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    res = evaluate(args.draws, args.seed)
    print(report(res))
    if args.json:
        args.json.write_text(json.dumps(res, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
