"""Preview a published folder on 127.0.0.1, with HTTP Range requests so audio seeks in a browser."""

from __future__ import annotations

import functools
import os
import re
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from podcaster import mediatypes
from podcaster.errors import PodcasterError
from podcaster.site import NOT_FOUND_KEY

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler answers every GET with the whole file; browsers seek audio with
    `Range: bytes=a-b` and expect 206 Partial Content."""

    # Bytes left to send of a partial response; None for a whole file.
    _remaining: int | None = None

    def guess_type(self, path: str | os.PathLike) -> str:
        return mediatypes.content_type(os.fspath(path))

    def send_head(self):
        range_header = (self.headers.get("Range") or "").strip()
        path = self.translate_path(self.path)
        # Only one range is served as such; several, or one in another unit, get the whole file,
        # as HTTP lets a server answer any Range it does not support.
        asked = _RANGE.match(range_header)
        if not asked or not any(asked.groups()) or not os.path.isfile(path):  # "bytes=-" asks for nothing
            return super().send_head()
        size = os.path.getsize(path)
        byte_range = _parse_range(range_header, size)
        if byte_range is None:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        start, end = byte_range
        f = open(path, "rb")
        f.seek(start)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self._remaining = end - start + 1
        return f

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # A missing page gets the site's own 404 page, as a web host serving the site would answer.
        page = Path(self.directory) / NOT_FOUND_KEY
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(code, message)
        self.send_header("Content-Type", mediatypes.content_type(NOT_FOUND_KEY))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def copyfile(self, source, outputfile) -> None:
        remaining = self._remaining
        if remaining is None:
            return super().copyfile(source, outputfile)
        while remaining > 0:
            block = source.read(min(1 << 16, remaining))
            if not block:
                break
            outputfile.write(block)
            remaining -= len(block)
        self._remaining = None

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        # Quiet by default: a preview server that prints every request buries the useful lines.
        pass


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte of the one range `header` asks for; None if the file has no such bytes."""
    match = _RANGE.match(header)
    if not match or size == 0:
        return None
    first, last = match.groups()
    if first == "":
        if last == "":
            return None
        length = min(int(last), size)  # "bytes=-500": the final 500 bytes
        return (size - length, size - 1) if length else None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return None
    return start, end


class PreviewServer(ThreadingHTTPServer):
    def __init__(self, address: tuple[str, int], directory: Path) -> None:
        self.directory = directory
        super().__init__(address, functools.partial(RangeRequestHandler, directory=str(directory)))


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000, *, create: bool = False) -> PreviewServer:
    """A server for `directory` on host:port (port 0: any free port); `create` makes the folder."""
    if create:
        directory.mkdir(parents=True, exist_ok=True)
    try:
        return PreviewServer((host, port), directory)
    except OSError as e:
        raise PodcasterError(f"cannot listen on {host}:{port}: {e.strerror}; pass another --port") from e
