"""The show-notes site of the published sample show, read back as HTML, JSON-LD, XML and images."""

from __future__ import annotations

import json
import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree, html
from mutagen import File as MutagenFile
from PIL import Image

from conftest import REPO, SITE_LINKS, SITE_PAGE_SIZE, ShowCopy, site_pages
from podcaster import pipeline
from podcaster.serve import make_server
from schema_vocabulary import Vocabulary

BASE = "http://127.0.0.1:8000/"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _pages(site: ShowCopy) -> dict[str, html.HtmlElement]:
    """Every published page but the 404, by the URL it is published at."""
    pages = {}
    for path in site_pages(site.published):
        key = path.relative_to(site.published).as_posix()
        if key != "404.html":
            pages[BASE + key.removesuffix("index.html")] = html.fromstring(path.read_bytes())
    return pages


def _page(site: ShowCopy, key: str) -> html.HtmlElement:
    return html.fromstring((site.published / key).read_bytes())


def _meta(page: html.HtmlElement, attribute: str, name: str) -> str | None:
    found = page.xpath(f'//meta[@{attribute}="{name}"]/@content')
    return found[0] if found else None


def _structured_data(page: html.HtmlElement) -> list[dict]:
    return [json.loads(script.text) for script in page.xpath('//script[@type="application/ld+json"]')]


def _nodes(page: html.HtmlElement, node_type: str) -> list[dict]:
    return [node for document in _structured_data(page) for node in document["@graph"] if node["@type"] == node_type]


def _local_file(site: ShowCopy, url: str) -> Path:
    assert url.startswith(BASE), url
    key = url.removeprefix(BASE).split("#")[0]
    return site.published / (key + "index.html" if key == "" or key.endswith("/") else key)


def _card_titles(page: html.HtmlElement) -> list[str]:
    return [a.text_content() for a in page.xpath('//ol[@class="cards"]//h2/a | //ol[@class="cards"]//h3/a')]


def _titles_through_pages(site: ShowCopy, first_key: str) -> list[str]:
    """The episode titles of a list, following its pages."""
    titles, key = [], first_key
    while key:
        page = _page(site, key)
        titles += _card_titles(page)
        following = page.xpath('//nav[@class="pagination"]/a[@rel="next"]/@href')
        key = following[0].removeprefix(BASE) + "index.html" if following else None
    return titles


def test_every_page_says_what_it_is_to_search_engines(sample_site: ShowCopy):
    pages = _pages(sample_site)
    assert len(pages) >= 9 + 1 + 3 + 5 + 6  # episodes, home, archive pages, series, speakers
    titles, descriptions = set(), set()
    for url, page in pages.items():
        assert page.get("lang") == "en", url
        title = page.findtext(".//title")
        description = _meta(page, "name", "description")
        assert title and description and len(description) <= 160, url
        titles.add(title)
        descriptions.add(description)
        assert page.xpath('//link[@rel="canonical"]/@href') == [url]
        assert page.xpath('//link[@rel="alternate"][@type="application/rss+xml"]/@href') == [BASE + "feed.xml"]
        assert _meta(page, "property", "og:url") == url
        assert _meta(page, "property", "og:title") == title == _meta(page, "name", "twitter:title")
        assert _meta(page, "name", "twitter:card") == "summary"
        for image in (_meta(page, "property", "og:image"), _meta(page, "name", "twitter:image")):
            assert _local_file(sample_site, image).is_file(), url
        assert page.xpath("//main") and page.xpath('//a[@href="#main"]'), url
    assert len(titles) == len(descriptions) == len(pages)


def test_sitemap_lists_exactly_the_published_pages(sample_site: ShowCopy):
    sitemap = etree.parse(str(sample_site.published / "sitemap.xml"))
    urls = sitemap.findall(f"{SITEMAP_NS}url")
    assert sorted(url.findtext(f"{SITEMAP_NS}loc") for url in urls) == sorted(_pages(sample_site))
    for url in urls:
        assert datetime.fromisoformat(url.findtext(f"{SITEMAP_NS}lastmod")).tzinfo is not None
    episode = next(u for u in urls if u.findtext(f"{SITEMAP_NS}loc").endswith("/episodes/just-forgiving/"))
    # Not its own date (1 June): the page changed when it gained a link to its newer neighbour.
    assert episode.findtext(f"{SITEMAP_NS}lastmod") == "2017-06-04T20:10:00-04:00"
    robots = (sample_site.published / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {BASE}sitemap.xml" in robots.splitlines()


def test_structured_data_uses_only_schema_org_terms(sample_site: ShowCopy):
    vocabulary = Vocabulary()
    for url, page in _pages(sample_site).items():
        documents = _structured_data(page)
        assert documents, url
        for document in documents:
            assert vocabulary.problems(document) == [], url
        if url != BASE:
            (trail,) = _nodes(page, "BreadcrumbList")
            assert trail["itemListElement"][0]["item"] == BASE
            assert trail["itemListElement"][-1]["item"] == url


def test_vocabulary_check_catches_what_is_not_schema_org():
    problems = Vocabulary().problems({
        "@context": "https://schema.org",
        "@graph": [{"@type": "PodcastEpisode", "webFeed": BASE, "duration": "34 seconds", "speaker": "x",
                    "associatedMedia": {"@type": "Person", "name": "x"}}, {"@type": "Podcast"}],
    })
    assert len(problems) == 5, problems


def test_episode_structured_data_describes_the_episode(sample_site: ShowCopy):
    page = _page(sample_site, "episodes/just-forgiving/index.html")
    (episode,) = _nodes(page, "PodcastEpisode")
    audio = MutagenFile(_local_file(sample_site, episode["associatedMedia"]["contentUrl"]))
    assert episode["name"] == "Just Forgiving"
    assert episode["datePublished"] == "2017-06-01T10:00:00-04:00"
    assert episode["episodeNumber"] == 2
    assert episode["duration"] == episode["associatedMedia"]["duration"] == f"PT{round(audio.info.length)}S"
    assert episode["associatedMedia"]["@type"] == "AudioObject"
    assert episode["associatedMedia"]["encodingFormat"] == "audio/mpeg"
    assert episode["actor"] == [{"@type": "Person", "name": "Shaykh Abdul Rahim Reasat",
                                 "url": BASE + "speakers/shaykh-abdul-rahim-reasat/"}]
    assert episode["partOfSeason"]["seasonNumber"] == 1
    assert [clip["startOffset"] for clip in episode["hasPart"]] == [0, 22, 25, 29]
    (series,) = _nodes(_page(sample_site, "index.html"), "PodcastSeries")
    assert episode["partOfSeries"]["@id"] == series["@id"]
    assert series["webFeed"] == BASE + "feed.xml"
    assert _local_file(sample_site, episode["image"]).is_file()


def test_every_local_link_and_image_resolves(sample_site: ShowCopy):
    for url, page in _pages(sample_site).items():
        targets = page.xpath("//a/@href | //link/@href | //img/@src | //audio/@src | //script/@src")
        targets += [candidate.split()[0] for srcset in page.xpath("//img/@srcset") for candidate in srcset.split(",")]
        for target in targets:
            if target.startswith(BASE):
                assert _local_file(sample_site, target).is_file(), f"{url} links to missing {target}"
            else:
                assert target.startswith(("https://", "#")), f"{url} links to {target}"


def test_pictures_are_webp_copies_in_the_sizes_pages_use(sample_site: ShowCopy):
    for size in (150, 300, 600):
        for key in (f"artwork-{size}.webp", f"episodes/just-forgiving/cover-{size}.webp"):
            with Image.open(sample_site.published / key) as image:
                assert (image.format, image.size) == ("WEBP", (size, size))
    for size in (32, 180):
        with Image.open(sample_site.published / f"icon-{size}.png") as image:
            assert (image.format, image.size) == ("PNG", (size, size))
    cover = _page(sample_site, "episodes/just-forgiving/index.html").xpath('//img[@class="cover"]')[0]
    assert cover.get("alt") and cover.get("width") == cover.get("height") == "240"
    assert "cover-600.webp 600w" in cover.get("srcset")


def test_episode_page_plays_from_chapters_notes_and_transcript(sample_site: ShowCopy):
    page = _page(sample_site, "episodes/just-forgiving/index.html")
    audio_url = BASE + "episodes/just-forgiving/just-forgiving.mp3"
    assert page.findtext(".//h1") == "Just Forgiving"
    assert page.xpath('//audio[@id="player"][@controls]/@src') == [audio_url]
    chapters = page.xpath('//section[@class="chapters"]//a[@data-start]')
    assert [(a.get("data-start"), a.get("href")) for a in chapters] == [
        (start, f"{audio_url}#t={start}") for start in ("0", "22", "25", "29")]
    assert chapters[1].text_content() == "00:22 Musa and the hurt of his people"
    cues = page.xpath('//section[@class="transcript"]//li')
    assert len(cues) == 7
    assert cues[1].xpath("a/@data-start") == ["4"]
    assert cues[1].findtext("p").strip() == "Just Forgiving. With Shaykh Abdul Rahim Reasat."
    assert [b.text for b in page.xpath('//section[@class="transcript"]//b')] == ["Narrator:"]
    assert page.xpath('//a[contains(., "Download the transcript")]/@href') == [
        BASE + "episodes/just-forgiving/transcripts/transcript.vtt"]
    assert (sample_site.published / "episodes/just-forgiving/transcripts/transcript.vtt").is_file()
    # "24:22" in these notes cites a verse: later than the episode's end, so it is not a timestamp.
    assert "Sura al-Nur 24:22" in page.xpath('string(//div[@class="notes"])')
    assert not page.xpath('//div[@class="notes"]//a[@data-start]')

    notes = _page(sample_site, "episodes/will-allah-forgive-me/index.html").xpath('//div[@class="notes"]//a[@data-start]')
    assert [(a.text, a.get("data-start"), a.get("href").split("#")[1]) for a in notes] == [
        ("00:08", "8", "t=8"), ("00:14", "14", "t=14")]


def test_episode_page_names_its_series_season_speakers_and_neighbours(sample_site: ShowCopy):
    page = _page(sample_site, "episodes/the-art-of-prophetic-forgiveness/index.html")
    assert page.xpath('//p[@class="series"]/a/@href') == [BASE + "series/circle-of-light/"]
    assert page.xpath('//p[@class="meta"]/a/@href') == [BASE + "seasons/1/"]
    assert page.xpath('//p[@class="speakers"]/a/@href') == [BASE + "speakers/shaykh-walead-mosaad/"]
    assert page.xpath('//nav[@class="neighbours"]/a[@rel="prev"]/@href') == [BASE + "episodes/day-12-in-a-nutshell-forgive/"]
    assert page.xpath('//nav[@class="neighbours"]/a[@rel="next"]/@href') == [
        BASE + "episodes/human-forgiveness-what-you-need-to-know/"]
    # The speaker's other three episodes, nearest in time first.
    assert _card_titles(page) == [
        "Day 12 in a Nutshell – Forgive: Your Key to Internal Heaven and Hell",
        "Human Forgiveness: What You Need to Know About It",
        "The Most Hopeful Verse and Prophetic Forgiveness",
    ]


def test_related_episodes_share_a_series_or_a_speaker(sample_site: ShowCopy):
    loaded = pipeline.load(sample_site.config)
    by_title = {e.title: e for e in loaded.published}
    for episode in loaded.published:
        page = _page(sample_site, f"episodes/{episode.slug}/index.html")
        related = [by_title[title] for title in _card_titles(page)]
        assert len(related) <= 4 and episode not in related
        for other in related:
            assert (other.series and other.series == episode.series) or set(other.speakers) & set(episode.speakers)


def test_lists_are_paginated_and_hold_exactly_their_episodes(sample_site: ShowCopy):
    loaded = pipeline.load(sample_site.config)
    newest_first = sorted(loaded.published, key=lambda e: e.date, reverse=True)
    archive = _titles_through_pages(sample_site, "archive/index.html")
    assert archive == [e.title for e in newest_first]
    # Pages are cut from the oldest episode: the list's own page has the newest six, page 1 the oldest four.
    assert len(list((sample_site.published / "archive").rglob("index.html"))) == 2
    assert len(_card_titles(_page(sample_site, "archive/index.html"))) == len(archive) - SITE_PAGE_SIZE
    oldest = _page(sample_site, "archive/1/index.html")
    assert _card_titles(oldest) == archive[-SITE_PAGE_SIZE:]
    assert oldest.xpath('//nav[@class="pagination"]/a/@rel') == ["prev"]
    assert oldest.findtext(".//title").startswith(f"All episodes, episodes 1–{SITE_PAGE_SIZE} · ")
    assert _titles_through_pages(sample_site, "seasons/1/index.html") == archive
    assert _titles_through_pages(sample_site, "series/circle-of-light/index.html") == ["The Art of Prophetic Forgiveness"]
    speaker = _titles_through_pages(sample_site, "speakers/shaykh-walead-mosaad/index.html")
    assert speaker == [e.title for e in newest_first if "Shaykh Walead Mosaad" in e.speakers]


def test_home_page_has_the_show_subscribe_links_and_latest_episodes(sample_site: ShowCopy):
    page = _page(sample_site, "index.html")
    assert page.findtext(".//h1") == "Forgiveness: Talks from the Path"
    subscribe = {a.text: a.get("href") for a in page.xpath('//ul[@class="subscribe"]//a')}
    assert subscribe == {"RSS feed": BASE + "feed.xml", "Apple Podcasts": SITE_LINKS["apple"],
                         "Spotify": SITE_LINKS["spotify"]}
    assert _card_titles(page)[0] == "Will Allah Forgive Me?" and len(_card_titles(page)) == 5
    browse = page.xpath('//section[@aria-labelledby="browse-heading"]//a/@href')
    assert BASE + "series/yourramadanhub-xtra/" in browse and BASE + "speakers/shaykh-hamza-yusuf/" in browse


def test_serve_answers_missing_pages_with_the_404_page(sample_site: ShowCopy):
    not_found = _page(sample_site, "404.html")
    assert _meta(not_found, "name", "robots") == "noindex"
    assert not not_found.xpath('//link[@rel="canonical"]')
    server = make_server(sample_site.published, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/episodes/no-such-episode/")
        assert error.value.code == 404
        assert b"<h1>Page not found</h1>" in error.value.read()
        error.value.close()
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/sitemap.xml") as sitemap:
            assert sitemap.headers["Content-Type"] == "application/xml; charset=utf-8"
    finally:
        server.shutdown()
        server.server_close()


XSS_NOTES = "\n\n".join([
    "Still here: [a fine link](https://example.org/) at 00:05.",
    "<script>alert('script')</script>",
    "<img src=x onerror=\"alert('onerror')\">",
    "<a href=\"javascript:alert('js-link')\">a javascript link</a>",
    "[a markdown javascript link](javascript:alert('md-link'))",
    "<a href=\"jav&#x09;ascript:alert('entity')\">an encoded javascript link</a>",
    "<svg onload=\"alert('svg')\"><script>alert('svg-script')</script></svg>",
    "<svg><a xlink:href=\"javascript:alert('svg-link')\"><text y=\"20\">svg link</text></a></svg>",
    "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "<object data=\"data:text/html,<script>alert('object')</script>\"></object>",
    "<details open ontoggle=\"alert('toggle')\"><summary>s</summary></details>",
    "<form action=\"javascript:alert('form')\"><button>go</button></form>",
    "<p style=\"background:url(javascript:alert('css'))\">styled</p>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">a data link</a>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')>",
])


def write_hostile_episode(episode: Path) -> None:
    """Make an episode.md's notes, title and summary script-injection attempts."""
    text = episode.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^title: .*$', lambda _: 'title: "Hostile \\"><img src=x onerror=alert(\'title\')>"', text, count=1)
    text = re.sub(r'(?m)^summary: "', lambda _: "summary: \"</script><script>alert('summary')</script> ", text, count=1)
    episode.write_text(text[:text.index("---", 4) + 4] + XSS_NOTES, encoding="utf-8")


def test_show_notes_render_nothing_executable(show: ShowCopy):
    write_hostile_episode(show.episode("just-forgiving"))
    assert show.run("build").exit_code == 0
    page = html.fromstring((show.output / "episodes/just-forgiving/index.html").read_bytes())
    scripts = page.xpath("//script")
    assert [(s.get("type"), s.get("src")) for s in scripts] == [
        (None, BASE + "site.js"), ("application/ld+json", None)]
    for element in page.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in {"svg", "iframe", "object", "embed", "form", "style", "math", "details", "base"}
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name in {"href", "src", "action", "data", "xlink:href", "srcset"}:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), (element.tag, value)
    notes = page.xpath('//div[@class="notes"]')[0]
    assert notes.xpath('.//a[@href="https://example.org/"]')
    assert notes.xpath(".//a[@data-start='5']")
    assert "alert('script')" not in html.tostring(page, encoding="unicode")
    (episode,) = _nodes(page, "PodcastEpisode")
    assert episode["description"].startswith("</script><script>alert('summary')</script> How Abu Bakr")
    assert page.findtext(".//h1") == "Hostile \"><img src=x onerror=alert('title')>"


def test_a_show_template_extends_the_default_as_the_readme_shows(show: ShowCopy):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```jinja\n(\{# templates/episode.html.*?)```", readme, re.S).group(1)
    templates = show.root / "templates"
    templates.mkdir()
    (templates / "episode.html").write_text(example, encoding="utf-8")
    (templates / "style.css").write_text('{% include "!default/style.css" %}\n.support { font-weight: bold; }\n',
                                         encoding="utf-8")
    assert show.run("build").exit_code == 0
    page = html.fromstring((show.output / "episodes/just-forgiving/index.html").read_bytes())
    assert page.findtext(".//h1") == "Just Forgiving"
    assert page.xpath('//p[@class="support"]/a/@href') == ["https://example.org/donate"]
    assert not html.fromstring((show.output / "index.html").read_bytes()).xpath('//p[@class="support"]')
    stylesheet = (show.output / "style.css").read_text(encoding="utf-8")
    assert stylesheet.startswith("/* One small stylesheet") and stylesheet.endswith(".support { font-weight: bold; }\n")


def test_a_broken_show_template_names_the_file_and_line(show: ShowCopy):
    templates = show.root / "templates"
    templates.mkdir()
    (templates / "404.html").write_text('{% extends "!default/404.html" %}\n{% block main %}\n{{ oops(}}\n',
                                        encoding="utf-8")
    result = show.run("build")
    assert result.exit_code == 1
    assert "404.html: line 3: " in result.stderr and "Traceback" not in result.output


def test_a_show_template_misusing_a_filter_is_an_error_not_a_traceback(show: ShowCopy):
    templates = show.root / "templates"
    templates.mkdir()
    (templates / "404.html").write_text('{% extends "!default/404.html" %}\n{% block main %}{{ 3 | join(1, 2, 3) }}'
                                        '{% endblock %}\n', encoding="utf-8")
    result = show.run("build")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: {templates / '404.html'}: line 2: TypeError: ")
    assert result.stderr.strip().endswith("(rendering 404.html); fix the template")
    assert not show.output.joinpath("feed.xml").exists()


@pytest.mark.parametrize(("template", "change", "message"), [
    # A mistake in a macro is named where it is, not by the page that called it.
    ("macros.html", ("card.model.summary", "card.model.sumary"),
     "line 21: 'podcaster.model.Episode object' has no attribute 'sumary' (rendering index.html); "
     "check the variable's name"),
    ("episode.html", ("<h1>{{ ep.title }}</h1>", "<h1>{{ ep.title }}{{ 1 // 0 }}</h1>"),
     "line 15: ZeroDivisionError: integer division or modulo by zero (rendering episode.html); fix the template"),
])
def test_a_runtime_mistake_in_a_show_template_names_its_file_and_line(show: ShowCopy, template, change, message):
    templates = show.root / "templates"
    templates.mkdir()
    default = (REPO / "templates" / template).read_text(encoding="utf-8")
    assert change[0] in default
    (templates / template).write_text(default.replace(change[0], change[1], 1), encoding="utf-8")
    result = show.run("build")
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: {templates / template}: {message}\n"


def test_transcript_problems_are_found_by_check(show: ShowCopy):
    transcript = show.root / "episodes/just-forgiving/transcript.vtt"
    transcript.write_text("WEBVTT\n\n1\n00:00:01.000 -> 00:00:02.000\nHello\n", encoding="utf-8")
    result = show.run("check")
    assert result.exit_code == 1
    assert ("episode.md: transcript: transcript.vtt: line 3: expected a timing like "
            "00:00:01.000 --> 00:00:04.000; fix the file") in result.stderr


def test_subscribe_links_and_page_size_are_checked(show: ShowCopy):
    with show.config.open("a", encoding="utf-8") as config:
        config.write('\n[site]\npage_size = 0\n\n[links]\napple = "podcasts.apple.com/podcast/id1"\n')
    result = show.run("check")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert lines == [
        f"Error: {show.config}: links.apple: 'podcasts.apple.com/podcast/id1' is not an http(s) URL; write it as https://…",
        f"Error: {show.config}: site.page_size: is 0; use a whole number from 1 up, e.g. 10",
    ]


def test_webvtt_and_subrip_cues(tmp_path: Path):
    from podcaster import transcripts

    vtt = tmp_path / "talk.vtt"
    vtt.write_text("\ufeffWEBVTT - a talk\nKind: captions\n\nSTYLE\n::cue { color: red }\n\n"
                   "NOTE a comment\n\nintro\n00:01.000 --> 00:04.500 align:start\n<v.loud Amina Khan>Welcome &amp; <i>peace</i></v>\n\n"
                   "1:02:03.250 --> 1:02:05.000\nSecond line\nof the cue\n", encoding="utf-8")
    assert transcripts.parse(vtt) == [
        transcripts.Cue(1.0, 4.5, "Welcome & peace", "Amina Khan"),
        transcripts.Cue(3723.25, 3725.0, "Second line of the cue"),
    ]
    srt = tmp_path / "talk.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:04,000\nHello\n\n2\n00:00:05,000 --> 00:00:06,500\n<b>There</b>\n",
                   encoding="utf-8")
    assert [(c.start, c.end, c.text) for c in transcripts.parse(srt)] == [(1.0, 4.0, "Hello"), (5.0, 6.5, "There")]
    srt.write_text("1\n00:00:05,000 --> 00:00:01,000\nBackwards\n", encoding="utf-8")
    with pytest.raises(ValueError, match="talk.srt: line 2: the cue ends before it starts"):
        transcripts.parse(srt)
    vtt.write_text("00:01.000 --> 00:02.000\nno header\n", encoding="utf-8")
    with pytest.raises(ValueError, match="does not start with a WEBVTT line"):
        transcripts.parse(vtt)


def test_iso_durations():
    from podcaster.render.jsonld import iso_duration

    assert [iso_duration(s) for s in (0, 33.6, 60, 3723.4, 7200)] == ["PT0S", "PT34S", "PT1M", "PT1H2M3S", "PT2H"]


def test_a_chapter_with_a_web_page_links_to_it(show: ShowCopy):
    show.edit("episodes/just-forgiving/episode.md", 'title: "Opening"',
              'title: "Opening"\n    url: "https://en.wikipedia.org/wiki/Forgiveness"')
    assert show.run("build").exit_code == 0
    page = html.fromstring((show.output / "episodes/just-forgiving/index.html").read_bytes())
    link = page.xpath('//a[@class="chapter-link"]')[0]
    assert (link.get("href"), link.text) == ("https://en.wikipedia.org/wiki/Forgiveness", "en.wikipedia.org")


NOTES_WITH_FILES = """
![A photo from the circle](photo.jpg "The circle")

The [slides](slides/talk%20one.pdf), [the next talk](../will-allah-forgive-me/), <img src="missing.png" alt="gone">
and [the cover](cover.jpg). To link a file yourself, write `<a href="slides.pdf">`.
"""


def test_files_the_notes_link_to_are_published_beside_the_page(show: ShowCopy):
    folder = show.root / "episodes/just-forgiving"
    shutil.copyfile(show.root / "episodes/artwork.jpg", folder / "photo.jpg")
    (folder / "slides").mkdir()
    (folder / "slides/talk one.pdf").write_bytes(b"%PDF-1.4 slides")
    (folder / "episode.md").write_text((folder / "episode.md").read_text(encoding="utf-8") + NOTES_WITH_FILES,
                                       encoding="utf-8")
    result = show.run("build")
    assert result.exit_code == 0, result.output
    assert (f"Warning: {folder / 'episode.md'}: show notes: they link to 'missing.png', which is not a file beside "
            "episode.md, so the page and the feed would link to nothing; add the file, or fix the address") \
        in result.stderr
    published = show.output / "episodes/just-forgiving"
    assert (published / "photo.jpg").read_bytes() == (folder / "photo.jpg").read_bytes()
    assert (published / "slides/talk one.pdf").read_bytes() == b"%PDF-1.4 slides"
    # On the page, the addresses stay as written and lead to those copies.
    page = html.fromstring((published / "index.html").read_bytes())
    notes = page.xpath('//div[@class="notes"]')[0]
    assert notes.xpath(".//img/@src")[0] == "photo.jpg"
    for address in notes.xpath(".//a/@href | .//img/@src"):
        if not address.startswith(("http", "#", "../", "missing")):
            assert (published / urllib.parse.unquote(address)).is_file(), address
    # In the feed, where there is no page to resolve them against, they are full URLs.
    feed = etree.parse(str(show.output / "feed.xml"))
    item = next(i for i in feed.iter("item") if i.findtext("title") == "Just Forgiving")
    notes_html = html.fromstring(item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded"))
    assert notes_html.xpath("//img/@src")[:1] == [f"{BASE}episodes/just-forgiving/photo.jpg"]
    assert {f"{BASE}episodes/just-forgiving/slides/talk%20one.pdf", f"{BASE}episodes/will-allah-forgive-me/",
            f"{BASE}episodes/just-forgiving/cover.jpg"} <= set(notes_html.xpath("//a/@href"))
    assert '<a href="slides.pdf">' in notes_html.text_content()  # an example in the text is text, not a link
    # A new photo under the same name is published on the next build.
    with Image.open(folder / "photo.jpg") as photo:
        photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / "photo.jpg", "JPEG")
    assert show.run("build").exit_code == 0
    assert (published / "photo.jpg").read_bytes() == (folder / "photo.jpg").read_bytes()


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("he-IL", "rtl"), ("en", "ltr"), ("fr-CA", "ltr")])
def test_pages_run_in_the_direction_of_the_shows_language(show: ShowCopy, language, direction):
    show.edit("podcast.toml", 'language = "en"', f'language = "{language}"')
    assert show.run("build").exit_code == 0
    for key in ("index.html", "episodes/just-forgiving/index.html", "archive/index.html"):
        root = html.fromstring((show.output / key).read_bytes()).getroottree().getroot()
        assert (root.get("lang"), root.get("dir")) == (language, direction), key
    stylesheet = (show.output / "style.css").read_text(encoding="utf-8")
    # Sides are the start and end of the line, which an rtl page swaps, not left and right.
    assert not re.search(r"(?<![\w-])(?:left|right)\b|-(?:left|right)\b", stylesheet)


def test_what_podcasters_own_code_raises_under_a_template_is_not_called_a_template_mistake(tmp_path: Path):
    from podcaster import markers, timecodes
    from podcaster.errors import EpisodeError
    from podcaster.render.templates import Templates

    (tmp_path / "own.html").write_text("{{ call(argument) }}\n", encoding="utf-8")
    templates = Templates(tmp_path)
    # A bug of ours (here, a ValueError from podcaster's code) keeps its traceback: it is not the template's.
    with pytest.raises(ValueError):
        templates.render("own.html", call=timecodes.parse, argument="not a time")
    # A message of ours for the producer passes as it is, not wrapped as a template's mistake.
    with pytest.raises(EpisodeError, match="no such markers file"):
        templates.render("own.html", call=markers.read, argument=tmp_path / "gone.txt")
    # The template's own mistake is the template's.
    with pytest.raises(Exception, match=r"own\.html: line 1: ZeroDivisionError"):
        templates.render("own.html", call=lambda value: 1 // value, argument=0)


def test_notes_never_publish_a_file_from_outside_the_episodes_folder(show: ShowCopy, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the producer's AWS keys", encoding="utf-8")
    folder = show.root / "episodes/just-forgiving"
    (folder / "linked.txt").symlink_to(secret)
    encoded = "%2F".join(str(secret).split("/"))  # "/tmp/…/secret.txt" with its slashes encoded
    (folder / "episode.md").write_text((folder / "episode.md").read_text(encoding="utf-8")
                                       + f"\n[a]({encoded}) [b](linked.txt) [c](..%2F..%2F..%2Fsecret.txt)\n",
                                       encoding="utf-8")
    result = show.run("build")
    assert result.exit_code == 0, result.output
    assert "they link to 'linked.txt', a link that leads out of the episode's folder" in result.stderr
    published = [p for p in show.output.rglob("*") if p.is_file() and p.read_bytes() == secret.read_bytes()]
    assert published == []


def test_a_file_added_after_the_warning_is_published_by_the_next_build(show: ShowCopy):
    folder = show.root / "episodes/just-forgiving"
    (folder / "episode.md").write_text((folder / "episode.md").read_text(encoding="utf-8")
                                       + "\n![A photo](photo.jpg)\n", encoding="utf-8")
    assert "they link to 'photo.jpg', which is not a file" in show.run("build").stderr
    shutil.copyfile(show.root / "episodes/artwork.jpg", folder / "photo.jpg")
    result = show.run("build")
    assert "photo.jpg" not in result.stderr
    assert (show.output / "episodes/just-forgiving/photo.jpg").read_bytes() == (folder / "photo.jpg").read_bytes()


def test_notes_may_link_to_what_the_episode_publishes_anyway(show: ShowCopy):
    """The transcript and the cover are published where the notes' addresses lead: not copied twice."""
    folder = show.root / "episodes/will-allah-forgive-me"
    (folder / "transcripts").mkdir()
    shutil.move(folder / "transcript.vtt", folder / "transcripts/transcript.vtt")
    show.edit("episodes/will-allah-forgive-me/episode.md", "  - transcript.vtt\n", "  - transcripts/transcript.vtt\n")
    (folder / "episode.md").write_text((folder / "episode.md").read_text(encoding="utf-8")
                                       + "\n[The transcript](transcripts/transcript.vtt), [the cover](cover.jpg)\n",
                                       encoding="utf-8")
    assert show.run("--strict", "check").exit_code == 0
    result = show.run("build")
    assert result.exit_code == 0, result.output
    assert (show.output / "episodes/will-allah-forgive-me/transcripts/transcript.vtt").read_bytes() == \
        (folder / "transcripts/transcript.vtt").read_bytes()


@pytest.mark.parametrize("notes", [
    "A claim.[^1]\n\n[^1]: The book of it, page 12.\n",  # a footnote, as many write them
    "[Note]: we went home early.\n",  # not a reference: prose after the address
    "Write `![alt](picture.png)` to show a picture.\n",  # an example in code
    "```\n<img src=\"example.png\">\n```\n",
])
def test_what_only_looks_like_a_link_to_a_file_is_not_one(show: ShowCopy, notes):
    folder = show.root / "episodes/just-forgiving"
    (folder / "episode.md").write_text((folder / "episode.md").read_text(encoding="utf-8") + "\n" + notes,
                                       encoding="utf-8")
    result = show.run("--strict", "check")
    assert result.exit_code == 0, result.output


def test_a_mistake_in_a_template_folder_reached_through_dot_dot_is_traced_to_it(show: ShowCopy):
    theme = show.root.parent / "theme"
    theme.mkdir()
    (theme / "404.html").write_text('{% extends "!default/404.html" %}\n{% block main %}{{ nope }}{% endblock %}\n',
                                    encoding="utf-8")
    show.edit("podcast.toml", "[publish]", '[paths]\ntemplates = "../theme"\n\n[publish]')
    result = show.run("build")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {theme / '404.html'}: line 2: 'nope' is undefined (rendering 404.html); "
                             "check the variable's name\n")
    # A template that is a link to one elsewhere is named where the show has it.
    templates = show.root / "templates"
    templates.mkdir()
    (templates / "404.html").symlink_to(theme / "404.html")
    show.edit("podcast.toml", 'templates = "../theme"', 'templates = "templates"')
    assert show.run("build").stderr == (f"Error: {templates / '404.html'}: line 2: 'nope' is undefined "
                                        "(rendering 404.html); check the variable's name\n")


def test_control_characters_in_a_transcript_are_left_out_of_the_page(show: ShowCopy):
    transcript = show.root / "episodes/will-allah-forgive-me/transcript.vtt"
    transcript.write_text(transcript.read_text(encoding="utf-8").rstrip("\n")
                          + "\n\n00:00:15.000 --> 00:00:16.000\nA bell\x07 rings.\n", encoding="utf-8")
    result = show.run("build")
    assert result.exit_code == 0, result.output
    assert ("transcript: transcript.vtt contains the control character U+0007, which a page cannot hold, so the page "
            "leaves it out: remove it") in result.stderr
    page = (show.output / "episodes/will-allah-forgive-me/index.html").read_text(encoding="utf-8")
    assert "A bell rings." in page and "\x07" not in page


def test_addresses_are_read_as_markdown_and_browsers_read_them(show: ShowCopy):
    folder = show.root / "episodes/just-forgiving"
    for name in ("sales&region.pdf", "diagram.jpg", "my_photo.jpg"):
        (folder / name).write_bytes(b"a file")
    (folder / "episode.md").write_text(
        (folder / "episode.md").read_text(encoding="utf-8")
        + '\n[Sales](sales&region.pdf), <img alt="before > after" src="diagram.jpg">, [photo](my\\_photo.jpg),'
        " [player](https://player.example.org/embed?src=notes)\n", encoding="utf-8")
    result = show.run("--strict", "build")
    assert result.exit_code == 0, result.output
    for name in ("sales&region.pdf", "diagram.jpg", "my_photo.jpg"):
        assert (show.output / "episodes/just-forgiving" / name).read_bytes() == b"a file", name


def test_only_files_the_page_links_to_are_published_and_never_a_hidden_one(show: ShowCopy):
    """An address in an indented code example, or in a reference no link uses, is no link on the
    page: the file it names (a draft, an .env with keys) stays home."""
    folder = show.root / "episodes/just-forgiving"
    for name in ("private-notes.txt", "example.txt", ".env", ".secret", "shown.pdf"):
        (folder / name).write_text(f"{name} content", encoding="utf-8")
    (folder / "episode.md").write_text(
        (folder / "episode.md").read_text(encoding="utf-8")
        + "\nTo link a file, write:\n\n    [my example](example.txt) [or](.secret)\n\n"
        "[drafts]: private-notes.txt\n\n[The slides][slides] and [keys](.env).\n\n[slides]: shown.pdf\n",
        encoding="utf-8")
    result = show.run("build")
    assert result.exit_code == 0, result.output
    assert (f"Warning: {folder / 'episode.md'}: show notes: they link to '.env', a hidden file, which is not "
            "published; give it a name without a leading dot") in result.stderr
    assert "'.secret'" not in result.stderr  # no link on the page, so nothing to warn of
    published = show.output / "episodes/just-forgiving"
    assert (published / "shown.pdf").read_text(encoding="utf-8") == "shown.pdf content"
    for name in ("private-notes.txt", "example.txt", ".env", ".secret"):
        assert not (published / name).exists(), name


def test_a_nul_or_an_overlong_name_in_the_notes_is_a_warning_not_a_crash(show: ShowCopy):
    folder = show.root / "episodes/just-forgiving"
    (folder / "episode.md").write_text((folder / "episode.md").read_text(encoding="utf-8")
                                       + f"\n[a](a%00b.txt) [b]({'x' * 300}.pdf)\n", encoding="utf-8")
    result = show.run("build")
    assert result.exit_code == 0, result.output
    assert f"they link to '{'x' * 300}.pdf', which is not a file" in result.stderr


def test_audio_and_images_may_live_outside_the_episodes_folder(show: ShowCopy):
    """A cover the show shares, a recording annexed on another disk: read as images and audio, they
    cannot leak a file."""
    shared = show.root / "shared-cover.jpg"
    shutil.copyfile(show.root / "episodes/just-forgiving/cover.jpg", shared)
    show.edit("episodes/just-forgiving/episode.md", "cover: cover.jpg", "cover: ../../shared-cover.jpg")
    recording = show.root / "episodes/just-forgiving/episode.mp3"
    annexed = show.root / "annex" / "episode.mp3"
    annexed.parent.mkdir()
    shutil.move(recording, annexed)
    recording.symlink_to(annexed)
    assert show.run("--strict", "check").exit_code == 0
    assert show.run("build").exit_code == 0
    assert (show.output / "episodes/just-forgiving/cover.jpg").read_bytes() == shared.read_bytes()


def test_front_matter_files_must_be_in_the_episodes_folder(show: ShowCopy, tmp_path: Path):
    secret = tmp_path / "credentials.json"
    secret.write_text('{"key": "the producer\'s"}', encoding="utf-8")
    folder = show.root / "episodes/will-allah-forgive-me"
    (folder / "linked.json").symlink_to(secret)
    for named in (str(secret), "linked.json", "../../../credentials.json"):
        show.edit("episodes/will-allah-forgive-me/episode.md", "  - file: transcript.json\n", f"  - file: {named}\n")
        result = show.run("check")
        assert result.exit_code == 1, named
        assert (f"transcript: {named!r} leads out of the episode's folder (by its path or a symbolic link), "
                "and a file published as it is must be in it; copy the file into the folder") in result.stderr
        show.edit("episodes/will-allah-forgive-me/episode.md", f"  - file: {named}\n", "  - file: transcript.json\n")
