#!/usr/bin/env python3
"""podcaster's benchmarks, side by side with Hugo, rclone and `aws s3 sync` on the same input.

    python3 bench/run.py                          # N = 100, 1,000 and 10,000, and one 2 GB episode
    python3 bench/run.py --sizes 100 --large-mb 0 # a quick look

It installs what it needs (see bench/README.md), generates a synthetic show per N, measures each
case as the median of up to --runs runs (with min and max) within --budget seconds per N, prints
one table and writes it, with the machine and every version, to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import environment  # noqa: E402
import make_show  # noqa: E402
import measure  # noqa: E402
from measure import Series  # noqa: E402
from seaweed import BUCKET, Seaweed  # noqa: E402

BENCH = environment.BENCH
SHOW_FILES = {"episodes", "podcast.toml", "podcast-s3.toml", make_show.STAMP_FILE}  # all else is build output
S3_CONFIG = "podcast-s3.toml"
SYNC_EXCLUDES = {  # the build's own state files are not part of the site
    "rclone": ["--exclude", ".*", "--exclude", ".*/**"],
    "aws": ["--exclude", ".*", "--exclude", "*/.*"],
}

# (row label, our case, their case, their tool) in the order the table prints them.
ROWS = [
    ("build, cold", "build cold", "hugo cold", "hugo"),
    ("build, nothing changed", "build no change", "hugo rebuild", "hugo"),
    ("build, one episode added", "build add one", "hugo cold", "hugo (full build)"),
    ("build, one episode's notes edited", "build edit one", "hugo cold", "hugo (full build)"),
    ("publish, first", "publish first", "rclone first", "rclone sync"),
    ("publish, first", "publish first", "aws first", "aws s3 sync"),
    ("publish, nothing changed", "publish no change", "rclone no change", "rclone sync"),
    ("publish, nothing changed", "publish no change", "aws no change", "aws s3 sync"),
    ("publish, one new episode", "publish one new", "rclone one new", "rclone sync"),
    ("publish, one new episode", "publish one new", "aws one new", "aws s3 sync"),
]
LARGE_ROWS = [
    ("build, one large episode", "build large", None, ""),
    ("publish, one large episode", "publish large", "rclone large", "rclone sync"),
    ("publish, one large episode", "publish large", "aws large", "aws s3 sync"),
]


class SetAside:
    """A folder for what the cases would delete: the last build's output, Hugo's last site. Moved
    there, it is deleted when the run ends, never between cases.

    ext4 does not hand out again an inode freed in the last minute or more (`recently_deleted`, which
    looks at each candidate's inode table): a cold build of 10,000 episodes started right after the
    last one's 60,000 files were deleted took 53–57 s instead of 45–47 s, with twice the kernel time.
    A producer's first build pays nothing of the kind, and the cost fell hardest on the build that
    writes the most files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # A run of its own: what a stopped run left is deleted at the end of this one, not before its cases.
        self.folder = root / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%f")
        self._count = 0

    def put(self, path: Path) -> None:
        if not path.exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self._count += 1
        try:
            path.rename(self.folder / f"{self._count}-{path.name}")
        except OSError as e:
            if e.errno != errno.EXDEV:  # a --workdir with a mount inside: deleted there and then
                raise
            shutil.rmtree(path) if path.is_dir() else path.unlink()

    def empty(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Context:
    tools: environment.Tools
    work: Path
    env: dict[str, str]
    set_aside: SetAside
    seaweed: Seaweed | None = None
    s3_publish: bool = False  # whether this podcaster publishes to s3:// targets
    notes: list[str] = field(default_factory=list)


class OutOfTime(Exception):
    """The size's time budget is spent."""


class Bench:
    """The cases of one show: each command is timed against what is left of the budget."""

    def __init__(self, ctx: Context, show: Path, deadline: float, seed: int = 1) -> None:
        self.ctx, self.show, self.deadline, self.seed = ctx, show, deadline, seed
        self.series: dict[str, Series] = {}
        self.last_output: dict[str, str] = {}

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def time(self, case: str, command: list[str], cwd: Path | None = None) -> measure.Sample | None:
        series = self.series.setdefault(case, Series())
        left = self.remaining()
        expected = series.stats()["min"] if series.good else 0.0
        if left <= max(1.0, expected):
            # A case that has run before and cannot fit again is not started only to be killed.
            series.problem = series.problem or f"skipped: {left:.0f} s of budget left"
            raise OutOfTime(case)
        # Each case starts on a quiet disk, as a producer's command does, minutes after the last
        # one: right after the cold build's 2.5 GB, the kernel was still writing them out, and the
        # rebuilds waited for the disk (edit one at 10,000: wall 3.16-3.76 s for 2.36-2.46 s of CPU).
        os.sync()
        sample = measure.run(command, cwd=cwd or self.show, env=self.ctx.env, timeout=left)
        series.samples.append(sample)
        self.last_output[case] = sample.output.strip().splitlines()[-1] if sample.output.strip() else ""
        if sample.timed_out:
            series.problem = f"timed out after {sample.wall:.0f} s"
            raise OutOfTime(case)
        if not sample.ok:
            series.problem = f"failed (exit {sample.returncode}): {self.last_output[case][:200]}"
            print(f"  {case}: FAILED\n{sample.output[-2000:]}", flush=True)
            return None
        print(f"  {case:<22} {sample.wall:8.2f} s  cpu {sample.cpu:7.2f} s  peak RSS {sample.peak_rss / 1e6:7.1f} MB"
              + (f"  | {self.last_output[case][:90]}" if case.startswith(("publish", "build large")) else ""),
              flush=True)
        return sample

    def skip(self, cases: list[str], reason: str) -> None:
        for case in cases:
            series = self.series.setdefault(case, Series())
            series.problem = series.problem or reason

    def podcaster(self, *args: str, config: str = "podcast.toml") -> list[str]:
        return [str(self.ctx.tools.podcaster), "--config", str(self.show / config), "-q", *args]

    def reset_build(self) -> None:
        """Everything a build left behind goes, caches included, so the next build is cold."""
        for entry in list(self.show.iterdir()):
            if entry.name not in SHOW_FILES:
                self.ctx.set_aside.put(entry)
        self.ctx.set_aside.put(Path(self.ctx.env["XDG_CACHE_HOME"]))

    def rclone_sync(self, case: str, prefix: str) -> None:
        self.time(case, [self.ctx.tools.rclone, "sync", str(self.show / "feed"), f"seaweed:{BUCKET}/{prefix}",
                         *SYNC_EXCLUDES["rclone"]])

    def aws_sync(self, case: str, prefix: str) -> None:
        self.time(case, [str(self.ctx.tools.aws), "s3", "sync", str(self.show / "feed"), f"s3://{BUCKET}/{prefix}",
                         "--endpoint-url", self.ctx.seaweed.endpoint, "--only-show-errors", *SYNC_EXCLUDES["aws"]])


def bench_size(ctx: Context, n: int, args: argparse.Namespace) -> dict:
    started = time.monotonic()
    deadline = started + args.budget
    print(f"\n== N = {n} (budget {args.budget:.0f} s; load average {os.getloadavg()[0]:.1f})", flush=True)
    show = ctx.work / f"show-{n}"
    generated = 0.0
    if not make_show.is_made(show, n, args.seed):
        shutil.rmtree(show, ignore_errors=True)
        t = time.monotonic()
        make_show.make_show(show, n, args.seed, media_dir=ctx.work / "media")
        generated = time.monotonic() - t
        print(f"  generated the show in {generated:.1f} s", flush=True)
    (show / make_show.STAMP_FILE).unlink()  # until the show is restored at the end, it is not the generated one
    site = ctx.work / f"hugo-{n}"
    ctx.set_aside.put(site)  # the conversion would delete it
    t = time.monotonic()
    conversion = measure.run([str(ctx.tools.python), str(BENCH / "hugo_site.py"), str(show), str(site)], env=ctx.env)
    if not conversion.ok:
        sys.exit(f"bench: converting the show for Hugo failed:\n{conversion.output}")
    converted = time.monotonic() - t
    bench = Bench(ctx, show, deadline, seed=args.seed)
    if ctx.s3_publish:
        (show / S3_CONFIG).write_text(make_show.config_text(n).replace(
            "[publish]\n", f'[publish]\nendpoint_url = "{ctx.seaweed.endpoint}"\n'), encoding="utf-8")
    passes = 0
    pass_seconds = 0.0
    try:
        while passes < args.runs and (passes == 0 or bench.remaining() > pass_seconds * 1.1):
            t = time.monotonic()
            passes += 1
            one_pass(bench, n, passes - 1, site)
            pass_seconds = time.monotonic() - t
        more_build_runs(bench, n, args.runs, passes, site)
    except OutOfTime as e:
        print(f"  out of time at {e}: {bench.series[str(e)].problem}", flush=True)
        bench.skip(planned_cases(ctx), "skipped: budget spent")
    finally:
        restore(show, n)
        (show / make_show.STAMP_FILE).write_text(json.dumps(
            {"generator": make_show.GENERATOR_VERSION, "count": n, "seed": args.seed}), encoding="utf-8")
    return {
        "n": n,
        "passes_started": passes,
        "seconds": time.monotonic() - started,
        "generate_seconds": generated,
        "hugo_convert_seconds": converted,
        "cases": {case: _case_json(series) for case, series in bench.series.items()},
        "last_output": bench.last_output,
    }


# The cases of `build_cases`: a minute's work at 10,000 episodes, where a whole pass takes nine.
BUILD_CASES = ["hugo cold", "hugo rebuild", "build cold", "build no change", "build add one", "build edit one"]


def one_pass(bench: Bench, n: int, number: int, site: Path) -> None:
    """Every case once. The build cases come first: with a show too large for the budget they are the
    numbers that matter most."""
    ctx = bench.ctx
    if not build_cases(bench, n, number, site):
        bench.skip(["publish first", "publish no change", "publish one new"], "skipped: the cold build failed")
        return
    prefix = f"n{n}-pass{number}"
    if ctx.s3_publish:
        bench.time("publish first", bench.podcaster("publish", "--target", f"s3://{BUCKET}/{prefix}-ours",
                                                     config=S3_CONFIG))
        bench.time("publish no change", bench.podcaster("publish", "--target", f"s3://{BUCKET}/{prefix}-ours",
                                                         config=S3_CONFIG))
    if ctx.seaweed:
        bench.rclone_sync("rclone first", f"{prefix}-rclone")
        bench.rclone_sync("rclone no change", f"{prefix}-rclone")
        bench.aws_sync("aws first", f"{prefix}-aws")
        bench.aws_sync("aws no change", f"{prefix}-aws")
        add_episode(bench, n)
        if ctx.s3_publish:
            bench.time("publish one new", bench.podcaster("publish", "--target", f"s3://{BUCKET}/{prefix}-ours",
                                                           config=S3_CONFIG))
        else:
            bench.time("build add one", bench.podcaster("build"))
        bench.rclone_sync("rclone one new", f"{prefix}-rclone")
        bench.aws_sync("aws one new", f"{prefix}-aws")
    restore(bench.show, n)


def build_cases(bench: Bench, n: int, number: int, site: Path) -> bool:
    """Hugo's builds and ours once each, cold and again; False if our cold build failed. The show is
    left with an episode added and one edited (see `restore`)."""
    tools = bench.ctx.tools
    bench.ctx.set_aside.put(site / "public")
    bench.ctx.set_aside.put(site / ".hugo-cache")
    hugo = [tools.hugo, "--quiet", "--source", str(site), "--destination", "public", "--cacheDir", str(site / ".hugo-cache")]
    bench.time("hugo cold", hugo)
    bench.time("hugo rebuild", hugo)
    bench.reset_build()
    if bench.time("build cold", bench.podcaster("build")) is None:
        bench.skip(["build no change", "build add one", "build edit one"], "skipped: the cold build failed")
        return False
    bench.time("build no change", bench.podcaster("build"))
    add_episode(bench, n)
    bench.time("build add one", bench.podcaster("build"))
    edit_episode(bench.show, n, number)
    bench.time("build edit one", bench.podcaster("build"))
    return True


def more_build_runs(bench: Bench, n: int, runs: int, number: int, site: Path) -> None:
    """When the whole pass fits only once (the largest N), the build cases are run again until each
    has `runs` samples or the budget is spent: the targets' ratios are then medians of several runs,
    not one run each."""
    while min(len(bench.series.get(case, Series()).good) for case in BUILD_CASES) < runs:
        stats = [bench.series[case].stats() for case in BUILD_CASES]
        if None in stats:  # a case that failed would only fail again
            return
        needed = sum(case_stats["min"] for case_stats in stats) * 1.2
        if bench.remaining() < needed:
            print(f"  no time for another run of the build cases ({bench.remaining():.0f} s left, "
                  f"{needed:.0f} s needed)", flush=True)
            return
        print(f"  the build cases again (run {number + 1})", flush=True)
        succeeded = build_cases(bench, n, number, site)
        restore(bench.show, n)
        if not succeeded:
            return
        number += 1


def _episode_folder(show: Path, number: int) -> Path | None:
    return next((show / "episodes").glob(f"{number:05d}-*"), None)


def add_episode(bench: Bench, n: int) -> Path:
    """The next episode of the show, as a producer adds it after a stream."""
    number = n + 1
    while _episode_folder(bench.show, number):
        number += 1
    media = make_show.make_media(bench.ctx.work / "media")
    return make_show.write_episode(bench.show / "episodes", number, n, bench.seed, media)


def edit_episode(show: Path, n: int, pass_number: int) -> None:
    source = _episode_folder(show, n // 2 + 1) / "episode.md"
    original = source.with_name(".episode.md.orig")
    if not original.exists():
        shutil.copy2(source, original)
    with source.open("a", encoding="utf-8") as f:
        f.write(f"\nA correction added after publishing, in pass {pass_number}.\n")


def restore(show: Path, n: int) -> None:
    """Undo what the cases did to the show: added episodes go, the edited notes come back."""
    for folder in (show / "episodes").iterdir():
        if folder.is_dir() and folder.name[:5].isdigit() and int(folder.name[:5]) > n:
            shutil.rmtree(folder)
    for original in (show / "episodes").glob("*/.episode.md.orig"):
        original.replace(original.with_name("episode.md"))


def bench_large(ctx: Context, args: argparse.Namespace) -> dict:
    print(f"\n== one episode of {args.large_mb} MB (budget {args.large_budget:.0f} s)", flush=True)
    started = time.monotonic()
    show = ctx.work / "show-large"
    shutil.rmtree(show, ignore_errors=True)
    make_show.make_show(show, 1, args.seed, media_dir=ctx.work / "media")
    audio = next((show / "episodes").glob("*/episode.mp3"))
    size = make_large_mp3(audio, args.large_mb * 1_000_000, ctx.work / "media")
    bench = Bench(ctx, show, started + args.large_budget)
    try:
        bench.time("build large", bench.podcaster("build"))
        if ctx.s3_publish:
            (show / S3_CONFIG).write_text(make_show.config_text(1).replace(
                "[publish]\n", f'[publish]\nendpoint_url = "{ctx.seaweed.endpoint}"\n'), encoding="utf-8")
            bench.time("publish large", bench.podcaster("publish", "--target", f"s3://{BUCKET}/large-ours",
                                                         config=S3_CONFIG))
        if ctx.seaweed:
            bench.rclone_sync("rclone large", "large-rclone")
            bench.aws_sync("aws large", "large-aws")
    except OutOfTime as e:
        print(f"  out of time at {e}: {bench.series[str(e)].problem}", flush=True)
    finally:
        shutil.rmtree(show, ignore_errors=True)
    return {"n": 1, "audio_bytes": size, "seconds": time.monotonic() - started,
            "cases": {case: _case_json(series) for case, series in bench.series.items()},
            "last_output": bench.last_output}


def make_large_mp3(path: Path, size: int, media: Path) -> int:
    """A real MP3 of about `size` bytes: whole 128 kbit/s frames of a sine, repeated (no Xing header, so
    every frame is audio and a reader takes the duration from the size, as it does for a long recording)."""
    chunk = media / "large-chunk.mp3"
    if not chunk.is_file():
        make_show._ffmpeg(["-f", "lavfi", "-i", "sine=frequency=220:sample_rate=44100:duration=60", "-ac", "1",
                           "-codec:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0", "-id3v2_version", "0",
                           "-write_id3v1", "0", *make_show._ENCODERS], chunk)
    block = chunk.read_bytes()
    with path.open("wb") as f:
        written = 0
        while written < size:
            f.write(block)
            written += len(block)
    return written


def planned_cases(ctx: Context) -> list[str]:
    """The cases of a show that this run measures (not those of the large episode)."""
    cases = []
    for _, ours, theirs, _ in ROWS:
        cases += [ours, theirs]
    return [case for case in dict.fromkeys(cases)
            if not (case.startswith("publish") and not ctx.s3_publish)
            and not (case.startswith(("rclone", "aws")) and not ctx.seaweed)]


def _case_json(series: Series) -> dict:
    return {"stats": series.stats(), "problem": series.problem,
            "samples": [{"wall": s.wall, "cpu": s.cpu, "peak_rss": s.peak_rss, "returncode": s.returncode}
                        for s in series.samples]}


def wait_for_bucket(ctx: Context, timeout: float = 60) -> None:
    """Until the bucket that `weed mini -bucket` makes exists. Its S3 port answers first, and unsigned
    requests get 403 whether the bucket is there or not, so the probe publish right after once met
    NoSuchBucket and the run measured no publish at all."""
    deadline = time.monotonic() + timeout
    command = [str(ctx.tools.aws), "s3api", "head-bucket", "--bucket", BUCKET, "--endpoint-url", ctx.seaweed.endpoint]
    while not measure.run(command, env=ctx.env, timeout=30).ok:
        if time.monotonic() > deadline:
            sys.exit(f"bench: the bucket {BUCKET!r} did not appear on {ctx.seaweed.endpoint} in {timeout:.0f} s")
        time.sleep(0.5)


def detect_s3_publish(ctx: Context) -> bool:
    """Whether this podcaster publishes to `s3://bucket/prefix` with `[publish] endpoint_url`: tried on a
    two-episode show."""
    show = ctx.work / "show-s3-probe"
    shutil.rmtree(show, ignore_errors=True)
    make_show.make_show(show, 2, 1, media_dir=ctx.work / "media")
    (show / S3_CONFIG).write_text(make_show.config_text(2).replace(
        "[publish]\n", f'[publish]\nendpoint_url = "{ctx.seaweed.endpoint}"\n'), encoding="utf-8")
    sample = measure.run([str(ctx.tools.podcaster), "--config", str(show / S3_CONFIG), "publish", "--target",
                          f"s3://{BUCKET}/probe"], cwd=show, env=ctx.env, timeout=120)
    shutil.rmtree(show, ignore_errors=True)
    if sample.ok:
        return True
    last = sample.output.strip().splitlines()[-1] if sample.output.strip() else f"exit {sample.returncode}"
    if "scheme" in sample.output:
        message = "publish: skipped (S3 backend not available in this build)"
    else:
        message = f"publish: skipped (publishing to s3:// failed: {last})"
    print(message, flush=True)
    ctx.notes.append(f"{message}; podcaster said: {last}")
    return False


def table(results: list[dict], large: dict | None) -> tuple[list[dict], str]:
    rows = []
    for result in results:
        rows += _rows(result, ROWS)
    if large:
        rows += _rows(large, LARGE_ROWS, throughput_bytes=large["audio_bytes"])
    header = (f"{'N':>6}  {'case':<34} {'podcaster: wall':<32} {'cpu':>7} {'RSS MB':>6}  {'vs':<17} "
              f"{'theirs: wall':<32} {'cpu':>7} {'RSS MB':>6}  {'ours/theirs':>11}")
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(f"{row['n']:>6}  {row['case']:<34} {row['ours_text']:<32} {_cpu(row['ours']):>7} "
                     f"{_mb(row['ours_rss']):>6}  {row['tool']:<17} {row['theirs_text']:<32} {_cpu(row['theirs']):>7} "
                     f"{_mb(row['theirs_rss']):>6}  {_ratio(row['ratio']):>11}")
    return rows, "\n".join(lines)


def _rows(result: dict, spec, throughput_bytes: int | None = None) -> list[dict]:
    rows = []
    cases = result["cases"]
    for label, ours, theirs, tool in spec:
        mine = cases.get(ours)
        other = cases.get(theirs) if theirs else None
        if not mine and not other:
            continue
        ours_stats = mine and mine["stats"]
        theirs_stats = other and other["stats"]
        ratio = ours_stats["median"] / theirs_stats["median"] if ours_stats and theirs_stats else None
        rows.append({
            "n": result["n"] if not throughput_bytes else _size(throughput_bytes),
            "case": label, "tool": tool or "",
            "ours": ours_stats, "ours_problem": mine["problem"] if mine else "not measured",
            "theirs": theirs_stats, "theirs_problem": other["problem"] if other else "",
            "ours_text": _cell(mine, throughput_bytes if theirs else None),
            "theirs_text": _cell(other, throughput_bytes) if theirs else "",
            "ours_rss": ours_stats and ours_stats["peak_rss_mb"], "theirs_rss": theirs_stats and theirs_stats["peak_rss_mb"],
            "ratio": ratio,
        })
    return rows


def _cell(case: dict | None, throughput_bytes: int | None = None) -> str:
    if not case:
        return "not measured"
    stats = case["stats"]
    if not stats:
        return case["problem"] or "not measured"
    text = f"{_secs(stats['median'])}s [{_secs(stats['min'])}–{_secs(stats['max'])}] ×{stats['runs']}"
    if throughput_bytes:
        text += f" {throughput_bytes / stats['median'] / 1e6:.0f} MB/s"
    return text


def _secs(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def _cpu(stats: dict | None) -> str:
    return f"{_secs(stats['cpu_median'])}s" if stats else "-"


def _size(count: int) -> str:
    return f"{count / 1e9:.1f}GB" if count >= 1e9 else f"{count / 1e6:.0f}MB"


def _mb(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "-"


def _ratio(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def curve(results: list[dict]) -> str:
    """How the cold build grows with N: time per episode and peak memory."""
    lines = ["cold build by N (linear growth keeps the time per episode flat):"]
    for result in results:
        stats = result["cases"].get("build cold", {}).get("stats")
        hugo = result["cases"].get("hugo cold", {}).get("stats")
        if stats:
            lines.append(f"  N={result['n']:>6}: {stats['median']:8.2f} s  {1000 * stats['median'] / result['n']:7.2f} ms/episode"
                         f"  peak RSS {stats['peak_rss_mb']:6.0f} MB"
                         + (f"   (hugo {1000 * hugo['median'] / result['n']:.2f} ms/episode, {hugo['peak_rss_mb']:.0f} MB)"
                            if hugo else ""))
        else:
            lines.append(f"  N={result['n']:>6}: {result['cases'].get('build cold', {}).get('problem') or 'not measured'}")
    return "\n".join(lines)


def targets(results: list[dict], large: dict | None) -> list[dict]:
    """The issue's targets, judged on the largest N that has the numbers."""
    def case(name: str):
        for result in sorted(results, key=lambda r: -r["n"]):
            stats = result["cases"].get(name, {}).get("stats")
            if stats:
                return result["n"], stats
        return None, None

    def verdict(label: str, met: bool | None, detail: str) -> dict:
        return {"target": label, "met": met, "detail": detail}

    out = []
    cold_n, cold = case("build cold")
    _, hugo = case("hugo cold")
    n = cold_n
    if cold and hugo:
        out.append(verdict("cold build ≤ Hugo's", cold["median"] <= hugo["median"],
                           f"N={n}: {cold['median']:.2f} s vs {hugo['median']:.2f} s, ratio {cold['median'] / hugo['median']:.1f}"))
    for name in ("build add one", "build edit one"):
        n, stats = case(name)
        if stats and hugo:
            ratio = stats["median"] / hugo["median"]
            out.append(verdict(f"{name.removeprefix('build ')}: rebuild < 1 s and ≤ 0.2 × Hugo's full build",
                               stats["median"] < 1 and ratio <= 0.2, f"N={n}: {stats['median']:.2f} s, ratio {ratio:.2f}"))
    n, ours = case("publish no change")
    _, rclone = case("rclone no change")
    if ours and rclone:
        out.append(verdict("no-change publish faster than rclone sync", ours["median"] < rclone["median"],
                           f"N={n}: {ours['median']:.2f} s vs {rclone['median']:.2f} s"))
    if cold:
        out.append(verdict("build peak RSS < 200 MB", cold["peak_rss_mb"] < 200,
                           f"N={cold_n}: {cold['peak_rss_mb']:.0f} MB"))
    if large:
        upload = large["cases"].get("publish large", {}).get("stats")
        rclone_large = large["cases"].get("rclone large", {}).get("stats")
        size = _size(large["audio_bytes"])
        if upload:
            out.append(verdict(f"{size} upload peak RSS < 200 MB", upload["peak_rss_mb"] < 200,
                               f"{upload['peak_rss_mb']:.0f} MB"))
        if upload and rclone_large:
            out.append(verdict("large upload at least rclone's throughput", upload["median"] <= rclone_large["median"],
                               f"{upload['median']:.1f} s vs {rclone_large['median']:.1f} s"))
        build = large["cases"].get("build large", {}).get("stats")
        if build:
            out.append(verdict(f"build of one {size} episode peak RSS < 200 MB (not a stated target; shows the copy)",
                               build["peak_rss_mb"] < 200, f"{build['peak_rss_mb']:.0f} MB"))
    if not any(t["target"].startswith("no-change publish") for t in out):
        out.append(verdict("publish targets", None, "not measured in this run (--no-publish, or no s3:// publishing: see the notes)"))
    return out


def subprocess_env(work: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           # A CA bundle set for the outside world breaks rclone's S3 client, and plain HTTP on 127.0.0.1
           # needs none; profiles and config files of the machine must not steer the measured clients.
           # Python's bytecode cache is used as an installed package uses it (see environment.install).
           if key not in {"AWS_CA_BUNDLE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "PYTHONDONTWRITEBYTECODE"}}
    rclone_config = work / "rclone.conf"
    rclone_config.touch()
    env.update({"XDG_CACHE_HOME": str(work / "cache"), "RCLONE_CONFIG": str(rclone_config),
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="episode counts, comma-separated (default %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="at most this many runs of each case (default %(default)s)")
    parser.add_argument("--budget", type=float, default=840,
                        help="seconds for each N, generating the show included; cases that would pass it are "
                             "cut off and reported as timed out (default %(default)s)")
    parser.add_argument("--large-mb", type=int, default=2048, help="size of the large episode; 0 skips it (default %(default)s)")
    parser.add_argument("--large-budget", type=float, default=480, help="seconds for the large episode (default %(default)s)")
    parser.add_argument("--no-publish", action="store_true", help="skip SeaweedFS and every upload")
    parser.add_argument("--no-install", action="store_true", help="install nothing; fail if a tool is missing")
    parser.add_argument("--podcaster", type=Path, help="this podcaster executable instead of bench/.venv's")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic shows (default %(default)s)")
    parser.add_argument("--workdir", type=Path, default=BENCH / ".work", help="shows, sites and the S3 server's data")
    parser.add_argument("--output", type=Path, default=BENCH / "results" / "latest.json")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]

    tools = environment.install(args.podcaster, allowed=not args.no_install)
    args.workdir.mkdir(parents=True, exist_ok=True)
    work = args.workdir.resolve()
    ctx = Context(tools=tools, work=work, env=subprocess_env(work), set_aside=SetAside(work / "set-aside"))
    machine = environment.describe(tools)
    print(f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, {machine['os']}")
    print(f"podcaster {machine['versions']['podcaster']} at {machine['versions']['podcaster_commit']}; "
          f"{machine['versions']['hugo']}", flush=True)
    started = datetime.now(timezone.utc)
    results, large = [], None
    try:
        if not args.no_publish:
            ctx.seaweed = Seaweed(tools.weed, ctx.work / "seaweed")
            shutil.rmtree(ctx.work / "seaweed", ignore_errors=True)
            ctx.seaweed.start()
            ctx.env.update(ctx.seaweed.env())
            wait_for_bucket(ctx)
            print(f"SeaweedFS S3 on {ctx.seaweed.endpoint}", flush=True)
            ctx.s3_publish = detect_s3_publish(ctx)
        for n in sizes:
            results.append(bench_size(ctx, n, args))
        if args.large_mb:
            large = bench_large(ctx, args)
    finally:
        if ctx.seaweed:
            ctx.seaweed.stop()
            shutil.rmtree(ctx.work / "seaweed", ignore_errors=True)
        ctx.set_aside.empty()
    rows, text = table(results, large)
    verdicts = targets(results, large)
    summary = "\n".join([text, "", curve(results), "", "targets:"] +
                        [f"  [{'met' if t['met'] else 'MISSED' if t['met'] is False else '?'}] {t['target']}: {t['detail']}"
                         for t in verdicts] + [f"note: {note}" for note in ctx.notes])
    print("\n" + summary)
    machine["load_average_end"] = os.getloadavg()
    report = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["python3", "bench/run.py", *sys.argv[1:]]),
        "machine": machine,
        "settings": {"sizes": sizes, "runs": args.runs, "budget_seconds": args.budget, "large_mb": args.large_mb,
                     "seed": args.seed, "s3_publish": ctx.s3_publish},
        "table": rows,
        "targets": verdicts,
        "notes": ctx.notes,
        "sizes": results,
        "large": large,
        "text": summary,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    args.output.with_suffix(".txt").write_text(summary + "\n", encoding="utf-8")
    print(f"\nwrote {args.output} and {args.output.with_suffix('.txt')}")


if __name__ == "__main__":
    main()
