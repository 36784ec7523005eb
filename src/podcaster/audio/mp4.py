"""M4A/AAC: iTunes-style MP4 atoms, including the podcast atoms Apple's players read."""

from __future__ import annotations

from pathlib import Path

from mutagen.mp4 import MP4, MP4Cover

from podcaster.audio.tags import Tags
from podcaster.model import AudioInfo

NAME = "M4A"
EXTENSIONS = (".m4a", ".mp4", ".m4b")
MIME_TYPE = "audio/x-m4a"

_MANAGED = ("©nam", "©ART", "©alb", "aART", "©day", "©gen", "desc", "ldes", "©cmt", "cprt",
            "purl", "egid", "pcst", "catg", "trkn", "disk", "covr")


def matches(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


def probe(path: Path) -> AudioInfo:
    info = MP4(path).info
    if not info.length:
        raise ValueError("no audio track found")
    return AudioInfo(
        format="m4a", mime_type=MIME_TYPE, codec=info.codec or "mp4a", duration=info.length,
        bitrate=info.bitrate, sample_rate=info.sample_rate, channels=info.channels,
        size=path.stat().st_size,
    )


def write_tags(path: Path, tags: Tags, cover_jpeg: bytes | None) -> bool:
    """Tag the file; returns False (and writes nothing) when it already carries these tags."""
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    wanted = _atoms(tags, cover_jpeg)
    current = {key: audio.tags[key] for key in _MANAGED if key in audio.tags}
    if current == wanted:
        return False
    for key in _MANAGED:
        audio.tags.pop(key, None)
    audio.tags.update(wanted)
    audio.save()
    return True


def _atoms(tags: Tags, cover_jpeg: bytes | None) -> dict:
    atoms = {
        "©nam": [tags.title],
        "©ART": [tags.artist],
        "©alb": [tags.album],
        "aART": [tags.album_artist],
        "©day": [tags.date.isoformat()],
        "©gen": [tags.genre],
        "desc": [tags.summary],
        "ldes": [tags.summary],
        "©cmt": [tags.summary],
        "cprt": [tags.copyright],
        # Apple's podcast atoms: the episode's page (purl), its GUID (egid) and the podcast flag.
        "purl": [tags.page_url],
        "egid": [tags.guid],
        "pcst": True,
        "catg": [tags.genre],
    }
    if tags.track is not None:
        atoms["trkn"] = [(tags.track, 0)]
    if tags.disc is not None:
        atoms["disk"] = [(tags.disc, 0)]
    if cover_jpeg:
        atoms["covr"] = [MP4Cover(cover_jpeg, imageformat=MP4Cover.FORMAT_JPEG)]
    return atoms
