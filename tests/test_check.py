"""`podcaster check` on broken input: exit 1, one line per problem naming file and field, nothing written."""

from __future__ import annotations

import os

import pytest

from conftest import ShowCopy, build_cache_held
from podcaster.cache import CACHE_FILE
from podcaster.writer import STATE_FILE

EPISODE = "episodes/just-forgiving/episode.md"


def _problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Error: ")]


def _assert_failed_cleanly(show: ShowCopy, result) -> list[str]:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert not show.output.exists() and not show.published.exists()
    return _problem_lines(result.stderr)


def test_sample_show_checks_clean(show: ShowCopy):
    result = show.run("--strict", "check")
    assert result.exit_code == 0, result.output
    assert "OK" in result.stdout
    assert not show.output.exists()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('title: "Just Forgiving"\n', "", "episodes/just-forgiving/episode.md: title: missing; add `title: "),
        ("date: 2017-06-01T10:00:00-04:00", "date: next tuesday",
         "episodes/just-forgiving/episode.md: date: 'next tuesday' is not a date and time in ISO 8601 form"),
        ("date: 2017-06-01T10:00:00-04:00", "date: 2017-06-01T10:00:00",
         "episodes/just-forgiving/episode.md: date: has no time zone (add e.g. -04:00 or Z)"),
        ("audio: episode.mp3", "audio: recording.mp3",
         "episodes/just-forgiving/episode.md: audio: 'recording.mp3' does not exist beside episode.md"),
        ("number: 2", "number: two",
         "episodes/just-forgiving/episode.md: number: must be a whole number from 1 up, not 'two'"),
    ],
)
def test_broken_episode_field_is_named(show: ShowCopy, old, new, expected):
    show.edit(EPISODE, old, new)
    for command in ("check", "build", "publish"):
        lines = _assert_failed_cleanly(show, show.run(command))
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"Error: {show.root / expected}") or lines[0].startswith(f"Error: {expected}"), lines


def test_every_problem_is_reported_in_one_run(show: ShowCopy):
    show.edit(EPISODE, 'title: "Just Forgiving"\n', "")
    show.edit("episodes/will-allah-forgive-me/episode.md", "audio: episode.mp3", "audio: gone.mp3")
    show.edit("podcast.toml", 'language = "en"', 'language = "English"')
    show.edit("podcast.toml", 'email = "producer@example.org"', 'email = "nobody"')
    lines = _assert_failed_cleanly(show, show.run("check"))
    fields = sorted(line.split(": ")[2] for line in lines)
    assert fields == ["audio", "language", "owner.email", "title"]
    assert "4 problems found; nothing was written." in show.run("check").stderr


def test_missing_guid_suggests_a_fresh_one(show: ShowCopy):
    show.edit(EPISODE, 'guid: "2b1396e7-f783-40ed-b366-baaee7315a21"\n', "")
    lines = _assert_failed_cleanly(show, show.run("check"))
    assert len(lines) == 1
    assert "guid: missing; add `guid: " in lines[0]


def test_duplicate_guids_are_an_error(show: ShowCopy):
    other = (show.root / "episodes/will-allah-forgive-me/episode.md").read_text()
    guid = next(line for line in other.splitlines() if line.startswith("guid:"))
    show.edit(EPISODE, 'guid: "2b1396e7-f783-40ed-b366-baaee7315a21"', guid)
    lines = _assert_failed_cleanly(show, show.run("check"))
    assert len(lines) == 1 and ": guid: " in lines[0] and "is already the GUID of" in lines[0]


def test_bad_toml_names_the_line(show: ShowCopy):
    show.edit("podcast.toml", 'language = "en"', "language = en")
    lines = _assert_failed_cleanly(show, show.run("check"))
    assert len(lines) == 1
    assert "podcast.toml: invalid TOML: " in lines[0] and "line 5" in lines[0]


def test_unknown_key_warns_and_strict_makes_it_fatal(show: ShowCopy):
    show.edit("podcast.toml", 'language = "en"', 'language = "en"\nlangauge = "en"')
    show.edit(EPISODE, "explicit: false", "explicit: false\nspeaker: someone")
    lenient = show.run("check")
    assert lenient.exit_code == 0, lenient.output
    warnings = [line for line in lenient.stderr.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 2
    assert any("podcast.toml: langauge: unknown key" in w for w in warnings)
    assert any("episode.md: speaker: unknown front matter key" in w for w in warnings)
    strict = show.run("--strict", "check")
    lines = _assert_failed_cleanly(show, strict)
    assert len(lines) == 2
    assert "(warnings are fatal with --strict)" in strict.stderr


def test_missing_required_config_keys_are_all_named(show: ShowCopy):
    show.config.write_text('title = "Only a title"\n', encoding="utf-8")
    lines = _assert_failed_cleanly(show, show.run("check"))
    fields = {line.split(": ")[2] for line in lines}
    assert fields == {"description", "author", "language", "category", "explicit", "artwork", "website",
                      "copyright", "owner.name", "owner.email", "publish.public_url"}
    assert all("missing; add `" in line for line in lines)


def test_category_must_be_apples(show: ShowCopy):
    show.edit("podcast.toml", 'subcategory = "Islam"', 'subcategory = "Sufism"')
    lines = _assert_failed_cleanly(show, show.run("check"))
    assert lines == [f"Error: {show.config}: subcategory: 'Sufism' is not a subcategory of 'Religion & Spirituality'; "
                     "use Buddhism, Christianity, Hinduism, Islam, Judaism, Religion, Spirituality"]


def test_audio_that_is_not_audio_is_refused(show: ShowCopy):
    (show.root / "episodes/just-forgiving/episode.mp3").write_bytes(b"this is not an mp3 at all")
    lines = _assert_failed_cleanly(show, show.run("check"))
    assert len(lines) == 1
    assert "episode.md: audio: " in lines[0] and "not a supported audio file" in lines[0]


def test_audio_with_the_wrong_extension_is_refused(show: ShowCopy):
    folder = show.root / "episodes/just-forgiving"
    (folder / "episode.mp3").rename(folder / "episode.m4a")
    show.edit(EPISODE, "audio: episode.mp3", "audio: episode.m4a")
    lines = _assert_failed_cleanly(show, show.run("check"))
    assert len(lines) == 1
    assert "holds MP3 audio but is named .m4a; rename it to end in .mp3" in lines[0]


def test_truncated_audio_is_refused(show: ShowCopy):
    audio = show.root / "episodes/just-forgiving/episode.mp3"
    audio.write_bytes(audio.read_bytes()[:10])
    lines = _assert_failed_cleanly(show, show.run("check"))
    assert len(lines) == 1 and "episode.md: audio: " in lines[0]


def test_unknown_publish_scheme_is_a_one_line_error(show: ShowCopy):
    result = show.run("publish", "--target", "ftp://example.org/show")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: publish target 'ftp://example.org/show': unknown scheme ftp://; "
                                     "use file://PATH (a folder) or s3://BUCKET/PREFIX (S3-compatible object storage)")
    assert not show.output.exists()


def test_usage_errors_exit_2(show: ShowCopy):
    assert show.run("publish", "--no-such-option").exit_code == 2


def test_readme_documents_every_config_key_and_front_matter_field():
    from conftest import REPO
    from podcaster import config, episodes

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert config.reference() in readme
    assert episodes.reference() in readme


def test_a_misspelt_key_inside_a_list_entry_is_named(show: ShowCopy):
    show.edit(EPISODE, "    duration: 7\n", "    duration: 7\n    tilte: oops\n")
    lines = _assert_failed_cleanly(show, show.run("check"))
    assert len(lines) == 1
    assert "episode.md: soundbites: entry 1 has unknown keys (tilte); use start, duration, title" in lines[0]


def test_a_negative_feed_limit_is_refused(show: ShowCopy):
    show.config.write_text(show.config.read_text(encoding="utf-8").replace("[owner]", "[feed]\nepisode_limit = -3\n\n[owner]", 1),
                           encoding="utf-8")
    lines = _assert_failed_cleanly(show, show.run("check"))
    assert lines == [f"Error: {show.config}: feed.episode_limit: is -3; use 0 (every episode in feed.xml) "
                     "or a whole number from 1 up, e.g. 100"]


def test_check_takes_unchanged_episodes_from_the_last_build_and_writes_nothing(show: ShowCopy):
    assert show.run("build").exit_code == 0
    # Audio replaced by bytes that are no audio at all, under the same size and mtime: as far as a
    # build can tell the episode did not change, so check takes it from the build's cache.
    audio = show.root / "episodes/just-forgiving/episode.mp3"
    stat = audio.stat()
    audio.write_bytes(b"\0" * stat.st_size)
    os.utime(audio, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    kept = {name: (show.output / name).read_bytes() for name in (CACHE_FILE, STATE_FILE)}
    with build_cache_held(show):  # a build running meanwhile does not keep check waiting
        result = show.run("check")
    assert result.exit_code == 0, result.output
    assert "busy" not in result.stderr
    assert {name: (show.output / name).read_bytes() for name in kept} == kept

    # An episode whose files changed is read again.
    os.utime(audio)
    result = show.run("check")
    assert result.exit_code == 1
    assert _problem_lines(result.stderr)[0].startswith(f"Error: {show.root / EPISODE}: audio:")
    assert {name: (show.output / name).read_bytes() for name in kept} == kept
