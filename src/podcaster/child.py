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

# Run isolated (-I: no working folder or user site on the path) until it takes this process's path;
# Ctrl-C is the parent's to handle, from the first line; a SIGTERM unwinds, so what the child was
# making is cleaned up (a partial file, an ffmpeg it runs) before it ends.
_PROGRAM = ("import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
            "signal.signal(signal.SIGTERM, lambda *_: sys.exit(1)); "
            "import pickle; sys.path[:] = pickle.load(sys.stdin.buffer); "
            "from podcaster.child import serve_batches; serve_batches()")
_STOP_SECONDS = 5  # for a child to clean up after a SIGTERM, before it is killed


class ChildProcess:
    """One child interpreter; `call` runs a function on a batch of items there. Raises OSError when
    no process or pipe can be had."""

    def __init__(self) -> None:
        if not sys.executable or getattr(sys, "frozen", False):
            raise OSError("no Python interpreter to start (a frozen or embedded podcaster)")
        self._process = subprocess.Popen([sys.executable, "-I", "-c", _PROGRAM], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE)
        try:
            pickle.dump(sys.path, self._process.stdin)
            self._process.stdin.flush()
        except OSError:  # it ended at once
            self.stop()
            raise

    def call(self, function: Callable[[Item], Result], batch: Sequence[Item]) -> list[Result]:
        """`[function(item) for item in batch]`, run in the child; the first error it raises there is
        raised here. `function` must be importable by name (a module's function, or a partial of one)."""
        pickle.dump((function, list(batch)), self._process.stdin)
        self._process.stdin.flush()
        try:
            results, failure = pickle.load(self._process.stdout)
        except EOFError:
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


def serve_batches() -> None:
    """In the child: for each `(function, batch)` read from stdin, answer `(results, None)`, or the
    results so far and the error that stopped the batch, until stdin closes."""
    while True:
        try:
            function, batch = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        results, failure = [], None
        for item in batch:
            try:
                results.append(function(item))
            except Exception as e:
                failure = _sendable(e)
                break
        pickle.dump((results, failure), sys.stdout.buffer)
        sys.stdout.buffer.flush()


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
