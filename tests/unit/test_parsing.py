"""The page parser: the five real seed pages, dates and years, hostile text, and files."""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from pathlib import Path

import pytest

from papertui.models import ParsedPaper, paper_id
from papertui.parsing import (
    TITLE_MAX_CHARS,
    PageError,
    PageResult,
    Problem,
    clean_text,
    parse_page,
    read_page,
)

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
SEEDS = sorted(PAGES.glob("*.txt"))
HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\n"
)
HEADER_LINES = {
    "new",
    "Get trending papers in your email inbox!",
    "Get trending papers in your email inbox once a day!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
}
LONG = "We study things. " * 30  # an abstract-length line (510 characters)


def seed(prefix: str) -> Path:
    """The seed page whose name starts with ``prefix``."""
    (path,) = (p for p in SEEDS if p.name.startswith(prefix))
    return path


def parse(text: str, **kwargs: object) -> PageResult:
    """``parse_page`` with a fixed file name and fallback year."""
    options: dict[str, object] = {"file": "p.txt", "fallback_year": 2026, **kwargs}
    return parse_page(text, **options)  # type: ignore[arg-type]


def parse_seed(prefix: str, **kwargs: object) -> PageResult:
    """One seed page, parsed with fallback year 2026 unless told otherwise."""
    path = seed(prefix)
    options: dict[str, object] = {"file": path.name, "fallback_year": 2026, **kwargs}
    return parse_page(path.read_text(encoding="utf-8"), **options)  # type: ignore[arg-type]


def by_title(result: PageResult, start: str) -> ParsedPaper:
    """The one paper whose title starts with ``start``."""
    (paper,) = (p for p in result.papers if p.title.startswith(start))
    return paper


def essence(result: PageResult) -> list[tuple[object, ...]]:
    """Everything about the papers, for comparing two parses."""
    return [
        (
            p.title,
            p.abstract,
            p.line,
            p.authors_count,
            p.published,
            p.upvotes,
            p.code_urls,
            p.project_urls,
            p.source,
        )
        for p in result.papers
    ]


# --------------------------------------------------------------------------------------
# The seeds


def test_five_seed_pages() -> None:
    assert [p.name[:3] for p in SEEDS] == ["000", "001", "002", "003", "004"]


def test_seeds_hold_312_entries_and_257_distinct_papers() -> None:
    results = [parse_seed(p.name[:3]) for p in SEEDS]
    assert [len(r.papers) for r in results] == [45, 47, 34, 74, 112]
    assert sum(len(r.papers) for r in results) == 312
    assert len({paper_id(p.title) for r in results for p in r.papers}) == 257


@pytest.mark.parametrize(
    ("prefix", "layout", "count", "first", "last", "first_line"),
    [
        (
            "000",
            "metadata",
            45,
            "Representation Alignment for Generation: Training Diffusion Transformers Is "
            "Easier Than You Think",
            "BiFormer: Vision Transformer with Bi-Level Routing Attention",
            13,
        ),
        (
            "001",
            "glued",
            47,
            "Exploring Lightweight Hierarchical Vision Transformers for Efficient Visual Tracking",
            "Fast Video Generation with Sliding Tile Attention",
            3,
        ),
        (
            "002",
            "metadata",
            34,
            "Transformer-based Image Generation from Scene Graphs",
            "Missing Fine Details in Images: Last Seen in High Frequencies",
            13,
        ),
        (
            "003",
            "plain",
            74,
            "GTR: Improving Large 3D Reconstruction Models through Geometry and Texture Refinement",
            "Applying Spatiotemporal Attention to Identify Distracted and Drowsy Driving with "
            "Vision Transformers",
            13,
        ),
        (
            "004",
            "plain",
            112,
            "X-Dancer: Expressive Music to Human Dance Video Generation",
            "LightHuBERT: Lightweight and Configurable Speech Representation Learning with "
            "Once-for-All Hidden-Unit BERT",
            11,
        ),
    ],
)
def test_seed_layouts(
    prefix: str, layout: str, count: int, first: str, last: str, first_line: int
) -> None:
    result = parse_seed(prefix)
    assert result.layout == layout
    assert len(result.papers) == count
    assert result.papers[0].title == first
    assert result.papers[0].line == first_line
    assert result.papers[-1].title == last
    assert result.problems == ()
    assert result.notices == ()
    for paper in result.papers:
        assert paper.title not in HEADER_LINES
        assert not paper.title.startswith(("Subscribe", "Get trending", "Dec 12"))
        assert len(paper.abstract) > TITLE_MAX_CHARS  # every seed paper has its abstract
        assert paper.source.file == seed(prefix).name


@pytest.mark.parametrize(
    ("prefix", "page_date", "year", "year_source"),
    [
        ("000", date(2025, 12, 12), 2025, "page"),  # latest explicit year 2024, so 2025
        ("001", None, 2026, "file"),  # no page date, no explicit year
        ("002", date(2025, 12, 12), 2025, "page"),
        ("003", date(2026, 7, 30), 2026, "file"),
        ("004", date(2026, 3, 14), 2026, "file"),  # header without "Daily Papers"
    ],
)
def test_seed_page_dates(prefix: str, page_date: date | None, year: int, year_source: str) -> None:
    result = parse_seed(prefix)
    assert result.page_date == page_date
    assert (result.year, result.year_source) == (year, year_source)
    expected = page_date.isoformat() if page_date else None
    assert {p.source.page_date for p in result.papers} == {expected}


def test_seed_000_metadata() -> None:
    result = parse_seed("000")
    hunyuan = by_title(result, "Hunyuan3D 2.0")
    assert (hunyuan.authors_count, hunyuan.published, hunyuan.upvotes) == (
        71,
        date(2025, 1, 21),
        10,
    )
    repa = by_title(result, "Representation Alignment")
    assert (repa.authors_count, repa.published, repa.upvotes) == (7, date(2024, 10, 9), 2)
    taming = by_title(result, "Taming Rectified Flow")
    assert (taming.authors_count, taming.published, taming.upvotes) == (9, date(2024, 11, 7), None)
    assert hunyuan.code_urls == ("https://github.com/Tencent/Hunyuan3D-2",)
    # Two papers on this page have no metadata block at all.
    bare = [p.title for p in result.papers if p.authors_count is None]
    assert bare == [
        "The Quest for Generalizable Motion Generation: Data, Model, and Evaluation",
        "STARFlow: Scaling Latent Normalizing Flows for High-resolution Image Synthesis",
    ]
    quest = by_title(result, "The Quest")
    assert (quest.published, quest.upvotes) == (None, None)
    assert quest.abstract.startswith("Despite recent advances in 3D human motion generation")


def test_seed_002_metadata() -> None:
    result = parse_seed("002")
    mogo = by_title(result, "Mogo:")
    assert (mogo.authors_count, mogo.published, mogo.upvotes) == (1, date(2024, 12, 5), 2)
    cam = by_title(result, "CAM-Seg")
    assert (cam.authors_count, cam.published, cam.upvotes) == (7, date(2025, 3, 19), 1)
    assert sum(1 for p in result.papers if p.authors_count is None) == 2


@pytest.mark.parametrize(
    ("prefix", "title", "code", "project"),
    [
        (
            "002",
            "Transformer-based Image Generation",
            ("https://github.com/perceivelab/trf-sg2im",),
            (),
        ),
        ("000", "MetaFormer Is Actually", ("https://github.com/sail-sg/poolformer",), ()),
        ("001", "VDT: General-purpose", (), ("https://VDT-2023.github.io",)),
        ("003", "Scattering Vision Transformer", (), ("https://badripatro.github.io/svt/",)),
        ("000", "SimpleSpeech 2", (), ("https://dongchaoyang.top/SimpleSpeech2_demo/",)),
        ("002", "Large Motion Video", (), ("https://yzxing87.github.io/vae/",)),
        ("000", "StreamDiT", (), ("https://cumulo-autumn.github.io/StreamDiT/",)),
        (
            "001",
            "EfficientViT",
            ("https://github.com/microsoft/Cream/tree/main/EfficientViT",),
            (),
        ),
        ("004", "UniRGB-IR", ("https://github.com/PoTsui99/UniRGB-IR",), ()),
        ("000", "VinTAGe", (), ("https://www.youtube.com/watch?v=QmqWhUjPkJI",)),
        ("002", "ARLON", (), ("http://aka.ms/arlon",)),
        (
            "003",
            "Transformer in Transformer",
            (
                "https://github.com/huawei-noah/CV-Backbones",
                "https://gitee.com/mindspore/models/tree/master/research/cv/TNT",
            ),
            (),
        ),
    ],
)
def test_seed_links(
    prefix: str, title: str, code: tuple[str, ...], project: tuple[str, ...]
) -> None:
    paper = by_title(parse_seed(prefix), title)
    assert (paper.code_urls, paper.project_urls) == (code, project)


def test_read_page_equals_parse_page_on_seeds() -> None:
    # read_page takes a fast path for clean UTF-8; it must not change a thing.
    for path in SEEDS:
        read = read_page(path)
        parsed = parse_page(
            path.read_text(encoding="utf-8"), file=path.name, fallback_year=read.year
        )
        assert essence(read) == essence(parsed)
        assert read.problems == parsed.problems


# --------------------------------------------------------------------------------------
# Invariance: BOM, CRLF, CR, trailing white space


@pytest.mark.parametrize("prefix", ["000", "001", "003"])
@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: "\ufeff" + t,
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t.replace("\n", "\r"),
        lambda t: t.replace("\n", " \t \n") + "   ",
        lambda t: "\ufeff" + t.replace("\n", "  \r\n") + "\r\n",
    ],
    ids=["bom", "crlf", "cr", "trailing", "all"],
)
def test_encoding_details_change_nothing(prefix: str, mutate: object, tmp_path: Path) -> None:
    text = seed(prefix).read_text(encoding="utf-8")
    clean = parse(text)
    changed = mutate(text)  # type: ignore[operator]
    assert essence(parse(changed)) == essence(clean)
    assert parse(changed).problems == clean.problems
    # The same through a file (bytes, with the fast path where it applies).
    path = tmp_path / "p.txt"
    path.write_bytes(changed.encode("utf-8"))
    assert essence(read_page(path, year=clean.year)) == essence(parse(text, year=clean.year))


# --------------------------------------------------------------------------------------
# Years


PAGE = (
    HEADER
    + "Dec 12\n\nFirst Paper\n\n"
    + LONG
    + "\n\n  • 3 authors\n·\nOct 9, 2024 2\n\nSecond Paper\n\n"
    + LONG
    + "\n\n  • 1 authors\n·\nJan 21 10\n"
)


def test_year_from_the_page() -> None:
    result = parse(PAGE, fallback_year=1999)
    assert (result.year, result.year_source) == (2025, "page")
    assert result.page_date == date(2025, 12, 12)
    assert [p.published for p in result.papers] == [date(2024, 10, 9), date(2025, 1, 21)]
    assert [p.upvotes for p in result.papers] == [2, 10]


def test_year_option_wins() -> None:
    result = parse(PAGE, year=2030, fallback_year=1999)
    assert (result.year, result.year_source) == (2030, "option")
    assert result.page_date == date(2030, 12, 12)
    # Explicit years are kept; only the missing ones take the option.
    assert [p.published for p in result.papers] == [date(2024, 10, 9), date(2030, 1, 21)]


def test_year_falls_back_to_the_file() -> None:
    page = HEADER + "Mar 14\n\nA Paper\n\n" + LONG + "\n\n  • 2 authors\n·\nFeb 3 4\n"
    result = parse(page, fallback_year=2023)
    assert (result.year, result.year_source) == (2023, "file")
    assert result.page_date == date(2023, 3, 14)
    assert result.papers[0].published == date(2023, 2, 3)


def test_latest_explicit_year_counts() -> None:
    page = (
        "A\n\n" + LONG + "\n\n• 1 authors\n·\nMay 1, 2019\n\n"
        "B\n\n" + LONG + "\n\n• 1 authors\n·\nMay 1, 2023\n\n"
        "C\n\n" + LONG + "\n\n• 1 authors\n·\nMay 1\n"
    )
    result = parse(page, fallback_year=1990)
    assert (result.year, result.year_source) == (2024, "page")
    assert result.papers[2].published == date(2024, 5, 1)


def test_page_date_with_its_own_year() -> None:
    result = parse(HEADER + "Dec 12, 2021\n\nA\n\n" + LONG + "\n\n• 1 authors\n·\nJun 3\n")
    assert (result.year, result.year_source) == (2021, "page")
    assert result.page_date == date(2021, 12, 12)
    assert result.papers[0].published == date(2021, 6, 3)


def test_read_page_falls_back_to_the_files_year(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_text(HEADER + "Mar 14\n\nA Paper\n\n" + LONG + "\n\n• 2 authors\n·\nFeb 3\n")
    stamp = datetime(2019, 6, 15, 12, 0).timestamp()
    os.utime(path, (stamp, stamp))
    result = read_page(path)
    assert (result.year, result.year_source) == (2019, "file")
    assert result.page_date == date(2019, 3, 14)
    assert result.papers[0].published == date(2019, 2, 3)
    assert read_page(path, year=2021).papers[0].published == date(2021, 2, 3)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("Feb 30, 2024 3", "Feb 30"),
        ("Feb 29 3", "Feb 29"),
        ("Apr 31", "Apr 31"),
        ("Jun 0", "Jun 0"),
    ],
)
def test_impossible_dates_are_problems(line: str, why: str) -> None:
    # 2025 (the page's year here) is not a leap year, so Feb 29 does not exist in it.
    page = "A\n\n" + LONG + "\n\n• 2 authors\n·\n" + line + "\n"
    result = parse(page, year=2025)
    (paper,) = result.papers
    assert paper.published is None
    assert paper.authors_count == 2
    (problem,) = result.problems
    assert problem.line == 7 and why in problem.message


def test_bad_year_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="year"):
        parse("A\n\nB", year=0)
    with pytest.raises(ValueError, match="fallback_year"):
        parse("A\n\nB", fallback_year=10_000)


def test_page_year_never_overflows() -> None:
    result = parse(
        "A\n\n" + LONG + "\n\n• 1 authors\n·\nJan 2, 9999\n\nB\n\n" + LONG + "\n\n· Jan 3\n"
    )
    assert result.year == 9999
    assert [p.published for p in result.papers] == [date(9999, 1, 2), date(9999, 1, 3)]


# --------------------------------------------------------------------------------------
# Layouts and odd structure


def test_glued_layout() -> None:
    page = (
        "Get trending papers in your email inbox once a day!\n"
        "Get trending papers in your email inbox!\n"
        "SubscribeFirst Title\n" + LONG + "\nSecond Title\n" + LONG
    )
    result = parse(page)
    assert result.layout == "glued"
    assert [p.title for p in result.papers] == ["First Title", "Second Title"]
    assert [p.line for p in result.papers] == [3, 5]
    assert result.problems == ()


def test_header_phrases_glued_together() -> None:
    page = "Get trending papers in your email inbox!SubscribeDaily PapersThe Title\n" + LONG
    assert [p.title for p in parse(page).papers] == ["The Title"]


def test_plain_layout_with_short_abstracts() -> None:
    result = parse("One\n\nFirst abstract\n\nTwo\n\nSecond abstract\n")
    assert result.layout == "plain"
    assert [(p.title, p.abstract) for p in result.papers] == [
        ("One", "First abstract"),
        ("Two", "Second abstract"),
    ]


def test_header_lines_are_never_papers_anywhere() -> None:
    page = "Subscribe\n\nA\n\n" + LONG + "\n\nnew\n\nDaily Papers\n\nB\n\n" + LONG
    result = parse(page)
    assert [p.title for p in result.papers] == ["A", "B"]
    assert result.problems == ()


def test_title_without_abstract_is_kept_with_a_problem() -> None:
    # In the metadata layout: title, then metadata directly.
    result = parse("Lonely Title\n\n• 4 authors\n·\nMar 3, 2024\n\nNext\n\n" + LONG)
    lonely, nxt = result.papers
    assert (lonely.title, lonely.abstract, lonely.authors_count) == ("Lonely Title", "", 4)
    assert lonely.published == date(2024, 3, 3)
    assert nxt.abstract == LONG.strip()
    assert [(p.line, "no abstract" in p.message) for p in result.problems] == [(1, True)]


def test_missing_abstract_does_not_shift_later_papers() -> None:
    # Title, title, abstract: the first title keeps an empty abstract.
    result = parse("First\n\nSecond\n\n" + LONG + "\n\nThird\n\n" + LONG)
    assert [(p.title, bool(p.abstract)) for p in result.papers] == [
        ("First", False),
        ("Second", True),
        ("Third", True),
    ]
    assert [p.line for p in result.problems] == [1]


def test_last_title_without_abstract() -> None:
    result = parse("A\n\n" + LONG + "\n\nDangling")
    assert [(p.title, p.abstract == "") for p in result.papers] == [
        ("A", False),
        ("Dangling", True),
    ]
    assert [str(p) for p in result.problems] == [
        "p.txt:5: 'Dangling' has no abstract; kept without one"
    ]


def test_metadata_before_the_abstract() -> None:
    result = parse("A Title\n\n• 3 authors\n·\nMay 2, 2024 7\n\n" + LONG + "\n\nB\n\n" + LONG)
    first, second = result.papers
    assert (first.abstract, first.authors_count, first.upvotes) == (LONG.strip(), 3, 7)
    assert second.title == "B"
    assert result.problems == ()


def test_one_line_metadata() -> None:
    result = parse("A\n\n" + LONG + "\n\n• 12 authors · Sep 5, 2023 8\n")
    (paper,) = result.papers
    assert (paper.authors_count, paper.published, paper.upvotes) == (12, date(2023, 9, 5), 8)


def test_stray_lines_are_reported_not_kept() -> None:
    result = parse("A\n\n" + LONG + "\n\n----\n\n…\n\nB\n\n" + LONG)
    assert [p.title for p in result.papers] == ["A", "B"]
    assert [(p.line, "stray line" in p.message) for p in result.problems] == [(5, True), (7, True)]


def test_metadata_with_no_paper_before_it() -> None:
    result = parse("• 7 authors\n·\nOct 9, 2024 2\n\nA\n\n" + LONG)
    assert [p.title for p in result.papers] == ["A"]
    (problem,) = result.problems
    assert problem.line == 1 and "no paper before it" in problem.message
    assert result.papers[0].authors_count is None


def test_second_metadata_block_is_reported() -> None:
    result = parse(
        "A\n\n" + LONG + "\n\n• 7 authors\n·\nOct 9, 2024 2\n\n• 9 authors\n·\nOct 1, 2024\n"
    )
    (paper,) = result.papers
    assert (paper.authors_count, paper.published) == (7, date(2024, 10, 9))
    (problem,) = result.problems
    assert problem.line == 9 and "second metadata block" in problem.message


def test_text_with_no_title_is_reported() -> None:
    result = parse("A\n\n" + LONG + "\n\n" + LONG + "\n\nB\n\n" + LONG)
    assert [p.title for p in result.papers] == ["A", "B"]
    (problem,) = result.problems
    assert problem.line == 5 and "no title before it" in problem.message


def test_concatenated_pages() -> None:
    second = HEADER.replace("new\n\n", "") + "Dec 13\n\nB\n\n" + LONG
    result = parse(PAGE + "\n" + second)
    assert [p.title for p in result.papers] == ["First Paper", "Second Paper", "B"]
    assert result.page_date == date(2025, 12, 12)
    (problem,) = result.problems
    assert "second page date" in problem.message


def test_unreadable_date_in_one_line_metadata() -> None:
    result = parse("A\n\n" + LONG + "\n\n• 3 authors · yesterday\n")
    (paper,) = result.papers
    assert (paper.authors_count, paper.published) == (3, None)
    (problem,) = result.problems
    assert "unreadable date" in problem.message


def test_titles_are_never_empty_or_too_long() -> None:
    page = (
        "\x1b[0m\n\n   \n\n\x07\x07\n\n" + "T" * (TITLE_MAX_CHARS + 1) + "\n\nok title\n\n" + LONG
    )
    result = parse(page)
    assert [p.title for p in result.papers] == ["ok title"]
    assert all(p.title.strip() for p in result.papers)


def test_white_space_inside_titles_is_collapsed() -> None:
    result = parse("  A \t  spaced\u00a0 title  \n\n" + LONG)
    assert result.papers[0].title == "A spaced title"


def test_problem_str() -> None:
    assert str(Problem("a.txt", 3, "odd")) == "a.txt:3: odd"
    assert str(Problem("a.txt", 0, "no papers found")) == "a.txt: no papers found"


# --------------------------------------------------------------------------------------
# Control characters


def test_clean_text() -> None:
    assert clean_text("plain\ttext\nline") == "plain\ttext\nline"
    assert clean_text("\x1b[31mred\x1b[0m") == "red"
    assert clean_text("\x1b[1;31;48;5;200mx") == "x"
    assert clean_text("a\x1b]0;evil title\x07b") == "ab"
    assert clean_text("a\x1b]8;;https://x.org\x1b\\link\x1b]8;;\x1b\\b") == "alinkb"
    assert clean_text("a\x9b2Jb") == "ab"
    assert (
        clean_text("bell\x07 del\x7f c1\x85\x90\x9f nul\x00 cr\r bs\x08") == "bell del c1 nul cr bs"
    )
    assert clean_text("\x1bc reset") == " reset"
    assert clean_text("unterminated \x1b]0;title") == "unterminated 0;title"
    assert clean_text("PIXART-δ ünïcödé “quotes”") == "PIXART-δ ünïcödé “quotes”"


def test_control_characters_never_reach_titles_or_abstracts() -> None:
    page = (
        "\x1b]0;pwned\x07Evil \x1b[31mRed\x1b[0m Title\x07\n\n"
        "An abstract\x1b[2J with \x9b1;1H escapes\x7f and https://github.com/a/b\x1b[0m.\n"
    )
    (paper,) = parse(page).papers
    assert paper.title == "Evil Red Title"
    assert paper.abstract == "An abstract with escapes and https://github.com/a/b."
    assert paper.code_urls == ("https://github.com/a/b",)
    for text in (paper.title, paper.abstract):
        assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


def test_control_characters_in_file_names_are_removed() -> None:
    result = parse("", file="evil\x1b]0;x\x07.txt")
    assert result.file == "evil.txt"
    assert str(result.problems[0]) == "evil.txt: no papers found"


# --------------------------------------------------------------------------------------
# Empty and degenerate pages


@pytest.mark.parametrize("text", ["", "\n\n\n", "\ufeff", "   \r\n\t\r\n"])
def test_empty_page(text: str) -> None:
    result = parse(text)
    assert result.papers == ()
    assert result.layout == "empty"
    assert [str(p) for p in result.problems] == ["p.txt: no papers found"]


def test_header_only_page() -> None:
    result = parse(HEADER + "Dec 12\n")
    assert result.papers == ()
    assert result.layout == "empty"
    assert result.page_date == date(2026, 12, 12)
    assert [p.message for p in result.problems] == ["no papers found"]


def test_a_few_megabytes_on_one_line_is_fast() -> None:
    line = "word " * 1_000_000  # 5 MB, no newline
    start = time.perf_counter()
    result = parse(line)
    assert result.papers == ()
    assert "no title before it" in result.problems[0].message
    # The same line as an abstract is kept whole.
    result = parse("A Title\n" + line + "https://github.com/a/b")
    assert result.papers[0].abstract.endswith("word https://github.com/a/b")
    assert result.papers[0].code_urls == ("https://github.com/a/b",)
    assert time.perf_counter() - start < 20


def test_many_lines_are_linear() -> None:
    page = "T\n" * 200_000 + "\n" * 500_000
    start = time.perf_counter()
    result = parse(page)
    assert len(result.papers) == 100_000
    assert time.perf_counter() - start < 30


# --------------------------------------------------------------------------------------
# Files


def test_read_page_names_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(HEADER + "Dec 12\n\nA\n\n" + LONG, encoding="utf-8")
    result = read_page(path)
    assert result.file == "page.txt"
    assert result.papers[0].source.file == "page.txt"
    assert result.notices == ()


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(PageError) as info:
        read_page(path)
    message = str(info.value)
    assert message.endswith("data.bin: not a text page (binary data)")
    assert "\n" not in message


def test_mostly_control_bytes_are_binary_even_without_nul(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(b for b in range(1, 32) if b not in (9, 10, 13)) * 100 + b"Title\n")
    with pytest.raises(PageError, match="binary data"):
        read_page(path)


def test_cp1252_page(tmp_path: Path) -> None:
    path = tmp_path / "win.txt"
    path.write_bytes(
        ("Caf\u00e9 \u201cquoted\u201d Title\r\n\r\n" + LONG + "\r\n").encode("cp1252")
    )
    result = read_page(path)
    assert result.papers[0].title == "Caf\u00e9 \u201cquoted\u201d Title"
    assert len(result.notices) == 1 and "cp1252" in result.notices[0]


def test_latin1_fallback(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    # 0x81 is undefined in cp1252; latin-1 maps it to a C1 control, which is cleaned away.
    path.write_bytes(b"Na\xefve\x81 Title\n\n" + LONG.encode() + b"\n")
    result = read_page(path)
    assert result.papers[0].title == "Na\u00efve Title"
    assert "latin-1" in result.notices[0]


def test_utf16_page(tmp_path: Path) -> None:
    path = tmp_path / "u16.txt"
    path.write_bytes(("A Title\n\n" + LONG).encode("utf-16"))
    result = read_page(path)
    assert [p.title for p in result.papers] == ["A Title"]
    assert result.notices == ("decoded as UTF-16",)


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    header = tmp_path / "header.txt"
    header.write_bytes(HEADER.encode())
    for path in (empty, header):
        result = read_page(path)
        assert result.papers == ()
        assert any("no papers found" in str(p) for p in result.problems)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PageError) as info:
        read_page(tmp_path / "nope.txt")
    assert str(info.value).endswith("nope.txt: no such file")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(PageError, match=r"folder\.txt: is a folder, not a page$"):
        read_page(folder)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(PageError, match="not a regular file"):
        read_page(fifo)  # would block forever if it were opened


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("A\n\nB")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(PageError) as info:
        read_page(path)
    assert str(info.value).endswith("secret.txt: permission denied")
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_permission_denied_for_real(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("A\n\nB")
    path.chmod(0)
    try:
        with pytest.raises(PageError, match="permission denied"):
            read_page(path)
    finally:
        path.chmod(0o600)


def test_file_name_with_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "bad\x1b[31mname.txt"
    path.write_bytes(b"\x00\x01")
    with pytest.raises(PageError) as info:
        read_page(path)
    assert "\x1b" not in str(info.value)
    assert str(info.value).endswith("badname.txt: not a text page (binary data)")


# --------------------------------------------------------------------------------------
# The page's year never puts a page after the day it was saved


WHOLE = (
    HEADER
    + "Dec 12\n\nFirst Paper\n\n"
    + LONG
    + "\n\n  • 3 authors\n·\nDec 11 2\n\nSecond Paper\n\n"
    + LONG
    + "\n\n  • 1 authors\n·\nOct 9, 2024 10\n"
)
PARTIAL = "First Paper\n\n" + LONG + "\n\n  • 3 authors\n·\nDec 11 2\n"
"""Two papers of WHOLE as pasted from the site: no header, no year shown."""


@pytest.mark.parametrize(
    ("saved", "page_date"),
    [
        (date(2026, 12, 20), date(2025, 12, 12)),  # the year after 2024, already past
        (date(2025, 12, 20), date(2025, 12, 12)),
        (date(2025, 12, 1), date(2024, 12, 12)),  # Dec 12, 2025 would be after the save
    ],
)
def test_the_guessed_year_never_puts_the_page_after_it_was_saved(
    saved: date, page_date: date
) -> None:
    result = parse(WHOLE, fallback_year=saved.year, latest=saved)
    assert result.page_date == page_date
    assert all(p.published is None or p.published <= saved for p in result.papers)


def test_a_page_saved_early_in_january_is_from_the_year_before() -> None:
    saved = date(2026, 1, 3)
    whole = parse(WHOLE, fallback_year=saved.year, latest=saved)
    assert whole.page_date == date(2025, 12, 12)
    # A partial page, with no year shown anywhere, gets the same dates by the same rule.
    partial = parse(PARTIAL, fallback_year=saved.year, latest=saved)
    assert partial.year == whole.year == 2025
    assert partial.papers[0].published == whole.papers[0].published == date(2025, 12, 11)
    # Without the cap the file's year would put both in December 2026, in the future.
    assert parse(PARTIAL, fallback_year=2026).papers[0].published == date(2026, 12, 11)


def test_a_paper_dated_after_the_save_goes_a_year_back() -> None:
    page = HEADER + "Jan 2\n\nA\n\n" + LONG + "\n\n• 1 authors\n·\nDec 30\n"
    result = parse(page, fallback_year=2026, latest=date(2026, 1, 3))
    assert result.page_date == date(2026, 1, 2)
    assert result.papers[0].published == date(2025, 12, 30)


def test_the_option_and_a_printed_year_are_never_changed() -> None:
    saved = date(2025, 1, 3)
    assert parse(WHOLE, year=2030, fallback_year=2025, latest=saved).page_date == date(2030, 12, 12)
    page = HEADER + "Dec 12, 2026\n\nA\n\n" + LONG + "\n\n• 1 authors\n·\nDec 11\n"
    assert parse(page, fallback_year=2025, latest=saved).page_date == date(2026, 12, 12)


def test_read_page_caps_the_year_at_the_files_day(tmp_path: Path) -> None:
    path = tmp_path / "partial.txt"
    path.write_text(PARTIAL)
    stamp = datetime(2026, 1, 3, 9, 0).timestamp()
    os.utime(path, (stamp, stamp))
    assert read_page(path).papers[0].published == date(2025, 12, 11)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Feb 30, 2025 3", "'Feb 30, 2025' is not a date; the paper 'A' is kept without one"),
        ("Feb 29", "'Feb 29' (in 2025) is not a date; the paper 'A' is kept without one"),
    ],
)
def test_an_invalid_date_is_said_in_plain_words(line: str, message: str) -> None:
    result = parse("A\n\n" + LONG + "\n\n• 2 authors\n·\n" + line + "\n", year=2025)
    (problem,) = result.problems
    assert problem.message == message
    assert result.papers[0].published is None


def test_a_parsed_paper_pickles_as_its_fields_and_keeps_every_one() -> None:
    import dataclasses
    import pickle
    from datetime import date

    from papertui.models import ParsedPaper, Source, paper_id

    entry = ParsedPaper(
        "Sparse  Diffusion",
        "An abstract.",
        Source("a.txt", "2025-01-02"),
        7,
        authors_count=3,
        published=date(2025, 1, 1),
        upvotes=12,
        code_urls=("https://github.com/a/b",),
        project_urls=("https://example.org",),
        arxiv_id="2501.00001",
    )
    back = pickle.loads(pickle.dumps(entry, pickle.HIGHEST_PROTOCOL))
    init = [f.name for f in dataclasses.fields(ParsedPaper) if f.init]
    assert len(entry.__reduce__()[1]) == len(init)  # a new field must be pickled too
    assert [getattr(back, f) for f in init] == [getattr(entry, f) for f in init]
    assert back.id == entry.id == paper_id("sparse diffusion")
