"""Audio files: probe what they really are, and tag copies of them. The only mutagen importer.

One module per container format (mp3, mp4, ogg for Opus and Vorbis, flac; vorbiscomment holds
what Ogg and FLAC share); `formats.detect()` picks the format from the file's first bytes, never
from its name. `ffmpeg` runs the one tool needed beyond mutagen: it adds M4A chapter tracks.
"""

from podcaster.audio.base import Retagging
from podcaster.audio.ffmpeg import INSTALL_HINT as FFMPEG_INSTALL_HINT
from podcaster.audio.formats import SUPPORTED_EXTENSIONS, ffmpeg_available, needs_ffmpeg, plan, probe, tag
from podcaster.audio.tags import Tags

__all__ = ["FFMPEG_INSTALL_HINT", "SUPPORTED_EXTENSIONS", "Retagging", "Tags", "ffmpeg_available", "needs_ffmpeg",
           "plan", "probe", "tag"]
