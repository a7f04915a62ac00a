"""Relevance: rank papers by resemblance to the ones the user kept, and explain why.

Pure (no Textual, no storage); needs numpy, which it imports itself: importing this module
is cheap, building features is not.

Each paper is a sparse vector of *terms*: the words of its title and abstract (title words
count twice) and the pairs of neighbouring words (``"radiance field"``), less stop words.
A term weighs ``(1 + log tf) * idf``; each vector is cut to its :data:`KEEP` heaviest terms
and scaled to unit length. Terms are hashed into :data:`BUCKETS` slots (CRC-32), so no
vocabulary is kept in memory: the few words a "why" line names are found again in the one
paper it is about (:meth:`Features.why`).

The *profile* of a set of examples is the mean vector of the positives (each term weighted
by the share of positives that have it, by its relevance weight,
:func:`_relevance_weight`, and, with several positives, by its idf once more,
:data:`IDF_POWER`), less half the mean of the negatives; a paper's score is its dot
product with the profile (cosine-like, since vectors have unit length), then one round of
*feedback*: the mean vector of the best :data:`FEEDBACK` papers that are not examples
(weighted by idf as the profile is) is added at a third of the weight, and the papers
scored again. That round is what helps most on a narrow library where every paper shares
the same vocabulary ("transformer", "diffusion"): it pulls in the words the examples'
neighbours share rather than those of one example.

Scoring reads postings (term -> papers) for the profile's heaviest :data:`PROFILE_TERMS`
terms only, so one ranking at 100k papers costs a few milliseconds; adding a positive adds
its vector to a running sum (:class:`Profile`), microseconds.

The features are built with the search index (``papertui index``) and saved next to it
(:meth:`Features.save`); papers imported since are added in memory (:meth:`Features.extend`).
"""

from __future__ import annotations

import mmap
import re
import struct
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from io import FileIO
from itertools import filterfalse, islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from papertui.fsutil import atomic_write
from papertui.relevance import MIN_POSITIVES
from papertui.tokens import CHUNK, KINDS, sorted_unique

if TYPE_CHECKING:
    import numpy.typing as npt

    from papertui.tokens import Chunk, Vocabulary

__all__ = [
    "BUCKETS",
    "FEEDBACK",
    "KEEP",
    "MIN_POSITIVES",
    "Features",
    "FeaturesDamaged",
    "Profile",
    "build",
    "signature",
    "terms_of",
]

BUCKETS = 1 << 21
"""Hash slots for terms (2M: few collisions among the terms of a large library)."""
KEEP = 64
"""Terms kept per paper: its heaviest ones (rare, topical words and phrases)."""
PROFILE_TERMS = 400
"""Terms of a profile used to score (its heaviest)."""
FEEDBACK = 16
"""Best-scored non-example papers whose mean vector is folded into the profile."""
FEEDBACK_WEIGHT = 1 / 3
FEEDBACK_FLOOR = 0.5
"""Feedback papers must score at least this share of the best one."""
NEGATIVE_WEIGHT = 0.5
SHARED = 0.5
"""A profile term's weight grows with the share of positives that have it, to this power."""
TITLE_REPEAT = 2
MAX_SHARE = 0.5
"""Terms in more than this share of the papers are left out (they tell no paper apart)."""
MIN_DF = 5
"""Terms in fewer papers than this are left out (in a small library: 2% of its papers, and
at least 2): a word of one or two abstracts links few papers, and as one of a paper's
rarest it would take much of its vector's weight from the words of its topic."""
MIN_DF_SHARE = 0.02
RSJ_POWER = 0.5
"""A profile term is weighted by its relevance weight (:func:`_relevance_weight`) to this
power (0: not at all)."""
RSJ_SMOOTHING = 0.5
IDF_POWER = 1.0
"""With two positives or more, each term of the profile (and of its feedback) is weighted
once more by its idf, to this power (0: not at all): the rarer words the examples have
say more about what they are (*speech*, *video*) than the common words of the whole
library they also have (*generation*, *diffusion*). One paper's own vector (``similar``)
already has its idf and is left as it is."""

MAGIC = b"papertui ranking features\n"
FORMAT_VERSION = 2

_WORD = re.compile(r"[^\W_]+")

STOP_WORDS = frozenset(
    """a about above across after again against all almost along also although always am
    among an and another any are around as at be because been before being below between
    both but by can cannot could did do does doing done down during each either else enough
    etc even ever every few for from further had has have having he her here hers him his
    how however i if in into is it its itself just least less like made make makes many may
    me might more most much must my neither no nor not now of off often on once one only onto
    or other others otherwise our ours out over own per perhaps rather same see seem seems
    several she should since so some such than that the their theirs them then there
    therefore these they this those though through thus to too toward towards under until up
    upon us use used uses using very via was we well were what whatever when where whether
    which while who whom whose why will with within without would yet you your yours
    able achieve achieved achieves achieving address approach approaches based better
    challenge challenges demonstrate demonstrates existing experiments extensive first
    furthermore introduce introduces large limited method methods model models moreover
    new novel paper performance present previous propose proposed provide recent recently
    results show shows significant significantly state strong study successfully task tasks
    three two various work works art code available github https http com www""".split()  # noqa: SIM905
)
"""Words too common, in any paper, to say what it is about."""


def signature(text: str) -> int:
    """The CRC-32 of a paper's text (as :func:`papertui.wordindex.signature`): tells whether
    the features stored for a paper are still about its text."""
    return zlib.crc32(text.encode())


_PUNCTUATION = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_SKIP = STOP_WORDS | {chr(c) for c in range(128)}


def _words(text: str) -> list[str]:
    """The words of some text that can say what it is about: runs of letters and digits,
    case-folded, less stop words, single characters and plain numbers."""
    text = text.casefold()
    if text.isascii():  # nearly always: C-level passes only
        raw = text.translate(_PUNCTUATION).split()
        return list(filterfalse(_SKIP.__contains__, filterfalse(str.isdigit, raw)))
    return [
        w for w in _WORD.findall(text) if len(w) > 1 and w not in STOP_WORDS and not w.isdigit()
    ]


def terms_of(text: str) -> list[str]:
    """A paper's terms with repeats: words and neighbouring pairs of its text.

    ``text`` is the search text (``title\\nabstract``, see
    :func:`papertui.query.search_text`); the title's terms are counted
    :data:`TITLE_REPEAT` times.
    """
    title, _, abstract = text.partition("\n")
    out: list[str] = []
    for part, times in ((title, TITLE_REPEAT), (abstract, 1)):
        words = _words(part)
        grams = words + list(map(" ".join, zip(words, islice(words, 1, None), strict=False)))
        out += grams * times
    return out


_MIX = 0x9E3779B1


def _bucket(term: str) -> int:
    """A term's hash slot: the CRC-32 of a word; for a pair of words, the two words' CRCs
    mixed (as :func:`build` computes them for every pair at once)."""
    first, _, second = term.partition(" ")
    a = zlib.crc32(first.encode())
    if not second:
        return a & (BUCKETS - 1)
    return ((a * _MIX) ^ zlib.crc32(second.encode())) & (BUCKETS - 1)


class FeaturesDamaged(Exception):
    """The features file is not one this version wrote, or is damaged."""


@dataclass
class Features:
    """Every paper's term vector, by rows (papers) and by columns (postings).

    ``ids[i]`` is the paper of row ``i``. Rows ``[0, covered)`` are those the postings
    hold; later rows (:meth:`extend`) are scored one by one.
    """

    ids: list[str]
    sigs: list[int]
    """:func:`signature` of the text each row was built from."""
    indptr: npt.NDArray[Any]
    terms: npt.NDArray[Any]
    weights: npt.NDArray[Any]
    idf_terms: npt.NDArray[Any]
    """The buckets that have an idf (sorted)."""
    idf_values: npt.NDArray[Any]
    """Their idf (a bucket not listed has none: no indexed paper has its terms)."""
    docs: int
    """Papers the idf was counted over."""
    postings: tuple[npt.NDArray[Any], ...] | None = None
    """``(prows, pweights, uterms, ustart)`` when read from a file (else made from the rows)."""
    uterms: npt.NDArray[Any] = field(init=False)
    """The buckets the postings hold (sorted); ``ustart[k]:ustart[k + 1]`` is the slice of
    ``prows``/``pweights`` for ``uterms[k]`` (memory in proportion to the terms in use, not
    to :data:`BUCKETS`)."""
    ustart: npt.NDArray[Any] = field(init=False)
    prows: npt.NDArray[Any] = field(init=False)
    pweights: npt.NDArray[Any] = field(init=False)
    covered: int = field(init=False)
    row: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        import numpy as np

        self.row = dict(zip(self.ids, range(len(self.ids)), strict=True))
        self.covered = len(self.ids)
        if self.postings is not None:
            self.prows, self.pweights, self.uterms, self.ustart = self.postings
            self.postings = None
        else:
            rows = np.repeat(np.arange(len(self.ids), dtype=np.uint64), np.diff(self.indptr))
            # by term, then row: one key each (a row has a term once); timsort is faster
            # than quicksort on these keys (they come row by row)
            keys = (self.terms.astype(np.uint64) << np.uint64(32)) | rows
            order = np.argsort(keys, kind="stable")
            self.prows = rows[order].astype(np.int32)
            self.pweights = self.weights[order]
            ordered = self.terms[order]
            starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
            self.uterms = ordered[starts] if len(ordered) else np.zeros(0, np.int32)
            self.ustart = np.append(starts, len(ordered)).astype(np.int64)
        self._extra: list[tuple[npt.NDArray[Any], npt.NDArray[Any]]] = []
        self.quiet: list[int] = []
        """Rows whose paper has a newer row (its text changed): never scored up."""

    def __len__(self) -> int:
        return len(self.ids)

    # -- rows ------------------------------------------------------------------------------
    def vector(self, row: int) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        """The buckets and weights of a row."""
        if row >= self.covered:
            return self._extra[row - self.covered]
        a, b = self.indptr[row], self.indptr[row + 1]
        return self.terms[a:b], self.weights[a:b]

    def extend(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        """Add (or replace) papers not covered: new imports, or changed texts. They are
        weighted with the idf already counted and scored directly, not via postings."""
        for pid, text in zip(ids, texts, strict=True):
            vec = self._vectorise(text)
            sig = signature(text)
            i = self.row.get(pid)
            if i is not None and i >= self.covered:
                self._extra[i - self.covered] = vec
                self.sigs[i] = sig
                continue
            if i is not None:  # an indexed paper whose text changed: its old row goes quiet
                self.ids[i] = ""
                self.quiet.append(i)
            self.row[pid] = len(self.ids)
            self.ids.append(pid)
            self.sigs.append(sig)
            self._extra.append(vec)

    def _vectorise(self, text: str) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        import numpy as np

        tf = Counter(map(_bucket, terms_of(text)))
        if not tf:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        buckets = np.fromiter(tf, np.int32, len(tf))
        counts = np.fromiter(tf.values(), np.float32, len(tf))
        idf = self.idf_of(buckets)
        idf[idf == 0] = _idf(1, self.docs + 1)
        return _normalised(buckets, (1 + np.log(counts)) * idf)

    def idf_of(self, buckets: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """The idf of some buckets (0 for those without one)."""
        return _lookup(self.idf_terms, self.idf_values, buckets)

    def df_of(self, buckets: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """How many of the :attr:`docs` papers have each bucket's terms (read back from
        the idf; a bucket without one, a term of papers added since, counts as in 1)."""
        import numpy as np

        idf = self.idf_of(buckets).astype(np.float64)
        df = (1 + self.docs) / np.exp(idf - 1) - 1
        return np.where(idf > 0, np.maximum(np.rint(df), 1), 1)

    # -- scoring ---------------------------------------------------------------------------
    def scores(self, profile: dict[int, float]) -> npt.NDArray[Any]:
        """Each row's dot product with a profile (bucket -> weight)."""
        import numpy as np

        n = len(self.ids)
        if not profile:
            return np.zeros(n, np.float32)
        heavy = sorted(profile.items(), key=lambda kv: -abs(kv[1]))[:PROFILE_TERMS]
        prows, pw, ustart = self.prows, self.pweights, self.ustart
        wanted = np.fromiter((t for t, _ in heavy), np.int64, len(heavy))
        at = np.searchsorted(self.uterms, wanted)
        found = at < len(self.uterms)
        found[found] = self.uterms[at[found]] == wanted[found]
        rows: list[npt.NDArray[Any]] = []
        vals: list[npt.NDArray[Any]] = []
        for (_t, w), k, hit in zip(heavy, at.tolist(), found.tolist(), strict=True):
            if hit:
                a, b = ustart[k], ustart[k + 1]
                rows.append(prows[a:b])
                vals.append(pw[a:b] * w)
        out: npt.NDArray[Any] = np.zeros(n)
        if rows:
            out = np.bincount(np.concatenate(rows), np.concatenate(vals), minlength=n)
        if self._extra:
            dense = dict(heavy)
            for k, (terms, weights) in enumerate(self._extra, self.covered):
                out[k] = sum(
                    dense.get(t, 0.0) * w
                    for t, w in zip(terms.tolist(), weights.tolist(), strict=True)
                )
        return out

    def profile_of(self, rows: Iterable[int]) -> dict[int, float]:
        """The sum of some rows' vectors."""
        total: defaultdict[int, float] = defaultdict(float)
        for r in rows:
            terms, weights = self.vector(r)
            for t, w in zip(terms.tolist(), weights.tolist(), strict=True):
                total[t] += w
        return dict(total)

    def why(self, profile: dict[int, float], text: str, limit: int = 4) -> list[str]:
        """The terms of ``text`` (a paper's search text) that weigh most in its score under
        ``profile``, heaviest first; a word inside a phrase already named is left out."""
        import numpy as np

        tf = Counter(terms_of(text))
        if not tf or not profile:
            return []
        names = list(tf)
        buckets = np.fromiter(map(_bucket, names), np.int64, len(names))
        counts = np.fromiter(tf.values(), np.float64, len(names))
        idf = self.idf_of(buckets).astype(np.float64)
        weight = (1 + np.log(counts)) * idf
        push = np.fromiter((profile.get(int(b), 0.0) for b in buckets), np.float64, len(names))
        contrib = weight * push
        picked: list[str] = []
        for k in np.argsort(-contrib, kind="stable").tolist():
            if contrib[k] <= 0 or len(picked) == limit:
                break
            term = names[k]
            words = term.split()
            named = {w for p in picked if " " in p for w in p.split()}
            if named.intersection(words):
                continue  # a word of a phrase named, or a phrase overlapping one
            if len(words) > 1:  # a phrase replaces its words already named
                picked = [p for p in picked if p not in words]
            picked.append(term)
        return picked

    # -- file ------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the covered rows to ``path`` (atomically), checksummed."""
        import numpy as np

        c = self.covered
        head = {
            "version": FORMAT_VERSION,
            "docs": self.docs,
            "rows": c,
            "nnz": int(self.indptr[c]),
        }
        ids = "\n".join(self.ids[:c]).encode()
        parts = [
            ids,
            np.asarray(self.sigs[:c], np.uint32).tobytes(),
            self.indptr[: c + 1].astype(np.int64).tobytes(),
            self.terms[: self.indptr[c]].astype(np.int32).tobytes(),
            self.weights[: self.indptr[c]].astype(np.float32).tobytes(),
            self.idf_terms.astype(np.int32).tobytes(),
            self.idf_values.astype(np.float32).tobytes(),
            self.prows.astype(np.int32).tobytes(),
            self.pweights.astype(np.float32).tobytes(),
            self.uterms.astype(np.int32).tobytes(),
            self.ustart.astype(np.int64).tobytes(),
        ]
        import json

        head_b = json.dumps({**head, "lengths": [len(p) for p in parts]}).encode()
        body = b"".join(parts)
        crc = zlib.crc32(body, zlib.crc32(head_b))
        atomic_write(path, b"".join((MAGIC, struct.pack("<II", len(head_b), crc), head_b, body)))

    @classmethod
    def load(cls, path: Path) -> Features:
        """Read a file :meth:`save` wrote (:class:`FeaturesDamaged` if it is not one)."""
        import json

        import numpy as np

        with open(path, "rb", buffering=0) as f:
            data = _map(f)
            if data[: len(MAGIC)] != MAGIC or len(data) < len(MAGIC) + 8:
                raise FeaturesDamaged("not a features file")
            at = len(MAGIC)
            hlen, crc = struct.unpack_from("<II", data, at)
            at += 8
            head_b = data[at : at + hlen]
            body = memoryview(data)[at + hlen :]
            if _crc_from(f, at + hlen, zlib.crc32(head_b)) != crc:
                raise FeaturesDamaged("checksum mismatch")
        try:
            head = json.loads(head_b)
            if head.get("version") != FORMAT_VERSION:
                raise FeaturesDamaged(f"format {head.get('version')}")
            chunks: list[memoryview] = []
            pos = 0
            for n in head["lengths"]:
                chunks.append(body[pos : pos + n])
                pos += n
            ids_b, sigs_b, ptr_b, terms_b, w_b, idf_t, idf_v, p_r, p_w, u_t, u_s = chunks
            ids = bytes(ids_b).decode().split("\n") if head["rows"] else []
            feats = cls(
                ids=ids,
                sigs=np.frombuffer(sigs_b, np.uint32).tolist(),
                indptr=np.frombuffer(ptr_b, np.int64),
                terms=np.frombuffer(terms_b, np.int32),
                weights=np.frombuffer(w_b, np.float32),
                idf_terms=np.frombuffer(idf_t, np.int32),
                idf_values=np.frombuffer(idf_v, np.float32),
                docs=int(head["docs"]),
                postings=(
                    np.frombuffer(p_r, np.int32),
                    np.frombuffer(p_w, np.float32),
                    np.frombuffer(u_t, np.int32),
                    np.frombuffer(u_s, np.int64),
                ),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise FeaturesDamaged(str(exc)) from None
        if (
            len(feats.ids) != head["rows"]
            or len(feats.idf_terms) != len(feats.idf_values)
            or not len(feats.prows) == len(feats.terms) == len(feats.pweights)
            or len(feats.ustart) != len(feats.uterms) + 1
        ):
            raise FeaturesDamaged("inconsistent sizes")
        return feats


def _map(f: FileIO) -> mmap.mmap | bytes:
    """The file, mapped read-only: its pages are read when used (scoring reads a few
    hundred terms' postings of a 100 MB file), so the app does not hold it all in memory.
    The file is never changed in place (it is replaced whole), so the mapping stays valid."""
    try:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (ValueError, OSError):  # an empty file, or one that cannot be mapped
        return f.read()


def _crc_from(f: FileIO, start: int, crc: int) -> int:
    """The CRC-32 of the file from ``start`` on, read a megabyte at a time (not through
    the mapping, which would leave every page of it in this process's memory)."""
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    f.seek(start)
    while n := f.readinto(buf):
        crc = zlib.crc32(view[:n], crc)
    return crc


def _lookup(
    keys: npt.NDArray[Any], values: npt.NDArray[Any], wanted: npt.NDArray[Any]
) -> npt.NDArray[Any]:
    """``values`` at the positions of ``wanted`` in the sorted ``keys`` (0 where missing)."""
    import numpy as np

    out = np.zeros(len(wanted), np.float32)
    if not len(keys):
        return out
    at = np.searchsorted(keys, wanted)
    ok = at < len(keys)
    ok[ok] = keys[at[ok]] == wanted[ok]
    out[ok] = values[at[ok]]
    return out


def _idf(df: Any, docs: int) -> Any:
    import numpy as np

    return np.log((1 + docs) / (1 + np.asarray(df, np.float64))) + 1


def min_df(docs: int) -> int:
    """The fewest papers a term must be in to count, in a library of ``docs`` papers."""
    return max(2, min(MIN_DF, int(docs * MIN_DF_SHARE)))


def _relevance_weight(
    r: npt.NDArray[Any], positives: int, df: npt.NDArray[Any], docs: int
) -> npt.NDArray[Any]:
    """Robertson and Sparck Jones' relevance weight of terms that ``r`` of the
    ``positives`` have and ``df`` of the ``docs`` papers have: the log-odds of a term
    among the positives against among the other papers (smoothed by
    :data:`RSJ_SMOOTHING`). High for a term most positives have and few other papers
    (*speech* for speech papers), low for one every kind of paper has (*generation*) and
    for one only a single positive has; what a classifier of the positives against the
    rest would learn, in closed form."""
    import numpy as np

    k = RSJ_SMOOTHING
    df = np.clip(df, r, docs)
    inside = (r + k) / (positives - r + k)
    outside = (df - r + k) / np.maximum(docs - df - (positives - r) + k, k)
    return cast("npt.NDArray[Any]", np.log(inside / outside))


def _idf_or_rarest(features: Features, buckets: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The idf of some buckets; a bucket without one (a term only papers added since have)
    gets the idf of a term of one paper, as :meth:`Features.extend` weighs it."""
    import numpy as np

    idf = features.idf_of(buckets).astype(np.float64)
    idf[idf == 0] = _idf(1, features.docs + 1)
    return idf


def _idf_weighted(features: Features, vector: dict[int, float]) -> dict[int, float]:
    """A vector's terms weighted by their idf to the power :data:`IDF_POWER`, kept at the
    length it had."""
    import numpy as np

    if not vector:
        return vector
    terms = list(vector)
    buckets = np.fromiter(terms, np.int64, len(terms))
    w = np.fromiter(vector.values(), np.float64, len(terms))
    length = float(np.sqrt(np.dot(w, w)))
    out = w * _idf_or_rarest(features, buckets) ** IDF_POWER
    now = float(np.sqrt(np.dot(out, out)))
    if now:
        out *= length / now
    return dict(zip(terms, out.tolist(), strict=True))


def _normalised(
    terms: npt.NDArray[Any], weights: npt.NDArray[Any]
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """A vector's :data:`KEEP` heaviest terms, scaled to unit length."""
    import numpy as np

    if len(weights) > KEEP:
        top = np.argpartition(-weights, KEEP - 1)[:KEEP]
        terms, weights = terms[top], weights[top]
    norm = float(np.sqrt(np.dot(weights, weights)))
    if norm:
        weights = weights / norm
    return terms.astype(np.int32), weights.astype(np.float32)


class TermCounts:
    """The term counts of papers, gathered chunk by chunk (:mod:`papertui.tokens`), then
    made into :class:`Features` (:meth:`features`; see :func:`build`)."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        import numpy as np

        self._vocabulary = vocabulary
        self._crc = np.zeros(0, np.uint64)
        """The CRC-32 of each word of the vocabulary (by number)."""
        self._skip = np.zeros(0, bool)
        """Whether a word says nothing of what a paper is about (as :func:`_words`)."""
        self._parts: list[tuple[npt.NDArray[Any], int]] = []
        self._df = np.zeros(BUCKETS, np.int64)
        self._sigs: list[int] = []

    def _words_known(self) -> None:
        import numpy as np

        new = self._vocabulary.words(len(self._crc))
        if not new:
            return
        text = [w.decode("utf-8", "replace") for w in new]
        crc = np.fromiter(map(zlib.crc32, new), np.uint64, len(new))
        skip = np.fromiter(
            (len(w) <= 1 or w in STOP_WORDS or w.isdigit() for w in text), bool, len(new)
        )
        self._crc = np.concatenate((self._crc, crc))
        self._skip = np.concatenate((self._skip, skip))

    def add(self, chunk: Chunk) -> None:
        """Count the terms of a chunk's papers (the papers after those counted so far)."""
        import numpy as np

        self._words_known()
        keep = ~self._skip[chunk.words]
        seg = chunk.segments[keep]
        crc = self._crc[chunk.words[keep]]
        same = seg[:-1] == seg[1:]  # pairs of neighbouring words, within a segment
        pairs = ((crc[:-1] * np.uint64(_MIX)) ^ crc[1:])[same]
        paper = np.concatenate((seg, seg[:-1][same])).astype(np.uint64) // np.uint64(KINDS)
        slots = np.concatenate((crc, pairs)) & np.uint64(BUCKETS - 1)
        keys, first = sorted_unique((paper << np.uint64(_SLOT_BITS)) | slots)
        counts = np.diff(np.append(first, len(paper)))
        # (paper, slot, count) packed in one array: the paper above the slot, the count below
        self._df += np.bincount((keys & np.uint64(BUCKETS - 1)).astype(np.int64), minlength=BUCKETS)
        packed = (keys << np.uint64(8)) | np.minimum(counts, 255).astype(np.uint64)
        self._parts.append((packed, chunk.size))
        self._sigs += chunk.signatures

    def features(self, ids: Sequence[str]) -> Features:
        """The features of the papers counted (``ids``: theirs, in order)."""
        import numpy as np

        n = len(self._sigs)
        if len(ids) != n:
            raise ValueError(f"{len(ids)} ids for {n} papers")
        idf = _idf(self._df, n).astype(np.float32)
        idf[self._df < min_df(n)] = 0  # a term of one or two papers relates few
        idf[self._df > MAX_SHARE * n] = 0  # nor does one most papers have
        tf_weight = 1 + np.log(np.maximum(np.arange(256, dtype=np.float32), 1))
        terms: list[npt.NDArray[Any]] = []
        weights: list[npt.NDArray[Any]] = []
        lengths: list[npt.NDArray[Any]] = []
        while self._parts:
            packed, size = self._parts.pop(0)
            t, w, per = _heaviest(packed, size, idf, tf_weight)
            terms.append(t)
            weights.append(w)
            lengths.append(per)
        indptr = np.zeros(n + 1, np.int64)
        if n:
            np.cumsum(np.concatenate(lengths), out=indptr[1:])
        idf_terms = np.flatnonzero(idf).astype(np.int32)
        return Features(
            ids=list(ids),
            sigs=self._sigs,
            indptr=indptr,
            terms=np.concatenate(terms) if terms else np.zeros(0, np.int32),
            weights=np.concatenate(weights) if weights else np.zeros(0, np.float32),
            idf_terms=idf_terms,
            idf_values=idf[idf_terms],
            docs=n,
        )


_SLOT_BITS = BUCKETS.bit_length() - 1
_PAPER_BITS = 64 - 31 - _SLOT_BITS
"""In :func:`_heaviest`'s sort key: a paper of the chunk, a weight's 31 bits, a slot."""
assert CHUNK <= 1 << _PAPER_BITS


def _heaviest(
    packed: npt.NDArray[Any], size: int, idf: npt.NDArray[Any], tf_weight: npt.NDArray[Any]
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]:
    """A chunk's rows: each paper's :data:`KEEP` heaviest terms (heaviest first, then by
    slot), scaled to unit length; and how many each paper has."""
    import numpy as np

    slots = (packed >> np.uint64(8)) & np.uint64(BUCKETS - 1)
    paper = packed >> np.uint64(8 + _SLOT_BITS)
    w = tf_weight[(packed & np.uint64(255)).astype(np.intp)] * idf[slots.astype(np.intp)]
    keep = w > 0
    slots, paper, w = slots[keep], paper[keep], w[keep]
    # One sort orders every paper's terms: the bits of a positive float32 order it.
    lighter = np.uint64(0x7FFFFFFF) - w.view(np.uint32).astype(np.uint64)
    key = (paper << np.uint64(64 - _PAPER_BITS)) | (lighter << np.uint64(_SLOT_BITS)) | slots
    key.sort(kind="stable")  # in runs, paper by paper: timsort takes them as they are
    paper = (key >> np.uint64(64 - _PAPER_BITS)).astype(np.intp)
    slots = key & np.uint64(BUCKETS - 1)
    w = np.uint64(0x7FFFFFFF) - ((key >> np.uint64(_SLOT_BITS)) & np.uint64(0x7FFFFFFF))
    w = w.astype(np.uint32).view(np.float32)
    per = np.bincount(paper, minlength=size)
    first = np.concatenate(([0], np.cumsum(per)[:-1]))
    top = np.arange(len(paper)) - first[paper] < KEEP
    paper, slots, w = paper[top], slots[top], w[top]
    norm = np.sqrt(np.bincount(paper, w.astype(np.float64) ** 2, minlength=size))
    w = (w / np.where(norm > 0, norm, 1)[paper]).astype(np.float32)
    return slots.astype(np.int32), w, np.bincount(paper, minlength=size)


def build(
    ids: Sequence[str],
    texts: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
) -> Features:
    """The features of papers from their search texts (``title\\nabstract``).

    The texts are split into words a few thousand papers at a time
    (:func:`papertui.tokens.chunks`), the words hashed once per distinct word; counting,
    document frequencies, weights and the cut to :data:`KEEP` terms run in numpy, a chunk
    at a time (no vocabulary of terms is kept).
    """
    from papertui.tokens import Vocabulary, chunks

    vocabulary = Vocabulary()
    counts = TermCounts(vocabulary)
    for chunk in chunks(texts, vocabulary):
        counts.add(chunk)
        if progress is not None:
            progress(chunk.start + chunk.size, len(texts))
    return counts.features(ids)


@dataclass
class Profile:
    """What the user's examples have in common, kept up to date one example at a time.

    ``positives`` and ``negatives`` are paper ids; :meth:`update` moves to new sets at the
    cost of the papers that changed.
    """

    features: Features
    positives: set[str] = field(default_factory=set)
    negatives: set[str] = field(default_factory=set)
    _pos: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    _neg: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    _pos_n: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))
    """How many positives have each term."""
    _scores: Any = None
    _base: dict[int, float] | None = None
    _final: dict[int, float] = field(default_factory=dict)

    def update(self, positives: Iterable[str], negatives: Iterable[str] = ()) -> bool:
        """Move to these examples (ids the features do not know are ignored); True if
        anything changed."""
        row = self.features.row
        pos = {p for p in positives if p in row}
        neg = {p for p in negatives if p in row} - pos
        changed = False
        for old, new, acc in ((self.positives, pos, self._pos), (self.negatives, neg, self._neg)):
            for pid, sign in [(p, -1.0) for p in old - new] + [(p, 1.0) for p in new - old]:
                terms, weights = self.features.vector(row[pid])
                for t, w in zip(terms.tolist(), weights.tolist(), strict=True):
                    acc[t] += sign * w
                if acc is self._pos:
                    for t in terms.tolist():
                        self._pos_n[t] += int(sign)
                changed = True
            old.clear()
            old.update(new)
        if changed:
            self._scores = self._base = None
        return changed

    @property
    def base(self) -> dict[int, float]:
        """Mean positive vector less :data:`NEGATIVE_WEIGHT` times the mean negative one.

        Each term of the positives' mean is weighted up by the share of positives that
        have it (to the power :data:`SHARED`) and by its relevance weight (to the power
        :data:`RSJ_POWER`), the whole kept at the length it had: the weights say which of
        the positives' words are the ones they have in common and other papers lack."""
        if self._base is not None:
            return self._base
        out: dict[int, float] = {}
        if self.positives:
            out = self._positive_part()
        if self.negatives:
            scale = NEGATIVE_WEIGHT / len(self.negatives)
            for t, w in self._neg.items():
                out[t] = out.get(t, 0.0) - w * scale
        self._base = out
        return out

    def _positive_part(self) -> dict[int, float]:
        import numpy as np

        n = len(self.positives)
        share = self._pos_n
        terms = [t for t, c in share.items() if c > 0]
        if not terms:
            return {}
        feats = self.features
        buckets = np.fromiter(terms, np.int64, len(terms))
        have = np.fromiter(map(share.__getitem__, terms), np.float64, len(terms))
        mean = np.fromiter(map(self._pos.__getitem__, terms), np.float64, len(terms)) / n
        out = mean * (have / n) ** SHARED
        length = float(np.sqrt(np.dot(out, out)))
        if RSJ_POWER:
            rsj = _relevance_weight(have, n, feats.df_of(buckets), feats.docs)
            out = out * (1 + np.maximum(rsj, 0)) ** RSJ_POWER
        if n > 1 and IDF_POWER:
            out = out * _idf_or_rarest(feats, buckets) ** IDF_POWER
        now = float(np.sqrt(np.dot(out, out)))
        if now:
            out *= length / now
        return dict(zip(terms, out.tolist(), strict=True))

    def scores(self) -> npt.NDArray[Any]:
        """Every row's score (cached until the examples change)."""
        import numpy as np

        if self._scores is not None:
            return cast("npt.NDArray[Any]", self._scores)
        feats = self.features
        base = self.base
        first = feats.scores(base)
        known = [feats.row[p] for p in self.positives | self.negatives]
        masked = first.copy()
        masked[known] = -np.inf
        masked[feats.quiet] = -np.inf
        top: list[int] = []
        if len(masked):
            best = np.argpartition(-masked, min(FEEDBACK, len(masked) - 1))[:FEEDBACK]
            floor = FEEDBACK_FLOOR * float(masked[best].max())
            top = [int(i) for i in best.tolist() if masked[i] > max(floor, 0)]
        final = dict(base)
        if top and self.positives:
            scale = FEEDBACK_WEIGHT / len(top)
            feedback = feats.profile_of(top)
            if len(self.positives) > 1 and IDF_POWER:
                feedback = _idf_weighted(feats, feedback)
            for t, w in feedback.items():
                final[t] = final.get(t, 0.0) + w * scale
            self._scores = feats.scores(final)
        else:
            self._scores = first
        self._final = final
        return cast("npt.NDArray[Any]", self._scores)

    def order(self, ids: Sequence[str]) -> list[str]:
        """``ids`` best first (a stable sort: ties keep their order; unknown ids last)."""
        import numpy as np

        scores = self.scores()
        row = self.features.row
        rows = np.fromiter(map(row.get, ids, repeat(-1)), np.int64, len(ids))
        keyed = np.where(rows >= 0, scores[rows], -np.inf)
        return list(map(ids.__getitem__, np.argsort(-keyed, kind="stable").tolist()))

    def invalidate(self) -> None:
        """Forget the scores (the features grew): the next call scores again."""
        self._scores = self._base = None

    def best(self, n: int) -> list[tuple[str, float]]:
        """The ``n`` best-scored papers that are not examples (score > 0), best first."""
        import numpy as np

        feats = self.features
        scores = self.scores().copy()
        scores[[feats.row[p] for p in self.positives | self.negatives]] = -np.inf
        scores[feats.quiet] = -np.inf
        n = min(n, len(scores))
        if n <= 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        ids = feats.ids
        return [(ids[i], float(scores[i])) for i in top.tolist() if scores[i] > 0 and ids[i]]

    def why(self, text: str, limit: int = 4) -> list[str]:
        """What in a paper's text (its search text) it shares with the examples (see
        :meth:`Features.why`; the feedback round is left out: the words named are the
        user's own papers' words)."""
        return self.features.why(self.base, text, limit)


def similar(features: Features, pid: str, n: int) -> list[tuple[str, float]]:
    """The ``n`` papers most like ``pid`` (best first, with their scores), itself left out."""
    profile = Profile(features)
    profile.update([pid])
    return profile.best(n)
