"""The `podcaster` command: a thin click group; each command calls one function of `pipeline`."""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from podcaster import __version__
from podcaster.config import DEFAULT_CONFIG
from podcaster.errors import FileSystemError, Problem, is_refusal

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
        warning = record.levelno >= logging.WARNING
        to_stderr = warning or self.all_to_stderr
        try:
            # A warning reads as the warnings of a check do.
            click.echo(f"Warning: {record.getMessage()}" if warning else record.getMessage(), err=to_stderr)
        except BrokenPipeError:
            _discard(sys.stderr if to_stderr else sys.stdout)


def _discard(stream) -> None:
    """The reader of `stream` went away (`podcaster publish | head`): what is said there from now on
    goes nowhere, so that the work goes on rather than stop at its next line."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stream.fileno())
    os.close(devnull)


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
@click.option("-q", "--quiet", is_flag=True, help="Say only warnings, errors and what the command came to.")
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
      podcaster init my-show          # start a show: podcast.toml, episodes/, artwork
      podcaster check                 # validate everything, write nothing
      podcaster publish               # build and publish to [publish] target
      podcaster serve                 # preview the published show in a browser
    """
    verbosity = -1 if quiet else verbose
    _setup_logging(verbosity)
    ctx.obj = Options(config_path, strict, verbosity)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--title", help="The show's name (default: made from the folder's name).")
@click.option("--author", default="Your Name", show_default=True, help="Who makes the show; also its owner.")
@click.option("--email", default="you@example.org", show_default=True,
              help="The owner's email, where Apple writes about the show.")
@click.option("--language", default="en", show_default=True, help="The show's language: en, en-GB, ar, ...")
def init(folder: Path, title: str | None, author: str, email: str, language: str) -> None:
    """Start a new show in FOLDER (default: here).

    Writes podcast.toml, which `check` accepts as it is, an episodes/ folder,
    and placeholder artwork (episodes/artwork.png, 1400 px) to replace with
    yours; never overwrites a podcast.toml. Then add episodes with `new`.

    \b
    Examples:
      podcaster init my-show --title "My Show" --author "Jane Doe" --email jane@example.org
      cd my-show && podcaster new "Our first episode" --recording talk.wav
    """
    from podcaster import pipeline

    written = pipeline.init_show(folder, title=title, author=author, email=email, language=language)
    for path in written:
        click.echo(f"Created {path}{'/' if path.is_dir() else ''}")
    config = written[0]
    click.echo(f"Next: put your artwork in place of the placeholder and check the owner, website and "
               f"public_url in {config.name}; then add an episode:\n"
               f"  {'' if folder == Path('.') else f'cd {folder} && '}podcaster new \"Episode title\" "
               "--recording talk.wav")


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
    _report_tagging_plan(pipeline.tagging_plan(loaded))


def _report_tagging_plan(plans) -> None:
    log = logging.getLogger("podcaster")
    for plan in plans:
        if plan.up_to_date:
            continue
        if not plan.changes:
            log.info("%s: would be copied again from its recording; its tags stay as they are", plan.key)
        else:
            verb = "would write" if plan.first_copy else "would change"
            log.info("%s: tagging %s %s", plan.key, verb, ", ".join(plan.changes))
    pending = sum(not plan.up_to_date for plan in plans)
    log.info("Tagging: %s.", f"{pending} of {len(plans)} audio files would be tagged" if pending
             else f"all {len(plans)} tagged audio files are up to date")


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
@click.pass_obj
def tag(options: Options) -> None:
    """Only tag: write the tagged copy of each episode's audio into the output folder.

    Title, speakers, show, number, date, cover art and chapters go into a copy
    of each recording (your recordings are never modified). A copy already
    tagged from an unchanged recording is left alone. `podcaster check` lists
    what tagging would change.

    \b
    Example:
      podcaster tag && ffprobe feed/episodes/*/*.mp3
    """
    from podcaster import pipeline

    tagged = pipeline.tag(options.config, strict=options.strict)
    _show_warnings(tagged.loaded.warnings)
    for key in tagged.changed:
        logging.getLogger("podcaster").debug("tagged %s", key)
    total = len(tagged.changed) + len(tagged.unchanged)
    if tagged.changed:
        click.echo(f"Tagged {len(tagged.changed)} of {total} audio files into {tagged.output_dir}"
                   + (f"; {len(tagged.unchanged)} were up to date." if tagged.unchanged else "."))
    else:
        click.echo(f"Nothing to tag: all {total} audio files in {tagged.output_dir} are up to date.")


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
    _publish(options, target, dry_run=dry_run, prune=prune, verify=verify, as_json=as_json)


def _publish(options: Options, target: str | None, *, dry_run: bool = False, prune: bool = False,
             verify: bool = False, as_json: bool = False) -> None:
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
        "target_url": published.target_url,
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
        click.echo(f"{len(published.found)} files were already there, as this build has them (from a publish that "
                   "stopped, or one whose manifest was lost), and are now recorded.")
    if published.deleted:
        click.echo(f"Deleted {len(published.deleted)} files that are no longer part of the site.")
    _mention_kept(published.kept)


def _mention_kept(kept: list[str]) -> None:
    if kept:
        click.echo(f"{len(kept)} files no longer part of the site stay in the target; "
                   "`podcaster publish --prune` deletes them.")


@cli.command()
@click.argument("title")
@click.option("--slug", help="The episode's folder name (default: made from the title).")
@click.option("--recording", "recording_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A recording (WAV, FLAC, MKV, MP4, … anything ffmpeg reads) to trim, normalise and encode.")
@click.option("--markers", "markers_path", type=click.Path(dir_okay=False, path_type=Path),
              help='Chapter markers: "HH:MM:SS Title" lines, an Audacity label track, or a CSV (start,title).')
@click.option("--speaker", "speakers", multiple=True,
              help="Who speaks; repeat for several (default: `speakers` in podcast.toml).")
@click.option("--summary", help="The episode's summary (default: the title and the date).")
@click.option("--from-live", "from_live", metavar="GUID",
              help="The episode is this announced [[live]] stream: it keeps the stream's GUID, and the entry goes.")
@click.option("--publish", "then_publish", is_flag=True, help="Publish the show once the episode is made.")
@click.pass_obj
def new(options: Options, title: str, slug: str | None, recording_path: Path | None, markers_path: Path | None,
        speakers: tuple[str, ...], summary: str | None, from_live: str | None, then_publish: bool) -> None:
    """Create episodes/<slug>/episode.md for a new episode; never overwrites one.

    The new episode gets the next number, the date now in the show's time
    zone, a GUID written once, and the show's default speakers. With
    --recording, the recording is trimmed of leading and trailing silence,
    normalised to the configured loudness (default -16 LUFS, true peak
    -1 dBTP, two passes) and encoded; markers move with the trimmed silence.
    The recording itself is never modified.

    \b
    Examples:
      podcaster new "Forgiveness and the Heart"
      podcaster new "Q&A after the stream" --recording stream.mkv --markers chat.txt --publish
    """
    from podcaster import pipeline, progress

    if then_publish and recording_path is None:
        raise click.UsageError("--publish needs --recording: an episode is published with its audio")
    with progress.fraction("Encoding") as on_progress:
        created = pipeline.new_episode(options.config, title, slug=slug, recording_path=recording_path,
                                       markers_path=markers_path, speakers=speakers, summary=summary,
                                       from_live=from_live, on_progress=on_progress)
    click.echo(f"Created {created.source}" + (f" with {', '.join(p.name for p in created.audio)}" if created.audio
                                              else f"; put its recording beside it as {created.source.parent / 'episode.mp3'}") +
               (f" and {len(created.chapters)} chapters." if created.chapters else "."))
    if then_publish:
        _publish(options, target=None)


@cli.command()
@click.argument("title", required=False)
@click.option("--start", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S",
                                              "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
              help="When the stream starts (ISO 8601; without a zone, the show's time zone).")
@click.option("--end", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S",
                                            "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
              help="When it is planned to end (or, with --status ended, when it did).")
@click.option("--url", "stream_url", metavar="URL", help="The stream itself, e.g. https://live.example.org/stream.mp3.")
@click.option("--page", "page_url", metavar="URL", help="A page any browser can follow it on (default: the website).")
@click.option("--type", "stream_type", metavar="MIME", help="The stream's type, e.g. audio/mpeg (default: from the URL's extension, "
                                                          "such as .mp3 or .m3u8; needed when that does not say).")
@click.option("--summary", help="What the stream is about.")
@click.option("--guid", metavar="GUID", help="With --status: the announced stream to move along.")
@click.option("--status", type=click.Choice(["live", "ended"]), help="Mark the stream --guid as live, or ended.")
@click.option("--publish", "then_publish", is_flag=True, help="Publish the show afterwards, so apps see it now.")
@click.pass_obj
def live(options: Options, title: str | None, start, end, stream_url: str | None, page_url: str | None,
         stream_type: str | None, summary: str | None, guid: str | None, status: str | None,
         then_publish: bool) -> None:
    """Announce a livestream in the feed (podcast:liveItem), then move it along.

    A stream is a [[live]] table in podcast.toml. Announcing adds one with
    status "pending" and a new GUID; `--guid G --status live` when it starts,
    `--guid G --status ended` when it is over; `podcaster new --from-live G`
    turns it into an episode with the same GUID. Add --publish to each step.

    \b
    Examples:
      podcaster live "Questions on forgiveness" --start 2026-12-01T20:00 \\
          --url https://live.example.org/stream.mp3 --publish
      podcaster live --guid 0f6d1a2b-… --status live --publish
      podcaster new "Questions on forgiveness" --from-live 0f6d1a2b-… --recording stream.mkv --publish
    """
    from podcaster import pipeline

    if guid or status:
        if not (guid and status) or title or start or stream_url:
            raise click.UsageError("to move a stream along, give --guid and --status only (and --end)")
        pipeline.update_live(options.config, guid, status=status, end=end)
        click.echo(f"Stream {guid} is now {status}.")
    else:
        if not (title and start and stream_url):
            raise click.UsageError("to announce a stream, give its TITLE, --start and --url")
        guid = pipeline.announce_live(options.config, title, start=start, stream_url=stream_url, page_url=page_url,
                                      end=end, stream_type=stream_type, summary=summary)
        click.echo(f"Announced {title!r} (guid {guid}); it is pending until `podcaster live --guid {guid} --status live`.")
    if then_publish:
        _publish(options, target=None)


@cli.command()
@click.option("--directory", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Serve this folder instead of the local publish target.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--watch", is_flag=True,
              help="Preview the show as you edit it: build it (with local URLs) and rebuild on every change.")
@click.option("--drafts", is_flag=True,
              help="With --watch, also preview drafts and episodes dated in the future.")
@click.pass_obj
def serve(options: Options, directory: Path | None, port: int, watch: bool, drafts: bool) -> None:
    """Preview the show at http://127.0.0.1:PORT/ (audio seeks: Range requests work).

    Without --watch, serves the folder of a file:// publish target: run
    `podcaster publish` first. With --watch, builds a preview of the show into
    .podcaster-preview/ and rebuilds it whenever the config, an episode, a
    template or the artwork changes; reload the page to see the change. Add
    --drafts to see the episodes that are not published yet. Stop it with Ctrl-C.

    \b
    Examples:
      podcaster publish && podcaster serve --port 8000
      podcaster serve --watch
      podcaster serve --watch --drafts   # the episode you are still writing too
    """
    import threading

    from podcaster import pipeline, serve as preview, watch as watcher

    if watch and directory:
        raise click.UsageError("--watch builds its own preview; leave out --directory")
    if drafts and not watch:
        raise click.UsageError("--drafts is for the preview that --watch builds; add --watch")
    if watch:
        server = preview.make_server(options.config.parent / pipeline.PREVIEW_DIR, port=port, create=True)
        base_url = f"http://127.0.0.1:{server.server_address[1]}/"
        sources = pipeline.watched_sources(options.config)
        before_build = watcher.snapshot(sources)
        _rebuild_preview(options.config, base_url, drafts)
        stop = threading.Event()
        threading.Thread(target=watcher.poll, daemon=True,
                         args=(sources, before_build, lambda: _rebuild_preview(options.config, base_url, drafts),
                               stop)).start()
    else:
        server = preview.make_server(directory or pipeline.published_folder(options.config), port=port)
    host, bound_port = server.server_address[:2]
    address = f"http://{host}:{bound_port}/"
    click.echo(f"Serving {server.directory} at {address} (Ctrl-C to stop)")
    public_url = None if watch else pipeline.public_url_unless(options.config, address)
    if public_url:
        click.echo(f"Warning: the pages were built for {public_url} (publish.public_url): their stylesheet, "
                   "pictures, audio and links lead there, not here; `podcaster serve --watch` builds a preview "
                   "whose addresses are this server's", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()


def _rebuild_preview(config_path: Path, base_url: str, drafts: bool) -> None:
    from podcaster import pipeline
    from podcaster.errors import PodcasterError

    try:
        built = pipeline.build_preview(config_path, base_url, drafts=drafts)
    except PodcasterError as e:
        # A half-typed edit must not stop the preview: say what is wrong and keep the last good build.
        e.show()
        return
    except Exception as e:  # noqa: BLE001 - an unexpected failure must not end the watching thread unseen
        click.echo(f"Error: the preview could not be rebuilt ({type(e).__name__}: {e}); "
                   "the last good build is still served", err=True)
        return
    _show_warnings(built.loaded.warnings)


# A build holds a long archive's episodes (millions of objects) while it makes thousands of small
# ones; at the default thresholds the collector scanned the whole heap again and again, a quarter
# of a rebuild of 10,000 episodes. Reference cycles are rare here, so it runs far less often.
_COLLECT_AFTER_ALLOCATIONS = 50_000


def main() -> None:
    gc.set_threshold(_COLLECT_AFTER_ALLOCATIONS, 20, 20)
    code: object = 0
    try:
        cli(prog_name="podcaster")
    except SystemExit as e:
        code = e.code
    except OSError as e:
        if not is_refusal(e):
            raise
        # A disk that filled up, a folder the user may not write: the system's refusal, named with its
        # file, is what the user can act on; the traceback is for -v.
        if logging.getLogger("podcaster").isEnabledFor(logging.DEBUG):
            click.echo(traceback.format_exc(), err=True, nl=False)
        FileSystemError.of(e).show()
        code = 1
    if sys.gettrace() is None and sys.getprofile() is None:  # coverage and profilers write at exit
        _exit(code)
    sys.exit(code)


def _exit(code: object) -> NoReturn:
    """End the process with `code`, as `sys.exit` would, but without freeing the heap object by
    object first: after a build of 10,000 episodes that took 0.2-0.3 s, a tenth of a rebuild, and
    the system takes the memory back at once. Nothing else is left to do at exit: each command
    closes its files, build cache, threads and worker processes in its own blocks, so only logging
    and the output streams are flushed here."""
    if code is not None and not isinstance(code, int):  # sys.exit("message") prints it and fails
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # a reader that stopped early (`podcaster check | head`)
            pass
        except (OSError, ValueError):  # output lost (a full disk, a closed stream): that is a failure
            code = code or 1
    os._exit(code or 0)
