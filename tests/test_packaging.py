"""The wheel carries the default templates, so an installed podcaster renders outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def test_wheel_ships_the_default_templates(tmp_path: Path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("podcaster-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"podcaster/templates/{p.name}" for p in (REPO / "templates").iterdir() if p.is_file()}
    assert shipped and shipped <= names
    assert "podcaster/cli.py" in names


def test_the_console_script_exits_with_the_right_status_and_all_its_output(tmp_path: Path):
    """The script ends its process without the interpreter's teardown: what it printed must still
    arrive whole through a pipe, and the status must be 0 ok, 1 failed, 2 usage."""
    script = Path(sys.executable).parent / "podcaster"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(script), *args], cwd=tmp_path, capture_output=True, text=True,
                              env={**os.environ, "NO_COLOR": "1"})

    helped = run("--help")
    assert helped.returncode == 0 and helped.stderr == ""
    assert helped.stdout.rstrip().splitlines()[-1].lstrip().startswith("tag")  # the last command listed
    failed = run("--config", "nowhere.toml", "check")
    assert failed.returncode == 1 and "nowhere.toml" in failed.stderr and "Traceback" not in failed.stderr
    misused = run("build", "--no-such-option")
    assert misused.returncode == 2 and "No such option" in misused.stderr
    cut_short = subprocess.run(f"'{script}' --help | head -n 1", shell=True, cwd=tmp_path, capture_output=True,
                               text=True)
    assert cut_short.stdout.startswith("Usage:") and "Traceback" not in cut_short.stderr
    # Under a profiler (or coverage), which writes what it gathered at exit, the exit is the usual one.
    profiled = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(tmp_path / "profile.out"),
                               "-m", "podcaster", "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert profiled.returncode == 0 and (tmp_path / "profile.out").stat().st_size > 0
