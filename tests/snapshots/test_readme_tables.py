"""The README's generated tables match what generates them (``scripts/readme_tables.py``).

When one of these fails, run ``.venv/bin/python scripts/readme_tables.py`` and commit the
README it rewrites.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from papertui.query import QueryError, parse_query
from papertui.tui.bindings import SECTIONS, key_table_markdown

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SCRIPT = ROOT / "scripts" / "readme_tables.py"
FIX = "README.md is stale: run .venv/bin/python scripts/readme_tables.py"


@pytest.fixture(scope="module")
def tables() -> ModuleType:
    """``scripts/readme_tables.py``, imported from its file (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("readme_tables", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("readme_tables", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def readme() -> str:
    """The README as committed."""
    return README.read_text(encoding="utf-8")


def test_key_table_matches_the_bindings(tables: ModuleType, readme: str) -> None:
    """The key table between the key-table markers is the one the bindings generate."""
    shown = tables.region(readme, "key-table")
    assert shown is not None, "README.md lacks <!-- key-table --> … <!-- /key-table -->"
    assert shown.strip() == key_table_markdown().strip(), FIX


def test_query_table_matches_the_script(tables: ModuleType, readme: str) -> None:
    """The query-language table is the one the script generates."""
    shown = tables.region(readme, "query-table")
    assert shown is not None, "README.md lacks <!-- query-table --> … <!-- /query-table -->"
    assert shown.strip() == tables.query_table_markdown().strip(), FIX


def test_regenerating_changes_nothing(tables: ModuleType, readme: str) -> None:
    """Running the script on the README is a no-op (and keeps everything around it)."""
    assert tables.render(readme) == readme, FIX


def test_filling_closes_an_open_region(tables: ModuleType) -> None:
    """A lone opening marker gets its content and a closing marker; the rest stays."""
    text = "# T\n\n<!-- query-table -->\n\n## Next\n"
    filled = tables.fill(text, "query-table", "| a |\n")
    assert filled == "# T\n\n<!-- query-table -->\n\n| a |\n\n<!-- /query-table -->\n\n## Next\n"
    assert tables.fill(filled, "query-table", "| b |\n") == filled.replace("| a |", "| b |")


def test_query_terms_and_examples_parse(tables: ModuleType) -> None:
    """Every query the table and the examples show is valid in the query language (with a
    number for the placeholder ``N``, an import's stamp for ``STAMP``)."""
    spans = [
        re.sub(r"\bID\b", "4ce64dd", re.sub(r"\bN\b", "10", span)).replace(
            "STAMP", "2025-01-02T08:00:00.123456+00:00"
        )
        for term, _ in tables.QUERY_TERMS
        for span in re.findall(r"`([^`]+)`", term)
        if "…" not in span
    ]
    spans += [query for query, _ in tables.QUERY_EXAMPLES]
    assert len(spans) > 20
    for span in spans:
        try:
            parse_query(span)
        except QueryError as exc:  # pragma: no cover - a documentation bug
            pytest.fail(f"README query {span!r} does not parse: {exc}")


def test_key_tables_render_as_tables(readme: str, tables: ModuleType) -> None:
    """Each section of the key table is a Markdown table whose rows all have 3 cells."""
    markdown_it = pytest.importorskip("markdown_it")
    tokens = (
        markdown_it.MarkdownIt("commonmark")
        .enable("table")
        .parse(tables.region(readme, "key-table") or "")
    )
    kinds = [t.type for t in tokens]
    assert kinds.count("table_open") == len(SECTIONS)
    cells = 0
    for token in tokens:
        if token.type == "tr_open":
            cells = 0
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            assert cells == 3
    rows = kinds.count("tr_open")
    assert rows == len(SECTIONS) + sum(len(s.bindings) for s in SECTIONS)
