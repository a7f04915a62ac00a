"""Finding, cleaning and classifying the links in an abstract.

Pure functions, no I/O. Abstracts on the Daily Papers pages come from arXiv and carry links
the way authors typed them in LaTeX: ``https://github.com/x/y.`` at the end of a sentence,
``{https://host/a\\_b/}``, ``at~https://...``, ``href="https://...">this``, even
``https:host`` with the slashes missing. :func:`extract_links` returns them as a person would
read them, split into *code* links (repository hosts, see :data:`CODE_HOSTS`) and *project*
links (everything else: project pages, demos, videos).

:func:`is_safe_url` is the gate every other module uses before opening or exporting a link:
only ``http``/``https`` URLs with a host and no white space or control characters pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

__all__ = [
    "CODE_HOSTS",
    "clean_url",
    "extract_links",
    "is_code_url",
    "is_safe_url",
]

CODE_HOSTS: frozenset[str] = frozenset(
    {
        "github.com",
        "gitlab.com",
        "gitee.com",
        "git.io",
        "huggingface.co",
        "hf.co",
        "bitbucket.org",
        "codeberg.org",
        "sourceforge.net",
        "githubusercontent.com",
        "gitcode.com",
        "gitcode.net",
        "sr.ht",
    }
)
"""Hosts whose links count as code (a host matches itself and its sub-domains, e.g.
``gist.github.com``). ``github.io`` is *not* among them: those are project pages."""

# A link is a scheme, wherever it occurs in a word ("webpage.https://...", "at~https://..."),
# a colon, whatever slashes were typed, and a body. The body runs over characters that can be
# part of a URL in running text; it stops at white space, quotes, angle brackets, braces
# (LaTeX debris) and a backslash that is not a LaTeX escape such as ``\_``. The two
# alternatives of the body are disjoint and nothing follows the body in the pattern, so the
# engine never backtracks into it: matching is linear (and runs of ordinary characters are
# consumed by one fast repeat).
_BODY = re.compile(r"""(?P<slashes>/*)(?P<body>(?:[^\s"'<>{}\\`^|\[\]]+|\\[_%&#$~])+)""")
_LINK = re.compile(r"(?P<scheme>[hH][tT][tT][pP][sS]?):" + _BODY.pattern)
_MANY_COLONS = 64
"""Above this many colons in one text, links are found by :data:`_LINK` in one C-level
scan instead of by looking at each colon from Python."""
_LATEX_ESCAPE = re.compile(r"\\([_%&#$~])")
_TRAILING_PUNCT = ".,;:!?'\"*>}]"
_TRAILING_PUNCT_AND_PAREN = _TRAILING_PUNCT + ")"
_SCHEMES = ("http", "https")
_UNSAFE_CHAR = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def _strip_trailing(url: str) -> str:
    """Drop sentence punctuation and markup debris from the end of ``url``.

    A closing parenthesis is kept when the URL opened one itself
    (``https://en.wikipedia.org/wiki/Mamba_(software)``). Works with C-level string methods
    only, so even megabytes of ``.)`` debris cost next to nothing.
    """
    core = url.rstrip(_TRAILING_PUNCT_AND_PAREN)
    tail = url[len(core) :]
    if not tail:
        return url
    # Stripping goes right to left and stops at the first ")" that closes a "(" of the URL:
    # that keeps the tail up to its n-th ")", n being how many "(" the core left open.
    unclosed = core.count("(") - core.count(")")
    if unclosed <= 0 or ")" not in tail:
        return core
    pieces = tail.split(")", unclosed)
    kept = min(unclosed, len(pieces) - 1)
    return core + tail[: sum(map(len, pieces[:kept])) + kept]


def clean_url(scheme: str, body: str) -> str | None:
    """Build a clean URL from a matched ``scheme`` and ``body`` (the part after ``scheme:``
    and any slashes); None when nothing usable is left.

    Unescapes LaTeX ``\\_`` (and ``\\%``, ``\\&``, ``\\#``, ``\\$``, ``\\~``), strips
    trailing punctuation, drops a trailing ``.git`` and always writes ``scheme://`` (which
    repairs ``https:host``). The host must contain a dot.
    """
    cleaned = _clean(scheme, body)
    return cleaned[0] if cleaned is not None else None


def _clean(scheme: str, body: str) -> tuple[str, str] | None:
    """:func:`clean_url`, returning the URL with its lower-cased host."""
    if "\\" in body:
        body = _LATEX_ESCAPE.sub(r"\1", body)
    body = _strip_trailing(body)
    # A repository URL copied from a clone command: drop ".git" (and a slash after it), then
    # any punctuation that stood before it.
    while True:
        tail = body[-5:].lower()
        if tail.endswith(".git/"):
            body = _strip_trailing(body[:-5])
        elif tail.endswith(".git"):
            body = _strip_trailing(body[:-4])
        else:
            break
    url = f"{scheme.lower()}://{body}"
    host = _fast_host(body) if body.isascii() else _safe_host(url)
    if host is None or "." not in host.strip(".") or host.startswith(".") or ".." in host:
        return None
    return url, host


def _fast_host(body: str) -> str | None:
    """The lower-cased host of ``http://`` + ``body`` when that URL is safe, for an ASCII
    ``body``; the same answer as :func:`_safe_host` without the cost of ``urlsplit``."""
    if _UNSAFE_CHAR.search(body) or "[" in body or "]" in body:
        return _safe_host("http://" + body)
    end = len(body)
    for stop in "/?#":
        found = body.find(stop, 0, end)
        if found != -1:
            end = found
    host = body[:end].rpartition("@")[2].partition(":")[0]
    return host.lower() or None


def _safe_host(url: str) -> str | None:
    """The lower-cased host of ``url`` when :func:`is_safe_url` holds for it, else None."""
    if not isinstance(url, str) or not url or _UNSAFE_CHAR.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in _SCHEMES or not host:
        return None
    return host.lower()


def is_safe_url(url: str) -> bool:
    """Whether ``url`` may be opened or exported: ``http``/``https``, a host, and no white
    space or control characters anywhere (so it cannot smuggle terminal escapes or extra
    arguments to a browser command)."""
    return _safe_host(url) is not None


def _is_code_host(host: str) -> bool:
    """Whether ``host`` (lower case) is in :data:`CODE_HOSTS` or a sub-domain of one."""
    while host:
        if host in CODE_HOSTS:
            return True
        _, dot, host = host.partition(".")
        if not dot:
            return False
    return False


def is_code_url(url: str) -> bool:
    """Whether ``url`` is a safe link to a code host (:data:`CODE_HOSTS` or a sub-domain,
    such as ``www.github.com`` or ``gist.github.com``)."""
    host = _safe_host(url)
    return host is not None and _is_code_host(host)


def _raw_links(text: str) -> Iterator[tuple[str, str]]:
    """The ``(scheme, body)`` of every link-like run in ``text``, in order.

    Every link has a colon after its scheme, and most abstracts have few colons or none, so
    the fast way is to find the colons (a ``memchr``) and look at the letters before each;
    a case-insensitive regular-expression scan of every character costs ten times more.
    Text with very many colons is scanned by the regular expression, which stays linear.
    """
    find = text.find
    colon = find(":")
    seen = 0
    while colon != -1:
        seen += 1
        if seen > _MANY_COLONS:
            # Resume with one C-level scan; a scheme starts at most five characters before
            # its colon, and nothing before ``colon`` has been matched yet.
            for found in _LINK.finditer(text, max(0, colon - 5)):
                yield found["scheme"], found["body"]
            return
        scheme = ""
        if colon >= 5 and text[colon - 5 : colon].lower() == "https":
            scheme = "https"
        elif colon >= 4 and text[colon - 4 : colon].lower() == "http":
            scheme = "http"
        if scheme:
            match = _BODY.match(text, colon + 1)
            if match is not None:
                yield scheme, match["body"]
                colon = find(":", match.end())
                continue
        colon = find(":", colon + 1)


def extract_links(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``(code, project)`` links found in ``text``, cleaned, each without duplicates and
    in the order they first appear. Only ``http``/``https`` links are returned (the scheme
    in any case: ``HTTPS://`` too). Linear in the length of ``text``.
    """
    code: dict[str, None] = {}
    project: dict[str, None] = {}
    for scheme, body in _raw_links(text):
        cleaned = _clean(scheme, body)
        if cleaned is None:
            continue
        url, host = cleaned
        (code if _is_code_host(host) else project).setdefault(url, None)
    return tuple(code), tuple(project)
