"""Episodes: `episodes/<slug>/episode.md` (YAML front matter + Markdown notes) and the files beside it.

Every problem is recorded in the `Report` with the file and the field, and loading goes on, so
one `check` lists everything that needs fixing.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import posixpath
import re
import stat
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from podcaster import apple, audio, chapters as chapter_sources, languages, podcasting, timecodes, transcripts
from podcaster.cache import BuildCache, digest as cache_digest, file_stamp
from podcaster.child import ChildProcess, map_from_both_ends
from podcaster.config import LOCATION_FIELDS, check_location, is_http_url, location_of, markdown_table
from podcaster.errors import AudioError, EpisodeError, Problem, Report, refusal
from podcaster.files import lies_in
from podcaster.model import (
    AlternateAudio, AudioInfo, Chapter, Episode, License, Location, Person, SocialInteract, Soundbite, Transcript,
    episode_text, notes_in,
)
from podcaster.render import notes_html
from podcaster.text import CONTROL_CHARACTERS, without_control_characters

log = logging.getLogger(__name__)

EPISODE_FILE = "episode.md"
# libyaml's safe loader when PyYAML was built with it: the same documents, about 8 times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FENCE = "---"


@dataclass(frozen=True)
class Field:
    """A front matter key: its type check and what it means (the README's episode format)."""

    key: str
    doc: str
    example: str
    required: bool = False


FIELDS: tuple[Field, ...] = (
    Field("title", "The episode's title, without its number.", '"Just Forgiving"', required=True),
    Field("date", "Publication time with a time zone; a future date stays unpublished until then.",
          "2017-06-07T20:10:00-04:00", required=True),
    Field("guid", "The episode's permanent ID; written once, never changed (see 'GUIDs').",
          "6f1c2a52-3a52-4a57-9f67-0b1d0b2b7a11", required=True),
    Field("summary", "One or two sentences; apps show it under the title.", '"What forgiving asks of us."',
          required=True),
    Field("speakers", "Who speaks, as a list.", '["Shaykh Walead Mosaad"]', required=True),
    Field("audio", "The audio file beside episode.md: MP3 or M4A, which Apple Podcasts takes (Opus, Ogg Vorbis "
          "and FLAC go in `alternates`).", "episode.mp3", required=True),
    Field("number", "Episode number (itunes:episode).", "3"),
    Field("season", "Season number (itunes:season).", "1"),
    Field("type", "full, trailer or bonus (itunes:episodeType).", "full"),
    Field("explicit", "true or false; defaults to the show's `explicit`.", "false"),
    Field("series", "The series the talk belongs to.", '"Circle of Light"'),
    Field("cover", "Episode artwork beside episode.md; defaults to the show's.", "cover.jpg"),
    Field("transcript", "A transcript file beside episode.md, or a list of them, each a file name or "
          "{file, language}: .vtt, .srt, .json, .html or .txt (podcast:transcript; timed ones as captions).",
          "transcript.vtt"),
    Field("chapters", "A list of {start, title, url, image} entries (start as MM:SS or H:MM:SS, image a file "
          "beside episode.md), or the name of a Podcasting 2.0 JSON chapters file beside it. Without it, show-notes "
          "lines that start with a timestamp (00:00 Welcome) are the chapters.",
          '[{start: "00:00", title: "Welcome"}]'),
    Field("draft", "true keeps the episode out of every build and publish (`serve --watch --drafts` previews it); a draft's problems are warnings, so a missing recording stops nothing.", "false"),
    Field("number_display", "How apps should show the number, up to 32 characters (podcast:episode display).",
          '"2a"'),
    Field("persons", "People besides the speakers, or details for a speaker: a list of {name, role, group, img, "
          "href} (podcast:person).", '[{name: "Jane Doe", role: "guest"}]'),
    Field("soundbites", "Highlights for apps to preview: a list of {start, duration, title}; start as MM:SS, "
          "duration in seconds (podcast:soundbite).", '[{start: "01:10", duration: 30, title: "The verse"}]'),
    Field("location", "The place the episode is about: {name, geo, osm} (podcast:location).",
          '{name: "Medina", geo: "geo:24.4672,39.6111"}'),
    Field("license", "The episode's licence when it differs from the show's: an identifier, or {name, url} "
          "(podcast:license).", '"cc-by-4.0"'),
    Field("alternates", "Other encodings of the audio beside episode.md, e.g. Opus: file names or {file, title} "
          "(podcast:alternateEnclosure).", '[{file: episode.opus, title: "Opus"}]'),
    Field("social", "Where the episode is discussed: a list of {protocol, uri, account_id, account_url, priority} "
          "(podcast:socialInteract).", '[{protocol: activitypub, uri: "https://example.social/@show/1"}]'),
)
_KNOWN = {f.key for f in FIELDS}


def reference() -> str:
    """The front matter reference as Markdown, generated from FIELDS (the README embeds it)."""
    return markdown_table(("key", "required", "meaning", "example"),
                          [(f"`{f.key}`", "yes" if f.required else "no", f.doc, f"`{f.example}`") for f in FIELDS])


def discover(episodes_dir: Path, report: Report) -> list[tuple[str, tuple[int, int]]]:
    """Every `<slug>/episode.md` below `episodes_dir`, in a stable order, with its size and mtime."""
    if not episodes_dir.is_dir():
        report.error(episodes_dir, "", "the episodes folder does not exist; create it or set [paths] episodes")
        return []
    found = []
    # scandir knows a folder from a file without a stat for each of thousands of entries.
    try:
        with os.scandir(episodes_dir) as entries:
            shown = [entry for entry in entries if not entry.name.startswith(".")]
    except OSError as e:
        report.error(episodes_dir, "", f"the episodes folder cannot be read: {refusal(e)}")
        return []
    folders, loose_files = [], []
    for entry in shown:
        if _is_folder(entry):
            folders.append(entry.name)
        elif _is_loose_episode_file(entry):
            loose_files.append(entry.name)
    folders.sort()
    # The folder's path ends with a separator: joined to thousands of names as plain strings, not
    # by os.path.join, which took a fifth of this function.
    prefix = os.path.join(episodes_dir, "")
    for loose in sorted(loose_files):
        stem, suffix = os.path.splitext(loose)
        where = f"{stem}/{EPISODE_FILE}" if suffix.lower() == ".md" else f"{stem}/, beside its {EPISODE_FILE}"
        report.warn(episodes_dir / loose, "", f"each episode is a folder of its own, so this file is in none; "
                                              f"move it to {where}")
    for name in folders:
        # As a string: a rebuild looks at thousands of episodes, and a Path costs more than the stat.
        source = f"{prefix}{name}{os.sep}{EPISODE_FILE}"
        try:
            status = os.stat(source)
        except (FileNotFoundError, NotADirectoryError):
            status = None
        except OSError as e:
            # Not "no episode": a folder this user may not read still holds one, and taking it for
            # none would drop the episode from the feed (and let --prune delete what it published).
            report.error(Path(source), "", f"cannot be read: {refusal(e)}")
            continue
        if status is not None and stat.S_ISREG(status.st_mode):
            found.append((source, (status.st_size, status.st_mtime_ns)))
        else:
            report.warn(episodes_dir / name, "",
                        f"no {EPISODE_FILE} in this folder, so it is not an episode; add one or move the folder")
    return found


# Markdown files a folder often holds that are no episode's notes.
_NOT_NOTES = {"readme", "index", "license", "changelog", "contributing", "notes", "todo"}


def _is_loose_episode_file(entry: os.DirEntry) -> bool:
    """Show notes or a recording kept in the episodes folder itself, as other tools lay a show out
    (`entry` is no folder)."""
    stem, suffix = os.path.splitext(entry.name)
    suffix = suffix.lower()
    return (suffix == ".md" and stem.lower() not in _NOT_NOTES) or suffix in audio.SUPPORTED_EXTENSIONS


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symlink loop, say: not an episode folder
        return False


def load_all(episodes_dir: Path, report: Report, cache: BuildCache | None = None,
             rules: Callable[[Episode, Report], None] | None = None) -> list[Episode]:
    """Parse and validate every episode; the valid ones, oldest first. `rules` checks each one
    further (the feed's rules for one episode, a module's function); with a `cache`, an episode none
    of whose files changed since it last loaded is taken from there, warnings included."""
    cache = cache or BuildCache(None)
    sources = discover(episodes_dir, report)
    keys = [cache_digest("episode", source) for source, _ in sources]
    remembered = cache.get_many("episodes", keys)
    bodies = _Bodies(cache, rules)
    found = [_remembered(stamp, key, remembered.pop(key, None), bodies) for (_, stamp), key in zip(sources, keys)]
    cache.keep("bodies", [key for key, known in zip(keys, found) if known is not None])
    fresh = iter(_loaded_and_checked([source for (source, _), known in zip(sources, found) if known is None], rules))
    loaded = []
    for (source, source_stamp), key, known in zip(sources, keys, found):
        if known is not None:
            episode, warnings = known
            report.warnings += warnings
        else:
            episode, own = next(fresh)
            report.errors += own.errors
            report.warnings += own.warnings
            if episode is not None and not own.errors:
                _remember(source, source_stamp, key, episode, own, cache)
        if episode is not None:
            loaded.append(episode)
    _check_unique_guids(loaded, report)
    _check_slugs_differ_beyond_case(loaded, report)
    return sorted(loaded, key=Episode.order)


def _remembered(source_stamp: tuple[int, int], key: str, remembered: Any, bodies: _Bodies
                ) -> tuple[Episode, list[Problem]] | None:
    """The episode and its warnings as `remembered` in the cache under `key`, if none of its files
    changed since: the episode.md's size and mtime are `source_stamp`."""
    if remembered is None:
        return None
    stamps, summary, warnings = remembered
    (source, remembered_stamp), *others = stamps
    if remembered_stamp == source_stamp and all(file_stamp(path) == stamp for path, stamp in others):
        return bodies.stored(source, key, summary), warnings
    return None


def _remember(source: str, source_stamp: tuple[int, int], key: str, episode: Episode, own: Report,
              cache: BuildCache) -> None:
    """Keep the episode that loaded from `source` in the cache under `key`, with its warnings.

    The stamp was taken before the file is read: an edit meanwhile then makes the next build load
    it again, instead of leaving an entry whose stamp is newer than its content."""
    stamps = _stamps(episode.inputs[1:])
    # A file that changed while the episode loaded (audio still being copied in) may not be what
    # was read: the next build loads the episode again rather than take it from here.
    if _fingerprint(episode.source_sha256, stamps) == episode.fingerprint:
        summary = tuple(value if encoded is None else encoded(value)
                        for encoded, value in zip(_SUMMARY_ENCODERS, (getattr(episode, name) for name in _SUMMARY_NAMES)))
        cache.put("episodes", key, ([(source, source_stamp), *stamps], summary, own.warnings))
        cache.put("bodies", key, episode)


# What a build reads of every episode: to sort, check and list them, and to plan every page, file
# and feed item. An episode taken from the cache holds only these until another field is asked
# for: at 10,000 episodes, unpickling them whole took 0.5 s of every rebuild, which then renders
# a few dozen of them.
# And what some properties of an Episode work out from its fields, which a stored one keeps as it is.
_KEPT_PROPERTIES = ("audio_extension", "timestamp", "iso_date")
_SUMMARY_NAMES = ("slug", "date", "guid", "draft", "number", "season", "episode_type", "speakers", "series",
                  "audio", "audio_info", "cover", "alternates", "fingerprint", *_KEPT_PROPERTIES)
_FIELDS = frozenset(field.name for field in fields(Episode))


def _date_as_text(moment: datetime) -> datetime | str:
    """An episode's date as ISO 8601 text when that gives back the very same date (it does for every
    date the front matter can give: a fixed UTC offset); else as it is."""
    if type(moment) is not datetime or moment.fold:  # neither of which text keeps
        return moment
    text = moment.isoformat()
    again = datetime.fromisoformat(text)
    same = (type(again.tzinfo) is type(moment.tzinfo) and again.tzname() == moment.tzname()
            and again.utcoffset() == moment.utcoffset() and again.replace(tzinfo=None) == moment.replace(tzinfo=None))
    return text if same else moment


def _date_from_text(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _audio_info_as_fields(info: AudioInfo | None) -> tuple | None:
    return None if info is None else tuple(getattr(info, name) for name in _AUDIO_INFO_FIELDS)


def _audio_info_from_fields(values: tuple | None) -> AudioInfo | None:
    return None if values is None else AudioInfo(*values)


_AUDIO_INFO_FIELDS = tuple(field.name for field in fields(AudioInfo))
# Summary fields kept in a plainer form, and how each comes back: every rebuild unpickles all the
# summaries, and a date (a datetime, its time zone and the zone's offset) and an AudioInfo were half
# of the 16 µs each took.
_SUMMARY_ENCODINGS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "date": (_date_as_text, _date_from_text),
    # Decoded the first time they are asked for (see StoredEpisode).
    "audio": (os.fspath, None),
    "audio_info": (_audio_info_as_fields, None),
}
_SUMMARY_ENCODERS = tuple(_SUMMARY_ENCODINGS.get(name, (None, None))[0] for name in _SUMMARY_NAMES)
_SUMMARY_DECODERS = tuple(_SUMMARY_ENCODINGS.get(name, (None, None))[1] for name in _SUMMARY_NAMES)


class StoredEpisode(Episode):
    """An episode as the build cache remembers it: its summary fields are set, and the first time
    another one is asked for, all the rest is read (see `_Bodies`)."""

    # The paths of the episode.md and of the recording, and the facts of the recording, as the
    # summary has them, decoded when asked for: a rebuild looks at none of them for most episodes
    # (the recording's extension is kept as it is, for the name of its copy), and making ten
    # thousand Paths each time took 30 ms, and their AudioInfos 20 ms. What some properties of an
    # Episode work out is kept as it is too (the extension, and the date as a timestamp and as
    # text): a rebuild sorts the episodes three times, and dates thousands of pages in the sitemap
    # (45 ms, worked out).
    __slots__ = ("_bodies", "_key", "_source", "_audio", "_audio_info", *_KEPT_PROPERTIES)

    def __getattr__(self, name: str) -> Any:
        # Reached only when `name` is not set: a field the summary leaves out, what the summary keeps
        # of a property in an episode not made from one (a copy by `replace`, say), or nothing at all.
        if name in _KEPT_PROPERTIES:
            return getattr(Episode, name).fget(self)
        if name not in _FIELDS:
            raise AttributeError(name)
        if name in _DECODED_WHEN_ASKED:
            slot, decode = _DECODED_WHEN_ASKED[name]
            value = decode(object.__getattribute__(self, slot))
            object.__setattr__(self, name, value)
            return value
        object.__getattribute__(self, "_bodies").fill(self)
        return object.__getattribute__(self, name)


# The field, its slot in a StoredEpisode, and how it is made from what the slot holds.
_DECODED_WHEN_ASKED: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "source": ("_source", Path),
    "audio": ("_audio", Path),
    "audio_info": ("_audio_info", _audio_info_from_fields),
}


# Each field set through its slot, as object.__setattr__ would, in two thirds of the time: a rebuild
# makes ten thousand stored episodes.
_SUMMARY_SETTERS = tuple(getattr(StoredEpisode, _DECODED_WHEN_ASKED.get(name, (name,))[0]).__set__ for name in _SUMMARY_NAMES)
_set_bodies, _set_key, _set_source = (getattr(StoredEpisode, name).__set__ for name in ("_bodies", "_key", "_source"))


class _Bodies:
    """The rest of the episodes a load took from the cache: read from there one at a time while a
    build asks for a few (the episode it renders again, its neighbours), then all the others at
    once (a template changed, and every page renders again), as they are once the build is over
    (`check` lists what tagging would do to each)."""

    _ONE_AT_A_TIME = 1000

    def __init__(self, cache: BuildCache, rules: Callable[[Episode, Report], None] | None) -> None:
        self._cache, self._rules = cache, rules
        self._waiting: dict[str, StoredEpisode] = {}  # by key: not filled yet
        self._asked = 0

    def stored(self, source: str, key: str, summary: tuple) -> StoredEpisode:
        episode = object.__new__(StoredEpisode)
        for set_field, decoded, value in zip(_SUMMARY_SETTERS, _SUMMARY_DECODERS, summary):
            set_field(episode, value if decoded is None else decoded(value))
        _set_bodies(episode, self)
        _set_key(episode, key)
        _set_source(episode, source)
        self._waiting[key] = episode
        return episode

    def fill(self, episode: StoredEpisode) -> None:
        """Set every field of `episode`, and perhaps of others still waiting. Raises EpisodeError if
        the episode can no longer be had as it loaded; another one that cannot is left waiting, to
        fail if it is asked for."""
        self._asked += 1
        asked = object.__getattribute__(episode, "_key")
        over = self._cache.is_closed  # the build is over
        keys = list(self._waiting) if over or self._asked > self._ONE_AT_A_TIME else [asked]
        for key, body in self._bodies(keys, over).items():
            waiting = self._waiting[key]
            if body is None or body.fingerprint != waiting.fingerprint:
                try:
                    body = self._loaded_again(waiting)
                except EpisodeError:
                    if key == asked:
                        raise
                    continue
            for name in _FIELDS:
                object.__setattr__(waiting, name, getattr(body, name))
            del self._waiting[key]

    def _bodies(self, keys: list[str], over: bool) -> dict[str, Episode | None]:
        """The cache's entries for `keys`: from the build's cache (none if it gave up), or once the
        build is `over`, from the same file, read."""
        if not over or self._cache.path is None:
            found = self._cache.get_many("bodies", keys)
        else:
            reader = BuildCache(self._cache.path, read_only=True)
            try:
                found = reader.get_many("bodies", keys)
            finally:
                reader.close(finished=False)
        return {key: found.get(key) for key in keys}

    def _loaded_again(self, episode: StoredEpisode) -> Episode:
        """`episode` read again from its files, when the cache no longer has it (damaged since): the
        same episode, or an error if its files changed since the build read them."""
        source = object.__getattribute__(episode, "_source")
        try:
            loaded, _ = load_and_check(source, self._rules)
        except OSError as e:
            raise EpisodeError(f"{source}: cannot be read any more ({e.strerror}); put it back and build again") from e
        if loaded is None or loaded.fingerprint != episode.fingerprint:
            raise EpisodeError(f"{source}: changed since the build read it; build again")
        return loaded


# Fewer episodes than this load faster here alone: the child takes 0.2 s to start and answer, in
# which time this process loads some 250 (timed alternately: 400 took 0.31 s here and 0.33 s shared,
# 600 took 0.45-0.50 s here and 0.41-0.44 s shared).
_LOADED_BY_TWO_MINIMUM = 500
_CHILD_BATCH = 16


def _loaded_and_checked(sources: list[str], rules: Callable[[Episode, Report], None] | None
                        ) -> list[tuple[Episode | None, Report]]:
    """`load_and_check` of each source, in order. Many (a first build) are shared with a child
    process, which loads from the end of the list while this one loads from the start: parsing,
    probing and checking took 0.9 ms an episode, 9 s of a first build of 10,000 on one core."""
    load = partial(load_and_check, rules=rules)
    if len(sources) < _LOADED_BY_TWO_MINIMUM:
        return [load(source) for source in sources]
    try:
        helper = ChildProcess()
    except OSError as e:  # no process, pipe or interpreter to be had: all of them here
        log.warning("episodes are loaded in this process only (the child process failed to start: %s)", e)
        return [load(source) for source in sources]
    try:
        return map_from_both_ends(load, sources, helper, _CHILD_BATCH)
    finally:
        helper.stop()


def load_and_check(source: str, rules: Callable[[Episode, Report], None] | None) -> tuple[Episode | None, Report]:
    """The episode in `source` as a build keeps it, checked by `rules`, and what was found wrong:
    None for one that cannot be used (a draft's problems left it out, as warnings)."""
    own = Report()
    episode = load(Path(source), own)
    if episode is not None:
        if rules is not None:
            rules(episode, own)
        if episode.draft and own.errors:
            # Left out, as a draft that could not load is: a preview of drafts would build it as it is.
            own.errors_as_warnings(_DRAFT_NOTE)
            episode = None
    if episode is not None:
        if own.warnings or rules is None:
            # Control characters, which the rules warn of, are left out of all that is made from
            # the episode. (Looking for them in every field of every episode took 2 % of a first build.)
            episode = without_control_characters(episode)
        # Checked, the notes are left in the file until a page or feed item needs them: a long
        # archive's notes were most of its memory, and a rebuild renders only a few of them.
        episode = replace(episode, notes=None)
    return episode, own


# A draft is written a piece at a time, its recording often last: its problems must not stop the
# show's other episodes from being built and published.
_DRAFT_NOTE = "it is a draft, so this stops nothing, and it is left out until it is fixed"


def load(source: Path, report: Report) -> Episode | None:
    """The episode in `source`, its notes included."""
    data = source.read_bytes()  # read once: the fingerprint and the notes read again later are of these bytes
    front_matter, notes_start, notes = _split(source, data, report)
    if front_matter is None:
        return None
    reader = _FieldReader(source, front_matter, report)
    for key in front_matter:
        if key not in _KNOWN:
            report.warn(source, str(key), "unknown front matter key, ignored; check its spelling")
    title = reader.text("title")
    published_at = reader.get("date", _datetime)
    guid = reader.get("guid", _guid)
    summary = reader.text("summary")
    speakers = reader.get("speakers", _speakers)
    number = reader.get("number", _positive_int)
    season = reader.get("season", _positive_int)
    episode_type = reader.get("type", _choice(apple.EPISODE_TYPES), default="full")
    explicit = reader.get("explicit", _bool)
    series = reader.get("series", _text)
    draft = reader.get("draft", _bool, default=False)
    audio_path = reader.get("audio", _file(source))
    cover = reader.get("cover", _file(source))
    transcript_files = reader.get("transcript", _transcripts(source), default=())
    chapters = reader.get("chapters", _chapters(source))
    if chapters is None:
        chapters, not_chapters = chapter_sources.from_notes(notes)
        if not_chapters:
            report.warn(source, "show notes", f"{not_chapters}; fix them, or set `chapters` in the front matter")
    number_display = reader.get("number_display", _short_text(podcasting.MAX_DISPLAY))
    persons = reader.get("persons", _persons, default=())
    soundbites = reader.get("soundbites", _soundbites, default=())
    location = reader.get("location", _location)
    license = reader.get("license", _license)
    alternates = reader.get("alternates", _alternates(source), default=())
    social = reader.get("social", _social, default=())
    notes_files, named_by_notes = _notes_files(source, notes, report)
    inputs = _inputs(source, front_matter.get("chapters"), audio_path, cover, transcript_files, alternates, chapters,
                     named_by_notes)
    input_stamps = _stamps(inputs[1:])  # before the audio and transcripts are read
    for transcript in transcript_files:
        if transcripts.readable(transcript.path):
            _check_transcript(source, transcript.path, report)
    audio_info = _probe(source, audio_path, report) if audio_path else None
    if audio_info and chapters and chapters[-1].start >= audio_info.duration:
        report.error(source, "chapters", f"chapter {chapters[-1].title!r} starts after the audio ends "
                     f"({timecodes.format_clock(audio_info.duration)}); fix its start")
    for position, bite in enumerate(soundbites, 1):
        if audio_info and bite.start + bite.duration > audio_info.duration:
            report.error(source, "soundbites", f"entry {position} runs past the end of the audio "
                         f"({timecodes.format_clock(audio_info.duration)}); shorten it or start it earlier")
    if reader.failed or audio_info is None:
        if draft:
            report.errors_as_warnings(_DRAFT_NOTE)
        return None
    sha256 = hashlib.sha256(data).hexdigest()
    return Episode(
        slug=source.parent.name, source=source, title=title, date=published_at, guid=guid,
        number=number, season=season, episode_type=episode_type, explicit=explicit, speakers=speakers,
        summary=summary, audio=audio_path, audio_info=audio_info, notes=notes, series=series,
        cover=cover, transcripts=transcript_files, chapters=chapters, draft=draft, number_display=number_display,
        persons=persons, soundbites=soundbites, location=location, license=license, alternates=alternates,
        social=social, notes_files=notes_files, inputs=inputs, fingerprint=_fingerprint(sha256, input_stamps),
        notes_start=notes_start,
        source_sha256=sha256,
    )


def _inputs(source: Path, chapters_value: Any, audio_path: Path, cover: Path | None,
            transcript_files: tuple[Transcript, ...], alternates: tuple[AlternateAudio, ...],
            chapters: tuple[Chapter, ...], named_by_notes: tuple[Path, ...]) -> tuple[Path, ...]:
    named = [source, audio_path, cover, *(t.path for t in transcript_files), *(a.path for a in alternates),
             *(c.image for c in chapters), *named_by_notes]
    if isinstance(chapters_value, str):
        named.append(source.parent / chapters_value.strip())
    return tuple(dict.fromkeys(path for path in named if path is not None))


# Where notes name a file: a Markdown link or image `](address` (or `](<address with spaces>`,
# or one with a pair of parentheses), a reference `[name]: address` on a line of its own (also in
# a quote), and an HTML attribute `src="address"` / `href=address` inside a tag. Each pattern
# starts with characters the regex engine looks for quickly: one that matched the attribute names
# anywhere in the text took a fifth of a millisecond an episode.
_MARKDOWN_LINK = re.compile(r"\]\(\s*(?:<([^>\n]+)>|((?:[^()\s]|\([^()\s]*\))+))")
_MARKDOWN_REFERENCE = re.compile(  # not a footnote ([^1]: …), and nothing after the address but a title
    r"\n {0,3}(?:> ?)*\[(?!\^)[^\]\n]+\]:[ \t]*(?:<([^>\n]+)>|([^\s<>]+))[ \t]*(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\))?"
    r"[ \t]*(?=\n|$)")
# An HTML link or image (the tags the notes keep), its quoted values taken whole (a ">" in an alt
# text is no end), and each of its attributes.
_HTML_TAG = re.compile(r"<(?:a|img)\b((?:\s+[^\s\"'<>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
                       r"\s*/?>", re.IGNORECASE)
_HTML_ATTRIBUTE = re.compile(r"\s+([^\s\"'<>/=]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?")
# Where an address is an example or hidden: fenced code blocks, inline code, HTML comments.
_NOT_SHOWN = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1|`[^`\n]*`|<!--.*?-->", re.MULTILINE | re.DOTALL)
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# A character reference as Markdown and HTML attributes read one: with its ";" ("&copy" stays as it is).
_CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _notes_addresses(notes: str) -> Iterator[str]:
    """The addresses the notes link to or show, as a browser would ask for them."""
    if "`" in notes or "~~~" in notes or "<!--" in notes:  # found far faster than the pattern is
        notes = _NOT_SHOWN.sub("", notes)
    markdown = [match.group(1) or match.group(2) for match in _MARKDOWN_LINK.finditer(notes)]
    if "]:" in notes:
        markdown += [match.group(1) or match.group(2) for match in _MARKDOWN_REFERENCE.finditer("\n" + notes)]
    for address in markdown:
        yield _references_undone(_MARKDOWN_ESCAPE.sub(r"\1", address))
    for tag in _HTML_TAG.finditer(notes):
        for name, *values in _HTML_ATTRIBUTE.findall(tag.group(1)):
            if name.lower() in ("src", "href"):
                yield _references_undone("".join(values))  # the one of the value's three forms it has


def _references_undone(address: str) -> str:
    return _CHARACTER_REFERENCE.sub(lambda reference: html.unescape(reference.group()), address)


def _notes_files(source: Path, notes: str, report: Report) -> tuple[tuple[PurePosixPath, ...], tuple[Path, ...]]:
    """The files beside `source` (or below it) that its notes link to by a relative address
    (`photo.jpg`, `slides/talk.pdf`), as written; and every path such an address names, there or
    not, so that adding the file loads the episode again. One that names no file is reported,
    since the page and the feed would link to nothing. Addresses that leave the folder
    (`../other-episode/`) lead to other pages of the site, and absolute ones elsewhere: neither is
    a file of this episode, and no file outside the folder is ever published from here."""
    folder = source.parent
    files: dict[PurePosixPath, None] = {}
    hidden: dict[str, str] = {}  # name: the address as written
    named: dict[Path, None] = {}
    for written in _notes_addresses(notes):
        name = _file_name(written)
        if name is None:
            continue
        candidate = folder / name
        named[candidate] = None
        is_file = _is_file(candidate)
        if is_file and any(part.startswith(".") for part in name.split("/")):
            hidden[name] = written
        elif is_file and lies_in(candidate, folder):
            files[PurePosixPath(name)] = None
        elif is_file:
            report.warn(source, "show notes", f"they link to {written!r}, a link that leads out of the episode's "
                                              "folder, which is not published; put the file itself there")
        else:
            report.warn(source, "show notes", f"they link to {written!r}, which is not a file beside "
                                              f"{source.name}, so the page and the feed would link to nothing; "
                                              "add the file, or fix the address")
    if files or hidden:
        # The patterns also find addresses the page does not show (in an indented code example, in
        # a reference no link uses): only the files the rendered notes link to are published.
        # Rendering costs a millisecond, so only notes naming a file of their folder are rendered.
        shown = {_file_name(address) for address in notes_html.linked_addresses(notes)}
        files = {name: None for name in files if str(name) in shown}
        for written in (written for name, written in hidden.items() if name in shown):
            report.warn(source, "show notes", f"they link to {written!r}, a hidden file, which is not published; "
                                              "give it a name without a leading dot")
    return tuple(files), tuple(named)


def _file_name(address: str) -> str | None:
    """The file a relative address names in its page's folder ("slides/talk.pdf"), or None for an
    address that is absolute, another site's, or leads out of the folder."""
    parts = urlsplit(address)
    # Judged decoded: "%2Fetc%2Fpasswd" is an absolute path, "..%2F" a way out.
    path = unquote(parts.path)
    if parts.scheme or parts.netloc or not path or path.startswith("/") or "\\" in path \
            or "\0" in path or ":" in path.split("/")[0]:
        return None
    name = posixpath.normpath(path)
    return None if name in (".", "..") or name.startswith("../") else name


def _stamps(paths: tuple[Path, ...]) -> list[tuple[str, tuple[int, int] | None]]:
    # The paths as strings: they are only stat-ed, and a string unpickles far faster than a Path.
    return [(str(path), file_stamp(path)) for path in paths]


def _fingerprint(source_sha256: str, stamps: list[tuple[str, tuple[int, int] | None]]) -> str:
    """The episode.md's bytes (`source_sha256`) and the other files' size and mtime (`stamps`). (An
    episode comes from the cache while all its files keep their size and mtime, as make and rsync
    judge a change.)"""
    return cache_digest(source_sha256, stamps)


def _split(source: Path, data: bytes, report: Report) -> tuple[dict[str, Any] | None, int, str]:
    """The front matter of the episode.md whose bytes are `data`, the character where its notes
    begin, and the notes."""
    try:
        text = episode_text(data)  # as `Episode.markdown()` decodes it again
    except UnicodeDecodeError:
        report.error(source, "", "not UTF-8 text; save the file as UTF-8")
        return None, 0, ""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FENCE:
        report.error(source, "front matter", f"the file must start with a '{_FENCE}' line, then YAML, then '{_FENCE}'")
        return None, 0, ""
    closing = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == _FENCE), None)
    if closing is None:
        report.error(source, "front matter", f"no closing '{_FENCE}' line after the front matter; add one")
        return None, 0, ""
    yaml_text = "".join(lines[1:closing])
    try:
        front_matter, repeated = _front_matter(yaml_text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        report.error(source, "front matter", f"invalid YAML{where}: {problem}; {_yaml_fix(problem, mark, yaml_text)}")
        return None, 0, ""
    except Exception as e:  # noqa: BLE001 - parsed, but a value cannot be made (2017-06-31, a bad !!tag)
        impossible = _impossible_timestamp(yaml_text)
        if impossible:
            key, value, error = impossible
            report.error(source, key, f"{value} does not exist ({error}); write a real date and time, "
                         "e.g. 2017-06-01T10:00:00-04:00")
        else:
            report.error(source, "front matter", f"a value YAML cannot make ({type(e).__name__}: {e}); "
                         "check the values' forms and any !! tags")
        return None, 0, ""
    if not isinstance(front_matter, dict):
        report.error(source, "front matter", "must be YAML keys and values, like `title: My episode`")
        return None, 0, ""
    for key, lines_given in repeated.items():
        # YAML keeps the last silently: a pasted second `guid:` would make the episode a new one.
        report.error(source, key, f"given {len(lines_given)} times (lines {', '.join(map(str, lines_given))}), and "
                                  "only the last would count; keep one")
    notes_start = sum(len(line) for line in lines[:closing + 1])
    return front_matter, notes_start, notes_in(text, notes_start)


def _front_matter(yaml_text: str) -> tuple[Any, dict[str, list[int]]]:
    """The front matter's value, and its top-level keys given more than once with the lines (of
    episode.md) they are on: YAML itself keeps the last one without a word."""
    loader = _YAML_LOADER(yaml_text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[str, list[int]] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines.setdefault(key.value, []).append(key.start_mark.line + 2)
    return value, {key: given for key, given in lines.items() if len(given) > 1}


def _yaml_fix(problem: str, mark: Any, yaml_text: str) -> str:
    """What to do about a YAML syntax error, for the two mistakes people make most."""
    if problem.startswith("mapping values are not allowed"):
        return 'a value holding ": " goes in quotes, e.g. title: "Forgiveness: the first step"'
    lines = yaml_text.splitlines()
    line = lines[mark.line] if mark and mark.line < len(lines) else ""
    if "\t" in line[:len(line) - len(line.lstrip())]:
        return "YAML does not allow tabs for indenting: indent with spaces"
    return "fix the syntax there"


def _impossible_timestamp(yaml_text: str) -> tuple[str, str, Exception] | None:
    """The first value YAML takes for a timestamp that cannot be made, as (its top-level key, the
    value, why), if any."""
    try:
        document = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(document, yaml.MappingNode):
        return None
    constructor = yaml.constructor.SafeConstructor()
    for key, value in document.value:
        for scalar in _scalars(value):
            if scalar.tag == "tag:yaml.org,2002:timestamp":
                try:
                    constructor.construct_yaml_timestamp(scalar)
                except Exception as e:  # noqa: BLE001 - any reason it cannot be made is the answer
                    return str(key.value), scalar.value, e
    return None


def _scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)
    elif isinstance(node, yaml.MappingNode):
        for _, item in node.value:
            yield from _scalars(item)


def _probe(source: Path, audio_path: Path, report: Report):
    try:
        return audio.probe(audio_path)
    except AudioError as e:
        report.error(source, "audio", e.message)
        return None


def _check_transcript(source: Path, transcript: Path, report: Report) -> None:
    try:
        transcripts.parse(transcript)
    except ValueError as e:
        report.error(source, "transcript", f"{e}; fix the file")
        return
    found = CONTROL_CHARACTERS.search(transcript.read_text(encoding="utf-8-sig", errors="replace"))
    if found:
        report.warn(source, "transcript", f"{transcript.name} contains the control character U+{ord(found.group()):04X}, "
                                          "which a page cannot hold, so the page leaves it out: remove it")


def _check_unique_guids(episodes: list[Episode], report: Report) -> None:
    for episode, first in _repeats(episodes, lambda e: e.guid):
        report.error(episode.source, "guid", f"{episode.guid!r} is already the GUID of {first.source}; "
                     f"give this episode its own, e.g. {uuid.uuid4()}")


def _check_slugs_differ_beyond_case(episodes: list[Episode], report: Report) -> None:
    # On a disk that ignores case (macOS, Windows), both episodes' pages and audio would be written
    # to the same files; elsewhere, and in a bucket, they stay apart.
    for episode, first in _repeats(episodes, lambda e: e.slug.casefold()):
        report.warn(episode.source, "", f"its folder's name differs from {first.slug!r} only in case, so on macOS "
                    "and Windows their pages and audio would overwrite each other; rename one of the folders")


def _repeats(episodes: list[Episode], key: Callable[[Episode], str]) -> Iterator[tuple[Episode, Episode]]:
    """Each episode whose `key` an earlier one has already, with that earlier one."""
    first_with: dict[str, Episode] = {}
    for episode in episodes:
        first = first_with.setdefault(key(episode), episode)
        if first is not episode:
            yield episode, first


class _FileProblem(ValueError):
    """A named file is missing or may not be published: the fix is the file, not the value's form,
    so no example is added."""


class _FieldReader:
    """Reads one key at a time, recording a problem (and going on) when a value is wrong."""

    def __init__(self, source: Path, data: dict[str, Any], report: Report) -> None:
        self.source, self.data, self.report = source, data, report
        self.failed = False

    def get(self, key: str, convert: Callable[[Any], Any], default: Any = None) -> Any:
        field = next(f for f in FIELDS if f.key == key)
        if self.data.get(key) is None:
            if field.required:
                self._fail(key, f"missing; add `{key}: {_suggestion(field)}` ({field.doc})")
            return default
        try:
            return convert(self.data[key])
        except _FileProblem as e:
            self._fail(key, str(e))
        except ValueError as e:
            self._fail(key, f"{e}; for example `{key}: {field.example}`")
        return default

    def text(self, key: str) -> str:
        return self.get(key, _text, default="")

    def _fail(self, key: str, message: str) -> None:
        self.failed = True
        self.report.error(self.source, key, message)


def _suggestion(field: Field) -> str:
    # A missing GUID gets a fresh one to paste: it must be unique and then never change.
    return str(uuid.uuid4()) if field.key == "guid" else field.example


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be non-empty text, not {value!r}")
    return value.strip()


def _guid(value: Any) -> str:
    if isinstance(value, (int, float)) or not str(value).strip():
        raise ValueError(f"must be text such as a UUID, not {value!r}")
    return str(value).strip()


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"must be a whole number from 1 up, not {value!r}")
    return value


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"is {value!r}; use one of: {', '.join(choices)}")
        return value
    return convert


def _datetime(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date and time in ISO 8601 form") from None
    if not isinstance(value, datetime):
        if isinstance(value, date):
            raise ValueError("has no time and time zone")
        raise ValueError(f"{value!r} is not a date and time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("has no time zone (add e.g. -04:00 or Z)")
    return value


def _speakers(value: Any) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise ValueError(f"must be a list of names, not {value!r}")
    for name in names:
        # Each speaker is a podcast:person, whose name apps cut at 128 characters.
        if len(name.strip()) > podcasting.MAX_TEXT:
            raise ValueError(f"{name.strip()[:40]!r}… is {len(name.strip())} characters long; apps cut a speaker's "
                             f"name at {podcasting.MAX_TEXT}, so shorten it")
    return tuple(n.strip() for n in names)


def _file(source: Path, *, copied_as_it_is: bool = False) -> Callable[[Any], Path]:
    """The file a front matter value names, beside `source`. One that is published `copied_as_it_is`
    (a transcript, an alternate) must be in the episode's folder, its links followed: anywhere else,
    it could be any file on the machine (a CI runner's credentials). Audio and images, which are read
    as such, may be elsewhere (a cover shared by the show, a recording annexed on another disk)."""
    def convert(value: Any) -> Path:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"must be a file name, not {value!r}")
        path = source.parent / value.strip()
        if not _is_file(path):
            raise _FileProblem(f"{value!r} does not exist beside {source.name}; add the file or fix the name")
        if copied_as_it_is and not lies_in(path, source.parent):
            raise _FileProblem(f"{value!r} leads out of the episode's folder (by its path or a symbolic link), and "
                               "a file published as it is must be in it; copy the file into the folder")
        return path
    return convert


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL in it
        return False


def _chapters(source: Path) -> Callable[[Any], tuple[Chapter, ...]]:
    def convert(value: Any) -> tuple[Chapter, ...]:
        if isinstance(value, str):
            return chapter_sources.from_json_file(_file(source)(value), source)
        return chapter_sources.from_front_matter(value, source)
    return convert


def _short_text(limit: int) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = _text(str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value)
        if len(text) > limit:
            raise ValueError(f"is {len(text)} characters long; apps show at most {limit}")
        return text
    return convert


def _entries(value: Any, what: str, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """A list of mappings with only `keys` in them; a wrong entry is named by its position."""
    if not isinstance(value, list):
        raise ValueError(f"must be a list of {what}")
    for position, entry in enumerate(value, 1):
        if not isinstance(entry, dict):
            raise ValueError(f"entry {position} must be a mapping such as {what}")
        _refuse_unknown_keys(entry, keys, f"entry {position}")
    return value


def _refuse_unknown_keys(entry: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    # A misspelt key would otherwise be dropped without a word.
    unknown = sorted(str(key) for key in entry if key not in keys)
    if unknown:
        raise ValueError(f"{where} has unknown keys ({', '.join(unknown)}); use {', '.join(keys)}")


def _optional_text(entry: dict[str, Any], key: str, where: str, limit: int = podcasting.MAX_TEXT) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key} must be non-empty text, not {value!r}")
    if len(value.strip()) > limit:
        raise ValueError(f"{where}: {key} is {len(value.strip())} characters long; apps show at most {limit}")
    return value.strip()


def _optional_url(entry: dict[str, Any], key: str, where: str) -> str | None:
    url = entry.get(key)
    if url is not None and not (isinstance(url, str) and is_http_url(url)):
        raise ValueError(f"{where}: {key} {url!r} must be an http(s) URL")
    return url


def _files_with_options(value: Any, source: Path, what: str,
                        keys: tuple[str, ...]) -> list[tuple[Path, dict[str, Any], str]]:
    """(path, entry, where) for a file name or a list of file names or {file, …} entries."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError(f"must be a file name or a list of {what}")
    found = []
    for position, item in enumerate(items, 1):
        entry = {"file": item} if isinstance(item, str) else item
        where = f"entry {position}"
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            raise ValueError(f"{where} must be a file name or {what}")
        _refuse_unknown_keys(entry, ("file", *keys), where)
        found.append((_file(source, copied_as_it_is=True)(entry["file"]), entry, where))
    return found


def _transcripts(source: Path) -> Callable[[Any], tuple[Transcript, ...]]:
    def convert(value: Any) -> tuple[Transcript, ...]:
        transcripts = []
        for path, entry, where in _files_with_options(value, source, "{file, language}", ("language",)):
            known = podcasting.transcript_type(path)
            if known is None:
                raise ValueError(f"{where}: {path.name} is not a transcript format apps read; "
                                 f"use {', '.join(podcasting.TRANSCRIPT_TYPES)}")
            language = entry.get("language")
            if language is not None and not (isinstance(language, str) and languages.is_valid(language)):
                raise ValueError(f"{where}: language {language!r} is not an ISO 639-1 code such as en or ar")
            mime_type, timed = known
            transcripts.append(Transcript(path, mime_type, language, captions=timed))
        return tuple(transcripts)
    return convert


def _alternates(source: Path) -> Callable[[Any], tuple[AlternateAudio, ...]]:
    def convert(value: Any) -> tuple[AlternateAudio, ...]:
        alternates = []
        for path, entry, where in _files_with_options(value, source, "{file, title}", ("title",)):
            mime_type = podcasting.ALTERNATE_AUDIO_TYPES.get(path.suffix.lower())
            if mime_type is None:
                raise ValueError(f"{where}: {path.name} is not an audio format apps know; "
                                 f"use {', '.join(podcasting.ALTERNATE_AUDIO_TYPES)}")
            if path.suffix.lower() in audio.SUPPORTED_EXTENSIONS:
                try:
                    audio.probe(path)  # a corrupt alternate is refused now, not half-way through a build
                except AudioError as e:
                    raise ValueError(f"{where}: {e.message}") from None
            title = _optional_text(entry, "title", where, podcasting.MAX_DISPLAY)
            alternates.append(AlternateAudio(path, mime_type, title))
        return tuple(alternates)
    return convert


def _persons(value: Any) -> tuple[Person, ...]:
    persons = []
    for position, entry in enumerate(_entries(value, "{name, role}", ("name", "role", "group", "img", "href")), 1):
        where = f"entry {position}"
        name = _optional_text(entry, "name", where)
        if name is None:
            raise ValueError(f"{where} needs a `name`")
        persons.append(Person(name, _optional_text(entry, "role", where), _optional_text(entry, "group", where),
                              _optional_url(entry, "img", where), _optional_url(entry, "href", where)))
    return tuple(persons)


def _soundbites(value: Any) -> tuple[Soundbite, ...]:
    bites = []
    for position, entry in enumerate(_entries(value, "{start, duration}", ("start", "duration", "title")), 1):
        where = f"entry {position}"
        start, duration = entry.get("start"), entry.get("duration")
        if start is None or not isinstance(duration, (int, float)) or isinstance(duration, bool) or duration <= 0:
            raise ValueError(f"{where} needs a `start` and a `duration` in seconds above 0")
        try:
            seconds = float(start) if isinstance(start, (int, float)) else timecodes.parse(str(start))
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None
        bites.append(Soundbite(seconds, float(duration), _optional_text(entry, "title", where)))
    return tuple(bites)


def _location(value: Any) -> Location:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise ValueError("must be a mapping with at least a `name`")
    unknown = sorted(set(value) - set(LOCATION_FIELDS))
    if unknown:
        raise ValueError(f"has {', '.join(unknown)}, which podcast:location does not take; use {', '.join(LOCATION_FIELDS)}")
    problems = Report()
    check_location(value, "", Path(), problems)
    if problems.errors:
        raise ValueError(f"{problems.errors[0].field}: {problems.errors[0].message}")
    return location_of({key: value.get(key) for key in LOCATION_FIELDS})


def _license(value: Any) -> License:
    if isinstance(value, str) and value.strip():
        return License(value.strip())
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return License(value["name"].strip(), _optional_url(value, "url", "license"))
    raise ValueError("must be a licence identifier or {name, url}")


def _social(value: Any) -> tuple[SocialInteract, ...]:
    social = []
    for position, entry in enumerate(_entries(value, "{protocol, uri}", ("protocol", "uri", "account_id", "account_url", "priority")), 1):
        where = f"entry {position}"
        protocol = _optional_text(entry, "protocol", where)
        uri = _optional_url(entry, "uri", where)
        priority = entry.get("priority")
        if protocol is None or (uri is None and protocol != "disabled"):
            raise ValueError(f"{where} needs a `protocol` and a `uri`")
        if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int)):
            raise ValueError(f"{where}: priority must be a whole number")
        social.append(SocialInteract(protocol, uri, _optional_text(entry, "account_id", where),
                                     _optional_url(entry, "account_url", where), priority))
    return tuple(social)
