"""What every format module offers (a small common interface, as mutagen's FileType is for mutagen).

A format module describes itself with a `Format`: how to recognise its content, how to probe it,
and how to plan tagging. Planning reads the file once and compares, field by field, what it
carries with what podcaster would write; the same plan tells `check` what would change and
tells `tag` whether to write at all, so a second run writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcaster.audio.tags import Tags
from podcaster.model import AudioInfo


@dataclass(frozen=True)
class Pictures:
    """Images ready to embed, as small JPEGs: made once per tagging, whatever the format."""

    cover: bytes | None
    chapters: tuple[bytes | None, ...] = ()  # one per chapter of the Tags, None where it has no image


@dataclass(frozen=True)
class Retagging:
    """What tagging one file would change (names of Tags fields), and how to write it."""

    changes: tuple[str, ...]
    write: Callable[[], None]


@dataclass(frozen=True)
class Format:
    name: str  # as the user knows it: "MP3", "Ogg Opus"
    extensions: tuple[str, ...]  # the first is the one to suggest
    mime_type: str
    matches: Callable[[bytes], bool]  # is this the file's content? given its first bytes
    probe: Callable[[Path], AudioInfo]
    plan: Callable[[Path, Tags, Pictures], Retagging]


def changed_fields(current: dict[str, Any], wanted: dict[str, Any]) -> tuple[str, ...]:
    """The fields whose value in the file differs from the one podcaster would write."""
    return tuple(name for name, value in wanted.items() if current.get(name) != value)
