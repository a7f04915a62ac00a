"""Fixtures of the snapshot tests: a fresh library folder per test."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def library_root(tmp_path: Path) -> Path:
    """An empty folder for the app's library (the sample pages are imported into it)."""
    return tmp_path / "library"
