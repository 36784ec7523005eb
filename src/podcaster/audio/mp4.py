"""M4A/AAC: iTunes-style MP4 atoms, the podcast atoms Apple's players read, and chapters.

mutagen edits the `ilst` atoms in place and never touches the audio samples. It cannot write
chapters, so when an episode has chapters ffmpeg re-muxes the file first (stream copy: the
samples are the same bytes) and adds a QuickTime chapter track, the kind Apple's players show,
plus a Nero `chpl` list, which is what later runs read to see that the chapters are already there.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from mutagen.mp4 import MP4, MP4Cover

from podcaster import ffmpeg
from podcaster.audio.base import Format, Pictures, Retagging, changed_fields
from podcaster.audio.tags import Tags
from podcaster.model import AudioInfo

# The atoms that hold each field podcaster manages; every other atom stays as it is.
_ATOMS = {
    "title": ("©nam",), "artist": ("©ART",), "album": ("©alb",), "album artist": ("aART",), "date": ("©day",),
    "genre": ("©gen",), "summary": ("desc", "ldes", "©cmt"), "copyright": ("cprt",), "guid": ("egid",),
    "feed URL": ("purl",), "podcast flag": ("pcst",), "category": ("catg",), "track": ("trkn",),
    "disc": ("disk",), "cover": ("covr",),
}
_MANAGED = tuple(atom for atoms in _ATOMS.values() for atom in atoms)


def matches(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


def probe(path: Path) -> AudioInfo:
    _check_top_level_atoms(path)
    info = MP4(path).info
    if not info.length:
        raise ValueError("no audio track found")
    return AudioInfo(
        format="m4a", mime_type=FORMAT.mime_type, codec=info.codec or "mp4a", duration=info.length,
        bitrate=info.bitrate, sample_rate=info.sample_rate, channels=info.channels, size=path.stat().st_size,
    )


def _check_top_level_atoms(path: Path) -> None:
    """A file cut short ends inside an atom (usually `mdat`, the audio) that claims to be longer."""
    with path.open("rb") as f:
        for _ in _children(f, 0, path.stat().st_size):
            pass


def _has_chapter_track(path: Path) -> bool:
    """Whether a track of the file names a chapter track (moov/trak/tref/chap): what Apple's players read."""
    with path.open("rb") as f:
        for name, start, end in _children(f, 0, path.stat().st_size):
            if name == "moov":
                return any(_contains(f, trak_start, trak_end, ("tref", "chap"))
                           for child, trak_start, trak_end in _children(f, start, end) if child == "trak")
    return False


def _contains(f: BinaryIO, start: int, end: int, names: tuple[str, ...]) -> bool:
    for name, child_start, child_end in _children(f, start, end):
        if name == names[0]:
            return len(names) == 1 or _contains(f, child_start, child_end, names[1:])
    return False


def _children(f: BinaryIO, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """(name, where its content starts, where it ends) of each atom from `start` to `end`."""
    offset = start
    while offset < end:
        f.seek(offset)
        header = f.read(16)
        if len(header) < 8:
            raise ValueError(f"it ends inside an atom header at byte {offset}: the file was cut short")
        length, name = struct.unpack(">I4s", header[:8])
        content = offset + 8
        if length == 1:  # a 64-bit length follows the name
            length, content = struct.unpack(">Q", header[8:16])[0], content + 8
        elif length == 0:  # the atom runs to the end
            length = end - offset
        if length < content - offset or offset + length > end:
            raise ValueError(f"its {name.decode('latin-1')!r} atom claims {length} bytes but only "
                             f"{end - offset} are left: the file was cut short")
        yield name.decode("latin-1"), content, offset + length
        offset += length


def plan(path: Path, tags: Tags, pictures: Pictures) -> Retagging:
    audio = MP4(path)
    existing = dict(audio.tags or {})
    wanted: dict[str, Any] = _atoms(tags, pictures)
    current: dict[str, Any] = {field: {atom: existing[atom] for atom in _ATOMS[field] if atom in existing}
                               for field in wanted}
    if tags.chapters:
        wanted["chapters"] = [(round(chapter.start * 1000), chapter.title) for chapter in tags.chapters]
        # The Nero list says which chapters the track holds; without the track, Apple's players show none.
        listed = audio.chapters if _has_chapter_track(path) else None
        current["chapters"] = [(round(chapter.start * 1000), chapter.title) for chapter in listed or ()]
    changes = changed_fields(current, wanted)

    def write() -> None:
        target = audio
        if "chapters" in changes:
            _add_chapter_track(path, tags)
            target = MP4(path)
        if target.tags is None:
            target.add_tags()
        for key in _MANAGED:
            target.tags.pop(key, None)
        # ffmpeg keeps none of the atoms; those podcaster does not manage come back from the file as it was.
        target.tags.update({key: value for key, value in existing.items() if key not in _MANAGED})
        for field, atoms in wanted.items():
            if field != "chapters":
                target.tags.update(atoms)
        target.save()

    return Retagging(changes, write)


def _add_chapter_track(path: Path, tags: Tags) -> None:
    remuxed = path.with_name(f".{path.stem}.chapters{path.suffix}")
    metadata = path.with_name(f".{path.stem}.chapters.txt")
    muxer = "mp4" if path.suffix.lower() == ".mp4" else "ipod"
    try:
        metadata.write_text(_ffmetadata(tags), encoding="utf-8")
        # Audio only (cover art comes back as an atom); no metadata but the chapters; moov first, so
        # players can start before the download ends; bitexact, so the same input gives the same bytes.
        ffmpeg.run(["-loglevel", "error", "-i", str(path), "-f", "ffmetadata", "-i", str(metadata),
                    "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1", "-c", "copy", "-fflags", "+bitexact",
                    "-movflags", "+faststart", "-f", muxer, str(remuxed)], about=path)
        os.replace(remuxed, path)
    finally:
        remuxed.unlink(missing_ok=True)
        metadata.unlink(missing_ok=True)


def _ffmetadata(tags: Tags) -> str:
    """The chapters as an FFMETADATA1 document, the form ffmpeg reads them in."""
    lines = [";FFMETADATA1"]
    for chapter, end in tags.chapter_spans():
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(chapter.start * 1000)}", f"END={round(end * 1000)}",
                  f"title={_escaped(chapter.title)}"]
    return "\n".join(lines) + "\n"


def _escaped(value: str) -> str:
    # FFMETADATA gives '=', ';', '#', '\' and newlines a meaning; a backslash takes it away.
    for special in ("\\", "=", ";", "#", "\n"):
        value = value.replace(special, "\\" + special)
    return value


def _atoms(tags: Tags, pictures: Pictures) -> dict[str, dict[str, Any]]:
    return {
        "title": {"©nam": [tags.title]},
        "artist": {"©ART": [tags.artist]},
        "album": {"©alb": [tags.album]},
        "album artist": {"aART": [tags.album_artist]},
        "date": {"©day": [tags.date.isoformat()]},
        "genre": {"©gen": [tags.genre]},
        "summary": {"desc": [tags.summary], "ldes": [tags.summary], "©cmt": [tags.summary]},
        "copyright": {"cprt": [tags.copyright]},
        # Apple's podcast atoms: the episode's GUID (egid), the feed's URL (purl) and the podcast flag.
        "guid": {"egid": [tags.guid]},
        "feed URL": {"purl": [tags.feed_url]},
        "podcast flag": {"pcst": True},
        "category": {"catg": [tags.category]} if tags.category else {},
        "track": {"trkn": [(tags.track, 0)]} if _fits(tags.track) else {},
        "disc": {"disk": [(tags.disc, 0)]} if _fits(tags.disc) else {},
        "cover": {"covr": [MP4Cover(pictures.cover, imageformat=MP4Cover.FORMAT_JPEG)]} if pictures.cover else {},
    }


def _fits(number: int | None) -> bool:
    # trkn and disk hold 16-bit numbers: a larger episode number stays in the feed, not in the file.
    return number is not None and number <= 0xFFFF


FORMAT = Format(name="M4A", extensions=(".m4a", ".m4b", ".mp4"), mime_type="audio/x-m4a", matches=matches,
                probe=probe, plan=plan)
