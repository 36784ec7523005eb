"""How fast `podcaster publish` is against a real S3 server, beside `rclone sync` and `aws s3 sync`.

In one run, on one SeaweedFS server (`weed mini` on 127.0.0.1, as in the tests):
  1. builds the sample show plus an extra episode of about 200 MB (its audio is the sample's
     recording looped with ffmpeg, so it is real MP3);
  2. publishes it to a fresh bucket, then publishes again with nothing changed;
  3. syncs the same built folder with `rclone sync` (Debian's rclone) and with `aws s3 sync`
     (PyPI's awscli) to fresh buckets of their own, each twice as well.
Each tool syncs into a fresh bucket of its own, in several rounds; prints the medians of wall-clock
time, throughput and each process's peak memory (maximum resident set size).

Needs: pip install -e '.[test]' awscli; apt-get install rclone ffmpeg.
Usage: python bench/publish_bench.py [--size-mb 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from seaweed import ACCESS_KEY, REGION, SECRET_KEY, SeaweedServer  # noqa: E402 - the tests' own server

LONG = "a-long-talk"
LONG_EPISODE = """---
title: "A Long Talk"
date: 2017-06-02T10:00:00-04:00
guid: "9b0c5d0e-7f0a-4c55-8d52-3f1f4f3b2a10"
number: 99
speakers: ["Shaykh Abdul Rahim Reasat"]
summary: "The sample recording, looped: a large file to publish."
audio: episode.mp3
cover: cover.jpg
---

The sample recording, looped.
"""
# The build's own state and cache in feed/ are hidden files (.podcaster-*), not part of the site.
RCLONE_EXCLUDES = ["--exclude", ".*", "--exclude", ".*/**"]
AWS_EXCLUDES = ["--exclude", ".*", "--exclude", "*/.*"]


@dataclass
class Run:
    seconds: float
    peak_mb: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=200, help="size of the extra episode's audio")
    parser.add_argument("--rounds", type=int, default=3, help="how many times to measure each tool")
    args = parser.parse_args()
    tools = {"podcaster": _beside_python("podcaster"), "rclone": shutil.which("rclone"), "aws": _beside_python("aws")}
    missing = [name for name, path in tools.items() if not path]
    if missing or not shutil.which("ffmpeg"):
        sys.exit(f"missing: {', '.join(missing + ([] if shutil.which('ffmpeg') else ['ffmpeg']))}; "
                 "pip install -e '.[test]' awscli; apt-get install rclone ffmpeg")

    with tempfile.TemporaryDirectory(prefix="podcaster-bench-") as workdir:
        work = Path(workdir)
        server = SeaweedServer(work / "seaweed")
        server.start()
        try:
            env = _environment(work, server)
            show = _show_with_a_long_episode(work / "show", args.size_mb, server)
            site = show / "feed"
            print(f"SeaweedFS {server.endpoint}; building the sample show plus a {args.size_mb} MB episode ...")
            build = _timed([tools["podcaster"], "--config", str(show / "podcast.toml"), "-q", "build"], env)
            files = [p for p in site.rglob("*")
                     if p.is_file() and not any(part.startswith(".") for part in p.relative_to(site).parts)]
            total = sum(p.stat().st_size for p in files)
            print(f"built {len(files)} files, {total / 1e6:.1f} MB, in {build.seconds:.1f} s "
                  f"(peak {build.peak_mb:.0f} MB)\n")
            commands = {
                "podcaster publish": lambda bucket: [tools["podcaster"], "--config", str(show / "podcast.toml"), "-q",
                                                     "publish", "--target", f"s3://{bucket}/show"],
                "rclone sync": lambda bucket: [tools["rclone"], "sync", str(site), f"bench:{bucket}/show",
                                               *RCLONE_EXCLUDES],
                "aws s3 sync": lambda bucket: [tools["aws"], "s3", "sync", str(site), f"s3://{bucket}/show",
                                               "--endpoint-url", server.endpoint, *AWS_EXCLUDES,
                                               "--only-show-errors"],
            }
            admin = server.client()
            results: dict[str, list[tuple[Run, Run]]] = {name: [] for name in commands}
            # Rounds, each tool into a fresh bucket of its own, so a busy moment of the machine
            # does not decide the comparison alone.
            for round_number in range(args.rounds):
                for index, (name, command) in enumerate(commands.items()):
                    bucket = f"bench-{round_number}-{index}"
                    admin.create_bucket(Bucket=bucket)
                    results[name].append((_timed(command(bucket), env), _timed(command(bucket), env)))
        finally:
            server.kill()

    print(f"\nmedian of {args.rounds} rounds; {total / 1e6:.1f} MB in {len(files)} files")
    print(f"{'tool':<20}{'first (s)':>11}{'MB/s':>8}{'peak MB':>9}{'unchanged (s)':>15}{'peak MB':>9}")
    for name, runs in results.items():
        first = _median([run for run, _ in runs])
        again = _median([run for _, run in runs])
        print(f"{name:<20}{first.seconds:>11.2f}{total / 1e6 / first.seconds:>8.1f}{first.peak_mb:>9.0f}"
              f"{again.seconds:>15.2f}{again.peak_mb:>9.0f}")


def _median(runs: list[Run]) -> Run:
    return Run(statistics.median(run.seconds for run in runs), statistics.median(run.peak_mb for run in runs))


def _beside_python(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _environment(work: Path, server: SeaweedServer) -> dict[str, str]:
    """The same key for every tool, and none of this machine's own AWS or rclone settings (not even
    AWS_CA_BUNDLE: the server speaks plain HTTP, and rclone refuses to start with it set)."""
    (work / "rclone.conf").touch()
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "RCLONE_"))}
    env.update({
        "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(work / "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(work / "no-aws-credentials"),
        "RCLONE_CONFIG": str(work / "rclone.conf"),
        "RCLONE_CONFIG_BENCH_TYPE": "s3", "RCLONE_CONFIG_BENCH_PROVIDER": "SeaweedFS",
        "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": ACCESS_KEY, "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": SECRET_KEY,
        "RCLONE_CONFIG_BENCH_ENDPOINT": server.endpoint, "RCLONE_CONFIG_BENCH_REGION": REGION,
    })
    return env


def _show_with_a_long_episode(root: Path, size_mb: int, server: SeaweedServer) -> Path:
    """A copy of the sample show whose config points at the server, plus one long episode."""
    root.mkdir()
    shutil.copytree(REPO / "episodes", root / "episodes")
    config = (REPO / "podcast.toml").read_text(encoding="utf-8").replace(
        'target = "file://public"',
        f'target = "s3://bench-podcaster/show"\nendpoint_url = "{server.endpoint}"\n'
        f'region = "{REGION}"\naddressing_style = "path"')
    (root / "podcast.toml").write_text(config, encoding="utf-8")
    sample = root / "episodes" / "just-forgiving"
    long = root / "episodes" / LONG
    long.mkdir()
    loops = max(1, size_mb * 1_000_000 // (sample / "episode.mp3").stat().st_size)
    subprocess.run(["ffmpeg", "-v", "error", "-stream_loop", str(loops - 1), "-i", str(sample / "episode.mp3"),
                    "-c", "copy", str(long / "episode.mp3")], check=True)
    (long / "episode.md").write_text(LONG_EPISODE, encoding="utf-8")
    shutil.copy(sample / "cover.jpg", long / "cover.jpg")
    return root


def _timed(command: list[str], env: dict[str, str]) -> Run:
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed with exit code {process.returncode}")
    return Run(seconds, usage.ru_maxrss / 1024)


if __name__ == "__main__":
    main()
