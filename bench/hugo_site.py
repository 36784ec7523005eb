#!/usr/bin/env python3
"""Turn a podcaster show into the Hugo site a producer would build instead, for the side-by-side timings.

    python bench/hugo_site.py SHOW_DIR SITE_DIR        # then: hugo --source SITE_DIR

Each `episodes/<slug>/episode.md` becomes a page bundle `content/episodes/<slug>/index.md`: its
front matter as Hugo front matter (JSON), its notes unchanged (Hugo renders the Markdown with
goldmark), its audio and cover beside it as page resources, so Hugo publishes them like podcaster
publishes its copies. A minimal theme written here renders what podcaster renders: a page per
episode (title, date, speakers, audio player, chapters, notes), a home page listing every episode,
and the home RSS feed with every episode's enclosure, iTunes tags and full notes. Taxonomies, the
sitemap, robots.txt and the 404 page are turned off, as podcaster writes none of them.

Hugo cannot probe audio, so the enclosure length is the file's size and the duration is read once
per distinct file size with ffprobe, written into the front matter.

Needs PyYAML (podcaster's own dependency) to read the front matter.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tomllib
from datetime import date, datetime
from pathlib import Path

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SINGLE_HTML = """<!DOCTYPE html>
<html lang="{{ site.LanguageCode }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ site.Title }}</title>
<meta name="description" content="{{ .Params.summary | truncate 155 }}">
<link rel="alternate" type="application/rss+xml" title="{{ site.Title }}" href="{{ "index.xml" | absURL }}">
<link rel="stylesheet" href="{{ "style.css" | absURL }}">
</head>
<body>
<header class="site"><a class="show-title" href="{{ site.BaseURL }}">{{ site.Title }}</a></header>
<main id="main">
<article class="episode">
  <h1>{{ .Title }}</h1>
  <p class="meta">
    <time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format "2 January 2006" }}</time>
    {{ with .Params.number }}· Episode {{ . }}{{ end }}
    {{ with .Params.series }}· {{ . }}{{ end }}
  </p>
  <p class="speakers">With {{ delimit .Params.speakers ", " }}</p>
  {{ $cover := .Resources.GetMatch "cover.*" }}
  <img class="cover" src="{{ with $cover }}{{ .Permalink }}{{ else }}{{ "artwork.jpg" | absURL }}{{ end }}" alt="Cover of {{ .Title }}" width="200" height="200">
  {{ with .Resources.GetMatch "episode.*" }}
  <audio controls preload="metadata" src="{{ .Permalink }}"><a href="{{ .Permalink }}">Download the episode</a></audio>
  {{ end }}
  {{ with .Params.chapters }}
  <h2>Chapters</h2>
  <ol class="chapters">
    {{ range . }}<li><time>{{ .start }}</time> {{ .title }}</li>
    {{ end }}
  </ol>
  {{ end }}
  <div class="notes">
{{ .Content }}
  </div>
</article>
</main>
<footer class="site"><p>{{ site.Copyright }}</p></footer>
</body>
</html>
"""

LIST_HTML = """<!DOCTYPE html>
<html lang="{{ site.LanguageCode }}">
<head>
<meta charset="utf-8">
<title>{{ site.Title }}</title>
<link rel="alternate" type="application/rss+xml" title="{{ site.Title }}" href="{{ "index.xml" | absURL }}">
<link rel="stylesheet" href="{{ "style.css" | absURL }}">
</head>
<body>
<main id="main">
<h1>{{ site.Title }}</h1>
<p>{{ site.Params.description }}</p>
<ol class="episodes" reversed>
{{ range site.RegularPages.ByDate.Reverse }}
  <li>
    <a href="{{ .Permalink }}">{{ .Title }}</a>
    <time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format "2 January 2006" }}</time>
    <p>{{ .Params.summary }}</p>
  </li>
{{ end }}
</ol>
</main>
</body>
</html>
"""

RSS_XML = """{{ printf "<?xml version=\\"1.0\\" encoding=\\"UTF-8\\"?>" | safeHTML }}
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{{ site.Title }}</title>
<link>{{ site.BaseURL }}</link>
<description>{{ site.Params.description }}</description>
<language>{{ site.LanguageCode }}</language>
<copyright>{{ site.Copyright }}</copyright>
<atom:link href="{{ "index.xml" | absURL }}" rel="self" type="application/rss+xml"/>
<itunes:author>{{ site.Params.author }}</itunes:author>
<itunes:image href="{{ "artwork.jpg" | absURL }}"/>
<itunes:category text="{{ site.Params.category }}"/>
<itunes:explicit>false</itunes:explicit>
{{ range site.RegularPages.ByDate.Reverse }}{{ $page := . }}
<item>
<title>{{ .Title }}</title>
<guid isPermaLink="false">{{ .Params.guid }}</guid>
<link>{{ .Permalink }}</link>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
<description>{{ .Params.summary }}</description>
<content:encoded>{{ printf "<![CDATA[%s]]>" .Content | safeHTML }}</content:encoded>
{{ with .Resources.GetMatch "episode.*" }}<enclosure url="{{ .Permalink }}" length="{{ $page.Params.audio_length }}" type="{{ .MediaType }}"/>{{ end }}
<itunes:title>{{ .Title }}</itunes:title>
<itunes:duration>{{ .Params.duration }}</itunes:duration>
<itunes:episodeType>{{ .Params.episode_type }}</itunes:episodeType>
{{ with .Params.season }}<itunes:season>{{ . }}</itunes:season>{{ end }}
{{ with .Params.number }}<itunes:episode>{{ . }}</itunes:episode>{{ end }}
</item>
{{ end }}
</channel>
</rss>
"""


def hugo_config(show: dict) -> str:
    params = {"description": show["description"], "author": show["author"], "category": show["category"]}
    return "\n".join([
        f"baseURL = {json.dumps(show['publish']['public_url'])}",
        f"title = {json.dumps(show['title'])}",
        f"languageCode = {json.dumps(show['language'])}",
        f"copyright = {json.dumps(show['copyright'])}",
        'disableKinds = ["taxonomy", "term", "section", "sitemap", "robotsTXT", "404"]',
        "[outputs]",
        'home = ["HTML", "RSS"]',
        'page = ["HTML"]',
        "[params]",
        *(f"{key} = {json.dumps(value)}" for key, value in params.items()),
        "",
    ])


def convert(show_dir: Path, site_dir: Path) -> int:
    """Write the Hugo twin of the show at `show_dir` into `site_dir` (replaced); returns the page count."""
    show = tomllib.loads((show_dir / "podcast.toml").read_text(encoding="utf-8"))
    if site_dir.exists():
        shutil.rmtree(site_dir)
    layouts = site_dir / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "single.html").write_text(SINGLE_HTML, encoding="utf-8")
    (layouts / "list.html").write_text(LIST_HTML, encoding="utf-8")
    (layouts / "rss.xml").write_text(RSS_XML, encoding="utf-8")
    (site_dir / "hugo.toml").write_text(hugo_config(show), encoding="utf-8")
    static = site_dir / "static"
    static.mkdir()
    shutil.copyfile(show_dir / show["artwork"], static / "artwork.jpg")
    (static / "style.css").write_text("body { font-family: sans-serif; max-width: 40em; margin: auto; }\n")
    durations: dict[int, str] = {}
    pages = 0
    episodes_dir = show_dir / show.get("paths", {}).get("episodes", "episodes")
    for source in sorted(episodes_dir.glob("*/episode.md")):
        convert_episode(source, site_dir / "content" / "episodes" / source.parent.name, durations)
        pages += 1
    return pages


def convert_episode(source: Path, bundle: Path, durations: dict[int, str]) -> None:
    text = source.read_text(encoding="utf-8")
    _, front, notes = text.split("---\n", 2)
    data = yaml.load(front, Loader=_Loader)
    bundle.mkdir(parents=True)
    audio = source.parent / data["audio"]
    size = audio.stat().st_size
    if size not in durations:
        durations[size] = _duration(audio)
    hugo_front = {
        "title": data["title"],
        "date": _iso(data["date"]),
        "guid": str(data["guid"]),
        "summary": data["summary"],
        "speakers": data["speakers"],
        "number": data.get("number"),
        "season": data.get("season"),
        "episode_type": data.get("type", "full"),
        "explicit": data.get("explicit", False),
        "series": data.get("series"),
        "chapters": data.get("chapters", []),
        "audio_length": size,
        "duration": durations[size],
        "draft": data.get("draft", False),
    }
    hugo_front = {key: value for key, value in hugo_front.items() if value is not None}
    (bundle / "index.md").write_text(json.dumps(hugo_front, indent=1) + "\n" + notes, encoding="utf-8")
    _link(audio, bundle / f"episode{audio.suffix.lower()}")
    if data.get("cover"):
        cover = source.parent / data["cover"]
        _link(cover, bundle / f"cover{cover.suffix.lower()}")


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def _duration(audio: Path) -> str:
    seconds = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                              str(audio)], check=True, capture_output=True, text=True).stdout.strip()
    return str(round(float(seconds)))


def _link(source: Path, destination: Path) -> None:
    # A hard link where the file system allows it: the twin needs the bytes, not a second copy on disk.
    try:
        os.link(source, destination)
    except OSError:
        shutil.copyfile(source, destination)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("show", type=Path, help="the show's folder (with podcast.toml)")
    parser.add_argument("site", type=Path, help="the Hugo site to write (replaced)")
    args = parser.parse_args()
    pages = convert(args.show, args.site)
    print(f"wrote a Hugo site of {pages} episode pages into {args.site}")


if __name__ == "__main__":
    main()
