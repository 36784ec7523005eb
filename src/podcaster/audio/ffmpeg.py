"""ffmpeg, for what mutagen cannot write: the chapter track Apple's players read in M4A files.

ffmpeg only ever copies streams here (`-c copy`): it re-muxes, it never re-encodes.
podcaster needs it only for M4A episodes with chapters, so it is an optional tool.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from podcaster.errors import AudioError

INSTALL_HINT = ("install ffmpeg (Debian/Ubuntu: `apt-get install ffmpeg`, Fedora: `dnf install ffmpeg`, "
                "macOS: `brew install ffmpeg`)")


def available() -> bool:
    return shutil.which("ffmpeg") is not None


def remux(source: Path, destination: Path, arguments: list[str], *, metadata: str) -> None:
    """Run `ffmpeg -i source <ffmetadata on stdin> arguments destination`, failing with AudioError."""
    executable = shutil.which("ffmpeg")
    if executable is None:
        raise AudioError(f"{source}: writing its chapters needs ffmpeg, which is not installed; {INSTALL_HINT}")
    command = [executable, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source),
               "-f", "ffmetadata", "-i", "pipe:0", *arguments, str(destination)]
    result = subprocess.run(command, input=metadata.encode("utf-8"), capture_output=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise AudioError(f"{source}: ffmpeg could not add the chapters ({detail[-1] if detail else 'no message'})")


def ffmetadata_chapters(chapters: list[tuple[float, float, str]]) -> str:
    """An FFMETADATA1 document holding (start, end, title) chapters, times in seconds."""
    lines = [";FFMETADATA1"]
    for start, end, title in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(start * 1000)}", f"END={round(end * 1000)}",
                  f"title={_escaped(title)}"]
    return "\n".join(lines) + "\n"


def _escaped(value: str) -> str:
    # FFMETADATA gives '=', ';', '#', '\' and newlines a meaning; a backslash takes it away.
    for special in ("\\", "=", ";", "#", "\n"):
        value = value.replace(special, "\\" + special)
    return value
