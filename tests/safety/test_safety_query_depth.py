"""Deeply nested parentheses are refused with one clear line, never a RecursionError.

The parser recurses once per parenthesis: 250 of them exhausted Python's stack, a traceback
in the CLI and a crash of the app from its search bar.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from papertui.cli import main
from papertui.library import Library
from papertui.query import MAX_DEPTH, QueryError, parse_query
from papertui.tui.app import create_app


def nested(depth: int, inner: str = "diffusion", negate: bool = False) -> str:
    opening = "-(" if negate else "("
    return opening * depth + inner + ")" * depth


@pytest.mark.parametrize("negate", [False, True])
def test_deep_nesting_is_a_query_error_and_the_limit_itself_works(negate: bool) -> None:
    for depth in (250, 5000):
        with pytest.raises(QueryError, match=f"nested more than {MAX_DEPTH} deep"):
            parse_query(nested(depth, negate=negate))
    query = parse_query(nested(MAX_DEPTH, "diffusion OR transformer", negate=negate))
    assert not query.is_empty


def test_cli_says_one_line_and_exits_2(
    seeded_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["list", nested(250)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err == f"papertui: error: bad query: parentheses nested more than {MAX_DEPTH} deep\n"
    assert main(["list", nested(MAX_DEPTH)]) == 0


async def test_the_search_bar_shows_the_error_and_the_app_keeps_running(seeded_dir: Path) -> None:
    lib = Library.open(seeded_dir)
    try:
        app = create_app(lib)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("slash")
            app.screen.query_one(Input).value = nested(250)
            await pilot.pause()
            await pilot.pause()
            assert app.is_running
            shown = "\n".join(s.text for s in app.screen._compositor.render_strips())
            assert f"nested more than {MAX_DEPTH} deep" in shown
            app.screen.query_one(Input).value = nested(3)
            await pilot.pause()
            assert app.is_running
            assert f"nested more than {MAX_DEPTH} deep" not in "\n".join(
                s.text for s in app.screen._compositor.render_strips()
            )
    finally:
        lib.close()
