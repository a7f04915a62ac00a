"""``export -o PATH`` keeps what PATH is.

A regular file is replaced atomically; a symlink is followed (its target replaced, the link
kept); a FIFO, a character device or ``/dev/stdout`` is written through (replacing one
turned a device node into a regular file); ``-`` is standard output; a folder is refused
with one line.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from papertui.cli import main
from papertui.library import Library


@pytest.fixture
def queued(seeded_dir: Path) -> list[str]:
    """Three queued papers' titles."""
    with Library.open(seeded_dir) as lib:
        ids = list(lib.ids[:3])
        lib.set_starred(ids, True)
        return [lib.title(p) for p in ids]


def export(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["export", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_regular_file_is_replaced_atomically(
    queued: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "exports").mkdir()
    out = tmp_path / "exports" / "queue.md"
    out.write_text("old")
    inode = out.stat().st_ino
    code, stdout, err = export(capsys, "-o", str(out))
    assert (code, stdout) == (0, "")
    assert err == f"Wrote 3 papers to {out}\n"
    text = out.read_text()
    assert all(title in text for title in queued)
    assert out.stat().st_ino != inode  # a new file put in place, never written in place
    assert [p.name for p in out.parent.iterdir()] == ["queue.md"]  # no temp file left


def test_symlink_is_followed_and_kept(
    queued: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "queue.md"
    target.write_text("old")
    link = tmp_path / "queue.md"
    link.symlink_to(target)
    code, _, _ = export(capsys, "-o", str(link))
    assert code == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert queued[0] in target.read_text()
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["queue.md"]

    dangling = tmp_path / "new.md"
    dangling.symlink_to(tmp_path / "real" / "made-by-export.md")
    assert export(capsys, "-o", str(dangling))[0] == 0
    assert dangling.is_symlink()
    assert queued[0] in (tmp_path / "real" / "made-by-export.md").read_text()


def test_fifo_is_written_through(
    queued: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        code, _, err = export(capsys, "-o", str(fifo))
    finally:
        if reader.is_alive() and not got:
            # The export never opened the FIFO (it replaced it): unblock the reader.
            with open(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK), "wb"):
                pass
        reader.join(10)
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got and queued[0] in got[0].decode()


def test_character_device_is_written_through(
    queued: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A device node of our own (a second /dev/null) when we may make one (root, where the
    # bug replaced the device): never the system's, which a failing run would destroy.
    # Without the right to make one, the system's /dev/null cannot be replaced either.
    device = tmp_path / "null-device"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        device = Path("/dev/null")
    before = os.lstat(device)
    code, stdout, err = export(capsys, "-o", str(device))
    assert (code, stdout) == (0, ""), err
    after = os.lstat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_dev_stdout_and_dash_write_to_standard_output(
    queued: list[str], seeded_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _ = export(capsys, "-o", "-")
    assert code == 0 and queued[0] in stdout
    # /dev/stdout is a link to /proc/self/fd/1: a link of our own stands in for it (a run
    # of the old code replaced the system's /dev/stdout with a regular file).
    stdout_link = tmp_path / "stdout"
    stdout_link.symlink_to("/proc/self/fd/1")
    redirected = tmp_path / "redirected.md"
    for stream in ("/proc/self/fd/1", str(stdout_link)):
        for into_file in (False, True):
            with open(redirected, "wb") as sink:
                proc = subprocess.run(
                    [sys.executable, "-P", "-m", "papertui", "export", "-o", stream],
                    stdout=sink if into_file else subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env={**os.environ, "PAPERTUI_DATA_DIR": str(seeded_dir)},
                    timeout=60,
                )
            written = redirected.read_bytes() if into_file else proc.stdout
            assert proc.returncode == 0, proc.stderr
            assert queued[0] in written.decode()
            assert proc.stderr.decode() == f"Wrote 3 papers to {stream}\n"
            assert stdout_link.is_symlink()


def test_a_folder_is_refused_with_one_line(
    queued: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "exports").mkdir()
    folder = tmp_path / "exports" / "out"
    folder.mkdir()
    (folder / "keep.txt").write_text("kept")
    code, stdout, err = export(capsys, "-o", str(folder))
    assert (code, stdout) == (1, "")
    assert err == f"papertui: error: cannot write {folder}: is a folder, not a file\n"
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    assert [p.name for p in folder.parent.iterdir()] == ["out"]  # no temp file next to it
