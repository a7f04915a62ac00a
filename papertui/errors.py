"""The domain's user-facing error (shared by the library's parts)."""

from __future__ import annotations

__all__ = ["LibraryError"]


class LibraryError(Exception):
    """A user-facing problem (unknown id, bad view, ...), with a one-line message."""
