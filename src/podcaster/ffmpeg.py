"""Running Debian's ffmpeg and ffprobe: finding them, reporting their failures, following progress.

Every other module that needs ffmpeg goes through here, so a missing tool gives one clear error.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from podcaster.errors import PodcasterError

INSTALL_HINT = "install it: `apt-get install ffmpeg` (Debian/Ubuntu), `brew install ffmpeg` (macOS)"


class ToolMissing(PodcasterError):
    """ffmpeg or ffprobe is not on PATH."""


class ToolFailed(PodcasterError):
    """ffmpeg or ffprobe ran and failed."""


def require(tool: str = "ffmpeg") -> str:
    path = shutil.which(tool)
    if path is None:
        raise ToolMissing(f"{tool} is not installed, and this step needs it; {INSTALL_HINT}")
    return path


def available(tool: str = "ffmpeg") -> bool:
    return shutil.which(tool) is not None


def run(args: Sequence[str], *, about: Path, on_progress: Callable[[float], None] | None = None) -> str:
    """Run ffmpeg with `args`; returns its stderr (where filters print their reports).

    `on_progress` gets the seconds of output written so far, as ffmpeg reports them."""
    command = [require("ffmpeg"), "-hide_banner", "-nostdin", "-y", "-progress", "pipe:1", "-nostats", *args]
    stderr_lines: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        # stderr is drained by a reader thread so a chatty ffmpeg never blocks on a full pipe.
        reader = threading.Thread(target=lambda: stderr_lines.extend(process.stderr), daemon=True)
        reader.start()
        try:
            for line in process.stdout:
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and on_progress and value.isdigit():
                    on_progress(int(value) / 1_000_000)
        except BaseException:  # Ctrl-C, or a stop of the child process running this: ffmpeg stops too
            process.kill()
            raise
        reader.join()
    stderr = "".join(stderr_lines)
    if process.returncode != 0:
        last = next((line for line in reversed(stderr.splitlines()) if line.strip()), "no message")
        raise ToolFailed(f"{about}: ffmpeg failed: {last.strip()}")
    return stderr


def duration_of(path: Path) -> float:
    """The media's duration in seconds, as ffprobe reads it; ToolFailed if it has no audio to take."""
    result = subprocess.run(
        [require("ffprobe"), "-v", "error", "-show_entries", "format=duration:stream=codec_type", "-of", "json",
         str(path)],
        capture_output=True, text=True,
    )
    try:
        probed = json.loads(result.stdout)
        duration = float(probed["format"]["duration"])
    except (ValueError, KeyError, TypeError):
        message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "no duration found"
        raise ToolFailed(f"{path}: ffmpeg cannot read this recording ({message}); "
                         "export it as WAV, FLAC, MP3 or MKV/MP4 and try again") from None
    if not any(stream.get("codec_type") == "audio" for stream in probed.get("streams", [])):
        raise ToolFailed(f"{path}: the recording has no audio stream (a video recorded without sound?); "
                         "record or export it with its audio and try again")
    return duration
