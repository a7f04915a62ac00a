"""Shell completion: ``papertui completion bash|zsh|fish`` prints a script that asks papertui.

The scripts are thin: on Tab they run ``papertui __complete SHELL ...`` with the words typed
so far, and :func:`complete` answers from the argument parser itself (so a new subcommand or
option completes with no change here), the query language (:func:`papertui.query.
filter_terms`) and the library's tag names. Subcommands, options and their choices, filter
names and values (``is:``, ``has:``), and tag names after ``tag:`` and, in ``papertui tag``,
after ``+``/``-``. Where none of these applies (paths, ``--data-dir``, ``-o``) the answer is
empty and the shell completes file names.

Never raises for any input: completion must not print tracebacks into a command line.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path

from papertui.argv import options_of, subcommands_of, takes_value

__all__ = ["SHELLS", "complete", "complete_request", "script"]

SHELLS = ("bash", "zsh", "fish")

_BASH = r"""# papertui completion for bash. Load it from ~/.bashrc with:
#     eval "$(papertui completion bash)"
_papertui_complete() {
    local IFS=$'\n'
    COMPREPLY=($(papertui __complete bash "$COMP_WORDBREAKS" "${COMP_LINE:0:COMP_POINT}" \
        2>/dev/null))
    # No space after a filter name (tag:, is:) or an option that wants its value glued on.
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *[:=] ]]; then
        compopt -o nospace 2>/dev/null
    fi
}
complete -o default -o bashdefault -F _papertui_complete papertui
"""

_ZSH = r"""#compdef papertui
# papertui completion for zsh. Load it from ~/.zshrc (after compinit) with:
#     eval "$(papertui completion zsh)"
_papertui() {
    local -a reply spaced bare
    local c
    reply=(${(f)"$(papertui __complete zsh "${(@)words[2,CURRENT]}" 2>/dev/null)"})
    if (( ${#reply} == 0 )); then
        _files
        return
    fi
    for c in $reply; do
        if [[ $c == *[:=] ]]; then bare+=("$c"); else spaced+=("$c"); fi
    done
    (( ${#spaced} )) && compadd -Q -- $spaced
    (( ${#bare} )) && compadd -Q -S '' -- $bare
}
if (( $+functions[compdef] )); then
    compdef _papertui papertui
fi
"""

_FISH = r"""# papertui completion for fish. Load it with:
#     papertui completion fish > ~/.config/fish/completions/papertui.fish
function __papertui_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    # "$current" is one word even when empty (a new word).
    set -l reply (papertui __complete fish $words -- "$current" 2>/dev/null)
    if test (count $reply) -gt 0
        printf '%s\n' $reply
    else
        __fish_complete_path (commandline -ct)
    end
end
complete -c papertui -f -a '(__papertui_complete)'
"""


def script(shell: str) -> str:
    """The completion script for ``shell`` (one of :data:`SHELLS`)."""
    return {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}[shell]


TagSource = Callable[[Sequence[str]], list[str]]
"""Gives the tag names of the library the words so far point at (``--data-dir``)."""


def library_tags(words: Sequence[str]) -> list[str]:
    """The tag names of the library ``words`` name with ``--data-dir`` (else the default
    one); none when there is no library or it cannot be read."""
    from papertui.paths import resolve_data_dir

    given = None
    for i, word in enumerate(words):
        if word == "--data-dir" and i + 1 < len(words):
            given = words[i + 1]
        elif word.startswith("--data-dir="):
            given = word.partition("=")[2]
    try:
        root = resolve_data_dir(given)
        if not any((Path(root) / name).exists() for name in ("papers.json", "state.json")):
            return []  # no library: opening one would make its folder
        from papertui.library import Library

        with Library.open(Path(root), readonly=True) as lib:
            return sorted(lib.tags())
    except Exception:  # completion never fails loudly: no tags is the answer
        return []


def _query_words(word: str, tags: Callable[[], list[str]]) -> list[str]:
    """Completions of one query word: filter names, their known values, tag names."""
    from papertui.query import filter_terms
    from papertui.tags import normalise_tag

    negation = "-" if word.startswith("-") else ""
    word = word[len(negation) :]
    terms = filter_terms()
    key, colon, value = word.partition(":")
    if colon and key.casefold() in terms:
        key = key.casefold()
        values = tags() if key == "tag" else list(terms[key])
        wanted = normalise_tag(value) if key == "tag" else value.casefold()
        return [f"{negation}{key}:{v}" for v in values if v.startswith(wanted)]
    return [f"{negation}{name}:" for name in terms if name.startswith(word.casefold())]


def complete(
    parser: argparse.ArgumentParser, words: Sequence[str], tags: TagSource = library_tags
) -> list[str]:
    """What may come at the end of ``words`` (the words after ``papertui``; the last one is
    the word being typed, ``""`` for a new one)."""
    *done, current = list(words) or [""]
    cached: list[list[str]] = []

    def tag_names() -> list[str]:
        if not cached:
            cached.append(tags(done))
        return cached[0]

    options = options_of(parser)
    commands = subcommands_of(parser)
    i = 0
    while i < len(done) and done[i].startswith("-") and done[i] != "--":
        action = options.get(done[i].partition("=")[0])
        i += 1 + (action is not None and takes_value(action) and "=" not in done[i])
    if i > len(done):  # the word being typed is a global option's value (--data-dir DIR)
        return []
    if i == len(done):
        if current.startswith("-"):
            return _matching(options, current)
        return sorted(c for c in _visible(parser) if c.startswith(current))
    command = commands.get(done[i])
    if command is None:
        return []
    options = options_of(command)
    rest = done[i + 1 :]
    if "--" not in rest and rest:
        action = options.get(rest[-1])
        if action is not None and takes_value(action):
            return [str(c) for c in action.choices or () if str(c).startswith(current)]
    positional = [a for a in command._actions if not a.option_strings]
    dests = {a.dest for a in positional}
    if current.startswith("--") and "--" not in rest:
        return _matching(options, current)
    if "query" in dests:
        found = _query_words(current, tag_names)
        if current.startswith("-") and "--" not in rest:
            found += _matching(options, current)
        return found
    if done[i] == "tag" and current[:1] in ("+", "-"):
        names = [n for n in tag_names() if n.startswith(current[1:].casefold())]
        return [current[0] + n for n in names]
    choices = [c for a in positional for c in (a.choices or ())]
    return sorted(str(c) for c in choices if str(c).startswith(current))


def _visible(parser: argparse.ArgumentParser) -> list[str]:
    """The subcommands shown in ``--help`` (not the hidden ``__complete``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return [a.dest for a in action._choices_actions]
    return []


def _matching(options: dict[str, argparse.Action], word: str) -> list[str]:
    """The option strings of ``options`` starting with ``word`` (long ones first)."""
    hits = [o for o, a in options.items() if o.startswith(word) and a.help != argparse.SUPPRESS]
    return sorted(hits, key=lambda o: (not o.startswith("--"), o))


def complete_request(parser: argparse.ArgumentParser, shell: str, args: Sequence[str]) -> str:
    """The answer to ``papertui __complete SHELL ARGS...``: one candidate per line.

    bash sends its word-break characters and the line up to the cursor: it replaces only
    the part of the word after the last of them (``tag:vi`` -> ``vi``), so each candidate
    is cut the same way. zsh and fish send the words themselves, the last being the one
    typed (fish puts ``--`` before it).
    """
    try:
        if shell == "bash":
            breaks, line = ([*list(args), "", ""])[:2]
            words = _split_line(line)[1:]
            found = complete(parser, words)
            typed = words[-1] if words else ""
            cut = 1 + max((typed.rfind(c) for c in set(breaks) - set("\"'")), default=-1)
            if cut:
                found = [c[cut:] for c in found if c.startswith(typed[:cut])]
        else:
            words = list(args)
            if shell == "fish" and "--" in words:
                cut_at = len(words) - 1 - words[::-1].index("--")
                words = words[:cut_at] + words[cut_at + 1 :]
            found = complete(parser, words)
        return "".join(f"{c}\n" for c in found)
    except Exception:
        return ""


def _split_line(line: str) -> list[str]:
    """The words of a command line up to the cursor, the last one ``""`` after a space."""
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=False)
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:  # an open quote: take the words as typed
        words = line.split()
    if not line or line[-1].isspace():
        words.append("")
    return words or [""]
