"""Notice when the show's sources change, by polling: no extra dependency, works on every file system."""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

Snapshot = dict[str, tuple[int, int]]

# A look at a long archive's files (21,000 of them at 10,000 episodes) takes a sixth of a second
# of CPU; the watch waits this many times as long before the next, so it keeps a core at most a
# tenth busy however large the show, and never longer than _LONGEST_WAIT intervals, so a slow
# disk cannot hide an edit for long.
_IDLE_PER_LOOK = 9
_LONGEST_WAIT = 10


def snapshot(roots: Iterable[Path]) -> Snapshot:
    """Size and mtime of every file under `roots` (or of each root that is a file), hidden ones aside."""
    seen: Snapshot = {}
    for root in roots:
        if root.name.startswith("."):
            continue
        if os.path.isdir(root):  # unlike Path.is_dir, never raises (a parent folder it may not enter)
            _look_in(str(root), seen)
        else:
            _look_at(str(root), seen)
    return seen


def _look_in(folder: str, seen: Snapshot) -> None:
    # os.scandir, strings, and a stat for files only: Path objects and their is_file, stat and
    # relative_to made a look at 10,000 episodes four times as slow.
    try:
        with os.scandir(folder) as found:
            entries = [entry for entry in found if not entry.name.startswith(".")]
    except OSError:  # removed or unreadable meanwhile: the next look sees what is there
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):  # as rglob: a linked folder is not entered
                _look_in(entry.path, seen)
            else:
                _look_at(entry.path, seen)
        except OSError:
            continue


def _look_at(path: str, seen: Snapshot) -> None:
    try:
        status = os.stat(path)
    except OSError:  # gone meanwhile, or a link to nothing
        return
    if stat.S_ISREG(status.st_mode):
        seen[path] = (status.st_size, status.st_mtime_ns)


def poll(roots: list[Path], since: Snapshot, on_change: Callable[[], None], stop: threading.Event,
         interval: float = 1.0) -> None:
    """Call `on_change` whenever the files under `roots` differ from the last look (at first, `since`:
    taken by the caller before it built, so an edit made meanwhile is not missed), until `stop` is set.

    `interval` is the shortest wait between looks; a show whose look costs more CPU waits longer."""
    last, wait = since, interval
    while not stop.wait(wait):
        # This thread's CPU time, not the clock's: waiting on the disk or for the server thread
        # to let go of the interpreter costs no CPU, and must not stretch the wait.
        started = time.thread_time()
        current = snapshot(roots)
        wait = min(max(interval, _IDLE_PER_LOOK * (time.thread_time() - started)), _LONGEST_WAIT * interval)
        if current != last:
            last = current
            on_change()
