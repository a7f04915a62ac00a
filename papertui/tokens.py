"""Search texts split into words, a few thousand papers at a time, the words as numbers.

Splitting 100k abstracts into words is most of the work of building the ranking features
(:mod:`papertui.ranking`); :func:`chunks` does it with C-level passes only (``translate``,
``split``, one dictionary look-up per word), so that everything after the split runs in
numpy. The texts are search texts (``title\\nabstract``, case-folded:
:func:`papertui.query.search_text`).

A :class:`Chunk` holds, for a run of papers, the number of each word (:class:`Vocabulary`)
and the *segment* it is in, three per paper (``3 * paper + kind``): kinds 0 and 1 are the
title (twice: title words weigh double, :data:`papertui.ranking.TITLE_REPEAT`), kind 2 the
abstract. Words are runs of Unicode letters and digits (``[^\\W_]+``); for ASCII text
without capitals (nearly every search text) that is a ``bytes.translate`` and a ``split``.

Pure: no Textual, no storage; numpy, imported when a chunk is made.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["CHUNK", "KINDS", "WORD_BYTES", "Chunk", "Vocabulary", "chunks", "sorted_unique"]

WORD_BYTES = bytes(c if (48 <= c <= 57 or 97 <= c <= 122) else 32 for c in range(256))
"""``bytes.translate`` table for ASCII text without capitals: small letters and digits
stay, every other byte becomes a space."""

KINDS = 3
"""Segments per paper (see the module doc)."""

CHUNK = 4096
"""Papers split at once (bounds the temporary arrays of a build)."""

_UNICODE_WORD = re.compile(r"[^\W_]+")


def _lower(text: bytes) -> bool:
    """Whether ASCII text has no capital letter (``bytes.islower`` needs one small letter)."""
    return text.islower() or text == text.lower()


def sorted_unique(values: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The distinct values, sorted, and where each starts in the sorted ``values``
    (numpy's ``unique`` hashes integers first: several times slower on these arrays).

    The values come in runs (a paper's, then the next paper's): the stable sort (timsort)
    takes the runs as they are, twice as fast here as the default quicksort."""
    import numpy as np

    ordered = np.sort(values, kind="stable")
    first = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return ordered[first], first


class Vocabulary(dict[bytes, int]):
    """Every word met so far -> its number (in the order met)."""

    def __missing__(self, word: bytes) -> int:
        number = self[word] = len(self)
        return number

    def words(self, start: int = 0) -> list[bytes]:
        """The words, by number (from number ``start`` on)."""
        return list(islice(self, start, None))


@dataclass
class Chunk:
    """The words of papers ``start .. start + size`` (see the module doc)."""

    start: int
    size: int
    words: npt.NDArray[Any]
    """The number of each word (int32), paper by paper, segment by segment."""
    segments: npt.NDArray[Any]
    """The segment of each word (``KINDS * paper + kind``, paper counted in the chunk)."""
    signatures: list[int]
    """The CRC-32 of each paper's text, UTF-8 (:func:`papertui.ranking.signature`)."""


def chunks(texts: Sequence[str], vocabulary: Vocabulary) -> Iterator[Chunk]:
    """Split ``texts`` into words, :data:`CHUNK` papers at a time, numbering the words in
    ``vocabulary`` (new words are added to it)."""
    import numpy as np

    number = vocabulary.__getitem__
    for at in range(0, len(texts), CHUNK):
        words: list[bytes] = []
        lengths: list[int] = []
        sigs: list[int] = []
        for text in texts[at : at + CHUNK]:
            title, newline, abstract = text.partition("\n")
            t = title.encode()
            a = abstract.encode()
            sigs.append(zlib.crc32(a, zlib.crc32(newline.encode(), zlib.crc32(t))))
            if text.isascii() and _lower(t) and _lower(a):
                tw = t.translate(WORD_BYTES).split()
                aw = a.translate(WORD_BYTES).split()
            else:
                tw = [w.encode() for w in _UNICODE_WORD.findall(title.casefold())]
                aw = [w.encode() for w in _UNICODE_WORD.findall(abstract.casefold())]
            words += tw
            words += tw
            words += aw
            lengths += (len(tw), len(tw), len(aw))
        size = len(sigs)
        yield Chunk(
            start=at,
            size=size,
            words=np.fromiter(map(number, words), np.int32, len(words)),
            segments=np.repeat(np.arange(KINDS * size, dtype=np.int32), lengths),
            signatures=sigs,
        )
