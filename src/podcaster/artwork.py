"""Artwork: what an image really is, and copies sized for where they are used. The only Pillow importer."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from podcaster.errors import ArtworkError

# Embedded covers stay small: players show them at thumbnail sizes and every byte is in every download.
EMBED_MAX_PIXELS = 1400
EMBED_JPEG_QUALITY = 85
# Pictures on pages: WebP at this quality is a fraction of the JPEG's bytes with no visible loss.
PAGE_WEBP_QUALITY = 80
# libwebp's effort (0-6, default 4): 2 encodes in about half the time for some 10 % more bytes,
# which matters when a long archive's covers are all made at once.
PAGE_WEBP_METHOD = 2


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "JPEG", "PNG", …
    mime_type: str
    width: int
    height: int
    mode: str  # "RGB", "CMYK", …


def inspect(path: Path) -> ImageInfo:
    try:
        with Image.open(path) as image:
            return ImageInfo(image.format, Image.MIME.get(image.format, "application/octet-stream"),
                             image.width, image.height, image.mode)
    except (OSError, UnidentifiedImageError) as e:
        raise ArtworkError(f"{path}: not a readable image ({e}); save it as JPEG or PNG") from e


def embeddable_jpeg(path: Path) -> bytes:
    """A JPEG of the image at most EMBED_MAX_PIXELS wide, for embedding in audio files."""
    stat = path.stat()
    # The file's device and inode make two names of one file the same, without resolving the
    # path (a look at each of its folders, for every episode); its size and mtime make an edited
    # image encode again.
    key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    jpeg = _EMBEDDED.pop(key, None) or _embeddable_jpeg(path)
    _EMBEDDED[key] = jpeg  # the last used last: the show's artwork stays among many chapter images
    if len(_EMBEDDED) > _EMBEDDED_KEPT:
        del _EMBEDDED[next(iter(_EMBEDDED))]
    return jpeg


# Most episodes embed the show's artwork: encode it once per run, not once per episode (on a
# cold build of a large show this was two thirds of the time).
_EMBEDDED: dict[tuple[int, int, int, int], bytes] = {}
_EMBEDDED_KEPT = 16


def _embeddable_jpeg(path: Path) -> bytes:
    if _is_plain_small_jpeg(path):
        return path.read_bytes()  # already what would be made, so it is not decoded and encoded again
    return _encoded(_decoded(path, EMBED_MAX_PIXELS), EMBED_MAX_PIXELS, "JPEG", quality=EMBED_JPEG_QUALITY, optimize=True)


def _is_plain_small_jpeg(path: Path) -> bool:
    """An RGB JPEG no larger than an embedded cover may be, carrying nothing but the picture (no
    EXIF, which can hold where a photo was taken, no colour profile or XMP)."""
    try:
        with Image.open(path) as image:
            return (image.format == "JPEG" and image.mode == "RGB" and max(image.size) <= EMBED_MAX_PIXELS
                    and not {"exif", "icc_profile", "xmp", "photoshop"} & set(image.info))
    except (OSError, UnidentifiedImageError):
        return False


def page_images(path: Path, wanted: Sequence[tuple[int, str]], data: bytes | None = None) -> dict[tuple[int, str], bytes]:
    """The image at most `pixels` wide, as WEBP (pictures on pages) or PNG (icons), for each
    (pixels, format) wanted: decoded once for all of them, from `data` when given (the bytes of
    the file at `path`, as read already)."""
    decoded = _decoded(path, max(pixels for pixels, _ in wanted), data)
    return {(pixels, image_format): _encoded(decoded, pixels, image_format, **_PAGE_OPTIONS[image_format])
            for pixels, image_format in dict.fromkeys(wanted)}


_PAGE_OPTIONS = {"WEBP": {"quality": PAGE_WEBP_QUALITY, "method": PAGE_WEBP_METHOD}, "PNG": {"optimize": True}}


def _decoded(path: Path, pixels: int, data: bytes | None = None) -> Image.Image:
    """The image in RGB, decoded at no less than `pixels` where that is cheaper than whole."""
    try:
        with Image.open(path if data is None else io.BytesIO(data)) as image:
            # A JPEG decodes straight at 1/2, 1/4 or 1/8 of its size when that still covers `pixels`:
            # much faster than decoding 1400 px or more to keep 600 of them.
            image.draft("RGB", (pixels, pixels))
            return image.convert("RGB")
    except (OSError, UnidentifiedImageError) as e:
        raise ArtworkError(f"{path}: not a readable image ({e}); save it as JPEG or PNG") from e


def _encoded(decoded: Image.Image, pixels: int, image_format: str, **options) -> bytes:
    sized = decoded.copy()
    # Bicubic, not Lanczos: as sharp to the eye at these sizes, in three quarters of the time.
    sized.thumbnail((pixels, pixels), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    sized.save(buffer, image_format, **options)
    return buffer.getvalue()


def dimensions(data: bytes) -> tuple[int, int]:
    """Width and height of an image held in memory (one made by `embeddable_jpeg`)."""
    with Image.open(io.BytesIO(data)) as image:
        return image.width, image.height


def write_placeholder(path: Path, pixels: int) -> None:
    """A plain square PNG of `pixels` a side: artwork the show can be checked and built with until
    the producer puts theirs in its place."""
    Image.new("RGB", (pixels, pixels), (32, 64, 96)).save(path, "PNG", optimize=True)
