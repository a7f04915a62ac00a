"""The app's view and sort, remembered from one run to the next.

Kept in ``app.json`` in the library folder (each library remembers its own), apart from
the triage state: losing or damaging it costs nothing but the default view. It also names
the corpus file a run found stored in date order, so that the next opening of that same
file skips the check before its first paint.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from papertui.fsutil import atomic_write
from papertui.library import SORTS, VIEWS, Sort

__all__ = ["PREFS_FILE", "load_date_order", "load_prefs", "save_prefs"]

PREFS_FILE = "app.json"
"""The file, in the library folder."""


def load_prefs(root: Path, *, tags: Mapping[str, int]) -> tuple[str, Sort]:
    """The view and sort saved for the library in ``root`` (``inbox`` by ``date`` when
    nothing usable is saved; a tag view whose tag is gone falls back to the inbox)."""
    view = "inbox"
    try:
        data = json.loads((root / PREFS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return view, "date"
    if not isinstance(data, dict):
        return view, "date"
    saved_view, saved_sort = data.get("view"), data.get("sort")
    if isinstance(saved_view, str) and (
        saved_view in VIEWS or (saved_view.startswith("tag:") and saved_view[4:] in tags)
    ):
        view = saved_view
    for known in SORTS:
        if known == saved_sort:
            return view, known
    return view, "date"


def load_date_order(root: Path) -> object:
    """The corpus file an earlier run found stored in date order (see
    :meth:`papertui.library.Library.trust_date_order`), as saved; None if none."""
    try:
        data = json.loads((root / PREFS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("date_order") if isinstance(data, dict) else None


def save_prefs(
    root: Path, view: str, sort: str, *, date_order: Sequence[int] | None = None
) -> None:
    """Remember ``view`` and ``sort``, and the corpus file found in date order (best
    effort: a failure only loses the preference, or costs the next opening the check)."""
    if not root.is_dir():
        return
    saved: dict[str, object] = {"view": view, "sort": sort}
    if date_order is not None:
        saved["date_order"] = list(date_order)
    data = json.dumps(saved).encode("utf-8")
    try:
        if (root / PREFS_FILE).read_bytes() == data:
            return
    except OSError:
        pass
    with contextlib.suppress(OSError):
        atomic_write(root / PREFS_FILE, data)
