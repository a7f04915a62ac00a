"""Rich renderables for papers: shared by ``papertui show``/``list`` and the app's detail pane.

Text from pages is data, never markup: everything here is built from :class:`rich.text.Text`
objects appended with plain strings, so ``[nextline]`` or ``[/]`` in an abstract is shown
exactly as written and can never be interpreted as style or action markup. Every string is
shown through :mod:`papertui.safetext`: stored text (a note typed before that rule, a file
edited by hand) never sends a terminal escape, and bidirectional or zero-width characters
never reorder or hide part of a title.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Group, RenderableType
from rich.style import Style
from rich.text import Text

from papertui.models import Paper, TriageState
from papertui.safetext import display_line, display_text

# papertui.links is imported where a link is drawn: the paper list imports this module for
# its glyphs, and the app's first paint should not pay for the link parser.

__all__ = ["meta_line", "paper_detail", "state_glyphs"]

QUEUED = "★"
READ = "✓"
DISMISSED = "✗"
CODE = "⌨"


def state_glyphs(state: TriageState) -> str:
    """Two cells: the queued (or dismissed) marker and the read marker (spaces when not
    set; a paper is never both queued and dismissed)."""
    first = QUEUED if state.starred else DISMISSED if state.dismissed else " "
    return f"{first}{READ if state.read else ' '}"


def meta_line(paper: Paper, short_id: str | None = None) -> Text:
    """``2024-10-09 · 7 authors · ▲ 12 · from 000_x.txt (2024-12-12)`` as plain text."""
    bits: list[str] = []
    bits.append(paper.published.isoformat() if paper.published else "no date")
    if paper.authors_count is not None:
        bits.append(f"{paper.authors_count} author{'s' if paper.authors_count != 1 else ''}")
    if paper.upvotes is not None:
        bits.append(f"▲ {paper.upvotes}")
    if short_id:
        bits.append(f"id {short_id}")
    text = Text(" · ".join(bits), style="dim")
    if paper.sources:
        pages = display_line(
            ", ".join(f"{s.file} ({s.page_date})" if s.page_date else s.file for s in paper.sources)
        )
        text.append(f"\nfrom {pages}", style="dim")
    return text


def _link(url: str, label: str) -> Text:
    """``code    https://…``: one line; a URL too long for it ends in an ellipsis rather than
    wrapping mid-URL (the link itself stays whole: a terminal hyperlink, OSC 8, that a
    click opens where the terminal supports them)."""
    from papertui.links import is_safe_url

    text = Text(f"{label} ", style="bold", no_wrap=True, overflow="ellipsis")
    if is_safe_url(url):
        text.append(display_line(url), style=Style(color="cyan", underline=True, link=url))
    else:
        text.append(display_line(url), style="dim")
    return text


def _link_urls(body: Text) -> None:
    """Make the http(s) URLs in ``body`` terminal hyperlinks (sentence punctuation after a
    URL is not part of it)."""
    from papertui.links import is_safe_url
    from papertui.readable import URL_IN_TEXT

    plain = body.plain
    if "://" not in plain:
        return
    for match in URL_IN_TEXT.finditer(plain):
        url = match[0].rstrip(".,;:!?)")
        if is_safe_url(url):
            body.stylize(Style(underline=True, link=url), match.start(), match.start() + len(url))


def paper_detail(
    paper: Paper,
    state: TriageState,
    abstract: str,
    *,
    highlight: Iterable[str] = (),
    short_id: str | None = None,
    paper_url: str | None = None,
    reader: bool = False,
    why: Sequence[str] = (),
    abstract_limit: int | None = None,
) -> RenderableType:
    """The full view of a paper: title, metadata, status, tags, note, why it ranks where it
    does (``why``: words and phrases, in the relevance order), then the abstract (made
    readable, search terms highlighted, URLs linked) and the links (``paper_url`` first).
    With ``reader`` the links come before the note and the abstract.

    With ``abstract_limit``, an abstract longer than that many characters is cut (at a
    word break) and a line says so: the app's detail pane wraps the whole text on every
    repaint of the paper, which for a multi-megabyte abstract took seconds to minutes.
    """
    from papertui.readable import readable_abstract

    parts: list[RenderableType] = []
    title = Text(display_line(paper.title), style="bold")
    parts.append(title)
    parts.append(meta_line(paper, short_id))
    status: list[str] = []
    if state.starred:
        status.append(f"{QUEUED} queued (#{state.queue_position})")
    if state.read:
        status.append(f"{READ} read")
    if state.dismissed:
        status.append(f"{DISMISSED} dismissed")
    if status:
        parts.append(Text("  ".join(status), style="bold green"))
    if state.tags:
        tags = Text("tags ", style="bold")
        for i, tag in enumerate(state.tags):
            if i:
                tags.append(" ")
            tags.append(f"#{display_line(tag)}", style="magenta")
        parts.append(tags)
    links = [_link(paper_url, "paper  ")] if paper_url else []
    links += [_link(u, "code   ") for u in paper.code_urls]
    links += [_link(u, "project") for u in paper.project_urls]
    if reader and links:
        parts.extend(links)
    if state.note:
        parts.append(Text("note", style="bold"))
        parts.append(Text(display_text(state.note)))
    if why:
        line = Text("why ", style="bold")
        line.append(", ".join(why), style="cyan")
        parts.append(line)
    parts.append(Text(""))
    full = len(abstract)
    cut = abstract_limit is not None and full > abstract_limit
    if cut:
        assert abstract_limit is not None
        space = abstract.rfind(" ", abstract_limit - 200, abstract_limit)
        abstract = abstract[: space if space > 0 else abstract_limit]
    shown = display_text(readable_abstract(abstract))
    body = Text(shown or "(no abstract on the page)", style="" if shown else "dim italic")
    _link_urls(body)
    words = [w for w in highlight if w]
    if words:
        body.highlight_words(words, style="reverse yellow", case_sensitive=False)
    parts.append(body)
    if cut:
        parts.append(
            Text(
                f"… (the abstract is {full:,} characters: the first {len(abstract):,} are "
                f"shown here; papertui show {short_id or paper.id} prints it all)",
                style="dim italic",
            )
        )
    if links and not reader:
        parts.append(Text(""))
        parts.extend(links)
    return Group(*parts)
