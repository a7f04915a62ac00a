"""Links in abstracts: found, cleaned as a person would read them, split into code and
project links; and the safety gate every other module relies on."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papertui.links import (
    _fast_host,
    _safe_host,
    _strip_trailing,
    clean_url,
    extract_links,
    is_code_url,
    is_safe_url,
)

# --------------------------------------------------------------------------------------
# The shapes found in the seed pages (grep -ohE '\S*https?:\S*' tests/fixtures/pages/*)


@pytest.mark.parametrize(
    ("text", "code", "project"),
    [
        (
            "Code is at https://github.com/perceivelab/trf-sg2im",
            ("https://github.com/perceivelab/trf-sg2im",),
            (),
        ),
        (
            "Code is available at https://github.com/sail-sg/poolformer.",
            ("https://github.com/sail-sg/poolformer",),
            (),
        ),
        ("Project page: https:VDT-2023.github.io", (), ("https://VDT-2023.github.io",)),
        (
            "Code and models are on our webpage.https://badripatro.github.io/svt/.",
            (),
            ("https://badripatro.github.io/svt/",),
        ),
        (
            "Demos at {https://dongchaoyang.top/SimpleSpeech2\\_demo/}.",
            (),
            ("https://dongchaoyang.top/SimpleSpeech2_demo/",),
        ),
        (
            "page at~https://yzxing87.github.io/vae/{https://yzxing87.github.io/vae/}.",
            (),
            ("https://yzxing87.github.io/vae/",),
        ),
        (
            'See <a href="https://cumulo-autumn.github.io/StreamDiT/">this</a> page.',
            (),
            ("https://cumulo-autumn.github.io/StreamDiT/",),
        ),
        (
            "at https://github.com/microsoft/Cream/tree/main/EfficientViT.",
            ("https://github.com/microsoft/Cream/tree/main/EfficientViT",),
            (),
        ),
        ("clone https://github.com/x/y.git.", ("https://github.com/x/y",), ()),
        ("clone https://github.com/x/y.git", ("https://github.com/x/y",), ()),
        ("clone https://github.com/x/y.git/", ("https://github.com/x/y",), ()),
        (
            "Video: https://www.youtube.com/watch?v=QmqWhUjPkJI.",
            (),
            ("https://www.youtube.com/watch?v=QmqWhUjPkJI",),
        ),
        ("Code: http://aka.ms/arlon.", (), ("http://aka.ms/arlon",)),
        (
            "at https://github.com/huawei-noah/CV-Backbones, and "
            "https://gitee.com/mindspore/models/tree/master/research/cv/TNT.",
            (
                "https://github.com/huawei-noah/CV-Backbones",
                "https://gitee.com/mindspore/models/tree/master/research/cv/TNT",
            ),
            (),
        ),
        ("(see https://git.io/J3VO0).", ("https://git.io/J3VO0",), ()),
        (
            "http://people.csail.mit.edu/bpan/ia-red/.",
            (),
            ("http://people.csail.mit.edu/bpan/ia-red/",),
        ),
    ],
)
def test_seed_link_shapes(text: str, code: tuple[str, ...], project: tuple[str, ...]) -> None:
    assert extract_links(text) == (code, project)


def test_no_links() -> None:
    assert extract_links("") == ((), ())
    assert extract_links("Plain prose: no links, a ratio 3:4 and http alone.") == ((), ())


def test_duplicates_removed_order_kept_per_kind() -> None:
    text = (
        "https://b.github.io/p https://github.com/a/x. Again https://github.com/a/x, "
        "https://a.github.io/q and https://b.github.io/p. Also https://gitlab.com/z/w"
    )
    code, project = extract_links(text)
    assert code == ("https://github.com/a/x", "https://gitlab.com/z/w")
    assert project == ("https://b.github.io/p", "https://a.github.io/q")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "(https://en.wikipedia.org/wiki/Mamba_(software))",
            "https://en.wikipedia.org/wiki/Mamba_(software)",
        ),
        ("see (https://example.org/a).", "https://example.org/a"),
        ('"https://example.org/q?x=1&y=2".', "https://example.org/q?x=1&y=2"),
        ("**https://example.org/b**", "https://example.org/b"),
        ("[code](https://example.org/c)", "https://example.org/c"),
        ("https://example.org/d;", "https://example.org/d"),
        ("https://example.org/e!?", "https://example.org/e"),
        ("https://example.org/f#frag.", "https://example.org/f#frag"),
        ("https://example.org:8080/g", "https://example.org:8080/g"),
        ("https:/example.org/h", "https://example.org/h"),
        ("https://example.org/100\\%25", "https://example.org/100%25"),
    ],
)
def test_cleaning(text: str, expected: str) -> None:
    assert extract_links(text) == ((), (expected,))


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JAVASCRIPT://x.org/%0aalert(1)",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "data:text/html,<script>alert(1)</script>",
        "mailto:someone@example.org",
        "https://",
        "https:// example.org",
        "http://localhost/x",  # no dot in the host: not something a paper links to
        "https://.../",
    ],
)
def test_only_http_links_with_a_real_host(text: str) -> None:
    assert extract_links(text) == ((), ())


def test_scheme_in_any_case() -> None:
    code, project = extract_links(
        "HTTPS://GitHub.com/A/B and Http://Example.org/x and hTtP://y.org"
    )
    assert code == ("https://GitHub.com/A/B",)
    assert project == ("http://Example.org/x", "http://y.org")


def test_clean_url_direct() -> None:
    assert clean_url("https", "github.com/a/b.git).") == "https://github.com/a/b"
    assert clean_url("HTTP", "x.org") == "http://x.org"
    assert clean_url("https", "...") is None


@pytest.mark.parametrize(
    ("url", "trimmed"),
    [
        ("x.org/a_(b)", "x.org/a_(b)"),
        ("x.org/a_(b))", "x.org/a_(b)"),
        ("x.org/(a(b))).", "x.org/(a(b))"),
        ("x.org/((a).).)", "x.org/((a).)"),
        ("x.org/a).", "x.org/a"),
        ("x.org/a", "x.org/a"),
        ("x.org/a'\"*>}]", "x.org/a"),
    ],
)
def test_strip_trailing(url: str, trimmed: str) -> None:
    assert _strip_trailing(url) == trimmed


# --------------------------------------------------------------------------------------
# Classification


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/a/b",
        "https://www.github.com/a/b",
        "https://gist.github.com/a/123",
        "https://gitlab.com/a/b",
        "https://gitee.com/a/b",
        "https://git.io/J3VO0",
        "https://huggingface.co/org/model",
        "https://bitbucket.org/a/b",
        "https://codeberg.org/a/b",
        "https://sourceforge.net/projects/x",
        "https://GITHUB.COM/A/B",
    ],
)
def test_code_hosts(url: str) -> None:
    assert is_code_url(url)
    assert extract_links(url) == ((url,), ())


@pytest.mark.parametrize(
    "url",
    [
        "https://sail-sg.github.io/poolformer",
        "https://www.youtube.com/watch?v=QmqWhUjPkJI",
        "https://youtu.be/XsaGI01b-1o",
        "https://sites.google.com/stanford.edu/copilot",
        "https://github.com.evil.example/a",
        "https://notgithub.com/a",
        "https://example.org/github.com/a",
    ],
)
def test_project_hosts(url: str) -> None:
    assert not is_code_url(url)
    assert extract_links(url) == ((), (url,))


@pytest.mark.parametrize(
    "url",
    ["https://example.org", "http://example.org/a?b=c#d", "HTTPS://X.ORG", "https://[::1]/x"],
)
def test_safe_urls(url: str) -> None:
    assert is_safe_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
        "//evil.example/x",
        "ftp://example.org/x",
        "https://",
        "https:///path",
        "https://example.org/a b",
        "https://example.org/\x1b]0;owned\x07",
        "https://example.org/\x9b31m",
        "https://example.org/a\nb",
        "http://[::1",
        "example.org",
    ],
)
def test_unsafe_urls(url: str) -> None:
    assert not is_safe_url(url)
    assert not is_code_url(url)


def test_is_safe_url_refuses_non_strings() -> None:
    assert not is_safe_url(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Hostile sizes stay linear (each of these would take minutes if any step were quadratic)


@pytest.mark.parametrize(
    "text",
    [
        "https://x.org/" + ")" * 2_000_000,
        "https://x.org/a" + "." * 2_000_000,
        "https://x.org/" + "(" * 1_000_000 + ")" * 1_000_000 + ".",
        "a:" * 2_000_000,
        "http:" * 500_000,
        "see https://github.com/a/b. " * 100_000,
        "https://x.org/a\\_b" * 200_000,
    ],
    ids=["parens", "dots", "balanced", "colons", "schemes", "many-links", "latex"],
)
def test_long_inputs_are_fast(text: str) -> None:
    start = time.perf_counter()
    code, project = extract_links(text)
    assert time.perf_counter() - start < 10
    assert all(is_safe_url(u) for u in code + project)


# --------------------------------------------------------------------------------------
# Properties

_URLISH = st.text(
    alphabet=st.sampled_from(list("abcxyz.-_/:?#=&%()[]{}<>\"'`~\\@!*,;. \n\tHTTPShttps")),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(_URLISH, st.sampled_from(["https://", "http:", "https:", ".git"])), max_size=8
    )
)
def test_extracted_links_are_always_clean_and_safe(parts: list[str]) -> None:
    code, project = extract_links("".join(parts))
    assert len(set(code)) == len(code) and len(set(project)) == len(project)
    for url in code + project:
        assert is_safe_url(url)
        assert url.startswith(("http://", "https://"))
        assert url[-1] not in ".,;:!?'\"*>}]"
        assert not url.lower().endswith(".git")
        assert "\\" not in url
    assert all(is_code_url(u) for u in code)
    assert not any(is_code_url(u) for u in project)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), min_size=1, max_size=40))
def test_fast_host_agrees_with_urlsplit(body: str) -> None:
    # The fast path used while importing must answer exactly like the urlsplit-based check.
    assert _fast_host(body) == _safe_host("http://" + body)
    if _safe_host("http://" + body) is not None:
        assert _safe_host("http://" + body) == (urlsplit("http://" + body).hostname or "").lower()
