"""Export papers as JSON records or as a Markdown reading list.

Pure functions, no I/O. The JSON record (:func:`paper_record`) is a public contract. The
Markdown (:func:`to_markdown`) is meant to be pasted into notes or a GitHub issue: a GitHub
task list, one item per paper. Every piece of user or imported text in it is escaped, so a
title such as ``*Not* [bold](x) <b>`` shows literally, and only ``http``/``https`` URLs
(:func:`papertui.links.is_safe_url`) ever become links.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from papertui.links import is_safe_url
from papertui.models import Paper, TriageState
from papertui.paperlink import PaperLinkSite
from papertui.safetext import display_line, unsafe_escaped

_DEFAULT_SITE = PaperLinkSite()

__all__ = [
    "markdown_escape",
    "paper_record",
    "to_json",
    "to_markdown",
]


# --------------------------------------------------------------------------------------
# JSON


def paper_record(
    paper: Paper, state: TriageState, abstract: str, *, site: PaperLinkSite = _DEFAULT_SITE
) -> dict[str, Any]:
    """The public JSON record of one paper (keys in this order; the schema is a contract).

    ``id``, ``title``, ``abstract`` (str); ``authors_count`` (int or null); ``published``
    (``YYYY-MM-DD`` or null); ``upvotes`` (int or null); ``code_urls``, ``project_urls``
    (lists of str); ``sources`` (list of ``{"file", "page_date"}``); ``tags`` (list of str);
    ``starred``, ``read``, ``dismissed`` (bool); ``note`` (str); ``queue_position`` (int or
    null); ``added_at`` (ISO 8601 str); ``paper_url`` (str: the paper link, made with
    ``site``); ``arxiv_id`` (str or null).
    """
    return {
        "id": paper.id,
        "title": paper.title,
        "abstract": abstract,
        "authors_count": paper.authors_count,
        "published": paper.published.isoformat() if paper.published else None,
        "upvotes": paper.upvotes,
        "code_urls": list(paper.code_urls),
        "project_urls": list(paper.project_urls),
        "sources": [source.to_doc() for source in paper.sources],
        "tags": list(state.tags),
        "starred": bool(state.starred),
        "read": bool(state.read),
        "dismissed": bool(state.dismissed),
        "note": state.note,
        "queue_position": state.queue_position,
        "added_at": paper.added_at,
        "paper_url": site.paper_url(paper),
        "arxiv_id": paper.arxiv_id,
    }


def to_json(records: Iterable[Mapping[str, Any]]) -> str:
    """A JSON array of ``records``: see :func:`json_text`."""
    return json_text([dict(r) for r in records])


def json_text(value: Any) -> str:
    """``value`` as JSON for a terminal or a file: indent 2, trailing newline, non-ASCII
    kept as is except the characters :mod:`papertui.safetext` keeps off screens (C1
    controls, DEL, bidirectional and zero-width characters), which are written as ``\\uXXXX``
    escapes: the data is the same, and printing it cannot drive or reorder a terminal."""
    return unsafe_escaped(json.dumps(value, indent=2, ensure_ascii=False)) + "\n"


# --------------------------------------------------------------------------------------
# Markdown

# Characters with a meaning anywhere in a line (CommonMark plus GitHub's tables, strike-
# through and math). A backslash before any ASCII punctuation makes it literal.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]|<>#!~$])")
# "&copy;" or "&#60;" would be decoded as character references; "R&D" is left alone.
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# What a line may not start with: a list marker, a setext underline, an ordered-list number.
_ORDERED_START = re.compile(r"([0-9]+)([.)])")
# Characters percent-encoded in link destinations so that they cannot end or confuse it.
_URL_UNSAFE = re.compile(r"[\s<>()\[\]\\`\"'\x00-\x1f\x7f]")
_SEP = " · "


def markdown_escape(text: str) -> str:
    """``text`` as Markdown that renders literally, on one line.

    Control and invisible formatting characters are removed (:mod:`papertui.safetext`);
    white space runs (including line breaks) become one space; Markdown punctuation is
    backslash-escaped, and so is anything that would start a block at the beginning of a
    line (``-``, ``+``, ``=``, ``1.``, ``1)``).
    """
    text = display_line(text)  # no terminal escapes, no bidi or zero-width characters
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    text = _ENTITY_LIKE.sub(r"\\&", text)
    if text[:1] in ("-", "+", "="):
        return "\\" + text
    m = _ORDERED_START.match(text)
    if m:
        return f"{m[1]}\\{m[2]}{text[m.end() :]}"
    return text


def _encode_url_char(m: re.Match[str]) -> str:
    """Percent-encode one character (as UTF-8)."""
    return "".join(f"%{byte:02X}" for byte in m[0].encode("utf-8"))


def _link_destination(url: str) -> str:
    """``url`` made safe to put between ``(`` and ``)`` of a Markdown link."""
    url = _URL_UNSAFE.sub(_encode_url_char, url)
    return _ENTITY_LIKE.sub(r"\\&", url)


def _title_markdown(paper: Paper, site: PaperLinkSite) -> str:
    """The title linked to the paper link, then ``[code](…)`` and ``[project](…)``: the
    paper's first safe code and project links."""
    title = markdown_escape(paper.title) or "(untitled)"
    url = site.paper_url(paper)
    text = f"[{title}]({_link_destination(url)})" if is_safe_url(url) else title
    for label, urls in (("code", paper.code_urls), ("project", paper.project_urls)):
        safe = next((u for u in urls if is_safe_url(u)), None)
        if safe is not None:
            text += f" [{label}]({_link_destination(safe)})"
    return text


def _note_lines(note: str) -> list[str]:
    """The note as block-quote lines indented into a list item (empty when no note).

    Each line is escaped on its own (so a line of a note cannot start a heading, list or
    code block); leading indentation is dropped and runs of blank lines become one.
    """
    lines: list[str] = []
    for raw in note.splitlines():
        line = markdown_escape(raw)
        if line or (lines and lines[-1] != "  >"):
            lines.append(f"  > {line}" if line else "  >")
    while lines and lines[-1] == "  >":
        lines.pop()
    return lines


def _item(paper: Paper, state: TriageState, site: PaperLinkSite) -> list[str]:
    """The lines of one task-list item."""
    box = "[x]" if state.read else "[ ]"
    meta: list[str] = []
    if paper.published is not None:
        meta.append(paper.published.isoformat())
    if paper.upvotes is not None:
        meta.append(f"{paper.upvotes} upvote" + ("" if paper.upvotes == 1 else "s"))
    tags = [markdown_escape(tag) for tag in state.tags]
    tags = [tag for tag in tags if tag]
    if tags:
        meta.append("tags: " + ", ".join(tags))
    line = f"- {box} {_title_markdown(paper, site)}"
    if meta:
        line += " — " + _SEP.join(meta)
    return [line, *_note_lines(state.note)]


def _plural(n: int, word: str) -> str:
    """``1 paper``, ``2 papers``."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def to_markdown(
    items: Sequence[tuple[Paper, TriageState]],
    *,
    title: str = "Reading queue",
    today: date,
    group_by: str | None = None,
    site: PaperLinkSite = _DEFAULT_SITE,
) -> str:
    """A Markdown reading list of ``items`` (in the given order).

    A ``#`` heading with ``title`` and ``today``, a line of counts (``12 papers · 3 read ·
    9 to read``), then one GitHub task-list item per paper: ``- [x]`` when read, ``- [ ]``
    otherwise; the title linked to its paper link (made with ``site``), then its first code
    and project links as ``[code](…)`` and ``[project](…)``, the published date, upvotes
    and tags, and the note as a block quote inside the item.

    With ``group_by="tag"`` there is a ``##`` section per tag (tags that differ only in case
    share one), in the order the tags first appear in ``items``; each paper is listed once,
    under the first of its tags in that order (its item names all its tags), and untagged
    papers come last under "Untagged".

    :raises ValueError: for a ``group_by`` other than ``None`` or ``"tag"``.
    """
    if group_by not in (None, "tag"):
        raise ValueError(f"unknown group_by {group_by!r} (use None or 'tag')")
    read = sum(1 for _, state in items if state.read)
    heading = markdown_escape(title)
    lines = [
        f"# {heading} — {today.isoformat()}" if heading else f"# {today.isoformat()}",
        "",
        f"{_plural(len(items), 'paper')}{_SEP}{read} read{_SEP}{len(items) - read} to read",
    ]
    if group_by is None:
        if items:
            lines.append("")
            for paper, state in items:
                lines.extend(_item(paper, state, site))
        return "\n".join(lines) + "\n"

    # Tags are grouped case-insensitively (as ``tag:`` searches them); a section is named
    # by the first spelling met, and sections come in the order their tags first appear.
    rank: dict[str, int] = {}
    names: dict[str, str] = {}
    paper_keys: list[list[str]] = []
    for _, state in items:
        keys: list[str] = []
        for tag in state.tags:
            name = " ".join(tag.split())
            if name:
                key = name.casefold()
                names.setdefault(key, name)
                rank.setdefault(key, len(rank))
                keys.append(key)
        paper_keys.append(keys)
    sections: dict[str, list[tuple[Paper, TriageState]]] = {key: [] for key in rank}
    untagged: list[tuple[Paper, TriageState]] = []
    for item, keys in zip(items, paper_keys, strict=True):
        if keys:
            sections[min(keys, key=rank.__getitem__)].append(item)
        else:
            untagged.append(item)
    ordered = [(markdown_escape(names[key]), members) for key, members in sections.items()]
    ordered = [(name, members) for name, members in ordered if members]
    if untagged:
        ordered.append(("Untagged", untagged))
    for name, members in ordered:
        lines.extend(["", f"## {name} ({len(members)})", ""])
        for paper, state in members:
            lines.extend(_item(paper, state, site))
    return "\n".join(lines) + "\n"
