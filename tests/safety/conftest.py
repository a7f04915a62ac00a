"""Fixtures of the safety suite."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def ram_library(
    seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The seeded library (257 papers), copied to a RAM file system when there is one, and
    made the default library (``PAPERTUI_DATA_DIR``) for this test and its subprocesses.

    For tests that make hundreds of writes: fsync costs ~8 ms on the test machines' disk
    and nothing on tmpfs. What these tests check (locking, the order of writes and
    acknowledgements, atomic replaces) does not depend on fsync: a killed process loses
    nothing that reached the page cache.
    """
    shm = Path("/dev/shm")
    made = None
    base = tmp_path
    if shm.is_dir() and os.access(shm, os.W_OK):
        base = made = Path(tempfile.mkdtemp(prefix="papertui-safety-", dir=shm))
    root = base / "library"
    shutil.copytree(seeded_dir, root)
    monkeypatch.setenv("PAPERTUI_DATA_DIR", str(root))
    try:
        yield root
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
