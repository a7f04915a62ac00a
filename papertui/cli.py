"""The ``papertui`` command line: bare ``papertui`` opens the app, subcommands script the rest.

Every error is one line on standard error and a non-zero exit status, never a traceback.
The TUI (and so Textual) is imported only by the commands that open it, so that
``papertui export`` and friends start fast.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from papertui import __version__
from papertui.models import papers_count
from papertui.paths import resolve_data_dir

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text
    from textual.app import App

    from papertui.library import Library, Sort
    from papertui.paperlink import PaperLinkSite
    from papertui.query import Query
    from papertui.store import Backup

__all__ = ["main"]


class CliError(Exception):
    """A user error: printed as ``papertui: error: MESSAGE``, exit status 1 (or ``code``)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _console(stderr: bool = False) -> Console:
    """A console for plain text (markup, highlighting and emoji codes off: text from pages
    is data and is printed as it is). Into a pipe or a file it never wraps: each line goes
    out whole, without trailing spaces, so that ``head``, ``grep`` and ``cut`` work."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    piped = not stream.isatty()
    return Console(stderr=stderr, markup=False, highlight=False, emoji=False, soft_wrap=piped)


# -- opening the library ----------------------------------------------------------------


def _root(args: argparse.Namespace) -> Path:
    return resolve_data_dir(args.data_dir)


def _open(args: argparse.Namespace, *, write: bool) -> Library:
    from papertui.library import Library

    root = _root(args)
    files = ("papers.json", "state.json", "state.journal")
    if not write and not any((root / name).exists() for name in files):
        raise CliError(f"no library at {root} yet; import pages first: papertui import PATH...")
    lib = Library.open(root, readonly=not write)
    if write and lib.readonly_reason:
        lib.close()
        raise CliError(f"cannot change the library: {lib.readonly_reason}")
    for warning in lib.warnings:
        _say(f"papertui: warning: {warning}", err=True)
    return lib


def _query_text(args: argparse.Namespace) -> str:
    """The query of a command declared with :func:`add_query_argument`: its words joined."""
    return " ".join(args.query)


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


def _site() -> PaperLinkSite:
    """How paper links are made, from the config file (a broken file: one warning line on
    stderr, and the defaults)."""
    from papertui.config import load_config

    config = load_config()
    if config.problem:
        _say(f"papertui: warning: {config.problem}", err=True)
    return config.paper_link


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
    # The app's worker threads (reading abstracts, attaching the index) hold the GIL for
    # up to the switch interval each time the event loop gives it up, and a keypress's save
    # gives it up at every system call (lock, read, append, fsync): at Python's 5 ms that
    # queued a save behind the workers for tens of milliseconds in the first seconds.
    sys.setswitchinterval(0.001)
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
    from papertui.featuresjob import FeaturesJobFailed
    from papertui.importer import FileOutcome, ImportRun, import_paths, index_after_import

    lib = _open(args, write=True)
    run: ImportRun | None = None
    try:

        def progress(_n: int, _total: int, outcome: FileOutcome) -> None:
            if args.json:
                return
            if not outcome.ok:
                # Only the error: the parser's remarks are about a file that was not imported.
                _fail(f"{outcome.error}{FORCE_HINT if outcome.not_a_page else ''}")
                return
            _say(outcome.describe())
            if outcome.result is not None:
                for notice in outcome.result.notices:
                    _say(f"papertui: note: {outcome.name}: {notice}", err=True)
                for problem in outcome.result.problems:
                    _say(f"papertui: warning: {problem}", err=True)

        run = import_paths(
            lib, args.paths, year=args.year, force=args.force, progress=progress, prepare_index=True
        )
        if args.json:
            r = run.report
            totals = {"papers": r.total, "new": r.new, "updated": r.updated}
            totals |= {"unchanged": r.unchanged, "failed_files": len(run.failed)}
            out = {"files": [f.to_record() for f in run.files], "totals": totals}
            sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        else:
            _say(run.report.summary())
        if run.report.new and not args.json:
            stamp = lib.paper(run.report.new_ids[0]).added_at
            # On stderr, with the per-file notes: the summary stays stdout's last line.
            added = papers_count(run.report.new)
            _say(
                f"papertui: note: to undo this import: papertui remove --query 'added:{stamp}' "
                f"(removes the {added} it added)",
                err=True,
            )
        try:
            index_after_import(lib, run.report, run.features)
        except FeaturesJobFailed as exc:  # the word index is written; the app makes these
            _say(f"papertui: warning: {exc}; the app makes them when it needs them", err=True)
        except OSError as exc:  # a cache: the import itself is done
            _say(
                f"papertui: warning: the search index was not written ({exc.strerror or exc}); "
                "the app builds it when it opens",
                err=True,
            )
        return 1 if run.failed else 0
    finally:
        if run is not None:
            run.close()  # the features helper, if the index build did not run
        lib.close()


FORCE_HINT = "; if it is one, import it anyway with --force"
"""Added to a file refused as not a page: how the command line imports it anyway."""


def cmd_list(args: argparse.Namespace) -> int:
    """List papers matching a query."""
    from papertui.export import paper_record, to_json

    lib = _open(args, write=False)
    query = _query(_query_text(args))
    if args.sort == "queue":  # queued papers in queue order, then the others by date
        sel = _select(lib, "all", query, "date")
        position = {pid: n for n, pid in enumerate(lib.queue())}
        sel.sort(key=lambda pid: position.get(pid, len(position)))
    else:
        sel = _select(lib, "all", query, args.sort)
    if args.json:
        site = _site()
        sys.stdout.write(
            to_json(
                [paper_record(lib.paper(p), lib.state(p), lib.abstract(p), site=site) for p in sel]
            )
        )
        return 0
    from papertui.safetext import display_line

    if not sys.stdout.isatty():
        from papertui.render import state_glyphs

        # For scripts: one tab-separated line per paper (id, state, date, upvotes, title,
        # tags), and the count on stderr.
        for pid in sel:
            p, s = lib.paper(pid), lib.state(pid)
            fields = (
                lib.short_id(pid),
                state_glyphs(s).replace(" ", "-"),
                p.published.isoformat() if p.published else "",
                "" if p.upvotes is None else str(p.upvotes),
                display_line(p.title),
                " ".join(f"#{display_line(t)}" for t in s.tags),
            )
            sys.stdout.write("\t".join(fields) + "\n")
        _say(f"{len(sel)} of {len(lib)} papers", err=True)
        return 0
    from rich.text import Text

    console = _console()
    console.print(_list_table(lib, sel, console))
    console.print(Text(f"{len(sel)} of {len(lib)} papers", style="dim"))
    return 0


TITLE_LINES = 2
"""At most this many lines per title in ``list``'s table (the rest ends in an ellipsis)."""


def _list_table(lib: Library, ids: Sequence[str], console: Console) -> RenderableType:
    """``list``'s table, fitting ``console.width``: the title column takes what the others
    leave (tags get at most a fifth of the width) and each title at most two lines."""
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from papertui.render import state_glyphs
    from papertui.safetext import display_line

    rows = []
    for pid in ids:
        p, s = lib.paper(pid), lib.state(pid)
        rows.append(
            (
                lib.short_id(pid),
                state_glyphs(s) + ("⌨" if p.has_code else " "),
                display_line(p.title),
                p.published.isoformat() if p.published else "",
                "" if p.upvotes is None else str(p.upvotes),
                " ".join(f"#{display_line(t)}" for t in s.tags),
            )
        )
    headers = ("id", "", "title", "date", "▲", "tags")
    natural = [max([cell_len(h), *(cell_len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    gaps = 2 * (len(headers) - 1)  # box-less table: one space of padding either side
    available = console.width - sum(natural[i] for i in (0, 1, 3, 4)) - gaps
    tags_width = min(natural[5], max(10, console.width // 5))
    if available - tags_width < 20:  # a narrow terminal: the title comes first
        tags_width = min(tags_width, max(4, available - 20))
    title_width = max(10, min(natural[2], available - tags_width))

    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("title", width=title_width)
    table.add_column("date", no_wrap=True)
    table.add_column("▲", justify="right", no_wrap=True)
    table.add_column("tags", width=tags_width, overflow="fold")
    for short, glyphs, title, published, upvotes, tags in rows:
        table.add_row(
            Text(short),
            Text(glyphs),
            _at_most_lines(title, title_width, TITLE_LINES, console),
            Text(published),
            Text(upvotes),
            Text(tags, style="magenta"),
        )
    return table


def _at_most_lines(text: str, width: int, lines: int, console: Console) -> Text:
    """``text`` word-wrapped to ``width``, cut after ``lines`` lines with an ellipsis."""
    from rich.text import Text

    wrapped = Text(text).wrap(console, width)
    if len(wrapped) <= lines:
        return Text(text)
    kept = [line.plain.rstrip() for line in wrapped[: lines - 1]]
    last = Text(text[sum(len(line.plain) for line in wrapped[: lines - 1]) :].lstrip())
    last.truncate(width, overflow="ellipsis")
    return Text("\n".join([*kept, last.plain]))


def _select(lib: Library, view: str, query: Query, sort: Sort) -> list[str]:
    if query.needs_text:
        lib.load_abstracts()
    return list(lib.select(view, query, sort).ids)


def cmd_show(args: argparse.Namespace) -> int:
    """Show one paper in full."""
    from papertui.render import paper_detail

    lib = _open(args, write=False)
    (pid,) = _ids(lib, [args.id])
    if args.json:
        from papertui.export import json_text, paper_record

        record = paper_record(lib.paper(pid), lib.state(pid), lib.abstract(pid), site=_site())
        sys.stdout.write(json_text(record))
        return 0
    paper = lib.paper(pid)
    _console().print(
        paper_detail(
            paper,
            lib.state(pid),
            lib.abstract(pid),
            short_id=pid,
            paper_url=_site().paper_url(paper),
        )
    )
    from papertui.ranking import MIN_POSITIVES

    if lib.positives() >= MIN_POSITIVES:  # the Inbox is in relevance order: say why
        why = lib.why(pid)
        _say("Why (relevance): " + (", ".join(why) if why else "nothing in common yet"))
    return 0


def cmd_open_link(args: argparse.Namespace) -> int:
    """Open a paper's paper link (or ``--code``/``--project`` link) in the browser, through
    :mod:`webbrowser` (so ``$BROWSER`` is honoured); ``--print`` prints it instead."""
    from papertui.links import is_safe_url

    lib = _open(args, write=False)
    (pid,) = _ids(lib, [args.id])
    paper = lib.paper(pid)
    kind = args.kind or "paper"
    if kind == "paper":
        urls: tuple[str, ...] = (_site().paper_url(paper),)
    else:
        urls = paper.code_urls if kind == "code" else paper.project_urls
        if not urls:
            raise CliError(f"paper {lib.short_id(pid)} has no {kind} link (try --paper)")
    safe = [u for u in urls if is_safe_url(u)]
    if not safe:
        raise CliError(f"not opening the {kind} link: only http and https links are opened")
    url = safe[0]
    if args.print:
        _say(url)
        return 0
    import webbrowser

    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:
        raise CliError(f"no browser could be started (set $BROWSER); the link: {url}")
    _say(f"Opening {url}", err=True)
    return 0


def cmd_similar(args: argparse.Namespace) -> int:
    """The papers most like one paper."""
    from papertui.export import paper_record, to_json

    lib = _open(args, write=False)
    (pid,) = _ids(lib, [args.id])
    if args.n < 1:
        raise CliError(f"-n must be at least 1 (got {args.n})", code=2)
    hits = lib.similar(pid, args.n)
    if args.json:
        records = [
            {**paper_record(lib.paper(p), lib.state(p), lib.abstract(p)), "similarity": score}
            for p, score in hits
        ]
        sys.stdout.write(to_json(records))
        return 0
    for p, score in hits:
        _say(f"{lib.short_id(p)}\t{score:.3f}\t{lib.title(p)}")
    _say(f"{len(hits)} papers like {lib.short_id(pid)} {lib.title(pid)}", err=True)
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


def cmd_dismiss(args: argparse.Namespace) -> int:
    """Dismiss papers (not interested; a queued paper leaves the queue)."""
    return _triage(args, lambda lib, ids: lib.set_dismissed(ids, True))


def cmd_undismiss(args: argparse.Namespace) -> int:
    """Take dismissals back."""
    return _triage(args, lambda lib, ids: lib.set_dismissed(ids, False))


def cmd_remove(args: argparse.Namespace) -> int:
    """Delete papers (by id, or every match of ``--query``) after saying how many."""
    if bool(args.ids) == (args.query is not None):
        raise CliError("remove: give paper ids or --query QUERY (one of them)", code=2)
    lib = _open(args, write=True)
    try:
        if args.query is not None:
            query = _query(args.query)
            if query.is_empty:
                raise CliError("remove: the query is empty (it would match every paper)", code=2)
            ids = _select(lib, "all", query, "date")
        else:
            ids = list(dict.fromkeys(_ids(lib, args.ids)))
        if not ids:
            _say("No papers to remove")
            return 0
        for pid in ids[:10]:
            _say(f"  {lib.short_id(pid)}  {lib.title(pid)}")
        if len(ids) > 10:
            _say(f"  … and {len(ids) - 10} more")
        if not args.yes:
            if not sys.stdin.isatty():
                raise CliError(
                    f"remove: would remove {papers_count(len(ids))}; add --yes to confirm"
                )
            sys.stdout.write(f"Remove {papers_count(len(ids))} from {lib.root}? [y/N] ")
            sys.stdout.flush()
            if sys.stdin.readline().strip().lower() not in ("y", "yes"):
                _say("Nothing removed")
                return 1
        removed = lib.remove(ids)
        _say(
            f"Removed {papers_count(removed)}; their triage state is in the backup taken first "
            "('papertui restore' brings it back; importing their pages again brings them back)"
        )
        return 0
    finally:
        lib.close()


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
    """Set (or with an empty TEXT, remove) a paper's note; ``-`` reads it from stdin; with
    no TEXT, the note opens in ``$VISUAL``/``$EDITOR``."""
    if args.text is None:
        from papertui.editor import EditorError, edit_text

        # Read, edit, then write: the library is not held while the editor is open.
        lib = _open(args, write=False)
        try:
            (pid,) = _ids(lib, [args.id])
            current = lib.state(pid).note
        finally:
            lib.close()
        try:
            text = edit_text(current, name=pid[:7])
        except EditorError as exc:
            raise CliError(str(exc)) from None
        if text.rstrip() == current.rstrip():
            _say("Note unchanged")
            return 0
        args.id = pid
    else:
        text = args.text
        if text == "-":
            from papertui.importer import read_stdin

            data = read_stdin()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CliError(
                    f"note: standard input is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                    f"at offset {exc.start}); the note was not changed"
                ) from None
    args.ids = [args.id]
    return _triage(args, lambda lib, ids: lib.set_note(ids[0], text))


def cmd_export(args: argparse.Namespace) -> int:
    """Export the queue (default), a query's results, or everything."""
    from papertui.export import paper_record, to_json, to_markdown
    from papertui.fsutil import write_output

    lib = _open(args, write=False)
    query_text = _query_text(args)
    if args.all and query_text:
        raise CliError("export: give a query or --all, not both", code=2)
    if args.all:
        ids = lib.sorted_ids(args.sort or "date")
        title = "All papers"
    elif query_text:
        ids = _select(lib, "all", _query(query_text), args.sort or "date")
        title = f"Papers matching {query_text}"
    else:
        ids = lib.queue()
        if args.sort:
            queued = set(ids)
            ids = [p for p in lib.sorted_ids(args.sort) if p in queued]
        title = "Reading queue"
    if args.group_by and args.format != "markdown":
        raise CliError("export: --group-by applies to --format markdown only", code=2)
    site = _site()
    if args.format == "json":
        text = to_json(
            [paper_record(lib.paper(p), lib.state(p), lib.abstract(p), site=site) for p in ids]
        )
    elif args.format == "csv":
        from papertui.csvexport import to_csv

        text = to_csv(
            [paper_record(lib.paper(p), lib.state(p), lib.abstract(p), site=site) for p in ids]
        )
    elif args.format == "bibtex":
        from papertui.bibtex import to_bibtex

        text = to_bibtex([(lib.paper(p), lib.state(p)) for p in ids])
    else:
        text = to_markdown(
            [(lib.paper(p), lib.state(p)) for p in ids],
            title=title,
            today=date.today(),
            group_by=args.group_by,
            site=site,
        )
    if args.output and args.output != "-":
        target = Path(args.output).expanduser()
        if not Path(os.path.realpath(target)).parent.is_dir():
            raise CliError(f"cannot write {target}: no folder {target.parent}")
        try:
            write_output(target, text.encode("utf-8"))
        except OSError as exc:
            raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
        _say(f"Wrote {len(ids)} papers to {target}", err=True)
    else:
        sys.stdout.write(text)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Counts: total, unread, queued, read, by tag; the oldest queued paper."""
    lib = _open(args, write=False)
    counts = lib.counts()
    missing = lib.missing()  # papers with state the corpus lacks: listed, not counted
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
            "dismissed": counts["dismissed"],
            "new": counts["new"],
            "tags": dict(sorted(lib.tags().items())),
            "oldest_queued": None
            if oldest is None
            else {
                "id": oldest,
                "title": lib.title(oldest),
                "queued_at": lib.state(oldest).changed.get("starred"),
            },
            "not_in_library": missing,
        }
        from papertui.export import json_text

        sys.stdout.write(json_text(out))
        return 0
    from rich.text import Text

    from papertui.safetext import display_line

    console = _console()
    console.print(f"Library   {lib.root}")
    console.print(f"Papers    {counts['all']}")
    console.print(f"Unread    {unread}   (inbox: {counts['inbox']}, not queued or dismissed)")
    console.print(f"Queued    {counts['queue']}")
    console.print(f"Read      {counts['read']}")
    console.print(f"Dismissed {counts['dismissed']}")
    console.print(f"New       {counts['new']}   (added by the latest import)")
    tags = lib.tags()
    if tags:
        console.print("Tags")
        for tag, n in sorted(tags.items(), key=lambda kv: (-kv[1], kv[0])):
            console.print(Text(f"  #{display_line(tag)}  {n}"))
    if missing:
        shown = " ".join(lib.short_id(p) for p in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        console.print(
            Text(
                f"Not in the library: {len(missing)} papers with stars, read marks, tags or "
                f"notes kept ({shown}{more}); import their pages again to bring them back"
            )
        )
    if oldest is not None:
        since = (lib.state(oldest).changed.get("starred") or "")[:10]
        line = Text("Oldest in queue: ")
        line.append(display_line(lib.title(oldest)), style="bold")
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
        if args.which is None:
            _print_backups(backups, store.backups_dir, as_json=args.json)
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
        if args.json:
            out = {"restored": chosen.name, "entries": chosen.entries, "replayed": replayed}
            sys.stdout.write(json.dumps(out, indent=2) + "\n")
            return 0
        extra = f", then {replayed} later changes from the journal" if replayed else ""
        _say(f"Restored {chosen.name} ({_papers_with_state(chosen.entries)}{extra})")
        return 0
    finally:
        store.close()


def _papers_with_state(n: int) -> str:
    return f"{n} paper{'' if n == 1 else 's'} with state"


def _print_backups(backups: Sequence[Backup], folder: Path, *, as_json: bool) -> None:
    """``restore``'s list of backups, numbered newest first (or a JSON array of them;
    ``kind`` is ``backup``, or ``restore`` for the state a restore replaced)."""
    if as_json:
        records = [
            {
                "n": n,
                "name": b.name,
                "taken_at": b.taken_at.isoformat(),
                "entries": b.entries,
                "kind": b.kind or "backup",
            }
            for n, b in enumerate(backups, 1)
        ]
        sys.stdout.write(json.dumps(records, indent=2) + "\n")
        return
    if not backups:
        _say(f"No backups yet in {folder}")
        return
    _say("Backups of the triage state (newest first):")
    for n, b in enumerate(backups, 1):
        taken = f"{b.taken_at:%Y-%m-%d %H:%M:%S} UTC"
        why = ", the state before a restore" if b.kind == "restore" else ""
        _say(f"  {n}. {b.name}  taken {taken}, {_papers_with_state(b.entries)}{why}")
    _say("Restore one with: papertui restore N (or NAME, or 'latest')")


def cmd_completion(args: argparse.Namespace) -> int:
    """Print the shell completion script."""
    from papertui.completion import script

    sys.stdout.write(script(args.shell))
    return 0


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

    from papertui.featuresjob import FeaturesJobFailed
    from papertui.importer import collector_paused

    try:
        started = time.perf_counter()
        try:
            # by hand, the ranking features on the other core; run by the app (at low
            # priority, beside it), one process is enough
            with collector_paused():
                index = lib.words.build(progress, parallel=not args.background)
        except FeaturesJobFailed as exc:  # the word index is written
            _say(f"papertui: warning: {exc}; the app makes them when it needs them", err=True)
            return 0
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


def _open_parser() -> argparse.ArgumentParser:
    """The parser of a bare ``papertui`` (no words: the app on the library)."""
    parser = _Parser(prog="papertui")
    add_global_options(parser)
    parser.set_defaults(func=cmd_open)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to generate the README's command list)."""
    from papertui.library import SORTS

    parser = _Parser(
        prog="papertui",
        description="Triage Hugging Face Daily Papers from the terminal. "
        "With no command, opens the app on your library.",
    )
    parser.add_argument("--version", action="version", version=f"papertui {__version__}")
    add_global_options(parser)
    parser.set_defaults(func=cmd_open)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        add_global_options(p, after_command=True)
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
    p.add_argument(
        "--json", action="store_true", help="print each file's outcome and the totals as JSON"
    )

    p = add("list", cmd_list, "list papers matching a query (all papers without one)")
    add_query_argument(p)
    p.add_argument("--sort", choices=(*SORTS, "queue"), default="date")
    p.add_argument("--json", action="store_true", help="print a JSON array of papers")

    p = add("show", cmd_show, "show one paper in full")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true")

    p = add("open", cmd_open_link, "open a paper's paper (or code, project) link in the browser")
    p.add_argument("id", metavar="ID")
    which = p.add_mutually_exclusive_group()
    for kind in ("paper", "code", "project"):
        which.add_argument(
            f"--{kind}",
            dest="kind",
            action="store_const",
            const=kind,
            help=f"the {kind} link" + (" (the default)" if kind == "paper" else ""),
        )
    p.add_argument("--print", action="store_true", help="print the link instead of opening it")
    p = add("similar", cmd_similar, "the papers most like one paper, most alike first")
    p.add_argument("id", metavar="ID")
    p.add_argument("-n", type=int, default=10, metavar="N", help="how many (default 10)")
    p.add_argument("--json", action="store_true", help="a JSON array, with a similarity each")

    for name, func, text in (
        ("star", cmd_star, "add papers to the reading queue"),
        ("unstar", cmd_unstar, "remove papers from the reading queue"),
        ("read", cmd_read, "mark papers read"),
        ("unread", cmd_unread, "mark papers unread"),
        ("dismiss", cmd_dismiss, "dismiss papers: not interested (out of the inbox and queue)"),
        ("undismiss", cmd_undismiss, "take dismissals back"),
    ):
        p = add(name, func, text)
        p.add_argument("ids", nargs="+", metavar="ID")

    p = add("tag", cmd_tag, "add (+name) and remove (-name) tags: tag ID... +name -name")
    p.add_argument("words", nargs="*", metavar="ID|+TAG|-TAG")

    p = add(
        "note",
        cmd_note,
        "set a paper's note (empty text removes it; - reads stdin; no text: $EDITOR)",
    )
    p.add_argument("id", metavar="ID")
    p.add_argument("text", metavar="TEXT", nargs="?")

    p = add("remove", cmd_remove, "delete papers from the library (asks first unless --yes)")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--query", metavar="QUERY", help="remove every paper matching QUERY")
    p.add_argument("--yes", action="store_true", help="do not ask")

    p = add("export", cmd_export, "export the reading queue (or a query, or --all)")
    add_query_argument(p)
    p.add_argument("--all", action="store_true", help="export every paper")
    p.add_argument("--format", choices=EXPORT_FORMATS, default="markdown")
    p.add_argument("--group-by", choices=("tag",), default=None)
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE (a file atomically; a pipe or device straight; - for stdout)",
    )
    p.add_argument(
        "--sort", choices=SORTS, default=None, help="order (default: queue order, else date)"
    )

    p = add("stats", cmd_stats, "counts: total, unread, queued, read, by tag")
    p.add_argument("--json", action="store_true")

    p = add(
        "index",
        cmd_index,
        "build the search index (the app does it by itself for big libraries)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing when it worked")
    p.add_argument("--background", action="store_true", help=argparse.SUPPRESS)

    from papertui.completion import SHELLS

    p = add(
        "completion",
        cmd_completion,
        'print the shell completion script: eval "$(papertui completion bash)"',
    )
    p.add_argument("shell", choices=SHELLS, metavar="|".join(SHELLS))

    p = add("restore", cmd_restore, "list triage-state backups, or restore one")
    p.add_argument("which", nargs="?", metavar="N|NAME|latest")
    p.add_argument("--json", action="store_true", help="print the list (or what was restored)")
    return parser


EXPORT_FORMATS = ("markdown", "json", "bibtex", "csv")
"""``export --format`` values."""


def add_global_options(parser: argparse.ArgumentParser, *, after_command: bool = False) -> None:
    """The options every command accepts, before or after its name (``--data-dir``).

    On a subcommand (``after_command``) they default to "not given", so that a value given
    before the command name is kept.
    """
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS if after_command else None,
        help="library folder (default: $PAPERTUI_DATA_DIR, else the user data dir)",
    )


def add_query_argument(parser: argparse.ArgumentParser) -> None:
    """Declare a command's query: every remaining word (``list diffusion has:code``), words
    starting with ``-`` included (``list -tag:survey``, see :mod:`papertui.argv`). The command
    reads it with :func:`_query_text`."""
    parser.add_argument(
        "query",
        nargs="*",
        metavar="QUERY",
        help="search words and filters (see the README's query language); no quotes needed "
        "except around shell characters such as > < ( ) and phrases",
    )


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
        takes_query = any(a.dest == "query" for a in self._actions)
        if takes_query and message.startswith("argument -") and message[10:11] != "-":
            # `papertui export -o`: a query word that is also an option of the command.
            message += f" (a query that starts with '-' goes after '--': {self.prog} -- -word)"
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from papertui.argv import AmbiguousWord, arrange
    from papertui.library import LibraryError
    from papertui.store import StoreError

    argv_given = argv
    argv = sys.argv[1:] if argv is None else list(argv)
    # A bare `papertui` opens the app: every command's parser is not needed for that
    # (building them is ~10 ms of the app's first paint).
    parser = build_parser() if argv else _open_parser()
    if argv[:1] == ["__complete"]:  # asked by the completion scripts: words, not options
        from papertui.completion import complete_request

        sys.stdout.write(complete_request(parser, ([*argv, ""])[1], argv[2:]))
        return 0
    try:
        words = arrange(parser, argv)
    except AmbiguousWord as exc:
        parser.exit(2, f"{exc.prog}: error: {exc}\n")
    args = parser.parse_args(words)
    try:
        _check_text_args(args)
        status = int(args.func(args))
        if argv_given is None:
            # The process ends next: the interpreter's last garbage collection would walk
            # every object the command made (1 s after an import of 100k papers), to free
            # what the exit frees anyway.
            gc.freeze()
        return status
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


_TEXT_ARGS = (
    ("id", "id"),
    ("ids", "id"),
    ("words", "argument"),
    ("text", "note"),
    ("query", "query"),
    ("which", "backup"),
)
"""The arguments that are text (stored, searched or shown), not file names: they must be
UTF-8. (A file name need not be: file systems take any bytes.)"""


def _check_text_args(args: argparse.Namespace) -> None:
    """Refuse, in one line, a text argument whose bytes are not UTF-8 (Python hands them
    over as lone surrogates, which cannot be stored, and print as raw bytes)."""
    for attr, what in _TEXT_ARGS:
        value = getattr(args, attr, None)
        for text in [value] if isinstance(value, str) else value or ():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                try:
                    shown = text.encode("utf-8", "surrogateescape").decode(
                        "utf-8", "backslashreplace"
                    )
                except UnicodeEncodeError:
                    shown = text.encode("utf-8", "replace").decode("utf-8")
                raise CliError(f"{what} '{shown}' is not UTF-8 text", code=2) from None


def _fail(message: str) -> None:
    sys.stderr.write(f"papertui: error: {message}\n")


def _say(line: str, *, err: bool = False) -> None:
    """One plain line (no wrapping, no markup) to stdout or stderr."""
    stream = sys.stderr if err else sys.stdout
    stream.write(line + "\n")
    stream.flush()
