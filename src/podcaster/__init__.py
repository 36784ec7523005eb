"""podcaster: publish a podcast from a folder of Markdown and audio."""

__version__ = "0.1.0"
