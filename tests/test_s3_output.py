"""What a publish shows: the --dry-run plan, the summary, --json for scripts, bars on a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from conftest import BucketShow, S3Calls, ShowCopy
from podcaster.storage.base import MANIFEST_KEY
from test_s3_publish import AUDIO, PAGE, _built_files


def test_dry_run_prints_the_plan_and_touches_nothing(bucket_show: BucketShow, s3_calls: S3Calls):
    result = bucket_show.run("publish", "--dry-run")
    assert result.exit_code == 0, result.output
    built = _built_files(bucket_show)
    planned = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("  upload ")]
    assert set(planned) == set(built)
    assert planned.index(AUDIO) < planned.index(PAGE) < planned.index("feed.xml") == len(planned) - 1
    assert f"Dry run: would upload {len(built)} of {len(built)} files" in result.stdout
    assert result.stdout.rstrip().endswith("Nothing was changed.")
    assert not bucket_show.keys()
    assert set(s3_calls.operations()) == {"GetObject", "ListObjectsV2"}


def test_json_summary_for_scripts(bucket_show: BucketShow):
    first = bucket_show.run("publish", "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)  # nothing else on stdout
    built = _built_files(bucket_show)
    assert summary["target"].startswith(f"s3://{bucket_show.bucket}/show at http://127.0.0.1:")
    assert summary["target_url"] == f"s3://{bucket_show.bucket}/show"  # as the config gives it, for scripts
    assert summary["dry_run"] is False and summary["files"] == len(built)
    assert {item["key"]: item["size"] for item in summary["uploaded"]} == {k: len(v) for k, v in built.items()}
    assert summary["uploaded_bytes"] == sum(len(v) for v in built.values())
    assert summary["deleted"] == [] and summary["unchanged"] == 0
    assert "uploading feed.xml" in first.stderr  # progress lines go to stderr

    second = json.loads(bucket_show.run("publish", "--json").stdout)
    assert second["uploaded"] == [] and second["unchanged"] == len(built)


def test_plain_lines_when_not_a_terminal(bucket_show: BucketShow):
    result = bucket_show.run("publish")
    lines = result.stdout.splitlines()
    assert lines[lines.index(f"uploading {AUDIO}") + 1].startswith("uploading ")
    assert any(line.startswith("plan: upload ") for line in lines)
    count = len(_built_files(bucket_show))
    assert lines[-1].startswith(f"Published {count} of {count} files (") and "MB/s) to s3://" in lines[-1]


def test_progress_bars_on_a_terminal(show: ShowCopy, tmp_path: Path):
    """On a terminal (a pseudo-terminal here) rich draws bars with bytes, speed and time left."""
    controller, terminal = pty.openpty()
    script = Path(sys.executable).parent / "podcaster"
    process = subprocess.Popen([str(script), "--config", str(show.config), "publish", "--target", f"file://{tmp_path / 'site'}"],
                               stdin=terminal, stdout=terminal, stderr=terminal, close_fds=True,
                               env={**os.environ, "COLUMNS": "160", "TERM": "xterm"})
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert process.wait() == 0, output.decode(errors="replace")
    text = output.decode(errors="replace")
    assert "━" in text  # rich's bar
    count = sum(1 for p in show.output.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert f"{count} files" in text and "MB/s" in text and f"Published {count} of {count} files" in text
    assert "uploading " not in text  # the bars replace the lines
    assert (tmp_path / "site" / "feed.xml").is_file() and (tmp_path / "site" / MANIFEST_KEY).is_file()


def test_plain_lines_time_the_upload_from_its_plan_not_from_the_build(monkeypatch):
    """The totals line's speed counts the seconds since the upload was planned: a long build before
    it made a fast upload read as a slow one, and its first totals line came at once."""
    import logging

    from podcaster import progress
    from podcaster.publishing import Plan
    from podcaster.storage.base import Upload

    clock = iter([0.0, 100.0, 105.0, 111.0])  # made; planned after a 100 s build; advanced twice
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    said: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())
    logger = logging.getLogger("podcaster.progress")
    monkeypatch.setattr(logger, "handlers", [handler])
    monkeypatch.setattr(logger, "level", logging.INFO)
    monkeypatch.setattr(logger, "propagate", False)
    lines = progress.Lines()
    upload = Upload("a.mp3", Path("a.mp3"), "0" * 64, 40_000_000, "audio/mpeg", "public")
    lines.planned(Plan(stages=[[upload]], found={}, deletes=[], kept=[]))
    lines.advanced("a.mp3", 5_000_000)  # 5 s in: no totals yet
    lines.advanced("a.mp3", 17_000_000)  # 11 s in: 22 MB at 2 MB/s, 18 MB left
    assert said[-1] == "22.0 MB of 40.0 MB uploaded (2.0 MB/s, 9 s left)"
