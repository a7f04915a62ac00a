"""The command palette (ctrl+p): every key's command, the views and the sort orders.

The provider asks the screen it was opened from for its commands (a screen offers them
with a ``palette_commands()`` method), so the palette always matches the bindings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

__all__ = ["PaletteCommand", "PaperCommands"]


class PaletteCommand(NamedTuple):
    """One entry of the palette."""

    title: str
    help: str
    callback: Callable[[], object]


@runtime_checkable
class _OffersCommands(Protocol):
    """A screen with palette commands."""

    def palette_commands(self) -> Iterable[PaletteCommand]:
        """The commands to offer."""


class PaperCommands(Provider):
    """Offers the commands of the screen the palette was opened on."""

    def _commands(self) -> list[PaletteCommand]:
        """The screen's commands (none for other screens)."""
        screen = self.screen
        if isinstance(screen, _OffersCommands):
            return list(screen.palette_commands())
        return []

    async def discover(self) -> Hits:
        """Everything, when nothing is typed yet."""
        for command in self._commands():
            yield DiscoveryHit(
                Content(command.title), command.callback, text=command.title, help=command.help
            )

    async def search(self, query: str) -> Hits:
        """Commands whose title matches ``query``."""
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.title),
                    command.callback,
                    text=command.title,
                    help=command.help,
                )
