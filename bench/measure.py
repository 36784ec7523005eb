"""Run one command and measure it: wall time, CPU time, peak memory; killed whole when over its time.

Peak RSS is the larger of two readings: the kernel's high-water mark for the child (`ru_maxrss`
from wait4, exact, but per process) and the sum of the resident sizes of every process in the
child's process group, sampled every SAMPLE_SECONDS from /proc (so a build that forks workers is
counted whole, to within the sampling interval).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_SECONDS = 0.2
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds of the command and everything it waited for
    peak_rss: int  # bytes
    returncode: int | None  # None when it was killed for its time
    output: str  # the last lines of stdout and stderr

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class Series:
    """Every run of one measured case."""

    samples: list[Sample] = field(default_factory=list)
    problem: str = ""  # why the case has no (more) numbers: timed out, failed, skipped

    @property
    def good(self) -> list[Sample]:
        return [s for s in self.samples if s.ok]

    def stats(self) -> dict | None:
        good = self.good
        if not good:
            return None
        walls = [s.wall for s in good]
        return {
            "runs": len(good),
            "median": statistics.median(walls),
            "min": min(walls),
            "max": max(walls),
            "cpu_median": statistics.median(s.cpu for s in good),
            "peak_rss_mb": max(s.peak_rss for s in good) / 1e6,
            "walls": walls,
        }


def run(command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float | None = None) -> Sample:
    """Run `command` in its own process group and measure it; past `timeout` seconds the whole group
    is killed and the sample says so."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        waited: dict = {}
        waiter = threading.Thread(target=lambda: waited.update(result=os.wait4(process.pid, 0),
                                                               ended=time.perf_counter()))
        waiter.start()
        peak_group = _watch_group(process.pid, waiter, timeout)
        killed = waiter.is_alive()
        if killed:
            _kill_group(process.pid)
            waiter.join()
        _, status, usage = waited["result"]
        process.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait for it again
        wall = waited["ended"] - started
        out.seek(0)
        tail = out.read()[-4000:].decode("utf-8", "replace")
    return Sample(wall=wall, cpu=usage.ru_utime + usage.ru_stime,
                  peak_rss=max(usage.ru_maxrss * 1024, peak_group),
                  returncode=None if killed else process.returncode, output=tail)


def _watch_group(pgid: int, waiter: threading.Thread, timeout: float | None) -> int:
    """Sample the group's memory until the command ends or its time is up; the highest sum seen."""
    peak = 0
    deadline = None if timeout is None else time.monotonic() + timeout
    waiter.join(0.02)
    while waiter.is_alive():
        peak = max(peak, _group_rss(pgid))
        remaining = SAMPLE_SECONDS if deadline is None else min(SAMPLE_SECONDS, deadline - time.monotonic())
        if remaining <= 0:
            break
        waiter.join(remaining)
    return peak


def _group_rss(pgid: int) -> int:
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state ppid pgrp ... rss is the 24th field of the whole line.
        if int(fields[2]) == pgid:
            total += int(fields[21]) * _PAGE
    return total


def _kill_group(pgid: int) -> None:
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 0.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        end = time.monotonic() + grace
        while time.monotonic() < end:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
