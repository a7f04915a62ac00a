"""Export papers as BibTeX: one ``@misc`` entry per paper (``papertui export --format bibtex``).

Pure functions, no I/O. Text from pages is data: every LaTeX special character in a title or
note is escaped (``50% of {x}`` becomes ``50\\% of \\{x\\}``), so an entry always parses and
prints what the page said. Titles are wrapped in a second pair of braces so that BibTeX
styles keep their capitals (``{{BERT}}``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from papertui.links import is_safe_url
from papertui.models import Paper, TriageState

__all__ = ["bibtex_url", "citation_key", "latex_escape", "to_bibtex"]

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_LATEX_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))
# In a url field only the braces (and a backslash before them) matter to BibTeX; white
# space would end the URL for most styles.
_URL_UNSAFE = re.compile(r"[{}\\\s]")
_KEY_WORD = re.compile(r"[a-z0-9]+")
_SKIPPED_WORDS = frozenset({"a", "an", "the", "on", "of", "in", "for", "to", "towards", "with"})


def latex_escape(text: str) -> str:
    """``text`` on one line with LaTeX's special characters escaped (white space runs become
    one space)."""
    text = " ".join(text.split())
    return _LATEX_SPECIAL_RE.sub(lambda m: _LATEX_SPECIAL[m[0]], text)


def citation_key(paper: Paper) -> str:
    """A citation key that never changes for the paper: its first significant title word
    (ASCII letters and digits), its year when known, and its id (``hunyuan3d2025-4ce64dd5f3ca``).
    The id (from the title) keeps keys unique and the same on every export."""
    ascii_title = unicodedata.normalize("NFKD", paper.title).encode("ascii", "ignore").decode()
    words = _KEY_WORD.findall(ascii_title.lower())
    word = next((w for w in words if w not in _SKIPPED_WORDS), words[0] if words else "paper")
    year = str(paper.published.year) if paper.published else ""
    return f"{word[:20]}{year}-{paper.id}"


def bibtex_url(paper: Paper) -> str | None:
    """The link an entry's ``url`` field gets: the paper's first safe code link, else its
    first safe project link, else none. (The one place to change when papers get a link of
    their own.)"""
    for url in (*paper.code_urls, *paper.project_urls):
        if is_safe_url(url):
            return url
    return None


def _url_field(url: str) -> str:
    """``url`` with the characters that could end or unbalance a braced field encoded."""
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), url)


def _entry(paper: Paper, state: TriageState) -> str:
    """One ``@misc`` entry."""
    fields = [("title", "{" + (latex_escape(paper.title) or "Untitled") + "}")]
    if paper.published is not None:
        fields.append(("year", str(paper.published.year)))
    url = bibtex_url(paper)
    if url is not None:
        fields.append(("url", _url_field(url)))
    note = latex_escape(state.note)
    if note:
        fields.append(("note", note))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{citation_key(paper)},\n{body}\n}}\n"


def to_bibtex(items: Iterable[tuple[Paper, TriageState]]) -> str:
    """A BibTeX file with one ``@misc`` entry per paper, in the given order, blank lines
    between them (the empty string for no papers)."""
    entries: Sequence[str] = [_entry(paper, state) for paper, state in items]
    return "\n".join(entries)
