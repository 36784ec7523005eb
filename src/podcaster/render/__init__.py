"""Turning the show into files: the feed (feedgen), the pages (jinja2) and the notes (Markdown)."""
