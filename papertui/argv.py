"""Command-line words put in the order argparse reads them, as git and notmuch users type them.

Two things argparse cannot do alone, done here for every subcommand (new ones included, as
they are read from the parser itself):

* options anywhere: ``papertui list is:starred --data-dir DIR`` is ``papertui list
  --data-dir DIR is:starred`` (the global options are declared on every subcommand too);
* words starting with ``-`` that are no option of the command are the command's own words:
  ``papertui list -has:code`` is ``papertui list -- -has:code``, a query that excludes papers
  with code. Where such a word *could* be an option (``-object`` for a command with ``-o
  FILE``: ``-o bject``?) :class:`AmbiguousWord` says what to type instead.

Pure: no I/O, nothing imported but argparse.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

__all__ = ["AmbiguousWord", "arrange", "options_of", "subcommands_of"]


class AmbiguousWord(ValueError):
    """A word that could be an option with its value glued on, or a word of the command."""

    def __init__(self, prog: str, word: str, option: str) -> None:
        self.prog = prog
        super().__init__(
            f"'{word}' could be the option {option} with the value '{word[len(option) :]}' "
            f"or a query word: write '{option} {word[len(option) :]}' for the option, or put "
            f"the query after '--': {prog} -- {word}"
        )


def options_of(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Every option string of ``parser`` (``-o``, ``--output``...) with its action."""
    return dict(parser._option_string_actions)


def subcommands_of(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommands of ``parser`` by name (none when it has none)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def takes_value(action: argparse.Action) -> bool:
    """Whether the option reads a value (``--sort date``), unlike a flag (``--json``)."""
    return action.nargs != 0


def _long_option(options: dict[str, argparse.Action], word: str) -> argparse.Action | None:
    """The action of ``--name`` or ``--name=value``, also for a unique abbreviation."""
    name = word.partition("=")[0]
    if name in options:
        return options[name]
    hits = {options[o] for o in options if o.startswith("--") and o.startswith(name)}
    return hits.pop() if len(hits) == 1 else None


def _skip_options(options: dict[str, argparse.Action], words: Sequence[str], i: int) -> int:
    """The index of the first word at or after ``i`` that is not an option or its value."""
    while i < len(words):
        word = words[i]
        if word == "--" or not word.startswith("-") or word == "-":
            return i
        action = _long_option(options, word) if word.startswith("--") else options.get(word)
        i += 1
        if action is not None and takes_value(action) and "=" not in word:
            i += 1
    return i


def arrange(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """``argv`` reordered for ``parser``: the subcommand's options first, then its other
    words (after ``--`` when one of them starts with ``-``), each group in the order given.

    Words are left as they are when there is no subcommand, or the subcommand takes no
    words of its own (argparse then reports what is wrong). A word after ``--`` is never an
    option. Raises :class:`AmbiguousWord` for a word like ``-object`` given to a command
    that has both words starting with ``-`` and a value option ``-o``.
    """
    words = list(argv)
    i = _skip_options(options_of(parser), words, 0)
    commands = subcommands_of(parser)
    if i >= len(words) or words[i] not in commands:
        return words
    sub = commands[words[i]]
    if not any(not a.option_strings for a in sub._actions):
        return words
    options = options_of(sub)
    head, rest = words[: i + 1], words[i + 1 :]
    opts: list[str] = []
    own: list[str] = []
    j = 0
    while j < len(rest):
        word = rest[j]
        j += 1
        if word == "--":
            own.extend(rest[j:])
            break
        if word == "-" or not word.startswith("-"):
            own.append(word)
            continue
        if word.startswith("--"):
            action = _long_option(options, word)
        else:
            action = options.get(word)
            glued = options.get(word[:2])
            if action is None and glued is not None and takes_value(glued):
                raise AmbiguousWord(sub.prog, word, word[:2])
            if action is None:
                own.append(word)  # -has:code, -diffusion: not an option of this command
                continue
        opts.append(word)
        if action is not None and takes_value(action) and "=" not in word and j < len(rest):
            opts.append(rest[j])
            j += 1
    if any(w.startswith("-") and w != "-" for w in own):
        return [*head, *opts, "--", *own]
    return [*head, *opts, *own]
