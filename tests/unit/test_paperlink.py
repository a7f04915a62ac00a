"""Paper links (papertui.paperlink) and readable abstracts (papertui.readable)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from papertui.models import Paper
from papertui.paperlink import (
    SITES,
    PaperLinkSite,
    all_links,
    arxiv_id_of,
    drop_tracking,
    split_paper_links,
)
from papertui.parsing import parse_page
from papertui.readable import readable_abstract


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2410.01234", "2410.01234"),
        ("http://arxiv.org/abs/2410.01234v3", "2410.01234"),
        ("https://arxiv.org/pdf/2410.01234v2.pdf", "2410.01234"),
        ("https://www.arxiv.org/pdf/2501.12345", "2501.12345"),
        ("https://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs/math.GT/0309136", "math.GT/0309136"),
        ("https://huggingface.co/papers/2410.01234", "2410.01234"),
        ("https://hf.co/papers/2410.01234/", "2410.01234"),
        ("https://huggingface.co/datasets/x/y", None),
        ("https://huggingface.co/papers", None),
        ("https://arxiv.org/list/cs.CL/recent", None),
        ("https://github.com/arxiv/arxiv-browse", None),
        ("https://arxiv.org/abs/2410.01234/../../evil", None),
    ],
)
def test_arxiv_id_of(url: str, expected: str | None) -> None:
    assert arxiv_id_of(url) == expected


def test_split_takes_the_papers_own_pages_out_of_the_links() -> None:
    code = ("https://github.com/a/b", "https://huggingface.co/papers/2410.01234")
    project = ("https://arxiv.org/abs/2410.01234", "https://a.io/?utm_source=x&v=1")
    arxiv_id, kept_code, kept_project = split_paper_links(code, project)
    assert arxiv_id == "2410.01234"
    assert kept_code == ("https://github.com/a/b",)
    assert kept_project == ("https://a.io/?v=1",)
    # Idempotent (what a library stored before keeps giving the same answer).
    assert split_paper_links(kept_code, kept_project) == (None, kept_code, kept_project)


def test_drop_tracking_keeps_other_parameters_in_order() -> None:
    assert drop_tracking("https://x.io/p?a=1&utm_medium=s&b=2&UTM_campaign=c#top") == (
        "https://x.io/p?a=1&b=2#top"
    )
    assert drop_tracking("https://x.io/p?utm_source=t") == "https://x.io/p"
    assert drop_tracking("https://x.io/utm_page") == "https://x.io/utm_page"


def test_paper_link_is_the_arxiv_page_else_a_title_search() -> None:
    site = PaperLinkSite()
    assert site.url("Any", "2410.01234") == "https://arxiv.org/abs/2410.01234"
    assert site.url("Flow  Matching & You?", None) == (
        "https://huggingface.co/papers?q=Flow%20Matching%20%26%20You%3F"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("huggingface", "https://huggingface.co/papers?q=A%2FB%20test"),
        ("arxiv", "https://arxiv.org/search/?query=A%2FB%20test&searchtype=title"),
        ("semantic-scholar", "https://www.semanticscholar.org/search?q=A%2FB%20test"),
        ("google-scholar", "https://scholar.google.com/scholar?q=%22A%2FB%20test%22"),
    ],
)
def test_built_in_sites(name: str, expected: str) -> None:
    assert PaperLinkSite.from_setting(name).url("A/B test", None) == expected
    assert name in SITES


def test_user_templates() -> None:
    by_id = PaperLinkSite.from_setting(template="https://alphaxiv.org/abs/{arxiv_id}")
    assert by_id.url("T", "2410.01234") == "https://alphaxiv.org/abs/2410.01234"
    assert by_id.url("T x", None) == "https://huggingface.co/papers?q=T%20x"  # no id: search
    by_title = PaperLinkSite.from_setting("arxiv", "https://example.org/find?t={title}&x={y}")
    assert by_title.url("a&b", None) == "https://example.org/find?t=a%26b&x={y}"
    assert by_title.url("a", "2410.01234") == "https://arxiv.org/abs/2410.01234"
    for bad in ("https://example.org/", "javascript:{title}", "ftp://x/{title}"):
        with pytest.raises(ValueError):
            PaperLinkSite.from_setting(template=bad)
    with pytest.raises(ValueError, match="unknown site"):
        PaperLinkSite.from_setting("bing")


def test_all_links_lists_the_paper_link_first() -> None:
    paper = Paper(
        id="0" * 12,
        title="T",
        code_urls=("https://github.com/a/b",),
        project_urls=("https://p.io",),
    )
    links = all_links(paper, PaperLinkSite())
    assert [(link.kind, link.url) for link in links] == [
        ("paper", "https://huggingface.co/papers?q=T"),
        ("code", "https://github.com/a/b"),
        ("project", "https://p.io"),
    ]


def test_parsing_keeps_the_arxiv_id_apart() -> None:
    page = (
        "Daily Papers\n\nA Paper About Things\n\nWe show things. Paper: "
        "https://arxiv.org/abs/2410.01234. Code: https://github.com/a/b. Data at "
        "https://huggingface.co/papers/2410.01234 and https://proj.io/x?utm_source=hf.\n\n"
        "  • 3 authors\n·\nOct 9, 2024 12\n"
    )
    (paper,) = parse_page(page, file="p.txt", fallback_year=2024).papers
    assert paper.arxiv_id == "2410.01234"
    assert paper.code_urls == ("https://github.com/a/b",)
    assert paper.project_urls == ("https://proj.io/x",)


def test_readable_abstract() -> None:
    text = (
        'Code at <a href="https://cumulo-autumn.github.io/StreamDiT/">this https URL.</a> '
        "R&amp;D &lt;b&gt; &#233; R&D <b>bold</b> a < b > c "
        "https://x.io/a?utm_source=tw&b=1."
    )
    assert readable_abstract(text) == (
        "Code at https://cumulo-autumn.github.io/StreamDiT/. R&D <b> é R&D bold a < b > c "
        "https://x.io/a?b=1."
    )
    assert readable_abstract("[nextline] stays [/]") == "[nextline] stays [/]"


def test_a_library_stored_before_arxiv_ids_gives_them(isolated_data_dir: Path) -> None:
    """Papers imported by an older papertui hold their arXiv page among the project links
    and have no arxiv_id column: they read as if imported today, and importing the same
    page again changes nothing."""
    from papertui.library import Library
    from papertui.models import ParsedPaper, Source, paper_id

    old = ParsedPaper(  # what the parser of before gave: the paper's page as a project link
        title="An Old Paper",
        abstract="See https://arxiv.org/abs/2410.01234 and https://github.com/a/b.",
        source=Source("p.txt", None),
        line=1,
        code_urls=("https://github.com/a/b", "https://huggingface.co/papers/2410.01234"),
        project_urls=("https://arxiv.org/abs/2410.01234",),
    )
    with Library.open(isolated_data_dir) as lib:
        lib.import_entries([old])
    pid = paper_id("An Old Paper")
    with Library.open(isolated_data_dir) as lib:
        paper = lib.paper(pid)
        assert paper.arxiv_id == "2410.01234"
        assert paper.code_urls == ("https://github.com/a/b",)
        assert paper.project_urls == ()
        new = replace(old, code_urls=paper.code_urls, project_urls=(), arxiv_id="2410.01234")
        report = lib.import_entries([new])
        assert (report.new, report.updated, report.unchanged) == (0, 0, 1)
    with Library.open(isolated_data_dir) as lib:
        assert lib.paper(pid).arxiv_id == "2410.01234"
