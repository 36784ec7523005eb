"""The show config, `podcast.toml`: a typed schema, every key documented, every problem reported.

`load()` reads the file into a `Show`, recording each problem in a `Report` rather than
stopping at the first one, so a producer fixes the whole file in one pass.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from podcaster import apple, languages, mediatypes, podcasting
from podcaster.errors import Report, StorageError
from podcaster.files import lies_in
from podcaster.model import (
    ENCODE_FORMATS, MEDIA_CACHE_CONTROL, PAGES_CACHE_CONTROL, EncodingSettings, FeedSettings, Funding, License, LiveItem, Location, Owner, Person, Podcasting,
    PublishSettings, RemoteItem, Season, Show, SocialInteract, SubscribeLink, Txt, UpdateFrequency, Value,
    ValueRecipient,
)
from podcaster.storage import parse_target

DEFAULT_CONFIG = "podcast.toml"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Names people give keys and secrets; such a key under [publish] is refused, not merely ignored.
_CREDENTIAL = re.compile(r"secret|password|token|access_?key|key_?id", re.IGNORECASE)


# The podcast apps and directories a show can link to from its home page, in the order they are
# listed there: (key under [links], the directory's name as listeners know it, an example URL).
DIRECTORIES: tuple[tuple[str, str, str], ...] = (
    ("apple", "Apple Podcasts", "https://podcasts.apple.com/podcast/id1234567890"),
    ("spotify", "Spotify", "https://open.spotify.com/show/4rOoJ6Egrf8K2IrywzwOMk"),
    ("youtube", "YouTube Music", "https://music.youtube.com/playlist?list=PL1234567890"),
    ("amazon", "Amazon Music", "https://music.amazon.com/podcasts/0a1b2c3d-4e5f"),
    ("pocketcasts", "Pocket Casts", "https://pca.st/abcd1234"),
    ("overcast", "Overcast", "https://overcast.fm/itunes1234567890"),
    ("podcastindex", "Podcast Index", "https://podcastindex.org/podcast/920666"),
)


@dataclass(frozen=True)
class Option:
    """One config key: its dotted name, type, whether it is required, and what it means.

    A key of kind `list` is an array of tables (`[[funding]]`): `entries` are the keys of each table."""

    key: str
    kind: type
    doc: str
    example: str
    required: bool = True
    default: Any = None
    choices: tuple[Any, ...] = ()
    entries: tuple[Option, ...] = ()


def _url_option(key: str, doc: str, example: str = '"https://example.org/"', required: bool = False) -> Option:
    return Option(key, str, doc, example, required=required)


_MEDIA_TYPE = re.compile(r"[a-z0-9][\w.+-]*/[a-z0-9][\w.+-]*", re.IGNORECASE)  # type/subtype

_LOCATION_DOC = "(podcast:location)"
LOCATION_FIELDS = ("name", "geo", "osm")


SCHEMA: tuple[Option, ...] = (
    Option("title", str, "The show's name, as apps list it.", '"Forgiveness: Talks from the Path"'),
    Option("description", str, "What the show is about; apps show it on the show page.", '"Short talks on ..."'),
    Option("author", str, "Who makes the show (itunes:author; album artist in the audio tags).", '"SeekersHub"'),
    Option("language", str, "The show's language as an ISO 639 code, optionally with a region: en, en-GB, ar.", '"en"'),
    Option("category", str, "An Apple Podcasts category, spelled as Apple lists it.", '"Religion & Spirituality"'),
    Option("subcategory", str, "An Apple Podcasts subcategory of `category`.", '"Islam"', required=False),
    Option("explicit", bool, "Whether the show contains explicit content (true or false).", "false"),
    Option("artwork", str, "Square JPEG or PNG, 1400 to 3000 px, relative to this file.", '"episodes/artwork.jpg"'),
    Option("website", str, "The show's home page (the channel's link).", '"https://example.org/"'),
    Option("type", str, "episodic (newest first) or serial (listen in order).", '"episodic"',
           required=False, default="episodic", choices=apple.SHOW_TYPES),
    Option("copyright", str, "The copyright line shown by apps.", '"© 2017 SeekersHub"'),
    Option("owner.name", str, "The owner's name; Apple contacts the owner about the show.", '"Jane Producer"'),
    Option("owner.email", str, "The owner's email; Apple sends verification mail here.", '"jane@example.org"'),
    Option("publish.target", str, "Where `publish` copies the site: file://PATH (relative to this file), an absolute "
           "file:///PATH, or s3://BUCKET/PREFIX (S3-compatible object storage; see 'Publishing to object storage'). "
           "A folder target, like the output, must be a folder of its own.",
           '"file://public"', required=False, default="file://public"),
    Option("publish.public_url", str, "The URL listeners fetch published files from; used in the feed and pages.",
           '"https://podcast.example.org/"'),
    Option("publish.endpoint_url", str, "The S3 API endpoint of a server other than AWS (R2, B2, MinIO, SeaweedFS); "
           "without it, boto3 takes AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL from the environment, or AWS itself.",
           '"https://ACCOUNT_ID.r2.cloudflarestorage.com"', required=False),
    Option("publish.region", str, "The bucket's region (`auto` on R2); without it, AWS_REGION or the profile's region.",
           '"eu-central-1"', required=False),
    Option("publish.profile", str, "A profile in ~/.aws/credentials to take the keys from; without it, "
           "AWS_PROFILE or boto3's usual chain. Credentials never go in this file.", '"podcast"', required=False),
    Option("publish.addressing_style", str, "How the bucket goes into request URLs: path (ENDPOINT/BUCKET/KEY; MinIO, "
           "SeaweedFS), virtual (BUCKET.ENDPOINT/KEY) or auto.", '"path"', required=False, default="auto",
           choices=("auto", "path", "virtual")),
    Option("publish.storage_class", str, "The S3 storage class of uploaded audio, the bulk of the bytes; pages, "
           "images and the feed keep the bucket's default.", '"STANDARD_IA"', required=False),
    Option("publish.acl", str, "none: the bucket's policy says who may read (AWS buckets refuse ACLs by default); "
           "public-read: a canned ACL on every file, for buckets that still use ACLs.", '"public-read"',
           required=False, default="none", choices=("none", "public-read")),
    Option("publish.cache_control_media", str, "Cache-Control of audio and artwork: long, they rarely change.",
           f'"{MEDIA_CACHE_CONTROL}"', required=False, default=MEDIA_CACHE_CONTROL),
    Option("publish.cache_control_pages", str, "Cache-Control of the feed, pages, chapters and transcripts: short, "
           "so listeners see a new episode soon.", f'"{PAGES_CACHE_CONTROL}"', required=False,
           default=PAGES_CACHE_CONTROL),
    Option("publish.request_checksum_calculation", str, "when_supported: every upload carries a checksum the "
           "server verifies; when_required: only where S3 demands one, for servers that reject boto3's "
           "aws-chunked checksum uploads.", '"when_required"', required=False, default="when_supported",
           choices=("when_supported", "when_required")),
    Option("timezone", str, "The show's IANA time zone: `podcaster new` dates episodes in it.", '"America/Toronto"',
           required=False, default="UTC"),
    Option("speakers", list, "Who usually speaks: `podcaster new` puts them in a new episode.", '["Shaykh Walead Mosaad"]',
           required=False, default=[]),
    Option("recording.loudness", float, "Integrated loudness a recording is normalised to, in LUFS.", "-16",
           required=False, default=-16.0),
    Option("recording.true_peak", float, "The highest true peak allowed after normalising, in dBTP.", "-1",
           required=False, default=-1.0),
    Option("recording.trim_silence", bool, "Cut silence at the start and end of a recording.", "true",
           required=False, default=True),
    Option("recording.channels", int, "1 (mono, best for speech) or 2 (stereo).", "1", required=False, default=1),
    Option("recording.bitrate", str, "Encoding bitrate, as ffmpeg writes it.", '"96k"', required=False, default="96k"),
    Option("recording.formats", list, "Formats to encode: the first is the episode's audio, the others "
           "alternate enclosures (mp3, m4a, opus).", '["mp3", "opus"]', required=False, default=["mp3"]),
    Option("paths.episodes", str, "The folder holding one sub-folder per episode.", '"episodes"',
           required=False, default="episodes"),
    Option("paths.output", str, "Where `build` writes the site before it is published: a folder of its own, "
           "not the show's folder nor in or around the episodes or templates, since a build removes there what it "
           "did not write.", '"feed"',
           required=False, default="feed"),
    Option("paths.templates", str, "Templates that override the default ones, file by file.", '"templates"',
           required=False, default="templates"),
    Option("block", bool, "true asks Apple Podcasts (itunes:block) and other apps (podcast:block) to leave the "
           "show out of their directories.", "false", required=False, default=False),
    Option("complete", bool, "true tells apps that no more episodes will come (itunes:complete).", "false",
           required=False, default=False),
    _url_option("new_feed_url", "Moving the show to another feed: the new feed's URL (itunes:new-feed-url); "
                "keep publishing this feed until the apps have followed.", '"https://new.example.org/feed.xml"'),
    Option("feed.episode_limit", int, "At most this many of the newest episodes in feed.xml; older ones go to "
           "archive pages (feed-archive-1.xml …, oldest first) that the feed links to (RFC 5005). 0: all in feed.xml.",
           "100", required=False, default=0),
    _url_option("feed.hub", "A WebSub hub: the feed names it, and `publish` pings it whenever the feed changed.",
                '"https://pubsubhubbub.appspot.com/"'),
    Option("podcast.guid", str, "The show's podcast:guid. Leave it out and it is derived from the feed URL; a show "
           "whose feed URL changed keeps its first one here.", '"917393e3-1b1e-5cef-ace4-edaa54e1f810"',
           required=False),
    Option("podcast.locked", bool, "true asks other platforms not to import the feed (podcast:locked; "
           "owner.email is its owner).", "false", required=False, default=False),
    Option("podcast.medium", str, "What the feed holds (podcast:medium).", '"podcast"', required=False,
           default="podcast", choices=podcasting.MEDIUMS),
    Option("podcast.license", str, "The audio's licence: an identifier from the namespace's licence list, or a "
           "custom licence's name (podcast:license).", '"cc-by-nc-nd-4.0"', required=False),
    _url_option("podcast.license_url", "The licence's full text; required for a custom licence.",
                '"https://creativecommons.org/licenses/by-nc-nd/4.0/"'),
    Option("podcast.update_frequency", str, "The release schedule in words (podcast:updateFrequency).",
           '"Weekly"', required=False),
    Option("podcast.update_rrule", str, "The release schedule as an RFC 5545 recurrence rule.", '"FREQ=WEEKLY"',
           required=False),
    Option("podcast.update_start", datetime, "When the schedule starts (needed when the rule has a COUNT).",
           "2024-01-01T00:00:00Z", required=False),
    Option("location.name", str, f"The place the show is about, in words {_LOCATION_DOC}.", '"Damascus, Syria"',
           required=False),
    Option("location.geo", str, "Its latitude and longitude as a geo URI.", '"geo:33.5138,36.2765"',
           required=False),
    Option("location.osm", str, "Its OpenStreetMap type and id.", '"R2463386"', required=False),
    Option("funding", list, "Where listeners can support the show (podcast:funding); one [[funding]] table each.",
           '[[funding]]', required=False, default=[], entries=(
               _url_option("url", "The page that takes the support.", required=True),
               Option("text", str, "What apps show as the link, up to 128 characters.", '"Support the show"'),
           )),
    Option("person", list, "The show's regular people (podcast:person); one [[person]] table each. Episodes "
           "name their speakers; a speaker listed here gets this entry's details.", '[[person]]', required=False,
           default=[], entries=(
               Option("name", str, "The person's name.", '"Jane Producer"'),
               Option("role", str, "A Podcast Taxonomy role; default host.", '"producer"', required=False),
               Option("group", str, "A Podcast Taxonomy group; default cast.", '"creative direction"',
                      required=False),
               _url_option("img", "A picture of the person.", '"https://example.org/jane.jpg"'),
               _url_option("href", "A page about the person.", '"https://example.org/jane"'),
           )),
    Option("season", list, "Season names (podcast:season); one [[season]] table each. Unnamed seasons are "
           "called \"Season N\".", '[[season]]', required=False, default=[], entries=(
               Option("number", int, "The season's number, as episodes give it.", "1"),
               Option("name", str, "The season's name, up to 128 characters.", '"Ramadan 2017"'),
           )),
    Option("txt", list, "Free text for other services (podcast:txt), e.g. Apple's verification code; one [[txt]] "
           "table each.", '[[txt]]', required=False, default=[], entries=(
               Option("text", str, "The text, up to 4000 characters.", '"05124"'),
               Option("purpose", str, "What it is for.", '"applepodcastsverify"', required=False),
           )),
    Option("podroll", list, "Shows you recommend (podcast:podroll); one [[podroll]] table each.", "[[podroll]]",
           required=False, default=[], entries=(
               Option("feed_guid", str, "The show's podcast:guid.", '"917393e3-1b1e-5cef-ace4-edaa54e1f810"'),
               _url_option("feed_url", "The show's feed.", '"https://example.org/feed.xml"'),
               Option("title", str, "The show's title.", '"Another show"', required=False),
           )),
    Option("social", list, "Where the show is discussed (podcast:socialInteract); one [[social]] table each.",
           "[[social]]", required=False, default=[], entries=(
               Option("protocol", str, "activitypub, twitter, lightning …, or disabled (no comments wanted).",
                      '"activitypub"'),
               _url_option("uri", "The root post of the discussion.", '"https://example.social/@show/1"'),
               Option("account_id", str, "The account that posted it.", '"@show"', required=False),
               _url_option("account_url", "That account's page.", '"https://example.social/@show"'),
               Option("priority", int, "Lower numbers are shown first.", "1", required=False),
           )),
    Option("value.type", str, "Value for value payments (podcast:value): the payment layer.", '"lightning"',
           required=False),
    Option("value.method", str, "How payments travel.", '"keysend"', required=False),
    Option("value.suggested", str, "A suggested amount per payment, in the layer's currency.", '"0.00000005000"',
           required=False),
    Option("value.recipient", list, "Who receives payments; one [[value.recipient]] table each.",
           "[[value.recipient]]", required=False, default=[], entries=(
               Option("name", str, "Who the recipient is.", '"Producer"'),
               Option("type", str, "The kind of address.", '"node"'),
               Option("address", str, "The address payments go to.", '"02d5c1bf…"'),
               Option("split", int, "The recipient's share.", "90"),
               Option("fee", bool, "true: a fee taken before the shares.", "false", required=False, default=False),
               Option("custom_key", str, "A custom record key sent along.", '"696969"', required=False),
               Option("custom_value", str, "Its value.", '"eChoVKtO1KujpAA5HCoB"', required=False),
           )),
    Option("live", list, "Announced livestreams (podcast:liveItem); one [[live]] table each.", "[[live]]",
           required=False, default=[], entries=(
               Option("guid", str, "The stream's permanent ID, like an episode's.", '"d3a1c6f2-…"'),
               Option("title", str, "The stream's title.", '"Live: questions and answers"'),
               Option("status", str, "pending, live or ended.", '"pending"', choices=podcasting.LIVE_STATUSES),
               Option("start", datetime, "When it starts, with a time zone.", "2024-03-20T20:00:00-04:00"),
               Option("end", datetime, "When it should end.", "2024-03-20T21:00:00-04:00", required=False),
               _url_option("stream_url", "The stream itself.", '"https://live.example.org/stream.mp3"',
                           required=True),
               Option("stream_type", str, "The stream's MIME type.", '"audio/mpeg"'),
               _url_option("page_url", "A page any browser can follow the stream on (podcast:contentLink).",
                           '"https://example.org/live"', required=True),
               Option("page_text", str, "The page link's text.", '"Listen live"', required=False,
                      default="Listen live"),
               Option("summary", str, "What the stream is about.", '"Your questions answered."', required=False),
           )),
    Option("site.page_size", int, "Episodes per page of the archive and of each series, season and speaker page.",
           "10", required=False, default=10),
    *(_url_option(f"links.{key}", f"The show's page on {name}; the home page links to it under Subscribe.",
                  f'"{example}"') for key, name, example in DIRECTORIES),
    Option("audio.id3_version", int, "The ID3 version of MP3 tags: 4 (ID3v2.4), or 3 (ID3v2.3) for old players "
           "and car stereos that show no tags otherwise, and for players built on ffmpeg, which skip ID3v2.4 "
           "chapters that carry an image.", "3", required=False, default=4, choices=(3, 4)),
)

_BY_KEY = {option.key: option for option in SCHEMA}


def load(config_path: Path, report: Report) -> Show | None:
    """Read and validate `config_path`; None when it has errors (all of them are in `report`)."""
    raw = _read_toml(config_path, report)
    if raw is None:
        return None
    errors_before = len(report.errors)
    values = {option.key: _value(raw, option, config_path, report) for option in SCHEMA}
    _warn_unknown_keys(raw, config_path, report)
    _check_values(values, config_path, report)
    if len(report.errors) > errors_before:
        return None
    root = config_path.parent
    public_url = _with_trailing_slash(values["publish.public_url"])
    return Show(
        title=values["title"],
        description=values["description"],
        author=values["author"],
        owner=Owner(values["owner.name"], values["owner.email"]),
        language=values["language"],
        category=values["category"],
        subcategory=values["subcategory"],
        explicit=values["explicit"],
        artwork=root / values["artwork"],
        website=values["website"],
        show_type=values["type"],
        copyright=values["copyright"],
        publish=PublishSettings(
            values["publish.target"], public_url,
            endpoint_url=values["publish.endpoint_url"], region=values["publish.region"],
            profile=values["publish.profile"], addressing_style=values["publish.addressing_style"],
            storage_class=values["publish.storage_class"], acl=values["publish.acl"],
            cache_control_media=values["publish.cache_control_media"],
            cache_control_pages=values["publish.cache_control_pages"],
            request_checksum_calculation=values["publish.request_checksum_calculation"],
        ),
        timezone=values["timezone"],
        speakers=tuple(values["speakers"]),
        recording=EncodingSettings(
            loudness=values["recording.loudness"], true_peak=values["recording.true_peak"],
            trim_silence=values["recording.trim_silence"], channels=values["recording.channels"],
            bitrate=values["recording.bitrate"], formats=tuple(values["recording.formats"]),
        ),
        config_path=config_path,
        episodes_dir=root / values["paths.episodes"],
        output_dir=root / values["paths.output"],
        templates_dir=root / values["paths.templates"],
        block=values["block"],
        complete=values["complete"],
        new_feed_url=values["new_feed_url"],
        feed=FeedSettings(values["feed.episode_limit"] or None, values["feed.hub"]),
        podcasting=_podcasting(values),
        subscribe_links=tuple(SubscribeLink(name, values[f"links.{key}"])
                              for key, name, _ in DIRECTORIES if values[f"links.{key}"]),
        page_size=values["site.page_size"],
        id3_version=values["audio.id3_version"],
    )


def _podcasting(values: dict[str, Any]) -> Podcasting:
    def present(**fields: Any) -> dict[str, Any]:
        return {name: value for name, value in fields.items() if value is not None}

    license_name = values["podcast.license"]
    frequency = values["podcast.update_frequency"]
    value_type = values["value.type"]
    return Podcasting(
        guid=values["podcast.guid"],
        locked=values["podcast.locked"],
        medium=values["podcast.medium"],
        license=License(license_name, values["podcast.license_url"]) if license_name else None,
        location=location_of({name: values[f"location.{name}"] for name in LOCATION_FIELDS}),
        update_frequency=UpdateFrequency(frequency, values["podcast.update_rrule"], values["podcast.update_start"])
        if frequency else None,
        funding=tuple(Funding(**entry) for entry in values["funding"]),
        persons=tuple(Person(**present(**entry)) for entry in values["person"]),
        seasons=tuple(Season(**entry) for entry in values["season"]),
        txt=tuple(Txt(**entry) for entry in values["txt"]),
        podroll=tuple(RemoteItem(**present(**entry)) for entry in values["podroll"]),
        social=tuple(SocialInteract(**present(**entry)) for entry in values["social"]),
        value=Value(value_type, values["value.method"],
                    tuple(ValueRecipient(**present(**entry)) for entry in values["value.recipient"]),
                    values["value.suggested"]) if value_type else None,
        live=tuple(LiveItem(**present(**entry)) for entry in values["live"]),
    )


def location_of(fields: dict[str, Any]) -> Location | None:
    """A Location from its fields (name, geo, osm), None when it has no name."""
    if not fields.get("name"):
        return None
    return Location(**{name: value for name, value in fields.items() if value is not None})


def episodes_dir_of(config_path: Path) -> Path:
    """Where episodes live even when the rest of the config is broken, so they are checked too."""
    return _path_of(config_path, "episodes")


def output_dir_of(config_path: Path) -> Path:
    """Where the build goes (and its cache is), even before the rest of the config is read."""
    return _path_of(config_path, "output")


def _path_of(config_path: Path, key: str) -> Path:
    default = next(option.default for option in SCHEMA if option.key == f"paths.{key}")
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8-sig"))
        configured = raw.get("paths", {}).get(key, default)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
        configured = default
    return config_path.parent / (configured if isinstance(configured, str) else default)


def reference() -> str:
    """The config reference as Markdown, generated from the schema (the README embeds it)."""
    rows = []
    for option in SCHEMA:
        rows.append(_reference_row(option.key, option))
        rows += [_reference_row(f"{option.key}[].{entry.key}", entry) for entry in option.entries]
    return markdown_table(("key", "required", "meaning", "example"), rows)


def _reference_row(key: str, option: Option) -> tuple[str, ...]:
    required = "yes" if option.required else f"no (default `{option.default}`)" if option.default else "no"
    return f"`{key}`", required, option.doc, f"`{option.example}`"


def markdown_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _read_toml(config_path: Path, report: Report) -> dict[str, Any] | None:
    try:
        # utf-8-sig: Notepad starts a UTF-8 file with a byte order mark, which TOML does not allow.
        return tomllib.loads(config_path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        report.error(config_path, "", "no such file; run podcaster in the show's folder or pass --config PATH")
    except UnicodeDecodeError:
        report.error(config_path, "", "not UTF-8 text; save the file as UTF-8")
    except tomllib.TOMLDecodeError as e:
        report.error(config_path, "", f"invalid TOML: {e}; fix the syntax there")
    return None


def _value(raw: dict[str, Any], option: Option, config_path: Path, report: Report) -> Any:
    container: Any = raw
    *tables, name = option.key.split(".")
    for table in tables:
        container = container.get(table, {})
        if not isinstance(container, dict):
            report.error(config_path, table, f"must be a table; write it as [{table}]")
            return option.default
    if option.entries:
        return _entries(container.get(name, []), option, config_path, report)
    return _checked(container, name, option, option.key, config_path, report)


def _checked(container: dict[str, Any], name: str, option: Option, field: str, config_path: Path,
             report: Report) -> Any:
    """The value of `name` in `container` if it is what `option` asks for; else its default, reported."""
    if name not in container:
        if option.required:
            report.error(config_path, field, f"missing; add {_assignment(option)} ({option.doc})")
        return option.default
    value = container[name]
    if option.kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)  # TOML writes -16 for -16.0
    if not isinstance(value, option.kind) or (option.kind is int and isinstance(value, bool)):
        report.error(
            config_path, field,
            f"must be {_kind_name(option.kind)}, not {_kind_name(type(value))}; for example {_assignment(option)}",
        )
        return option.default
    if isinstance(value, str) and not value.strip() and option.required:
        report.error(config_path, field, f"is empty; for example {_assignment(option)}")
        return option.default
    if option.choices and value not in option.choices:
        report.error(config_path, field, f"is {value!r}; use one of: {', '.join(map(str, option.choices))}")
        return option.default
    if isinstance(value, datetime) and value.tzinfo is None:
        report.error(config_path, field, f"{value.isoformat()} has no time zone; add one, e.g. -04:00 or Z")
        return option.default
    return value


def _entries(tables: Any, option: Option, config_path: Path, report: Report) -> list[dict[str, Any]]:
    """Each table of an array of tables (`[[funding]]`), its keys checked like top-level keys."""
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        report.error(config_path, option.key, f"must be tables, each written as [[{option.key}]]")
        return []
    entries = []
    for position, table in enumerate(tables, 1):
        prefix = f"{option.key}[{position}]"
        entries.append({entry.key: _checked(table, entry.key, entry, f"{prefix}.{entry.key}", config_path, report)
                        for entry in option.entries})
        for key in table:
            if key not in {entry.key for entry in option.entries}:
                report.warn(config_path, f"{prefix}.{key}", "unknown key, ignored; check its spelling")
    return entries


def _check_values(values: dict[str, Any], config_path: Path, report: Report) -> None:
    email = values["owner.email"]
    if email and not _EMAIL.match(email):
        report.error(config_path, "owner.email", f"{email!r} is not an email address")
    language = values["language"]
    if language and not languages.is_valid(language):
        report.error(config_path, "language",
                     f"{language!r} is not an ISO 639-1 language code; use e.g. en, en-GB, ar")
    _check_category(values["category"], values["subcategory"], config_path, report)
    _check_recording(values, config_path, report)
    endpoint = values["publish.endpoint_url"] or ""
    endpoint_has_more = any(character in endpoint for character in "@?#")
    if endpoint_has_more:
        # Never repeated, here or later: keys in it would be printed with every error.
        report.error(config_path, "publish.endpoint_url", "holds more than the server's address; write only "
                     "https://HOST[:PORT], and keep the keys in the environment or a profile")
    for option in SCHEMA:
        for field, url in _urls(option, values[option.key]):
            if url and not is_http_url(url) and not (field == "publish.endpoint_url" and endpoint_has_more):
                report.error(config_path, field, f"{url!r} is not an http(s) URL; write it as https://…")
    _check_podcasting(values, config_path, report)
    page_size = values["site.page_size"]
    if page_size < 1:
        report.error(config_path, "site.page_size", f"is {page_size!r}; use a whole number from 1 up, e.g. 10")
    limit = values["feed.episode_limit"]
    if limit < 0:
        report.error(config_path, "feed.episode_limit",
                     f"is {limit}; use 0 (every episode in feed.xml) or a whole number from 1 up, e.g. 100")
    artwork = values["artwork"]
    if artwork and (config_path.parent / artwork).is_dir():
        report.error(config_path, "artwork", f"{artwork!r} is a folder; name the image file, e.g. \"{artwork}/artwork.jpg\"")
    elif artwork and not (config_path.parent / artwork).is_file():
        report.error(config_path, "artwork", f"{artwork!r} does not exist (paths are relative to {config_path.name})")
    _check_folders(values, config_path, report)


def _check_folders(values: dict[str, Any], config_path: Path, report: Report) -> None:
    """The folders podcaster writes into (the build's output, a folder target) must hold nothing of the
    producer's: a build writing into the show's folder overwrote a recording named like its tagged
    copy, then deleted it. (A folder target that is the output folder risks nothing of the producer's:
    `publish` refuses it, but a show that is only built, into public/ say, keeps the default target.)"""
    root = config_path.parent
    output = root / values["paths.output"]
    sources = _source_folders(root / values["paths.episodes"], root / values["paths.templates"])
    clash = folder_clash(output, root, sources)
    if clash:
        spare = next((name for name in ("feed", "site", "build") if not folder_clash(root / name, root, sources)), "feed")
        report.error(config_path, "paths.output", f"{clash}; set it to a folder of its own, such as \"{spare}\"")
    elif output.exists() and not output.is_dir():
        report.error(config_path, "paths.output", f"{output} is a file, not a folder; move it, or name another folder")
    artwork = root / values["artwork"] if values["artwork"] else None
    if artwork and lies_in(artwork, output):
        report.error(config_path, "artwork", f"{artwork} lies in the build's output folder {output}, whose files "
                     "the build writes; keep the artwork beside podcast.toml or in the episodes folder")
    try:
        target = parse_target(values["publish.target"], root)
    except StorageError as e:
        report.error(config_path, "publish.target", e.message)
        return
    if isinstance(target, Path):
        clash = folder_clash(target, root, sources)
        if clash:
            report.error(config_path, "publish.target", f"{clash}; publish to a folder of its own")


def folder_clash(folder: Path, root: Path, sources: dict[str, Path]) -> str | None:
    """Why podcaster may not write into `folder`, if it may not: it is the show's folder `root` or holds
    it, or it is, holds or lies in one of the `sources` (named folders of the producer's). Folders
    are compared as the file system knows them, so a different case on macOS is the same folder."""
    if lies_in(root, folder):
        where = "is the show's own folder" if lies_in(folder, root) else "holds the show's folder"
        return f"{folder.resolve()} {where}, beside podcast.toml and the episodes"
    for name, source in sources.items():
        inside, holds = lies_in(folder, source), lies_in(source, folder)
        if inside and holds:
            return f"{folder.resolve()} is {name}"
        if inside:
            return f"{folder.resolve()} lies inside {name}, {source.resolve()}"
        if holds:
            return f"{folder.resolve()} holds {name}, {source.resolve()}"
    return None


def show_folders(show: Show) -> dict[str, Path]:
    """The show's folders podcaster writes into none of, named as `folder_clash` says them."""
    return _source_folders(show.episodes_dir, show.templates_dir)


def _source_folders(episodes: Path, templates: Path) -> dict[str, Path]:
    return {"the episodes folder (paths.episodes)": episodes, "the templates folder (paths.templates)": templates}


OUTPUT_FOLDER = "the build's output folder (paths.output)"


_URL_KEYS = {"website", "publish.public_url", "publish.endpoint_url", "new_feed_url", "feed.hub", "podcast.license_url",
             "url", "img", "href", "feed_url", "uri", "account_url", "stream_url", "page_url",
             *(f"links.{key}" for key, _, _ in DIRECTORIES)}


def _urls(option: Option, value: Any) -> list[tuple[str, str | None]]:
    """(field, URL) of every URL-valued key of `option`, in each of its entries for an array of tables."""
    if option.entries:
        return [(f"{option.key}[{position}].{key}", entry[key])
                for position, entry in enumerate(value, 1) for key in entry if key in _URL_KEYS]
    return [(option.key, value)] if option.key in _URL_KEYS else []


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _check_podcasting(values: dict[str, Any], config_path: Path, report: Report) -> None:
    """The forms the podcast namespace asks for, beyond what each key's type says."""
    guid = values["podcast.guid"]
    if guid and not podcasting.UUID_FORM.match(guid):
        report.error(config_path, "podcast.guid", f"{guid!r} is not a UUID; copy the show's podcast:guid exactly")
    if values["podcast.license_url"] and not values["podcast.license"]:
        report.error(config_path, "podcast.license_url", "names no licence; add `license = \"…\"` under [podcast]")
    if (values["podcast.update_rrule"] or values["podcast.update_start"]) and not values["podcast.update_frequency"]:
        report.error(config_path, "podcast.update_frequency",
                     "missing; the schedule needs words too, e.g. `update_frequency = \"Weekly\"` under [podcast]")
    location = {name: values[f"location.{name}"] for name in LOCATION_FIELDS}
    check_location(location, "location.", config_path, report)
    for position, entry in enumerate(values["season"], 1):
        if entry["number"] is not None and entry["number"] < 1:
            report.error(config_path, f"season[{position}].number", "must be a whole number from 1 up")
    for key in ("funding", "person", "season"):
        field = {"funding": "text", "person": "name", "season": "name"}[key]
        for position, entry in enumerate(values[key], 1):
            check_length(entry[field], podcasting.MAX_TEXT, f"{key}[{position}].{field}", config_path, report)
    for position, entry in enumerate(values["podroll"], 1):
        if entry["feed_guid"] and not podcasting.UUID_FORM.match(entry["feed_guid"]):
            report.error(config_path, f"podroll[{position}].feed_guid",
                         f"{entry['feed_guid']!r} is not a podcast:guid (a UUID); look the show up on podcastindex.org")
    for position, entry in enumerate(values["social"], 1):
        if entry["protocol"] != "disabled" and not entry["uri"]:
            report.error(config_path, f"social[{position}].uri",
                         "missing; add the root post's address, or use protocol = \"disabled\"")
    _check_value(values, config_path, report)
    for position, entry in enumerate(values["live"], 1):
        if entry["start"] and entry["end"] and entry["end"] <= entry["start"]:
            report.error(config_path, f"live[{position}].end", "is not after its start; fix one of them")
        stream_type = entry["stream_type"]
        if stream_type and not _MEDIA_TYPE.fullmatch(stream_type):
            report.error(config_path, f"live[{position}].stream_type",
                         f"{stream_type!r} is not a media type; use the stream's own type, "
                         f"e.g. {mediatypes.STREAM_TYPE_EXAMPLES}")
        elif stream_type and stream_type.lower() == "application/octet-stream":
            # A warning: `live` wrote it itself for addresses without an extension, and a stream that is
            # on the air must not be refused its next step after an upgrade.
            report.warn(config_path, f"live[{position}].stream_type",
                        f"{stream_type!r} does not tell an app what it would play; use the stream's own type, "
                        f"e.g. {mediatypes.STREAM_TYPE_EXAMPLES}")


def _check_value(values: dict[str, Any], config_path: Path, report: Report) -> None:
    named = [key for key in ("value.type", "value.method", "value.suggested") if values[key]]
    if not named and not values["value.recipient"]:
        return
    for key in ("value.type", "value.method"):
        if not values[key]:
            report.error(config_path, key, f"missing; [value] needs both type and method, e.g. "
                         f"{_assignment(_BY_KEY[key])}")
    if not values["value.recipient"]:
        report.error(config_path, "value.recipient", "missing; add at least one [[value.recipient]] table")
    suggested = values["value.suggested"]
    if suggested and not re.fullmatch(r"\d+(\.\d+)?", suggested):
        report.error(config_path, "value.suggested", f"{suggested!r} is not a decimal number such as 0.00000005")
    for position, entry in enumerate(values["value.recipient"], 1):
        if entry["split"] is not None and entry["split"] < 1:
            report.error(config_path, f"value.recipient[{position}].split", "must be a whole number from 1 up")


def check_location(fields: dict[str, Any], prefix: str, path: Path, report: Report) -> None:
    """The forms of a location's geo and osm, for the show and for an episode."""
    checks = (("geo", podcasting.GEO, "a geo URI such as geo:33.5138,36.2765"),
              ("osm", podcasting.OSM, "an OpenStreetMap type and id such as R2463386"))
    for name, form, expected in checks:
        value = fields.get(name)
        if value and not (isinstance(value, str) and form.match(value)):
            report.error(path, f"{prefix}{name}", f"{value!r} is not {expected}")
    if not fields.get("name") and any(fields.get(name) for name in ("geo", "osm")):
        report.error(path, f"{prefix}name", "missing; a location needs a name in words, e.g. \"Damascus, Syria\"")
    check_length(fields.get("name"), podcasting.MAX_TEXT, f"{prefix}name", path, report)


def check_length(text: str | None, limit: int, field: str, path: Path, report: Report) -> None:
    if text and len(text) > limit:
        report.error(path, field, f"is {len(text)} characters long; apps cut it at {limit}, so shorten it")


def _check_recording(values: dict[str, Any], config_path: Path, report: Report) -> None:
    try:
        ZoneInfo(values["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        report.error(config_path, "timezone", f"{values['timezone']!r} is not an IANA time zone; "
                     "use a name like Europe/London or America/Toronto")
    if not all(isinstance(name, str) and name.strip() for name in values["speakers"]):
        report.error(config_path, "speakers", "must be a list of names, like [\"Jane Producer\"]")
    formats = values["recording.formats"]
    if not formats or not all(fmt in ENCODE_FORMATS for fmt in formats) or len(set(formats)) != len(formats):
        report.error(config_path, "recording.formats",
                     f"{formats!r}: list each format once, from {', '.join(ENCODE_FORMATS)}")
    if values["recording.channels"] not in (1, 2):
        report.error(config_path, "recording.channels", "must be 1 (mono) or 2 (stereo)")


def _check_category(category: str | None, subcategory: str | None, config_path: Path, report: Report) -> None:
    if category is None:
        return
    if category not in apple.CATEGORIES:
        report.error(
            config_path, "category",
            f"{category!r} is not an Apple Podcasts category; use one of: {', '.join(apple.CATEGORIES)}",
        )
        return
    allowed = apple.CATEGORIES[category]
    if subcategory is not None and subcategory not in allowed:
        choices = ", ".join(allowed) if allowed else f"none: {category!r} has no subcategories, remove the key"
        report.error(config_path, "subcategory", f"{subcategory!r} is not a subcategory of {category!r}; use {choices}")


def _warn_unknown_keys(raw: dict[str, Any], config_path: Path, report: Report, prefix: str = "") -> None:
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        names_a_table = any(known.startswith(f"{dotted}.") for known in _BY_KEY)
        if names_a_table and isinstance(value, dict):
            _warn_unknown_keys(value, config_path, report, f"{dotted}.")
        elif names_a_table:  # `owner = "Jane"`: reported as not a table, not as unknown
            continue
        elif dotted.startswith("publish.") and _CREDENTIAL.search(key):
            report.error(config_path, dotted,
                         "credentials never go in podcast.toml (it gets shared and committed); remove it, and "
                         "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment or name a profile "
                         "of ~/.aws/credentials with `profile = ...`")
        elif dotted not in _BY_KEY:
            report.warn(config_path, dotted, "unknown key, ignored; check its spelling")


def _assignment(option: Option) -> str:
    *tables, name = option.key.split(".")
    where = f" under [{tables[0]}]" if tables else ""
    return f"`{name} = {option.example}`{where}"


def _kind_name(kind: type) -> str:
    return {str: "a string", bool: "true or false", int: "a whole number", float: "a number", dict: "a table",
            list: "a list", datetime: "a date and time"}.get(kind, kind.__name__)


def _with_trailing_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
