"""Notice when the show's sources change, by polling: no extra dependency, works on every file system."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

Snapshot = dict[Path, tuple[int, int]]


def snapshot(roots: Iterable[Path]) -> Snapshot:
    """Size and mtime of every file under `roots` (or of each root that is a file), hidden ones aside."""
    seen: Snapshot = {}
    for root in roots:
        candidates = [root] if root.is_file() else root.rglob("*") if root.is_dir() else []
        for path in candidates:
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root.parent).parts):
                stat = path.stat()
                seen[path] = (stat.st_size, stat.st_mtime_ns)
    return seen


def poll(roots: list[Path], since: Snapshot, on_change: Callable[[], None], stop: threading.Event,
         interval: float = 1.0) -> None:
    """Call `on_change` whenever the files under `roots` differ from the last look (at first, `since`:
    taken by the caller before it built, so an edit made meanwhile is not missed), until `stop` is set."""
    last = since
    while not stop.wait(interval):
        current = snapshot(roots)
        if current != last:
            last = current
            on_change()
