"""`podcaster serve`: the published folder over HTTP on 127.0.0.1, with Range requests for seeking."""

from __future__ import annotations

import threading
import urllib.request
from pathlib import Path

import pytest

from podcaster.serve import make_server


@pytest.fixture
def served(tmp_path: Path):
    (tmp_path / "episodes").mkdir()
    audio = tmp_path / "episodes" / "a.mp3"
    audio.write_bytes(bytes(range(256)) * 40)
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    server = make_server(tmp_path, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", audio.read_bytes()
    server.shutdown()
    server.server_close()


def _get(url: str, **headers: str):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        return response.status, response.headers, response.read()


def test_range_request_returns_exactly_those_bytes(served):
    base, data = served
    status, headers, body = _get(base + "episodes/a.mp3", Range="bytes=1000-1999")
    assert status == 206
    assert headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert headers["Content-Type"] == "audio/mpeg"
    assert body == data[1000:2000]


def test_open_ended_and_suffix_ranges(served):
    base, data = served
    assert _get(base + "episodes/a.mp3", Range="bytes=10000-")[2] == data[10000:]
    assert _get(base + "episodes/a.mp3", Range="bytes=-100")[2] == data[-100:]


def test_whole_file_without_range_advertises_ranges(served):
    base, data = served
    status, headers, body = _get(base + "episodes/a.mp3")
    assert (status, body, headers["Accept-Ranges"]) == (200, data, "bytes")
    assert _get(base)[1]["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("asked", ["bytes=0-1,5-9", "items=0-10", "bytes=abc", "bytes=-"])
def test_a_range_it_does_not_serve_as_such_gets_the_whole_file(served, asked):
    base, data = served
    status, headers, body = _get(base + "episodes/a.mp3", Range=asked)
    assert (status, body) == (200, data)


def test_a_partial_response_says_once_that_it_takes_ranges(served):
    base, _ = served
    _, headers, _ = _get(base + "episodes/a.mp3", Range="bytes=0-9")
    assert headers.get_all("Accept-Ranges") == ["bytes"]


def test_unsatisfiable_range_is_416(served):
    base, data = served
    with pytest.raises(urllib.error.HTTPError) as error:
        _get(base + "episodes/a.mp3", Range=f"bytes={len(data) + 5}-")
    assert error.value.code == 416
    error.value.close()


def test_serve_without_a_published_folder_says_publish_first(show):
    result = show.run("serve")
    assert result.exit_code == 1
    assert "does not exist yet; run `podcaster publish` first" in result.stderr


def test_an_empty_suffix_range_is_416(served):
    base, data = served
    with pytest.raises(urllib.error.HTTPError) as error:
        _get(base + "episodes/a.mp3", Range="bytes=-0")
    assert error.value.code == 416
    error.value.close()


@pytest.mark.parametrize(("public_url", "warned"), [("https://podcast.example.org/", True),
                                                    ("http://127.0.0.1:{port}/", False)])
def test_serve_says_when_the_pages_lead_elsewhere(show, public_url, warned):
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:  # a free port, so the sample's own address can be the served one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    public_url = public_url.format(port=port)
    show.edit("podcast.toml", 'public_url = "http://127.0.0.1:8000/"', f'public_url = "{public_url}"')
    assert show.run("-q", "publish").exit_code == 0
    server = subprocess.Popen([str(Path(sys.executable).parent / "podcaster"), "--config", str(show.config),
                               "serve", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env={**os.environ, "NO_COLOR": "1"})
    try:
        assert server.stdout.readline().startswith("Serving ")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as response:
            assert response.status == 200
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    message = (f"Warning: the pages were built for {public_url} (publish.public_url): their stylesheet, pictures, "
               "audio and links lead there, not here; `podcaster serve --watch` builds a preview whose addresses "
               "are this server's")
    assert (message in stderr) is warned, stderr
