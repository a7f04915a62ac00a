"""Helper processes papertui starts never run code from the current directory.

``python -m papertui`` puts the current directory first on ``sys.path``: a ``papertui.py``
or ``papertui/`` package where the user starts the app (an unpacked archive of pages, the
parent of a checkout) would run instead of papertui. The helper processes (the app's index
build, the ranking features helper of an import's build) are started with ``-P`` (Python
3.11+: no unsafe path entry), which keeps the environment and the user's site-packages (so
an editable or ``--user`` install works).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from papertui.tui.jobs import build_search_index

TRAP = "import pathlib\npathlib.Path({marker!r}).write_text('ran')\n"


def _trap(tmp_path: Path, trap: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in a folder holding a ``papertui.py`` (``module``; a package of the same name
    would win over it) or a ``papertui/`` package; the marker they write if they run."""
    cwd = tmp_path / "unpacked-archive"
    cwd.mkdir()
    marker = tmp_path / f"ran-papertui-{trap}"
    if trap == "module":
        (cwd / "papertui.py").write_text(TRAP.format(marker=str(marker)))
    else:
        (cwd / "papertui").mkdir()
        for name in ("__init__.py", "__main__.py", "featuresjob.py"):
            (cwd / "papertui" / name).write_text(TRAP.format(marker=str(marker)))
    monkeypatch.chdir(cwd)
    return marker


@pytest.mark.parametrize("trap", ["module", "package"])
def test_index_build_never_imports_papertui_from_the_working_directory(
    seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trap: str
) -> None:
    marker = _trap(tmp_path, trap, monkeypatch)

    seen: list[tuple[int, int]] = []
    error = build_search_index(seeded_dir, lambda d, t: seen.append((d, t)), threading.Event())

    assert not marker.exists(), f"papertui ({trap}) from the working directory ran"
    assert error is None
    assert (seeded_dir / "search.index").is_file()
    assert seen and seen[0] == (0, 257)  # the helper ran papertui and reported progress


@pytest.mark.parametrize("trap", ["module", "package"])
def test_features_helper_never_imports_papertui_from_the_working_directory(
    seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trap: str
) -> None:
    from papertui.library import Library
    from papertui.relevance import FEATURES_FILE

    marker = _trap(tmp_path, trap, monkeypatch)
    with Library.open(seeded_dir) as lib:
        lib.words.build(parallel=True)  # the import's build: features in a helper process
    assert not marker.exists(), f"papertui ({trap}) from the working directory ran"
    assert (seeded_dir / FEATURES_FILE).is_file()
