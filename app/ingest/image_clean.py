"""Validate one uploaded image and turn it into the bytes annotators will see and label.

A pure function over bytes, safe to run in a process pool (top-level, plain data in and out,
``ImageRejected`` pickles). Decisions, and why:

* **Keep the original bytes** when the format is one every browser shows (JPEG, PNG, WebP, GIF)
  in a mode it shows as-is, with no EXIF rotation and a single frame. Re-encoding would cost time
  and quality for nothing. Metadata (EXIF incl. GPS) stays in such files: stripping it is the
  separate, on-request privacy step.
* **EXIF orientation is baked into the pixels** (JPEG re-encoded at quality 95, same chroma
  subsampling; lossless sources as PNG) and the tag is dropped. Browsers rotate ``<img>`` by the
  tag, but the labels are delivered to training code that reads the file with PIL, torchvision or
  a dataset loader, and most of those ignore the tag: keeping it would make box coordinates mean
  one thing in the workstation and another at training time. Upright pixels read the same in
  every reader. ``steps["exif_transposed"]`` keeps the original value, so a delivery can map
  labels back to the raw frame if a client asks.
* **Animated images keep their first frame** (PNG; JPEG from lossy WebP), recorded as
  ``steps["animated"]`` (multi-page TIFF and HEIF alike). Annotators
  cannot box a moving target, and frame 0 is what PIL and OpenCV read from the original file, so
  the labels still fit the client's copy. Multi-picture JPEGs (MPO, camera depth maps or previews)
  are not animations: browsers show the first picture, so they are kept as they are.
* **Other formats and modes are re-encoded**: CMYK becomes RGB JPEG; 16-bit greyscale becomes
  8-bit PNG by its top 8 bits (what a browser shows for a 16-bit PNG); 32-bit int and float
  (``I``/``F``) are stretched from their min..max to 0..255, with the range recorded; palettes
  with transparency become RGBA PNG; HEIF/AVIF become JPEG (PNG if they have alpha); TIFF and
  BMP become PNG (lossless, for inspection and medical work; JPEG-compressed TIFF becomes JPEG).
  An all-opaque alpha channel is dropped. PNGs are written at zlib level 1: conversions are rare
  and ingest speed matters more than the last 10% of size. HEIF is taken as libheif shows it,
  turned by its irot/imir boxes (its EXIF orientation is advisory there, as phones write both).
* **The perceptual hash is a dHash** (64 bits, the imagehash algorithm) of the thumbnail, stored
  as a signed int64 for a Postgres BIGINT. With Pillow alone it costs about 0.3 ms; imagehash
  spends the same time in the same resize and would add numpy, scipy and PyWavelets (~170 MB,
  ~140 ms import in every worker). Hashes are comparable between images cleaned with the same
  ``thumb_size``.
* **Size limits are ours**: the header size is compared with ``max_pixels`` before any pixel is
  decoded; Pillow's global ``MAX_IMAGE_PIXELS`` is never changed and its open-time check is not
  used. Pillow still checks some frames itself (MPO, GIF frames, TIFF tiles): its warning is
  silenced while decoding an image whose size we allowed, and its error (over twice its limit)
  becomes a rejection.
* **Truncated files are rejected**, never padded: ``LOAD_TRUNCATED_IMAGES`` stays off and every
  image is decoded to the end. JPEGs kept as they are are decoded at a reduced DCT scale (all
  the thumbnail needs), which still reads every byte of the entropy-coded data. A PNG that lacks
  only its IEND chunk has all its pixels and is accepted.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import warnings
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Final, Literal, cast

import pillow_heif
from PIL import Image, ImageFile, JpegImagePlugin

pillow_heif.register_heif_opener()

RejectCode = Literal[
    "empty", "not_image", "unsupported", "truncated", "decompression_bomb", "corrupt"
]

JPEG_QUALITY: Final = 95  # for re-encoding already-lossy pixels: no visible generation loss
THUMB_QUALITY: Final = 85
PNG_COMPRESS_LEVEL: Final = 1

# Formats decoded here; anything else Pillow can identify is "unsupported", the rest "not_image".
ACCEPTED_FORMATS: Final = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP", "HEIF", "AVIF")
_BROWSER_TYPES: Final = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
_BROWSER_MODES: Final = {
    "JPEG": {"L", "RGB"},
    "MPO": {"L", "RGB"},
    "PNG": {"1", "L", "LA", "P", "RGB", "RGBA"},
    "WEBP": {"RGB", "RGBA"},
    "GIF": {"L", "P"},
}
_EXTENSIONS: Final = {
    "JPEG": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "MPO": {".jpg", ".jpeg", ".jpe", ".jfif", ".mpo"},
    "PNG": {".png", ".apng"},
    "WEBP": {".webp"},
    "GIF": {".gif"},
    "TIFF": {".tif", ".tiff"},
    "BMP": {".bmp", ".dib"},
    "HEIF": {".heic", ".heif", ".hif"},
    "AVIF": {".avif"},
}
_ORIENTATION_TAG: Final = 0x0112
_TRANSPOSE: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# What Pillow's plugins raise on malformed data (Image.open skips a plugin on the first four).
_DECODE_ERRORS: Final = (
    SyntaxError,
    IndexError,
    TypeError,
    struct.error,
    ValueError,
    KeyError,
    EOFError,
    OSError,
    zlib.error,
)
_INT64: Final = 1 << 64
_INT64_MASK: Final = _INT64 - 1


class ImageRejected(Exception):
    """An upload that can not become an item; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: RejectCode, message: str) -> None:
        super().__init__(code, message)  # both in args, so the exception pickles across a pool
        self.code: RejectCode = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes  # the bytes to store and serve
    content_type: str  # of ``data``
    format: str  # the original format sniffed from the bytes (Pillow's name: JPEG, MPO, HEIF...)
    width: int  # as displayed, after orientation
    height: int
    thumbnail: bytes  # JPEG, longest side ``thumb_size`` (smaller images are not enlarged)
    phash: int  # 64-bit dHash as a signed int64
    sha256: str  # hex digest of ``data``
    steps: dict[str, Any] = field(default_factory=dict, hash=False)


def clean_image(
    data: bytes,
    *,
    max_pixels: int = 100_000_000,
    thumb_size: int = 256,
    filename: str | None = None,
) -> CleanImage:
    """Validate ``data`` and return what to store; raise ``ImageRejected`` if it can't be an item.

    ``filename`` is only used to note in ``steps["format_mismatch"]`` an extension that lies
    about the format; the format always comes from the bytes.
    """
    if not data:
        raise ImageRejected("empty", "The file is empty (0 bytes).")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and _riff_size(data) > len(data):
        raise ImageRejected("truncated", "The image data ends early.")  # libwebp only says "error"
    with _decode_errors():
        im = _identify(data)
    fmt = str(im.format)
    width, height = im.size
    if width < 1 or height < 1:
        raise ImageRejected("corrupt", f"The {fmt} header gives an empty size {width}x{height}.")
    if width * height > max_pixels:
        raise ImageRejected(
            "decompression_bomb",
            f"{width}x{height} is {width * height:,} pixels, over the limit of {max_pixels:,}.",
        )
    steps: dict[str, Any] = {}
    _note_extension(filename, fmt, steps)
    with _decode_errors(), _pillow_size_check_passed(width * height):
        stored, content_type, shown = _decode(im, data, thumb_size, steps)
    if shown.size[0] * shown.size[1] > max_pixels:  # a GIF frame may grow the canvas
        raise ImageRejected("decompression_bomb", f"A frame grows the image to {shown.size}.")
    if stored is not data:  # re-encoded: the size as shown (a kept JPEG may be a reduced draft)
        width, height = shown.size
    thumb = _thumbnail(shown, thumb_size)
    return CleanImage(
        data=stored,
        content_type=content_type,
        format=fmt,
        width=width,
        height=height,
        thumbnail=_encode_jpeg(thumb, THUMB_QUALITY),
        phash=dhash(thumb),
        sha256=hashlib.sha256(stored).hexdigest(),
        steps=steps,
    )


def hamming(a: int, b: int) -> int:
    """Bits that differ between two 64-bit hashes, signed or unsigned."""
    return ((a ^ b) & _INT64_MASK).bit_count()


def dhash(image: Image.Image) -> int:
    """The 64-bit difference hash (imagehash's ``dhash`` bit order) as a signed int64."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS).tobytes()
    value = 0
    for row in range(8):
        for col in range(8):
            left = small[row * 9 + col]
            value = (value << 1) | (small[row * 9 + col + 1] > left)
    return value - _INT64 if value >= 1 << 63 else value


def _identify(data: bytes) -> ImageFile.ImageFile:
    """Open the header with our accepted plugins only, without Pillow's global size check."""
    Image.init()  # loads every plugin once; later calls return at once
    fp = io.BytesIO(data)
    im = _open_with(fp, ACCEPTED_FORMATS)
    if im is not None:
        return im
    with warnings.catch_warnings():  # only reached for a rejection; other plugins may warn
        warnings.simplefilter("ignore")
        others = [name for name in Image.OPEN if name not in ACCEPTED_FORMATS]
        try:
            other = _open_with(fp, others)
        except Exception:  # identification is best effort: the answer is a rejection either way
            other = None
    if other is not None:
        raise ImageRejected(
            "unsupported",
            f"{other.format} images are not accepted; convert to JPEG, PNG or WebP.",
        )
    raise ImageRejected("not_image", "The bytes are not an image in any known format.")


def _open_with(fp: io.BytesIO, formats: Iterable[str]) -> ImageFile.ImageFile | None:
    prefix = fp.getvalue()[:16]
    for name in formats:
        if name not in Image.OPEN:  # AVIF needs a Pillow built with libavif
            continue
        factory, accept = Image.OPEN[name]
        if accept is not None and accept(prefix) is not True:
            continue
        fp.seek(0)
        try:
            return factory(fp, "")
        except (SyntaxError, IndexError, TypeError, struct.error):  # not this format
            continue
    return None


@contextmanager
def _decode_errors() -> Iterator[None]:
    try:
        yield
    except Image.DecompressionBombError as exc:
        raise ImageRejected("decompression_bomb", str(exc)) from exc
    except EOFError as exc:
        raise ImageRejected("truncated", "The image data ends early.") from exc
    except _DECODE_ERRORS as exc:
        detail = str(exc).strip()
        if "truncated" in detail.lower() or "end of file" in detail.lower():
            raise ImageRejected("truncated", "The image data ends early.") from exc
        raise ImageRejected("corrupt", f"The image data is damaged: {detail}") from exc


@contextmanager
def _pillow_size_check_passed(pixels: int) -> Iterator[None]:
    """Silence Pillow's size warning for an image we already allowed (only those over its limit).

    ``catch_warnings`` touches process-wide state, so it is entered only in that rare case.
    """
    limit = Image.MAX_IMAGE_PIXELS
    if limit is None or pixels <= limit:
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def _note_extension(filename: str | None, fmt: str, steps: dict[str, Any]) -> None:
    if not filename:
        return
    ext = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if ext not in _EXTENSIONS.get(fmt, set()):
        steps["format_mismatch"] = {"extension": ext, "actual": fmt}


def _decode(
    im: ImageFile.ImageFile, data: bytes, thumb_size: int, steps: dict[str, Any]
) -> tuple[bytes, str, Image.Image]:
    """Fully decode ``im``; return (bytes to store, their content type, the image they show)."""
    fmt = str(im.format)
    orientation = _orientation(im, fmt)
    animated = fmt != "MPO" and bool(getattr(im, "is_animated", False))
    if (
        fmt in _BROWSER_TYPES
        and im.mode in _BROWSER_MODES[fmt]
        and orientation == 1
        and not animated
        and not _palette_alpha(im)
    ):
        if fmt in ("JPEG", "MPO"):
            im.draft(im.mode, _fit(im.size, thumb_size))
        im.load()
        return data, _BROWSER_TYPES[fmt], im

    if animated:  # the frame open() chose: the first, or a HEIF's primary image
        steps["animated"] = {"frames": getattr(im, "n_frames", 1), "kept_frame": im.tell()}
    lossy = _is_lossy(im, fmt, data)
    subsampling = JpegImagePlugin.get_sampling(im) if fmt in ("JPEG", "MPO") else -1
    icc = im.info.get("icc_profile")
    im.load()
    shown: Image.Image = im
    if orientation != 1:
        shown = shown.transpose(_TRANSPOSE[orientation])
        steps["exif_transposed"] = orientation
    shown, converted = _to_display_mode(shown, steps)
    if converted:
        steps["converted"] = converted
        if converted.startswith("CMYK"):
            icc = None  # a CMYK profile does not describe RGB pixels
    if shown.mode in ("LA", "RGBA") and _alpha_range(shown)[0] == 255:
        shown = shown.convert(shown.mode[:-1])  # opaque alpha (animated WebP frames) says nothing
    buf = io.BytesIO()
    extra: dict[str, Any] = {"icc_profile": icc} if icc else {}
    if lossy and shown.mode in ("L", "RGB"):
        if subsampling != -1:
            extra["subsampling"] = subsampling
        shown.save(buf, "JPEG", quality=JPEG_QUALITY, **extra)
        steps["reencoded"] = "jpeg"
        return buf.getvalue(), "image/jpeg", shown
    shown.save(buf, "PNG", compress_level=PNG_COMPRESS_LEVEL, **extra)
    steps["reencoded"] = "png"
    return buf.getvalue(), "image/png", shown


def _orientation(im: Image.Image, fmt: str) -> int:
    if fmt == "HEIF":
        return 1  # HEIF rotates by its irot/imir boxes, which libheif applies; EXIF is advisory
    if fmt not in ("JPEG", "MPO"):
        # PNG may keep EXIF after the pixels, and getexif() would decode them: do it here so a
        # decoding error is a rejection, not "unreadable EXIF" (which would leave it half-loaded).
        im.load()
    try:
        value = im.getexif().get(_ORIENTATION_TAG)
    except _DECODE_ERRORS:
        return 1  # unreadable EXIF: browsers ignore it too
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


def _alpha_range(im: Image.Image) -> tuple[int, int]:
    return cast("tuple[int, int]", im.getchannel("A").getextrema())


def _palette_alpha(im: Image.Image) -> bool:
    return im.mode in ("P", "PA") and im.has_transparency_data


def _is_lossy(im: Image.Image, fmt: str, data: bytes) -> bool:
    if fmt in ("JPEG", "MPO", "HEIF", "AVIF"):
        return True
    if fmt == "WEBP":
        return not _webp_lossless(data)
    if fmt == "TIFF":
        return im.info.get("compression") in ("jpeg", "tiff_jpeg")
    return False


def _webp_lossless(data: bytes) -> bool:
    """Whether the first image chunk of a RIFF/WebP file is VP8L (lossless)."""
    pos = 12
    while pos + 8 <= len(data):
        fourcc = data[pos : pos + 4]
        if fourcc in (b"VP8L", b"VP8 "):
            return fourcc == b"VP8L"
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        pos += 8 + size + (size & 1)
    return False


def _riff_size(data: bytes) -> int:
    return 8 + int.from_bytes(data[4:8], "little")


def _to_display_mode(im: Image.Image, steps: dict[str, Any]) -> tuple[Image.Image, str | None]:
    """An 8-bit mode a browser and an annotation canvas show faithfully."""
    mode = im.mode
    if mode in ("1", "L", "LA", "RGB", "RGBA") or (mode == "P" and not _palette_alpha(im)):
        return im, None
    if mode in ("P", "PA"):
        return im.convert("RGBA"), f"{mode}->RGBA"
    if mode.startswith("I;16"):
        # Keep the top 8 bits, as a browser does when it shows a 16-bit PNG.
        return im.convert("I").point(lambda v: v / 256).convert("L"), f"{mode}->L"
    if mode in ("I", "F"):
        low, high = cast("tuple[float, float]", im.getextrema())  # one band: (min, max)
        if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
            low, high = 0.0, 1.0
        scale = 255 / (high - low)
        steps["value_range"] = [low, high]
        return im.point(lambda v: v * scale - low * scale).convert("L"), f"{mode}->L"
    target = "RGBA" if "A" in mode or im.has_transparency_data else "RGB"
    return im.convert(target), f"{mode}->{target}"


def _fit(size: tuple[int, int], box: int) -> tuple[int, int]:
    width, height = size
    longest = max(width, height)
    if longest <= box:
        return size
    return max(1, round(width * box / longest)), max(1, round(height * box / longest))


def _thumbnail(im: Image.Image, size: int) -> Image.Image:
    """The image at most ``size`` on its longest side, flattened onto white, in L or RGB."""
    if im.mode == "P":
        im = im.convert("RGBA" if im.has_transparency_data else "RGB")
    elif im.mode not in ("L", "LA", "RGB", "RGBA"):
        im = im.convert("L" if im.mode == "1" else "RGB")
    target = _fit(im.size, size)
    if target != im.size:
        # reducing_gap=1: box-reduce by the integer factor first, as a JPEG draft does (3x faster)
        im = im.resize(target, Image.Resampling.BICUBIC, reducing_gap=1.0)
    if im.mode in ("LA", "RGBA"):
        flat = Image.new(im.mode[:-1], im.size, 255 if im.mode == "LA" else (255, 255, 255))
        flat.paste(im.convert(flat.mode), mask=im.getchannel("A"))
        im = flat
    return im


def _encode_jpeg(im: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()
