"""File helpers every writer shares: atomic replacement, content digests, and where a file really is."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so commands there are not kept apart
    fcntl = None  # type: ignore[assignment]


def replace_atomically(path: Path, make: Callable[[Path], None]) -> None:
    """Have `make` write a partial file beside `path`, then rename it into place: a reader sees
    the old file or the whole new one, never half of one. The partial keeps the suffix, because
    what fills it (a tagger, say) may go by it."""
    # A build writes tens of thousands of files into folders that are mostly there already: one
    # look is cheaper than mkdir's attempt and look.
    if not os.path.isdir(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(path)
    try:
        make(partial)
        os.replace(partial, path)
    except BaseException as e:
        partial.unlink(missing_ok=True)
        if isinstance(e, OSError):
            # Name the file being made, not its partial (gone now), nor nothing, as a plain write does.
            if e.filename is None or e.filename == str(partial):
                e.filename = str(path)
            if e.filename2 == str(partial):
                e.filename2 = str(path)
        raise


def partial_path(path: Path) -> Path:
    """Where `replace_atomically` has the new `path` made: hidden, beside it, with its suffix."""
    return path.with_name(f".{path.stem}.partial{path.suffix}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def remove_empty_folders(folder: Path, root: Path) -> None:
    """Remove `folder` and its parents up to (not including) `root`, as long as they are empty."""
    while folder != root and folder.is_relative_to(root) and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def lies_in(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or inside it, its symbolic links followed: by name once resolved, or,
    for what exists, as the same file (which a disk that ignores case says of `Episodes` and
    `episodes`). What a build may publish from an episode's folder (a link out of it could lead to a
    CI runner's credentials), and what folders it may not write into."""
    try:
        path, folder = path.resolve(), folder.resolve()
        if path == folder or folder in path.parents:
            return True
        return folder.exists() and any(candidate.exists() and os.path.samefile(candidate, folder)
                                       for candidate in (path, *path.parents))
    except (OSError, RuntimeError, ValueError):  # a link loop, a name the system refuses
        return False


@contextmanager
def held_alone(lock_file: Path, on_wait: Callable[[], None]) -> Iterator[None]:
    """Hold `lock_file` for the block, as no other podcaster process does meanwhile: another that
    holds it is waited for, `on_wait` called first. The lock goes with the process, killed or not."""
    if fcntl is None:
        yield
        return
    with lock_file.open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
