"""The wheel carries the default templates, so an installed podcaster renders outside the repository."""

from __future__ import annotations

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
