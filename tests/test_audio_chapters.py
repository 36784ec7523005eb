"""An episode's chapters: from the front matter, from a Podcasting 2.0 JSON file, or from timestamps
at the start of show-notes lines, and the same list in the published audio."""

from __future__ import annotations

import json
import shutil

import pytest
from mutagen.id3 import ID3

from audio_readers import DATA, ffprobe
from conftest import ShowCopy
from podcaster import artwork, chapters, pipeline
from podcaster.model import Chapter

WILL = "episodes/will-allah-forgive-me/episode.md"  # 17 s of audio, no chapters in its front matter
WILL_AUDIO = "episodes/will-allah-forgive-me/will-allah-forgive-me.mp3"
JUST = "episodes/just-forgiving/episode.md"
NOTES_WITH_TIMESTAMPS = """Intro paragraph; at 10:30 that evening nothing happened.

- 00:00 The question
- 00:06 – Hope is still open
- [0:12] (Asking again)

Closing words.
"""


def _add_to_notes(show: ShowCopy, text: str) -> None:
    episode_md = show.root / WILL
    episode_md.write_text(episode_md.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def _chapters_of(show: ShowCopy, slug: str) -> tuple[Chapter, ...]:
    loaded = pipeline.check(show.config)
    return next(e for e in loaded.episodes if e.slug == slug).chapters


def _error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


# --- show-notes timestamps ----------------------------------------------------------------------


@pytest.mark.parametrize(("notes", "expected"), [
    ("00:00 Welcome\n12:34 Questions\n1:02:03 Closing\n", [(0, "Welcome"), (754, "Questions"), (3723, "Closing")]),
    ("* 0:00 - Welcome\n* 5:00 | Questions\n", [(0, "Welcome"), (300, "Questions")]),
    ("1. (00:00) Welcome\n2. [01:30]: Questions\n", [(0, "Welcome"), (90, "Questions")]),
    ("00:00 Only one\n", []),
    ("We met at 00:00 and left\nat 12:34 Questions\n", []),  # not at the start of a line
    ("00:00 Welcome\n75:99 not a time\n02:00 Questions\n", [(0, "Welcome"), (120, "Questions")]),
])
def test_timestamps_at_line_starts_become_chapters(notes, expected):
    found, problem = chapters.from_notes(notes)
    assert [(c.start, c.title) for c in found] == expected
    assert problem is None


@pytest.mark.parametrize(("notes", "problem"), [
    ("00:05 Welcome\n01:00 Questions\n", "lines start with timestamps but the first, 00:05, is not 00:00"),
    ("00:00 Welcome\n05:00 Questions\n02:00 Back\n", "timestamps at line starts go back from 05:00 to 02:00"),
])
def test_timestamps_that_are_no_chapters_say_why(notes, problem):
    found, reason = chapters.from_notes(notes)
    assert found == ()
    assert reason.startswith(problem)


def test_show_notes_timestamps_are_the_chapters_everywhere(show: ShowCopy):
    _add_to_notes(show, NOTES_WITH_TIMESTAMPS)
    expected = [(0.0, "The question"), (6.0, "Hope is still open"), (12.0, "(Asking again)")]
    assert [(c.start, c.title) for c in _chapters_of(show, "will-allah-forgive-me")] == expected
    assert show.run("--strict", "build").exit_code == 0
    assert [(start, title) for start, _, title in ffprobe(show.output / WILL_AUDIO).chapters] == expected


def test_front_matter_chapters_win_over_show_notes_and_an_empty_list_means_none(show: ShowCopy):
    _add_to_notes(show, NOTES_WITH_TIMESTAMPS)
    show.edit(WILL, "cover: cover.jpg\n", 'cover: cover.jpg\nchapters:\n  - {start: "00:00", title: "All of it"}\n')
    assert [c.title for c in _chapters_of(show, "will-allah-forgive-me")] == ["All of it"]
    show.edit(WILL, 'chapters:\n  - {start: "00:00", title: "All of it"}\n', "chapters: []\n")
    assert _chapters_of(show, "will-allah-forgive-me") == ()
    assert show.run("build").exit_code == 0
    assert ffprobe(show.output / WILL_AUDIO).chapters == []


def test_show_notes_timestamps_out_of_order_are_a_warning(show: ShowCopy):
    _add_to_notes(show, "00:05 Welcome\n00:09 Questions\n")
    lenient = show.run("check")
    assert lenient.exit_code == 0
    assert (f"Warning: {show.root / WILL}: show notes: lines start with timestamps but the first, 00:05, is not 00:00, "
            "so they are not chapters; fix them, or set `chapters` in the front matter") in lenient.stderr
    assert show.run("--strict", "check").exit_code == 1


def test_a_chapter_that_starts_after_the_audio_is_refused_whatever_its_source(show: ShowCopy):
    _add_to_notes(show, "00:00 Welcome\n09:00 After the end\n")
    result = show.run("check")
    assert result.exit_code == 1
    assert "chapters: chapter 'After the end' starts after the audio ends (00:17); fix its start" in result.stderr


# --- front matter: url and image ----------------------------------------------------------------


def test_front_matter_chapter_url_and_image_are_embedded(show: ShowCopy):
    shutil.copyfile(DATA / "chapter.png", show.root / "episodes/just-forgiving/pardon.png")
    show.edit(JUST, '  - start: "00:25"\n    title: "Abu Bakr, Mistah and the verse of pardon"\n',
              '  - start: "00:25"\n    title: "Abu Bakr, Mistah and the verse of pardon"\n'
              '    url: "https://quran.com/24/22"\n    image: pardon.png\n')
    assert show.run("--strict", "build").exit_code == 0
    id3 = ID3(show.output / "episodes/just-forgiving/just-forgiving.mp3")
    chapter = next(c for c in id3.getall("CHAP") if c.start_time == 25000)
    assert str(chapter.sub_frames["TIT2"]) == "Abu Bakr, Mistah and the verse of pardon"
    assert chapter.sub_frames.getall("WXXX")[0].url == "https://quran.com/24/22"
    assert chapter.sub_frames.getall("APIC")[0].data == artwork.embeddable_jpeg(DATA / "chapter.png")


@pytest.mark.parametrize(("entry", "message"), [
    ("    image: missing.png\n", "chapters: entry 2: image 'missing.png' does not exist beside episode.md"),
    ("    image: episode.md\n", "chapters: entry 2: image 'episode.md' is not a readable image"),
    ("    image: https://example.org/a.png\n", "chapters: entry 2: image 'https://example.org/a.png' must name an "
     "image file beside episode.md"),
    ("    link: https://example.org/\n", "chapters: entry 2 has unknown keys (link); use start, title, url and image"),
])
def test_a_bad_chapter_entry_is_named(show: ShowCopy, entry, message):
    chapter = '  - start: "00:22"\n    title: "Musa and the hurt of his people"\n'  # not the soundbite's
    show.edit(JUST, chapter, chapter + entry)
    result = show.run("check")
    assert result.exit_code == 1
    assert _error_lines(result) and message in _error_lines(result)[0]


# --- a Podcasting 2.0 JSON chapters file --------------------------------------------------------


def _use_json_chapters(show: ShowCopy, document) -> None:
    folder = show.root / "episodes/will-allah-forgive-me"
    (folder / "chapters.json").write_text(document if isinstance(document, str) else json.dumps(document),
                                          encoding="utf-8")
    shutil.copyfile(DATA / "chapter.png", folder / "answer.png")
    show.edit(WILL, "cover: cover.jpg\n", "cover: cover.jpg\nchapters: chapters.json\n")


def test_a_json_chapters_file_is_embedded(show: ShowCopy):
    _use_json_chapters(show, {"version": "1.2.0", "chapters": [
        {"startTime": 0, "title": "The question"},
        {"startTime": 8.5, "title": "The answer", "url": "https://example.org/answer", "img": "answer.png"},
    ]})
    assert [(c.start, c.title, c.url) for c in _chapters_of(show, "will-allah-forgive-me")] == [
        (0.0, "The question", None), (8.5, "The answer", "https://example.org/answer")]
    assert show.run("--strict", "build").exit_code == 0
    published = show.output / WILL_AUDIO
    assert [(start, title) for start, _, title in ffprobe(published).chapters][0] == (0.0, "The question")
    answer = next(c for c in ID3(published).getall("CHAP") if c.start_time == 8500)
    assert answer.sub_frames.getall("WXXX")[0].url == "https://example.org/answer"
    assert answer.sub_frames.getall("APIC")[0].data == artwork.embeddable_jpeg(DATA / "chapter.png")


@pytest.mark.parametrize(("document", "message"), [
    ("{not json", "chapters: chapters.json is not valid JSON (line 1: "),
    ({"version": "1.2.0"}, 'chapters: chapters.json needs a "chapters" list'),
    ({"chapters": [{"startTime": "0:00", "title": "A"}]}, 'chapters: chapters.json: chapter 1 needs a numeric '
     '"startTime" (seconds) and a "title"'),
    ({"chapters": [{"startTime": 0, "title": "A", "img": "https://example.org/a.png"}]},
     "chapters: chapters.json: chapter 1: image 'https://example.org/a.png' must name an image file beside episode.md"),
    ({"chapters": [{"startTime": 0, "title": "A"}, {"startTime": 5, "title": "B", "toc": False}]},
     'chapters: chapters.json: chapter 2 is hidden ("toc": false)'),
    ({"chapters": [{"startTime": 5, "title": "A"}, {"startTime": 2, "title": "B"}]},
     "chapters: chapters.json: chapter 2 ('B') must start after the one before it"),
])
def test_a_bad_json_chapters_file_is_named(show: ShowCopy, document, message):
    _use_json_chapters(show, document)
    result = show.run("check")
    assert result.exit_code == 1
    lines = _error_lines(result)
    assert len(lines) == 1 and f"{show.root / WILL}: {message}" in lines[0], lines


def test_a_missing_json_chapters_file_is_named(show: ShowCopy):
    show.edit(WILL, "cover: cover.jpg\n", "cover: cover.jpg\nchapters: chapters.json\n")
    result = show.run("check")
    assert _error_lines(result) == [f"Error: {show.root / WILL}: chapters: 'chapters.json' does not exist beside "
                                    "episode.md; add the file or fix the name"]
