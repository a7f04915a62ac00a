"""The app's screens: main, welcome, help and the modal prompts."""

from __future__ import annotations

from papertui.tui.screens.help import HelpScreen
from papertui.tui.screens.main import MainScreen
from papertui.tui.screens.note import NoteEditor
from papertui.tui.screens.prompts import ImportPrompt, SortPicker, TagPrompt
from papertui.tui.screens.welcome import WelcomeScreen

__all__ = [
    "HelpScreen",
    "ImportPrompt",
    "MainScreen",
    "NoteEditor",
    "SortPicker",
    "TagPrompt",
    "WelcomeScreen",
]
