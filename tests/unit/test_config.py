"""The user's config file (papertui.config)."""

from __future__ import annotations

from pathlib import Path

import pytest

from papertui.config import Config, config_path, load_config
from papertui.paperlink import SITES, PaperLinkSite

IDS = frozenset({"triage.star", "link.paper"})


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_tests_never_read_the_real_config(config_file: Path) -> None:
    assert config_path() == config_file
    assert load_config() == Config()  # no file: the defaults, no problem


def test_every_setting(config_file: Path, tmp_path: Path) -> None:
    write(
        config_file,
        """
[paper_link]
site = "semantic-scholar"

[keys]
"triage.star" = "f, ctrl+f"

[export]
folder = "~/papers-out"
""",
    )
    config = load_config(known_ids=IDS)
    assert config.problem is None
    assert config.path == config_file
    assert config.paper_link == PaperLinkSite(search=SITES["semantic-scholar"])
    assert config.keymap == {"triage.star": "f,ctrl+f"}
    assert config.export_folder == Path("~/papers-out").expanduser()


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[paper_link]\nsite = "huggingface"\nsite = "arxiv"\n', 3, "Cannot overwrite"),
        ("[paper_link]\nsite = huggingface\n", 2, "Invalid value"),
        ('\n\n[paper_link]\nsite = "bing"\n', 4, "unknown site 'bing'"),
        ('[paper_link]\ntemplate = "https://x.org/"\n', 2, "template needs {title}"),
        ('[keys]\n"triage.sta" = "x"\n', 2, "unknown binding id 'triage.sta'"),
        ('[keys]\n"triage.star" = 3\n', 2, "keys of 'triage.star' must be a string"),
        ("[export]\nfolder = 7\n", 2, "folder must be a non-empty string"),
        ('[export]\nfolders = "x"\n', 2, "unknown setting export.folders"),
        ('[colours]\nx = "y"\n', 1, "unknown setting 'colours'"),
        ('paper_link = "arxiv"\n', 1, "paper_link must be a table"),
    ],
)
def test_a_broken_file_is_one_line_naming_file_and_line(
    config_file: Path, text: str, line: int, words: str
) -> None:
    write(config_file, text)
    config = load_config(known_ids=IDS)
    assert config.problem is not None
    assert config.problem.startswith(f"{config_file} line {line}: ")
    assert words in config.problem
    assert "\n" not in config.problem
    assert config.problem.endswith("; using the default settings")
    # Everything else is the defaults.
    assert (config.paper_link, dict(config.keymap), config.export_folder) == (
        PaperLinkSite(),
        {},
        None,
    )


def test_not_utf8_and_unreadable(config_file: Path) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_bytes(b"\xff\xfe[x]")
    assert "not UTF-8" in (load_config().problem or "")
    config_file.unlink()
    config_file.mkdir()  # a folder where the file should be
    problem = load_config().problem or ""
    assert problem.startswith(f"{config_file}: cannot read the config file")
