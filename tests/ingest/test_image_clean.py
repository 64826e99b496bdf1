"""clean_image on images made here with Pillow: what is kept, re-encoded or refused."""

from __future__ import annotations

import hashlib
import io
import pickle
import random
import struct
import zlib
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageOps, ImageStat

from app.ingest.image_clean import CleanImage, ImageRejected, clean_image, hamming


def scene(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A photo-sized picture with structure a perceptual hash can see."""
    rng = random.Random(seed)
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(25):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(20, 250), rng.randrange(20, 200)
        color = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + w, y + h), fill=color)
    return img


def encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def mean_abs_diff(a: Image.Image, b: Image.Image) -> float:
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    return sum(ImageStat.Stat(diff).mean) / 3


def assert_thumbnail(result: CleanImage, size: tuple[int, int]) -> None:
    thumb = decode(result.thumbnail)
    assert thumb.format == "JPEG"
    assert thumb.size == size


# --- kept as uploaded ------------------------------------------------------------------------


def test_plain_jpeg_keeps_its_exact_bytes() -> None:
    data = encode(scene(1), "JPEG", quality=85)

    result = clean_image(data, filename="cat.jpg")

    assert result.data == data
    assert (result.content_type, result.format) == ("image/jpeg", "JPEG")
    assert (result.width, result.height) == (640, 480)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.steps == {}
    assert_thumbnail(result, (256, 192))
    assert -(2**63) <= result.phash < 2**63


@pytest.mark.parametrize(
    ("fmt", "mode", "content_type"),
    [
        ("PNG", "RGB", "image/png"),
        ("PNG", "RGBA", "image/png"),
        ("PNG", "L", "image/png"),
        ("PNG", "P", "image/png"),
        ("WEBP", "RGB", "image/webp"),
        ("GIF", "P", "image/gif"),
        ("JPEG", "L", "image/jpeg"),
    ],
)
def test_browser_formats_in_normal_modes_are_kept(fmt: str, mode: str, content_type: str) -> None:
    data = encode(scene(2).convert(mode), fmt)

    result = clean_image(data)

    assert result.data == data
    assert result.content_type == content_type
    assert result.steps == {}
    assert_thumbnail(result, (256, 192))


def test_multi_picture_jpeg_is_kept_like_a_jpeg() -> None:
    first, second = scene(3), scene(4)
    data = encode(first, "MPO", save_all=True, append_images=[second])

    result = clean_image(data)

    assert (result.format, result.content_type) == ("MPO", "image/jpeg")
    assert result.data == data
    assert "animated" not in result.steps


def test_small_images_are_not_enlarged_for_the_thumbnail() -> None:
    result = clean_image(encode(scene(5, (100, 40)), "PNG"))

    assert (result.width, result.height) == (100, 40)
    assert_thumbnail(result, (100, 40))


def test_thumb_size_is_the_longest_side() -> None:
    result = clean_image(encode(scene(5, (300, 900)), "JPEG"), thumb_size=128)

    assert_thumbnail(result, (43, 128))


def test_an_extension_that_lies_is_noted_not_refused() -> None:
    data = encode(scene(6), "JPEG")

    result = clean_image(data, filename="photos/IMG_1.PNG")

    assert result.data == data
    assert result.format == "JPEG"
    assert result.steps == {"format_mismatch": {"extension": ".png", "actual": "JPEG"}}


# --- re-encoded ------------------------------------------------------------------------------


def test_exif_rotation_is_baked_into_the_pixels() -> None:
    raw = scene(7)
    ImageDraw.Draw(raw).rectangle((0, 0, 59, 59), fill=(255, 0, 0))  # raw top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    data = encode(raw, "JPEG", quality=90, exif=exif)

    result = clean_image(data)

    assert (result.width, result.height) == (480, 640)
    assert result.steps == {"exif_transposed": 6, "reencoded": "jpeg"}
    assert result.content_type == "image/jpeg"
    stored = decode(result.data)
    assert stored.size == (480, 640)
    assert stored.getexif().get(0x0112) in (None, 1)
    # The marker is now top-right, where a browser applying the tag would show it.
    assert stored.convert("RGB").getpixel((450, 20)) == pytest.approx((254, 0, 0), abs=40)
    assert mean_abs_diff(stored, ImageOps.exif_transpose(decode(data))) < 2
    assert_thumbnail(result, (192, 256))


def test_cmyk_jpeg_becomes_rgb_jpeg() -> None:
    data = encode(scene(8).convert("CMYK"), "JPEG", quality=95)

    result = clean_image(data)

    assert result.steps == {"converted": "CMYK->RGB", "reencoded": "jpeg"}
    stored = decode(result.data)
    assert (stored.format, stored.mode) == ("JPEG", "RGB")
    assert mean_abs_diff(stored, scene(8)) < 4


def test_16_bit_png_becomes_8_bit_png_by_its_top_bits() -> None:
    values = [v * 257 for v in range(256)]  # 0..65535
    img16 = Image.frombytes("I;16", (256, 1), struct.pack("<256H", *values))
    data = encode(img16.resize((256, 64)), "PNG")
    assert decode(data).mode == "I;16"

    result = clean_image(data)

    assert result.steps == {"converted": "I;16->L", "reencoded": "png"}
    stored = decode(result.data)
    assert (stored.format, stored.mode) == ("PNG", "L")
    assert list(stored.crop((0, 0, 256, 1)).tobytes()) == list(range(256))


def test_float_tiff_is_stretched_to_8_bits_and_the_range_recorded() -> None:
    img = Image.linear_gradient("L").convert("F").point(lambda v: v * 0.01 - 1)

    result = clean_image(encode(img, "TIFF"))

    assert result.steps["converted"] == "F->L"
    assert result.steps["value_range"] == pytest.approx([-1.0, 1.55])
    assert decode(result.data).getextrema() == (0, 255)


def test_palette_with_transparency_becomes_rgba_png() -> None:
    img = Image.new("P", (64, 48), 1)
    img.putpalette([0, 0, 0, 200, 30, 30])
    ImageDraw.Draw(img).rectangle((0, 0, 15, 15), fill=0)
    data = encode(img, "PNG", transparency=0)

    result = clean_image(data)

    assert result.steps == {"converted": "P->RGBA", "reencoded": "png"}
    stored = decode(result.data)
    assert stored.mode == "RGBA"
    assert stored.getpixel((0, 0)) == (0, 0, 0, 0)
    assert stored.getpixel((40, 40)) == (200, 30, 30, 255)


@pytest.mark.parametrize("fmt", ["TIFF", "BMP"])
def test_tiff_and_bmp_become_lossless_png(fmt: str) -> None:
    img = scene(9)

    result = clean_image(encode(img, fmt), filename=f"x.{fmt.lower()}")

    assert result.steps == {"reencoded": "png"}
    assert (result.format, result.content_type) == (fmt, "image/png")
    assert ImageChops.difference(decode(result.data).convert("RGB"), img).getbbox() is None


@pytest.mark.parametrize(
    ("fmt", "stored_type"),
    [("GIF", "image/png"), ("PNG", "image/png"), ("WEBP", "image/jpeg")],
    ids=["gif", "apng", "webp"],
)
def test_animations_keep_their_first_frame(fmt: str, stored_type: str) -> None:
    frames = [scene(10).quantize(), scene(11).quantize(), scene(12).quantize()]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:])

    result = clean_image(data)

    assert result.steps["animated"] == {"frames": 3, "kept_frame": 0}
    assert result.content_type == stored_type
    stored = decode(result.data)
    assert getattr(stored, "n_frames", 1) == 1
    assert mean_abs_diff(stored, frames[0]) < 3


def test_exif_rotation_of_a_lossless_image_stays_lossless() -> None:
    exif = Image.Exif()
    exif[0x0112] = 8
    img = scene(24)

    result = clean_image(encode(img, "PNG", exif=exif))

    assert result.steps == {"exif_transposed": 8, "reencoded": "png"}
    expected = img.transpose(Image.Transpose.ROTATE_90)
    assert ImageChops.difference(decode(result.data).convert("RGB"), expected).getbbox() is None


def test_heic_becomes_jpeg_upright() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # pillow-heif writes it as the container's rotation (irot), as phones do
    data = encode(scene(13), "HEIF", quality=90, exif=exif.tobytes())

    result = clean_image(data, filename="IMG_0001.HEIC")

    assert result.format == "HEIF"
    assert result.content_type == "image/jpeg"
    assert result.steps == {"reencoded": "jpeg"}
    assert (result.width, result.height) == (480, 640)
    assert decode(result.data).size == (480, 640)


# --- refused ---------------------------------------------------------------------------------


def rejected(data: bytes, **kwargs: Any) -> ImageRejected:
    with pytest.raises(ImageRejected) as info:
        clean_image(data, **kwargs)
    return info.value


def test_empty_bytes_are_refused() -> None:
    assert rejected(b"").code == "empty"


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is a text file\n",
        b"<!DOCTYPE html><html><body><img src=x></body></html>",
        b"PK\x03\x04" + bytes(200),
        bytes(1000),
    ],
    ids=["text", "html", "zip", "zeros"],
)
def test_bytes_that_are_not_an_image_are_refused(data: bytes) -> None:
    assert rejected(data, filename="photo.jpg").code == "not_image"


def test_an_image_format_we_do_not_take_is_unsupported() -> None:
    error = rejected(encode(scene(14), "PPM"))

    assert error.code == "unsupported"
    assert "PPM" in error.message


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP", "HEIF"])
@pytest.mark.parametrize("keep", [0.5, 0.95])
def test_truncated_images_are_refused_not_padded(fmt: str, keep: float) -> None:
    data = encode(scene(15).quantize() if fmt == "GIF" else scene(15), fmt)

    assert rejected(data[: int(len(data) * keep)]).code == "truncated"


def test_a_progressive_jpeg_cut_short_is_refused() -> None:
    data = encode(scene(15), "JPEG", progressive=True)

    assert rejected(data[:-200]).code == "truncated"


def test_a_damaged_png_stream_is_corrupt() -> None:
    data = bytearray(encode(scene(16), "PNG"))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)

    assert rejected(bytes(data)).code == "corrupt"


def png_claiming(width: int, height: int) -> bytes:
    """A real 8x8 PNG whose IHDR (CRC fixed up) claims another size."""
    data = bytearray(encode(Image.new("RGB", (8, 8)), "PNG"))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def test_a_huge_header_is_refused_before_decoding() -> None:
    error = rejected(png_claiming(50_000, 50_000))

    assert error.code == "decompression_bomb"
    assert "2,500,000,000" in error.message


def test_max_pixels_is_the_callers_limit() -> None:
    data = encode(scene(17), "JPEG")

    assert rejected(data, max_pixels=640 * 480 - 1).code == "decompression_bomb"
    assert clean_image(data, max_pixels=640 * 480).width == 640


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF", "GIF"])
def test_pillow_limit_below_ours_neither_warns_nor_changes(
    fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 640x480 is over this limit but under twice it: Pillow would warn (an error in this suite).
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 200_000)

    result = clean_image(encode(scene(18), fmt))

    assert (result.width, result.height) == (640, 480)
    assert Image.MAX_IMAGE_PIXELS == 200_000


def test_pillow_refusing_a_frame_over_twice_its_limit_is_a_bomb(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pillow's own per-frame check (TIFF here) raises over twice its limit: a hard floor.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)

    assert rejected(encode(scene(18), "TIFF")).code == "decompression_bomb"


# --- perceptual hash -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        lambda img: encode(img, "JPEG", quality=40),
        lambda img: encode(ImageEnhance.Brightness(img).enhance(1.08), "JPEG"),
        lambda img: encode(img.resize((320, 240)), "PNG"),
    ],
    ids=["quality-40", "brighter", "half-size-png"],
)
def test_near_duplicates_have_close_hashes(variant: Any) -> None:
    for seed in (20, 21, 22):
        original = clean_image(encode(scene(seed), "JPEG", quality=90))
        copy = clean_image(variant(scene(seed)))
        assert hamming(original.phash, copy.phash) <= 6


def test_different_images_have_distant_hashes() -> None:
    hashes = [clean_image(encode(scene(seed), "JPEG")).phash for seed in (0, 1, 2, 3)]

    distances = [hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) > 20


def test_hamming_treats_signed_and_unsigned_alike() -> None:
    assert hamming(-1, 2**64 - 1) == 0
    assert hamming(0, -1) == 64
    assert hamming(0b1011, 0b0001) == 2


# --- process pool ----------------------------------------------------------------------------


def test_results_and_rejections_cross_a_process_boundary() -> None:
    result = clean_image(encode(scene(23), "PNG"))
    error = rejected(b"")

    assert pickle.loads(pickle.dumps(result)) == result
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message) == (error.code, error.message)
