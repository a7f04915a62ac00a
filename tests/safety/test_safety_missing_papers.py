"""Decisions about papers the corpus lacks are kept, shown by id, and removable.

The README's recovery advice for a damaged corpus (it is set aside) is to import the pages
again; until then, or when only some pages are imported again, the triage state names
papers the corpus does not hold. ``stats`` and ``export`` gave a KeyError traceback, the
Queue view (``2``) crashed the app, and such papers could not be unstarred.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from papertui.cli import main
from papertui.library import MISSING_TITLE, Library
from papertui.store import LibraryDamaged
from papertui.tui.app import create_app

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except BaseException as exc:
        pytest.fail(f"papertui {argv[0]} crashed with {type(exc).__name__}: {exc}")
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(params=["set aside", "imported in part"])
def orphaned(request: pytest.FixtureRequest, seeded_dir: Path) -> tuple[Path, list[str]]:
    """A library whose triage state names 3 papers its corpus lacks; returns their ids
    (queued, in queue order: the first also read, tagged and noted)."""
    root = seeded_dir
    with Library.open(root) as lib:
        first_page = {p for p in lib.ids if lib.paper(p).sources[0].file.startswith("000_")}
        gone = [p for p in lib.ids if p not in first_page][:3]
        lib.set_starred(gone, True)
        lib.set_read(gone[:1], True)
        lib.tag(gone[:1], add=["keep"])
        lib.set_note(gone[0], "my note")
    if request.param == "set aside":
        (root / "papers.json").write_bytes(b"\x00garbage")
        with pytest.raises(LibraryDamaged):
            Library.open(root)  # sets it aside
    else:
        (root / "papers.json").unlink()
        with Library.open(root) as lib:
            first = next(PAGES.glob("000_*.txt"))
            from papertui.importer import import_paths

            import_paths(lib, [str(first)])
    return root, gone


def test_cli_shows_and_keeps_them_and_they_can_be_removed(
    orphaned: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, gone = orphaned
    code, out, err = cli(capsys, "stats")
    assert (code, err) == (0, "")
    assert "Not in the library: 3 papers" in out
    assert all(p[:7] in out for p in gone)
    code, out, _ = cli(capsys, "stats", "--json")
    stats = json.loads(out)
    # Kept out of the views and counts, listed by id.
    assert stats["not_in_library"] == sorted(gone)
    assert stats["queued"] == 0 and stats["unread"] == stats["total"]
    assert stats["oldest_queued"] is None

    for argv in (["export"], ["export", "--format", "json"], ["export", "--all"]):
        code, out, err = cli(capsys, *argv)
        assert (code, err) == (0, ""), argv
        assert MISSING_TITLE not in out
    code, out, _ = cli(capsys, "show", gone[0][:7])
    assert code == 0 and f"{MISSING_TITLE} (id {gone[0]})" in out and "my note" in out
    code, out, _ = cli(capsys, "show", gone[0], "--json")
    record = json.loads(out)
    assert (record["starred"], record["read"], record["tags"]) == (True, True, ["keep"])

    # Opening and closing (which folds the journal and takes a backup) keeps them.
    with Library.open(root) as lib:
        assert lib.missing() == sorted(gone)
        assert lib.queue() == []  # aside, out of every view

    assert cli(capsys, "unstar", gone[1], gone[2])[0] == 0
    with Library.open(root) as lib:
        assert lib.missing() == [gone[0]] and lib.queue() == []
    assert cli(capsys, "unstar", gone[0])[0] == 0
    assert cli(capsys, "unread", gone[0])[0] == 0
    assert cli(capsys, "tag", gone[0], "-keep")[0] == 0
    with Library.open(root) as lib:
        assert lib.missing() == [gone[0]]  # the note is left
        assert lib.state(gone[0]).note == "my note"
    assert cli(capsys, "note", gone[0], "")[0] == 0
    with Library.open(root) as lib:
        assert lib.missing() == [] and lib.queue() == []
    # Gone for good: an id with neither paper nor state is unknown again.
    code, _, err = cli(capsys, "star", gone[0])
    assert code == 1 and err == f"papertui: error: no paper with id '{gone[0]}'\n"


async def test_the_app_opens_and_every_view_works(orphaned: tuple[Path, list[str]]) -> None:
    root, gone = orphaned
    lib = Library.open(root)
    try:
        app = create_app(lib)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            for key in ("2", "s", "r", "4", "1", "3", "2"):
                await pilot.press(key)
                await pilot.pause()
                assert app.is_running
            assert lib.missing() == sorted(gone)  # kept: the keys never reached them
    finally:
        lib.close()
