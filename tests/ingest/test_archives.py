"""iter_zip_members on zips built here, honest and hostile."""

from __future__ import annotations

import random
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ingest.archives import (
    ArchiveMember,
    ArchiveProblem,
    ArchiveRejected,
    iter_zip_members,
    safe_member_name,
)

JPEG_LIKE = b"\xff\xd8\xff\xe0" + random.Random(0).randbytes(3000)  # incompressible, like photos


def zeros_50mb() -> bytes:
    return bytes(50 * 1024 * 1024)  # deflates about 1000:1


def make_zip(path: Path, members: Sequence[tuple[str | zipfile.ZipInfo, bytes]], **kw: Any) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, **kw) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def read_all(path: Path, **limits: Any) -> list[ArchiveMember | ArchiveProblem]:
    return list(iter_zip_members(path, **limits))


def problems(path: Path, **limits: Any) -> dict[str, str]:
    return {p.name: p.code for p in read_all(path, **limits) if isinstance(p, ArchiveProblem)}


def patch_directory(path: Path, name: bytes, **fields: int) -> None:
    """Overwrite fields of ``name``'s central directory entry (flags in its local header too)."""
    data = bytearray(path.read_bytes())
    (directory_at,) = struct.unpack_from("<I", data, data.rindex(b"PK\x05\x06") + 16)
    central = data.index(name, directory_at) - 46
    local = data.index(name) - 30  # the first occurrence is in the member's local header
    offsets = {"flags": 8, "compress_size": 20, "file_size": 24}
    for field, value in fields.items():
        if field == "flags":
            struct.pack_into("<H", data, central + 8, value)
            struct.pack_into("<H", data, local + 6, value)
        else:
            struct.pack_into("<I", data, central + offsets[field], value)
    path.write_bytes(bytes(data))


# --- honest archives -------------------------------------------------------------------------


def test_regular_members_come_out_with_their_bytes_and_directories_are_skipped(
    tmp_path: Path,
) -> None:
    png_like = b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(500)
    path = tmp_path / "set.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("cats/", b"")
        archive.writestr("cats/a.jpg", JPEG_LIKE, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("cats/./b.png", png_like, compress_type=zipfile.ZIP_STORED)
        archive.writestr("empty.jpg", b"")

    assert read_all(path) == [
        ArchiveMember("cats/a.jpg", JPEG_LIKE),
        ArchiveMember("cats/b.png", png_like),
        ArchiveMember("empty.jpg", b""),
    ]


def test_gbk_names_from_a_chinese_windows_zip_are_decoded(tmp_path: Path) -> None:
    gbk = "图片/猫.jpg".encode("gbk")
    placeholder = b"q" * len(gbk)
    path = make_zip(tmp_path / "win.zip", [(placeholder.decode(), JPEG_LIKE)])
    path.write_bytes(path.read_bytes().replace(placeholder, gbk))  # no UTF-8 flag, as Windows

    assert read_all(path) == [ArchiveMember("图片/猫.jpg", JPEG_LIKE)]


def test_an_info_zip_unicode_path_field_names_the_member(tmp_path: Path) -> None:
    big5 = "中文.jpg".encode("big5")  # a Traditional-Chinese Windows code page
    placeholder = b"q" * len(big5)
    info = zipfile.ZipInfo(placeholder.decode())
    utf8 = "中文.jpg".encode()
    info.extra = struct.pack("<HHBI", 0x7075, 5 + len(utf8), 1, zlib.crc32(big5)) + utf8
    path = make_zip(tmp_path / "win.zip", [(info, JPEG_LIKE)])
    path.write_bytes(path.read_bytes().replace(placeholder, big5))

    assert read_all(path) == [ArchiveMember("中文.jpg", JPEG_LIKE)]


def test_decomposed_unicode_names_are_composed(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "mac.zip", [("cafe\u0301.jpg", JPEG_LIKE)])

    assert read_all(path) == [ArchiveMember("caf\u00e9.jpg", JPEG_LIKE)]


def test_a_flat_image_may_compress_well_within_the_grace(tmp_path: Path) -> None:
    blank_bmp = b"BM" + bytes(900_000)  # a blank 640x480 BMP compresses ~1000:1
    path = make_zip(tmp_path / "blank.zip", [("blank.bmp", blank_bmp)])

    assert read_all(path) == [ArchiveMember("blank.bmp", blank_bmp)]


# --- members that are skipped ----------------------------------------------------------------


def test_paths_that_escape_the_folder_are_unsafe(tmp_path: Path) -> None:
    names = ["../evil.jpg", "/abs.jpg", "C:\\x.jpg", "C:/x.jpg", "a/../../b.jpg", "x\\y.jpg"]
    path = make_zip(tmp_path / "slip.zip", [(n, JPEG_LIKE) for n in [*names, "fine.jpg"]])

    assert problems(path) == dict.fromkeys(names, "unsafe_path")
    assert [m.name for m in read_all(path) if isinstance(m, ArchiveMember)] == ["fine.jpg"]


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link.jpg")
    link.external_attr = 0o120777 << 16
    link.create_system = 3
    path = make_zip(tmp_path / "link.zip", [(link, b"/etc/passwd")])

    assert problems(path) == {"link.jpg": "symlink"}


def test_nested_archives_are_refused_by_name_and_by_content(tmp_path: Path) -> None:
    inner = make_zip(tmp_path / "inner.zip", [("a.jpg", JPEG_LIKE)]).read_bytes()
    gzip_bytes = b"\x1f\x8b\x08\x00" + bytes(20)
    path = make_zip(
        tmp_path / "outer.zip",
        [("inner.zip", inner), ("more.tar.gz", gzip_bytes), ("sneaky.jpg", inner)],
    )

    assert problems(path) == dict.fromkeys(
        ["inner.zip", "more.tar.gz", "sneaky.jpg"], "nested_archive"
    )


def test_os_junk_and_hidden_files_are_skipped(tmp_path: Path) -> None:
    junk = ["__MACOSX/cats/._a.jpg", ".DS_Store", "cats/.DS_Store", "cats/Thumbs.db", ".git/x"]
    path = make_zip(tmp_path / "mac.zip", [(n, b"junk") for n in junk] + [("cats/a.jpg", b"a")])

    assert problems(path) == dict.fromkeys(junk, "junk")


def test_encrypted_members_are_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "enc.zip", [("secret.jpg", JPEG_LIKE), ("open.jpg", JPEG_LIKE)])
    patch_directory(path, b"secret.jpg", flags=0x1)  # zipfile can't encrypt: set the flag bit

    assert problems(path) == {"secret.jpg": "encrypted"}


def test_duplicate_names_keep_the_first(tmp_path: Path) -> None:
    path = tmp_path / "dup.zip"
    with pytest.warns(UserWarning, match="Duplicate name"):
        make_zip(path, [("a.jpg", b"first"), ("a.jpg", b"second")])

    assert read_all(path) == [
        ArchiveMember("a.jpg", b"first"),
        ArchiveProblem("a.jpg", "duplicate_name", "An earlier member has the same name."),
    ]


def test_bzip2_members_are_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "bz.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("a.jpg", JPEG_LIKE)

    assert problems(path) == {"a.jpg": "unsupported"}


def test_damaged_data_and_a_lying_local_header_are_corrupt(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bad.zip", [("damaged.jpg", JPEG_LIKE), ("renamed.jpg", b"r")])
    data = bytearray(path.read_bytes())
    start = data.index(b"damaged.jpg") + len("damaged.jpg") + 100
    data[start : start + 50] = bytes(50)
    local = data.index(b"renamed.jpg")  # the local header comes first
    data[local : local + 11] = b"payload.exe"
    path.write_bytes(bytes(data))

    assert problems(path) == {"damaged.jpg": "corrupt", "renamed.jpg": "corrupt"}


# --- zip bombs and lying headers -------------------------------------------------------------


def test_a_zip_bomb_is_refused_from_its_declared_ratio(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bomb.zip", [("zeros.bmp", zeros_50mb())])

    assert problems(path) == {"zeros.bmp": "ratio"}


def test_a_bomb_that_declares_an_honest_ratio_is_stopped_while_inflating(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bomb.zip", [("zeros.bmp", zeros_50mb())])
    patch_directory(path, b"zeros.bmp", compress_size=60 * 1024 * 1024)  # claims no compression

    assert problems(path, max_member_size=64 * 1024 * 1024) == {"zeros.bmp": "ratio"}


def test_a_member_larger_than_it_declares_is_stopped_at_the_member_limit(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bomb.zip", [("zeros.bmp", zeros_50mb())])
    patch_directory(path, b"zeros.bmp", file_size=1000)

    assert problems(path, max_member_size=2 * 1024 * 1024, max_ratio=1e9) == {
        "zeros.bmp": "too_large"
    }


def test_a_member_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "big.zip", [("big.jpg", JPEG_LIKE), ("small.jpg", b"s")])

    assert problems(path, max_member_size=1000) == {"big.jpg": "too_large"}


def test_a_size_that_differs_from_the_header_is_corrupt(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "lie.zip", [("a.jpg", JPEG_LIKE)])
    patch_directory(path, b"a.jpg", file_size=len(JPEG_LIKE) - 1)

    assert problems(path) == {"a.jpg": "corrupt"}


# --- whole-archive refusals ------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"not a zip at all" * 100, JPEG_LIKE])
def test_files_that_are_not_zips_are_rejected(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "upload.zip"
    path.write_bytes(content)

    with pytest.raises(ArchiveRejected) as info:
        read_all(path)
    assert info.value.code == "not_zip"


def test_too_many_members_are_rejected_before_reading(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "many.zip", [(f"{i}.jpg", b"x") for i in range(4)])

    with pytest.raises(ArchiveRejected) as info:
        next(iter_zip_members(path, max_members=3))
    assert info.value.code == "too_many_members"


def test_an_end_record_that_understates_the_count_is_caught(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "many.zip", [(f"{i}.jpg", b"x") for i in range(4)])
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 1, 1)
    path.write_bytes(bytes(data))

    with pytest.raises(ArchiveRejected) as info:
        read_all(path, max_members=3)
    assert info.value.code == "too_many_members"


def test_declared_total_over_the_cap_is_rejected_before_reading(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "total.zip", [("a.jpg", JPEG_LIKE), ("b.jpg", JPEG_LIKE)])

    with pytest.raises(ArchiveRejected) as info:
        next(iter_zip_members(path, max_total_uncompressed=len(JPEG_LIKE) + 1))
    assert info.value.code == "too_large_total"


def test_inflated_total_over_the_cap_stops_the_archive(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "total.zip", [("a.jpg", JPEG_LIKE), ("b.jpg", JPEG_LIKE)])
    patch_directory(path, b"a.jpg", file_size=10)
    patch_directory(path, b"b.jpg", file_size=10)
    members = iter_zip_members(path, max_total_uncompressed=len(JPEG_LIKE) + 100)

    first = next(members)
    assert isinstance(first, ArchiveProblem)
    assert first.code == "corrupt"
    with pytest.raises(ArchiveRejected) as info:
        next(members)
    assert info.value.code == "too_large_total"


# --- names -----------------------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(st.text(alphabet=st.sampled_from("ab./\\:C\x00 é"), max_size=12))
def test_a_safe_name_never_leaves_the_folder(name: str) -> None:
    safe = safe_member_name(name)

    if safe is not None:
        parts = safe.split("/")
        assert "" not in parts
        assert ".." not in parts
        assert "." not in parts
        assert "\\" not in safe
        assert "\x00" not in safe
        assert not re.match("[A-Za-z]:", safe)
