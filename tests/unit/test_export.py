"""Tests for JSON and Markdown export (papertui.export).

The Markdown is always rendered with a real CommonMark parser (markdown-it-py) and the
assertions are made on the resulting HTML, parsed again with :mod:`html.parser`.
"""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from papertui.export import markdown_escape, paper_record, to_json, to_markdown
from papertui.models import Paper, Source, TriageState

TODAY = date(2026, 11, 21)


def hf(title: str) -> str:
    """The default paper link of a paper without an arXiv id: a Hugging Face title search."""
    return "https://huggingface.co/papers?q=" + quote(" ".join(title.split()), safe="")


def make_paper(title: str = "A Paper", **kw: Any) -> Paper:
    """A paper with sensible defaults."""
    return Paper(id=kw.pop("id", "0123456789ab"), title=title, **kw)


class _PermissiveMarkdownIt(MarkdownIt):
    """CommonMark that accepts any link destination (so unsafe links are not hidden)."""

    def validateLink(self, url: str) -> bool:
        """Accept every URL, ``javascript:`` included."""
        return True


class Html(HTMLParser):
    """The parts of rendered HTML the tests look at."""

    def __init__(self, html: str) -> None:
        """Parse ``html`` at once."""
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.items: list[str] = []  # text of each top-level <li>
        self.item_tags: list[list[str]] = []  # tags inside each top-level <li>
        self.headings: list[tuple[str, str]] = []  # (h1/h2, text)
        self._li_depth = 0
        self._href: str | None = None
        self._link_text: list[str] = []
        self._heading: str | None = None
        self._heading_text: list[str] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the tag, and start collecting an item, link or heading."""
        self.tags.append(tag)
        if tag == "li":
            if self._li_depth == 0:
                self.items.append("")
                self.item_tags.append([])
            self._li_depth += 1
        elif self._li_depth:
            self.item_tags[-1].append(tag)
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._link_text = []
        if tag in ("h1", "h2"):
            self._heading = tag
            self._heading_text = []

    def handle_endtag(self, tag: str) -> None:
        """Close an item, link or heading."""
        if tag == "li":
            self._li_depth -= 1
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._link_text)))
            self._href = None
        if tag in ("h1", "h2") and self._heading:
            self.headings.append((self._heading, "".join(self._heading_text)))
            self._heading = None

    def handle_data(self, data: str) -> None:
        """Collect text into whatever is open."""
        self.text.append(data)
        if self._li_depth:
            self.items[-1] += data
        if self._href is not None:
            self._link_text.append(data)
        if self._heading:
            self._heading_text.append(data)


def render(md: str) -> Html:
    """Render with CommonMark (raw HTML enabled, as in the preset) and parse the result."""
    return Html(MarkdownIt("commonmark").render(md))


def render_permissive(md: str) -> Html:
    """Like :func:`render`, but every link destination is accepted."""
    return Html(_PermissiveMarkdownIt("commonmark").render(md))


ALLOWED_TAGS = {"h1", "h2", "p", "ul", "li", "a", "blockquote"}
FORMATTING_TAGS = {"em", "strong", "code", "pre", "img", "script", "b", "i", "del", "s", "table"}


# --------------------------------------------------------------------------------------
# JSON

RECORD_KEYS = [
    "id",
    "title",
    "abstract",
    "authors_count",
    "published",
    "upvotes",
    "code_urls",
    "project_urls",
    "sources",
    "tags",
    "starred",
    "read",
    "dismissed",
    "note",
    "queue_position",
    "added_at",
    "paper_url",
    "arxiv_id",
]


def test_record_schema_full() -> None:
    paper = make_paper(
        "Flow Matching",
        id="abcdefabcdef",
        authors_count=4,
        published=date(2025, 1, 3),
        upvotes=42,
        code_urls=("https://github.com/a/b",),
        project_urls=("https://a.github.io/p", "https://b.io"),
        sources=(Source("2025-01-03.txt", "2025-01-03"), Source("old.txt", None)),
        added_at="2025-01-04T10:00:00+00:00",
    )
    state = TriageState(
        starred=True, queue_position=3, read=True, tags=("gen", "flow"), note="eq. 3\nlater"
    )
    record = paper_record(paper, state, "The abstract.")
    assert list(record) == RECORD_KEYS
    assert record == {
        "id": "abcdefabcdef",
        "title": "Flow Matching",
        "abstract": "The abstract.",
        "authors_count": 4,
        "published": "2025-01-03",
        "upvotes": 42,
        "code_urls": ["https://github.com/a/b"],
        "project_urls": ["https://a.github.io/p", "https://b.io"],
        "sources": [
            {"file": "2025-01-03.txt", "page_date": "2025-01-03"},
            {"file": "old.txt", "page_date": None},
        ],
        "tags": ["gen", "flow"],
        "starred": True,
        "read": True,
        "dismissed": False,
        "note": "eq. 3\nlater",
        "queue_position": 3,
        "added_at": "2025-01-04T10:00:00+00:00",
        "paper_url": "https://huggingface.co/papers?q=Flow%20Matching",
        "arxiv_id": None,
    }


def test_record_schema_minimal_uses_nulls_and_empty_lists() -> None:
    record = paper_record(make_paper("T", id="000000000000"), TriageState(), "")
    assert list(record) == RECORD_KEYS
    assert record == {
        "id": "000000000000",
        "title": "T",
        "abstract": "",
        "authors_count": None,
        "published": None,
        "upvotes": None,
        "code_urls": [],
        "project_urls": [],
        "sources": [],
        "tags": [],
        "starred": False,
        "read": False,
        "dismissed": False,
        "note": "",
        "queue_position": None,
        "added_at": "",
        "paper_url": "https://huggingface.co/papers?q=T",
        "arxiv_id": None,
    }
    # Exact types (bool is not "an int", lists are lists not tuples).
    assert type(record["starred"]) is bool
    assert type(record["read"]) is bool
    assert type(record["code_urls"]) is list
    assert type(record["tags"]) is list


def test_to_json_format() -> None:
    records = [paper_record(make_paper("Étude — “quoted”"), TriageState(tags=("x",)), "é")]
    text = to_json(records)
    assert text.endswith("]\n")
    assert not text.endswith("\n\n")
    assert "Étude — “quoted”" in text  # ensure_ascii=False
    assert '\n  {\n    "id": ' in text  # indent 2
    assert json.loads(text) == records
    assert list(json.loads(text)[0]) == RECORD_KEYS


def test_to_json_empty_and_generator() -> None:
    assert to_json([]) == "[]\n"
    gen = (paper_record(make_paper(str(i)), TriageState(), "") for i in range(2))
    assert [r["title"] for r in json.loads(to_json(gen))] == ["0", "1"]


# --------------------------------------------------------------------------------------
# Markdown: structure


def test_heading_counts_and_task_list() -> None:
    items = [
        (make_paper("Unread One"), TriageState()),
        (make_paper("Read One"), TriageState(read=True)),
        (make_paper("Unread Two"), TriageState(starred=True, queue_position=1)),
    ]
    md = to_markdown(items, today=TODAY)
    lines = md.splitlines()
    assert lines[0] == "# Reading queue — 2026-11-21"
    assert "3 papers · 1 read · 2 to read" in lines
    assert md.endswith("\n")
    assert [line[:6] for line in lines if line.startswith("- [")] == ["- [ ] ", "- [x] ", "- [ ] "]

    html = render(md)
    assert html.headings == [("h1", "Reading queue — 2026-11-21")]
    assert "3 papers · 1 read · 2 to read" in "".join(html.text)
    assert html.tags.count("ul") == 1  # one list, not one per item
    # Task lists are not CommonMark: the box stays as literal text at the start of the item.
    assert html.items == ["[ ] Unread One", "[x] Read One", "[ ] Unread Two"]


def test_custom_title_and_singular_counts() -> None:
    md = to_markdown([(make_paper("X"), TriageState(read=True))], title="Week 47", today=TODAY)
    assert md.splitlines()[0] == "# Week 47 — 2026-11-21"
    assert "1 paper · 1 read · 0 to read" in md


def test_empty_list() -> None:
    md = to_markdown([], today=TODAY)
    html = render(md)
    assert "0 papers · 0 read · 0 to read" in md
    assert html.items == []
    assert "ul" not in html.tags


def test_metadata_after_the_title() -> None:
    paper = make_paper("Flow", published=date(2025, 1, 3), upvotes=42)
    html = render(to_markdown([(paper, TriageState(tags=("gen", "flow")))], today=TODAY))
    assert html.items == ["[ ] Flow — 2025-01-03 · 42 upvotes · tags: gen, flow"]
    html = render(to_markdown([(make_paper("One", upvotes=1), TriageState())], today=TODAY))
    assert html.items == ["[ ] One — 1 upvote"]


def test_every_title_links_to_its_paper_link_then_code_and_project() -> None:
    coded = make_paper(
        "Coded",
        code_urls=("https://github.com/a/first", "https://github.com/a/second"),
        project_urls=("https://a.github.io/",),
    )
    project = make_paper("Project", project_urls=("https://b.github.io/page",))
    plain = make_paper("Plain Paper")
    arxiv = make_paper("On arXiv", arxiv_id="2410.01234")
    html = render(
        to_markdown(
            [(p, TriageState()) for p in (coded, project, plain, arxiv)],
            today=TODAY,
        )
    )
    assert html.links == [
        (hf("Coded"), "Coded"),
        ("https://github.com/a/first", "code"),
        ("https://a.github.io/", "project"),
        (hf("Project"), "Project"),
        ("https://b.github.io/page", "project"),
        ("https://huggingface.co/papers?q=Plain%20Paper", "Plain Paper"),
        ("https://arxiv.org/abs/2410.01234", "On arXiv"),
    ]
    assert html.items == [
        "[ ] Coded code project",
        "[ ] Project project",
        "[ ] Plain Paper",
        "[ ] On arXiv",
    ]


def test_paper_links_follow_the_configured_site() -> None:
    from papertui.paperlink import PaperLinkSite

    site = PaperLinkSite.from_setting("google-scholar")
    paper = make_paper("A & B: [x]")
    html = render(to_markdown([(paper, TriageState())], today=TODAY, site=site))
    assert html.links == [
        ("https://scholar.google.com/scholar?q=%22A%20%26%20B%3A%20%5Bx%5D%22", "A & B: [x]")
    ]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "//evil.example/x",
        "ftp://example.org/x",
    ],
)
def test_unsafe_urls_never_become_links(url: str) -> None:
    paper = make_paper("Danger", code_urls=(url,), project_urls=(url,))
    md = to_markdown([(paper, TriageState())], today=TODAY)
    # Even a renderer that accepts every destination finds no link.
    html = render_permissive(md)
    assert html.links == [(hf("Danger"), "Danger")]
    assert html.items == ["[ ] Danger"]
    assert url not in md


def test_unsafe_code_link_falls_back_to_safe_project_link() -> None:
    paper = make_paper(
        "Fallback", code_urls=("javascript:alert(1)",), project_urls=("https://ok.example/p",)
    )
    html = render_permissive(to_markdown([(paper, TriageState())], today=TODAY))
    assert html.links == [(hf("Fallback"), "Fallback"), ("https://ok.example/p", "project")]


@pytest.mark.parametrize(
    ("url", "href"),
    [
        (
            "https://en.wikipedia.org/wiki/Mamba_(software)",
            "https://en.wikipedia.org/wiki/Mamba_%28software%29",
        ),
        ("https://example.org/a)b", "https://example.org/a%29b"),
        ("https://example.org/<b>x", "https://example.org/%3Cb%3Ex"),
        ("https://example.org/a]b[c", "https://example.org/a%5Db%5Bc"),
        ("https://example.org/a\\b", "https://example.org/a%5Cb"),
        ("https://example.org/a`b`", "https://example.org/a%60b%60"),
        ('https://example.org/a"b', "https://example.org/a%22b"),
        ("https://example.org/?q=a&copy;b=1", "https://example.org/?q=a&copy;b=1"),
        ("https://example.org/?a=1&b=2", "https://example.org/?a=1&b=2"),
        ("https://example.org/a_b*c*_d", "https://example.org/a_b*c*_d"),
    ],
)
def test_awkward_urls_keep_the_link_intact(url: str, href: str) -> None:
    paper = make_paper("Title", code_urls=(url,))
    html = render(to_markdown([(paper, TriageState(tags=("t",)))], today=TODAY))
    assert html.links == [(hf("Title"), "Title"), (href, "code")]
    assert html.items == ["[ ] Title code — tags: t"]
    assert set(html.tags) <= ALLOWED_TAGS


def test_url_with_spaces_is_not_linked() -> None:
    # papertui.links.is_safe_url refuses white space, so the title stays plain text.
    paper = make_paper("Spaced", code_urls=("https://example.org/a b)",))
    html = render(to_markdown([(paper, TriageState())], today=TODAY))
    assert html.links == [(hf("Spaced"), "Spaced")]
    assert html.items == ["[ ] Spaced"]


# --------------------------------------------------------------------------------------
# Markdown: escaping

NASTY_TITLES = [
    "*Bold* and _italic_ and **strong** and __under__",
    "[nextline] [/] [@click=app.quit] [b]markup[/b]",
    "<html><script>alert(1)</script><b>x</b>",
    "Code `span` and ``double``",
    "# Not a heading",
    "## Also not",
    "- not a list",
    "+ not a list",
    "1. not ordered",
    "2024) not ordered",
    "> not a quote",
    "| a | b |",
    "~~strike~~ and ~tilde~",
    "![image](https://example.org/x.png)",
    "[link](https://example.org) and [ref][1]",
    "back\\slash \\*escaped\\* trailing\\",
    "&copy; &amp; &#60; R&D",
    "<https://example.org> autolink",
    "=== setext",
    "--- rule",
    "$E=mc^2$ math",
    "Title with trailing ##",
]


@pytest.mark.parametrize("title", NASTY_TITLES)
def test_titles_show_literally(title: str) -> None:
    for urls in ((), ("https://github.com/a/b",)):
        html = render_permissive(
            to_markdown([(make_paper(title, code_urls=urls), TriageState())], today=TODAY)
        )
        assert html.items == [f"[ ] {title}" + (" code" if urls else "")]
        assert not set(html.tags) & FORMATTING_TAGS
        assert set(html.tags) <= ALLOWED_TAGS
        code = [("https://github.com/a/b", "code")] if urls else []
        assert html.links == [(hf(title), title), *code]


@pytest.mark.parametrize("title", NASTY_TITLES)
def test_report_title_shows_literally_in_the_heading(title: str) -> None:
    html = render(to_markdown([], title=title, today=TODAY))
    assert html.headings == [("h1", f"{title} — 2026-11-21")]
    assert not set(html.tags) & FORMATTING_TAGS


def test_html_in_title_is_escaped_in_the_html() -> None:
    md = to_markdown([(make_paper("<script>alert(1)</script>"), TriageState())], today=TODAY)
    out = MarkdownIt("commonmark").render(md)
    assert "<script>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_tags_are_escaped() -> None:
    state = TriageState(tags=("*x*", "a_b_c", "<i>", "[/]"))
    html = render(to_markdown([(make_paper("T"), state)], today=TODAY))
    assert html.items == ["[ ] T — tags: *x*, a_b_c, <i>, [/]"]
    assert not set(html.tags) & FORMATTING_TAGS


def test_title_white_space_is_collapsed_to_one_line() -> None:
    md = to_markdown([(make_paper("Two\nLines\u2028and  more"), TriageState())], today=TODAY)
    html = render(md)
    assert html.items == ["[ ] Two Lines and more"]


def test_markdown_escape_line_starts() -> None:
    assert markdown_escape("- a") == "\\- a"
    assert markdown_escape("+ a") == "\\+ a"
    assert markdown_escape("= a") == "\\= a"
    assert markdown_escape("12. a") == "12\\. a"
    assert markdown_escape("3) a") == "3\\) a"
    assert markdown_escape("R&D 1.5 a-b") == "R&D 1.5 a-b"  # no needless escapes


@given(
    st.text(
        alphabet=st.characters(
            min_codepoint=0x20,
            max_codepoint=0x2FF,
            blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
        ),
        min_size=1,
        max_size=40,
    ).filter(lambda s: s.strip() != "")
)
@settings(max_examples=400, deadline=None)
def test_any_title_renders_literally(title: str) -> None:
    paper = make_paper(title, code_urls=("https://github.com/a/b",))
    html = render_permissive(to_markdown([(paper, TriageState(read=True))], today=TODAY))
    expected = " ".join(title.split())
    assert html.items == [f"[x] {expected} code"]
    assert html.links == [(hf(title), expected), ("https://github.com/a/b", "code")]
    assert set(html.tags) <= ALLOWED_TAGS


# --------------------------------------------------------------------------------------
# Markdown: notes


def test_note_stays_inside_its_list_item() -> None:
    items = [
        (make_paper("First"), TriageState(note="line one\nline two\n\nsecond paragraph")),
        (make_paper("Second"), TriageState()),
    ]
    md = to_markdown(items, today=TODAY)
    html = render(md)
    assert html.tags.count("ul") == 1
    assert html.tags.count("li") == 2
    assert len(html.items) == 2
    assert "blockquote" in html.item_tags[0]
    assert "line one" in html.items[0]
    assert "line two" in html.items[0]
    assert "second paragraph" in html.items[0]
    assert html.items[1] == "[ ] Second"
    # Continuation lines are indented under the item.
    for line in md.splitlines():
        if "line two" in line or "second paragraph" in line:
            assert line.startswith("  ")


def test_note_lines_cannot_start_blocks() -> None:
    note = "\n".join(
        [
            "# heading",
            "Setext",
            "===",
            "- item",
            "1. ordered",
            "    indented code",
            "```",
            "fence",
            "```",
            "<div>html</div>",
            "***",
            "[ref]: https://example.org",
            "| a | b |",
            "trailing backslash \\",
            "hard break  ",
            "*em* _em_ `code` [nextline] [@click=app.quit] &copy;",
        ]
    )
    html = render_permissive(to_markdown([(make_paper("T"), TriageState(note=note))], today=TODAY))
    assert set(html.item_tags[0]) <= {"a", "blockquote", "p"}
    assert html.item_tags[0].count("a") == 1  # the title's link, none from the note
    assert "br" not in html.tags
    text = html.items[0]
    for fragment in [
        "# heading",
        "===",
        "- item",
        "1. ordered",
        "indented code",
        "```",
        "<div>html</div>",
        "***",
        "[ref]: https://example.org",
        "| a | b |",
        "trailing backslash \\",
        "*em* _em_ `code` [nextline] [@click=app.quit] &copy;",
    ]:
        assert fragment in text


@given(
    st.lists(
        st.text(
            alphabet=st.characters(
                min_codepoint=0x20, max_codepoint=0x17F, blacklist_categories=("Cc", "Cs")
            ),
            max_size=30,
        ),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=300, deadline=None)
def test_any_note_renders_literally_inside_its_item(lines: list[str]) -> None:
    items = [
        (make_paper("First"), TriageState(note="\n".join(lines))),
        (make_paper("Next"), TriageState()),
    ]
    html = render_permissive(to_markdown(items, today=TODAY))
    assert len(html.items) == 2
    assert html.items[1] == "[ ] Next"
    assert set(html.item_tags[0]) <= {"a", "blockquote", "p"}
    assert html.item_tags[0].count("a") == 1  # the title's link, none from the note
    rendered_lines = [" ".join(line.split()) for line in html.items[0].splitlines()]
    expected = [" ".join(line.split()) for line in lines if line.strip()]
    assert [line for line in rendered_lines[1:] if line] == expected


def test_blank_note_is_no_note() -> None:
    md = to_markdown([(make_paper("T"), TriageState(note=" \n\n  "))], today=TODAY)
    assert ">" not in md
    assert render(md).item_tags == [["a"]]  # the title's link alone


# --------------------------------------------------------------------------------------
# Markdown: grouping by tag


def test_group_by_tag() -> None:
    a = make_paper("Alpha", id="a")
    b = make_paper("Beta", id="b")
    c = make_paper("Gamma", id="c")
    d = make_paper("Delta", id="d")
    items = [
        (a, TriageState(tags=("vision", "NLP"))),
        (b, TriageState(tags=("nlp",), read=True)),
        (c, TriageState()),
        (d, TriageState(tags=("audio",))),
    ]
    md = to_markdown(items, today=TODAY, group_by="tag")
    html = render(md)
    # In the order the tags first appear; "NLP" and "nlp" share a section named by the
    # first spelling. Each paper is listed once: Alpha under its first tag only.
    assert [h for h in html.headings if h[0] == "h2"] == [
        ("h2", "vision (1)"),
        ("h2", "NLP (1)"),
        ("h2", "audio (1)"),
        ("h2", "Untagged (1)"),
    ]
    assert "4 papers · 1 read · 3 to read" in md
    assert [item.split(" — ")[0] for item in html.items] == [
        "[ ] Alpha",
        "[x] Beta",
        "[ ] Delta",
        "[ ] Gamma",
    ]
    assert html.items[0].endswith("tags: vision, NLP")  # its other tags still show
    assert md.count("- [") == len(items)
    assert html.tags.count("h2") == 4
    assert html.tags.count("ul") == 4


def test_group_by_tag_puts_a_paper_under_its_first_tag_in_queue_order() -> None:
    items = [
        (make_paper("First", id="1"), TriageState(tags=("b",))),
        (make_paper("Second", id="2"), TriageState(tags=("a", "b"))),
        (make_paper("Third", id="3"), TriageState(tags=("a",))),
    ]
    html = render(to_markdown(items, today=TODAY, group_by="tag"))
    assert [h[1] for h in html.headings[1:]] == ["b (2)", "a (1)"]
    assert [item.split(" — ")[0] for item in html.items] == ["[ ] First", "[ ] Second", "[ ] Third"]


def test_group_by_tag_keeps_order_and_skips_empty_untagged() -> None:
    items = [
        (make_paper("Two", id="2"), TriageState(tags=("x",))),
        (make_paper("One", id="1"), TriageState(tags=("x", "X", " x "))),
    ]
    md = to_markdown(items, today=TODAY, group_by="tag")
    html = render(md)
    assert [h[1] for h in html.headings] == ["Reading queue — 2026-11-21", "x (2)"]
    assert [item.split(" — ")[0] for item in html.items] == ["[ ] Two", "[ ] One"]
    assert "Untagged" not in md


def test_group_by_tag_escapes_section_names() -> None:
    items = [(make_paper("T"), TriageState(tags=("*bold* <b>",)))]
    html = render(to_markdown(items, today=TODAY, group_by="tag"))
    assert ("h2", "*bold* <b> (1)") in html.headings
    assert not set(html.tags) & FORMATTING_TAGS


def test_unknown_group_by() -> None:
    with pytest.raises(ValueError, match="group_by"):
        to_markdown([], today=TODAY, group_by="year")
