"""Tagging every format, on temporary copies of the tiny real files in tests/data, read back by ffprobe.

For each of MP3, M4A, Ogg Opus, Ogg Vorbis and FLAC: the tags and chapters ffprobe reads match
what was written, the audio is byte for byte what it was, a second run writes nothing, and tags
podcaster does not manage survive.
"""

from __future__ import annotations

import shutil
import struct
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from mutagen.id3 import COMM, ID3, Encoding
from mutagen.mp4 import MP4
from PIL import Image

from audio_readers import (
    DATA, FORMATS, audio_packets, cover_image, ffprobe, flac_frames, mp3_frames, ogg_packets,
)
from podcaster import artwork, audio
from podcaster.errors import AudioError
from podcaster.model import Chapter

START = datetime(2017, 6, 1, 10, 0, tzinfo=timezone(timedelta(hours=-4)))
CHAPTERS = (Chapter(0.0, "Opening", url="https://example.org/opening"), Chapter(0.75, "Pardoning, overlooking"))
NAMES = {"mp3": "MP3", "m4a": "M4A", "opus": "Ogg Opus", "ogg": "Ogg Vorbis", "flac": "FLAC"}


def _tags(duration: float, **changes) -> audio.Tags:
    values = dict(
        title="Just Forgiving", artist="Shaykh Abdul Rahim Reasat", album="Forgiveness: Talks from the Path",
        album_artist="SeekersHub", date=START, summary="How Abu Bakr was called to pardon a relative.",
        copyright="© 2017 SeekersHub", guid="2b1396e7-f783-40ed-b366-baaee7315a21",
        feed_url="https://podcast.example.org/feed.xml",
        page_url="https://podcast.example.org/episodes/just-forgiving/", duration=duration, track=2, disc=1,
        cover=DATA / "cover.png", chapters=CHAPTERS, category="Religion & Spirituality",
    )
    return audio.Tags(**{**values, **changes})


@pytest.fixture
def copy_of(tmp_path: Path):
    """A temporary copy of tests/data/tone.<ext>: tests tag copies, never the committed files."""
    def make(extension: str, name: str = "episode") -> Path:
        target = tmp_path / f"{name}.{extension}"
        shutil.copyfile(DATA / f"tone.{extension}", target)
        return target
    return make


def _tagged(copy_of, extension: str, **changes) -> tuple[Path, audio.Tags]:
    path = copy_of(extension)
    tags = _tags(audio.probe(path).duration, **changes)
    assert audio.tag(path, tags) is True
    return path, tags


# --- what a player reads ------------------------------------------------------------------------


@pytest.mark.parametrize("extension", FORMATS)
def test_ffprobe_reads_the_tags_chapters_and_cover(copy_of, extension):
    path, tags = _tagged(copy_of, extension)
    probed = ffprobe(path)
    assert probed.tags["title"] == "Just Forgiving"
    assert probed.tags["artist"] == "Shaykh Abdul Rahim Reasat"
    assert probed.tags["album"] == "Forgiveness: Talks from the Path"
    assert probed.tags["album_artist"] == "SeekersHub"
    assert probed.tags["genre"] == "Podcast"
    assert probed.tags["track"] == "2" and probed.tags["disc"] == "1"
    assert probed.tags["copyright"] == "© 2017 SeekersHub"
    assert probed.tags["comment"] == tags.summary
    assert probed.tags["date"].startswith("2017-06-01T10:00:00")
    assert probed.cover_streams == 1
    assert cover_image(path) == artwork.embeddable_jpeg(DATA / "cover.png")
    assert [title for _, _, title in probed.chapters] == ["Opening", "Pardoning, overlooking"]
    (first_start, first_end, _), (second_start, second_end, _) = probed.chapters
    assert (first_start, first_end, second_start) == (0.0, 0.75, 0.75)
    assert second_end == pytest.approx(tags.duration, abs=0.05)


@pytest.mark.parametrize(("extension", "expected"), [
    ("mp3", {"tdes": "How Abu Bakr was called to pardon a relative.", "tgid": "2b1396e7-f783-40ed-b366-baaee7315a21",
             "tcat": "Religion & Spirituality"}),
    ("m4a", {"podcast": "1", "category": "Religion & Spirituality",
             "description": "How Abu Bakr was called to pardon a relative.",
             "synopsis": "How Abu Bakr was called to pardon a relative."}),
    ("opus", {"website": "https://podcast.example.org/episodes/just-forgiving/",
              "podcasturl": "https://podcast.example.org/feed.xml", "chapter001url": "https://example.org/opening"}),
    ("ogg", {"website": "https://podcast.example.org/episodes/just-forgiving/",
             "podcasturl": "https://podcast.example.org/feed.xml", "chapter001url": "https://example.org/opening"}),
    ("flac", {"website": "https://podcast.example.org/episodes/just-forgiving/",
              "podcasturl": "https://podcast.example.org/feed.xml", "chapter001url": "https://example.org/opening"}),
])
def test_ffprobe_reads_the_podcast_fields_each_format_has(copy_of, extension, expected):
    path, _ = _tagged(copy_of, extension)
    tags = ffprobe(path).tags
    assert {key: tags.get(key) for key in expected} == expected


def test_mp3_podcast_frames_and_chapter_url_and_image(copy_of):
    """ffprobe shows neither URL frames nor CHAP sub-frames, so these are read from the ID3 frames."""
    chapters = (Chapter(0.0, "Opening", url="https://example.org/opening", image=DATA / "chapter.png"),
                Chapter(0.75, "Closing"))
    path, _ = _tagged(copy_of, "mp3", chapters=chapters)
    id3 = ID3(path)
    assert id3.version == (2, 4, 0)
    assert id3["WOAS"].url == "https://podcast.example.org/episodes/just-forgiving/"
    assert id3["WFED"].url == "https://podcast.example.org/feed.xml"
    assert id3["PCST"].value == 1
    opening = next(c for c in id3.getall("CHAP") if c.start_time == 0)
    assert str(opening.sub_frames["TIT2"]) == "Opening"
    assert opening.sub_frames.getall("WXXX")[0].url == "https://example.org/opening"
    assert opening.sub_frames.getall("APIC")[0].data == artwork.embeddable_jpeg(DATA / "chapter.png")
    toc = id3.getall("CTOC")[0]
    assert toc.child_element_ids == ["chp0", "chp1"]


def test_id3v23_for_old_players(copy_of):
    chapters = (Chapter(0.0, "Opening", url="https://example.org/opening", image=DATA / "chapter.png"),
                Chapter(0.75, "Closing"))
    path, _ = _tagged(copy_of, "mp3", id3_version=3, chapters=chapters)
    assert path.read_bytes()[3] == 3  # the ID3 header's major version
    probed = ffprobe(path)
    assert probed.tags["title"] == "Just Forgiving" and probed.tags["artist"] == "Shaykh Abdul Rahim Reasat"
    assert probed.tags["date"] == "2017-06-01 10:00"  # TYER, TDAT and TIME, merged by ffmpeg
    # ffmpeg reads CHAP sub-frame sizes the ID3v2.3 way, so an image in a chapter reads fine here.
    assert [title for _, _, title in probed.chapters] == ["Opening", "Closing"]
    assert ID3(path).version == (2, 3, 0)


def test_switching_the_id3_version_rewrites_the_tag(copy_of):
    path, tags = _tagged(copy_of, "mp3")
    assert audio.plan(path, _tags(tags.duration, id3_version=3)).changes == ("date", "ID3 version")
    assert audio.tag(path, _tags(tags.duration, id3_version=3)) is True
    assert path.read_bytes()[3] == 3
    assert audio.tag(path, _tags(tags.duration, id3_version=3)) is False


def test_m4a_chapters_are_a_quicktime_chapter_track(copy_of):
    """Apple's players read chapters from a text track the audio track points to (tref/chap)."""
    path, _ = _tagged(copy_of, "m4a")
    atoms = _atom_paths(path.read_bytes())
    assert "moov.trak.tref.chap" in atoms
    assert "moov.udta.chpl" in atoms  # the Nero list, which later runs compare against
    assert sum(1 for atom in atoms if atom == "moov.trak") == 2  # the audio and the chapter text
    assert atoms.index("moov") < atoms.index("mdat")  # still streamable: the index before the samples


def test_m4a_chapters_without_a_chapter_track_are_written_again(copy_of):
    """A Nero chapter list alone (as some tools write) is not what Apple's players read."""
    path, tags = _tagged(copy_of, "m4a")
    path.write_bytes(path.read_bytes().replace(b"tref", b"free", 1))  # the track no longer names its chapters
    assert "moov.trak.tref.chap" not in _atom_paths(path.read_bytes())
    assert audio.plan(path, tags).changes == ("chapters",)
    audio.tag(path, tags)
    assert "moov.trak.tref.chap" in _atom_paths(path.read_bytes())
    assert audio.tag(path, tags) is False


def _atom_paths(data: bytes, offset: int = 0, end: int | None = None, prefix: str = "") -> list[str]:
    containers = {"moov", "trak", "tref", "udta", "mdia", "minf", "stbl"}
    found, end = [], len(data) if end is None else end
    while offset + 8 <= end:
        size, name = struct.unpack(">I4s", data[offset:offset + 8])
        name = name.decode("latin-1")
        found.append(prefix + name)
        if name in containers:
            found += _atom_paths(data, offset + 8, offset + size, f"{prefix}{name}.")
        offset += size
    return found


# --- guarantees ---------------------------------------------------------------------------------


@pytest.mark.parametrize("extension", FORMATS)
def test_the_audio_payload_is_byte_identical(copy_of, extension):
    original = DATA / f"tone.{extension}"
    path, _ = _tagged(copy_of, extension)
    # Every audio packet, its timestamps and its bytes, as ffmpeg demuxes the file…
    assert audio_packets(path) == audio_packets(original)
    # …and the raw bytes where the container keeps the audio in one run.
    before, after = original.read_bytes(), path.read_bytes()
    if extension == "mp3":
        assert mp3_frames(after) == mp3_frames(before)
    elif extension == "flac":
        assert flac_frames(after) == flac_frames(before)
    elif extension in ("opus", "ogg"):
        headers = 2 if extension == "opus" else 3
        assert ogg_packets(after)[headers:] == ogg_packets(before)[headers:]


@pytest.mark.parametrize("extension", FORMATS)
def test_a_second_run_writes_nothing(copy_of, extension):
    path, tags = _tagged(copy_of, extension)
    data, stamp = path.read_bytes(), path.stat().st_mtime_ns
    assert audio.plan(path, tags).changes == ()
    assert audio.tag(path, tags) is False
    assert path.read_bytes() == data
    assert path.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("extension", FORMATS)
def test_a_changed_field_is_named_and_only_it_is_rewritten(copy_of, extension):
    path, tags = _tagged(copy_of, extension)
    changed = _tags(tags.duration, title="Just Forgiving (revised)")
    assert audio.plan(path, changed).changes == ("title",)
    assert audio.tag(path, changed) is True
    assert ffprobe(path).tags["title"] == "Just Forgiving (revised)"
    assert audio_packets(path) == audio_packets(DATA / f"tone.{extension}")


@pytest.mark.parametrize("extension", FORMATS)
def test_tags_podcaster_does_not_manage_survive(copy_of, extension):
    path, _ = _tagged(copy_of, extension)
    tags = ffprobe(path).tags
    assert tags["composer"] == "The Producer"
    assert tags["producer_note"] == "keep me"


def test_mp3_comments_of_other_tools_survive(copy_of):
    path = copy_of("mp3")
    id3 = ID3(path)
    id3.add(COMM(encoding=Encoding.LATIN1, lang="eng", desc="iTunNORM", text=[" 0000044E 00000291"]))
    id3.save(path)
    audio.tag(path, _tags(audio.probe(path).duration))
    assert str(ID3(path)["COMM:iTunNORM:eng"]) == " 0000044E 00000291"


def test_chapters_in_the_recording_survive_when_the_episode_has_none(copy_of):
    path, tags = _tagged(copy_of, "mp3")
    assert audio.tag(path, _tags(tags.duration, chapters=(), title="Retitled")) is True
    assert [title for _, _, title in ffprobe(path).chapters] == ["Opening", "Pardoning, overlooking"]


def test_m4a_producer_chapters_are_replaced_by_the_episodes(copy_of):
    path, tags = _tagged(copy_of, "m4a")
    new = (Chapter(0.0, "Start = go; #1"), Chapter(0.5, "Middle \\ of it"), Chapter(1.5, "End"))
    assert audio.plan(path, _tags(tags.duration, chapters=new)).changes == ("chapters",)
    audio.tag(path, _tags(tags.duration, chapters=new))
    assert [title for _, _, title in ffprobe(path).chapters] == ["Start = go; #1", "Middle \\ of it", "End"]
    assert [c.title for c in MP4(path).chapters] == ["Start = go; #1", "Middle \\ of it", "End"]
    assert ffprobe(path).tags["composer"] == "The Producer"
    assert audio_packets(path) == audio_packets(DATA / "tone.m4a")


# --- probing and detection ----------------------------------------------------------------------


@pytest.mark.parametrize(("extension", "fmt", "codec", "sample_rate"), [
    ("mp3", "mp3", "mp3", 22050), ("m4a", "m4a", "mp4a.40.2", 22050), ("opus", "opus", "opus", 48000),
    ("ogg", "vorbis", "vorbis", 22050), ("flac", "flac", "flac", 8000),
])
def test_probe_reads_the_real_stream(copy_of, extension, fmt, codec, sample_rate):
    info = audio.probe(copy_of(extension))
    assert (info.format, info.codec, info.sample_rate) == (fmt, codec, sample_rate)
    assert info.duration == pytest.approx(ffprobe(DATA / f"tone.{extension}").duration, abs=0.1)
    assert 8_000 < info.bitrate < 40_000
    assert info.channels in (1, 2)
    assert info.size == (DATA / f"tone.{extension}").stat().st_size


@pytest.mark.parametrize(("extension", "named"), [
    ("opus", "mp3"), ("ogg", "flac"), ("flac", "m4a"), ("m4a", "mp3"), ("mp3", "opus"),
])
def test_a_mismatched_extension_is_a_clear_error(copy_of, tmp_path, extension, named):
    path = copy_of(extension).rename(tmp_path / f"renamed.{named}")
    with pytest.raises(AudioError) as error:
        audio.probe(path)
    expected_suffix = {"opus": ".opus", "ogg": ".ogg", "flac": ".flac", "m4a": ".m4a", "mp3": ".mp3"}[extension]
    assert error.value.message == (f"{path}: the file holds {NAMES[extension]} audio but is named .{named}; "
                                   f"rename it to end in {expected_suffix}")


def test_opus_may_be_named_ogg(copy_of, tmp_path):
    path = copy_of("opus").rename(tmp_path / "episode.ogg")
    assert audio.probe(path).codec == "opus"


@pytest.mark.parametrize(("content", "what"), [
    (b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40), "WAV"),
    (b"FORM\x00\x00\x00\x30AIFFCOMM" + bytes(40), "AIFF"),
    (b"\xff\xf1\x50\x80\x02\x1f\xfc" + bytes(40), "raw AAC"),
    (b"OggS\x00\x02" + bytes(20) + b"\x01\x1e\x7fFLAC\x01\x00" + bytes(40), "Ogg with a codec other than Opus or Vorbis"),
    (b"just some text, not audio at all", "none of them"),
])
def test_unsupported_audio_is_named(tmp_path, content, what):
    path = tmp_path / "episode.mp3"
    path.write_bytes(content)
    with pytest.raises(AudioError) as error:
        audio.probe(path)
    assert error.value.message.startswith(f"{path}: not a supported audio file (")
    assert what in error.value.message
    assert "export it as one of those" in error.value.message


@pytest.mark.parametrize("extension", FORMATS)
@pytest.mark.parametrize("kept", [0.6, 0.02])
def test_a_truncated_file_is_a_clear_error(copy_of, extension, kept):
    path = copy_of(extension)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * kept)])
    with pytest.raises(AudioError) as error:
        audio.probe(path)
    assert error.value.message.startswith(f"{path}: cannot read the {NAMES[extension]} audio (")
    assert "truncated or corrupt" in error.value.message


def test_a_flac_file_with_an_id3v1_tag_at_its_end_is_whole(copy_of):
    path = copy_of("flac")
    path.write_bytes(path.read_bytes() + b"TAG" + b"Old tagger".ljust(125, b"\0"))
    assert audio.probe(path).codec == "flac"


def test_a_corrupt_m4a_index_is_a_clear_error(copy_of):
    path = copy_of("m4a")
    path.write_bytes(path.read_bytes().replace(b"moov", b"moof", 1))
    with pytest.raises(AudioError, match="cannot read the M4A audio"):
        audio.probe(path)


def test_the_show_artwork_is_encoded_once_among_many_chapter_images(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    encoded = []
    encode = artwork._embeddable_jpeg
    monkeypatch.setattr(artwork, "_embeddable_jpeg", lambda path: encoded.append(path.name) or encode(path))
    show_artwork = tmp_path / "artwork.png"
    Image.new("RGB", (64, 64), "navy").save(show_artwork)
    for number in range(40):  # episode after episode: the show's cover, then a chapter image of its own
        chapter_image = tmp_path / f"chapter-{number}.png"
        Image.new("RGB", (8, 8), (number, 0, 0)).save(chapter_image)
        assert artwork.embeddable_jpeg(show_artwork) == encode(show_artwork)
        artwork.embeddable_jpeg(chapter_image)
    assert encoded.count("artwork.png") == 1
    assert len(encoded) == 41


def test_an_m4a_takes_an_episode_number_past_its_16_bit_track_number_without_it(copy_of):
    # trkn and disk hold 16 bits; such a number stays in the feed (itunes:episode), not in the file.
    path, _ = _tagged(copy_of, "m4a", track=70_000, disc=70_001, chapters=())
    tags = MP4(path).tags
    assert "trkn" not in tags and "disk" not in tags
    assert tags["\xa9nam"] == ["Just Forgiving"]
    path, _ = _tagged(copy_of, "m4a", track=65_535, disc=2, chapters=())
    assert MP4(path).tags["trkn"] == [(65_535, 0)] and MP4(path).tags["disk"] == [(2, 0)]
