"""Tag names: the one rule that makes ``Two Words``, ``two-words`` and ``#two-words`` one tag.

Pure (no Textual, no storage). Every place that reads a tag name uses :func:`normalise_tag`:
tagging (CLI ``tag``, the app's tag prompt), the query language's ``tag:`` filter and shell
completion. :func:`parse_tag_words` reads the tag prompt's ``name -name +"two words"``.
"""

from __future__ import annotations

from collections.abc import Iterator

from papertui.safetext import display_line

__all__ = ["normalise_tag", "parse_tag_words"]


def normalise_tag(name: str) -> str:
    """A tag as stored: trimmed, lower-case, inner white space turned into ``-``, without
    the leading ``#`` the app shows tags with (typing ``#nlp`` means the tag ``nlp``) and
    without surrounding double quotes (``"two words"`` is the tag ``two-words``), and
    without control, bidirectional or zero-width characters (:mod:`papertui.safetext`).

    >>> normalise_tag('  Two  Words ') == normalise_tag('"two words"') == 'two-words'
    True
    """
    name = display_line(name).lstrip("#").strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    return "-".join(name.lower().split())


def _words(text: str) -> Iterator[str]:
    """``text`` split at white space and commas, keeping ``"quoted parts"`` whole (the
    quotes are dropped; an unterminated quote runs to the end)."""
    word: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and (ch.isspace() or ch == ","):
            if word:
                yield "".join(word)
                word = []
        else:
            word.append(ch)
    if word:
        yield "".join(word)


def parse_tag_words(text: str) -> tuple[list[str], list[str]]:
    """``ml -todo, +"reading group"`` -> (``["ml", "reading-group"]``, ``["todo"]``): tags
    to add and to remove, normalised, each once, in the order typed.

    A word is added (``name`` or ``+name``) or removed (``-name``); ``"quotes"`` keep a
    name with spaces together. Words that normalise to nothing are dropped.
    """
    add: list[str] = []
    remove: list[str] = []
    for word in _words(text):
        target = add
        if word[0] in "+-":
            target = remove if word[0] == "-" else add
            word = word[1:]
        name = normalise_tag(word)
        if name and name not in target:
            target.append(name)
    return add, remove
