"""Shared fixtures. Every test runs with PAPERTUI_DATA_DIR in a temp dir, never the real one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "pages"
"""The five real Daily Papers pages (copied from the project's shared seeds)."""


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point PAPERTUI_DATA_DIR at a fresh temp folder for every test."""
    data = tmp_path / "data"
    monkeypatch.setenv("PAPERTUI_DATA_DIR", str(data))
    return data


@pytest.fixture(autouse=True)
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point PAPERTUI_CONFIG at a temp file (not created: the defaults) for every test, so
    the user's real config file is never read. Write to it to test settings."""
    path = tmp_path / "config" / "config.toml"
    monkeypatch.setenv("PAPERTUI_CONFIG", str(path))
    return path


@pytest.fixture
def pages_dir() -> Path:
    """The folder of real sample pages."""
    return PAGES


@pytest.fixture
def seeded_dir(isolated_data_dir: Path) -> Path:
    """A library folder holding the five sample pages (257 papers), closed again."""
    from papertui.importer import import_paths
    from papertui.library import Library

    lib = Library.open(isolated_data_dir)
    try:
        import_paths(lib, [str(PAGES)])
    finally:
        lib.close()
    return isolated_data_dir


@pytest.fixture
def library(seeded_dir: Path) -> Iterator[object]:
    """An open, writable library with the sample pages imported."""
    from papertui.library import Library

    lib = Library.open(seeded_dir)
    yield lib
    lib.close()
