"""Shell completion: the bash script sourced in a real bash, and the answers behind it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from papertui.cli import build_parser, main
from papertui.completion import complete, complete_request, script
from papertui.models import paper_id

BASH = shutil.which("bash")
HUN = paper_id(
    "Hunyuan3D 2.0: Scaling Diffusion Models for High Resolution Textured 3D Assets Generation"
)


def tags(_words: object) -> list[str]:
    return ["nlp", "two-words", "vision"]


def words(line: str) -> list[str]:
    return complete(build_parser(), line.split(" "), tags)


def test_subcommands_options_and_their_choices() -> None:
    assert words("li") == ["list"]
    assert "completion" in words("") and "__complete" not in words("")
    assert words("--d") == ["--data-dir"]
    assert words("list --so") == ["--sort"]
    assert words("list --sort ") == ["date", "upvotes", "title", "added", "relevance", "queue"]
    assert words("export --format b") == ["bibtex"]
    assert words("completion ") == ["bash", "fish", "zsh"]
    assert words("list --data-dir ") == []  # a folder: the shell completes file names
    assert words("import ") == []


def test_query_words_filter_names_values_and_tags() -> None:
    assert words("list ta") == ["tag:"]
    assert words("list tag:") == ["tag:nlp", "tag:two-words", "tag:vision"]
    assert words("list diffusion tag:Tw") == ["tag:two-words"]
    assert words("export -is:st") == ["-is:starred"]
    assert words("list has:") == ["has:code", "has:project", "has:note", "has:tags"]
    assert "after:" in words("list ") and "is:" in words("list ")
    assert "-o" in words("export -") and "-tag:" in words("export -")


def test_tag_names_after_plus_and_minus_in_tag() -> None:
    assert words("tag 4ce +") == ["+nlp", "+two-words", "+vision"]
    assert words("tag 4ce -v") == ["-vision"]


def test_the_answer_never_fails() -> None:
    parser = build_parser()
    for args in ([], ["'unclosed"], ["", "papertui list 'tag:"], ["", "papertui nosuch x"]):
        assert isinstance(complete_request(parser, "bash", args), str)
    assert complete_request(parser, "zsh", ["list", "tag:"]) is not None


def test_every_shell_has_a_script(capsys: pytest.CaptureFixture[str]) -> None:
    for shell in ("bash", "zsh", "fish"):
        assert main(["completion", shell]) == 0
        out = capsys.readouterr().out
        assert out == script(shell) and f"papertui __complete {shell}" in out
    with pytest.raises(SystemExit):
        main(["completion", "tcsh"])


def bash_complete(line: str, env: dict[str, str]) -> list[str]:
    """What the sourced script puts in COMPREPLY for ``line`` (cursor at its end)."""
    assert BASH is not None
    program = (
        'eval "$(papertui completion bash)"\n'
        "complete -p papertui\n"
        f"COMP_LINE={line!r}; COMP_POINT=${{#COMP_LINE}}\n"
        "_papertui_complete\n"
        'printf "reply:%s\\n" "${COMPREPLY[@]}"\n'
    )
    proc = subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    first, *rest = proc.stdout.splitlines()
    assert first == "complete -o bashdefault -o default -F _papertui_complete papertui"
    return [line.removeprefix("reply:") for line in rest if line != "reply:"]


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_the_bash_script_sourced_in_bash(seeded_dir: Path) -> None:
    assert main(["tag", HUN, "+Two Words", "+nlp"]) == 0
    scripts = str(Path(sys.executable).parent)  # where pip put the papertui command
    env = {**os.environ, "PATH": scripts + os.pathsep + os.environ.get("PATH", "")}
    assert bash_complete("papertui li", env) == ["list"]
    assert bash_complete("papertui list --so", env) == ["--sort"]
    # bash splits words at ':' and replaces only what follows it.
    assert bash_complete("papertui list tag:", env) == ["nlp", "two-words"]
    assert bash_complete("papertui list diffusion -tag:tw", env) == ["two-words"]
    assert bash_complete("papertui list is:un", env) == ["unread"]
    assert bash_complete("papertui tag 4ce +", env) == ["+nlp", "+two-words"]
    assert bash_complete(f"papertui --data-dir {seeded_dir} list tag:n", env) == ["nlp"]
    assert bash_complete("papertui import ", env) == []  # bash falls back to file names


def test_zsh_and_fish_send_their_words(seeded_dir: Path) -> None:
    assert main(["tag", HUN, "+vision"]) == 0
    parser = build_parser()
    assert complete_request(parser, "zsh", ["list", "tag:v"]) == "tag:vision\n"
    # fish puts "--" before the word being typed; a "--" the user typed stays a word.
    assert complete_request(parser, "fish", ["list", "--", "tag:"]) == "tag:vision\n"
    assert complete_request(parser, "fish", ["list", "--", "--", "-ta"]) == "-tag:\n"
    assert complete_request(parser, "fish", ["--", ""]).splitlines()[:2] == ["completion", "demo"]
