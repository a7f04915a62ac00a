"""Regenerate the generated tables of README.md.

Run from anywhere::

    .venv/bin/python scripts/readme_tables.py           # rewrite README.md in place
    .venv/bin/python scripts/readme_tables.py --check   # exit 1 if README.md is stale

Two regions are generated, each between an opening and a closing HTML comment:

- ``<!-- key-table -->`` … ``<!-- /key-table -->``: the app's keys, from
  :func:`papertui.tui.bindings.key_table_markdown` (the same text the help screen shows);
- ``<!-- binding-ids -->`` … ``<!-- /binding-ids -->``: the binding ids a config file's
  ``[keys]`` table remaps, from the same bindings;
- ``<!-- query-table -->`` … ``<!-- /query-table -->``: the query language, from
  :data:`QUERY_TERMS` and :data:`QUERY_EXAMPLES` below (``tests/snapshots/
  test_readme_tables.py`` checks that every term and example still parses).

A region whose closing comment is missing is closed right after its opening comment, so
the first run turns ``<!-- key-table -->`` alone on its line into a filled region. Nothing
outside the regions is touched.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

QUERY_TERMS: list[tuple[str, str]] = [
    ("`word`", "whose title or abstract contains *word* (case-insensitive substring)"),
    ('`"a phrase"`', "containing the phrase"),
    ('`tag:NAME`, `tag:"two words"`', "with that tag (`tag:Two-Words` is the same tag)"),
    ("`is:starred` / `is:queued`", "in the reading queue"),
    ("`is:read` / `is:unread`", "read / not read"),
    ("`is:dismissed`", "dismissed (not interested)"),
    ("`is:inbox`", "neither queued, read nor dismissed"),
    (
        "`has:code` / `has:project` / `has:note` / `has:tags`",
        "with a code link / project link / note / any tag",
    ),
    ("`upvotes>N` (also `>=` `<` `<=` `=`)", "by upvote count"),
    ("`year:2024` (also `year>2023`…)", "published in that year"),
    ("`after:2025-01-01` / `before:2025-02-01`", "published on/after, before that day"),
    (
        "`added:today`, `added:2025-01-02` (also `added>=…` `>` `<` `<=`)",
        "added to the library that day (your local time), or after/before it",
    ),
    (
        "`added:STAMP`",
        "added by one import (the exact stamp `papertui import` prints to undo it)",
    ),
    ("`page:2025-01-02`", "seen on a page of that date"),
    (
        "`like:ID` / `like:tag:NAME`",
        "among the 50 most like that paper / like that tag's papers; listed most alike first",
    ),
    ("`a b`", "both (AND)"),
    ("`a OR b`", "either; AND binds tighter"),
    ("`( … )`", "grouping"),
    ('`-term`, `-"phrase"`, `-(…)`', "not"),
]
"""The query language, one row per kind of term: (term, "Matches papers…")."""

QUERY_EXAMPLES: list[tuple[str, str]] = [
    ("diffusion has:code upvotes>=10", "diffusion papers with code and at least 10 upvotes"),
    (
        '("video generation" OR text-to-video) after:2025-01-01',
        "either phrase, published in 2025 or later",
    ),
    ("tag:vision is:unread", "tagged *vision* and not read yet"),
    ("added:today -is:dismissed", "what today's imports brought, minus what you dismissed"),
    ("like:tag:3d is:inbox", "untriaged papers most like those tagged *3d*, most alike first"),
    ("transformer -(is:read OR tag:survey)", "transformers, neither read nor tagged *survey*"),
]
"""Examples shown under the table: (query, what it finds)."""

QUERY_NOTE = (
    "Filter names and values are case-insensitive; `OR` must be written in capitals (`or` is "
    "an ordinary word). Papers without a date (or an upvote count) never match a date (or "
    "upvote) filter, negated or not; `year:`, `after:` and `before:` are about the published "
    "date only (not the page date the list sorts such papers by)."
)
"""A closing remark (from :mod:`papertui.query`'s documentation)."""


def query_table_markdown() -> str:
    """The query language as Markdown: the table of terms, then examples."""
    out = ["| Term | Matches papers… |", "|---|---|"]
    out += [f"| {term} | {meaning} |" for term, meaning in QUERY_TERMS]
    out += ["", "Examples:", ""]
    out += [f"- `{query}`: {meaning}" for query, meaning in QUERY_EXAMPLES]
    out += ["", textwrap.fill(QUERY_NOTE, width=92, break_on_hyphens=False)]
    return "\n".join(out) + "\n"


def key_table() -> str:
    """The key table, as the help screen shows it (default keys)."""
    from papertui.tui.bindings import key_table_markdown

    return key_table_markdown()


def binding_ids_markdown() -> str:
    """Every binding id a config file may remap, with its default keys and action."""
    from papertui.tui.bindings import NOTE_BINDINGS, SECTIONS, display_keys

    out = ["| Binding id | Default keys | Action |", "|---|---|---|"]
    seen: set[str] = set()
    for section in SECTIONS:
        extra = NOTE_BINDINGS if section.title == "In dialogs" else ()
        for binding in (*section.bindings, *extra):
            if binding.id and binding.id not in seen:
                seen.add(binding.id)
                keys = " / ".join(f"`{k}`" for k in display_keys(binding).split(" / "))
                keys = keys.replace("|", "\\|")
                out.append(f"| `{binding.id}` | {keys} | {binding.description} |")
    return "\n".join(out) + "\n"


REGIONS: Mapping[str, Callable[[], str]] = {
    "key-table": key_table,
    "binding-ids": binding_ids_markdown,
    "query-table": query_table_markdown,
}
"""Region name -> the function that generates its content."""


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name} -->", f"<!-- /{name} -->"


def region(text: str, name: str) -> str | None:
    """The content between the markers of ``name`` in ``text`` (None when not closed)."""
    lines = text.splitlines(keepends=True)
    opening, closing = _markers(name)
    stripped = [line.strip() for line in lines]
    if opening not in stripped or closing not in stripped:
        return None
    start = stripped.index(opening)
    end = stripped.index(closing, start)
    return "".join(lines[start + 1 : end])


def fill(text: str, name: str, content: str) -> str:
    """``text`` with the region ``name`` holding ``content`` (framed by blank lines).

    :raises ValueError: when the opening marker is not on a line of its own, or appears
        more than once.
    """
    lines = text.splitlines(keepends=True)
    opening, closing = _markers(name)
    stripped = [line.strip() for line in lines]
    if stripped.count(opening) != 1:
        raise ValueError(f"README.md needs exactly one line {opening!r}")
    start = stripped.index(opening)
    if closing in stripped[start + 1 :]:
        end = stripped.index(closing, start + 1)
        tail = lines[end + 1 :]
    else:
        tail = lines[start + 1 :]
    body = "\n" + content.strip("\n") + "\n\n"
    return "".join([*lines[: start + 1], body, closing + "\n", *tail])


def render(text: str) -> str:
    """``text`` (the README) with every region regenerated."""
    for name, generate in REGIONS.items():
        text = fill(text, name, generate())
    return text


def main(argv: list[str] | None = None) -> int:
    """Rewrite README.md, or with ``--check`` only report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    parser.add_argument("--readme", type=Path, default=README, help=f"default {README}")
    args = parser.parse_args(argv)
    path: Path = args.readme
    old = path.read_text(encoding="utf-8")
    new = render(old)
    if args.check:
        if new != old:
            print(f"{path} is stale: run scripts/readme_tables.py", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    if new != old:
        path.write_text(new, encoding="utf-8")
        print(f"updated {path}")
    else:
        print(f"{path} already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
