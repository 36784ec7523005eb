"""Every error a user can cause is a PodcasterError: click shows it as one message and exits 1."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

import click


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (file and field), what, and how to fix it."""

    path: Path | str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: {self.field}" if self.field else f"{self.path}"
        return f"{where}: {self.message}"


class PodcasterError(click.ClickException):
    """Base of every user-facing error; exit code 1, no traceback."""

    exit_code = 1


class ConfigError(PodcasterError):
    """The show config cannot be used."""


class EpisodeError(PodcasterError):
    """An episode's front matter, notes or files cannot be used."""


class AudioError(PodcasterError):
    """An audio file cannot be read, probed or tagged."""


class ArtworkError(PodcasterError):
    """An image cannot be read or does not meet the rules for its use."""


class StorageError(PodcasterError):
    """The publish target cannot be reached or written."""


class ManifestUnreadable(StorageError):
    """The target's publish manifest exists but cannot be parsed."""


class ManifestConflict(StorageError):
    """Another publish wrote the target's manifest since this one read it."""


class RenderError(PodcasterError):
    """A template or the feed cannot be rendered."""


_MAY_ACCESS = "check that you may read and write there, or choose another folder"
# What a producer can do when the system refuses a file.
_OS_FIXES = {
    errno.ENOSPC: "free some space on the disk written to",
    errno.EDQUOT: "free some space within your disk quota",
    errno.EFBIG: "raise the limit on the size of files written (`ulimit -f`)",
    errno.EACCES: _MAY_ACCESS,
    errno.EPERM: _MAY_ACCESS,
    errno.EROFS: "choose a folder on a writable file system",
    errno.ENAMETOOLONG: "shorten the name (an episode's folder, or a file named in its front matter)",
    errno.ESTALE: "the network folder went away: mount it again",
    errno.ENOTCONN: "the network folder is not connected: mount it again",
}
# The refusals that are the machine's, not podcaster's: named to the user without a traceback.
# Any other OSError (a file podcaster itself expected, a broken pipe) may well be a bug.
_REFUSALS = {*_OS_FIXES, errno.EIO}


def is_refusal(error: object) -> bool:
    """Whether `error` is the system refusing a file for a reason of the machine's (a full disk …)."""
    return isinstance(error, OSError) and error.errno in _REFUSALS


def refusal(error: OSError) -> str:
    """The system's reason, and what to do about it when there is something to do."""
    reason = error.strerror or str(error)
    fix = _OS_FIXES.get(error.errno)
    return f"{reason}; {fix}, then run the command again" if fix else reason


class FileSystemError(PodcasterError):
    """The system refused to read or write a file: a full disk, a missing permission, a read-only folder."""

    @classmethod
    def of(cls, error: OSError) -> FileSystemError:
        """The error for `error` (see `is_refusal`), naming its files: a copy names both."""
        files = " → ".join(str(name) for name in (error.filename, error.filename2) if name is not None)
        return cls(f"{files or 'a file'}: {refusal(error)}")


class InvalidInput(PodcasterError):
    """Validation found problems; carries all of them so one run reports everything."""

    def __init__(self, problems: list[Problem], *, warnings_fatal: bool = False,
                 warnings: list[Problem] | None = None) -> None:
        self.problems = problems
        # Shown with the errors: an unknown key's warning is often the cause of a "missing" error.
        self.warnings = warnings or []
        noun = "problem" if len(problems) == 1 else "problems"
        reason = " (warnings are fatal with --strict)" if warnings_fatal else ""
        lines = [str(p) for p in problems]
        lines.append(f"{len(problems)} {noun} found{reason}; nothing was written.")
        super().__init__("\n".join(lines))

    def show(self, file=None) -> None:
        # One "Error:" line per problem, so each can be read (or grepped) on its own.
        *problem_lines, summary = self.message.splitlines()
        for warning in self.warnings:
            click.echo(f"Warning: {warning}", err=True)
        for line in problem_lines:
            click.echo(f"Error: {line}", err=True)
        click.echo(summary, err=True)


class Report:
    """Collects problems across the whole input, so one run can name every one of them."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, path: Path | str, field: str, message: str) -> None:
        self.errors.append(Problem(path, field, message))

    def warn(self, path: Path | str, field: str, message: str) -> None:
        self.warnings.append(Problem(path, field, message))

    def errors_as_warnings(self, note: str) -> None:
        """For input nobody sees yet (a draft): its errors are said, with `note`, and stop nothing."""
        self.warnings += [Problem(problem.path, problem.field, f"{problem.message} ({note})")
                          for problem in self.errors]
        self.errors.clear()

    def raise_if_failed(self, *, strict: bool) -> None:
        """Raise with every error, and with every warning too when `strict`."""
        # Once each: one wrong value can fail several checks the same way (`owner = "Jane"`: both
        # owner.name and owner.email find no [owner] table).
        fatal = list(dict.fromkeys(self.errors + (self.warnings if strict else [])))
        if fatal:
            raise InvalidInput(fatal, warnings_fatal=strict and bool(self.warnings),
                               warnings=[] if strict else self.warnings)
