"""The first-paint floor: a bare Textual app that shows a 40-row table and nothing else.

Launched in the pty exactly like papertui (``python -m bench.bare_app``); its rows start with
the same kind of names as the synthetic papers (:func:`bench.generate.paper_name`), so the
benchmark detects its first paint the same way.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from bench.generate import paper_name

ROWS = 40


class BareApp(App[None]):
    """A header-less app with one :class:`DataTable` of ``ROWS`` paper-like rows."""

    def compose(self) -> ComposeResult:
        """One table, filling the screen."""
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        """Fill the table."""
        table = self.query_one(DataTable)
        table.add_columns("title", "date", "▲")
        for i in range(ROWS):
            table.add_row(
                f"{paper_name(i)}: Scalable Transformers for Video Generation",
                "2024-10-09",
                str(i),
            )


def main() -> None:
    """Run the app until it is killed (or ``ctrl+q``)."""
    BareApp().run()


if __name__ == "__main__":
    main()
