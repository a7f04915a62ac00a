"""Where papertui keeps its files. Resolved at call time, never at import time."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "DATA_DIR_ENV",
    "SAMPLE_YEAR",
    "default_data_dir",
    "resolve_data_dir",
    "sample_pages_dir",
]

DATA_DIR_ENV = "PAPERTUI_DATA_DIR"
"""Environment variable that overrides the library folder (tests always set it)."""


def default_data_dir() -> Path:
    """The user's library folder: ``$PAPERTUI_DATA_DIR``, else platformdirs' user data dir."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("papertui", appauthor=False))


def resolve_data_dir(option: str | os.PathLike[str] | None) -> Path:
    """The library folder for a ``--data-dir`` value (which wins over everything else)."""
    if option:
        return Path(option).expanduser()
    return default_data_dir()


SAMPLE_YEAR = 2025
"""The year the bundled sample pages were saved in. Two of them show no year at all, and
without this their dates would follow the files' modification time (i.e. when papertui was
installed), so the demo would differ from one machine to the next."""


def sample_pages_dir() -> Path:
    """The bundled sample Daily Papers pages (shipped inside the package)."""
    return Path(__file__).parent / "sample"
