"""Tagged copies of recordings, made by a child process while the build renders the pages.

Copying a recording and tagging it with mutagen is pure Python and file system work: on a first
build of a long archive it was the longest part of the build (1.2 ms an episode, with the cover
embedded), and nothing but the feed's file sizes waits for it. So a child interpreter (`child`)
makes the copies, on the other core, while this process renders the pages. Jobs go to it in
batches, and a thread here does the round trips, so the build never waits on the pipe. A few copies
are made here instead: starting the child costs more than they do (a rebuild after one new
episode). Where no child can be started, every copy is made here.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from podcaster import audio
from podcaster.child import ChildProcess
from podcaster.files import partial_path, replace_atomically, sha256_of

log = logging.getLogger(__name__)
Made = Callable[[str], None]  # told the SHA-256 of a copy now in place


class Job(NamedTuple):
    """Make `path` a tagged copy of `recording`."""

    path: Path
    recording: Path
    tags: audio.Tags


def make_tagged_copy(job: Job) -> str:
    """The copy and its tags, written beside `job.path` and renamed into place (the recording itself
    is only ever read); its SHA-256, which the build would otherwise read the copy again for."""
    digest = ""

    def make(partial: Path) -> None:
        nonlocal digest
        shutil.copyfile(job.recording, partial)
        audio.tag(partial, job.tags)
        digest = sha256_of(partial)

    replace_atomically(job.path, make)
    return digest


class TaggingProcess:
    """Makes the tagged copies `submit`ted, in a child process once there are enough of them.

    Use it as a context manager; `collect()` between other work, once everything is submitted,
    takes what is done (and raises a failed copy's error as soon as it is known), and `finish()`
    waits for every copy. Leaving the block early stops the child and removes the partial files of
    the copies it was making."""

    # Fewer copies than this are made faster here: the child takes 0.13 s to start and answer, and
    # a copy takes 1.4 ms, while the pages of a few changed episodes render in less than that.
    _MINIMUM = 64
    _BATCH = 16

    def __init__(self) -> None:
        self._waiting: list[tuple[Job, Made]] = []
        self._sent: list[tuple[list[tuple[Job, Made]], Future]] = []
        self._process: ChildProcess | None = None
        self._round_trips: ThreadPoolExecutor | None = None
        self._failed = False  # a batch failed: the ones after it are not sent
        self._here_only = False  # no child could be started

    def __enter__(self) -> TaggingProcess:
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop()
        self._forget_unmade()

    def submit(self, job: Job, made: Made) -> None:
        """Have the copy made; `made(sha256)` is called here once it is in place. A copy that failed
        meanwhile raises its error here, so a long build stops early."""
        self._waiting.append((job, made))
        if self._process is None and not self._here_only and len(self._waiting) >= self._MINIMUM:
            self._start()
        if self._process is not None and len(self._waiting) >= self._BATCH:
            self._send()
        self._take_done()

    def collect(self) -> None:
        """Send what waits, and take what the child has done; raise the error of a copy that failed,
        if one did. A child with nothing left to do ends, so its memory is not held while the build
        goes on (a copy submitted later starts another, or is made here)."""
        if self._process is None:
            return
        self._send()
        self._take_done()
        if not self._sent:
            self._stop()

    def finish(self) -> None:
        """Make every copy submitted, and wait for them all."""
        if self._process is None:
            waiting, self._waiting = self._waiting, []
            for job, made in waiting:
                made(make_tagged_copy(job))
            return
        self._send()
        while self._sent:
            self._take_first()
        self._stop()

    def _take_done(self) -> None:
        while self._sent and self._sent[0][1].done():
            self._take_first()

    def _take_first(self) -> None:
        batch, future = self._sent[0]
        digests = future.result()
        self._sent.pop(0)
        for (_, made), digest in zip(batch, digests):
            made(digest)

    def _start(self) -> None:
        try:
            self._process = ChildProcess()
        except OSError as e:  # no process or pipe to be had, or no interpreter to run
            log.warning("the audio is tagged in this process only (the child process failed to start: %s)", e)
            self._here_only = True  # what waits is made by `finish`
            return
        self._round_trips = ThreadPoolExecutor(max_workers=1)

    def _send(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:self._BATCH], self._waiting[self._BATCH:]
            self._sent.append((batch, self._round_trips.submit(self._round_trip, batch)))

    def _round_trip(self, batch: list[tuple[Job, Made]]) -> list[str]:
        if self._failed:
            raise _NotSent
        try:
            return self._process.call(make_tagged_copy, [job for job, _ in batch])
        except BaseException:
            self._failed = True
            raise

    def _stop(self) -> None:
        """End the child (which removes the partial file of a copy it was making) and its round trips."""
        if self._round_trips is not None:
            self._round_trips.shutdown(wait=False, cancel_futures=True)
        if self._process is not None:
            self._process.stop()
        if self._round_trips is not None:
            self._round_trips.shutdown(wait=True)
        self._process, self._round_trips = None, None

    def _forget_unmade(self) -> None:
        """Leaving early: no partial file is left of what the child was sent, and nothing more is made."""
        for batch, _ in self._sent:
            for job, _ in batch:
                partial_path(job.path).unlink(missing_ok=True)
        self._sent, self._waiting = [], []


class _NotSent(Exception):
    """A batch after a failed one: the build stops with the first failure's error."""
