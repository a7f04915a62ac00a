"""Every key binding of the app, in one place.

Each binding has an ``id`` so that a keymap (``App.set_keymap({"triage.star": "x"})``) can
remap it. The help screen (``?``), the command palette and :func:`key_table_markdown` (the
README's key table) are all generated from these lists, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from textual.binding import Binding
from textual.keys import format_key

__all__ = [
    "APP_BINDINGS",
    "CONFIRM_BINDINGS",
    "DETAIL_BINDINGS",
    "DIALOG_BINDINGS",
    "EXPORT_BINDINGS",
    "LIST_BINDINGS",
    "MAIN_BINDINGS",
    "NOTE_BINDINGS",
    "OVERWRITE_BINDINGS",
    "PICKER_BINDINGS",
    "QUIT_NOTE_BINDINGS",
    "READER_BINDINGS",
    "SEARCH_BINDINGS",
    "SECTIONS",
    "WELCOME_BINDINGS",
    "Section",
    "binding_ids",
    "display_keys",
    "key_table_markdown",
]

APP_BINDINGS: list[Binding] = [
    Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit papertui (everything is saved)"),
    Binding("question_mark", "help", "Help", id="app.help", tooltip="Show every key (this table)"),
    Binding(
        "ctrl+p",
        "command_palette",
        "Commands",
        show=False,
        id="app.command_palette",
        tooltip="Search every command by name",
    ),
]
"""Keys that work everywhere."""

LIST_BINDINGS: list[Binding] = [
    Binding("j,down", "cursor_down", "Down", show=False, id="list.down", tooltip="Next paper"),
    Binding("k,up", "cursor_up", "Up", show=False, id="list.up", tooltip="Previous paper"),
    Binding("g,home", "first", "Top", show=False, id="list.top", tooltip="First paper"),
    Binding("G,end", "last", "Bottom", show=False, id="list.bottom", tooltip="Last paper"),
    Binding("pageup", "page_up", "Page up", show=False, id="list.page_up", tooltip="One page up"),
    Binding(
        "pagedown",
        "page_down",
        "Page down",
        show=False,
        id="list.page_down",
        tooltip="One page down",
    ),
]
"""Moving the cursor in the paper list (active while the list has focus)."""

DETAIL_BINDINGS: list[Binding] = [
    Binding(
        "j",
        "scroll_down",
        "Scroll down",
        show=False,
        id="detail.down",
        tooltip="Scroll the detail pane (when it has focus)",
    ),
    Binding(
        "k",
        "scroll_up",
        "Scroll up",
        show=False,
        id="detail.up",
        tooltip="Scroll the detail pane back",
    ),
]
"""Scrolling the detail pane (active while it has focus; arrows and page keys work too)."""

SEARCH_BINDINGS: list[Binding] = [
    Binding(
        "escape",
        "clear",
        "Clear search",
        id="search.clear",
        tooltip="In the search bar: clear the query and go back to the list",
    ),
]
"""Keys of the search bar (active while it has focus; enter goes back to the list)."""

NAV_BINDINGS: list[Binding] = [
    Binding(
        "enter",
        "focus_detail",
        "Detail",
        show=False,
        id="pane.detail",
        tooltip="Focus the detail pane to scroll the abstract (again: the reader)",
    ),
    Binding(
        "z",
        "reader",
        "Reader",
        id="pane.reader",
        tooltip="Read the paper full screen (z or esc closes it)",
    ),
    Binding(
        "backslash",
        "toggle_sidebar",
        "Sidebar",
        show=False,
        id="pane.sidebar",
        tooltip="Hide / show the sidebar",
    ),
    Binding(
        "tab",
        "app.focus_next",
        "Next pane",
        show=False,
        id="pane.next",
        tooltip="Cycle search, sidebar, list and detail",
    ),
    Binding(
        "shift+tab",
        "app.focus_previous",
        "Previous pane",
        show=False,
        id="pane.previous",
        tooltip="Cycle the panes backwards",
    ),
    Binding(
        "escape",
        "clear_marks",
        "Clear marks",
        id="pane.clear_marks",
        tooltip="Unmark every marked paper (shown when papers are marked)",
    ),
    Binding(
        "escape",
        "clear_search",
        "Clear search",
        id="pane.clear_search",
        tooltip="Clear the search (shown when the list is filtered)",
    ),
    Binding(
        "escape",
        "escape",
        "Clear",
        show=False,
        id="pane.escape",
        tooltip="Back to the list from the detail pane or the sidebar",
    ),
]
"""Moving between panes."""

TRIAGE_BINDINGS: list[Binding] = [
    Binding("s", "toggle_star", "Star", id="triage.star", tooltip="Queue / unqueue (star)"),
    Binding("r", "toggle_read", "Read", id="triage.read", tooltip="Mark read / unread"),
    Binding(
        "x",
        "toggle_dismiss",
        "Dismiss",
        id="triage.dismiss",
        tooltip="Dismiss / undismiss: not interested (out of the inbox, and of the queue)",
    ),
    Binding(
        "X",
        "dismiss_rest",
        "Dismiss rest",
        show=False,
        id="triage.dismiss_rest",
        tooltip="Dismiss every paper left in the view, after saying how many (one undo)",
    ),
    Binding(
        "t",
        "tag",
        "Tags",
        id="triage.tag",
        tooltip="Add tags (name) or remove them (-name), several at once",
    ),
    Binding("a", "note", "Note", id="triage.note", tooltip="Edit the note (ctrl+s saves)"),
    Binding(
        "A",
        "note_in_editor",
        "Note in $EDITOR",
        show=False,
        id="triage.note_editor",
        tooltip="Edit the note in $VISUAL / $EDITOR (the app steps aside meanwhile)",
    ),
    Binding(
        "space",
        "mark",
        "Mark",
        show=False,
        id="triage.mark",
        tooltip="Mark the paper for a batch action (s, r, x, t, T, B, D apply to all marked)",
    ),
    Binding(
        "n",
        "next_unread",
        "Next unread",
        show=False,
        id="triage.next_unread",
        tooltip="Jump to the next unread paper",
    ),
    Binding(
        "J",
        "queue_down",
        "Move ↓",
        id="triage.queue_down",
        tooltip="Move the queued paper down the queue (Queue view)",
    ),
    Binding(
        "K",
        "queue_up",
        "Move ↑",
        id="triage.queue_up",
        tooltip="Move the queued paper up the queue (Queue view)",
    ),
    Binding(
        "T",
        "queue_top",
        "To top",
        show=False,
        id="triage.queue_top",
        tooltip="Move the queued paper (or the marked ones) to the top of the queue",
    ),
    Binding(
        "B",
        "queue_bottom",
        "To bottom",
        show=False,
        id="triage.queue_bottom",
        tooltip="Move the queued paper (or the marked ones) to the bottom of the queue",
    ),
    Binding(
        "D",
        "remove",
        "Remove",
        show=False,
        id="triage.remove",
        tooltip="Delete the paper (or the marked ones) from the library, after asking",
    ),
    Binding("u", "undo", "Undo", id="triage.undo", tooltip="Undo the last triage action"),
    Binding(
        "ctrl+r",
        "redo",
        "Redo",
        show=False,
        id="triage.redo",
        tooltip="Redo the last undone action",
    ),
    Binding(
        "ctrl+s",
        "retry_save",
        "Retry save",
        id="triage.retry",
        tooltip="Retry the action whose save failed",
    ),
]
"""Deciding about papers; every action is saved at once and can be undone."""

VIEW_BINDINGS: list[Binding] = [
    Binding(
        "slash",
        "search",
        "Search",
        show=False,  # the search bar's placeholder shows the key; the footer stays short
        # Priority: the app runs it before passing on the keys that follow, so "/sun"
        # arriving in one read from the terminal types "sun" instead of starring (s) and
        # undoing (u). The main screen inserts a "/" typed inside the search bar itself.
        priority=True,
        id="view.search",
        tooltip="Filter the view with the query language",
    ),
    Binding(
        "1",
        "view('inbox')",
        "Inbox",
        show=False,
        id="view.inbox",
        tooltip="Papers not yet queued, read or dismissed",
    ),
    Binding(
        "2",
        "view('queue')",
        "Queue",
        show=False,
        id="view.queue",
        tooltip="Starred papers in queue order",
    ),
    Binding("3", "view('read')", "Read", show=False, id="view.read", tooltip="Read papers"),
    Binding("4", "view('all')", "All", show=False, id="view.all", tooltip="Every paper"),
    Binding(
        "5",
        "view('new')",
        "New",
        show=False,
        id="view.new",
        tooltip="The papers the latest import added",
    ),
    Binding(
        "6",
        "view('dismissed')",
        "Dismissed",
        show=False,
        id="view.dismissed",
        tooltip="Dismissed papers (not interested)",
    ),
    Binding(
        "S",
        "sort",
        "Sort",
        show=False,
        id="view.sort",
        tooltip="Sort by date, upvotes, title, date added or relevance",
    ),
    Binding(
        "m",
        "like_this",
        "More like this",
        show=False,
        id="view.like",
        tooltip="Papers like this one, most alike first (the search like:ID; esc goes back)",
    ),
]
"""Choosing what the list shows."""

FILE_BINDINGS: list[Binding] = [
    Binding(
        "p",
        "open_paper",
        "Open paper",
        id="link.paper",
        tooltip="Open the paper link (arXiv page, else a title search) in the browser",
    ),
    Binding(
        "o",
        "open_code",
        "Open code",
        show=False,
        id="link.code",
        tooltip="Open the code link in the browser (none: offers the paper link)",
    ),
    Binding(
        "O",
        "open_project",
        "Open project",
        show=False,
        id="link.project",
        tooltip="Open the project link in the browser",
    ),
    Binding(
        "L",
        "pick_link",
        "Links",
        show=False,
        id="link.pick",
        tooltip="List every link of the paper: open or copy the one you choose",
    ),
    Binding(
        "y",
        "copy_link",
        "Copy link",
        show=False,
        id="link.copy",
        tooltip="Copy the paper link (sent to the terminal's clipboard, and wl-copy/xclip/pbcopy)",
    ),
    Binding(
        "e",
        "export",
        "Export",
        show=False,
        id="file.export",
        tooltip="Export the queue as Markdown: asks where (or copies it instead)",
    ),
    Binding(
        "i",
        "import",
        "Import",
        show=False,
        id="file.import",
        tooltip="Import Daily Papers pages from a file or folder",
    ),
]
"""Links and files."""

DIALOG_BINDINGS: list[Binding] = [
    Binding(
        "escape",
        "cancel",
        "Cancel",
        id="dialog.cancel",
        tooltip="Close the dialog without changing anything",
    ),
]
"""Keys of the prompts (tags, import, sort, help)."""

NOTE_BINDINGS: list[Binding] = [
    Binding("ctrl+s", "save", "Save", id="note.save", tooltip="Save the note and close"),
    Binding(
        "escape",
        "cancel",
        "Cancel",
        id="note.cancel",
        tooltip="Close without saving (with unsaved changes: press twice)",
    ),
]
"""Keys of the note editor."""

CONFIRM_BINDINGS: list[Binding] = [
    Binding("y", "answer('yes')", "Yes", id="confirm.yes", tooltip="Confirm: do it"),
    Binding("n,escape", "answer('no')", "No", id="confirm.no", tooltip="Do nothing and close"),
]
"""Keys of a yes/no question (dismiss the rest, remove papers)."""

QUIT_NOTE_BINDINGS: list[Binding] = [
    Binding(
        "s",
        "answer('save')",
        "Save and quit",
        id="quit_note.save",
        tooltip="Quitting with an unsaved note: save the note, then quit",
    ),
    Binding(
        "d",
        "answer('discard')",
        "Discard and quit",
        id="quit_note.discard",
        tooltip="Quitting with an unsaved note: throw the draft away and quit",
    ),
    Binding(
        "escape",
        "answer('back')",
        "Keep editing",
        id="quit_note.back",
        tooltip="Quitting with an unsaved note: back to the note, nothing lost",
    ),
]
"""Keys of the question asked when quitting over an unsaved note."""

READER_BINDINGS: list[Binding] = [
    Binding("j,down", "scroll_down", "Down", show=False, id="reader.down", tooltip="Scroll down"),
    Binding("k,up", "scroll_up", "Up", show=False, id="reader.up", tooltip="Scroll up"),
    Binding(
        "space,pagedown",
        "page_down",
        "Page down",
        show=False,
        id="reader.page_down",
        tooltip="One page down",
    ),
    Binding("pageup", "page_up", "Page up", show=False, id="reader.page_up", tooltip="One page up"),
    Binding(
        "ctrl+d",
        "half_down",
        "Half down",
        show=False,
        id="reader.half_down",
        tooltip="Half a page down",
    ),
    Binding(
        "ctrl+u", "half_up", "Half up", show=False, id="reader.half_up", tooltip="Half a page up"
    ),
    Binding("g,home", "top", "Top", show=False, id="reader.top", tooltip="Back to the top"),
    Binding("G,end", "bottom", "Bottom", show=False, id="reader.bottom", tooltip="To the end"),
    Binding("n,J", "next_paper", "Next", id="reader.next", tooltip="Next paper in the list"),
    Binding(
        "p,K",
        "previous_paper",
        "Previous",
        id="reader.previous",
        tooltip="Previous paper in the list",
    ),
    Binding(
        "z,escape",
        "close",
        "Close",
        id="reader.close",
        tooltip="Back to the list (triage and link keys work in the reader too)",
    ),
]
"""Keys of the full-screen reader (the triage keys s, r, t, a, u and o, O, L, y work too)."""

PICKER_BINDINGS: list[Binding] = [
    Binding("enter,o", "open", "Open", id="picker.open", tooltip="Open the chosen link"),
    Binding("y,c", "copy", "Copy", id="picker.copy", tooltip="Copy the chosen link"),
]
"""Keys of the link picker (L); j/k or the arrows choose, 1-9 open a link directly."""

EXPORT_BINDINGS: list[Binding] = [
    Binding(
        "ctrl+y",
        "copy",
        "Copy instead",
        id="export.copy",
        tooltip="In the export dialog: copy the Markdown instead of writing a file",
    ),
]
"""Keys of the export dialog (enter writes the file)."""

OVERWRITE_BINDINGS: list[Binding] = [
    Binding(
        "y",
        "answer(True)",
        "Replace",
        id="export.replace",
        tooltip="When the export file exists: replace it",
    ),
    Binding(
        "n,escape",
        "answer(False)",
        "Keep",
        id="export.keep",
        tooltip="When the export file exists: keep it, export nothing",
    ),
]
"""Keys of the question asked before an export replaces a file."""

WELCOME_BINDINGS: list[Binding] = [
    Binding(
        "l",
        "load_samples",
        "Load samples",
        id="welcome.samples",
        tooltip="Import the bundled sample pages (empty library only)",
    ),
    Binding(
        "i", "import", "Import", id="welcome.import", tooltip="Import pages from a file or folder"
    ),
]
"""Keys of the welcome screen (shown when the library is empty)."""

MAIN_BINDINGS: list[Binding] = [
    *NAV_BINDINGS,
    *TRIAGE_BINDINGS,
    *VIEW_BINDINGS,
    *FILE_BINDINGS,
]
"""Everything the main screen binds."""


@dataclass(frozen=True)
class Section:
    """A titled group of bindings in the help screen and the README."""

    title: str
    bindings: Sequence[Binding]


SECTIONS: tuple[Section, ...] = (
    Section("Moving around", [*LIST_BINDINGS, *NAV_BINDINGS, *DETAIL_BINDINGS]),
    Section("Triage", TRIAGE_BINDINGS),
    Section("Views and search", [*VIEW_BINDINGS, *SEARCH_BINDINGS]),
    Section("Reader", READER_BINDINGS),
    Section("Links and files", FILE_BINDINGS),
    Section("Link picker", PICKER_BINDINGS),
    Section(
        "In dialogs",
        [
            NOTE_BINDINGS[0],
            *DIALOG_BINDINGS,
            *EXPORT_BINDINGS,
            *OVERWRITE_BINDINGS,
            *CONFIRM_BINDINGS,
            *QUIT_NOTE_BINDINGS,
        ],
    ),
    Section("Welcome screen", WELCOME_BINDINGS),
    Section("Everywhere", APP_BINDINGS),
)
"""The key table, in the order the help screen shows it."""


_NAMED = {"enter": "enter", "escape": "esc", "space": "space", "tab": "tab"}
"""Keys shown by name rather than as a symbol."""


def _format_one(key: str) -> str:
    """``ctrl+r`` -> ``ctrl+r``, ``question_mark`` -> ``?``, ``down`` -> ``↓``."""
    *mods, last = key.split("+")
    shown = _NAMED.get(last) or format_key(last)
    return "+".join([*mods, shown])


def binding_ids() -> frozenset[str]:
    """Every binding id (what a config file's ``[keys]`` table may remap)."""
    every = (*SECTIONS, Section("", NOTE_BINDINGS))
    return frozenset(b.id for section in every for b in section.bindings if b.id)


def display_keys(binding: Binding, keymap: Mapping[str, str] | None = None) -> str:
    """The keys of ``binding`` as a person reads them (``j / ↓``), after ``keymap``."""
    keys = binding.key
    if keymap and binding.id and binding.id in keymap:
        keys = keymap[binding.id]
    return " / ".join(_format_one(k.strip()) for k in keys.split(",") if k.strip())


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'")


def _key_cell(keys: str) -> str:
    """Keys as inline code spans (a ``|`` is escaped, as GitHub tables require)."""
    spans = [f"`` {k} ``" if "`" in k else f"`{k}`" for k in keys.split(" / ")]
    return " / ".join(spans).replace("|", "\\|")


def key_table_markdown(
    keymap: Mapping[str, str] | None = None, sections: Iterable[Section] = SECTIONS
) -> str:
    """The app's keys as Markdown: one ``###`` heading and one table per section.

    The lead pastes this into the README; the help screen renders the same text.
    """
    out: list[str] = []
    for section in sections:
        out += [f"### {section.title}", "", "| Key | Action | What it does |", "|---|---|---|"]
        for binding in section.bindings:
            keys = display_keys(binding, keymap)
            out.append(
                f"| {_key_cell(keys)} | {_cell(binding.description)} | {_cell(binding.tooltip)} |"
            )
        out.append("")
    out.append("Every command is also in the command palette (`ctrl+p`).")
    return "\n".join(out) + "\n"
