"""The ``papertui`` command line: bare ``papertui`` opens the app, subcommands script the rest.

Every error is one line on standard error and a non-zero exit status, never a traceback.
The TUI (and so Textual) is imported only by the commands that open it, so that
``papertui export`` and friends start fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from papertui import __version__
from papertui.paths import resolve_data_dir

if TYPE_CHECKING:
    from rich.console import Console
    from textual.app import App

    from papertui.library import Library, Sort
    from papertui.query import Query

__all__ = ["main"]


class CliError(Exception):
    """A user error: printed as ``papertui: error: MESSAGE``, exit status 1 (or ``code``)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    # markup and highlighting off: text from pages is data and is printed as it is.
    return Console(stderr=stderr, markup=False, highlight=False, emoji=False)


# -- opening the library ----------------------------------------------------------------


def _root(args: argparse.Namespace) -> Path:
    return resolve_data_dir(args.data_dir)


def _open(args: argparse.Namespace, *, write: bool) -> Library:
    from papertui.library import Library

    root = _root(args)
    if not write and not (root / "papers.json").exists() and not (root / "state.json").exists():
        raise CliError(f"no library at {root} yet; import pages first: papertui import PATH...")
    lib = Library.open(root, readonly=not write)
    if write and lib.readonly_reason:
        lib.close()
        raise CliError(f"cannot change the library: {lib.readonly_reason}")
    for warning in lib.warnings:
        _say(f"papertui: warning: {warning}", err=True)
    return lib


def _query(text: str | None) -> Query:
    from papertui.query import QueryError, parse_query

    try:
        return parse_query(text or "")
    except QueryError as exc:
        raise CliError(f"bad query: {exc}", code=2) from None


def _ids(lib: Library, refs: Sequence[str]) -> list[str]:
    from papertui.library import LibraryError

    try:
        return [lib.resolve(r) for r in refs]
    except LibraryError as exc:
        raise CliError(str(exc)) from None


# -- commands ---------------------------------------------------------------------------


def cmd_open(args: argparse.Namespace) -> int:
    """Open the triage app on the user's library."""
    from papertui.library import Library

    lib = Library.open(_root(args))
    reason = lib.readonly_reason
    return _run_app(lib, readonly_reason=f"Read-only: {reason}" if reason else None)


def _run_app(lib: Library, *, readonly_reason: str | None = None, demo: bool = False) -> int:
    import gc

    from papertui.tui.app import create_app

    # The library's columns are hundreds of thousands of long-lived objects: freezing them
    # keeps the garbage collector from walking them again and again while the app runs
    # (at 100k papers that walk costs tens of milliseconds, in the middle of first paint
    # and of keystrokes).
    gc.freeze()
    try:
        app = create_app(lib, readonly_reason=readonly_reason, demo=demo)
        _start(app)
    finally:
        lib.close()
    return app.return_code or 0  # an app that crashed exits non-zero


def _start(app: App[Any]) -> None:
    """Run the app in this terminal (tests replace it with a headless run)."""
    app.run()


def cmd_demo(args: argparse.Namespace) -> int:
    """Open a throwaway library preloaded with the sample pages (never the real library)."""
    from papertui.importer import import_samples
    from papertui.library import Library

    with tempfile.TemporaryDirectory(prefix="papertui-demo-") as tmp:
        lib = Library.open(Path(tmp))
        import_samples(lib)
        return _run_app(lib, demo=True)


def cmd_import(args: argparse.Namespace) -> int:
    """Import page files, folders or standard input."""
    from papertui.importer import FileOutcome, import_paths

    lib = _open(args, write=True)
    try:

        def progress(_n: int, _total: int, outcome: FileOutcome) -> None:
            if outcome.ok:
                _say(outcome.describe())
            else:
                _fail(str(outcome.error))
            if outcome.result is not None:
                for notice in outcome.result.notices:
                    _say(f"papertui: note: {outcome.name}: {notice}", err=True)
                for problem in outcome.result.problems:
                    if outcome.ok or problem.message != "no papers found":
                        _say(f"papertui: warning: {problem}", err=True)

        run = import_paths(lib, args.paths, year=args.year, force=args.force, progress=progress)
        _say(run.report.summary())
        return 1 if run.failed else 0
    finally:
        lib.close()


def cmd_list(args: argparse.Namespace) -> int:
    """List papers matching a query."""
    from papertui.export import paper_record, to_json

    lib = _open(args, write=False)
    query = _query(args.query)
    sel = _select(lib, "all", query, args.sort)
    if args.json:
        sys.stdout.write(
            to_json([paper_record(lib.paper(p), lib.state(p), lib.abstract(p)) for p in sel])
        )
        return 0
    from papertui.render import state_glyphs

    if not sys.stdout.isatty():
        # For scripts: one tab-separated line per paper (id, state, date, upvotes, title,
        # tags), and the count on stderr.
        for pid in sel:
            p, s = lib.paper(pid), lib.state(pid)
            fields = (
                lib.short_id(pid),
                state_glyphs(s).replace(" ", "-"),
                p.published.isoformat() if p.published else "",
                "" if p.upvotes is None else str(p.upvotes),
                p.title,
                " ".join(f"#{t}" for t in s.tags),
            )
            sys.stdout.write("\t".join(fields) + "\n")
        _say(f"{len(sel)} of {len(lib)} papers", err=True)
        return 0
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("title", ratio=1)
    table.add_column("date", no_wrap=True)
    table.add_column("▲", justify="right", no_wrap=True)
    table.add_column("tags")
    for pid in sel:
        p, s = lib.paper(pid), lib.state(pid)
        table.add_row(
            Text(lib.short_id(pid)),
            Text(state_glyphs(s) + ("⌨" if p.has_code else " ")),
            Text(p.title),
            Text(p.published.isoformat() if p.published else ""),
            Text("" if p.upvotes is None else str(p.upvotes)),
            Text(" ".join(f"#{t}" for t in s.tags), style="magenta"),
        )
    console = _console()
    console.print(table)
    console.print(Text(f"{len(sel)} of {len(lib)} papers", style="dim"))
    return 0


def _select(lib: Library, view: str, query: Query, sort: Sort) -> list[str]:
    if query.needs_text:
        lib.load_abstracts()
    return lib.select(view, query, sort).ids


def cmd_show(args: argparse.Namespace) -> int:
    """Show one paper in full."""
    from papertui.render import paper_detail

    lib = _open(args, write=False)
    (pid,) = _ids(lib, [args.id])
    if args.json:
        from papertui.export import paper_record

        record = paper_record(lib.paper(pid), lib.state(pid), lib.abstract(pid))
        sys.stdout.write(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        return 0
    _console().print(paper_detail(lib.paper(pid), lib.state(pid), lib.abstract(pid), short_id=pid))
    return 0


def _triage(args: argparse.Namespace, action: Callable[[Library, list[str]], object]) -> int:
    from papertui.library import Change, LibraryError
    from papertui.store import StoreError

    lib = _open(args, write=True)
    try:
        ids = _ids(lib, args.ids)
        try:
            change = action(lib, ids)
        except LibraryError as exc:
            raise CliError(str(exc)) from None
        except (StoreError, OSError) as exc:
            raise CliError(f"could not save: {exc}") from None
        assert isinstance(change, Change)
        _say(change.label if change.after else "Nothing to change")
        return 0
    finally:
        lib.close()


def cmd_star(args: argparse.Namespace) -> int:
    """Queue papers."""
    return _triage(args, lambda lib, ids: lib.set_starred(ids, True))


def cmd_unstar(args: argparse.Namespace) -> int:
    """Remove papers from the queue."""
    return _triage(args, lambda lib, ids: lib.set_starred(ids, False))


def cmd_read(args: argparse.Namespace) -> int:
    """Mark papers read."""
    return _triage(args, lambda lib, ids: lib.set_read(ids, True))


def cmd_unread(args: argparse.Namespace) -> int:
    """Mark papers unread."""
    return _triage(args, lambda lib, ids: lib.set_read(ids, False))


def cmd_tag(args: argparse.Namespace) -> int:
    """``tag ID... +name -name``: add and remove tags."""
    ids = [w for w in args.words if not w.startswith(("+", "-"))]
    add = [w[1:] for w in args.words if w.startswith("+")]
    remove = [w[1:] for w in args.words if w.startswith("-")]
    if not ids:
        raise CliError("tag: name at least one paper id", code=2)
    if not add and not remove:
        raise CliError("tag: give tags as +name to add or -name to remove", code=2)
    args.ids = ids
    return _triage(args, lambda lib, pids: lib.tag(pids, add=add, remove=remove))


def cmd_note(args: argparse.Namespace) -> int:
    """Set (or with an empty TEXT, remove) a paper's note; ``-`` reads it from stdin."""
    text = sys.stdin.read() if args.text == "-" else args.text
    args.ids = [args.id]
    return _triage(args, lambda lib, ids: lib.set_note(ids[0], text))


def cmd_export(args: argparse.Namespace) -> int:
    """Export the queue (default), a query's results, or everything."""
    from papertui.export import paper_record, to_json, to_markdown
    from papertui.fsutil import atomic_write

    lib = _open(args, write=False)
    if args.all and args.query:
        raise CliError("export: give a query or --all, not both", code=2)
    if args.all:
        ids = lib.sorted_ids("date")
        title = "All papers"
    elif args.query:
        ids = _select(lib, "all", _query(args.query), "date")
        title = f"Papers matching {args.query}"
    else:
        ids = lib.queue()
        title = "Reading queue"
    if args.format == "json":
        text = to_json([paper_record(lib.paper(p), lib.state(p), lib.abstract(p)) for p in ids])
    else:
        text = to_markdown(
            [(lib.paper(p), lib.state(p)) for p in ids],
            title=title,
            today=date.today(),
            group_by=args.group_by,
        )
    if args.output and args.output != "-":
        target = Path(args.output).expanduser()
        if not target.parent.is_dir():
            raise CliError(f"cannot write {target}: no folder {target.parent}")
        try:
            atomic_write(target, text.encode("utf-8"))
        except OSError as exc:
            raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
        _console(stderr=True).print(f"Wrote {len(ids)} papers to {target}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Counts: total, unread, queued, read, by tag; the oldest queued paper."""
    lib = _open(args, write=False)
    counts = lib.counts()
    unread = counts["all"] - counts["read"]
    queue = lib.queue()
    oldest = None
    if queue:
        oldest = min(queue, key=lambda p: lib.state(p).changed.get("starred", "~"))
    if args.json:
        out = {
            "total": counts["all"],
            "unread": unread,
            "inbox": counts["inbox"],
            "queued": counts["queue"],
            "read": counts["read"],
            "tags": dict(sorted(lib.tags().items())),
            "oldest_queued": None
            if oldest is None
            else {
                "id": oldest,
                "title": lib.title(oldest),
                "queued_at": lib.state(oldest).changed.get("starred"),
            },
        }
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        return 0
    from rich.text import Text

    console = _console()
    console.print(f"Library   {lib.root}")
    console.print(f"Papers    {counts['all']}")
    console.print(f"Unread    {unread}   (inbox: {counts['inbox']}, not queued)")
    console.print(f"Queued    {counts['queue']}")
    console.print(f"Read      {counts['read']}")
    tags = lib.tags()
    if tags:
        console.print("Tags")
        for tag, n in sorted(tags.items(), key=lambda kv: (-kv[1], kv[0])):
            console.print(Text(f"  #{tag}  {n}"))
    if oldest is not None:
        since = (lib.state(oldest).changed.get("starred") or "")[:10]
        line = Text("Oldest in queue: ")
        line.append(lib.title(oldest), style="bold")
        line.append(f"  (id {lib.short_id(oldest)}, queued {since or 'earlier'})")
        console.print(line)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """List the triage-state backups, or restore one."""
    from papertui.store import Store

    root = _root(args)
    store = Store(root, readonly=args.which is None)
    try:
        backups = store.list_backups()
        console = _console()
        if args.which is None:
            if not backups:
                console.print(f"No backups yet in {store.backups_dir}")
                return 0
            console.print("Backups of the triage state (newest first):")
            for n, b in enumerate(backups, 1):
                why = ", the state before a restore" if b.kind == "restore" else ""
                console.print(
                    f"  {n}. {b.name}  taken {b.taken_at:%Y-%m-%d %H:%M:%S} UTC, "
                    f"{b.entries} papers with state{why}"
                )
            console.print("Restore one with: papertui restore N (or NAME, or 'latest')")
            return 0
        which = args.which
        chosen = None
        if which == "latest" and backups:
            chosen = backups[0]
        elif which.isdigit() and 1 <= int(which) <= len(backups):
            chosen = backups[int(which) - 1]
        else:
            chosen = next((b for b in backups if b.name == which), None)
        if chosen is None:
            raise CliError(f"no backup '{which}' (run 'papertui restore' to list them)")
        replayed = store.restore_backup(chosen)
        extra = f", then {replayed} later changes from the journal" if replayed else ""
        _say(f"Restored {chosen.name} ({chosen.entries} papers with state{extra})")
        return 0
    finally:
        store.close()


def cmd_index(args: argparse.Namespace) -> int:
    """Build the word index that makes searching a big library fast."""
    import time

    lib = _open(args, write=False)
    progress = None
    if args.background:
        # Run by the app: lower priority, and progress as "done/total" lines to its worker.
        with contextlib.suppress(AttributeError, OSError):
            os.nice(10)

        def progress(done: int, total: int) -> None:
            sys.stdout.write(f"{done}/{total}\n")
            sys.stdout.flush()

    try:
        started = time.perf_counter()
        index = lib.build_search_index(progress)
        took = time.perf_counter() - started
    finally:
        lib.close()
    if not args.quiet and not args.background:
        _say(
            f"Indexed {len(index):,} papers ({index.words:,} distinct words) "
            f"in {took:.1f} s: {lib.index_path}"
        )
    return 0


# -- parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to generate the README's command list)."""
    from papertui.library import SORTS

    parser = _Parser(
        prog="papertui",
        description="Triage Hugging Face Daily Papers from the terminal. "
        "With no command, opens the app on your library.",
    )
    parser.add_argument("--version", action="version", version=f"papertui {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="library folder (default: $PAPERTUI_DATA_DIR, else the user data dir)",
    )
    parser.set_defaults(func=cmd_open)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p

    add("demo", cmd_demo, "open a throwaway library preloaded with the sample pages")

    p = add(
        "import", cmd_import, "import saved Daily Papers pages (files, folders, or - for stdin)"
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--year", type=_year, help="year of pages whose dates show none")
    p.add_argument(
        "--force", action="store_true", help="import text even if it does not look like a page"
    )

    p = add("list", cmd_list, "list papers matching a query (all papers without one)")
    p.add_argument("query", nargs="?", metavar="QUERY")
    p.add_argument("--sort", choices=SORTS, default="date")
    p.add_argument("--json", action="store_true", help="print a JSON array of papers")

    p = add("show", cmd_show, "show one paper in full")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true")

    for name, func, text in (
        ("star", cmd_star, "add papers to the reading queue"),
        ("unstar", cmd_unstar, "remove papers from the reading queue"),
        ("read", cmd_read, "mark papers read"),
        ("unread", cmd_unread, "mark papers unread"),
    ):
        p = add(name, func, text)
        p.add_argument("ids", nargs="+", metavar="ID")

    p = add("tag", cmd_tag, "add (+name) and remove (-name) tags: tag ID... +name -name")
    p.add_argument("words", nargs=argparse.REMAINDER, metavar="ID|+TAG|-TAG")

    p = add("note", cmd_note, "set a paper's note (empty text removes it; - reads stdin)")
    p.add_argument("id", metavar="ID")
    p.add_argument("text", metavar="TEXT")

    p = add("export", cmd_export, "export the reading queue (or a query, or --all)")
    p.add_argument("query", nargs="?", metavar="QUERY")
    p.add_argument("--all", action="store_true", help="export every paper")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("--group-by", choices=("tag",), default=None)
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically)")

    p = add("stats", cmd_stats, "counts: total, unread, queued, read, by tag")
    p.add_argument("--json", action="store_true")

    p = add(
        "index",
        cmd_index,
        "build the search index (the app does it by itself for big libraries)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing when it worked")
    p.add_argument("--background", action="store_true", help=argparse.SUPPRESS)

    p = add("restore", cmd_restore, "list triage-state backups, or restore one")
    p.add_argument("which", nargs="?", metavar="N|NAME|latest")
    return parser


def _year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a year: '{text}'") from None
    if not 1900 <= year <= 2200:
        raise argparse.ArgumentTypeError(f"not a plausible year: '{text}'")
    return year


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments: -"):
            # `papertui list -diffusion`: the query language's "not" reads as an option.
            message += " (a query that starts with '-' goes after '--': list -- -word)"
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from papertui.library import LibraryError
    from papertui.store import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        _fail(str(exc))
        return exc.code
    except (LibraryError, StoreError) as exc:
        _fail(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `papertui list | head`: not an error. Silence the flush at exit too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        _fail(f"{getattr(exc, 'filename', None) or 'error'}: {exc.strerror or exc}")
        return 1


def _fail(message: str) -> None:
    sys.stderr.write(f"papertui: error: {message}\n")


def _say(line: str, *, err: bool = False) -> None:
    """One plain line (no wrapping, no markup) to stdout or stderr."""
    stream = sys.stderr if err else sys.stdout
    stream.write(line + "\n")
    stream.flush()
