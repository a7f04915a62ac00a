"""The ranking features built in a helper process, beside the word index.

Building the search index makes two caches from the same texts: the word index
(:mod:`papertui.wordindex`) and the ranking features (:mod:`papertui.ranking`, written by
:meth:`papertui.relevance.Relevance.save`). Each takes seconds of CPU at 100k papers; one
process would build them one after the other. :class:`FeaturesJob` builds the features in a
second process while this one builds the word index: on two cores, the time of the longer.

An import into an empty library starts the helper before it parses the pages, and first
has it parse the last of them (:meth:`FeaturesJob.parse`, :meth:`FeaturesJob.parsed`): the
second core is otherwise idle until the texts are known.

The helper is this interpreter with ``-P`` (the current directory is never put on
``sys.path``: a ``papertui.py`` there must not run), ``-m papertui.featuresjob``. It reads
the library folder, the ids and the texts pickled on its standard input (from its parent
only), builds the features, and writes the file (atomically) only once its parent says so
(:meth:`FeaturesJob.commit`, one more byte): an import that starts the helper before it has
stored the papers commits once they are stored, so an import that fails or is killed leaves
no features for papers the library does not have. A helper that fails or is killed leaves
the previous file or none, never half of one. It prints nothing on success, one line on
failure.

Pure domain code (no Textual).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from papertui.importer import FileOutcome
    from papertui.wordindex import WordLists

__all__ = ["FeaturesJob", "FeaturesJobFailed", "main"]


class FeaturesJobFailed(OSError):
    """The helper process did not write the features (its one-line reason)."""


class FeaturesJob:
    """One helper process building a library's ranking features (see the module doc).

    :meth:`start` it, :meth:`send` it the texts (returns at once: a thread feeds the
    pipe), :meth:`commit` once the texts are the library's, then :meth:`wait`. Usable as a
    context manager: leaving without a successful :meth:`wait` stops the helper.
    """

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self._proc = proc
        self._feeder: threading.Thread | None = None
        self._send_error: BaseException | None = None
        self._go = threading.Event()
        self._commit = False
        self._stopped = False
        self.words_from = 0
        self._lists_read = False
        """Where the texts whose words the helper reads start (:meth:`send`)."""
        self.ids: list[str] = []
        self.texts: list[str] = []
        """What :meth:`send` sent."""

    @classmethod
    def start(cls) -> FeaturesJob:
        """Start the helper (it waits for :meth:`send`); OSError if it cannot start."""
        command = [sys.executable, "-P", "-m", "papertui.featuresjob"]
        proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        return cls(proc)

    def parse(self, paths: Sequence[str], year: int | None, force: bool) -> None:
        """Have the helper read and parse page files first (before :meth:`send`); their
        outcomes come back from :meth:`parsed`."""
        stdin = self._proc.stdin
        assert stdin is not None and self._feeder is None
        request = (PARSE, [str(p) for p in paths], year, force)
        with contextlib.suppress(OSError):  # the helper is gone: parsed() says so
            _write_all(stdin.fileno(), pickle.dumps(request, pickle.HIGHEST_PROTOCOL))

    def parsed(self) -> list[FileOutcome] | None:
        """What the helper read of the files :meth:`parse` gave it, one outcome per file in
        their order; None if it failed (the caller reads them itself)."""
        stdout = self._proc.stdout
        assert stdout is not None
        try:
            outcomes = pickle.load(stdout)
        except (EOFError, OSError, pickle.UnpicklingError, ValueError):
            return None
        return outcomes if isinstance(outcomes, list) else None

    def send(
        self, root: Path, ids: Sequence[str], texts: Sequence[str], *, words: bool = True
    ) -> None:
        """Hand the helper the library folder and every paper's id and search text. With
        ``words``, it also reads the words of the last :data:`WORDS_SHARE` of the texts
        for the word index, first (:attr:`words_from`, :meth:`word_lists`)."""
        stdin = self._proc.stdin
        assert stdin is not None and self._feeder is None
        self.ids, self.texts = list(ids), list(texts)
        n = len(self.texts)
        self.words_from = n - int(n * WORDS_SHARE) if words else n
        payload = (str(root), self.ids, self.texts, self.words_from)

        def feed() -> None:
            try:
                with stdin:
                    _write_all(stdin.fileno(), pickle.dumps(payload, pickle.HIGHEST_PROTOCOL))
                    self._go.wait()
                    if self._commit:
                        stdin.write(GO)
            except BaseException as exc:  # reported by wait()
                self._send_error = exc

        self._feeder = threading.Thread(target=feed, name="features-job-feed", daemon=True)
        self._feeder.start()

    def word_lists(self) -> WordLists | None:
        """The word lists of the texts from :attr:`words_from` on, as the helper read them
        (:func:`papertui.wordindex.word_lists`); None if it failed (read them here)."""
        stdout = self._proc.stdout
        assert stdout is not None
        self._lists_read = True
        try:
            lists = pickle.load(stdout)
        except (EOFError, OSError, pickle.UnpicklingError, ValueError):
            return None
        return lists if isinstance(lists, tuple) and len(lists) == 2 else None

    def commit(self) -> None:
        """The texts sent are the library's (an import stored them): the helper may write
        the features once built (returns at once)."""
        self._commit = True
        self._go.set()

    def wait(self) -> None:
        """Commit, wait for the helper to finish; :class:`FeaturesJobFailed` (one line) if
        it did not write the features."""
        if self._feeder is None:  # never sent anything: nothing to build
            self.stop()
            raise FeaturesJobFailed("the ranking features helper was given no texts")
        self.commit()
        if not self._lists_read and self._proc.stdout is not None:
            self._proc.stdout.close()  # word lists not wanted: the helper stops sending them
        assert self._proc.stderr is not None
        err = self._proc.stderr.read().decode("utf-8", "replace")  # until the helper ends
        self._feeder.join()
        code = self._proc.wait()
        if code != 0:
            lines = [line.strip() for line in err.splitlines() if line.strip()]
            why = lines[-1] if lines else f"exit status {code}"
            raise FeaturesJobFailed(f"the ranking features were not built: {why}")
        if self._send_error is not None:  # pragma: no cover -- the helper would have failed
            raise FeaturesJobFailed(f"the ranking features were not built: {self._send_error}")

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called (the helper cannot be used any more)."""
        return self._stopped

    def stop(self) -> None:
        """Stop the helper if it still runs (nothing is written unless committed, and then
        atomically)."""
        self._stopped = True
        self._go.set()  # the feeder closes the pipe without committing
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        if self._feeder is not None:
            self._feeder.join()
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def __enter__(self) -> FeaturesJob:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to a pipe in as few system calls as it takes (a blocking pipe
    takes a large write whole). Through a buffered file it would be 64 KiB writes, each
    giving up the interpreter lock and waiting to take it back from the thread storing
    the import: seconds for the 150 MB of texts of 100k papers."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


WORDS_SHARE = 0.2
"""The share of the texts (the last ones) whose words the helper reads for the word index:
with its share of the parsing and the features, about as much work as this process's."""

PARSE = "parse"
"""The first item of a request to parse files before the texts come (:meth:`FeaturesJob.parse`)."""

GO = b"\x01"
"""The byte after the texts that lets the helper write the features (:meth:`commit`)."""


def main(stdin: IO[bytes] | None = None, stdout: IO[bytes] | None = None) -> int:
    """The helper: first, if asked (:data:`PARSE`), parse page files and write their
    outcomes to ``stdout``; then read ``(root, ids, texts, words_from)`` from ``stdin``
    (the word lists of the texts from ``words_from`` on sent to ``stdout``), build the
    features, and write them if :data:`GO` follows."""
    import numpy  # noqa: F401  # while the parent still makes the texts, not after

    from papertui import ranking
    from papertui.relevance import FEATURES_FILE

    stream = sys.stdin.buffer if stdin is None else stdin
    try:
        request = pickle.load(stream)
        if isinstance(request, tuple) and len(request) == 4 and request[0] == PARSE:
            _parse(*request[1:], out=sys.stdout.buffer if stdout is None else stdout)
            request = pickle.load(stream)
        root, ids, texts, words_from = request
    except (EOFError, pickle.UnpicklingError, ValueError) as exc:
        sys.stderr.write(f"papertui: the features helper got no complete input ({exc})\n")
        return 1
    writer = None
    if words_from < len(texts):
        writer = _send_word_lists(
            texts, words_from, sys.stdout.buffer if stdout is None else stdout
        )
    features = ranking.build(ids, texts)  # what Relevance.save builds, then writes
    if writer is not None:
        writer.join()  # before leaving: the parent may not have read them all yet
    if stream.read(1) != GO:
        sys.stderr.write("papertui: the import did not finish: no ranking features written\n")
        return 1
    try:
        features.save(Path(root) / FEATURES_FILE)
    except OSError as exc:
        sys.stderr.write(f"papertui: cannot write the ranking features ({exc.strerror or exc})\n")
        return 1
    return 0


def _parse(paths: list[str], year: int | None, force: bool, *, out: IO[bytes]) -> None:
    """Parse the files as the importing process would, and send back the outcomes."""
    from papertui.importer import read_files

    data = pickle.dumps(read_files(paths, year, force), pickle.HIGHEST_PROTOCOL)
    out.flush()
    _write_all(out.fileno(), data)


def _send_word_lists(texts: list[str], start: int, out: IO[bytes]) -> threading.Thread:
    """Read the words of the texts from ``start`` on and send them, from a thread (the
    parent reads them once it has read its own: meanwhile this process builds the
    features)."""
    from papertui.wordindex import word_lists

    data = pickle.dumps(word_lists(texts[start:], start), pickle.HIGHEST_PROTOCOL)

    def write() -> None:
        with contextlib.suppress(OSError):  # the parent is gone: it reads them itself
            _write_all(out.fileno(), data)

    writer = threading.Thread(target=write, name="word-lists", daemon=True)
    writer.start()
    return writer


if __name__ == "__main__":
    raise SystemExit(main())
