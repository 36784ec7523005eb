"""Edits to podcast.toml that commands make (`podcaster live`, `new --from-live`): `[[live]]` tables.

The file is edited as text, so the producer's comments and layout survive, and every edit is
checked by loading the result before it replaces the file: a bad edit leaves the file as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import replace
from datetime import datetime
from itertools import chain
from pathlib import Path

from podcaster import config
from podcaster.errors import ConfigError, InvalidInput, Report
from podcaster.files import replace_atomically

_TABLE_HEADER = re.compile(r"^\s*\[")
_LIVE_HEADER = re.compile(r"^\s*\[\[\s*live\s*\]\]\s*(#.*)?$")


def add_live(config_path: Path, fields: dict[str, str | datetime]) -> None:
    """Append a `[[live]]` table with `fields` (strings and time-zone-aware datetimes)."""
    text = config_path.read_text(encoding="utf-8")
    lines = [f"{key} = {_toml_value(value)}" for key, value in fields.items()]
    _replace(config_path, text.rstrip("\n") + "\n\n[[live]]\n" + "\n".join(lines) + "\n")


def set_live_fields(config_path: Path, guid: str, fields: dict[str, str | datetime]) -> None:
    """Set `fields` in the `[[live]]` table whose guid is `guid`, replacing any values they had."""
    lines = config_path.read_text(encoding="utf-8").splitlines(keepends=True)
    start, end = _live_block(config_path, lines, guid)
    block = [line for line in lines[start:end] if _key_of(line) not in fields]
    if not block[-1].endswith("\n"):  # the file's last line, without a newline: the new keys start their own
        block[-1] += "\n"
    block += [f"{key} = {_toml_value(value)}\n" for key, value in fields.items()]
    rest = lines[end:]
    _replace(config_path, "".join(lines[:start] + block + (["\n"] if rest and rest[0].strip() else []) + rest))


def remove_live(config_path: Path, guid: str) -> None:
    """Remove the `[[live]]` table whose guid is `guid` (the stream has become an episode)."""
    lines = config_path.read_text(encoding="utf-8").splitlines(keepends=True)
    start, end = _live_block(config_path, lines, guid)
    _replace(config_path, "".join(lines[:start] + lines[end:]).rstrip("\n") + "\n")


def find_live(config_path: Path, guid: str) -> None:
    """Raise unless the `[[live]]` table with this guid can be edited: checked before `new --from-live`
    makes anything, so a stream it cannot remove never leaves a new episode behind."""
    try:
        _live_block(config_path, config_path.read_text(encoding="utf-8").splitlines(keepends=True), guid)
    except ConfigError:
        raise ConfigError(f"{config_path}: the stream {guid!r} is not written as a [[live]] table of its own, "
                          "the form podcaster edits; write it as one (see \"Announcing the stream while it is "
                          "live\" in the README)") from None


def _live_block(config_path: Path, lines: list[str], guid: str) -> tuple[int, int]:
    """The line range of the `[[live]]` table with this guid: from its header to the next table, less
    the blank lines and comments just before that table, which belong to it."""
    for start, line in enumerate(lines):
        if not _LIVE_HEADER.match(line):
            continue
        table, end = _table_after(lines, start)
        if table is not None and table.get("guid") == guid:
            return start, _without_next_tables_lead_in(lines, start, end)
    raise unknown_stream(config_path, guid)


def _without_next_tables_lead_in(lines: list[str], start: int, end: int) -> int:
    """Where the table from `start` ends once the blank lines and comments that open the next table
    are left to it: from the first blank line after which only blank lines and comments follow. A
    comment right under the table's last key stays with it, and no cut is made inside a multi-line
    string (whose lines may look like comments)."""
    only_lead_in_from = end
    while only_lead_in_from > start + 1 and _is_blank_or_comment(lines[only_lead_in_from - 1]):
        only_lead_in_from -= 1
    for cut in range(only_lead_in_from, end):
        if lines[cut].strip():
            continue
        try:  # only blank lines and comments are left out, so it parses unless cut inside a string
            tomllib.loads("".join(lines[start + 1:cut]))
        except tomllib.TOMLDecodeError:
            continue
        return cut
    return end


def _is_blank_or_comment(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _table_after(lines: list[str], header: int) -> tuple[dict | None, int]:
    """The table whose header is at line `header`, and where it ends: at the first line after it that
    looks like a table header and is one (a line of a multi-line string may look like one too)."""
    candidates = chain((i for i in range(header + 1, len(lines)) if _TABLE_HEADER.match(lines[i])), [len(lines)])
    for end in candidates:
        try:
            return tomllib.loads("".join(lines[header + 1:end])), end
        except tomllib.TOMLDecodeError:
            continue
    return None, len(lines)


def unknown_stream(config_path: Path, guid: str) -> ConfigError:
    return ConfigError(f"{config_path}: no [[live]] stream has guid {guid!r}; "
                       "copy the guid from one of its [[live]] tables")


def _key_of(line: str) -> str | None:
    match = re.match(r"^\s*([A-Za-z0-9_-]+)\s*=", line)
    return match.group(1) if match else None


def _toml_value(value: str | datetime) -> str:
    if isinstance(value, datetime):
        return value.isoformat()  # a TOML offset date-time, unquoted
    return json.dumps(value, ensure_ascii=False)  # JSON's string escapes are TOML's


def _replace(config_path: Path, text: str) -> None:
    """Put `text` (read with universal newlines) in place of the config, as an edit in place would: the
    file a symlink names is the one replaced, and its line endings and permissions are kept."""
    real = config_path.resolve()
    first_line = real.read_bytes().split(b"\n", 1)[0]
    newline = "\r\n" if first_line.endswith(b"\r") else "\n"  # a file from Windows stays CRLF

    def write_and_check(partial: Path) -> None:
        partial.touch()
        shutil.copymode(real, partial)  # before the text goes in: a config kept private (0600) stays so
        partial.write_text(text, encoding="utf-8", newline=newline)
        if partial.parent == config_path.parent.resolve():
            _check(partial, config_path)
        else:
            _check_beside(config_path, text)

    replace_atomically(real, write_and_check)


def _check(copy: Path, config_path: Path) -> None:
    report = Report()
    config.load(copy, report)
    if report.errors:
        raise InvalidInput([replace(problem, path=config_path) for problem in report.errors])


def _check_beside(config_path: Path, text: str) -> None:
    """Check `text` as the config at `config_path`, a link to a file elsewhere: its paths are relative
    to the link's folder, so a copy there is checked, and removed."""
    descriptor, name = tempfile.mkstemp(prefix=f".{config_path.stem}.check-", suffix=config_path.suffix,
                                        dir=config_path.parent)  # a name of its own, readable by its owner only
    copy = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as f:
            f.write(text)
        _check(copy, config_path)
    finally:
        copy.unlink(missing_ok=True)
