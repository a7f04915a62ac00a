"""A link to every paper: its arXiv page when its id is known, else a search for its title.

Pure functions, no I/O. The Daily Papers pages give no link to the paper itself; many
abstracts carry one though (``https://arxiv.org/abs/2410.01234``,
``huggingface.co/papers/2410.01234``): such a link is the paper's own, so
:func:`split_paper_links` takes it out of the code and project links and keeps its arXiv id.
For every other paper the paper link is a search for its exact title on a configurable site
(:class:`PaperLinkSite`; Hugging Face papers search by default).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from papertui.models import Paper

__all__ = [
    "ARXIV_ABS",
    "DEFAULT_SITE",
    "SITES",
    "Link",
    "LinkKind",
    "PaperLinkSite",
    "all_links",
    "arxiv_id_of",
    "drop_tracking",
    "split_paper_links",
]

ARXIV_ABS = "https://arxiv.org/abs/{arxiv_id}"
"""The paper link of a paper whose arXiv id is known."""

SITES: dict[str, str] = {
    "huggingface": "https://huggingface.co/papers?q={title}",
    "arxiv": "https://arxiv.org/search/?query={title}&searchtype=title",
    "semantic-scholar": "https://www.semanticscholar.org/search?q={title}",
    "google-scholar": "https://scholar.google.com/scholar?q=%22{title}%22",
}
"""The built-in title searches, by the name the config file uses."""

DEFAULT_SITE = "huggingface"
"""The title search used unless the config file picks another."""

# New-style ids (2410.01234, optionally v2) and old-style ones (hep-th/9901001, math.GT/0309136).
_ID = r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_ARXIV_URL = re.compile(
    r"https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/" + _ID + r"(?:\.pdf)?/?$",
    re.IGNORECASE,
)
_HF_PAPER_URL = re.compile(
    r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/papers/" + _ID + r"/?$", re.IGNORECASE
)


def arxiv_id_of(url: str) -> str | None:
    """The arXiv id ``url`` is the page (or PDF) of, without its version; None when it is
    not an arXiv or Hugging Face paper page.

    >>> arxiv_id_of("https://arxiv.org/pdf/2410.01234v2.pdf")
    '2410.01234'
    """
    if "arxiv.org/" not in url.lower() and "/papers/" not in url:
        return None  # the common case, without a regular expression
    match = _ARXIV_URL.match(url) or _HF_PAPER_URL.match(url)
    return match["id"] if match else None


def drop_tracking(url: str) -> str:
    """``url`` without its ``utm_*`` query parameters (the rest kept in order)."""
    if "utm_" not in url.lower():
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if not k.lower().startswith("utm_")]
    if len(kept) == len(query):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept, quote_via=quote, safe="/:@")))


def _tidy(urls: Iterable[str]) -> tuple[str, ...]:
    """Tracking parameters dropped, duplicates removed, order kept."""
    return tuple(dict.fromkeys(drop_tracking(u) for u in urls))


def split_paper_links(
    code: Iterable[str], project: Iterable[str]
) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """``(arxiv_id, code, project)``: the first arXiv id among the links, and the code and
    project links without the paper's own pages (and without ``utm_*`` parameters).

    Idempotent: splitting what it returned changes nothing (except that the id is gone).
    """
    found: str | None = None
    kept: list[list[str]] = [[], []]
    for which, urls in enumerate((code, project)):
        for url in urls:
            arxiv_id = arxiv_id_of(url)
            if arxiv_id is None:
                kept[which].append(url)
            elif found is None:
                found = arxiv_id
    return found, _tidy(kept[0]), _tidy(kept[1])


def _fill(template: str, title: str, arxiv_id: str | None) -> str:
    """``template`` with ``{title}`` and ``{arxiv_id}`` URL-encoded in (no other braces
    are read, so a template cannot reach anything but these two values)."""
    return template.replace("{title}", quote(title, safe="")).replace(
        "{arxiv_id}", quote(arxiv_id or "", safe="/")
    )


@dataclass(frozen=True)
class PaperLinkSite:
    """How paper links are made.

    :param search: the title search for papers without a known arXiv id: a template with
        ``{title}`` (a built-in one from :data:`SITES`, or the user's own).
    :param arxiv: the link of a paper whose arXiv id is known: a template with
        ``{arxiv_id}`` (and optionally ``{title}``).
    """

    search: str = SITES[DEFAULT_SITE]
    arxiv: str = ARXIV_ABS

    @classmethod
    def from_setting(cls, site: str | None = None, template: str | None = None) -> PaperLinkSite:
        """The config file's ``site`` (a name from :data:`SITES`) and ``template`` (a URL
        with ``{title}`` and/or ``{arxiv_id}``): a template that uses ``{arxiv_id}`` makes
        the links of papers with a known id, one with ``{title}`` only replaces the search.

        :raises ValueError: for an unknown site or a template without a placeholder, or
            not ``http``/``https``.
        """
        search = SITES[DEFAULT_SITE]
        arxiv = ARXIV_ABS
        if site is not None:
            if site not in SITES:
                raise ValueError(f"unknown site {site!r} (one of {', '.join(SITES)})")
            search = SITES[site]
        if template is not None:
            if not template.lower().startswith(("http://", "https://")):
                raise ValueError(f"template {template!r} is not an http(s) URL")
            if "{arxiv_id}" in template:
                arxiv = template
            elif "{title}" in template:
                search = template
            else:
                raise ValueError("template needs {title} or {arxiv_id}")
        return cls(search, arxiv)

    def url(self, title: str, arxiv_id: str | None) -> str:
        """The paper link of a paper with this ``title`` and ``arxiv_id``."""
        if arxiv_id:
            return _fill(self.arxiv, title, arxiv_id)
        return _fill(self.search, " ".join(title.split()), None)

    def paper_url(self, paper: Paper) -> str:
        """``paper``'s paper link."""
        return self.url(paper.title, paper.arxiv_id)


LinkKind = Literal["paper", "code", "project"]
"""What a link leads to."""


@dataclass(frozen=True)
class Link:
    """One link of a paper, with what it leads to."""

    kind: LinkKind
    url: str


def all_links(paper: Paper, site: PaperLinkSite) -> list[Link]:
    """Every link of ``paper``: the paper link first, then each code and project link."""
    links = [Link("paper", site.paper_url(paper))]
    links += [Link("code", url) for url in paper.code_urls]
    links += [Link("project", url) for url in paper.project_urls]
    return links
