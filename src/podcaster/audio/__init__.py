"""Audio files: probe what they really are, and tag copies of them. The only mutagen importer.

One module per container format (mp3, mp4, ogg for Opus and Vorbis, flac; vorbiscomment holds
what Ogg and FLAC share); `formats.detect()` picks the format from the file's first bytes, never
from its name. M4A chapter tracks are beyond mutagen: mp4 has ffmpeg add them.
"""

from podcaster.audio.base import Retagging
from podcaster.audio.formats import SUPPORTED_EXTENSIONS, chapters_need_ffmpeg, plan, probe, tag
from podcaster.audio.tags import Tags

__all__ = ["SUPPORTED_EXTENSIONS", "Retagging", "Tags", "chapters_need_ffmpeg", "plan", "probe", "tag"]
