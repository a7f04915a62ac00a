"""Deterministic synthetic Daily Papers page dumps in the seeds' *metadata* layout.

Each page is a file that looks like ``tests/fixtures/pages/000_*.txt``::

    new
    <blank>
    Get trending papers in your email inbox!
    <blank>
    Subscribe
    <blank>
    Daily Papers
    <blank>
    byAK and the research community
    <blank>
    Dec 12
    <blank>
    Title
    <blank>
    Abstract (one line)
    <blank>
      • 7 authors
    ·
    Oct 9, 2024 2
    <blank>
    ...

Every title starts with a unique made-up name (``Kovalune: ...``, see :func:`paper_name`), so
titles are unique and a benchmark can recognise any paper row on a terminal screen. Abstracts
(~1.5 KB) are drawn from a Zipf-like mix of English and ML words, plus a few controlled terms
with known frequencies (:data:`SEARCH_TERMS`) for broad and selective searches, plus one rare
word in about half of the papers. A third of the abstracts end with a GitHub code link.

Usage: ``python -m bench.generate --papers 100000 --out DIR [--seed 0]`` (100k papers, about
150 MB, are written in a few seconds).
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "NAME_PATTERN",
    "SEARCH_TERMS",
    "Dump",
    "generate",
    "main",
    "paper_name",
]

HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\nDec 12\n\n"
)
"""The page header of the metadata layout, with the page date ``Dec 12``."""

SEARCH_TERMS: dict[str, float] = {
    "diffusion": 0.40,
    "retrieval": 0.05,
    "quokkaformer": 0.001,
}
"""Controlled words and the share of abstracts that contain them (broad ... selective).

They appear nowhere else in the generated text, so a search for one of them has a known
number of hits. ``quokkaformer`` is in papers 7, 1007, 2007, ... (at least one at any size).
"""


def _words(text: str, sep: str | None = None) -> list[str]:
    """The words of ``text`` (keeps the long word lists below readable)."""
    return text.split(sep)


_ONSETS = _words("b c d f g h j k l m n p r s t v z br dr tr")
_VOWELS = _words("a e i o u")
_SYLLABLES = [o + v for o in _ONSETS for v in _VOWELS]
_NAME_SYLLABLES = 4
_NAME_SPACE = len(_SYLLABLES) ** _NAME_SYLLABLES
_NAME_STRIDE = 7_919_317
"""Coprime with the name space: ``i * stride mod space`` is a bijection (unique names)."""

NAME_PATTERN = re.compile(r"\b([A-Z][a-z]{7,11}):")
"""Finds the names (:func:`paper_name`) that start titles in a terminal's output."""

_FUNCTION_WORDS = _words(
    "the of and to a in for is that with on by we as are this from our be an which can at "
    "it these has or not their its while both such than into across more over two each"
)

_ML_WORDS = _words(
    "model models learning data training performance method approach language large image "
    "generation video neural network tasks task benchmark evaluation propose results show "
    "state-of-the-art dataset tokens inference reasoning agents reinforcement policy reward "
    "multimodal vision text 3D scene reconstruction gaussian splatting robot manipulation "
    "speech audio code mathematical alignment preference fine-tuning pretraining scaling "
    "efficient latency memory quantization sparse mixture experts distillation transformer "
    "attention layers parameters optimization gradient loss objective supervised "
    "self-supervised contrastive representation embeddings encoder decoder autoregressive "
    "sampling denoising noise latent space semantic segmentation detection tracking depth "
    "estimation pose human motion editing controllable prompt instruction tuning LLMs "
    "hallucination factual knowledge graph question answering long-context window cache "
    "kernel throughput GPU hardware accuracy robustness generalization zero-shot few-shot "
    "in-context demonstrations chain-of-thought verification planning tool use environment "
    "simulation physics world trajectories actions visual grounding captioning synthesis "
    "high-fidelity resolution temporal spatial consistency coherence frames pixels patches "
    "architecture framework pipeline module component baseline baselines ablation analysis "
    "experiments extensive demonstrate outperforms significantly improves achieves "
    "competitive novel simple effective scalable lightweight open-source release weights "
    "evaluate metrics human preference judges safety privacy bias fairness multilingual "
    "translation low-resource domain adaptation transfer continual curriculum synthetic "
    "augmentation filtering quality mixture corpus web-scale tokenizer vocabulary "
    "compression pruning low-rank adapters LoRA merging ensemble uncertainty calibration "
    "medical clinical molecular protein chemistry materials weather forecasting time-series "
    "recommendation search ranking users interactive feedback dialogue conversational "
    "agentic workflows benchmarks leaderboard open closed proprietary frontier"
)

_NUMBERS = _words("17.5% 2x 3.1 10x 42.7 95% 1.42 7B 70B 128K 4-bit 8 16 1,000")

_TITLE_ADJ = _words(
    "Scalable Efficient Unified Robust Adaptive Sparse Controllable Multimodal Hierarchical "
    "Consistent Generalizable Lightweight Self-Supervised Zero-Shot Interactive Fast"
)
_TITLE_NOUN = _words(
    "Transformers;Denoising Policies;Language Models;Reward Models;Vision Encoders;"
    "World Models;Mixture-of-Experts;Search Agents;Video Generators;Reasoning Chains;"
    "Gaussian Splats;Speech Tokenizers;Preference Optimization;Attention Kernels",
    ";",
)
_TITLE_TASK = _words(
    "Video Generation;Long-Context Reasoning;Robot Manipulation;3D Reconstruction;"
    "Code Synthesis;Math Word Problems;Image Editing;Speech Recognition;Web Agents;"
    "Protein Design;Weather Forecasting;Visual Question Answering;Open-Domain Dialogue;"
    "Text-to-Image Synthesis;Autonomous Driving",
    ";",
)
_MONTHS = _words("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec")
_TERM_SENTENCES: dict[str, tuple[str, ...]] = {
    "diffusion": (
        "We build on latent diffusion and show that the denoising schedule matters.",
        "Compared with diffusion baselines, our sampler needs fewer steps.",
        "A diffusion prior regularises the training objective.",
    ),
    "retrieval": (
        "A retrieval module supplies relevant context at inference time.",
        "We add retrieval over a web-scale corpus to ground the answers.",
    ),
    "quokkaformer": ("The backbone follows the quokkaformer design with gated attention.",),
}


def paper_name(index: int, seed: int = 0) -> str:
    """The unique made-up name that starts paper ``index``'s title (e.g. ``Kovalune``)."""
    n = (index * _NAME_STRIDE + seed * 1_000_003 + 12_345) % _NAME_SPACE
    parts = []
    for _ in range(_NAME_SYLLABLES):
        n, r = divmod(n, len(_SYLLABLES))
        parts.append(_SYLLABLES[r])
    return "".join(parts).capitalize()


@dataclass
class Dump:
    """What :func:`generate` wrote."""

    folder: Path
    papers: int
    files: list[Path]
    bytes: int
    names: list[str]
    """The title names, by paper index (see :data:`NAME_PATTERN`)."""
    term_counts: dict[str, int] = field(default_factory=dict)
    """Number of abstracts containing each of :data:`SEARCH_TERMS`."""
    seconds: float = 0.0


def _sentence_pool(rng: random.Random, size: int) -> list[str]:
    """Sentences of 12-30 words drawn from a Zipf-like mix of function and ML words."""
    vocab = _FUNCTION_WORDS + _ML_WORDS
    cum = list(itertools.accumulate(1.0 / (rank + 3) ** 1.05 for rank in range(len(vocab))))
    pool = []
    for _ in range(size):
        words = rng.choices(vocab, cum_weights=cum, k=rng.randint(12, 30))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), rng.choice(_NUMBERS))
        text = " ".join(words)
        pool.append(text[0].upper() + text[1:] + ".")
    return pool


def _rare_words(rng: random.Random, count: int) -> list[str]:
    """Made-up lower-case words, each of which ends up in only a few abstracts."""
    suffixes = ("ic", "ous", "ium", "ity", "ase", "oid")
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choices(_SYLLABLES, k=3)) + rng.choice(suffixes))
    return sorted(words)


def generate(
    papers: int,
    out: Path,
    *,
    seed: int = 0,
    per_page: tuple[int, int] = (50, 100),
    abstract_chars: int = 1500,
) -> Dump:
    """Write ``papers`` papers as page files ``NNNNN_<seed>.txt`` into the folder ``out``.

    Deterministic for a given ``seed``. ``out`` is created; existing ``*.txt`` files in it
    are removed first so that a folder never mixes two dumps.
    """
    start = time.perf_counter()
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.txt"):
        old.unlink()
    pool = _sentence_pool(rng, 4000)
    rare = _rare_words(rng, 3000)
    names = [paper_name(i, seed) for i in range(papers)]
    counts = dict.fromkeys(SEARCH_TERMS, 0)
    files: list[Path] = []
    total = 0
    i = 0
    page_no = 0
    while i < papers:
        n = min(rng.randint(*per_page), papers - i)
        chunks = [HEADER]
        for index in range(i, i + n):
            name = names[index]
            title = (
                f"{name}: {rng.choice(_TITLE_ADJ)} {rng.choice(_TITLE_NOUN)} "
                f"for {rng.choice(_TITLE_TASK)}"
            )
            parts = [
                f"We introduce {name}, a {rng.choice(_TITLE_ADJ).lower()} approach to "
                f"{rng.choice(_TITLE_TASK).lower()}."
            ]
            if rng.random() < 0.5:
                parts.append(f"Its {rng.choice(rare)} variant is studied in detail.")
            for term, share in SEARCH_TERMS.items():
                hit = index % 1000 == 7 if share <= 0.001 else rng.random() < share
                if hit:
                    parts.append(rng.choice(_TERM_SENTENCES[term]))
                    counts[term] += 1
            size = sum(len(p) + 1 for p in parts)
            while size < abstract_chars - 120:
                s = pool[rng.randrange(len(pool))]
                parts.insert(rng.randrange(1, len(parts) + 1), s)
                size += len(s) + 1
            if index % 3 == 0:
                parts.append(f"Code is available at https://github.com/lab{index % 97}/{name}.")
            abstract = " ".join(parts)
            day = rng.randint(1, 28)
            upvotes = "" if rng.random() < 0.1 else f" {int(rng.paretovariate(1.2))}"
            published = f"{rng.choice(_MONTHS)} {day}, {rng.choice((2023, 2024))}{upvotes}"
            chunks.append(
                f"{title}\n\n{abstract}\n\n  • {rng.randint(1, 40)} authors\n·\n{published}\n\n"
            )
        data = "".join(chunks).encode("utf-8")
        path = out / f"{page_no:05d}_s{seed}.txt"
        path.write_bytes(data)
        files.append(path)
        total += len(data)
        i += n
        page_no += 1
    return Dump(out, papers, files, total, names, counts, time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a dump and print a one-line summary."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--papers", type=int, required=True, help="number of papers")
    parser.add_argument("--out", type=Path, required=True, help="folder to write pages into")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    dump = generate(args.papers, args.out, seed=args.seed)
    terms = ", ".join(f"{t}: {c}" for t, c in dump.term_counts.items())
    print(
        f"{dump.papers} papers in {len(dump.files)} pages, {dump.bytes / 1e6:.1f} MB, "
        f"{dump.seconds:.2f} s ({terms}) -> {dump.folder}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
