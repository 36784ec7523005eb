"""Pick the format module from a file's content, and translate mutagen's errors at the border."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from mutagen import MutagenError

from podcaster import artwork
from podcaster.audio import mp3, mp4
from podcaster.audio.tags import Tags
from podcaster.errors import AudioError
from podcaster.model import AudioInfo

_FORMATS: tuple[ModuleType, ...] = (mp3, mp4)
SUPPORTED_EXTENSIONS = tuple(ext for module in _FORMATS for ext in module.EXTENSIONS)


def detect(path: Path) -> ModuleType:
    """The format module whose signature matches the file's first bytes."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        raise AudioError(f"{path}: cannot read the audio file: {e.strerror}") from e
    for module in _FORMATS:
        if module.matches(head):
            if path.suffix.lower() not in module.EXTENSIONS:
                raise AudioError(
                    f"{path}: the file holds {module.NAME} audio but is named {path.suffix or 'without an extension'}; "
                    f"rename it to end in {module.EXTENSIONS[0]}"
                )
            return module
    raise AudioError(
        f"{path}: not a supported audio file (its content is none of: "
        f"{', '.join(m.NAME for m in _FORMATS)}); export it as MP3 or M4A"
    )


def probe(path: Path) -> AudioInfo:
    """Duration, bitrate, codec … read from the real file."""
    module = detect(path)
    try:
        return module.probe(path)
    except (MutagenError, ValueError, EOFError) as e:
        raise AudioError(f"{path}: cannot read the {module.NAME} audio ({e}); the file may be truncated or corrupt") from e


def tag(path: Path, tags: Tags) -> bool:
    """Write `tags` into the file at `path` (always a copy the build owns, never the original).

    Returns False, having written nothing, when the file already carries exactly these tags."""
    module = detect(path)
    cover_jpeg = artwork.embeddable_jpeg(tags.cover) if tags.cover else None
    try:
        return module.write_tags(path, tags, cover_jpeg)
    except (MutagenError, ValueError, EOFError) as e:
        raise AudioError(f"{path}: cannot tag the {module.NAME} audio ({e})") from e
