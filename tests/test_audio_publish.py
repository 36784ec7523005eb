"""Tagging in the pipeline: the sample show's published audio, `podcaster tag`, what `check` says
tagging would change, M4A chapters and ffmpeg, the ID3 version option, and the producer's
recordings, which are never opened for writing whatever their format."""

from __future__ import annotations

import os
import re
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from mutagen.id3 import ID3

from podcaster.writer import STATE_FILE

from audio_readers import DATA, FORMATS, ffprobe
from conftest import REPO, ShowCopy

SHOW_TITLE = "Forgiveness: Talks from the Path"
JUST_FORGIVING = "episodes/just-forgiving/episode.md"

SAMPLE_EPISODES = len(list((REPO / "episodes").glob("*/episode.md")))


def _front_matter(episode_md: Path) -> dict:
    return yaml.safe_load(episode_md.read_text(encoding="utf-8").split("---")[1])


def _audio_files(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.suffix in (".mp3", ".m4a", ".opus", ".ogg", ".flac")}


def test_the_sample_shows_published_audio_carries_its_metadata(show: ShowCopy):
    assert show.run("publish").exit_code == 0
    with_chapters = 0
    for episode_md in sorted((show.root / "episodes").glob("*/episode.md")):
        meta = _front_matter(episode_md)
        slug = episode_md.parent.name
        published = show.published / "episodes" / slug / f"{slug}{Path(meta['audio']).suffix}"
        probed = ffprobe(published)
        assert probed.tags["title"] == meta["title"]
        assert probed.tags["artist"] == ", ".join(meta["speakers"])
        assert probed.tags["album"] == SHOW_TITLE
        assert probed.tags.get("track") == (str(meta["number"]) if "number" in meta else None)
        assert probed.cover_streams == 1, f"{published} has no cover"
        if "chapters" in meta:
            with_chapters += 1
            assert [(start, title) for start, _, title in probed.chapters] == [
                (float(sum(int(part) * 60 ** i for i, part in enumerate(reversed(c["start"].split(":"))))),
                 c["title"]) for c in meta["chapters"]]
    assert with_chapters >= 3


# --- podcaster tag ------------------------------------------------------------------------------


def test_tag_writes_only_the_tagged_audio_and_a_second_run_nothing(show: ShowCopy):
    first = show.run("tag")
    assert first.exit_code == 0, first.output
    assert f"Tagged {SAMPLE_EPISODES} of {SAMPLE_EPISODES} audio files into {show.output}." in first.stdout
    written = {p.relative_to(show.output).as_posix() for p in show.output.rglob("*") if p.is_file()}
    assert written == {STATE_FILE} | {
        f"episodes/{p.parent.name}/{p.parent.name}{Path(_front_matter(p)['audio']).suffix}"
        for p in (show.root / "episodes").glob("*/episode.md")}
    stamps = _audio_files(show.output)

    second = show.run("tag")
    assert second.exit_code == 0, second.output
    assert f"Nothing to tag: all {SAMPLE_EPISODES} audio files in {show.output} are up to date." in second.stdout
    assert _audio_files(show.output) == stamps


def test_build_after_tag_keeps_the_tagged_audio_and_tag_after_build_keeps_the_site(show: ShowCopy):
    assert show.run("tag").exit_code == 0
    stamps = _audio_files(show.output)
    build = show.run("-v", "build")
    assert build.exit_code == 0, build.output
    # The build adds the other encodings (alternates) and leaves the tagged copies as they were.
    assert {path: stamp for path, stamp in _audio_files(show.output).items() if path in stamps} == stamps
    assert not [line for line in build.stdout.splitlines() if line.startswith("wrote ") and ".mp3" in line]
    assert (show.output / "feed.xml").is_file()

    assert show.run("tag").exit_code == 0
    again = show.run("-v", "build")
    assert again.exit_code == 0, again.output
    assert not [line for line in again.stdout.splitlines() if line.startswith("wrote ")], again.stdout


def test_tag_retags_only_the_episode_whose_metadata_changed(show: ShowCopy):
    assert show.run("tag").exit_code == 0
    show.edit(JUST_FORGIVING, 'title: "Just Forgiving"', 'title: "Just Forgiving, Revisited"')
    result = show.run("-v", "tag")
    assert result.exit_code == 0, result.output
    assert f"Tagged 1 of {SAMPLE_EPISODES} audio files" in result.stdout
    assert "tagged episodes/just-forgiving/just-forgiving.mp3" in result.stdout
    assert ffprobe(show.output / "episodes/just-forgiving/just-forgiving.mp3").tags["title"] == \
        "Just Forgiving, Revisited"


# --- podcaster check ----------------------------------------------------------------------------


def test_check_says_what_tagging_would_change_and_writes_nothing(show: ShowCopy):
    fresh = show.run("check")
    assert fresh.exit_code == 0, fresh.output
    assert ("episodes/just-forgiving/just-forgiving.mp3: tagging would write title, artist, album, album artist, "
            "date, genre, summary, copyright, guid, page URL, feed URL, podcast flag, category, track, disc, "
            "cover, chapters") in fresh.stdout
    assert f"Tagging: {SAMPLE_EPISODES} of {SAMPLE_EPISODES} audio files would be tagged." in fresh.stdout
    assert not show.output.exists()

    assert show.run("build").exit_code == 0
    built = show.run("check")
    assert f"Tagging: all {SAMPLE_EPISODES} tagged audio files are up to date." in built.stdout
    assert "tagging would" not in built.stdout

    show.edit(JUST_FORGIVING, 'title: "Just Forgiving"', 'title: "Just Forgiving, Revisited"')
    show.edit(JUST_FORGIVING, 'title: "Opening"', 'title: "Welcome"')
    edited = show.run("check")
    lines = [line for line in edited.stdout.splitlines() if "tagging would" in line]
    assert lines == ["episodes/just-forgiving/just-forgiving.mp3: tagging would change title, chapters"]
    assert f"Tagging: 1 of {SAMPLE_EPISODES} audio files would be tagged." in edited.stdout

    recording = show.root / "episodes/will-allah-forgive-me/episode.mp3"
    os.utime(recording, ns=(recording.stat().st_atime_ns, recording.stat().st_mtime_ns + 10**9))
    touched = show.run("check")
    assert ("episodes/will-allah-forgive-me/will-allah-forgive-me.mp3: would be copied again from its recording; "
            "its tags stay as they are") in touched.stdout


# --- M4A chapters and ffmpeg --------------------------------------------------------------------

GUARDIAN = "episodes/be-a-guardian-conceal-someones-faults/episode.md"
M4A_CHAPTERS = 'cover: cover.jpg\nchapters:\n  - {start: "00:00", title: "The deed"}\n  - {start: "00:12", title: "Why hide faults"}\n'


def test_m4a_chapters_need_ffmpeg_and_check_says_how_to_install_it(show: ShowCopy, tmp_path: Path, monkeypatch):
    show.edit(GUARDIAN, "cover: cover.jpg\n", M4A_CHAPTERS)
    no_tools = tmp_path / "no-tools"
    no_tools.mkdir()
    with monkeypatch.context() as without_ffmpeg:
        without_ffmpeg.setenv("PATH", str(no_tools))
        result = show.run("check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"Error: {show.root / GUARDIAN}: chapters: chapters in M4A audio (episode.m4a) are written with ffmpeg, "
        "which is not installed; install it: `apt-get install ffmpeg` (Debian/Ubuntu), `brew install ffmpeg` "
        "(macOS), or set `chapters: []` to publish it without chapters")

    built = show.run("build")
    assert built.exit_code == 0, built.output
    published = show.output / "episodes/be-a-guardian-conceal-someones-faults/be-a-guardian-conceal-someones-faults.m4a"
    probed = ffprobe(published)
    assert [(start, title) for start, _, title in probed.chapters] == [(0.0, "The deed"), (12.0, "Why hide faults")]
    assert probed.tags["title"] == "Be a Guardian: Conceal Someone's Faults and Shortcomings"
    assert probed.cover_streams == 1


# --- the ID3 version option ---------------------------------------------------------------------


def test_id3_version_3_from_the_config(show: ShowCopy):
    show.config.write_text(show.config.read_text(encoding="utf-8") + "\n[audio]\nid3_version = 3\n", encoding="utf-8")
    assert show.run("--strict", "build").exit_code == 0
    published = show.output / "episodes/just-forgiving/just-forgiving.mp3"
    assert ID3(published).version == (2, 3, 0)
    probed = ffprobe(published)
    assert probed.tags["title"] == "Just Forgiving"
    assert [title for _, _, title in probed.chapters][0] == "Opening"


def test_an_unknown_id3_version_is_refused(show: ShowCopy):
    show.config.write_text(show.config.read_text(encoding="utf-8") + "\n[audio]\nid3_version = 5\n", encoding="utf-8")
    result = show.run("check")
    assert result.exit_code == 1
    assert f"Error: {show.config}: audio.id3_version: is 5; use one of: 3, 4" in result.stderr


# --- the producer's recordings are only ever read -----------------------------------------------

_WATCHED: set[str] = set()
_TOUCHES: list[str] = []
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def _audit(event: str, args: tuple) -> None:
    """Records every attempt to open a watched file for writing, or to rename, remove, truncate or
    hand it to a subprocess (the Python audit events of those operations)."""
    if not _WATCHED:
        return
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int)
                                                                                 and flags & _WRITE_FLAGS)
        if writing and _is_watched(path):
            _TOUCHES.append(f"open({path!r}, {mode!r}, {flags})")
    elif event in ("os.rename", "os.replace", "os.remove", "os.truncate", "os.chmod", "os.utime"):
        if any(_is_watched(arg) for arg in args[:2]):
            _TOUCHES.append(f"{event}{args[:2]!r}")
    elif event == "subprocess.Popen":
        if any(_is_watched(arg) for arg in args[1] or ()):
            _TOUCHES.append(f"subprocess {args[1]!r}")


def _is_watched(path) -> bool:
    return isinstance(path, (str, bytes, os.PathLike)) and os.path.realpath(os.fsdecode(path)) in _WATCHED


sys.addaudithook(_audit)


@contextmanager
def _watching(*paths: Path):
    _WATCHED.update(os.path.realpath(p) for p in paths)
    _TOUCHES.clear()
    try:
        yield _TOUCHES
    finally:
        _WATCHED.clear()


APPLE_FORMATS = ("mp3", "m4a")


def _one_episode_in(show: ShowCopy, extension: str) -> Path:
    """The sample show cut down to just-forgiving, with tests/data/tone.<ext> as its recording.

    Apple accepts only MP3 and M4A as an episode's audio, so an Opus, Vorbis or FLAC recording
    is published as an alternate encoding beside an MP3 (podcast:alternateEnclosure)."""
    for folder in (show.root / "episodes").iterdir():
        if folder.is_dir() and folder.name != "just-forgiving":
            shutil.rmtree(folder)
    folder = show.root / "episodes/just-forgiving"
    (folder / "episode.mp3").unlink()
    recording = folder / f"episode.{extension}"
    shutil.copyfile(DATA / f"tone.{extension}", recording)
    text = (folder / "episode.md").read_text(encoding="utf-8")
    if extension in APPLE_FORMATS:
        text = text.replace("audio: episode.mp3", f"audio: episode.{extension}")
    else:
        shutil.copyfile(DATA / "tone.mp3", folder / "episode.mp3")
        text = text.replace("audio: episode.mp3", f"audio: episode.mp3\nalternates: [episode.{extension}]")
    text = re.sub(r"soundbites:\n(  .*\n)+", "", text)  # they point past the end of a 2-second tone
    text = re.sub(r"chapters:\n(  .*\n)+", 'chapters:\n  - {start: "00:00", title: "Opening"}\n'
                  '  - {start: "00:01", title: "Pardoning", url: "https://example.org/pardon", image: chapter.png}\n',
                  text)
    (folder / "episode.md").write_text(text, encoding="utf-8")
    shutil.copyfile(DATA / "chapter.png", folder / "chapter.png")
    return recording


@pytest.mark.parametrize("extension", FORMATS)
def test_every_format_is_published_and_its_recording_never_opened_for_writing(show: ShowCopy, extension):
    recording = _one_episode_in(show, extension)
    if extension == "mp3":
        # ffmpeg reads the size of a chapter's sub-frames the ID3v2.3 way, so it skips an ID3v2.4
        # chapter that carries an image; ID3v2.3 is the option for such players (and ffprobe).
        show.config.write_text(show.config.read_text(encoding="utf-8") + "\n[audio]\nid3_version = 3\n",
                               encoding="utf-8")
    before = recording.read_bytes(), recording.stat().st_mtime_ns
    with _watching(recording) as touches:
        for command in ("check", "tag", "publish"):
            result = show.run(command)
            assert result.exit_code == 0, result.output
    assert touches == []
    assert (recording.read_bytes(), recording.stat().st_mtime_ns) == before
    key = (f"episodes/just-forgiving/just-forgiving.{extension}" if extension in APPLE_FORMATS
           else f"episodes/just-forgiving/alternates/episode.{extension}")
    probed = ffprobe(show.published / key)
    assert probed.tags["title"] == "Just Forgiving"
    assert [title for _, _, title in probed.chapters] == ["Opening", "Pardoning"]
    assert f'"http://127.0.0.1:8000/{key}"' in (show.published / "feed.xml").read_text(encoding="utf-8")


def test_the_watch_sees_a_write(tmp_path: Path):
    """The audit hook above must be able to fail: opening a watched file for writing is recorded."""
    watched = tmp_path / "recording.mp3"
    watched.write_bytes(b"ID3")
    with _watching(watched) as touches:
        with watched.open("rb"):
            pass
        with watched.open("r+b"):
            pass
    assert len(touches) == 1 and "'r+'" in touches[0]
