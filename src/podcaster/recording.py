"""From a livestream recording (anything ffmpeg reads) to episode audio: trimmed, loudness-normalised, encoded.

Two passes, as EBU R128 normalisation needs: the first measures the recording's loudness and finds
its leading and trailing silence; the second trims, applies a linear gain to the target and
encodes every configured format in one decode. The recording itself is only ever read.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podcaster import ffmpeg
from podcaster.errors import PodcasterError
from podcaster.model import EncodingSettings

# Keep a little of the silence around speech: cutting to the first sample of sound clips breaths.
SILENCE_PAD_SECONDS = 0.25
SILENCE_MIN_SECONDS = 0.5
LOUDNESS_RANGE_TARGET = 11.0
# Within this of the target an encode is kept; further off, it is redone once, aiming past the
# target by the shortfall (at most MAX_CORRECTION).
LOUDNESS_TOLERANCE = 0.5
MAX_CORRECTION = 3.0

log = logging.getLogger(__name__)


# Per format: file extension and ffmpeg output options. Opus runs at 48 kHz only.
_CODECS: dict[str, tuple[str, list[str]]] = {
    "mp3": (".mp3", ["-c:a", "libmp3lame"]),
    "m4a": (".m4a", ["-c:a", "aac", "-movflags", "+faststart"]),
    "opus": (".opus", ["-c:a", "libopus", "-ar", "48000"]),
}


@dataclass(frozen=True)
class Analysis:
    duration: float
    content_start: float  # where the audio to keep begins (after leading silence)
    content_end: float
    measured: dict[str, str]  # loudnorm's first-pass measurements


@dataclass(frozen=True)
class Encoded:
    files: dict[str, Path]  # format -> file, in the configured order (the first is the main enclosure)
    trimmed_start: float  # seconds cut from the start: markers shift back by this much
    duration: float


def analyse(recording: Path, settings: EncodingSettings,
            on_progress: Callable[[float, float], None] | None = None) -> Analysis:
    duration = ffmpeg.duration_of(recording)
    loudnorm = (f"loudnorm=I={settings.loudness}:TP={settings.true_peak}:LRA={LOUDNESS_RANGE_TARGET}"
                ":print_format=json")
    filters = f"silencedetect=n={settings.silence_threshold}dB:d={SILENCE_MIN_SECONDS},{loudnorm}"
    report = ffmpeg.run(["-i", str(recording), "-vn", "-af", filters, "-f", "null", "-"], about=recording,
                        on_progress=_scaled(on_progress, duration, 0.0, 0.5))
    start, end = (_content_bounds(report, duration) if settings.trim_silence else (0.0, duration))
    return Analysis(duration, start, end, _loudnorm_measurements(report, recording))


def encode(recording: Path, folder: Path, stem: str, settings: EncodingSettings, analysis: Analysis,
           on_progress: Callable[[float, float], None] | None = None) -> Encoded:
    """Write `folder/stem.<ext>` for every configured format from the analysed recording.

    When the recording is too peaky for a plain gain (true peak would pass the ceiling), loudnorm
    limits dynamically and lands short of the target; the result is then measured and encoded once
    more, aiming past the target by the shortfall."""
    encoded = _encode_once(recording, folder, stem, settings, analysis, settings.loudness, on_progress)
    achieved = integrated_loudness(next(iter(encoded.files.values())))
    shortfall = settings.loudness - achieved
    if abs(shortfall) > LOUDNESS_TOLERANCE:
        log.info("%s: %.1f LUFS after the first encode; encoding again to reach %.1f LUFS",
                 recording, achieved, settings.loudness)
        aim = settings.loudness + max(-MAX_CORRECTION, min(MAX_CORRECTION, shortfall))
        encoded = _encode_once(recording, folder, stem, settings, analysis, aim, on_progress)
    return encoded


def integrated_loudness(path: Path) -> float:
    """Integrated loudness (LUFS) of a file, by ffmpeg's EBU R128 meter."""
    report = ffmpeg.run(["-i", str(path), "-af", "ebur128", "-f", "null", "-"], about=path)
    match = re.findall(r"I:\s+(-?[\d.]+) LUFS", report)
    if not match:
        raise PodcasterError(f"{path}: ffmpeg's loudness meter printed no result")
    return float(match[-1])


def _encode_once(recording: Path, folder: Path, stem: str, settings: EncodingSettings, analysis: Analysis,
                 target: float, on_progress: Callable[[float, float], None] | None) -> Encoded:
    m = analysis.measured
    gain = (f"loudnorm=I={target:.2f}:TP={settings.true_peak}:LRA={LOUDNESS_RANGE_TARGET}"
            f":measured_I={m['input_i']}:measured_TP={m['input_tp']}:measured_LRA={m['input_lra']}"
            f":measured_thresh={m['input_thresh']}:offset={m['target_offset']}:linear=true")
    count = len(settings.formats)
    labels = [f"[out{i}]" for i in range(count)]
    graph = f"[0:a]{gain},aresample={settings.sample_rate},asplit={count}{''.join(labels)}"
    length = analysis.content_end - analysis.content_start
    args = ["-ss", f"{analysis.content_start:.3f}", "-t", f"{length:.3f}", "-i", str(recording),
            "-filter_complex", graph]
    files: dict[str, Path] = {}
    for label, fmt in zip(labels, settings.formats):
        extension, codec = _CODECS[fmt]
        files[fmt] = folder / f"{stem}{extension}"
        args += ["-map", label, *codec, "-b:a", settings.bitrate, "-ac", str(settings.channels),
                 "-map_metadata", "-1", str(files[fmt])]
    ffmpeg.run(args, about=recording, on_progress=_scaled(on_progress, length, 0.5, 0.5))
    return Encoded(files, analysis.content_start, length)


def _scaled(on_progress: Callable[[float, float], None] | None, total: float, offset: float, share: float):
    """Report one pass's progress as its share of the whole job (both passes), from 0 to 1."""
    if on_progress is None:
        return None
    return lambda seconds: on_progress(offset + share * min(seconds / total, 1.0) if total else offset, 1.0)


_SILENCE = re.compile(r"silence_(start|end): (-?[\d.]+)")


def _content_bounds(report: str, duration: float) -> tuple[float, float]:
    """Where sound begins and ends, from silencedetect's report."""
    events = [(kind, float(value)) for kind, value in _SILENCE.findall(report)]
    start, end = 0.0, duration
    if len(events) >= 2 and events[0][0] == "start" and events[0][1] <= 0.05 and events[1][0] == "end":
        start = max(0.0, events[1][1] - SILENCE_PAD_SECONDS)
    starts = [value for kind, value in events if kind == "start"]
    if starts:
        last = starts[-1]
        ends_after = [value for kind, value in events if kind == "end" and value > last]
        if not ends_after or ends_after[-1] >= duration - 0.05:
            end = min(duration, last + SILENCE_PAD_SECONDS)
    if end <= start:
        raise PodcasterError("the recording is silent from start to end; check the input device or the file")
    return start, end


def _loudnorm_measurements(report: str, recording: Path) -> dict[str, str]:
    block = report[report.rfind("{"): report.rfind("}") + 1]
    try:
        measured = json.loads(block)
        return {key: measured[key] for key in ("input_i", "input_tp", "input_lra", "input_thresh", "target_offset")}
    except (ValueError, KeyError):
        raise PodcasterError(f"{recording}: ffmpeg's loudness measurement could not be read; "
                             "is this ffmpeg built with the loudnorm filter?") from None
