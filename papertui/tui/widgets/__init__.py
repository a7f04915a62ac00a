"""The app's widgets. They receive models from the screen and post messages back up."""

from __future__ import annotations

from papertui.tui.widgets.activity import ActivityBar
from papertui.tui.widgets.detail import DetailPane
from papertui.tui.widgets.footer import KeysFooter
from papertui.tui.widgets.header import CountsHeader
from papertui.tui.widgets.paper_list import PaperList
from papertui.tui.widgets.search_bar import SearchBar
from papertui.tui.widgets.sidebar import Sidebar
from papertui.tui.widgets.status_line import StatusLine

__all__ = [
    "ActivityBar",
    "CountsHeader",
    "DetailPane",
    "KeysFooter",
    "PaperList",
    "SearchBar",
    "Sidebar",
    "StatusLine",
]
