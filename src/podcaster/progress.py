"""How long work shows its progress: bars on a terminal, plain lines otherwise (logs, CI).

The only module that imports rich. A publish's displays are told about bytes from several
upload threads at once.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeRemainingColumn, TransferSpeedColumn

import click

from podcaster.publishing import Plan

log = logging.getLogger(__name__)


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def on_terminal() -> bool:
    return Console().is_terminal


@contextmanager
def fraction(label: str) -> Iterator[Callable[[float, float], None]]:
    """A callback for work measured as done out of total: a bar on a terminal, a line every 10 %
    otherwise."""
    if sys.stderr.isatty():
        with Progress(transient=True) as bar:
            task = bar.add_task(label, total=1.0)
            yield lambda done, total: bar.update(task, completed=done, total=total)
        return
    reported = [-1]

    def report(done: float, total: float) -> None:
        tenth = int(10 * done / total) if total else 0
        if tenth > reported[0]:
            reported[0] = tenth
            click.echo(f"{label}: {10 * tenth}%", err=True)

    yield report


def _announce(plan: Plan) -> list[str]:
    """What a publish says before it changes anything: above all, what it will delete."""
    lines = [f"plan: upload {len(plan.uploads)} files ({human_bytes(plan.upload_bytes)})"
             + (f", delete {len(plan.deletes)} after the feed" if plan.deletes else "")]
    lines += [f"will delete {key} (no longer part of the site)" for key in plan.deletes]
    return lines


class Lines:
    """A line per file as it starts, and every INTERVAL seconds the totals so far."""

    INTERVAL = 10.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = 0
        self._done = 0
        self._began = self._said = time.monotonic()

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, *exc_info) -> None:
        pass

    def planned(self, plan: Plan) -> None:
        with self._lock:
            self._total = plan.upload_bytes
            # The upload starts now: the build before it is neither upload time nor a reason to wait.
            self._began = self._said = time.monotonic()
        for line in _announce(plan):
            log.info("%s", line)

    def started(self, key: str, size: int) -> None:
        log.info("uploading %s", key)

    def advanced(self, key: str, amount: int) -> None:
        with self._lock:
            self._done += amount
            now = time.monotonic()
            if now - self._said < self.INTERVAL:
                return
            self._said = now
            done, elapsed = self._done, now - self._began
        speed = done / elapsed if elapsed else 0
        left = f", {(self._total - done) / speed:.0f} s left" if speed else ""
        log.info("%s of %s uploaded (%s/s%s)", human_bytes(done), human_bytes(self._total), human_bytes(int(speed)), left)

    def finished(self, key: str) -> None:
        pass


class Bars:
    """A bar for the whole upload and one for each file in flight: bytes, speed, time left."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description}", table_column=None),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        self._total: TaskID | None = None
        self._files: dict[str, TaskID] = {}

    def __enter__(self) -> Bars:
        self._progress.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._progress.stop()

    def planned(self, plan: Plan) -> None:
        for line in _announce(plan):
            self._progress.console.print(line, highlight=False, markup=False)
        self._total = self._progress.add_task(f"{len(plan.uploads)} files", total=plan.upload_bytes)

    def started(self, key: str, size: int) -> None:
        # Shown once bytes flow: the transfer manager queues a few hundred files ahead of those it sends.
        self._files[key] = self._progress.add_task(key, total=size, visible=False)

    def advanced(self, key: str, amount: int) -> None:
        self._progress.update(self._files[key], advance=amount, visible=True)
        if self._total is not None:
            self._progress.update(self._total, advance=amount)

    def finished(self, key: str) -> None:
        self._progress.remove_task(self._files.pop(key))
