#!/usr/bin/env python3
"""How long tagging takes for a long recording: a 200 MB MP3 (about 3.6 hours at 128 kbit/s).

Builds a one-episode copy of the sample show whose recording is that MP3, then prints:

* the time to copy 200 MB, the floor any tagging of a copy stands on;
* `podcaster tag` on it the first time (copy + tag);
* `podcaster tag` again with nothing changed (the build state says the copy is current);
* tagging the already tagged copy directly (no build state: mutagen reads the tag, finds it
  equal and writes nothing).

Needs ffmpeg (to encode one minute of tone, repeated to 200 MB). Run from the repository:
    python bench/tag_bench.py [--megabytes 200]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from podcaster import audio, pipeline
from podcaster.site import Layout

REPO = Path(__file__).resolve().parent.parent
EPISODE = "just-forgiving"


def make_mp3(target: Path, megabytes: int, workdir: Path) -> None:
    """One minute of 128 kbit/s MPEG frames (no Xing header, no tag), repeated to the size asked for."""
    minute = workdir / "minute.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=220:duration=60:sample_rate=44100",
                    "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0", "-id3v2_version", "0",
                    "-write_id3v1", "0", str(minute)], check=True)
    frames = minute.read_bytes()
    with target.open("wb") as out:
        written = 0
        while written < megabytes * 1_000_000:
            out.write(frames)
            written += len(frames)


def one_episode_show(root: Path, recording: Path) -> Path:
    shutil.copy(REPO / "podcast.toml", root / "podcast.toml")
    shutil.copytree(REPO / "episodes", root / "episodes",
                    ignore=lambda folder, names: [n for n in names if Path(folder) == REPO / "episodes"
                                                  and (REPO / "episodes" / n).is_dir() and n != EPISODE])
    shutil.move(recording, root / "episodes" / EPISODE / "episode.mp3")
    return root / "podcast.toml"


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    size = parser.parse_args().megabytes
    with tempfile.TemporaryDirectory() as temp:
        workdir = Path(temp)
        recording = workdir / "long.mp3"
        make_mp3(recording, size, workdir)
        actual = recording.stat().st_size
        copy_seconds, _ = timed(lambda: shutil.copyfile(recording, workdir / "plain-copy.mp3"))
        (workdir / "plain-copy.mp3").unlink()
        show = workdir / "show"
        show.mkdir()
        config = one_episode_show(show, recording)

        first, tagged = timed(lambda: pipeline.tag(config))
        assert tagged.changed, "the first run tagged nothing"
        again, unchanged = timed(lambda: pipeline.tag(config))
        assert not unchanged.changed, "the second run tagged again"
        loaded = pipeline.load(config)
        copy = loaded.show.output_dir / f"episodes/{EPISODE}/{EPISODE}.mp3"
        tags = pipeline.tags_for(loaded.published[0], loaded.show, Layout.of(loaded.show))
        before = copy.stat().st_mtime_ns
        direct, wrote = timed(lambda: audio.tag(copy, tags))
        assert not wrote and copy.stat().st_mtime_ns == before, "tagging a tagged copy wrote to it"

    print(f"recording: {actual / 1e6:.0f} MB MP3, {loaded.published[0].audio_info.duration / 3600:.1f} h")
    print(f"copy only (shutil.copyfile):            {copy_seconds:7.3f} s")
    print(f"podcaster tag, first run (copy + tag):  {first:7.3f} s")
    print(f"podcaster tag, unchanged re-run:        {again:7.3f} s")
    print(f"audio.tag on the tagged copy (no-op):   {direct:7.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
