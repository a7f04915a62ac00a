"""The papertui app: wiring only (theme, global keys, screens).

Use :func:`create_app` to build it; the CLI (``papertui`` / ``papertui demo``), the tests
and the snapshot tests all go through it::

    lib = Library.open(root)
    create_app(lib).run()
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from time import monotonic
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from papertui.config import Config, config_path, load_config
from papertui.library import Library
from papertui.tui.bindings import APP_BINDINGS, binding_ids, key_table_markdown
from papertui.tui.screens.main import MainScreen

# The help screen is imported when first shown: the first paint does not need it.

__all__ = ["PaperApp", "create_app", "create_sample_app", "load_config_for_app"]

DEMO_LOCATION = "demo library"
"""What the header says for ``papertui demo``."""


class PaperApp(App[None]):
    """Triage Hugging Face Daily Papers from the terminal."""

    CSS_PATH = "papertui.tcss"
    TITLE = "papertui"
    BINDINGS: ClassVar[list[BindingType]] = [*APP_BINDINGS]

    def __init__(
        self,
        library: Library,
        *,
        readonly_reason: str | None = None,
        demo: bool = False,
        keymap: Mapping[str, str] | None = None,
        close_library: bool = False,
        config: Config | None = None,
    ) -> None:
        """Show ``library``; ``readonly_reason`` explains why it cannot be changed.

        With ``close_library`` the app closes the library when it exits (the CLI closes
        the libraries it opens itself). ``config`` holds the user's settings (paper links,
        export folder, key remaps, applied before ``keymap``); default: none, the defaults.
        """
        super().__init__()
        self.config = config if config is not None else Config()
        """The user's settings (see :mod:`papertui.config`)."""
        self.settings_location = str(self.config.path or config_path())
        """Where the settings are read from (the help screen names it)."""
        keymap = {**self.config.keymap, **(keymap or {})}
        self.library = library
        self.close_library = close_library
        if readonly_reason is None and library.readonly:
            readonly_reason = "Read-only: the library is open read-only"
        self.readonly_reason = readonly_reason
        self.demo = demo
        self.location = DEMO_LOCATION if demo else str(library.root)
        self.keymap_overrides: dict[str, str] = dict(keymap or {})
        self._toasts: dict[tuple[str, str, str], float] = {}
        """Toasts showing: (message, title, severity) -> when they go."""
        if keymap:
            self.set_keymap(dict(keymap))

    def set_keymap(self, keymap: Mapping[str, str]) -> None:
        """Remap keys by binding id (remembered for the help screen and the palette)."""
        self.keymap_overrides = dict(keymap)
        super().set_keymap(dict(keymap))

    def update_keymap(self, keymap: Mapping[str, str]) -> None:
        """Remap some keys by binding id, keeping the other overrides."""
        self.keymap_overrides.update(keymap)
        super().update_keymap(dict(keymap))

    def get_default_screen(self) -> Screen[None]:
        """The main screen (it shows the welcome screen itself when the library is empty)."""
        return MainScreen(
            self.library, location=self.location, readonly_reason=self.readonly_reason
        )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain text, whoever sends it and whatever it asks for:
        notifications quote titles, tags, notes and paths, which are data, never markup
        (``[/]`` in a title would otherwise crash the app).

        Routine messages go to the status line of the screen showing (when it has one);
        errors, and messages over screens without one, are toasts, and a toast identical to
        one still showing is not shown twice."""
        from papertui.tui.widgets import StatusLine

        if severity != "error":
            lines = self.screen.query(StatusLine)
            if lines:
                lines.first().show(f"{title}: {message}" if title else message, severity)
                return
        key = (message, title, severity)
        now = monotonic()
        if self._toasts.get(key, 0.0) > now:
            return
        shown = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        self._toasts = {k: t for k, t in self._toasts.items() if t > now}
        self._toasts[key] = now + shown
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def on_mount(self) -> None:
        """Pick the theme; say so when the config file could not be used."""
        self.theme = "textual-dark"
        if self.config.problem:
            self.notify(self.config.problem, title="Config", severity="warning", timeout=12)

    def on_unmount(self) -> None:
        """Release the library if the app owns it."""
        if self.close_library:
            self.library.close()

    async def action_quit(self) -> None:
        """Quit, unless the note editor holds a draft: then ask (save, discard or keep
        editing), whichever way the quit came (``q``, ``ctrl+q``, the palette)."""
        from papertui.tui.screens.note import NoteEditor
        from papertui.tui.screens.question import QuitOverNote

        if isinstance(self.screen, QuitOverNote):
            return
        editor = next(
            (s for s in self.screen_stack if isinstance(s, NoteEditor) and s.changed), None
        )
        if editor is None:
            self.exit()
            return

        def answered(answer: str | None) -> None:
            if answer == "save":
                editor.action_save()  # saved before this returns
                self.exit()
            elif answer == "discard":
                self.exit()

        self.push_screen(
            QuitOverNote(
                "Quit with an unsaved note?",
                f"The note on “{editor.paper_title}” has changes that are not saved.",
            ),
            answered,
        )

    def action_help(self) -> None:
        """Show the key table (generated from the bindings)."""
        from papertui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(
                HelpScreen(
                    key_table_markdown(self.keymap_overrides),
                    location=self.location,
                    config=self.settings_location,
                )
            )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The built-in commands plus the help screen."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: keys", "Show every key and what it does", self.action_help)


def create_app(
    library: Library,
    *,
    readonly_reason: str | None = None,
    demo: bool = False,
    keymap: Mapping[str, str] | None = None,
    config: Config | None = None,
) -> PaperApp:
    """Build the app on an open library.

    :param library: the library to show (opened by the caller, who also closes it).
    :param readonly_reason: why the library is read-only (shown in a banner; triage is
        refused); None for a writable library.
    :param demo: the library is the throwaway demo: the header says "demo library".
    :param keymap: binding id -> keys overrides, e.g. ``{"triage.star": "x"}`` (see
        :mod:`papertui.tui.bindings`), over those of the config file.
    :param config: the settings; default: read the user's config file
        (:func:`load_config_for_app`: ``PAPERTUI_CONFIG`` or the user config folder).
    """
    if config is None:
        config = load_config_for_app()
    return PaperApp(
        library, readonly_reason=readonly_reason, demo=demo, keymap=keymap, config=config
    )


def load_config_for_app() -> Config:
    """The user's config file, its key remaps checked against the app's binding ids."""
    return load_config(known_ids=binding_ids())


def create_sample_app(
    root: Path, *, samples: bool = True, readonly_reason: str | None = None
) -> PaperApp:
    """An app on a library in ``root`` (for snapshot tests and screenshots).

    With ``samples`` the bundled sample pages are imported when the library is empty
    (without, an empty library shows the welcome screen). The header says "demo library"
    so that the picture does not depend on ``root``. The app closes the library on exit.
    With ``readonly_reason`` the library is opened read-only and the banner shows it.
    """
    readonly = readonly_reason is not None
    if samples and not readonly:
        library = Library.open(root)
        if len(library) == 0:
            from papertui.importer import import_samples

            import_samples(library)
    else:
        library = Library.open(root, readonly=readonly)
    app = PaperApp(
        library,
        readonly_reason=readonly_reason,
        demo=True,
        close_library=True,
        config=Config(),  # the pictures never depend on the user's settings
    )
    app.settings_location = "config.toml in the user config folder"  # no machine's path
    return app
