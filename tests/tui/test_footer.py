"""The key footer: rebuilt when the keys shown change, without keeping the removed keys."""

from __future__ import annotations

import gc
from typing import Any

from textual.widgets._footer import FooterKey

from papertui.library import Library
from papertui.tui.widgets import KeysFooter


def _compact_watchers(footer: KeysFooter) -> list[tuple[Any, Any]]:
    """The watchers Textual keeps on the footer for its ``compact`` (one per key bound)."""
    watchers: dict[str, list[tuple[Any, Any]]] = getattr(footer, "__watchers", {})
    return watchers.get("compact", [])


async def test_searches_started_and_cleared_leave_no_removed_keys_behind(
    library: Library, run_app: Any
) -> None:
    async with run_app(library) as h:
        footer = h.screen.query_one(KeysFooter)
        shown = {key.action for key in footer.query(FooterKey)}
        for word in ("diffusion", "video", "speech"):
            await h.press("slash")
            await h.fill(word)
            await h.pilot.pause()
            assert {key.action for key in footer.query(FooterKey)} != shown  # rebuilt
            await h.press("escape")
            await h.pilot.pause()
        keys = list(footer.query(FooterKey))
        assert {key.action for key in keys} == shown
        # Each watcher is a key still in the footer: the removed ones were let go ...
        watching = [node for node, _ in _compact_watchers(footer)]
        assert watching and {id(node) for node in watching} <= {id(k) for k in keys}
        gc.collect()
        # ... so no removed key is kept alive.
        alive = [o for o in gc.get_objects() if isinstance(o, FooterKey)]
        assert sum(1 for k in alive if not k.is_attached) == 0
