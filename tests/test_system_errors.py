"""When the system refuses a file (a full disk, a missing permission), the user gets one line that
names the file, the refusal and what to do: no traceback, exit code 1, no partial file left.

The refusal is a real one: RLIMIT_FSIZE makes the kernel fail every write past a size with EFBIG,
as a full disk fails it with ENOSPC (Python ignores the SIGXFSZ that comes with it)."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest

from audio_readers import DATA
from conftest import ShowCopy
from podcaster import audio, cli
from podcaster.errors import FileSystemError, is_refusal
from podcaster.files import replace_atomically

PODCASTER = Path(sys.executable).parent / "podcaster"


def _run_limited(show: ShowCopy, limit: int, *args: str) -> subprocess.CompletedProcess:
    """The installed `podcaster` command, in a process that may write no file larger than `limit` bytes."""
    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    return subprocess.run([str(PODCASTER), "--config", str(show.config), *args], capture_output=True, text=True,
                          preexec_fn=limit_file_size, env={**os.environ, "NO_COLOR": "1"}, timeout=300)


def test_a_refused_write_is_one_error_line_naming_the_file_and_the_fix(show: ShowCopy):
    result = _run_limited(show, 40_000, "build")  # every recording of the sample show is larger
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: "), result.stderr
    assert str(show.output) in last
    assert "File too large; raise the limit on the size of files written (`ulimit -f`), then run the command again" in last
    assert not [p for p in show.output.rglob("*") if ".partial" in p.name]


def test_verbose_shows_the_traceback_too(show: ShowCopy):
    result = _run_limited(show, 40_000, "-v", "build")
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "OSError: [Errno 27] File too large" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")


def test_the_build_succeeds_once_the_limit_is_gone(show: ShowCopy):
    assert _run_limited(show, 40_000, "build").returncode == 1
    result = _run_limited(show, resource.RLIM_INFINITY, "build")
    assert result.returncode == 0, result.stderr
    assert (show.output / "feed.xml").is_file()


@contextmanager
def _file_size_limit(limit: int) -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def test_a_refusal_while_tagging_is_not_blamed_on_the_audio(tmp_path: Path):
    copy = tmp_path / "episode.mp3"
    shutil.copyfile(DATA / "tone.mp3", copy)
    tags = audio.Tags(title="Just Forgiving", artist="A speaker", album="A show", album_artist="A producer",
                      date=datetime(2017, 6, 1, tzinfo=timezone.utc), summary="A summary.", copyright="©",
                      guid="2b1396e7-f783-40ed-b366-baaee7315a21", feed_url="https://example.org/feed.xml",
                      page_url="https://example.org/1/", duration=1.0, cover=DATA / "cover.png")
    with _file_size_limit(copy.stat().st_size + 100):  # the copy may not grow by its tags
        with pytest.raises(OSError) as raised:  # which the build reports as the system's refusal
            audio.tag(copy, tags)
    assert raised.value.errno == errno.EFBIG
    audio.tag(copy, tags)  # without the limit, the same copy takes the tags


def test_a_build_refused_while_tagging_names_the_tagged_copy(show: ShowCopy):
    # Every recording fits under the limit; every tagged copy, carrying its cover, does not.
    result = _run_limited(show, 155_000, "build")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: {show.output}/episodes/"), result.stderr
    assert ".partial" not in last and "Traceback" not in result.stderr
    assert ": File too large; raise the limit" in last


@pytest.mark.parametrize(("number", "fix"), [
    (errno.ENOSPC, "; free some space on the disk written to, then run the command again"),
    (errno.EACCES, "; check that you may read and write there, or choose another folder, then run the command again"),
    (errno.EROFS, "; choose a folder on a writable file system, then run the command again"),
    (errno.ENAMETOOLONG, "; shorten the name (an episode's folder, or a file named in its front matter), then run "
                         "the command again"),
    (errno.ESTALE, "; the network folder went away: mount it again, then run the command again"),
    (errno.EIO, ""),
])
def test_each_refusal_says_what_to_do_when_there_is_something_to_do(number: int, fix: str):
    error = OSError(number, os.strerror(number), "feed/feed.xml")
    assert FileSystemError.of(error).message == f"feed/feed.xml: {os.strerror(number)}{fix}"


def test_a_refused_copy_names_both_files():
    copy = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "episodes/a/episode.mp3", None, "feed/a/a.mp3")
    assert FileSystemError.of(copy).message.startswith("episodes/a/episode.mp3 → feed/a/a.mp3: No space left")


def test_only_the_machines_refusals_lose_their_traceback(monkeypatch: pytest.MonkeyPatch):
    assert is_refusal(OSError(errno.ENOSPC, "full")) and is_refusal(OSError(errno.EIO, "I/O error"))
    assert not is_refusal(FileNotFoundError(errno.ENOENT, "gone", "feed/x"))  # podcaster's own files: a bug
    assert not is_refusal(BrokenPipeError(errno.EPIPE, "pipe")) and not is_refusal(OSError("no errno"))

    def failing_command(**_) -> None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "feed/.podcaster-pictures/1.webp")

    def exit_without_ending_the_tests(code: object) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(cli, "cli", failing_command)
    monkeypatch.setattr(cli, "_exit", exit_without_ending_the_tests)
    with pytest.raises(FileNotFoundError):
        cli.main()


def test_a_failed_write_names_the_file_it_was_making_and_leaves_no_partial(tmp_path: Path):
    target = tmp_path / "site" / "index.html"
    with _file_size_limit(1000):
        with pytest.raises(OSError) as raised:
            replace_atomically(target, lambda partial: partial.write_bytes(b"x" * 10_000))
    assert raised.value.errno == errno.EFBIG
    assert raised.value.filename == str(target)
    assert list(target.parent.iterdir()) == []


def test_a_failed_copy_names_the_file_being_made_not_its_partial(tmp_path: Path):
    source, target = tmp_path / "recording.mp3", tmp_path / "site" / "episode.mp3"
    source.write_bytes(b"x" * 10_000)
    with _file_size_limit(1000):
        with pytest.raises(OSError) as raised:
            replace_atomically(target, lambda partial: shutil.copyfile(source, partial))
    assert (raised.value.filename, raised.value.filename2) == (str(source), str(target))


def test_a_refused_copy_into_a_folder_target_says_why_and_what_to_do(show: ShowCopy):
    assert show.run("build").exit_code == 0
    result = _run_limited(show, 100_000, "publish")  # the build is done; its tagged audio is larger
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: cannot write {show.published.resolve()}/"), result.stderr
    assert last.endswith(": File too large; raise the limit on the size of files written (`ulimit -f`), "
                         "then run the command again")
    assert not (show.published / "feed.xml").exists()  # the feed goes last, and never before its files
