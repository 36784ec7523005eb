"""MP3: ID3v2 tags (v2.4 by default, v2.3 for old players), podcast frames, cover art, CHAP/CTOC chapters.

Only the ID3v2 tag at the start of the file is rewritten; the MPEG frames after it are never
touched. Frames podcaster does not manage (a composer, a TXXX, the iTunNORM/iTunSMPB comments
that carry loudness and gapless data) stay as they are.
"""

from __future__ import annotations

import io
from pathlib import Path

from mutagen.id3 import (
    APIC, CHAP, COMM, CTOC, ID3, PCST, TALB, TCAT, TCON, TCOP, TDAT, TDES, TDRC, TGID, TIME, TIT2, TPE1, TPE2,
    TPOS, TRCK, TYER, WFED, WOAS, WXXX, CTOCFlags, Encoding, Frame, ID3NoHeaderError, PictureType,
)
from mutagen.mp3 import MP3

from podcaster.audio.base import Format, Pictures, Retagging
from podcaster.audio.tags import Tags
from podcaster.model import AudioInfo

# The frames that hold each field podcaster manages. Frames of these IDs are replaced as a whole,
# except comments with a description (see _is_ours). Chapters are managed only when the episode
# has some, so chapters a producer's editor already wrote survive an episode without any.
_FRAMES = {
    "title": ("TIT2",), "artist": ("TPE1",), "album": ("TALB",), "album artist": ("TPE2",),
    "date": ("TDRC", "TYER", "TDAT", "TIME"), "genre": ("TCON",), "summary": ("COMM", "TDES"), "copyright": ("TCOP",),
    "guid": ("TGID",), "page URL": ("WOAS",), "feed URL": ("WFED",), "podcast flag": ("PCST",),
    "category": ("TCAT",), "track": ("TRCK",), "disc": ("TPOS",), "cover": ("APIC",),
    "chapters": ("CHAP", "CTOC"),
}
# A Xing/Info header that declares more audio than the file holds means the file was cut short;
# two frames of slack allow for encoders that count the header frame or padding differently.
_SLACK_FRAMES = 2
_MAX_SAMPLES_PER_FRAME = 1152


def matches(head: bytes) -> bool:
    # An ID3v2 tag, or an MPEG audio frame sync (11 set bits) for layer I–III; layer bits 00 would
    # be AAC in ADTS, which is not MP3.
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
                                        and head[1] & 0x06 != 0)


def probe(path: Path) -> AudioInfo:
    audio = MP3(path)
    info = audio.info
    if not info.length:
        raise ValueError("no audio frames found")
    size = path.stat().st_size
    tag_size = audio.tags.size if audio.tags is not None else 0
    declared = info.bitrate * info.length / 8
    frame_bytes = info.bitrate * _MAX_SAMPLES_PER_FRAME / info.sample_rate / 8
    if size - tag_size + _SLACK_FRAMES * frame_bytes < declared:
        raise ValueError(f"its header declares {declared:,.0f} bytes of audio but it holds "
                         f"{size - tag_size:,}: the file was cut short")
    return AudioInfo(
        format="mp3", mime_type=FORMAT.mime_type, codec="mp3", duration=info.length, bitrate=info.bitrate,
        sample_rate=info.sample_rate, channels=info.channels, size=size,
    )


def plan(path: Path, tags: Tags, pictures: Pictures) -> Retagging:
    version = tags.id3_version
    try:
        # Frames as the file holds them, so a tag of the other version shows up as a change.
        id3, tagged = ID3(path, translate=False), True
    except ID3NoHeaderError:
        id3, tagged = ID3(), False
    if id3.version < (2, 3, 0):
        id3.update_to_v24()  # ID3v2.2's three-letter frames, which no player should still get
    wanted = _frames(tags, pictures)
    current = {field: [f for frame_id in _FRAMES[field] for f in id3.getall(frame_id) if _is_ours(f)]
               for field in wanted}
    changes = tuple(field for field in wanted if _differ(current[field], wanted[field], version))
    if tagged and id3.version[1] != version:
        changes += ("ID3 version",)

    def write() -> None:
        for frames in current.values():
            for frame in frames:
                del id3[frame.HashKey]
        for frames in wanted.values():
            for frame in frames:
                id3.add(frame)
        # The frames podcaster does not manage are converted as mutagen converts them.
        id3.update_to_v23() if version == 3 else id3.update_to_v24()
        id3.save(path, v2_version=version)
        _put_chapters_in_time_order(path)  # ours, or the recording's own that a save would scramble

    return Retagging(changes, write)


def _is_ours(frame: Frame) -> bool:
    # Comments with a description (iTunNORM, iTunSMPB …) hold other tools' data, not the summary.
    return not (isinstance(frame, COMM) and frame.desc)


def _differ(current: list[Frame], wanted: list[Frame], version: int) -> bool:
    if not current or not wanted:  # a field only one side has (a fresh copy has none): no need to render
        return bool(current) != bool(wanted)
    return _rendered(current, version) != _rendered(wanted, version)


def _rendered(frames: list[Frame], version: int) -> bytes:
    """The frames as they would be written in an ID3v2.`version` tag: equal bytes, equal tags."""
    tag = ID3()
    for frame in frames:
        tag.add(frame)
    buffer = io.BytesIO()
    tag.save(buffer, v1=0, v2_version=version, padding=lambda info: 0)
    return buffer.getvalue()


def _text(frame_class: type[Frame], value: str) -> Frame:
    return frame_class(encoding=Encoding.UTF8, text=[value])


def _frames(tags: Tags, pictures: Pictures) -> dict[str, list[Frame]]:
    frames = {
        "title": [_text(TIT2, tags.title)],
        "artist": [_text(TPE1, tags.artist)],
        "album": [_text(TALB, tags.album)],
        "album artist": [_text(TPE2, tags.album_artist)],
        "date": _date_frames(tags),
        "genre": [_text(TCON, tags.genre)],
        "summary": [COMM(encoding=Encoding.UTF8, lang="eng", desc="", text=[tags.summary]),
                    _text(TDES, tags.summary)],
        "copyright": [_text(TCOP, tags.copyright)],
        "guid": [_text(TGID, tags.guid)],
        "page URL": [WOAS(url=tags.page_url)],
        "feed URL": [WFED(url=tags.feed_url)],
        "podcast flag": [PCST(value=1)],
        "category": [_text(TCAT, tags.category)] if tags.category else [],
        "track": [_text(TRCK, str(tags.track))] if tags.track is not None else [],
        "disc": [_text(TPOS, str(tags.disc))] if tags.disc is not None else [],
        "cover": [_picture(pictures.cover, "Cover")] if pictures.cover else [],
    }
    if tags.chapters:
        frames["chapters"] = _chapter_frames(tags, pictures)
    return frames


def _date_frames(tags: Tags) -> list[Frame]:
    if tags.id3_version == 3:
        # ID3v2.3 splits the date; mutagen's own conversion drops the time when minutes are zero.
        return [_text(TYER, tags.date.strftime("%Y")), _text(TDAT, tags.date.strftime("%d%m")),
                _text(TIME, tags.date.strftime("%H%M"))]
    return [_text(TDRC, tags.date.strftime("%Y-%m-%dT%H:%M:%S"))]


def _picture(jpeg: bytes, description: str) -> APIC:
    return APIC(encoding=Encoding.UTF8, mime="image/jpeg", type=PictureType.COVER_FRONT, desc=description,
                data=jpeg)


def _chapter_frames(tags: Tags, pictures: Pictures) -> list[Frame]:
    ids = [f"chp{index}" for index in range(len(tags.chapters))]
    frames: list[Frame] = []
    for index, (chapter, end) in enumerate(tags.chapter_spans()):
        sub_frames: list[Frame] = [_text(TIT2, chapter.title)]
        if chapter.url:
            sub_frames.append(WXXX(encoding=Encoding.UTF8, desc="", url=chapter.url))
        image = pictures.chapters[index] if index < len(pictures.chapters) else None
        if image:
            sub_frames.append(_picture(image, f"Chapter {index + 1}"))
        frames.append(CHAP(element_id=ids[index], start_time=round(chapter.start * 1000),
                           end_time=round(end * 1000), start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                           sub_frames=sub_frames))
    frames.append(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                       child_element_ids=ids, sub_frames=[_text(TIT2, "Chapters")]))
    return frames


def _put_chapters_in_time_order(path: Path) -> None:
    """Reorder the CHAP frames of the ID3v2 tag at the start of `path` by start time, among themselves.

    mutagen writes frames by size (quodlibet/mutagen#506), and players built on ffmpeg list the
    chapters in the order of their frames, whatever the table of contents says. The frames only
    swap places, so the tag keeps its size and the audio after it is neither moved nor touched."""
    with open(path, "r+b") as file:
        header = file.read(_HEADER_SIZE)
        # An unsynchronised tag or an extended header mutagen does not write: left as it is.
        if len(header) < _HEADER_SIZE or not header.startswith(b"ID3") or header[5] & 0xC0:
            return
        body = file.read(_syncsafe(header[6:10]))
        frames = _frame_spans(body, header[3])
        chapters = [span for span in frames if body[span[0]:span[0] + 4] == b"CHAP"]
        ordered = sorted(chapters, key=lambda span: _chapter_start(body, span))
        if ordered == chapters:
            return
        # Only the frames from the first chapter to the last are written again (not the cover
        # art, which mutagen puts last).
        moved = frames[frames.index(chapters[0]):frames.index(chapters[-1]) + 1]
        by_time = iter(ordered)
        region = b"".join(body[slice(*(next(by_time) if span in chapters else span))] for span in moved)
        file.seek(_HEADER_SIZE + moved[0][0])
        file.write(region)


_HEADER_SIZE = 10  # of the tag, and of each frame


def _syncsafe(data: bytes) -> int:
    return sum((byte & 0x7F) << (7 * (len(data) - 1 - index)) for index, byte in enumerate(data))


def _frame_spans(body: bytes, major_version: int) -> list[tuple[int, int]]:
    """(start, end) of each frame in the tag's `body`, up to the padding."""
    spans, position = [], 0
    while position + _HEADER_SIZE <= len(body) and body[position] != 0:
        size_bytes = body[position + 4:position + 8]
        size = _syncsafe(size_bytes) if major_version == 4 else int.from_bytes(size_bytes, "big")
        end = position + _HEADER_SIZE + size
        if end > len(body):
            return []  # not a tag as mutagen writes it: nothing is moved
        spans.append((position, end))
        position = end
    return spans


def _chapter_start(body: bytes, span: tuple[int, int]) -> int:
    """A CHAP frame's start time in ms: the 4 bytes after its element ID and the ID's terminating zero."""
    data = span[0] + _HEADER_SIZE
    after_id = body.index(b"\0", data, span[1]) + 1
    return int.from_bytes(body[after_id:after_id + 4], "big")


FORMAT = Format(name="MP3", extensions=(".mp3",), mime_type="audio/mpeg", matches=matches, probe=probe,
                plan=plan)
