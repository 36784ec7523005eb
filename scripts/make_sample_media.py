#!/usr/bin/env python3
"""Regenerate the media of the sample show in `episodes/` from the episodes' front matter.

This is a maintainer tool. podcaster never imports it and nothing in it is needed at
runtime: it exists so that the audio and images committed with the sample show can be
rebuilt, and reviewed, from the text that describes them.

For each `episodes/<slug>/episode.md` it reads the YAML front matter and writes:

* the file named by `audio` (`.mp3`, or `.m4a` for AAC): espeak-ng reads the show name,
  episode number, title, speakers, series and summary, then each chapter title, every
  chapter placed exactly at its `start` so the chapter marks fall on the spoken words.
  MP3 is 32 kbit/s CBR, AAC asks ffmpeg for 32 kbit/s; both are mono at 22,050 Hz and
  carry no metadata (podcaster writes the tags).
* each file named by `alternates` (`.opus`): the same narration in another encoding, 24 kbit/s Opus.
* each file named by `transcript` (`.vtt`, `.srt`, `.json`, `.html` or `.txt`): what the narration
  says, one cue per spoken segment, timed from where the segment starts to where its words end.
* the file named by `cover`, if any: a 1400x1400 RGB JPEG in a colour of its own, showing the
  episode number, title and speakers.

It also writes `episodes/artwork.jpg`, the show's 1400x1400 artwork.

Requirements: `espeak-ng` and `ffmpeg` on PATH, and the Python packages Pillow and PyYAML.
For given versions of those tools the output is byte-for-byte reproducible.

Usage:
    python scripts/make_sample_media.py                 # every episode, and the artwork
    python scripts/make_sample_media.py just-forgiving  # only the episodes named
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFont

SHOW_TITLE = "Forgiveness: Talks from the Path"
EPISODES_DIR = Path(__file__).resolve().parent.parent / "episodes"

VOICE = "en-us"
WORDS_PER_MINUTE = 150
SAMPLE_RATE = 22050
TAIL_SECONDS = 0.75  # silence after the last words
ENCODERS = {
    ".mp3": ["-codec:a", "libmp3lame", "-b:a", "32k", "-id3v2_version", "0", "-write_id3v1", "0"],
    ".m4a": ["-c:a", "aac", "-b:a", "32k", "-movflags", "+faststart"],
}
ALTERNATE_ENCODERS = {
    ".opus": ["-c:a", "libopus", "-b:a", "24k", "-ar", "48000"],
}
NARRATOR = "Narrator"  # the synthetic voice that reads every episode

SIZE = 1400
SCALE = 2  # images are drawn at twice the size, then reduced, for smooth edges
MARGIN = 110
CREAM = (246, 236, 214)
GOLD = (226, 190, 112)
# (top-left colour, bottom-right colour) of each cover's gradient, by episode number.
PALETTE = [
    ((8, 52, 62), (28, 112, 116)),  # teal
    ((26, 28, 74), (72, 66, 146)),  # indigo
    ((74, 14, 34), (146, 44, 66)),  # burgundy
    ((14, 54, 34), (46, 114, 74)),  # forest
    ((84, 46, 10), (168, 108, 34)),  # amber
    ((56, 18, 66), (122, 54, 134)),  # plum
    ((18, 44, 84), (52, 102, 162)),  # slate blue
    ((100, 36, 22), (178, 92, 60)),  # terracotta
    ((50, 56, 18), (112, 122, 46)),  # olive
]
ARTWORK_COLOURS = ((10, 18, 44), (34, 52, 102))
SERIF_BOLD = "DejaVuSerif-Bold.ttf"
SANS = "DejaVuSans.ttf"
FONT_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts"]


# --- front matter -------------------------------------------------------------------------


def front_matter(episode_md: Path) -> dict:
    """The YAML between the opening and closing `---` lines of an episode.md."""
    text = episode_md.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise SystemExit(f"{episode_md}: no front matter (the file must start with a --- line)")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise SystemExit(f"{episode_md}: front matter is not closed by a --- line")
    return yaml.safe_load(text[4:end])


def seconds(value: object) -> float:
    """A chapter start, "MM:SS" or "HH:MM:SS" (seconds may be fractional), or plain seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    total = 0.0
    for part in str(value).split(":"):
        total = total * 60 + float(part)
    return total


# --- audio --------------------------------------------------------------------------------


def speakable(text: str) -> str:
    """Text as espeak-ng should read it: '93:5' as a verse, '#YourRamadanHub' as words."""
    text = re.sub(r"\b(\d{1,3}):(\d{1,3})\b", r"chapter \1, verse \2", text)
    text = text.replace("&", " and ").replace("#", "")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)


def speak(text: str, workdir: Path) -> bytes:
    """16-bit mono PCM at SAMPLE_RATE of espeak-ng reading `text`."""
    wav_path = workdir / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-w", str(wav_path), "--stdin"],
        input=speakable(text).encode("utf-8"), check=True,
    )
    with wave.open(str(wav_path), "rb") as wav:
        if (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) != (1, 2, SAMPLE_RATE):
            raise SystemExit(f"espeak-ng wrote an unexpected WAV format: {wav.getparams()}")
        return wav.readframes(wav.getnframes())


def sentence(text: str) -> str:
    """`text` ending in a full stop, unless it already ends in punctuation."""
    text = str(text).strip()
    return text if text[-1:] in ".?!" else text + "."


def narration(meta: dict) -> list[tuple[float, str, str]]:
    """(start in seconds, label, text) of each spoken segment, in order."""
    speakers = " and ".join(meta["speakers"])
    label = f"Episode {meta['number']}." if meta.get("number") else f"{str(meta.get('type', 'episode')).capitalize()}."
    intro = [f"{SHOW_TITLE}. {label}", sentence(meta["title"]), f"With {speakers}."]
    if meta.get("series"):
        intro.append(sentence(f"From the series: {meta['series']}"))
    intro.append(sentence(meta["summary"]))
    segments = [(0.0, "introduction", " ".join(intro))]
    for chapter in meta.get("chapters") or []:
        start = seconds(chapter["start"])
        if start > 0:  # a chapter at 00:00 is the introduction itself
            segments.append((start, f"chapter {chapter['title']!r}", sentence(chapter["title"])))
    return segments


def make_audio(meta: dict, out: Path, workdir: Path, alternates: list[Path]) -> tuple[float, list[tuple[float, float, str]]]:
    """Write the narration to `out` (MP3 or M4A by its suffix) and to each of `alternates`; return
    its length in seconds and each spoken segment as (start, end of its words, text)."""
    if out.suffix not in ENCODERS:
        raise SystemExit(f"{out}: audio must end in {' or '.join(ENCODERS)}")
    for alternate in alternates:
        if alternate.suffix not in ALTERNATE_ENCODERS:
            raise SystemExit(f"{alternate}: alternates must end in {' or '.join(ALTERNATE_ENCODERS)}")
    pcm = bytearray()
    cues = []
    for start, label, text in narration(meta):
        offset = 2 * round(start * SAMPLE_RATE)
        if offset < len(pcm):
            needed = math.ceil(len(pcm) / 2 / SAMPLE_RATE)
            raise SystemExit(
                f"{out.parent.name}: {label} starts at {start:g}s but the words before it run until "
                f"{len(pcm) / 2 / SAMPLE_RATE:.1f}s; move its start to {needed // 60:02d}:{needed % 60:02d} or later"
            )
        pcm.extend(bytes(offset - len(pcm)))
        pcm.extend(speak(text, workdir))
        cues.append((start, len(pcm) / 2 / SAMPLE_RATE, text))
    pcm.extend(bytes(2 * round(TAIL_SECONDS * SAMPLE_RATE)))

    wav_path = workdir / "narration.wav"
    with wave.open(str(wav_path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(bytes(pcm))
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav_path),
         "-map_metadata", "-1", "-ac", "1", "-ar", str(SAMPLE_RATE), *ENCODERS[out.suffix],
         "-fflags", "+bitexact", "-flags:a", "+bitexact", str(out)],
        check=True,
    )
    for alternate in alternates:
        subprocess.run(
            ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav_path),
             "-map_metadata", "-1", "-ac", "1", *ALTERNATE_ENCODERS[alternate.suffix],
             "-fflags", "+bitexact", "-flags:a", "+bitexact", str(alternate)],
            check=True,
        )
    return len(pcm) / 2 / SAMPLE_RATE, cues


# --- transcripts --------------------------------------------------------------------------


def clock(seconds: float, separator: str = ".") -> str:
    """HH:MM:SS.mmm (VTT) or HH:MM:SS,mmm (SRT)."""
    millis = round(seconds * 1000)
    return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}{separator}{millis % 1000:03d}"


def transcript(cues: list[tuple[float, float, str]], suffix: str) -> str:
    """The narration's cues as a transcript in the format `suffix` names (the namespace's four, and text)."""
    if suffix == ".vtt":
        return "WEBVTT\n\n" + "".join(f"{clock(a)} --> {clock(b)}\n<v {NARRATOR}>{text}\n\n" for a, b, text in cues)
    if suffix == ".srt":
        return "".join(f"{n}\n{clock(a, ',')} --> {clock(b, ',')}\n{text}\n\n" for n, (a, b, text) in enumerate(cues, 1))
    if suffix == ".json":
        segments = [{"speaker": NARRATOR, "startTime": round(a, 3), "endTime": round(b, 3), "body": text}
                    for a, b, text in cues]
        return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False, indent=2) + "\n"
    if suffix == ".html":
        return "".join(f"<cite>{NARRATOR}:</cite>\n<time>{int(a) // 60}:{int(a) % 60:02d}</time>\n<p>{html.escape(text)}</p>\n"
                       for a, _, text in cues)
    if suffix == ".txt":
        return "".join(f"{text}\n\n" for _, _, text in cues)
    raise SystemExit(f"transcripts must end in .vtt, .srt, .json, .html or .txt, not {suffix}")


def file_names(value: object) -> list[str]:
    """The file names of a front matter entry that is a name, or a list of names or {file: …} entries."""
    items = [value] if isinstance(value, (str, dict)) else list(value or [])
    return [item["file"] if isinstance(item, dict) else item for item in items]


# --- images -------------------------------------------------------------------------------


def font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A TrueType font found under the usual font folders, else Pillow's built-in font."""
    for folder in FONT_DIRS:
        for path in sorted(Path(folder).rglob(name)) if Path(folder).is_dir() else []:
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def gradient(top_left: tuple, bottom_right: tuple, size: int) -> Image.Image:
    """A square RGB image shading diagonally from one colour to the other."""
    mask = Image.linear_gradient("L").rotate(45, resample=Image.BICUBIC, expand=True)
    side = mask.width
    mask = mask.crop((side // 4, side // 4, side - side // 4, side - side // 4)).resize((size, size), Image.BICUBIC)
    return Image.composite(Image.new("RGB", (size, size), bottom_right), Image.new("RGB", (size, size), top_left), mask)


def star(centre: tuple[float, float], radius: float) -> list[list[tuple[float, float]]]:
    """The two overlapping squares of an eight-pointed star, as two closed polygons."""
    x, y = centre
    return [
        [(x + radius * math.cos(math.radians(a + turn)), y + radius * math.sin(math.radians(a + turn)))
         for a in (0, 90, 180, 270)]
        for turn in (0, 45)
    ]


def draw_star(draw: ImageDraw.ImageDraw, centre, radius, colour, width) -> None:
    for square in star(centre, radius):
        draw.polygon(square, outline=colour, width=width)


def lattice(size: int, spacing: int, colour: tuple, alpha: int) -> Image.Image:
    """A faint tiling of small stars, as a transparent overlay."""
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for row in range(-1, size // spacing + 2):
        for col in range(-1, size // spacing + 2):
            centre = (col * spacing + (spacing // 2 if row % 2 else 0), row * spacing)
            draw_star(draw, centre, spacing * 0.3, (*colour, alpha), max(1, spacing // 60))
    return layer


def fit_text(draw, text: str, font_name: str, width: int, height: int, largest: int, smallest: int):
    """The largest font size (and the wrapped lines) at which `text` fits the box."""
    for size in range(largest, smallest - 1, -2 * SCALE):
        face = font(font_name, size)
        lines: list[str] = []
        for word in text.split():
            if lines and draw.textlength(f"{lines[-1]} {word}", font=face) <= width:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        line_height = round(size * 1.2)
        if len(lines) * line_height <= height and all(draw.textlength(line, font=face) <= width for line in lines):
            return face, lines, line_height
    return face, lines, line_height


def canvas(colours: tuple) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    size = SIZE * SCALE
    image = gradient(*colours, size).convert("RGBA")
    image.alpha_composite(lattice(size, 280 * SCALE, CREAM, 14))
    image = image.convert("RGB")
    return image, ImageDraw.Draw(image, "RGBA")  # "RGBA": translucent colours blend


def save_jpeg(image: Image.Image, out: Path) -> None:
    image = image.resize((SIZE, SIZE), Image.LANCZOS)
    image.save(out, "JPEG", quality=78, optimize=True)


def make_cover(meta: dict, out: Path) -> None:
    s = SCALE
    number = int(meta["number"])
    image, draw = canvas(PALETTE[(number - 1) % len(PALETTE)])
    draw.text((SIZE * s // 2, 100 * s), SHOW_TITLE.upper(), font=font(SANS, 40 * s), fill=CREAM, anchor="ma")

    centre = (SIZE * s // 2, 495 * s)
    draw.ellipse([c - 285 * s for c in centre] + [c + 285 * s for c in centre], outline=(*GOLD, 110), width=3 * s)
    draw_star(draw, centre, 255 * s, GOLD, 6 * s)
    draw.text(centre, str(number), font=font(SERIF_BOLD, 220 * s), fill=CREAM, anchor="mm")

    face, lines, line_height = fit_text(draw, meta["title"], SERIF_BOLD, (SIZE - 2 * MARGIN) * s, 330 * s, 92 * s, 44 * s)
    top = 1000 * s - len(lines) * line_height // 2  # centred in the band between star and rule
    for i, line in enumerate(lines):
        draw.text((SIZE * s // 2, top + i * line_height), line, font=face, fill=CREAM, anchor="ma")

    draw.line([(MARGIN * s, 1200 * s), ((SIZE - MARGIN) * s, 1200 * s)], fill=GOLD, width=2 * s)
    byline = ", ".join(meta["speakers"])
    draw.text((SIZE * s // 2, 1240 * s), byline, font=font(SANS, 44 * s), fill=CREAM, anchor="ma")
    save_jpeg(image, out)


def make_artwork(out: Path) -> None:
    s = SCALE
    image, draw = canvas(ARTWORK_COLOURS)
    centre = (SIZE * s // 2, 520 * s)
    for radius, width in ((400, 4), (330, 8)):
        draw_star(draw, centre, radius * s, GOLD, width * s)
    draw.ellipse([c - 210 * s for c in centre] + [c + 210 * s for c in centre], outline=GOLD, width=4 * s)
    name, _, subtitle = SHOW_TITLE.partition(": ")
    draw.text((SIZE * s // 2, 1060 * s), name, font=font(SERIF_BOLD, 150 * s), fill=CREAM, anchor="mm")
    draw.text((SIZE * s // 2, 1210 * s), subtitle, font=font(SANS, 72 * s), fill=GOLD, anchor="mm")
    save_jpeg(image, out)


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("slugs", nargs="*", help="only these episodes (default: all, and the artwork)")
    parser.add_argument("--episodes", type=Path, default=EPISODES_DIR, help="the episodes folder")
    args = parser.parse_args(argv)

    sources = sorted(args.episodes.glob("*/episode.md"))
    if args.slugs:
        sources = [md for md in sources if md.parent.name in args.slugs]
        missing = set(args.slugs) - {md.parent.name for md in sources}
        if missing:
            raise SystemExit(f"no such episode: {', '.join(sorted(missing))}")
    with tempfile.TemporaryDirectory() as tmp:
        for md in sources:
            meta = front_matter(md)
            alternates = [md.parent / name for name in file_names(meta.get("alternates"))]
            duration, cues = make_audio(meta, md.parent / meta["audio"], Path(tmp), alternates)
            made = [f"{meta['audio']} ({duration:.1f}s)", *(a.name for a in alternates)]
            for name in file_names(meta.get("transcript")):
                (md.parent / name).write_text(transcript(cues, Path(name).suffix), encoding="utf-8")
                made.append(name)
            if meta.get("cover"):
                make_cover(meta, md.parent / meta["cover"])
                made.append(meta["cover"])
            print(f"{md.parent.name}: {', '.join(made)}")
    if not args.slugs:
        make_artwork(args.episodes / "artwork.jpg")
        print("artwork.jpg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
