"""Audio files: probe what they really are, and tag copies of them. The only mutagen importer.

One module per container format; `formats.detect()` picks the module from the file's
first bytes, never from its name.
"""

from podcaster.audio.formats import probe, tag
from podcaster.audio.tags import Tags

__all__ = ["Tags", "probe", "tag"]
