"""Tagged copies made by a child process are the very copies the build makes itself, a failed one
fails the build with its own error, and the child leaves neither a process nor a partial file."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO, ShowCopy, copy_sample_show, site_files
from podcaster import pipeline, tagging as tagging_module
from podcaster.site import Layout
from podcaster.tagging import Job, TaggingProcess, make_tagged_copy

DATA = REPO / "tests" / "data"
ENOUGH = TaggingProcess._MINIMUM + 16  # copies: a child process makes them



def _jobs(show: ShowCopy, folder: Path, count: int) -> list[Job]:
    """`count` tagged copies of the sample's recordings (each used again and again) into `folder`."""
    loaded = pipeline.load(show.config)
    layout = Layout.of(loaded.show)
    episodes = loaded.published
    return [Job(folder / f"{n}-{episodes[n % len(episodes)].audio.name}", episodes[n % len(episodes)].audio,
                pipeline.tags_for(episodes[n % len(episodes)], loaded.show, layout)) for n in range(count)]


def test_a_build_whose_audio_a_child_process_tags_is_the_build_this_process_makes(
        show: ShowCopy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    alone = copy_sample_show(tmp_path / "alone")
    monkeypatch.setattr(TaggingProcess, "_MINIMUM", 10 ** 9)
    assert alone.run("build").exit_code == 0
    started = []
    monkeypatch.setattr(TaggingProcess, "_MINIMUM", 1)
    monkeypatch.setattr(TaggingProcess, "_start", _counted(TaggingProcess._start, started))
    assert show.run("build").exit_code == 0
    assert started  # the sample's ten episodes and one other encoding went through the child
    assert site_files(show.output) == site_files(alone.output)
    assert show.run("build").exit_code == 0 and len(started) == 1  # nothing to tag: no child started


def _counted(start, calls: list):
    def counting(self):
        calls.append(self)
        start(self)
    return counting


def test_each_copy_is_made_once_and_said_so_in_order(show: ShowCopy, tmp_path: Path):
    jobs = _jobs(show, tmp_path, ENOUGH)
    made = []
    with TaggingProcess() as tagging:
        for job in jobs:
            tagging.submit(job, lambda sha256, job=job: made.append((job.path, sha256)))
        assert tagging._process is not None
        tagging.finish()
    assert made == [(job.path, hashlib.sha256(job.path.read_bytes()).hexdigest()) for job in jobs]
    expected = tmp_path / "expected.mp3"
    make_tagged_copy(jobs[0]._replace(path=expected))
    assert jobs[0].path.read_bytes() == expected.read_bytes()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no partial file left


def test_a_copy_the_child_cannot_make_raises_its_error_and_nothing_more_is_made(show: ShowCopy, tmp_path: Path):
    jobs = _jobs(show, tmp_path, ENOUGH)
    missing = tmp_path / "gone.mp3"
    jobs[1] = jobs[1]._replace(recording=missing)
    made = []
    with pytest.raises(FileNotFoundError) as raised:
        with TaggingProcess() as tagging:
            for job in jobs:
                tagging.submit(job, lambda sha256, job=job: made.append((job.path, sha256)))
            tagging.finish()
    assert raised.value.filename == str(missing)
    assert made == []  # the first batch failed: nothing of it is recorded
    assert [job.path for job in jobs if job.path.exists()] == [jobs[0].path]  # made before the failure; no more
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_where_no_child_can_start_every_copy_is_made_here(show: ShowCopy, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    alone = copy_sample_show(tmp_path / "alone")
    assert alone.run("build").exit_code == 0

    def no_child():
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(tagging_module, "ChildProcess", no_child)
    monkeypatch.setattr(TaggingProcess, "_MINIMUM", 1)
    result = show.run("build")
    assert result.exit_code == 0
    assert site_files(show.output) == site_files(alone.output)
    assert "Warning: the audio is tagged in this process only (the child process failed to start: " \
           "[Errno 11] Resource temporarily unavailable)" in result.output


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="counts child processes in /proc")
def test_leaving_early_ends_the_child_and_removes_what_it_was_making(show: ShowCopy, tmp_path: Path):
    long_recording = tmp_path / "long.mp3"
    with long_recording.open("wb") as long, _jobs(show, tmp_path, 1)[0].recording.open("rb") as short:
        data = short.read()
        for _ in range(2000):  # some 60 MB, so copies are still being made when the block is left
            long.write(data[-len(data) // 2:])
    out = tmp_path / "out"
    out.mkdir()
    jobs = [job._replace(recording=long_recording) for job in _jobs(show, out, ENOUGH)]
    before = _children()
    with pytest.raises(KeyboardInterrupt):
        with TaggingProcess() as tagging:
            for job in jobs:
                tagging.submit(job, lambda sha256: None)
            assert len(_children() - before) == 1  # the child alone
            raise KeyboardInterrupt
    assert _children() == before
    assert not any(p.name.startswith(".") for p in out.iterdir())


def test_a_few_copies_are_made_here_without_a_child(show: ShowCopy, tmp_path: Path):
    jobs = _jobs(show, tmp_path, 3)
    before = _children()
    made = []
    with TaggingProcess() as tagging:
        for job in jobs:
            tagging.submit(job, lambda sha256, job=job: made.append((job.path, sha256)))
        assert _children() == before
        tagging.finish()
    assert [path for path, _ in made] == [job.path for job in jobs] and all(job.path.is_file() for job in jobs)


def _children() -> set[int]:
    children = set()
    if not Path("/proc/self/stat").is_file():
        return children
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(status[1]) == os.getpid() and status[0] != "Z":
            children.add(int(entry.name))
    return children


def test_the_child_is_found_where_this_process_found_podcaster(show: ShowCopy, tmp_path: Path):
    """The child is started with this interpreter and this sys.path, whatever the working folder."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    jobs = _jobs(show, tmp_path, ENOUGH)
    cwd = os.getcwd()
    os.chdir(elsewhere)
    try:
        with TaggingProcess() as tagging:
            for job in jobs:
                tagging.submit(job, lambda sha256: None)
            tagging.finish()
    finally:
        os.chdir(cwd)
    assert all(job.path.is_file() for job in jobs)


def test_the_child_ends_once_it_has_made_every_copy(show: ShowCopy, tmp_path: Path):
    jobs = _jobs(show, tmp_path, ENOUGH)
    made = []
    with TaggingProcess() as tagging:
        for job in jobs:
            tagging.submit(job, lambda sha256, job=job: made.append(job.path))
        child = tagging._process
        while tagging._process is not None:
            time.sleep(0.01)
            tagging.collect()
        assert not child.running and len(made) == len(jobs)  # ended, its copies all taken
        late = tmp_path / "late.mp3"
        tagging.submit(jobs[0]._replace(path=late), lambda sha256: made.append(late))
        tagging.finish()  # one copy, made here
    assert made[-1] == late and late.read_bytes() == jobs[0].path.read_bytes()


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="looks for processes in /proc")
def test_leaving_while_ffmpeg_adds_chapters_stops_ffmpeg_and_leaves_no_file_of_it(show: ShowCopy, tmp_path: Path):
    """M4A chapters are a track ffmpeg writes into a side copy; stopping the child stops it too."""
    long_recording = tmp_path / "long.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "20000", "-i", str(DATA / "tone.m4a"),
                    "-c", "copy", str(long_recording)], check=True)  # some 120 MB, 11 hours
    out = tmp_path / "out"
    out.mkdir()
    with_chapters = next(job for job in _jobs(show, out, 10) if job.tags.chapters)
    jobs = [with_chapters._replace(path=out / f"{n}.m4a", recording=long_recording) for n in range(ENOUGH)]
    with pytest.raises(KeyboardInterrupt):
        with TaggingProcess() as tagging:
            for job in jobs:
                tagging.submit(job, lambda sha256: None)
            for _ in range(300):
                if any(p.name.endswith(".chapters.txt") for p in out.iterdir()):
                    break
                time.sleep(0.05)
            else:
                pytest.fail("ffmpeg never started on the chapters")
            raise KeyboardInterrupt
    assert not any(p.name.startswith(".") for p in out.iterdir())
    assert not [pid for pid in _processes() if str(out) in _command_line(pid)]


def _processes() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
