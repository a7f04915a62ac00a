"""BibTeX and CSV exports: parsed back by real parsers (bibtexparser, the csv module)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware

from papertui.bibtex import bibtex_url, citation_key, to_bibtex
from papertui.cli import main
from papertui.csvexport import to_csv
from papertui.export import paper_record
from papertui.models import Paper, Source, TriageState, paper_id

HOSTILE = r"50% of {x} & $y$ #1 a_b ^c ~d \emph{e} } {"


def paper(title: str, **kw: object) -> Paper:
    return Paper(id=paper_id(title), title=title, **kw)  # type: ignore[arg-type]


def parse_bibtex(text: str) -> bibtexparser.Library:
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return library


def decoded(text: str) -> bibtexparser.Library:
    """The entries with LaTeX turned back into text (as a reference manager shows them)."""
    return bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])


def test_one_misc_entry_per_paper_with_key_title_year_url_and_note() -> None:
    a = paper(
        "Hunyuan3D 2.0: Scaling Diffusion",
        published=date(2025, 1, 21),
        code_urls=("https://github.com/Tencent/Hunyuan3D-2",),
    )
    b = paper("The Undated One", project_urls=("https://example.org/p",))
    c = paper("No Links", published=date(2024, 3, 1))
    text = to_bibtex(
        [(a, TriageState(note="read\nthis first")), (b, TriageState()), (c, TriageState())]
    )
    entries = parse_bibtex(text).entries
    assert [e.entry_type for e in entries] == ["misc"] * 3
    assert [e.key for e in entries] == [
        f"hunyuan3d2025-{a.id}",
        f"undated-{b.id}",
        f"no2024-{c.id}",
    ]
    first, second, third = (e.fields_dict for e in entries)
    assert first["title"].value == "{Hunyuan3D 2.0: Scaling Diffusion}"  # capitals protected
    assert first["year"].value == "2025"
    assert first["url"].value == "https://github.com/Tencent/Hunyuan3D-2"
    assert first["note"].value == "read this first"
    assert "year" not in second and second["url"].value == "https://example.org/p"
    assert set(third) == {"title", "year"}


def test_latex_special_characters_are_escaped_and_read_back_as_written() -> None:
    p = paper(HOSTILE, code_urls=("https://x.org/a%20b_c~d#frag",))
    text = to_bibtex([(p, TriageState(note=HOSTILE))])
    (entry,) = parse_bibtex(text).entries
    assert entry["url"] == "https://x.org/a%20b_c~d#frag"  # a url field is not LaTeX-escaped
    (back,) = decoded(text).entries
    # pylatexenc reads \textasciicircum as the modifier letter U+02C6, which LaTeX prints as ^.
    assert back["title"].replace("\u02c6", "^") == HOSTILE
    assert back["note"].replace("\u02c6", "^") == HOSTILE


def test_the_url_is_the_code_link_else_the_project_link_never_an_unsafe_one() -> None:
    assert (
        bibtex_url(paper("A", code_urls=("javascript:x", "https://c"), project_urls=("https://p",)))
        == "https://c"
    )
    assert bibtex_url(paper("A", project_urls=("https://p",))) == "https://p"
    assert bibtex_url(paper("A", code_urls=("file:///etc/passwd",))) is None


def test_citation_keys_are_stable_and_unique() -> None:
    titles = ["Über Alles: a study", "ÜBER alles: a study!", "::", "On the Towards"]
    keys = [citation_key(paper(t)) for t in titles]
    assert keys[0].startswith("uber-") and keys[2].startswith("paper-")
    assert keys[3].startswith("on-")  # only skipped words: the first one
    assert len(set(keys)) == len(keys)
    assert citation_key(paper(titles[0])) == keys[0]


def test_csv_has_the_json_fields_as_columns() -> None:
    p = paper(
        '=HYPERLINK("https://evil")',
        published=date(2025, 1, 2),
        upvotes=7,
        code_urls=("https://a", "https://b"),
        sources=(Source("x.txt", "2025-01-03"), Source("y.txt", None)),
        added_at="2026-01-01T00:00:00+00:00",
    )
    state = TriageState(
        starred=True, tags=("ml", "two-words"), note="line 1\nline 2", queue_position=1
    )
    record = paper_record(p, state, 'An abstract, with a comma and "quotes".')
    rows = list(csv.DictReader(io.StringIO(to_csv([record]))))
    assert list(rows[0]) == list(record)
    (row,) = rows
    assert row["title"] == '\'=HYPERLINK("https://evil")'  # shown as text by spreadsheets
    assert row["abstract"] == record["abstract"] and row["note"] == "line 1\nline 2"
    assert row["code_urls"] == "https://a https://b" and row["project_urls"] == ""
    assert row["sources"] == "x.txt (2025-01-03); y.txt"
    assert row["tags"] == "ml two-words"
    assert (row["starred"], row["read"], row["queue_position"]) == ("true", "false", "1")
    assert (row["published"], row["upvotes"], row["authors_count"]) == ("2025-01-02", "7", "")


@pytest.mark.parametrize("fmt", ["bibtex", "csv"])
def test_the_export_command_writes_every_format(
    capsys: pytest.CaptureFixture[str], seeded_dir: Path, fmt: str
) -> None:
    assert main(["export", "--all", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert main(["export", "--all", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "bibtex":
        entries = parse_bibtex(out).entries
        assert [e.key.rsplit("-", 1)[1] for e in entries] == [r["id"] for r in records]
    else:
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [r["id"] for r in rows] == [r["id"] for r in records]
        assert [r["abstract"] for r in rows] == [r["abstract"] for r in records]
