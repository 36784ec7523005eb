"""Pick the format from a file's content, and translate mutagen's errors at the border."""

from __future__ import annotations

import struct
from pathlib import Path

from mutagen import MutagenError

from podcaster import artwork
from podcaster.audio import flac, mp3, mp4, ogg
from podcaster.audio.base import Format, Pictures, Retagging
from podcaster.audio.tags import Tags
from podcaster.errors import AudioError, is_refusal
from podcaster.model import AudioInfo

# MP3 last: after an ID3 tag, anything no other format claims is taken for MPEG frames.
FORMATS: tuple[Format, ...] = (mp4.FORMAT, ogg.OPUS, ogg.VORBIS, flac.FORMAT, mp3.FORMAT)
SUPPORTED_EXTENSIONS = tuple(dict.fromkeys(ext for f in FORMATS for ext in f.extensions))
_SUPPORTED_NAMES = ", ".join(f.name for f in FORMATS)
_HEAD_BYTES = 64

# Audio people export by mistake, named so the error can say what the file really is.
_UNSUPPORTED = (
    ("WAV", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WAVE"),
    ("AIFF", lambda head: head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC")),
    ("raw AAC (ADTS, not in an M4A container)", lambda head: head[:1] == b"\xff" and head[1:2] != b""
     and head[1] & 0xF6 == 0xF0),
    ("WMA", lambda head: head[:4] == b"\x30\x26\xb2\x75"),
    ("Matroska/WebM", lambda head: head[:4] == b"\x1a\x45\xdf\xa3"),
    ("Ogg with a codec other than Opus or Vorbis", lambda head: head[:4] == b"OggS"),
)
_LIBRARY_ERRORS = (MutagenError, ValueError, EOFError, struct.error)


def detect(path: Path) -> Format:
    """The format whose signature the file's first bytes carry; its name must fit, too."""
    head = _read(path, 0)
    content = _read(path, _id3_size(head)) if head.startswith(b"ID3") else head
    found = next((f for f in FORMATS if f.matches(content)), None)
    if found is None and head.startswith(b"ID3") and not any(is_it(content) for _, is_it in _UNSUPPORTED):
        found = mp3.FORMAT
    if found is None:
        what = next((name for name, is_it in _UNSUPPORTED if is_it(content)), None)
        kind = f"it holds {what} audio" if what else "its content is none of them"
        raise AudioError(f"{path}: not a supported audio file ({kind}); podcaster reads {_SUPPORTED_NAMES}: "
                         f"export it as one of those")
    if path.suffix.lower() not in found.extensions:
        raise AudioError(
            f"{path}: the file holds {found.name} audio but is named {path.suffix or 'without an extension'}; "
            f"rename it to end in {found.extensions[0]}"
        )
    return found


def probe(path: Path) -> AudioInfo:
    """Duration, bitrate, codec … read from the real file."""
    found = detect(path)
    try:
        return found.probe(path)
    except _LIBRARY_ERRORS as e:
        raise AudioError(f"{path}: cannot read the {found.name} audio ({e}); the file may be truncated or "
                         "corrupt: export it again") from e


def plan(path: Path, tags: Tags) -> Retagging:
    """What tagging the file at `path` with `tags` would change, and how to write it."""
    found = detect(path)
    pictures = Pictures(
        cover=artwork.embeddable_jpeg(tags.cover) if tags.cover else None,
        chapters=tuple(artwork.embeddable_jpeg(c.image) if c.image else None for c in tags.chapters),
    )
    try:
        retagging = found.plan(path, tags, pictures)
    except _LIBRARY_ERRORS as e:
        raise _refusal_in(e) or AudioError(f"{path}: cannot read the tags of the {found.name} audio ({e})") from e

    def write() -> None:
        try:
            retagging.write()
        except _LIBRARY_ERRORS as e:
            raise _refusal_in(e) or AudioError(f"{path}: cannot tag the {found.name} audio ({e})") from e

    return Retagging(retagging.changes, write)


def tag(path: Path, tags: Tags) -> bool:
    """Write `tags` into the file at `path` (always a copy the build owns, never the original).

    Returns False, having written nothing, when the file already carries exactly these tags."""
    retagging = plan(path, tags)
    if retagging.changes:
        retagging.write()
    return bool(retagging.changes)


def _refusal_in(error: Exception) -> OSError | None:
    """The system's refusal that mutagen wrapped: a full disk while tagging is no fault of the audio,
    and is reported as such (see `errors.is_refusal`)."""
    cause = error.args[0] if isinstance(error, MutagenError) and error.args else None
    if not is_refusal(cause):
        return None
    return OSError(cause.errno, cause.strerror, cause.filename)


def chapters_need_ffmpeg(info: AudioInfo) -> bool:
    """Whether writing chapters into this audio runs ffmpeg: M4A chapters are beyond mutagen."""
    return info.format == "m4a"


def _read(path: Path, offset: int) -> bytes:
    try:
        with path.open("rb") as f:
            f.seek(offset)
            return f.read(_HEAD_BYTES)
    except OSError as e:
        raise AudioError(f"{path}: cannot read the audio file: {e.strerror}") from e


def _id3_size(head: bytes) -> int:
    """Where the content after a leading ID3v2 tag begins: header, syncsafe size, optional footer."""
    if len(head) < 10:
        return 0
    size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
    return 10 + size + (10 if head[5] & 0x10 else 0)
