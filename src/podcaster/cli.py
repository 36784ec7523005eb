"""The `podcaster` command: a thin click group; each command calls one function of `pipeline`."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from podcaster import __version__
from podcaster.config import DEFAULT_CONFIG
from podcaster.errors import Problem

if TYPE_CHECKING:
    from podcaster.pipeline import Published


@dataclass
class Options:
    config: Path
    strict: bool
    verbosity: int  # -1 quiet, 0 normal, 1+ verbose

    @property
    def quiet(self) -> bool:
        return self.verbosity < 0


class _EchoHandler(logging.Handler):
    def __init__(self, all_to_stderr: bool) -> None:
        super().__init__()
        self.all_to_stderr = all_to_stderr

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(record.getMessage(), err=self.all_to_stderr or record.levelno >= logging.WARNING)


def _setup_logging(verbosity: int, *, all_to_stderr: bool = False) -> None:
    logger = logging.getLogger("podcaster")
    logger.handlers[:] = [_EchoHandler(all_to_stderr)]
    logger.propagate = False
    logger.setLevel({-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG))


def _show_warnings(warnings: list[Problem]) -> None:
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_CONFIG, show_default=True, help="The show's config file.")
@click.option("-v", "--verbose", count=True, help="Say more: every file written or uploaded.")
@click.option("-q", "--quiet", is_flag=True, help="Say only warnings and errors.")
@click.option("--strict", is_flag=True, help="Treat warnings (unknown keys, …) as errors.")
@click.version_option(__version__, prog_name="podcaster")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, verbose: int, quiet: bool, strict: bool) -> None:
    """Publish a podcast from a folder of Markdown and audio.

    A show is a podcast.toml and an episodes/ folder with one sub-folder per episode
    (episode.md plus its audio). podcaster validates it all, tags copies of the audio,
    writes an RSS feed and show-notes pages into feed/, and publishes them.

    \b
    Examples:
      podcaster check                 # validate everything, write nothing
      podcaster publish               # build and publish to [publish] target
      podcaster serve                 # preview the published show in a browser
    """
    verbosity = -1 if quiet else verbose
    _setup_logging(verbosity)
    ctx.obj = Options(config_path, strict, verbosity)


@cli.command()
@click.pass_obj
def check(options: Options) -> None:
    """Validate the config and every episode; write nothing.

    Reports every problem at once, one line each, naming the file and the
    field. Exits 1 if anything is wrong (or, with --strict, on warnings).

    \b
    Example:
      podcaster check && podcaster publish
    """
    from podcaster import pipeline

    loaded = pipeline.check(options.config, strict=options.strict)
    _show_warnings(loaded.warnings)
    held_back = len(loaded.episodes) - len(loaded.published)
    click.echo(f"{options.config}: OK: {len(loaded.published)} episodes to publish"
               + (f", {held_back} held back (drafts or future dates)" if held_back else "") + ".")


@cli.command()
@click.pass_obj
def build(options: Options) -> None:
    """Write the complete site into the output folder (feed/ by default).

    The folder gets feed.xml, index.html, one page per episode and tagged copies
    of the audio. Only what changed is rewritten; your recordings are never
    modified.

    \b
    Example:
      podcaster build && ls feed/
    """
    from podcaster import pipeline

    built = pipeline.build(options.config, strict=options.strict)
    _show_warnings(built.loaded.warnings)


@cli.command()
@click.option("--target", metavar="URL",
              help="Publish here for this run instead of [publish] target, e.g. s3://bucket/show.")
@click.option("--dry-run", is_flag=True,
              help="Build, then print what would be uploaded and deleted (and how many bytes); change nothing on the target.")
@click.option("--prune", is_flag=True,
              help="Delete files of episodes that left the site, after the new feed is up; they are listed first. "
                   "Refused when the target's manifest is missing or unreadable.")
@click.option("--verify", is_flag=True,
              help="List the target and check every file's size and checksum instead of trusting the manifest; "
                   "upload what is missing or altered.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout; messages go to stderr.")
@click.pass_obj
def publish(options: Options, target: str | None, dry_run: bool, prune: bool, verify: bool, as_json: bool) -> None:
    """Build, then upload to the publish target only what it does not have yet.

    New audio goes first and the feed last, so the feed never names a file that
    is not there yet; a publish that stops half-way is completed by the next one.
    A second run with nothing changed uploads nothing. Credentials for s3://
    targets come from the environment or a profile (see the README).

    \b
    Examples:
      podcaster publish
      podcaster publish --dry-run --prune
      podcaster publish --target s3://my-bucket/podcast --json
    """
    from podcaster import pipeline, progress

    if as_json:
        _setup_logging(-1 if options.quiet else options.verbosity, all_to_stderr=True)
    bars = not (as_json or options.quiet) and progress.on_terminal()
    with progress.Bars() if bars else progress.Lines() as display:
        published = pipeline.publish(options.config, strict=options.strict, target=target, dry_run=dry_run,
                                     prune=prune, verify=verify, progress=display)
    _show_warnings(published.built.loaded.warnings)
    if as_json:
        click.echo(json.dumps(_publish_summary(published), indent=1))
    elif published.dry_run:
        _show_plan(published)
    else:
        _show_outcome(published)


def _publish_summary(published: Published) -> dict:
    files = published.built.files
    return {
        "target": published.target,
        "dry_run": published.dry_run,
        "files": len(files),
        "uploaded": [{"key": key, "size": files[key].size} for key in published.uploaded],
        "uploaded_bytes": published.uploaded_bytes,
        "found_in_place": published.found,
        "deleted": published.deleted,
        "kept": published.kept,
        "unchanged": len(files) - len(published.uploaded) - len(published.found),
        "seconds": round(published.seconds, 3),
    }


def _show_plan(published: Published) -> None:
    from podcaster.progress import human_bytes

    files = published.built.files
    click.echo(f"Dry run: would upload {len(published.uploaded)} of {len(files)} files "
               f"({human_bytes(published.uploaded_bytes)}) to {published.target}.")
    for key in published.uploaded:
        click.echo(f"  upload {key} ({human_bytes(files[key].size)})")
    for key in published.found:
        click.echo(f"  record {key} (already there)")
    for key in published.deleted:
        click.echo(f"  delete {key}")
    _mention_kept(published.kept)
    click.echo("Nothing was changed.")


def _show_outcome(published: Published) -> None:
    from podcaster.progress import human_bytes

    total = len(published.built.files)
    if published.uploaded:
        rate = human_bytes(int(published.uploaded_bytes / published.seconds)) if published.seconds else "-"
        click.echo(f"Published {len(published.uploaded)} of {total} files ({human_bytes(published.uploaded_bytes)} "
                   f"in {published.seconds:.1f} s, {rate}/s) to {published.target}.")
    elif published.found or published.deleted:
        click.echo(f"Published: all {total} files are in {published.target}.")
    else:
        click.echo(f"Nothing changed: all {total} files are already published to {published.target}.")
    if published.found:
        click.echo(f"{len(published.found)} files were already there (from a publish that stopped) and are now recorded.")
    if published.deleted:
        click.echo(f"Deleted {len(published.deleted)} files that are no longer part of the site.")
    _mention_kept(published.kept)


def _mention_kept(kept: list[str]) -> None:
    if kept:
        click.echo(f"{len(kept)} files no longer part of the site stay in the target; "
                   "`podcaster publish --prune` deletes them.")


@cli.command()
@click.option("--directory", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Serve this folder instead of the local publish target.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.pass_obj
def serve(options: Options, directory: Path | None, port: int) -> None:
    """Preview the published show at http://127.0.0.1:PORT/ (audio seeks: Range requests work).

    Serves the folder of a file:// publish target; run `podcaster publish` first.
    Stop it with Ctrl-C.

    \b
    Example:
      podcaster publish && podcaster serve --port 8000
    """
    from podcaster import pipeline, serve as preview

    directory = directory or pipeline.published_folder(options.config)
    server = preview.make_server(directory, port=port)
    host, bound_port = server.server_address[:2]
    click.echo(f"Serving {directory} at http://{host}:{bound_port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()


def main() -> None:
    cli(prog_name="podcaster")
