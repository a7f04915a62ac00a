"""Driving a terminal app in a real pseudo-terminal, as a person's terminal would.

:class:`PtyApp` forks the command onto a new pty with a fixed window size (120x36 by
default) and ``TERM=xterm-256color``, keeps reading its output (so it never blocks on a full
pty buffer), answers the terminal queries Textual sends, and lets the benchmark type keys
and wait for text on the screen.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

__all__ = ["ANSI", "PtyApp", "PtyTimeout", "strip_ansi"]

ANSI = re.compile(
    rb"\x1b\[[0-9;?<>=!]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1bP[^\x1b]*\x1b\\"  # DCS
    rb"|\x1b[()][0-9A-Za-z]"  # charset
    rb"|\x1b[=>78DEHMNOZc]"  # short escapes
)
"""Terminal escape sequences (removed to look for plain text in the output)."""


def strip_ansi(data: bytes) -> str:
    """The printable text of terminal output, escape sequences removed."""
    return ANSI.sub(b"", data).decode("utf-8", "replace")


class PtyTimeout(TimeoutError):
    """The app did not show what was waited for in time."""


class PtyApp:
    """A process running on its own pseudo-terminal.

    ``output`` accumulates everything the process wrote since :meth:`mark` (call it before
    an action to look only at the reaction to that action).
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        cols: int = 120,
        rows: int = 36,
    ) -> None:
        self.argv = list(argv)
        full_env = dict(os.environ if env is None else env)
        full_env["TERM"] = "xterm-256color"
        full_env["COLUMNS"], full_env["LINES"] = str(cols), str(rows)
        full_env.pop("TEXTUAL", None)
        full_env.pop("NO_COLOR", None)
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # child: the app, with the pty as its controlling terminal
            try:
                if cwd is not None:
                    os.chdir(cwd)
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.execvpe(self.argv[0], self.argv, full_env)
            finally:
                os._exit(127)
        self.pid = pid
        self.fd = fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.output = bytearray()
        self.total = 0
        self.last_output = 0.0
        """``perf_counter()`` when output last arrived."""
        self.arrivals: list[float] = []
        """``perf_counter()`` of each chunk of output read since :meth:`mark`."""
        self.exit_status: int | None = None

    # -- output ---------------------------------------------------------------------------
    def mark(self) -> None:
        """Forget the output so far: later waits look only at what comes next."""
        self.output.clear()
        self.arrivals.clear()

    def pump(self, timeout: float = 0.0) -> bool:
        """Read what is available (waiting up to ``timeout``); False once the app closed."""
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
        except InterruptedError:
            return True
        if not ready:
            return True
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            return False
        if not data:
            return False
        self.last_output = time.perf_counter()
        self.arrivals.append(self.last_output)
        self.output += data
        self.total += len(data)
        self._answer_queries(data)
        return True

    def _answer_queries(self, data: bytes) -> None:
        """Reply to the device queries a real terminal answers (cursor position, attrs)."""
        if b"\x1b[6n" in data:
            self.send(b"\x1b[1;1R")
        if b"\x1b[c" in data or b"\x1b[0c" in data:
            self.send(b"\x1b[?62;22c")

    def wait_for(
        self,
        test: Callable[[bytes], bool],
        timeout: float,
        *,
        what: str = "output",
    ) -> float:
        """Read until ``test(output)`` holds; returns ``perf_counter()`` at that moment."""
        deadline = time.perf_counter() + timeout
        while True:
            if test(bytes(self.output)):
                return time.perf_counter()
            left = deadline - time.perf_counter()
            if left <= 0:
                tail = strip_ansi(bytes(self.output[-600:]))
                raise PtyTimeout(f"no {what} within {timeout:.0f} s; last output: {tail!r}")
            if not self.pump(min(left, 0.05)):
                if test(bytes(self.output)):
                    return time.perf_counter()
                raise PtyTimeout(
                    f"the app exited before showing {what}: "
                    f"{strip_ansi(bytes(self.output[-2000:]))!r}"
                )

    def settle(self, quiet: float = 0.05, timeout: float = 5.0) -> float:
        """Read until the app has written nothing for ``quiet`` seconds (or ``timeout``).

        Returns ``perf_counter()`` when the last output arrived (or when settling began, if
        nothing came).
        """
        start = time.perf_counter()
        deadline = start + timeout
        last_byte = start
        seen = self.total
        while time.perf_counter() < deadline:
            if not self.pump(quiet / 5):
                break
            now = time.perf_counter()
            if self.total != seen:
                seen, last_byte = self.total, now
            elif now - last_byte >= quiet:
                break
        return last_byte

    def wait_repaint(self, since: float, quiet: float = 0.05, timeout: float = 10.0) -> float:
        """Wait for output after ``since``, then for ``quiet`` seconds without any.

        Returns when the last output arrived: the moment the screen was up to date.
        """
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self.pump(quiet / 5):
                break
            if self.last_output > since and time.perf_counter() - self.last_output >= quiet:
                return self.last_output
        if self.last_output <= since:
            raise PtyTimeout(f"no output within {timeout:.0f} s")
        return self.last_output

    # -- input ----------------------------------------------------------------------------
    def send(self, data: bytes | str) -> float:
        """Type ``data``; returns ``perf_counter()`` just before the write."""
        raw = data.encode() if isinstance(data, str) else data
        t = time.perf_counter()
        os.write(self.fd, raw)
        return t

    # -- the process ------------------------------------------------------------------------
    def status(self, field: str) -> int | None:
        """A ``kB`` figure (``VmHWM``, ``VmRSS``...) from ``/proc/PID/status``, or None."""
        try:
            text = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return None

    def cpu_seconds(self) -> float:
        """User + system CPU time the app has used so far (all its threads)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def wait_idle(self, window: float = 0.5, share: float = 0.1, timeout: float = 120.0) -> float:
        """Wait until the app uses under ``share`` of a CPU over ``window`` seconds.

        Used to know that background work (loading abstracts) has finished. Returns the
        time when the idle window began.
        """
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            begin = time.perf_counter()
            cpu = self.cpu_seconds()
            end = begin + window
            while time.perf_counter() < end:
                if not self.pump(0.02):
                    return begin
            if self.cpu_seconds() - cpu < share * window:
                return begin
        raise PtyTimeout(f"the app did not become idle within {timeout:.0f} s")

    def quiesce(self, timeout: float = 10.0) -> None:
        """Wait until the app has neither written nor computed anything for a moment.

        Output quiet for 30 ms, then a 60 ms window with at most one clock tick of CPU:
        a keypress timed after this does not queue behind earlier work.
        """
        self.settle(0.03, timeout=timeout)
        self.wait_idle(window=0.06, share=0.2, timeout=timeout)

    def alive(self) -> bool:
        """Whether the process is still running."""
        if self.exit_status is not None:
            return False
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return True
        self.exit_status = status
        return False

    def kill(self, grace: float = 1.0) -> None:
        """Stop the app: SIGTERM, then SIGKILL after ``grace`` seconds; reap it, close the pty."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            deadline = time.perf_counter() + grace
            while self.alive() and time.perf_counter() < deadline:
                self.pump(0.02)
            if self.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                _, self.exit_status = os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def __enter__(self) -> PtyApp:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.kill()
