"""Fork server for the kill test (``test_safety_crash.py``); not a test module.

Started once per test as ``python crash_child.py``. It imports only :mod:`papertui.library`
(and what that needs), then serves JSON commands, one per line on stdin:

``{"op": "run", ...}``
    fork a worker that opens the library and applies triage actions (and, depending on the
    mode, imports and re-opens) until it is killed; answers ``{"pid": N}``.
``{"op": "wait", "pid": N}``
    reap the worker; answers ``{"status": S}`` (the raw ``waitpid`` status).

Forking from this already-initialised process makes a worker cost a millisecond instead of
a Python start-up, so that 100+ kills fit in a few seconds.

The worker writes its log with one ``os.write`` per line to the file ``cmd["log"]``:

``open``
    the worker (re-)opened the library;
``? SEQ FIELD ID[,ID...] VALUE``
    intent: written *before* the Library call (the action may be in flight at the kill);
``SEQ ID FIELD VALUE``
    acknowledgement: written *after* the Library call returned, one line per paper.

``VALUE`` is ASCII JSON and comes last (it may contain spaces). ``FIELD`` is one of
``starred``, ``read``, ``tags``, ``note`` or ``import`` (then VALUE is the paper's abstract).
"""

from __future__ import annotations

import json
import os
import random
import sys
import traceback
from pathlib import Path

from papertui.library import Library
from papertui.models import ParsedPaper, Source, paper_id

TAGS = ("ml", "to-read", "diffusion", "rl", "ünïcode", "x")


def _value(v: object) -> str:
    return json.dumps(v, ensure_ascii=True, separators=(",", ":"))


def work(cmd: dict[str, object]) -> None:
    root = Path(str(cmd["root"]))
    seed = int(cmd["seed"])  # type: ignore[call-overload]
    mode = str(cmd["mode"])
    rng = random.Random(seed)
    fd = os.open(str(cmd["log"]), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def log(line: str) -> None:
        os.write(fd, (line + "\n").encode("ascii"))

    lib = Library.open(root)
    log("open")
    reopen_every = rng.randint(2, 6)
    import_at = rng.randint(0, 3)
    for seq in range(int(cmd["max_actions"])):  # type: ignore[call-overload]
        if mode == "reopen" and seq and seq % reopen_every == 0:
            # Closing and re-opening a writable library after changes folds the journal
            # into state.json and takes a backup: kills land in the middle of that too.
            lib.close()
            lib = Library.open(root)
            log("open")
        if mode == "import" and seq == import_at:
            entries = []
            for k in range(rng.randint(1, 6)):
                title = f"Crash import {seed} {seq} {k}: a paper about {rng.random():.6f}"
                abstract = (
                    f"Abstract {seed}-{seq}-{k}. Code at https://github.com/crash/{seed}-{k}."
                )
                entries.append(
                    ParsedPaper(
                        title=title,
                        abstract=abstract,
                        source=Source(f"crash-{seed}.txt", None),
                        line=k + 1,
                        code_urls=(f"https://github.com/crash/{seed}-{k}",),
                    )
                )
            pids = [paper_id(e.title) for e in entries]
            log(f"? {seq} import {','.join(pids)} null")
            lib.import_entries(entries)
            log(
                "\n".join(
                    f"{seq} {p} import {_value(e.abstract)}"
                    for p, e in zip(pids, entries, strict=True)
                )
            )
            continue

        ids = lib.ids
        part = cmd.get("part")
        if part is not None:  # two workers at once: each on its own half of the papers
            ids = [p for p in ids if int(p[-1], 16) % 2 == part]
        chosen = sorted({ids[rng.randrange(len(ids))] for _ in range(rng.randint(1, 3))})
        kind = rng.choice(("star", "unstar", "read", "unread", "tag", "untag", "note"))
        if kind in ("star", "unstar"):
            field, value = "starred", kind == "star"
        elif kind in ("read", "unread"):
            field, value = "read", kind == "read"
        elif kind == "note":
            chosen = chosen[:1]
            field = "note"
            value = "" if rng.random() < 0.2 else f"note {seed}/{seq}: ça va\nsecond line"
        else:
            # Tag lists are per paper; compute each one's expected result.
            field = "tags"
            value = None
        tag = rng.choice(TAGS)
        expected: dict[str, object] = {}
        for pid in chosen:
            if field == "tags":
                tags = [t for t in lib.state(pid).tags if not (kind == "untag" and t == tag)]
                if kind == "tag" and tag not in tags:
                    tags.append(tag)
                expected[pid] = tags
            else:
                expected[pid] = value
        if field == "tags":
            # One intent line per paper (their values differ), written in one write.
            log("\n".join(f"? {seq} tags {p} {_value(expected[p])}" for p in chosen))
        else:
            log(f"? {seq} {field} {','.join(chosen)} {_value(value)}")

        if kind == "star":
            lib.set_starred(chosen, True)
        elif kind == "unstar":
            lib.set_starred(chosen, False)
        elif kind == "read":
            lib.set_read(chosen, True)
        elif kind == "unread":
            lib.set_read(chosen, False)
        elif kind == "tag":
            lib.tag(chosen, add=[tag])
        elif kind == "untag":
            lib.tag(chosen, remove=[tag])
        else:
            lib.set_note(chosen[0], str(value))

        # The call returned: the change is acknowledged. Check memory agrees, then say so.
        for pid in chosen:
            s = lib.state(pid)
            got = {"starred": s.starred, "read": s.read, "tags": list(s.tags), "note": s.note}
            if got[field] != expected[pid]:
                raise AssertionError(
                    f"{pid} {field}: memory has {got[field]!r}, wanted {expected[pid]!r}"
                )
        log("\n".join(f"{seq} {p} {field} {_value(expected[p])}" for p in chosen))
    lib.close()


def main() -> None:
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "run":
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    work(cmd)
                except BaseException:
                    traceback.print_exc()
                    sys.stderr.flush()
                    code = 70
                os._exit(code)
            print(json.dumps({"pid": pid}), flush=True)
        elif cmd["op"] == "wait":
            _, status = os.waitpid(int(cmd["pid"]), 0)
            print(json.dumps({"status": status}), flush=True)
        else:
            print(json.dumps({"error": f"unknown op {cmd['op']!r}"}), flush=True)


if __name__ == "__main__":
    main()
