"""The key footer, rebuilt only when the keys it shows changed."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer

__all__ = ["KeysFooter"]


class KeysFooter(Footer):
    """Textual's :class:`~textual.widgets.Footer`, without the rebuild when nothing changed.

    The stock footer recomposes (removes and mounts every key, then lays out the screen)
    each time the screen's bindings are refreshed, and the main screen refreshes them after
    every triage action, so that keys can be dimmed or shown: after a star, that rebuild was
    most of the frame. Here the keys shown (key, label, enabled, tooltip) are compared with
    those of the last rebuild first.

    A rebuild also forgets the removed keys. Each key follows the footer's ``compact``
    through ``data_bind``, which Textual keeps as a watcher *on the footer*, dropped only
    when ``compact`` next changes (Textual issue #6666): every search started or cleared
    left the dozen removed keys behind, with their styles and rendered lines, and the
    collector's full walks grew with them (10 -> 60 ms over a few hundred searches).
    """

    _shown: tuple[Any, ...] | None = None

    def _signature(self, screen: Screen[Any]) -> tuple[Any, ...]:
        """What :meth:`compose` would show for ``screen``'s bindings."""
        return tuple(
            (key, binding.key, binding.action, binding.description, binding.show, enabled, tip)
            for key, (_, binding, enabled, tip) in screen.active_bindings.items()
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Rebuild only if the keys to show differ from those shown."""
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            signature = self._signature(screen)
            if signature == self._shown:
                return
            self._shown = signature
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        """Rebuild the keys, then drop the watchers of the keys removed."""
        await super().recompose()
        self._forget_closed_watchers()

    def _forget_closed_watchers(self) -> None:
        """Drop watchers whose widget is closing or closed, as Textual does itself when the
        watched attribute changes (``Reactive._check_watchers``)."""
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, "__watchers", {})
        for entries in watchers.values():
            entries[:] = [(node, callback) for node, callback in entries if not node._closing]
