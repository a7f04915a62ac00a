"""Helper processes papertui starts never run code from the current directory.

``python -m papertui`` puts the current directory first on ``sys.path``: a ``papertui.py``
or ``papertui/`` package where the user starts the app (an unpacked archive of pages, the
parent of a checkout) would run instead of papertui. The index build, the one helper
process, is started with ``-P`` (Python 3.11+: no unsafe path entry), which keeps the
environment and the user's site-packages (so an editable or ``--user`` install works).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from papertui.tui.jobs import build_search_index

TRAP = "import pathlib\npathlib.Path({marker!r}).write_text('ran')\n"


@pytest.mark.parametrize("trap", ["module", "package"])
def test_index_build_never_imports_papertui_from_the_working_directory(
    seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trap: str
) -> None:
    cwd = tmp_path / "unpacked-archive"
    cwd.mkdir()
    module_marker = tmp_path / "ran-papertui-py"
    package_marker = tmp_path / "ran-papertui-package"
    if trap == "module":  # a papertui.py (a package of the same name would win over it)
        (cwd / "papertui.py").write_text(TRAP.format(marker=str(module_marker)))
    else:
        (cwd / "papertui").mkdir()
        for name in ("__init__.py", "__main__.py"):
            (cwd / "papertui" / name).write_text(TRAP.format(marker=str(package_marker)))
    monkeypatch.chdir(cwd)

    seen: list[tuple[int, int]] = []
    error = build_search_index(seeded_dir, lambda d, t: seen.append((d, t)), threading.Event())

    assert not module_marker.exists(), "papertui.py from the working directory ran"
    assert not package_marker.exists(), "papertui/ from the working directory ran"
    assert error is None
    assert (seeded_dir / "search.index").is_file()
    assert seen and seen[0] == (0, 257)  # the helper ran papertui and reported progress
