"""A child interpreter that does part of a build's work on the other core.

A first build of a long archive is pure Python from end to end, and one process uses one core. So
work that needs nothing of the build but its inputs (loading an episode, making a tagged copy) can
be done by a child process: batches of calls go down a pipe, their results come back, both pickled
(functions by name, so the child runs the very code this process would).

A plain child process rather than a multiprocessing pool, whose fork server and resource tracker
are two more interpreters; started with this interpreter and this process's sys.path, so it finds
podcaster where this process did.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from podcaster.errors import PodcasterError

Item = TypeVar("Item")
Result = TypeVar("Result")

# -P: the working folder is not put first on the path (a pickle.py there is not imported), which
# then is this process's. Ctrl-C is the parent's to handle, from the first line; a SIGTERM unwinds,
# so what the child was making is cleaned up (a partial file, an ffmpeg it runs) before it ends.
_PROGRAM = ("import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
            "signal.signal(signal.SIGTERM, lambda *_: sys.exit(1)); "
            "import pickle; sys.path[:], parent = pickle.load(sys.stdin.buffer); "
            "from podcaster.child import serve_batches; serve_batches(parent)")
_READY = "ready"
_STOP_SECONDS = 5  # for a child to clean up after a SIGTERM, before it is killed


class ChildProcess:
    """One child interpreter; `call` runs a function on a batch of items there. Raises OSError when
    no process or pipe can be had, or the child cannot import podcaster (an import hook of this
    process's that a new interpreter does not have), so the caller does the work itself."""

    def __init__(self) -> None:
        if not sys.executable or getattr(sys, "frozen", False):
            raise OSError("no Python interpreter to start (a frozen or embedded podcaster)")
        self._process = subprocess.Popen([sys.executable, "-P", "-c", _PROGRAM], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE)
        try:
            pickle.dump((sys.path, os.getpid()), self._process.stdin)
            self._process.stdin.flush()
            ready = pickle.load(self._process.stdout)
        except (OSError, EOFError, pickle.UnpicklingError) as e:
            self.stop()
            raise OSError(f"the child process ended as it started (exit status {self._process.returncode})") from e
        if ready != _READY:
            self.stop()
            raise OSError(f"the child process said {ready!r} as it started")

    def call(self, function: Callable[[Item], Result], batch: Sequence[Item]) -> list[Result]:
        """`[function(item) for item in batch]`, run in the child; the first error it raises there is
        raised here. `function` must be importable by name (a module's function, or a partial of one)."""
        try:
            pickle.dump((function, list(batch)), self._process.stdin)
            self._process.stdin.flush()
            results, failure = pickle.load(self._process.stdout)
        except (BrokenPipeError, EOFError):
            raise RuntimeError(f"the child process ended (exit status {self._process.wait()})") from None
        if failure is not None:
            raise failure
        return results

    def stop(self) -> None:
        """End the child now, whatever it is doing: what it was making is left unmade."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            try:
                pipe.close()
            except OSError:  # unflushed bytes for a process that is gone
                pass

    @property
    def running(self) -> bool:
        return self._process.poll() is None


def map_from_both_ends(function: Callable[[Item], Result], items: Sequence[Item], child: ChildProcess,
                       batch_size: int) -> list[Result]:
    """`[function(item) for item in items]`: this process takes items from the front, while a thread
    hands the child batches from the back, until they meet; so neither waits for the other, however
    their speeds differ. An error raised on either side is raised here once both have stopped."""
    results: list[Any] = [None] * len(items)
    lock = threading.Lock()
    front, back = 0, len(items)
    failures: list[BaseException] = []

    def feed_the_child() -> None:
        nonlocal back
        try:
            while not failures:
                with lock:
                    start = max(front, back - batch_size)
                    if start >= back:
                        return
                    end, back = back, start
                results[start:end] = child.call(function, items[start:end])
        except BaseException as e:  # noqa: BLE001 - raised in the caller's thread below
            failures.append(e)

    feeder = threading.Thread(target=feed_the_child, name="podcaster child feeder", daemon=True)
    feeder.start()
    try:
        while not failures:
            with lock:
                if front >= back:
                    break
                index = front
                front += 1
            results[index] = function(items[index])
    except BaseException as e:
        failures.insert(0, e)  # this side's error first: the child's may only follow from it
        child.stop()  # the feeder may be waiting on its answer
    feeder.join()
    if failures:
        child.stop()
        raise failures[0]
    return results


def serve_batches(parent: int) -> None:
    """In the child of the process `parent`: say it is ready, then, for each `(function, batch)` read
    from stdin, answer `(results, None)`, or the results so far and the error that stopped the
    batch, until stdin closes. If the parent is gone (killed), stop after the item in hand: nothing
    more is written into a folder that a new build may be writing by then."""
    _answer(_READY)
    while True:
        try:
            function, batch = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        results, failure = [], None
        for item in batch:
            if os.getppid() != parent:
                return
            try:
                results.append(function(item))
            except Exception as e:
                failure = _sendable(e)
                break
        if not _answer((results, failure)):
            return


def _answer(message: object) -> bool:
    """Send `message` to the parent; False if it is gone."""
    try:
        pickle.dump(message, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        return False
    return True


def _sendable(error: Exception) -> Exception:
    """`error` as the parent can raise it: a user's error as it is, anything else with where it
    happened here, since its traceback stays in this process."""
    if not isinstance(error, PodcasterError):
        error.add_note("in podcaster's child process:\n" + "".join(traceback.format_exception(error)).rstrip())
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - whatever cannot cross, its text can
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error
