"""Completion for the prompts: tag names and file system paths."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from textual.suggester import Suggester

__all__ = ["PathSuggester", "TagSuggester"]


def _last_token(value: str) -> tuple[str, str]:
    """Split ``value`` into everything before the last word and the last word."""
    cut = max(value.rfind(" "), value.rfind(","))
    return value[: cut + 1], value[cut + 1 :]


class TagSuggester(Suggester):
    """Completes the word being typed to an existing tag (also after ``-``, to remove one)."""

    def __init__(self, tags: Iterable[str]) -> None:
        """Complete to ``tags`` (most used first is the caller's choice of order)."""
        super().__init__(use_cache=False, case_sensitive=True)
        self._tags = list(tags)

    async def get_suggestion(self, value: str) -> str | None:
        """``value`` with its last word completed, or None."""
        _, token = _last_token(value)
        stem = token[1:] if token.startswith(("-", "+")) else token
        folded = stem.casefold()
        if not folded:
            return None
        for tag in self._tags:
            if tag.casefold().startswith(folded) and len(tag) > len(stem):
                return value + tag[len(stem) :]
        return None


class PathSuggester(Suggester):
    """Completes a file or folder name (folders get a trailing ``/``)."""

    def __init__(self) -> None:
        """Suggestions depend on the disk, so they are not cached."""
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        """``value`` completed to the first matching entry of its folder, or None."""
        if not value:
            return None
        path = Path(value).expanduser()
        if value.endswith(("/", os.sep)):
            folder, stem = path, ""
        else:
            folder, stem = path.parent, path.name
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return None
        for name in names:
            if name.startswith(stem) and name != stem and not name.startswith("."):
                suffix = name[len(stem) :]
                if (folder / name).is_dir():
                    suffix += "/"
                return value + suffix
        return None
