"""Mistakes a producer makes that once cost files or ended in a traceback, found by an audit that ran
podcaster as a user would: each is refused by `check` (so by every command), naming the file, the
field and the fix, before anything is written."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ShowCopy

EPISODE = "episodes/just-forgiving/episode.md"
RECORDING = "episodes/just-forgiving/episode.mp3"


def _errors(result) -> list[str]:
    assert "Traceback" not in result.output
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


def _refused_by_each(show: ShowCopy, commands: list[list[str]], field: str, says: list[str]) -> None:
    """Each of `commands` fails with an error on the config's `field` that says all of `says`."""
    for command in commands:
        result = show.run(*command)
        assert result.exit_code == 1, result.output
        lines = _errors(result)
        assert any(line.startswith(f"Error: {show.config}: {field}: ") and all(part in line for part in says)
                   for line in lines), (command, lines)


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("output", "says"), [
    (".", "is the show's own folder"),
    ("", "is the show's own folder"),
    ("..", "holds the show's folder"),
    ("episodes", "is the episodes folder (paths.episodes)"),
    ("episodes/site", "lies inside the episodes folder (paths.episodes)"),
    ("templates", "is the templates folder (paths.templates)"),
])
def test_an_output_folder_among_the_producers_files_is_refused_and_nothing_is_touched(
        show: ShowCopy, output: str, says: str):
    # With output = ".", a build once wrote its tagged copy over a recording named like it
    # (episodes/<slug>/<slug>.mp3), and removed it when the episode became a draft.
    recording = show.root / RECORDING
    renamed = recording.with_name("just-forgiving.mp3")
    recording.rename(renamed)
    show.edit(EPISODE, "audio: episode.mp3", "audio: just-forgiving.mp3")
    before = _digests(show.root / "episodes")
    (show.root / "podcast.toml").write_text(
        (show.root / "podcast.toml").read_text(encoding="utf-8") + f'\n[paths]\noutput = "{output}"\n', encoding="utf-8")
    _refused_by_each(show, [["check"], ["build"], ["publish"]], "paths.output",
                     [says, 'set it to a folder of its own, such as "feed"'])
    assert _digests(show.root / "episodes") == before
    assert not (show.root / "public").exists()


@pytest.mark.parametrize(("target", "says"), [
    ("file://.", "is the show's own folder"),
    ("file://episodes", "is the episodes folder (paths.episodes)"),
    ("file://public/..", "is the show's own folder"),
    ("file:/public", "write file://public (two slashes)"),
    ("public", "a folder is written file://PATH (here file://public, a relative one from the config's folder)"),
    ("ftp://example.org/show", "unknown scheme ftp://"),
    ("s3://", "no bucket given"),
])
def test_check_refuses_a_target_that_publish_must_not_or_cannot_use(show: ShowCopy, target: str, says: str):
    show.edit("podcast.toml", 'target = "file://public"', f'target = "{target}"')
    before = _digests(show.root / "episodes")
    _refused_by_each(show, [["check"], ["publish", "--prune"]], "publish.target", [says])
    assert _digests(show.root / "episodes") == before
    assert not (show.root / "file:").exists()


@pytest.mark.parametrize(("target", "says"), [
    ("file://feed", "is the build's output folder (paths.output)"),
    ("file://feed/public", "lies inside the build's output folder (paths.output), {show}/feed"),
    ("file://.podcaster-preview", "is the preview's folder"),
    ("file://episodes", "is the episodes folder (paths.episodes)"),
])
def test_publish_refuses_a_folder_that_builds_rewrite_given_for_one_run_or_not(show: ShowCopy, target: str,
                                                                                says: str):
    before = _digests(show.root / "episodes")
    result = show.run("publish", "--prune", "--target", target)
    assert result.exit_code == 1
    assert _errors(result) == [f"Error: publish target {target}: {(show.root / target[7:]).resolve()} "
                               f"{says.format(show=show.root)}; "
                               "publish to a folder of its own"]
    assert _digests(show.root / "episodes") == before
    assert not show.output.exists()  # refused before the build


def test_a_show_only_built_may_build_where_the_default_target_would_publish(show: ShowCopy):
    # GitLab Pages serves public/, and a show deployed by CI never runs publish: check and build pass,
    # and only a publish into the folder it builds is refused.
    show.edit("podcast.toml", "[publish]", '[paths]\noutput = "public"\n\n[publish]')
    assert show.run("check").exit_code == 0
    assert show.run("build").exit_code == 0
    assert (show.root / "public" / "feed.xml").is_file()
    result = show.run("publish")
    assert result.exit_code == 1
    assert "is the build's output folder (paths.output)" in _errors(result)[0]


def test_folders_of_their_own_anywhere_are_accepted(show: ShowCopy, tmp_path: Path):
    shared = tmp_path / "shared-episodes"
    (show.root / "episodes").rename(shared)
    for config in ("podcast.toml",):
        text = (show.root / config).read_text(encoding="utf-8").replace('artwork = "episodes/', 'artwork = "../shared-episodes/')
        (show.root / config).write_text(text, encoding="utf-8")
    elsewhere = tmp_path / "site-elsewhere"
    (show.root / "site-link").symlink_to(tmp_path / "linked-site", target_is_directory=True)
    (tmp_path / "linked-site").mkdir()
    show.edit("podcast.toml", "[publish]", f'[paths]\nepisodes = "../shared-episodes"\noutput = "{elsewhere}"\n\n[publish]')
    show.edit("podcast.toml", 'target = "file://public"', f'target = "file://{tmp_path / "published"}"')
    result = show.run("publish")
    assert result.exit_code == 0, result.output
    assert (elsewhere / "feed.xml").is_file() and (tmp_path / "published" / "feed.xml").is_file()
    assert show.run("publish", "--target", "file://site-link").exit_code == 0
    assert (tmp_path / "linked-site" / "feed.xml").is_file()


def test_an_output_folder_holding_the_episodes_is_refused(show: ShowCopy):
    (show.root / "feed").mkdir()
    (show.root / "episodes").rename(show.root / "feed" / "episodes")
    show.edit("podcast.toml", 'artwork = "episodes/', 'artwork = "feed/episodes/')
    show.edit("podcast.toml", "[publish]", '[paths]\nepisodes = "feed/episodes"\n\n[publish]')
    result = show.run("check")
    assert result.exit_code == 1
    assert (f"Error: {show.config}: paths.output: {show.root / 'feed'} holds the episodes folder (paths.episodes), "
            f'{show.root / "feed" / "episodes"}; set it to a folder of its own, such as "site"') in _errors(result)


def test_artwork_kept_in_the_output_folder_is_refused(show: ShowCopy):
    (show.root / "docs").mkdir()
    (show.root / "episodes" / "artwork.jpg").rename(show.root / "docs" / "artwork.jpg")
    show.edit("podcast.toml", 'artwork = "episodes/artwork.jpg"', 'artwork = "docs/artwork.jpg"')
    show.edit("podcast.toml", "[publish]", '[paths]\noutput = "docs"\n\n[publish]')
    result = show.run("check")
    assert result.exit_code == 1
    assert _errors(result) == [f"Error: {show.config}: artwork: {show.root / 'docs' / 'artwork.jpg'} lies in the "
                               f"build's output folder {show.root / 'docs'}, whose files the build writes; keep the "
                               "artwork beside podcast.toml or in the episodes folder"]


def test_an_output_folder_that_is_a_file_is_refused(show: ShowCopy):
    show.output.write_text("not a folder\n", encoding="utf-8")
    result = show.run("build")
    assert result.exit_code == 1
    assert _errors(result)[0] == (f"Error: {show.config}: paths.output: {show.output} is a file, not a folder; "
                                  "move it, or name another folder")


@pytest.mark.parametrize(("date", "reason"), [
    ("2017-06-31T10:00:00-04:00", "day is out of range for month"),
    ("2017-13-01T10:00:00-04:00", "month must be in 1..12"),
    ("2017-06-01T25:00:00-04:00", "hour must be in 0..23"),
])
def test_a_date_that_does_not_exist_names_the_field(show: ShowCopy, date: str, reason: str):
    # The quoted summary looks like a date that does not exist, but is text: the date is blamed.
    show.edit(EPISODE, "date: 2017-06-01T10:00:00-04:00", f'date: {date}\nsubtitle: "2017-06-31"')
    result = show.run("check")
    assert result.exit_code == 1
    assert _errors(result) == [f"Error: {show.root / EPISODE}: date: {date} does not exist ({reason}); write a real date and "
                               "time, e.g. 2017-06-01T10:00:00-04:00"]


def test_a_location_id_written_as_a_number_is_an_error_not_a_crash(show: ShowCopy):
    text = (show.root / EPISODE).read_text(encoding="utf-8")
    (show.root / EPISODE).write_text(re.sub(r"location:\n(  .*\n)+", "location:\n  name: Medina\n  osm: 12\n", text),
                                     encoding="utf-8")
    result = show.run("check")
    assert result.exit_code == 1
    assert _errors(result)[0].startswith(f"Error: {show.root / EPISODE}: location: osm: 12 is not an OpenStreetMap type and id")


def test_warnings_are_shown_with_the_errors_they_explain(show: ShowCopy):
    show.edit("podcast.toml", 'author = "SeekersHub"', 'auther = "SeekersHub"')
    result = show.run("check")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert f"Warning: {show.config}: auther: unknown key, ignored; check its spelling" in lines
    assert any(line.startswith(f"Error: {show.config}: author: missing") for line in lines)


def test_files_saved_with_a_byte_order_mark_are_read(show: ShowCopy):
    for name in (EPISODE, "podcast.toml"):
        path = show.root / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = show.run("--strict", "build")
    assert result.exit_code == 0, result.output
    page = (show.output / "episodes" / "just-forgiving" / "index.html").read_text(encoding="utf-8")
    assert "<title>Just Forgiving · Forgiveness: Talks from the Path</title>" in page
    assert "\ufeff" not in (show.output / "feed.xml").read_text(encoding="utf-8")


def test_a_value_that_should_be_a_table_is_one_error_and_no_unknown_key_warning(show: ShowCopy):
    show.edit("podcast.toml", '[owner]\nname = "Sample Show Producer"\nemail = "producer@example.org"\n', "")
    show.edit("podcast.toml", 'language = "en"', 'language = "en"\nowner = "Jane"')
    result = show.run("check")
    assert result.exit_code == 1
    assert _errors(result) == [f"Error: {show.config}: owner: must be a table; write it as [owner]"]
    assert "Warning" not in result.stderr


def test_an_artwork_path_naming_a_folder_says_so(show: ShowCopy):
    show.edit("podcast.toml", 'artwork = "episodes/artwork.jpg"', 'artwork = "episodes"')
    result = show.run("check")
    assert result.exit_code == 1
    assert _errors(result) == [f"Error: {show.config}: artwork: 'episodes' is a folder; name the image file, "
                               'e.g. "episodes/artwork.jpg"']


def test_episode_folders_that_differ_only_in_case_are_warned_of(show: ShowCopy):
    (show.root / "episodes" / "just-forgiving").rename(show.root / "episodes" / "Just-Forgiving")
    shutil.copytree(show.root / "episodes" / "Just-Forgiving", show.root / "episodes" / "just-forgiving")
    show.edit(EPISODE, 'guid: "2b1396e7-f783-40ed-b366-baaee7315a21"', 'guid: "a second episode"')
    result = show.run("check")
    assert result.exit_code == 0, result.output
    assert (f"Warning: {show.root / EPISODE}: its folder's name differs from 'Just-Forgiving' only in case, so on "
            "macOS and Windows their pages and audio would overwrite each other; rename one of the folders"
            in result.stderr.splitlines())
    assert show.run("--strict", "check").exit_code == 1


def test_a_value_yaml_cannot_make_is_an_error_not_a_crash(show: ShowCopy):
    show.edit(EPISODE, "explicit: false", "explicit: !!bool maybe")  # a KeyError inside PyYAML
    result = show.run("check")
    assert result.exit_code == 1
    assert _errors(result)[0].startswith(f"Error: {show.root / EPISODE}: front matter: a value YAML cannot make (")


def test_new_numbers_after_episodes_saved_with_a_byte_order_mark(show: ShowCopy):
    for source in (show.root / "episodes").glob("*/episode.md"):
        source.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    numbers = [int(n) for n in re.findall(r"^number: (\d+)$", "\n".join(
        p.read_text(encoding="utf-8-sig") for p in (show.root / "episodes").glob("*/episode.md")), re.MULTILINE)]
    result = show.run("new", "A later talk", "--speaker", "Someone")
    assert result.exit_code == 0, result.output
    created = (show.root / "episodes" / "a-later-talk" / "episode.md").read_text(encoding="utf-8")
    assert f"number: {max(numbers) + 1}\n" in created


def test_a_target_scheme_in_capitals_is_still_a_folder(show: ShowCopy):
    show.edit("podcast.toml", 'target = "file://public"', 'target = "FILE://public"')
    result = show.run("publish")
    assert result.exit_code == 0, result.output
    assert (show.root / "public" / "feed.xml").is_file()


def _run_without_root_override(show: ShowCopy, *args: str) -> subprocess.CompletedProcess:
    """The installed command, unable to read what its permissions refuse even when run as root (as CI is)."""
    command = [str(Path(sys.executable).parent / "podcaster"), "--config", str(show.config), *args]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("root, and no setpriv to drop the capability that overrides permissions")
        dropped = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--bounding-set={dropped}", f"--inh-caps={dropped}", *command]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=300)


def test_an_episode_folder_that_cannot_be_read_is_an_error_not_an_episode_less_and_nothing_is_deleted(
        show: ShowCopy):
    assert show.run("-q", "publish").exit_code == 0
    published = _digests(show.published)
    folder = show.episode("just-forgiving").parent
    folder.chmod(0o000)
    try:
        result = _run_without_root_override(show, "publish", "--prune")
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert f"Error: {folder / 'episode.md'}: cannot be read: Permission denied; " in result.stderr
    assert "not an episode" not in result.stderr
    assert _digests(show.published) == published


def test_an_episode_file_that_is_a_link_loop_is_an_error(show: ShowCopy):
    source = show.root / EPISODE
    source.unlink()
    source.symlink_to(source.name)
    result = show.run("check")
    assert result.exit_code == 1
    assert f"Error: {source}: cannot be read: Too many levels of symbolic links" in result.stderr


def test_a_publish_that_would_empty_a_built_feed_is_refused(show: ShowCopy):
    assert show.run("-q", "publish").exit_code == 0
    published = _digests(show.published)
    # The layout other tools use: notes and recordings loose in one folder.
    loose = show.root / "flat"
    loose.mkdir()
    (loose / "my-episode.md").write_text("---\ntitle: Mine\n---\nNotes.\n", encoding="utf-8")
    shutil.copy(show.root / RECORDING, loose / "my-episode.mp3")
    with show.config.open("a", encoding="utf-8") as f:
        f.write('\n[paths]\nepisodes = "flat"\n')
    for command in (["check"], ["publish"]):
        result = show.run(*command)
        assert result.exit_code == 1, result.output
        assert (f"Error: {show.config}: paths.episodes: no episode in {loose} is ready to publish, yet the feed "
                "the last build wrote (feed/feed.xml) has 10 episodes; an empty feed takes them all out of "
                "subscribers' apps.") in result.stderr
        for name, where in (("my-episode.md", "my-episode/episode.md"),
                            ("my-episode.mp3", "my-episode/, beside its episode.md")):
            assert (f"Warning: {loose / name}: each episode is a folder of its own, so this file is in none; "
                    f"move it to {where}") in result.stderr
    assert _digests(show.published) == published
    # On purpose: without the last build's feed there is nothing to compare with.
    (show.output / "feed.xml").unlink()
    assert show.run("check").exit_code == 0


def test_a_target_in_the_home_folder_is_written_there(show: ShowCopy, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    result = show.run("-q", "publish", "--target", "file://~/podcast")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "home/podcast/feed.xml").is_file()
    assert not (show.root / "~").exists()


def test_credentials_in_the_endpoint_are_refused_before_they_are_printed(show: ShowCopy):
    show.edit("podcast.toml", 'target = "file://public"',
              'target = "s3://bucket/show"\nendpoint_url = "https://AKIAXXX:supersecret@s3.example.org/"')
    result = show.run("publish")
    assert result.exit_code == 1
    assert _errors(result) == [f"Error: {show.config}: publish.endpoint_url: holds more than the server's address; "
                               "write only https://HOST[:PORT], and keep the keys in the environment or a profile"]
    assert "supersecret" not in result.output


@pytest.mark.parametrize(("old", "new", "says"), [
    ('title: "Just Forgiving"', "title: Just Forgiving: a talk",
     'front matter: invalid YAML at line 2: mapping values are not allowed in this context; a value holding ": " '
     'goes in quotes, e.g. title: "Forgiveness: the first step"'),
    ('speakers: ["Shaykh Abdul Rahim Reasat"]', 'speakers:\n\t- "Shaykh Abdul Rahim Reasat"',
     "YAML does not allow tabs for indenting: indent with spaces"),
    ('title: "Just Forgiving"', 'title: "Just Forgiving"\ntitle: "Just Forgiving, again"',
     "title: given 2 times (lines 2, 3), and only the last would count; keep one"),
])
def test_the_commonest_yaml_mistakes_say_how_to_fix_them(show: ShowCopy, old: str, new: str, says: str):
    show.edit(EPISODE, old, new)
    result = show.run("check")
    assert result.exit_code == 1
    assert any(line.startswith(f"Error: {show.root / EPISODE}: ") and says in line for line in _errors(result)), \
        result.stderr


def test_a_draft_with_a_problem_is_left_out_even_of_a_preview_of_drafts(show: ShowCopy):
    from podcaster import pipeline

    show.edit(EPISODE, 'title: "Just Forgiving"', 'title: "Just Forgiving"\ndraft: true')
    (show.root / "episodes/just-forgiving/cover.jpg").write_bytes(b"not a picture")
    result = show.run("check")
    assert result.exit_code == 0, result.output
    assert "(it is a draft, so this stops nothing, and it is left out until it is fixed)" in result.stderr
    built = pipeline.build_preview(show.config, "http://127.0.0.1:8765/", drafts=True)
    assert not any(key.startswith("episodes/just-forgiving/") for key in built.files)
    assert "episodes/will-allah-forgive-me/index.html" in built.files


def test_a_show_whose_episodes_all_became_drafts_is_told_so_and_a_preview_is_not_refused(show: ShowCopy):
    from podcaster import pipeline

    assert show.run("-q", "build").exit_code == 0
    for source in (show.root / "episodes").glob("*/episode.md"):
        source.write_text(source.read_text(encoding="utf-8").replace("\ntitle:", "\ndraft: true\ntitle:", 1),
                          encoding="utf-8")
    result = show.run("check")
    assert result.exit_code == 1
    assert (f"Error: {show.config}: paths.episodes: all 10 episodes in {show.root / 'episodes'} are drafts or dated "
            "in the future, yet the feed the last build wrote (feed/feed.xml) has 10 episodes; an empty feed takes "
            "them all out of subscribers' apps. To keep them, publish one; to empty the feed on purpose, delete "
            "feed/feed.xml first") in result.stderr
    # A preview writes no feed of the show: nothing to protect.
    assert pipeline.build_preview(show.config, "http://127.0.0.1:8765/").files


@pytest.mark.parametrize("front_matter", [
    'crew: [{name: "A B",\nrole: host}, {name: "C D",\nrole: guest}]',  # a flow mapping over lines (a key
    # unknown to podcaster: only warned of)
    'teaser: "A first line\ntitle: still the teaser"',  # a quoted value over lines
])
def test_what_only_looks_like_a_key_given_twice_is_not_one(show: ShowCopy, front_matter: str):
    show.edit(EPISODE, "explicit: false", f"explicit: false\n{front_matter}")
    result = show.run("check")
    assert result.exit_code == 0, result.output
    assert "given 2 times" not in result.stderr


def test_a_folder_named_with_a_tilde_is_a_folder_and_readme_is_no_loose_episode(show: ShowCopy):
    (show.root / "episodes/README.md").write_text("How we name episodes.\n", encoding="utf-8")
    result = show.run("-q", "publish", "--target", "file://~old-site")
    assert result.exit_code == 0, result.output
    assert (show.root / "~old-site/feed.xml").is_file()
    assert "README" not in result.stderr


def test_credentials_in_an_endpoint_without_a_scheme_are_not_printed_either(show: ShowCopy):
    show.edit("podcast.toml", 'target = "file://public"',
              'target = "s3://bucket/show"\nendpoint_url = "AKIAXXX:supersecret@s3.example.org"')
    result = show.run("check")
    assert result.exit_code == 1
    assert "publish.endpoint_url: holds more than the server's address" in result.stderr
    assert "supersecret" not in result.output
