"""After the livestream: `podcaster new` scaffolds an episode and turns a recording into its audio."""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from lxml import etree
from mutagen.id3 import ID3

from conftest import ShowCopy
from podcaster import markers, recording
from podcaster.model import Chapter

LEAD_SILENCE = 2.0
TRAIL_SILENCE = 3.0


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def recordings(tmp_path_factory) -> dict[str, Path]:
    """Two livestream-like recordings: espeak-ng speech and a quiet sine, each between silences."""
    folder = tmp_path_factory.mktemp("recordings")
    speech = folder / "speech-raw.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(speech),
                    "Welcome back, everyone. Tonight we talk about forgiveness, about letting old grievances go, "
                    "and about the verse that scholars called the most hopeful one. Questions come at the end."],
                   check=True)
    made = {}
    for name, source in (("speech", ["-i", str(speech)]), ("sine", ["-f", "lavfi", "-i", "sine=frequency=330:duration=10"])):
        made[name] = folder / f"{name}.wav"
        _ffmpeg("-f", "lavfi", "-i", f"anullsrc=r=22050:cl=mono:d={LEAD_SILENCE}", *source,
                "-f", "lavfi", "-i", f"anullsrc=r=22050:cl=mono:d={TRAIL_SILENCE}",
                "-filter_complex", "[1]aresample=22050,aformat=channel_layouts=mono,volume=-14dB[s];[0][s][2]concat=n=3:v=0:a=1",
                str(made[name]))
    mkv = folder / "stream.mkv"  # what OBS records: a video container
    _ffmpeg("-i", str(made["speech"]), "-c:a", "flac", str(mkv))
    made["mkv"] = mkv
    return made


def _loudness(path: Path) -> float:
    """Integrated loudness by ffmpeg's loudnorm analysis: a reader independent of podcaster's own check."""
    report = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af",
                             "loudnorm=print_format=json", "-f", "null", "-"], capture_output=True, text=True,
                            check=True).stderr
    return float(json.loads(report[report.rindex("{"):report.rindex("}") + 1])["input_i"])


def _duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return float(out)


def _front_matter(source: Path) -> dict:
    return yaml.safe_load(source.read_text(encoding="utf-8").split("---")[1])


def test_new_scaffolds_the_next_episode_in_the_shows_time_zone(show: ShowCopy):
    show.edit("podcast.toml", 'language = "en"', 'language = "en"\ntimezone = "America/Toronto"\nspeakers = ["Shaykh Walead Mosaad"]')
    result = show.run("new", "Forgiveness and the Heart")
    assert result.exit_code == 0, result.output
    source = show.episode("forgiveness-and-the-heart")
    meta = _front_matter(source)
    assert meta["title"] == "Forgiveness and the Heart"
    assert meta["number"] == 10  # the sample show has nine
    assert meta["speakers"] == ["Shaykh Walead Mosaad"]
    assert uuid.UUID(meta["guid"]).version == 4
    written = datetime.fromisoformat(meta["date"])
    assert written.utcoffset().total_seconds() in (-5 * 3600, -4 * 3600)  # Toronto, winter or summer
    assert abs((written - datetime.now(timezone.utc)).total_seconds()) < 60
    # Nothing says it was a livestream: the draft does not claim so.
    assert meta["summary"] == f"Forgiveness and the Heart, published on {written:%-d %B %Y}."
    assert source.read_text(encoding="utf-8").endswith(f"---\n\nPublished on {written:%-d %B %Y}.\n")


def test_new_never_overwrites(show: ShowCopy):
    before = show.episode("just-forgiving").read_bytes()
    result = show.run("new", "Just Forgiving", "--speaker", "Someone")
    assert result.exit_code == 1
    assert "an episode with this slug exists already, and `new` never overwrites" in result.stderr
    assert "Traceback" not in result.output
    assert show.episode("just-forgiving").read_bytes() == before


def test_new_without_a_recording_says_where_it_goes_and_a_draft_blocks_nothing(show: ShowCopy):
    result = show.run("new", "Writing this", "--speaker", "Someone")
    assert result.exit_code == 0, result.output
    source = show.episode("writing-this")
    assert result.stdout == f"Created {source}; put its recording beside it as {source.parent / 'episode.mp3'}.\n"
    # Until then the show cannot be built; as a draft, its problems are said and stop nothing.
    assert show.run("check").exit_code == 1
    show.edit("episodes/writing-this/episode.md", "title:", "draft: true\ntitle:")
    result = show.run("build")
    assert result.exit_code == 0, result.output
    assert (f"Warning: {source}: audio: 'episode.mp3' does not exist beside episode.md") in result.stderr
    assert "(it is a draft, so this stops nothing, and it is left out until it is fixed)" in result.stderr
    assert (show.output / "episodes/just-forgiving/index.html").is_file()
    assert not (show.output / "episodes/writing-this").exists()


@pytest.mark.parametrize(("args", "says"), [
    (["  ", "--slug", "blank", "--speaker", "X"], "Error: the title is empty; give the episode a title"),
    (["Second one", "--speaker", "X", "--publish"],
     "Error: --publish needs --recording: an episode is published with its audio"),
])
def test_new_refuses_what_cannot_work_and_writes_nothing(show: ShowCopy, args, says):
    before = sorted(p.name for p in (show.root / "episodes").iterdir())
    result = show.run("new", *args)
    assert result.exit_code in (1, 2)
    assert says in result.stderr
    assert sorted(p.name for p in (show.root / "episodes").iterdir()) == before


def test_new_handles_a_title_in_arabic_script(show: ShowCopy, recordings):
    title = "الصفح الجميل"
    result = show.run("new", title, "--speaker", "Shaykh Abdul Rahim Reasat", "--recording", str(recordings["sine"]))
    assert result.exit_code == 0, result.output
    source = show.episode("الصفح-الجميل")
    assert _front_matter(source)["title"] == title
    assert show.run("--strict", "check").exit_code == 0


def test_new_without_speakers_says_how_to_name_them(show: ShowCopy):
    result = show.run("new", "A talk")
    assert result.exit_code == 1
    assert "no speakers for the new episode: pass --speaker NAME" in result.stderr
    assert not (show.root / "episodes" / "a-talk").exists()


@pytest.mark.parametrize("kind", ["speech", "sine"])
def test_recording_is_normalised_trimmed_and_left_untouched(show: ShowCopy, recordings, kind):
    source_recording = recordings[kind]
    digest = hashlib.sha256(source_recording.read_bytes()).hexdigest()
    result = show.run("new", f"Stream {kind}", "--speaker", "Host", "--recording", str(source_recording))
    assert result.exit_code == 0, result.output
    audio = show.root / "episodes" / f"stream-{kind}" / "episode.mp3"
    assert abs(_loudness(audio) - (-16.0)) <= 1.0
    # Both silences are cut, down to the small pad kept around the sound.
    content = _duration(source_recording) - LEAD_SILENCE - TRAIL_SILENCE
    assert content < _duration(audio) < content + 4 * recording.SILENCE_PAD_SECONDS + 0.2
    assert hashlib.sha256(source_recording.read_bytes()).hexdigest() == digest


def test_configured_loudness_target_and_alternate_formats(show: ShowCopy, recordings):
    show.edit("podcast.toml", "[owner]", '[recording]\nloudness = -19\nformats = ["mp3", "opus"]\n\n[owner]')
    result = show.run("new", "Quiet stream", "--speaker", "Host", "--recording", str(recordings["mkv"]))
    assert result.exit_code == 0, result.output
    folder = show.root / "episodes" / "quiet-stream"
    assert abs(_loudness(folder / "episode.mp3") - (-19.0)) <= 1.0
    assert abs(_loudness(folder / "episode.opus") - (-19.0)) <= 1.0


def test_markers_shift_with_the_trimmed_silence_and_reach_the_published_audio(show: ShowCopy, recordings, tmp_path):
    chat = tmp_path / "chat.txt"
    chat.write_text("00:00:00 Waiting to start\n00:00:03 Welcome\n00:00:08 The most hopeful verse\n"
                    "00:09:00 After the end\n", encoding="utf-8")
    result = show.run("new", "After the stream", "--speaker", "Host", "--recording", str(recordings["speech"]),
                      "--markers", str(chat), "--publish")
    assert result.exit_code == 0, result.output
    meta = _front_matter(show.episode("after-the-stream"))
    assert meta["summary"].startswith("After the stream, recorded live on ")
    trimmed = LEAD_SILENCE - recording.SILENCE_PAD_SECONDS
    starts = [markers.timecodes.parse(str(c["start"])) for c in meta["chapters"]]
    assert [c["title"] for c in meta["chapters"]] == ["Waiting to start", "Welcome", "The most hopeful verse"]
    assert starts[0] == 0
    assert starts[1] == pytest.approx(3 - trimmed, abs=0.1)
    assert starts[2] == pytest.approx(8 - trimmed, abs=0.1)
    published = show.published / "episodes" / "after-the-stream" / "after-the-stream.mp3"
    chapters = sorted(ID3(published).getall("CHAP"), key=lambda c: c.start_time)
    assert [round(c.start_time / 1000, 1) for c in chapters] == [round(s, 1) for s in starts]
    feed = etree.parse(str(show.published / "feed.xml"))
    assert "After the stream" in feed.xpath("//item/title/text()")


def test_missing_ffmpeg_is_a_one_line_error(show: ShowCopy, recordings, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = show.run("new", "Stream", "--speaker", "Host", "--recording", str(recordings["speech"]))
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: ffmpeg is not installed, and this step needs it; install it: "
                                     "`apt-get install ffmpeg` (Debian/Ubuntu), `brew install ffmpeg` (macOS)")
    assert not (show.root / "episodes" / "stream").exists()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("00:00:00 Welcome\n00:12:30 Questions\n1:02:03.5 Goodbye\n", "chat.txt"),
        ("0.000000\t0.000000\tWelcome\n750.000000\t750.000000\tQuestions\n3723.5\t3723.5\tGoodbye\n", "labels.txt"),
        ("start,title\n00:00,Welcome\n750,Questions\n1:02:03.5,Goodbye\n", "markers.csv"),
        ("[00:00] Welcome\n12:30 - Questions\n1:02:03.5 | Goodbye\n", "bot.txt"),
    ],
)
def test_marker_formats(tmp_path, text, name):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert markers.read(path) == [Chapter(0.0, "Welcome"), Chapter(750.0, "Questions"), Chapter(3723.5, "Goodbye")]


def test_unreadable_marker_line_is_named(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("00:00 Welcome\nthanks for watching!\n", encoding="utf-8")
    with pytest.raises(Exception) as error:
        markers.read(path)
    assert str(error.value.message) == (f"{path}: line 2: 'thanks for watching!' is not a marker; write `HH:MM:SS Title`, "
                                        "an Audacity label line, or use a .csv file")


def test_markers_at_the_same_time_keep_the_later_line_and_say_so(show: ShowCopy, recordings, tmp_path):
    chat = tmp_path / "chat.txt"
    chat.write_text("00:00:00 Welcome\n00:00:08 Questions\n00:00:08 Questions from chat\n", encoding="utf-8")
    result = show.run("new", "Double press", "--speaker", "Host", "--recording", str(recordings["speech"]),
                      "--markers", str(chat))
    assert result.exit_code == 0, result.output
    assert [c["title"] for c in _front_matter(show.episode("double-press"))["chapters"]] == ["Welcome", "Questions from chat"]
    assert (f"Warning: {chat}: markers 'Questions' and 'Questions from chat' are both at 00:08, and a chapter needs a "
            "start of its own; kept 'Questions from chat', the later line") in result.stderr


def test_markers_in_the_trimmed_lead_in_move_to_zero():
    moved = markers.shifted([Chapter(0, "Pre-show"), Chapter(1.0, "Intro"), Chapter(5.0, "Talk"), Chapter(50, "Late")],
                            by=1.75, duration=20)
    assert moved == (Chapter(0.0, "Intro"), Chapter(3.25, "Talk"))


@pytest.mark.parametrize("slug", ["../outside", "a/b", ".hidden", "Has Spaces"])
def test_a_slug_that_is_not_a_plain_folder_name_is_refused(show: ShowCopy, slug):
    before = sorted(p.name for p in (show.root / "episodes").iterdir())
    result = show.run("new", "A talk", "--speaker", "Host", "--slug", slug)
    assert result.exit_code == 1
    assert f"--slug {slug!r}: use lower-case letters, digits and hyphens only" in result.stderr
    assert sorted(p.name for p in (show.root / "episodes").iterdir()) == before
    assert not (show.root / "outside").exists()


@pytest.mark.parametrize(("title", "slug"), [
    ("नमस्ते दुनिया", "नमस्ते-दुनिया"),  # Devanagari vowel signs are marks, and part of the word
    ("がんばって", "がんばって"),  # the dakuten stays on が and ば
    ("أبو بكر", "أبو-بكر"),  # the hamza stays on the alif
    ("Café au lait, Việt Nam!", "cafe-au-lait-viet-nam"),  # accents go from Latin letters only
    ("❤️ Love, episode 1️⃣", "love-episode-1"),  # an emoji's variation selector and keycap go with it
    ("Show™ № 5", "showtm-no-5"),  # decomposed to capitals, then folded
])
def test_the_slug_keeps_every_scripts_letters_whole(show: ShowCopy, title, slug):
    made = show.run("new", title, "--speaker", "Host")
    assert made.exit_code == 0, made.output
    assert (show.root / "episodes" / slug / "episode.md").is_file()
    again = show.run("new", f"{title} again", "--speaker", "Host", "--slug", f"{slug}-2")
    assert again.exit_code == 0, again.output  # the slug a title gives is accepted as --slug
    assert (show.root / "episodes" / f"{slug}-2" / "episode.md").is_file()


def test_a_slug_too_long_says_so(show: ShowCopy):
    result = show.run("new", "A talk", "--speaker", "Host", "--slug", "a" * 81)
    assert result.exit_code == 1
    assert "--slug is 81 characters long; keep it to 80" in result.stderr


def test_a_recording_without_audio_says_so(show: ShowCopy, tmp_path):
    silent_video = tmp_path / "stream.mkv"
    _ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x64:d=2", "-c:v", "ffv1", str(silent_video))
    result = show.run("new", "No sound", "--speaker", "Host", "--recording", str(silent_video))
    assert result.exit_code == 1
    assert (f"{silent_video}: the recording has no audio stream (a video recorded without sound?); record or "
            "export it with its audio and try again") in result.stderr
    assert not (show.root / "episodes" / "no-sound").exists()


@pytest.mark.parametrize("text", [
    "start,title\n00:00,Welcome\n\nabc,Questions\n",  # the header and a blank line count
    'start,title\n00:00,"Welcome,\nall"\nabc,"Questions\nand answers"\n',  # a quoted cell spans two lines
])
def test_a_bad_csv_marker_is_named_by_the_line_it_starts_on(tmp_path, text):
    path = tmp_path / "markers.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Exception) as error:
        markers.read(path)
    assert str(error.value.message).startswith(f"{path}: line 4: ")


def test_a_show_started_from_nothing_checks_builds_and_publishes_its_first_episode(tmp_path, recordings):
    from click.testing import CliRunner

    from podcaster.cli import cli

    runner = CliRunner()
    folder = tmp_path / "my-show"
    result = runner.invoke(cli, ["init", str(folder), "--author", "Jane Doe", "--email", "jane@example.org"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == [f"Created {folder / 'podcast.toml'}", f"Created {folder / 'episodes'}/",
                                              f"Created {folder / 'episodes/artwork.png'}"]
    config = ["--config", str(folder / "podcast.toml")]
    assert runner.invoke(cli, [*config, "--strict", "check"]).exit_code == 0
    result = runner.invoke(cli, [*config, "new", "Our first episode", "--recording", str(recordings["sine"])])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, [*config, "--strict", "-q", "publish"])
    assert result.exit_code == 0, result.output
    channel = etree.parse(str(folder / "public/feed.xml")).getroot().find("channel")
    assert channel.findtext("title") == "My Show"
    assert [item.findtext("title") for item in channel.iter("item")] == ["Our first episode"]
    assert channel.find("item").findtext("{http://www.itunes.com/dtds/podcast-1.0.dtd}author") == "Jane Doe"
    # Never over a show that is there.
    before = (folder / "podcast.toml").read_bytes()
    result = runner.invoke(cli, ["init", str(folder)])
    assert result.exit_code == 1
    assert "exists already, and `init` never overwrites" in result.stderr
    assert (folder / "podcast.toml").read_bytes() == before


def test_init_refuses_a_language_that_is_no_code(tmp_path):
    from click.testing import CliRunner

    from podcaster.cli import cli

    result = CliRunner().invoke(cli, ["init", str(tmp_path / "show"), "--language", "English"])
    assert result.exit_code == 1
    assert "--language 'English' is not an ISO 639-1 language code" in result.stderr
    assert not (tmp_path / "show").exists()
