"""`podcaster check` knows Apple's rules: each rule, broken on purpose, and the exact message it gives."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from conftest import LIVE_STREAM, ShowCopy
from podcaster import feedcheck, podcasting
from podcaster.errors import Report
from podcaster.model import AudioInfo
from podcaster.render import feed
from podcaster.site import Layout

EPISODE = "episodes/just-forgiving/episode.md"


def _lines(result, kind: str = "Error") -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(f"{kind}: ")]


def _errors(show: ShowCopy, *args: str) -> list[str]:
    built_before = show.output.exists()
    result = show.run(*args, "check")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert show.output.exists() == built_before, "check writes nothing"
    return _lines(result)


def _save_artwork(show: ShowCopy, name: str, size: tuple[int, int], mode: str = "RGB", kind: str = "JPEG") -> Path:
    path = show.root / "episodes" / name
    Image.new(mode, size, "navy" if mode == "RGB" else 0).save(path, kind)
    if name != "artwork.jpg":
        show.edit("podcast.toml", 'artwork = "episodes/artwork.jpg"', f'artwork = "episodes/{name}"')
    return path


def test_category_not_in_apples_list(show: ShowCopy):
    show.edit("podcast.toml", 'category = "Religion & Spirituality"', 'category = "Spirituality"')
    show.edit("podcast.toml", 'subcategory = "Islam"\n', "")
    assert _errors(show) == [
        f"Error: {show.config}: category: 'Spirituality' is not an Apple Podcasts category; use one of: Arts, "
        "Business, Comedy, Education, Fiction, Government, History, Health & Fitness, Kids & Family, Leisure, Music, "
        "News, Religion & Spirituality, Science, Society & Culture, Sports, Technology, True Crime, TV & Film"]


@pytest.mark.parametrize(("size", "expected"), [
    ((1000, 1000), "artwork.jpg is 1000×1000 px; Apple Podcasts needs at least 1400×1400 px: export it larger"),
    ((1400, 1500), "artwork.jpg is 1400×1500 px; Apple Podcasts needs a square image: crop it to 1400×1400 px"),
    ((3200, 3200), "artwork.jpg is 3200×3200 px; Apple Podcasts takes at most 3000×3000 px: scale it down"),
])
def test_artwork_size(show: ShowCopy, size, expected):
    _save_artwork(show, "artwork.jpg", size)
    assert _errors(show) == [f"Error: {show.config}: artwork: {expected}"]


def test_artwork_in_cmyk(show: ShowCopy):
    _save_artwork(show, "artwork.jpg", (1400, 1400), mode="CMYK")
    assert _errors(show) == [
        f"Error: {show.config}: artwork: artwork.jpg is in CMYK colour; Apple Podcasts needs RGB: convert it to RGB"]


def test_artwork_of_a_type_apple_does_not_take(show: ShowCopy):
    _save_artwork(show, "artwork.gif", (1400, 1400), kind="GIF", mode="P")
    assert _errors(show) == [f"Error: {show.config}: artwork: artwork.gif is a GIF image; Apple Podcasts takes only "
                             "JPEG or PNG: save it as .jpg or .png"]


def test_artwork_named_for_another_type(show: ShowCopy):
    _save_artwork(show, "artwork.jpg", (1400, 1400), kind="PNG")
    assert _errors(show) == [
        f"Error: {show.config}: artwork: artwork.jpg holds a PNG image but is named .jpg; rename it to end in .png"]


def test_episode_cover_is_held_to_the_same_rules(show: ShowCopy):
    Image.new("RGB", (600, 600), "navy").save(show.root / "episodes/just-forgiving/cover.jpg", "JPEG")
    assert _errors(show) == [f"Error: {show.root / EPISODE}: cover: cover.jpg is 600×600 px; Apple Podcasts needs "
                             "at least 1400×1400 px: export it larger"]


def test_description_too_long(show: ShowCopy):
    long = "ا" * 2001  # two bytes each in UTF-8: 4002 bytes, though only 2001 characters
    show.edit("podcast.toml", 'description = "Short talks', f'description = "{long} Short talks')
    size = len(long.encode()) + len(" Short talks and answers from scholars of the SeekersHub circle on forgiving "
                                    "others, seeking forgiveness, and the prophetic example of mercy.")
    assert _errors(show) == [
        f"Error: {show.config}: description: is {size} bytes long; Apple Podcasts takes at most 4000: shorten it"]


def test_serial_show_without_episode_numbers(show: ShowCopy):
    show.edit("podcast.toml", 'type = "episodic"', 'type = "serial"')
    show.edit(EPISODE, "number: 2\n", "")
    assert _errors(show) == [
        f"Error: {show.root / EPISODE}: number: missing; the show is serial (type = \"serial\"), and Apple Podcasts "
        "orders serial shows by number: add `number: N`"]


def test_duplicate_guids(show: ShowCopy):
    show.edit(EPISODE, 'guid: "2b1396e7-f783-40ed-b366-baaee7315a21"', 'guid: "2af0755c-49ce-476c-8824-67cff60cb569"')
    lines = _errors(show)
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: {show.root / 'episodes/will-allah-forgive-me/episode.md'}: guid: "
                               f"'2af0755c-49ce-476c-8824-67cff60cb569' is already the GUID of {show.root / EPISODE}; "
                               "give this episode its own, e.g. ")


def test_a_guid_that_differs_from_the_last_built_feed(show: ShowCopy):
    assert show.run("build").exit_code == 0
    show.edit(EPISODE, 'guid: "2b1396e7-f783-40ed-b366-baaee7315a21"', 'guid: "11111111-2222-4333-8444-555555555555"')
    result = show.run("check")
    assert result.exit_code == 1
    assert _lines(result) == [
        f"Error: {show.root / EPISODE}: guid: '11111111-2222-4333-8444-555555555555' differs from "
        "'2b1396e7-f783-40ed-b366-baaee7315a21', the GUID this episode has in the last built feed (feed/feed.xml); "
        "a new GUID makes every subscriber download it again as a new episode: "
        "set `guid: \"2b1396e7-f783-40ed-b366-baaee7315a21\"` back"]
    assert show.run("build").exit_code == 1, "a build refuses it too, so the feed is never written with it"


def test_the_same_episode_is_recognised_after_its_folder_moved_to_a_new_host(show: ShowCopy):
    """Matched by slug when both the audio and the page URL changed with the base URL."""
    assert show.run("build").exit_code == 0
    show.edit("podcast.toml", 'public_url = "http://127.0.0.1:8000/"', 'public_url = "https://cdn.example.org/"')
    show.edit(EPISODE, 'guid: "2b1396e7-f783-40ed-b366-baaee7315a21"', 'guid: "just-forgiving-new"')
    lines = _lines(show.run("check"))
    assert len(lines) == 1 and f"{EPISODE}: guid: 'just-forgiving-new' differs from " in lines[0]


def test_a_new_episode_is_found_in_no_earlier_item_without_reading_every_items_slug(
        show: ShowCopy, monkeypatch: pytest.MonkeyPatch):
    """An added episode's URLs are in no earlier item; neither is its slug, which a search of the
    URLs tells without reading the slug of each item. A changed GUID is still found by slug."""
    assert show.run("build").exit_code == 0
    new = show.root / "episodes/a-new-talk"
    shutil.copytree(show.root / "episodes/just-forgiving", new)
    text = (new / "episode.md").read_text(encoding="utf-8")
    (new / "episode.md").write_text(text.replace('guid: "2b1396e7-f783-40ed-b366-baaee7315a21"',
                                                 'guid: "a-new-talk"'), encoding="utf-8")
    slugs_read: list[str | None] = []
    slug_of = feedcheck._slug_of
    monkeypatch.setattr(feedcheck, "_slug_of", lambda url: slugs_read.append(url) or slug_of(url))
    assert show.run("check").exit_code == 0
    assert slugs_read == []
    show.edit("podcast.toml", 'public_url = "http://127.0.0.1:8000/"', 'public_url = "https://cdn.example.org/"')
    show.edit(EPISODE, 'guid: "2b1396e7-f783-40ed-b366-baaee7315a21"', 'guid: "just-forgiving-new"')
    lines = _lines(show.run("check"))
    assert len(lines) == 1 and f"{EPISODE}: guid: 'just-forgiving-new' differs from " in lines[0]
    assert slugs_read


def test_the_shows_podcast_guid_would_change_with_the_feed_url(show: ShowCopy):
    show.edit("podcast.toml", 'guid = "83592e4d-9d26-5dd7-bc60-9d742a8bfb85"\n', "")
    assert show.run("build").exit_code == 0
    show.edit("podcast.toml", 'public_url = "http://127.0.0.1:8000/"', 'public_url = "https://cdn.example.org/"')
    assert _errors(show) == [
        f"Error: {show.config}: podcast.guid: the show's podcast:guid would change from "
        f"83592e4d-9d26-5dd7-bc60-9d742a8bfb85 to {podcasting.feed_guid('https://cdn.example.org/feed.xml')} because "
        "the feed URL changed; a show keeps it for life: add `guid = \"83592e4d-9d26-5dd7-bc60-9d742a8bfb85\"` "
        "under [podcast]"]


def test_a_pinned_podcast_guid_that_was_changed(show: ShowCopy):
    assert show.run("build").exit_code == 0
    show.edit("podcast.toml", 'guid = "83592e4d-9d26-5dd7-bc60-9d742a8bfb85"',
              'guid = "917393e3-1b1e-5cef-ace4-edaa54e1f810"')
    assert _errors(show) == [
        f"Error: {show.config}: podcast.guid: the show's podcast:guid would change from "
        "83592e4d-9d26-5dd7-bc60-9d742a8bfb85 to 917393e3-1b1e-5cef-ace4-edaa54e1f810 as podcast.guid now says; a "
        "show keeps it for life: set `guid = \"83592e4d-9d26-5dd7-bc60-9d742a8bfb85\"` under [podcast]"]


def test_an_enclosure_type_apple_rejects(show: ShowCopy):
    """podcaster reads only MP3 and M4A today, so the rule is held to an episode as another reader
    of audio would describe an Ogg file."""
    assert show.run("build").exit_code == 0
    from podcaster import pipeline
    loaded = pipeline.load(show.config)
    episode = next(e for e in loaded.episodes if e.slug == "just-forgiving")
    ogg = dataclasses.replace(episode, audio=episode.audio.with_suffix(".ogg"),
                              audio_info=AudioInfo("ogg", "audio/ogg", "vorbis", 33.6, 64000, 44100, 1, 1000))
    report = Report()
    feedcheck.check_enclosure_type(ogg, report)
    assert [str(p) for p in report.errors] == [
        f"{show.root / EPISODE}: audio: episode.ogg is audio/ogg, which Apple Podcasts does not accept; publish an MP3 "
        "or M4A as `audio` and list this file under `alternates`"]


def test_non_https_public_url_is_a_warning_except_on_this_machine(show: ShowCopy):
    assert show.run("--strict", "check").exit_code == 0, "http://127.0.0.1 is a preview, not a publication"
    show.edit("podcast.toml", 'public_url = "http://127.0.0.1:8000/"', 'public_url = "http://podcast.example.org/"')
    lenient = show.run("check")
    assert lenient.exit_code == 0
    assert _lines(lenient, "Warning") == [
        f"Warning: {show.config}: publish.public_url: 'http://podcast.example.org/' is not HTTPS; Apple Podcasts and "
        "many apps refuse feeds and audio over plain HTTP: serve them over https://"]
    assert show.run("--strict", "check").exit_code == 1


@pytest.mark.parametrize("language", ["English", "xx", "en_GB"])
def test_invalid_language_code(show: ShowCopy, language):
    show.edit("podcast.toml", 'language = "en"', f'language = "{language}"')
    assert _errors(show) == [
        f"Error: {show.config}: language: {language!r} is not an ISO 639-1 language code; use e.g. en, en-GB, ar"]


@pytest.mark.parametrize("title", ["Episode 2: Just Forgiving", "2. Just Forgiving", "Just Forgiving (#2)",
                                   "Just Forgiving, Ep. 02"])
def test_episode_title_that_contains_its_own_number(show: ShowCopy, title):
    show.edit(EPISODE, 'title: "Just Forgiving"', f'title: "{title}"')
    result = show.run("check")
    assert result.exit_code == 0
    assert _lines(result, "Warning") == [
        f"Warning: {show.root / EPISODE}: title: {title!r} contains the episode's number 2; Apple Podcasts shows the "
        "number itself (from `number`), so leave it out of the title"]


def test_texts_that_become_podcast_elements_keep_within_their_limit(show: ShowCopy):
    long_name = "Shaykh " + "Abdul Rahim " * 11  # 138 characters once trimmed: one podcast:person
    trailer_title = "A trailer " * 13  # 129 characters once trimmed: its podcast:trailer
    show.edit(EPISODE, '["Shaykh Abdul Rahim Reasat"]', f'["{long_name}"]')
    show.edit("episodes/will-allah-forgive-me/episode.md", "type: full", "type: trailer")
    show.edit("episodes/will-allah-forgive-me/episode.md", 'title: "Will Allah Forgive Me?"', f'title: "{trailer_title}"')
    assert _errors(show) == [
        f"Error: {show.root / EPISODE}: speakers: 'Shaykh Abdul Rahim Abdul Rahim Abdul Rah'… is 138 characters long; "
        "apps cut a speaker's name at 128, so shorten it; for example `speakers: [\"Shaykh Walead Mosaad\"]`",
        f"Error: {show.root / 'episodes/will-allah-forgive-me/episode.md'}: title: is 129 characters long, and a "
        "trailer's title is also the show's podcast:trailer, which apps cut at 128: shorten it",
    ]


@pytest.mark.parametrize("title", ["Day 12 in a Nutshell", "The 2 Steps of Forgiving", "Just Forgiving 24:22"])
def test_titles_with_other_numbers_are_fine(show: ShowCopy, title):
    show.edit(EPISODE, 'title: "Just Forgiving"', f'title: "{title}"')
    assert show.run("--strict", "check").exit_code == 0


def test_control_characters_are_announced(show: ShowCopy):
    show.edit(EPISODE, 'title: "Just Forgiving"', 'title: "Just\\x07 Forgiving"')
    result = show.run("check")
    assert result.exit_code == 0
    assert _lines(result, "Warning") == [
        f"Warning: {show.root / EPISODE}: title: contains the control character U+0007, which a feed or a "
        "page cannot hold, so the feed, the pages and the audio tags leave it out: remove it"]


@pytest.mark.parametrize(("old", "new", "field"), [
    ('    title: "Musa and the hurt of his people"', '    title: "Musa and the hurt\\x07 of his people"',
     "soundbites[1].title"),
    ('speakers: ["Shaykh Abdul Rahim Reasat"]', 'speakers: ["Shaykh Abdul\\x07 Rahim Reasat"]', "speakers[1]"),
    ('  name: "Medina"', '  name: "Medi\\x07na"', "location.name"),
])
def test_control_characters_deep_in_an_episode_are_announced_and_left_out(show: ShowCopy, old, new, field):
    show.edit(EPISODE, old, new)
    result = show.run("build")
    assert result.exit_code == 0
    assert _lines(result, "Warning") == [
        f"Warning: {show.root / EPISODE}: {field}: contains the control character U+0007, which a feed or a "
        "page cannot hold, so the feed, the pages and the audio tags leave it out: remove it"]
    assert "\x07" not in (show.output / "feed.xml").read_text(encoding="utf-8")


def test_control_characters_in_the_notes_are_announced(show: ShowCopy):
    source = show.root / EPISODE
    source.write_text(source.read_text(encoding="utf-8") + "\nA bell \x07 rang.\n", encoding="utf-8")
    for _ in range(2):  # checked as the episode loads, and again from the build cache's warnings
        result = show.run("build")
        assert result.exit_code == 0
        assert _lines(result, "Warning") == [
            f"Warning: {source}: notes: contains the control character U+0007, which a feed or a "
            "page cannot hold, so the feed, the pages and the audio tags leave it out: remove it"]


def test_live_stream_guid_must_differ_from_every_episode(show: ShowCopy):
    show.config.write_text(show.config.read_text(encoding="utf-8") + LIVE_STREAM, encoding="utf-8")
    show.edit("podcast.toml", 'guid = "0f6d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"',
              'guid = "2b1396e7-f783-40ed-b366-baaee7315a21"')
    assert _errors(show) == [f"Error: {show.config}: live[1].guid: '2b1396e7-f783-40ed-b366-baaee7315a21' is already "
                             f"the GUID of {show.root / EPISODE}; give the stream its own"]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('text = "Support the show"', 'text = "' + "x" * 129 + '"',
     "funding[1].text: is 129 characters long; apps cut it at 128, so shorten it"),
    ('url = "https://example.org/support"', 'url = "example.org/support"',
     "funding[1].url: 'example.org/support' is not an http(s) URL; write it as https://…"),
    ('status = "ended"', 'status = "over"', "live[1].status: is 'over'; use one of: pending, live, ended"),
    ('start = 2017-06-24T20:00:00-04:00', 'start = 2017-06-24T20:00:00',
     "live[1].start: 2017-06-24T20:00:00 has no time zone; add one, e.g. -04:00 or Z"),
    ('feed_guid = "917393e3-1b1e-5cef-ace4-edaa54e1f810"', 'feed_guid = "pc20"',
     "podroll[1].feed_guid: 'pc20' is not a podcast:guid (a UUID); look the show up on podcastindex.org"),
    ('split = 100', 'split = "all"', "value.recipient[1].split: must be a whole number, not a string; for example "
                                     "`split = 90`"),
    ('medium = "podcast"', 'medium = "radio"', "podcast.medium: is 'radio'; use one of: " + ", ".join(
        podcasting.MEDIUMS)),
])
def test_podcasting_config_is_checked(show: ShowCopy, old, new, expected):
    show.config.write_text(show.config.read_text(encoding="utf-8") + LIVE_STREAM, encoding="utf-8")
    show.edit("podcast.toml", old, new)
    assert _errors(show) == [f"Error: {show.config}: {expected}"]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('  geo: "geo:24.4672,39.6111"', '  geo: "24.4672,39.6111"',
     "location: geo: '24.4672,39.6111' is not a geo URI such as geo:33.5138,36.2765; for example "
     '`location: {name: "Medina", geo: "geo:24.4672,39.6111"}`'),
    ("  - transcript.srt", "  - transcript.docx", "transcript: 'transcript.docx' does not exist beside episode.md; "
                                                 "add the file or fix the name"),
    ('    duration: 7', '    duration: 70', "soundbites: entry 1 runs past the end of the audio (00:33); shorten it or "
                                            "start it earlier"),
])
def test_podcasting_front_matter_is_checked(show: ShowCopy, old, new, expected):
    show.edit(EPISODE, old, new)
    assert _errors(show) == [f"Error: {show.root / EPISODE}: {expected}"]


def test_a_transcript_format_apps_cannot_read(show: ShowCopy):
    (show.root / "episodes/just-forgiving/transcript.docx").write_bytes(b"PK")
    show.edit(EPISODE, "  - transcript.srt", "  - transcript.docx")
    assert _errors(show) == [
        f"Error: {show.root / EPISODE}: transcript: entry 2: transcript.docx is not a transcript format apps read; "
        "use .vtt, .srt, .json, .html, .txt; for example `transcript: transcript.vtt`"]


def test_every_new_config_key_is_known(show: ShowCopy):
    assert show.run("--strict", "check").exit_code == 0
    show.edit("podcast.toml", 'text = "Support the show"', 'text = "Support the show"\nlabel = "x"')
    result = show.run("check")
    assert _lines(result, "Warning") == [f"Warning: {show.config}: funding[1].label: unknown key, ignored; "
                                         "check its spelling"]


@pytest.mark.parametrize("url", [
    "https://example.org/episodes/just forgiving/",
    "https://example.org/show/episodes/just%20forgiving/just-forgiving.mp3",  # escaped
    "https://example.org/epi\tsodes/just forgiving/",  # a tab, which URL parsing drops
])
def test_an_earlier_item_is_found_by_the_slug_its_url_names_however_it_spells_it(url: str):
    published = feed.PublishedFeed(None, ("another", "the-guid"), (None, None), ("https://example.org/episodes/x/", url))
    earlier = feedcheck._EarlierGuids(published)
    layout = Layout("https://elsewhere.example/", ".jpg")
    assert earlier.of(SimpleNamespace(slug="another-slug", audio_extension=".mp3"), layout) is None
    assert earlier.of(SimpleNamespace(slug="just forgiving", audio_extension=".mp3"), layout) == "the-guid"


@pytest.mark.parametrize("url, slug", [
    ("https://example.org/episodes/just-forgiving/", "just-forgiving"),
    ("https://example.org/show/episodes/just%20forgiving/just-forgiving.mp3", "just forgiving"),
    ("HTTP://example.org/episodes/a/episodes/b/", "a"),
    ("https://episodes/just-forgiving/", None),  # a host named so, not the folder
    ("https://example.org/episodes/just-forgiving", None),  # no folder below it
    ("https://example.org/page?from=/episodes/just-forgiving/", None),  # in the query, not the path
    ("https://example.org/page#/episodes/just-forgiving/", None),
    ("/episodes/just-forgiving/index.html", "just-forgiving"),
    ("https://example.org/epi\tsodes/just-forgiving/", "just-forgiving"),  # as urlsplit reads it, without the tab
    ("HTTP://[::1/episodes/just-forgiving/", None),  # no URL (a broken host): none, not a traceback
    ("", None),
])
def test_an_earlier_items_slug_is_read_from_its_urls_path(url: str, slug: str | None):
    assert feedcheck._slug_of(url) == slug
