"""Importing page files into a library: shared by ``papertui import`` and the app's import.

Pure domain code (no Textual): it reads files with :mod:`papertui.parsing`, reports each
file's outcome, and stores everything that parsed in one library write.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from papertui.library import INDEX_MIN_PAPERS, ImportReport, Library
from papertui.merge import merged_texts
from papertui.models import ParsedPaper
from papertui.parsing import PageError, PageResult, display_name, parse_page_bytes, read_page

if TYPE_CHECKING:
    from papertui.featuresjob import FeaturesJob

__all__ = [
    "FileOutcome",
    "ImportRun",
    "expand_paths",
    "import_paths",
    "import_samples",
    "index_after_import",
    "read_stdin",
]

STDIN = "-"
"""The path that means standard input."""


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one input file."""

    name: str
    result: PageResult | None = None
    error: str | None = None
    """Why the file failed (one line naming it); None when it imported."""
    path: str = ""
    """The path it was read from (``-`` for standard input), to import it again."""
    not_a_page: bool = False
    """Refused only because the text does not look like a Daily Papers page: importing it
    anyway (``force``) would work. Each front end says how (:data:`NOT_A_PAGE` does not)."""

    @property
    def ok(self) -> bool:
        """Whether the file contributed papers."""
        return self.error is None

    @property
    def warnings(self) -> list[str]:
        """What the parser noticed in an imported file (``file:line: message``); nothing
        for a refused file, which was not imported."""
        if not self.ok or self.result is None:
            return []
        return [f"{self.name}: {n}" for n in self.result.notices] + [
            str(p) for p in self.result.problems
        ]

    def to_record(self) -> dict[str, object]:
        """The outcome as JSON (``papertui import --json``): ``file``, ``ok``, ``error``
        (str or null), ``layout``, ``page_date`` (``YYYY-MM-DD`` or null), ``year``,
        ``entries`` (papers read from it), ``warnings`` (list of str)."""
        r = self.result if self.ok else None
        return {
            "file": self.name,
            "ok": self.ok,
            "error": self.error,
            "layout": None if r is None else r.layout,
            "page_date": None if r is None or r.page_date is None else r.page_date.isoformat(),
            "year": None if r is None else r.year,
            "entries": 0 if r is None else len(r.papers),
            "warnings": self.warnings,
        }

    def describe(self) -> str:
        """One line for the user: ``name: 60 entries (metadata layout, page date ...)``."""
        if self.error is not None:
            return self.error
        r = self.result
        assert r is not None
        bits = [f"{r.layout} layout"]
        if r.page_date:
            bits.append(f"page date {r.page_date.isoformat()}")
        noun = "entry" if len(r.papers) == 1 else "entries"
        return f"{self.name}: {len(r.papers)} {noun} ({', '.join(bits)})"


@dataclass(frozen=True)
class ImportRun:
    """The outcome of one import: per file, then the library's counts."""

    files: list[FileOutcome] = field(default_factory=list)
    report: ImportReport = field(default_factory=ImportReport)
    features: FeaturesJob | None = None
    """The ranking features helper a big import into an empty library started before
    storing (``prepare_index``), for :func:`index_after_import`; :meth:`close` stops it
    if that was not called."""

    def close(self) -> None:
        """Stop the features helper if it still runs."""
        if self.features is not None:
            self.features.stop()

    @property
    def failed(self) -> list[FileOutcome]:
        """The files that did not import."""
        return [f for f in self.files if not f.ok]


def expand_paths(paths: Iterable[str]) -> tuple[list[str], list[FileOutcome]]:
    """Files to read, with folders expanded to their ``*.txt``; paths that cannot be used
    (missing, a broken link, a folder or file that cannot be looked into) are failures, one
    each, and never stop the others."""
    out: list[str] = []
    failures: list[FileOutcome] = []
    for raw in paths:
        if raw == STDIN:
            out.append(raw)
            continue
        p = Path(raw).expanduser()
        shown = display_name(raw)
        try:
            if p.is_dir():
                pages, failed = _folder_pages(p)
                failures.extend(failed)
                if not pages and not failed:
                    failures.append(
                        FileOutcome(shown, error=f"{shown}: no *.txt pages in this folder")
                    )
                out.extend(pages)
            elif p.exists():
                out.append(str(p))
            elif p.is_symlink():
                failures.append(FileOutcome(shown, error=f"{shown}: {BROKEN_LINK}"))
            else:
                failures.append(FileOutcome(shown, error=f"{shown}: no such file or folder"))
        except OSError as exc:
            failures.append(FileOutcome(shown, error=f"{shown}: {_cannot(exc)}"))
    return out, failures


BROKEN_LINK = "a broken link (what it points to does not exist)"


def _cannot(exc: OSError) -> str:
    """Why a path could not be looked at, as a short phrase."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot read ({exc.strerror or type(exc).__name__})"


def _folder_pages(folder: Path) -> tuple[list[str], list[FileOutcome]]:
    """The ``*.txt`` files of ``folder`` (sorted), and a failure for each entry that cannot
    be used: a broken link, or one that cannot be looked at. Sub-folders are left out. A
    folder that cannot be listed raises OSError."""
    pages: list[str] = []
    failures: list[FileOutcome] = []
    with os.scandir(folder) as entries:
        names = sorted(e.name for e in entries if e.name.endswith(".txt"))
    for name in names:
        q = folder / name
        shown = display_name(str(q))
        try:
            if q.is_file():
                pages.append(str(q))
            elif q.is_symlink() and not q.exists():
                failures.append(FileOutcome(shown, error=f"{shown}: {BROKEN_LINK}"))
        except OSError as exc:
            failures.append(FileOutcome(shown, error=f"{shown}: {_cannot(exc)}"))
    return pages, failures


NOT_A_PAGE = "does not look like a Daily Papers page (no page header, no paper metadata)"
"""Why text that is not a page is refused (the front end adds how to import it anyway)."""


def read_stdin() -> bytes:
    """Standard input as bytes, whatever they are: decoding them is the reader's job (a
    text read fails, or lets surrogates through, on bytes that are not UTF-8)."""
    stream = sys.stdin
    if stream is None:
        return b""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return bytes(buffer.read())
    return stream.read().encode("utf-8", "surrogateescape")  # a text stream (tests)


def _read_one(path: str, year: int | None, force: bool = False) -> FileOutcome:
    if path == STDIN:
        name = "<stdin>"
        try:
            result = parse_page_bytes(read_stdin(), file=name, year=year, latest=date.today())
        except PageError as exc:
            return FileOutcome(name, error=str(exc))
    else:
        name = display_name(path)
        try:
            result = read_page(Path(path), year=year)
        except PageError as exc:
            return FileOutcome(name, error=str(exc))
    if not result.papers:
        return FileOutcome(name, result, error=f"{name}: no papers found", path=path)
    if not result.recognised and not force:
        error = f"{name}: {NOT_A_PAGE}"
        return FileOutcome(name, result, error=error, path=path, not_a_page=True)
    return FileOutcome(name, result, path=path)


def import_paths(
    library: Library,
    paths: Sequence[str],
    *,
    year: int | None = None,
    force: bool = False,
    progress: Callable[[int, int, FileOutcome], None] | None = None,
    prepare_index: bool = False,
) -> ImportRun:
    """Read every path and store what parsed, in one write. Failed files change nothing.

    Text that does not look like a Daily Papers page is refused unless ``force``: any
    text file has lines that could pass for titles and abstracts.

    With ``prepare_index`` (:func:`index_after_import` follows), an import into an empty
    library big enough for a search index starts building the ranking features in a
    helper process as soon as the texts are known, while the papers are stored.
    """
    with collector_paused():
        return _import_paths(
            library, paths, year=year, force=force, progress=progress, prepare=prepare_index
        )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a bulk import, or building the word index of
    100k papers, allocates millions of objects and frees none of them, so the collector
    would only walk them (and the library's) again and again: ~0.5 s of an import at 100k
    papers, 3-4 s of the index build after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import_paths(
    library: Library,
    paths: Sequence[str],
    *,
    year: int | None,
    force: bool,
    progress: Callable[[int, int, FileOutcome], None] | None,
    prepare: bool,
) -> ImportRun:
    files, outcomes = expand_paths(paths)
    if progress is not None:
        for early in outcomes:
            progress(0, len(files), early)
    sizes = [_size(f) for f in files] if prepare else []
    job = _start_job() if prepare and _parse_share_wanted(library, files, sizes) else None
    try:
        entries = _read_all(files, sizes, year, force, progress, outcomes, job)
        big = prepare and not len(library) and len(entries) >= INDEX_MIN_PAPERS
        texts = merged_texts(entries) if big else {}
        wanted = len(texts) >= INDEX_MIN_PAPERS  # distinct papers
        if job is not None and (job.stopped or not wanted):
            job.stop()
            job = None
        if job is None and wanted:
            job = _start_job()
        if job is not None:
            _send_texts(library, job, texts)
        report = library.import_entries(entries) if entries else ImportReport()
    except BaseException:
        if job is not None:
            job.stop()
        raise
    return ImportRun(outcomes, report, job)


def read_files(paths: Sequence[str], year: int | None, force: bool) -> list[FileOutcome]:
    """Each file read and parsed (what the parse helper does with its share)."""
    return [_read_one(path, year, force) for path in paths]


def _read_all(
    files: Sequence[str],
    sizes: Sequence[int],
    year: int | None,
    force: bool,
    progress: Callable[[int, int, FileOutcome], None] | None,
    outcomes: list[FileOutcome],
    job: FeaturesJob | None,
) -> list[ParsedPaper]:
    """Every file's entries, in file order, each file's outcome added to ``outcomes``.

    With a helper ``job`` (see :func:`_parse_share_wanted`), it reads the last files (about
    :data:`HELPER_SHARE` of the bytes, ``sizes``) while this process reads the first ones:
    on two cores, parsing then takes this process ~65% of its time alone (reading what the
    helper sends back costs a fifth of parsing it). Should the helper fail, its files are
    read here.
    """
    mine, theirs = list(files), list[str]()
    if job is not None:
        mine, theirs = _split(files, sizes)
        job.parse(theirs, year, force)
    entries: list[ParsedPaper] = []

    def take(n: int, outcome: FileOutcome) -> None:
        outcomes.append(outcome)
        if outcome.ok and outcome.result is not None:
            entries.extend(outcome.result.papers)
        if progress is not None:
            progress(n, len(files), outcome)

    for n, path in enumerate(mine, 1):
        take(n, _read_one(path, year, force))
    helped = job.parsed() if job is not None and theirs else None
    if helped is None or len(helped) != len(theirs):
        helped = read_files(theirs, year, force)
        if job is not None:
            job.stop()  # it failed: a new one builds the features, if wanted
    for n, outcome in enumerate(helped, len(mine) + 1):
        take(n, outcome)
    return entries


HELPER_SHARE = 0.45
"""The share of an import's bytes the parse helper reads (it also sends them back)."""

HELPER_MIN_BYTES = 8 << 20
"""Pages of fewer bytes (about 5,000 papers: see :data:`INDEX_MIN_PAPERS`) are read in
this process alone: too few to be worth a second one."""


def _split(files: Sequence[str], sizes: Sequence[int]) -> tuple[list[str], list[str]]:
    """The first files (this process's) and the last ones, about :data:`HELPER_SHARE` of
    the bytes (the helper's)."""
    left = sum(sizes) * HELPER_SHARE
    cut = len(files)
    while cut > 1 and left > 0:
        cut -= 1
        left -= sizes[cut]
    return list(files[:cut]), list(files[cut:])


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _parse_share_wanted(library: Library, files: Sequence[str], sizes: Sequence[int]) -> bool:
    """Whether an import should start its helper before parsing, to parse a share of the
    pages (then build the ranking features): one into an empty library whose pages are big
    enough for a search index."""
    if len(library) or len(files) < 2 or STDIN in files:
        return False
    return sum(sizes) >= HELPER_MIN_BYTES


def _start_job() -> FeaturesJob | None:
    """The helper process, or None if it cannot start (the build after the import tries
    again)."""
    from papertui.featuresjob import FeaturesJob

    try:
        return FeaturesJob.start()
    except OSError:
        return None


def _send_texts(library: Library, job: FeaturesJob, texts: dict[str, tuple[str, str]]) -> None:
    """Send the helper the texts the import will store (:func:`papertui.merge.merged_texts`),
    for the ranking features it builds while the papers are stored.

    Should another process import into the library meanwhile, the features lack its
    papers: a cache checked paper by paper against the texts (:mod:`papertui.relevance`),
    so they are added when used, never wrong.
    """
    from papertui.query import search_text

    job.send(library.root, list(texts), [search_text(t, a) for t, a in texts.values()])


def import_samples(library: Library) -> ImportRun:
    """Import the bundled sample pages, always dated as saved (:data:`SAMPLE_YEAR`)."""
    from papertui.paths import SAMPLE_YEAR, sample_pages_dir

    return import_paths(library, [str(sample_pages_dir())], year=SAMPLE_YEAR)


def index_after_import(
    lib: Library, report: ImportReport, features: FeaturesJob | None = None
) -> bool:
    """After an import that changed papers, build the word index of a library big enough to
    search with one, so that it is ready when the import returns: otherwise the app builds
    it in the background at its next opening, competing with the first keypresses for the
    machine. The ranking features are built beside it, by a helper process (both cores):
    ``features``, the one :func:`import_paths` started (:attr:`ImportRun.features`), if
    any. Returns whether it was built (``OSError`` if it could not be written;
    :class:`papertui.featuresjob.FeaturesJobFailed` if only the features were not)."""
    if not (report.new or report.updated) or len(lib) < INDEX_MIN_PAPERS:
        if features is not None:
            features.stop()
        return False
    known = None
    if features is not None and report.new == len(lib) == len(features.ids):
        # Every paper is one this import added, with the texts sent: no need to make them.
        known = (features.ids, features.texts)
    with collector_paused():
        lib.words.build(parallel=True, features=features, texts=known)
    return True
