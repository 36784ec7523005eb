#!/usr/bin/env python3
"""Where a podcaster build spends its time: py-spy samples a cold build and a no-change rebuild.

    python3 bench/hotspots.py --size 1000

It generates (or reuses) the synthetic show of run.py, then runs `podcaster build` twice under
py-spy (a sampling profiler: it does not slow the build the way cProfile does) and prints, for each
run, the time by library, podcaster's own functions by inclusive time, and the hottest functions by
self time, as file:function. The text goes to bench/results/profile-<N>.txt and the raw stacks
(py-spy's collapsed format, for flamegraph tools) next to the shows in bench/.work/.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import environment  # noqa: E402
import make_show  # noqa: E402
from run import SHOW_FILES, SetAside, subprocess_env  # noqa: E402

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def profile(tools: environment.Tools, show: Path, raw: Path, rate: int, env: dict[str, str]) -> Counter:
    command = [str(tools.py_spy), "record", "--rate", str(rate), "--format", "raw", "--output", str(raw),
               "--", str(tools.podcaster), "--config", str(show / "podcast.toml"), "-q", "build"]
    subprocess.run(command, check=True, capture_output=True, env=env)
    stacks: Counter = Counter()
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        stacks[stack] += int(count)
    return stacks


def report(title: str, stacks: Counter, rate: int, top: int) -> str:
    total = sum(stacks.values())
    by_library: Counter = Counter()
    self_time: Counter = Counter()
    inclusive: Counter = Counter()
    for stack, count in stacks.items():
        frames = [_parse(frame) for frame in stack.split(";")]
        function, file = frames[-1]
        self_time[f"{_short(file)}:{function}"] += count
        by_library[_library(file, function)] += count
        for name in {f"{_short(file)}:{function}" for function, file in frames if "podcaster/" in file}:
            inclusive[name] += count

    def lines(counter: Counter, limit: int) -> list[str]:
        return [f"  {100 * count / total:5.1f} %  {count / rate:7.2f} s  {name}" for name, count in counter.most_common(limit)]

    return "\n".join([
        f"== {title}: {total / rate:.1f} s sampled ({total} samples at {rate} Hz)",
        "time by library (self time of the functions in it):",
        *lines(by_library, top),
        "podcaster's functions by inclusive time (the function and everything it calls):",
        *lines(inclusive, top),
        "hottest functions by self time:",
        *lines(self_time, top),
        "",
    ])


def _parse(frame: str) -> tuple[str, str]:
    match = _FRAME.match(frame)
    return (match["function"], match["file"]) if match else (frame, "?")


def _short(file: str) -> str:
    # py-spy names files by module path already (podcaster/render/notes.py, yaml/scanner.py, pathlib.py).
    return file


def _library(file: str, function: str) -> str:
    if file.startswith("podcaster/"):
        return file
    if file == "<string>":
        return f"generated code ({function}: dataclass __init__ and the like)"
    if "/" in file:
        return file.split("/")[0]
    return "stdlib/top-level module: " + file.strip("<>").removeprefix("frozen ").removesuffix(".py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="episodes in the show (default %(default)s)")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second (default %(default)s)")
    parser.add_argument("--top", type=int, default=20, help="lines per list (default %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--podcaster", type=Path, help="this podcaster executable instead of bench/.venv's")
    parser.add_argument("--workdir", type=Path, default=environment.BENCH / ".work")
    parser.add_argument("--output", type=Path, help="default: bench/results/profile-<N>.txt")
    args = parser.parse_args()
    tools = environment.install(args.podcaster, allowed=True)
    show = args.workdir.resolve() / f"show-{args.size}"
    if not make_show.is_made(show, args.size, args.seed):
        shutil.rmtree(show, ignore_errors=True)
        make_show.make_show(show, args.size, args.seed, media_dir=args.workdir.resolve() / "media")
    set_aside = SetAside(args.workdir.resolve() / "set-aside")  # as run.py does, for the same reason
    for entry in list(show.iterdir()):
        if entry.name not in SHOW_FILES:
            set_aside.put(entry)
    env = subprocess_env(args.workdir.resolve())
    set_aside.put(Path(env["XDG_CACHE_HOME"]))
    sections = []
    try:
        for title in ("cold build", "rebuild, nothing changed"):
            raw = args.workdir / f"profile-{args.size}-{title.split(',')[0].replace(' ', '-')}.txt"
            stacks = profile(tools, show, raw, args.rate, env)
            sections.append(report(f"N={args.size}, {title}", stacks, args.rate, args.top))
            print(sections[-1], flush=True)
    finally:
        set_aside.empty()
    output = args.output or environment.BENCH / "results" / f"profile-{args.size}.txt"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(f"podcaster {environment.describe(tools)['versions']['podcaster_commit']}; "
                      f"bench/hotspots.py --size {args.size}\n\n" + "\n".join(sections), encoding="utf-8")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
