"""Abstracts made readable: HTML debris shown as what it stands for, tracking dropped.

Pure functions, no I/O. Abstracts copied from arXiv listings carry bits of HTML: a link
written as ``<a href="https://x.io/">this https URL.</a>``, entities such as ``&amp;``,
tags such as ``<b>``. :func:`readable_abstract` turns them into the text a person would
read (the link's URL, ``&``, nothing) and drops ``utm_*`` parameters from the links in the
text. What is stored is never changed: this is for display.
"""

from __future__ import annotations

import html
import re

from papertui.paperlink import drop_tracking

__all__ = ["URL_IN_TEXT", "readable_abstract"]

_ANCHOR = re.compile(
    r"""<a\s[^<>]*?href\s*=\s*["']?(?P<url>https?://[^"'\s<>]+)["']?[^<>]*>(?P<text>[^<]*)</a\s*>""",
    re.IGNORECASE,
)
_TAG = re.compile(
    r"</?(?:a|b|i|u|em|strong|sup|sub|br|p|span|div|code|tt|small|font)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'{}|\\^`\[\]]+", re.IGNORECASE)
"""A URL in running text (its end may hold sentence punctuation)."""
_TRAILING = ".,;:!?)"


def _anchor(match: re.Match[str]) -> str:
    """A link's URL, keeping the punctuation its text ended with (``this https URL.``)."""
    text = match["text"].strip()
    tail = text[len(text.rstrip(_TRAILING)) :]
    return match["url"] + tail


def readable_abstract(text: str) -> str:
    """``text`` as a person would read it (see the module's description)."""
    if "<" in text:
        text = _ANCHOR.sub(_anchor, text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m[0]), text)
    if "utm_" in text.lower():
        text = URL_IN_TEXT.sub(lambda m: _untracked(m[0]), text)
    return text


def _untracked(url: str) -> str:
    """``url`` (perhaps with sentence punctuation after it) without ``utm_*`` parameters."""
    core = url.rstrip(_TRAILING)
    return drop_tracking(core) + url[len(core) :]
