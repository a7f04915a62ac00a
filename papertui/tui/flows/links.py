"""Opening and copying a paper's links: ``p``, ``o``, ``O``, ``L`` and ``y``.

The main screen (and the reader) hand over the highlighted paper; this flow makes its
links (:func:`papertui.paperlink.all_links`, with the configured site), opens them through
:mod:`webbrowser` (``App.open_url``) or copies them, and says truthfully what happened.
Only ``http``/``https`` links are ever opened or copied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from papertui.links import is_safe_url
from papertui.paperlink import Link, LinkKind, PaperLinkSite, all_links
from papertui.tui.clipboard import clipboard_tool, copy_with_tool
from papertui.tui.system import browser_available

if TYPE_CHECKING:
    from textual.app import App

    from papertui.models import Paper
    from papertui.tui.screens.link_picker import LinkChoice

__all__ = ["COPIED", "LinkFlow"]

COPIED = "sent to the terminal's clipboard"
"""What copying can truthfully promise: the text went to the terminal (OSC 52), which may
drop it (tmux does by default)."""

_NAMES: dict[LinkKind, str] = {
    "paper": "paper link",
    "code": "code link",
    "project": "project link",
}


class LinkFlow:
    """Opens and copies links for one app."""

    def __init__(self, app: App[object], site: PaperLinkSite) -> None:
        """Work in ``app``; paper links are made with ``site``."""
        self.app = app
        self.site = site

    # -- the keys ---------------------------------------------------------------------------
    def open_paper(self, paper: Paper) -> None:
        """``p``: open the paper link."""
        self.open(Link("paper", self.site.paper_url(paper)))

    def open_code(self, paper: Paper) -> None:
        """``o``: open the code link; without one, say so and offer the paper's links."""
        self._open_kind(paper, "code", paper.code_urls)

    def open_project(self, paper: Paper) -> None:
        """``O``: open the project link; without one, say so and offer the paper's links."""
        self._open_kind(paper, "project", paper.project_urls)

    def copy_paper(self, paper: Paper) -> None:
        """``y``: copy the paper link."""
        self.copy(Link("paper", self.site.paper_url(paper)))

    def pick(self, paper: Paper, message: str = "") -> None:
        """``L``: list every link of the paper; open or copy the chosen one."""
        from papertui.tui.screens.link_picker import LinkPicker

        links = [link for link in all_links(paper, self.site) if is_safe_url(link.url)]
        self.app.push_screen(LinkPicker(paper.title, links, message=message), self._picked)

    def _picked(self, choice: LinkChoice | None) -> None:
        """Do what was chosen in the picker."""
        if choice is None:
            return
        if choice.action == "open":
            self.open(choice.link)
        else:
            self.copy(choice.link)

    def _open_kind(self, paper: Paper, kind: LinkKind, urls: tuple[str, ...]) -> None:
        """Open the first safe link of ``kind``, else offer what the paper has."""
        safe = [u for u in urls if is_safe_url(u)]
        if safe:
            self.open(Link(kind, safe[0]))
            return
        reason = (
            f"This paper has no {_NAMES[kind]}"
            if not urls
            else f"Not opening the {_NAMES[kind]}: only http and https links are opened"
        )
        self.pick(paper, message=f"{reason}. Open or copy another link:")

    # -- opening and copying -----------------------------------------------------------------
    def open(self, link: Link) -> None:
        """Open ``link`` in the browser (copy it when there is no browser)."""
        name = _NAMES[link.kind]
        if not is_safe_url(link.url):
            self.app.notify(
                f"Not opening the {name}: only http and https links are opened",
                severity="warning",
                markup=False,
            )
            return
        if not self.app.is_web and not browser_available():
            self.app.notify(
                f"No browser found; copying the {name} instead", timeout=3, markup=False
            )
            self.copy(link)
            return
        self.app.open_url(link.url)
        self.app.notify(f"Opening the {name}: {link.url}", timeout=4, markup=False)

    def copy(self, link: Link) -> None:
        """Copy ``link``: to the terminal (OSC 52) and, where there is one, with the
        system's clipboard tool (in a worker thread). The message keeps the URL in view."""
        name = _NAMES[link.kind]
        if not is_safe_url(link.url):
            self.app.notify(
                f"Not copying the {name}: not an http(s) link", severity="warning", markup=False
            )
            return
        self.app.copy_to_clipboard(link.url)
        command = clipboard_tool()
        if command is None:
            self._copied(name, link.url, None)
            return

        def work() -> None:
            tool = copy_with_tool(link.url, command)
            self.app.call_from_thread(self._copied, name, link.url, tool)

        self.app.run_worker(work, thread=True, group="clipboard", exit_on_error=False)

    def _copied(self, name: str, url: str, tool: str | None) -> None:
        """Say where the copy went, with the URL (to select with the mouse if need be)."""
        also = f" and copied with {tool}" if tool else ""
        self.app.notify(
            f"The {name} was {COPIED}{also}: {url}", title="Copied", timeout=12, markup=False
        )
