"""The layering the project promises, checked: the core never loads Textual, and only the
store talks to TinyDB."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import papertui

PKG = Path(papertui.__file__).parent
CORE = [
    "models",
    "parsing",
    "links",
    "query",
    "export",
    "library",
    "store",
    "importer",
    "render",
    "paths",
    "fsutil",
    "wordindex",
    "queryplan",
    "bitmaps",
    "journal",
    "locking",
    "decisions",
    "corpus",
    "texts",
    "tokens",
    "wordsearch",
    "views",
    "importing",
    "missing",
    "history",
    "merge",
    "errors",
    "tags",
    "bibtex",
    "csvexport",
    "argv",
    "completion",
    "editor",
    "paperlink",
    "readable",
    "config",
    "tui.clipboard",
    "tui.system",
    "ranking",
    "relevance",
    "featuresjob",
    "safetext",
    "cli",
]


def test_every_module_outside_the_tui_is_checked_as_core() -> None:
    """A new domain module cannot slip past the layering checks below."""
    outside = {p.stem for p in PKG.glob("*.py")} - {"__init__", "__main__"}
    assert outside - set(CORE) == set()


def test_core_modules_never_import_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import papertui.{m}\n" for m in CORE)
        + "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        + "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_numpy_is_loaded_only_when_ranking() -> None:
    # Start-up and `papertui export` stay fast: numpy comes in with the first ranking.
    code = (
        "import sys\n"
        + "".join(f"import papertui.{m}\n" for m in CORE)
        + "assert 'numpy' not in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_store_imports_tinydb() -> None:
    users = sorted(str(p.relative_to(PKG)) for p in PKG.rglob("*.py") if "tinydb" in _imports(p))
    assert users == ["store.py"]


def test_tui_never_imports_the_store_directly_for_data() -> None:
    # Widgets and screens talk to the library; only error types may come from the store.
    for p in (PKG / "tui").rglob("*.py"):
        tree = ast.parse(p.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "papertui.store":
                names = {a.name for a in node.names}
                assert names <= {
                    "StoreError",
                    "ReadOnlyLibrary",
                    "LibraryLocked",
                    "LibraryDamaged",
                }, (p, names)
