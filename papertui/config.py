"""The user's settings: ``config.toml`` in the user config folder.

Pure reading, no Textual. The file is TOML (read with :mod:`tomllib`)::

    [paper_link]
    site = "huggingface"        # or "arxiv", "semantic-scholar", "google-scholar"
    # template = "https://www.alphaxiv.org/abs/{arxiv_id}"   # or your own search, {title}

    [keys]                      # binding id = key(s), as in the help screen
    "triage.star" = "f"
    "link.paper" = "p,ctrl+o"

    [export]
    folder = "~/notes/papers"   # where the app's e proposes to write the queue

A file that cannot be used (bad TOML, an unknown setting or binding id, a wrong value) is
reported as one line naming the file and the line, and every setting keeps its default: a
typo never stops papertui from starting. ``PAPERTUI_CONFIG`` names another file (the tests
point it at a temporary one, so the real file is never read).
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from papertui.paperlink import SITES, PaperLinkSite

__all__ = ["CONFIG_ENV", "Config", "config_path", "load_config"]

CONFIG_ENV = "PAPERTUI_CONFIG"
"""The environment variable naming the config file instead of the default one."""

_SETTINGS: dict[str, frozenset[str]] = {
    "paper_link": frozenset({"site", "template"}),
    "export": frozenset({"folder"}),
}
"""The tables the file may hold and their keys (``keys`` holds binding ids)."""


@dataclass(frozen=True)
class Config:
    """The settings in force (the defaults when there is no file, or a broken one)."""

    path: Path | None = None
    """The file the settings were read from (None: no file)."""
    paper_link: PaperLinkSite = field(default_factory=PaperLinkSite)
    """How paper links are made."""
    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id -> keys (comma-separated), applied over the defaults."""
    export_folder: Path | None = None
    """Where the app proposes to write exports (None: the documents folder)."""
    problem: str | None = None
    """Why the file was not used, as one line naming the file and the line."""


def config_path() -> Path:
    """``$PAPERTUI_CONFIG``, else ``config.toml`` in ``platformdirs.user_config_dir``."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("papertui")) / "config.toml"


class _Bad(Exception):
    """A setting that cannot be used: ``key`` finds its line in the file."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def _line_of(text: str, key: str | None) -> int | None:
    """The first line (1-based) where ``key`` is set or opens a table, if found."""
    if key is None:
        return None
    name = re.escape(key)
    pattern = re.compile(rf"^\s*(?:\[\s*{name}\s*\]|[\"']?{name}[\"']?\s*=)", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _string(table: Mapping[str, Any], key: str) -> str | None:
    """``table[key]`` when it is a non-empty string, None when absent."""
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"{key} must be a non-empty string", key)
    return value.strip()


def _parse(data: Mapping[str, Any], known_ids: Collection[str] | None, path: Path) -> Config:
    """The settings of a parsed file (raises :class:`_Bad`)."""
    for name, value in data.items():
        if name == "keys":
            if not isinstance(value, dict):
                raise _Bad("keys must be a table of binding id = keys", name)
            continue
        if name not in _SETTINGS:
            raise _Bad(f"unknown setting {name!r} (use {', '.join([*_SETTINGS, 'keys'])})", name)
        if not isinstance(value, dict):
            raise _Bad(f"{name} must be a table ([{name}])", name)
        for key in value:
            if key not in _SETTINGS[name]:
                allowed = ", ".join(sorted(_SETTINGS[name]))
                raise _Bad(f"unknown setting {name}.{key} (use {allowed})", key)
    links = data.get("paper_link", {})
    site, template = _string(links, "site"), _string(links, "template")
    try:
        paper_link = PaperLinkSite.from_setting(site, template)
    except ValueError as exc:
        which = "template" if template is not None and site in (None, *SITES) else "site"
        raise _Bad(f"paper_link.{which}: {exc}", which) from None
    keymap: dict[str, str] = {}
    for binding, keys in data.get("keys", {}).items():
        if known_ids is not None and binding not in known_ids:
            raise _Bad(f"unknown binding id {binding!r} (the help screen lists them)", binding)
        if not isinstance(keys, str) or not [k for k in keys.split(",") if k.strip()]:
            raise _Bad(f'keys of {binding!r} must be a string such as "x" or "x,ctrl+x"', binding)
        keymap[binding] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    folder = _string(data.get("export", {}), "folder")
    export_folder = Path(folder).expanduser() if folder is not None else None
    return Config(path, paper_link, keymap, export_folder)


def load_config(path: Path | None = None, *, known_ids: Collection[str] | None = None) -> Config:
    """The settings in ``path`` (default: :func:`config_path`); never raises.

    :param known_ids: the binding ids keys may be remapped by (None: not checked).
    :returns: the defaults with :attr:`Config.problem` set when the file cannot be used.
    """
    path = config_path() if path is None else path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        return Config(problem=f"{path}: cannot read the config file: {exc.strerror or exc}")
    import tomllib  # only when there is a file: not at every start

    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        return Config(problem=f"{path}: not UTF-8 text; using the default settings")
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        reason = message[: found.start()].strip() if found else message
        where = f" line {found[1]}" if found else ""
        return Config(problem=f"{path}{where}: {reason}; using the default settings")
    try:
        return _parse(data, known_ids, path)
    except _Bad as bad:
        line = _line_of(text, bad.key)
        where = f" line {line}" if line else ""
        return Config(problem=f"{path}{where}: {bad}; using the default settings")
