"""A zip writer whose memory does not grow with its entries.

``zipfile.ZipFile`` keeps a ``ZipInfo`` per entry until it writes the central directory (about
350 bytes an entry: 350 MB for the labels of a million images). This writer spools each central
directory record to a temporary file instead and copies it at the end. It writes what the export
needs and nothing more: deflated entries, UTF-8 names, one time for all entries, and ZIP64
records wherever a size, an offset or the entry count passes the classic format's limits
(APPNOTE 6.3, sections 4.3 and 4.5.3).
"""

from __future__ import annotations

import struct
import zlib
from typing import IO, BinaryIO

from app.exports.formats.base import copy_spool

ZipTime = tuple[int, int, int, int, int, int]

_MARK32 = 0xFFFFFFFF  # "see the ZIP64 record" in a 4-byte field
_MARK16 = 0xFFFF
_CHUNK = 1 << 20
# Where ZIP64 starts. Deflate may grow incompressible data a little: entries near the limit
# use it too.
_BIG_ENTRY = _MARK32 - (64 << 20)
_BIG_OFFSET = _MARK32
_MANY = _MARK16
_DEFLATED = 8
_UTF8 = 0x800
_UNIX_FILE = 0o100644 << 16  # a regular file, rw-r--r--


class ZipStream:
    def __init__(self, out: BinaryIO, when: ZipTime, directory: IO[bytes]) -> None:
        self._out = out
        self._directory = directory  # a temporary file for the central directory records
        self._count = 0
        year, month, day, hour, minute, second = when
        self._dos_date = (year - 1980) << 9 | month << 5 | day
        self._dos_time = hour << 11 | minute << 5 | second // 2

    def write(self, name: str, data: bytes) -> None:
        """An entry from bytes in memory (small files: one per image)."""
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = packer.compress(data) + packer.flush()
        offset = self._out.tell()
        zip64 = len(data) > _BIG_ENTRY
        self._out.write(self._local(name, zlib.crc32(data), len(packed), len(data), zip64))
        self._out.write(packed)
        self._record(name, zlib.crc32(data), len(packed), len(data), offset, zip64)

    def write_file(self, name: str, source: IO[bytes]) -> None:
        """An entry from a spooled file of any size: the local header is patched afterwards."""
        source.seek(0, 2)
        size = source.tell()
        source.seek(0)
        zip64 = size > _BIG_ENTRY
        offset = self._out.tell()
        self._out.write(self._local(name, 0, 0, size, zip64))
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        crc, packed_size = 0, 0
        while chunk := source.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
            packed = packer.compress(chunk)
            packed_size += len(packed)
            self._out.write(packed)
        tail = packer.flush()
        packed_size += len(tail)
        self._out.write(tail)
        end = self._out.tell()
        self._out.seek(offset)
        self._out.write(self._local(name, crc, packed_size, size, zip64))
        self._out.seek(end)
        self._record(name, crc, packed_size, size, offset, zip64)

    def close(self) -> None:
        """The central directory and its end records."""
        start = self._out.tell()
        copy_spool(self._directory, self._out)
        end = self._out.tell()
        size = end - start
        count = self._count
        if count >= _MANY or start >= _BIG_OFFSET or size >= _BIG_OFFSET:
            # ZIP64 end of central directory record, then its locator
            self._out.write(
                struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, size, start)
            )
            self._out.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
            count, size, start = _MARK16, _MARK32, _MARK32
        self._out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, start, 0))

    def _local(self, name: str, crc: int, packed: int, size: int, zip64: bool) -> bytes:
        encoded, flags = _name(name)
        extra = struct.pack("<HHQQ", 1, 16, size, packed) if zip64 else b""
        version = 45 if zip64 else 20
        header = self._common(version, flags, crc, packed, size, zip64, encoded, extra)
        return struct.pack("<I", 0x04034B50) + header + encoded + extra

    def _record(
        self, name: str, crc: int, packed: int, size: int, offset: int, zip64: bool
    ) -> None:
        encoded, flags = _name(name)
        far = offset >= _BIG_OFFSET
        wide = [size, packed] if zip64 else []  # ZIP64 extra: the fields marked 0xFFFFFFFF
        if far:
            wide.append(offset)
        extra = struct.pack(f"<HH{len(wide)}Q", 1, 8 * len(wide), *wide) if wide else b""
        version = 45 if wide else 20
        header = self._common(version, flags, crc, packed, size, zip64, encoded, extra)
        self._directory.write(
            struct.pack("<IH", 0x02014B50, 3 << 8 | version)  # made by Unix: mode bits count
            + header
            # comment length, disk, internal attributes, external ones, local header's offset
            + struct.pack("<HHHII", 0, 0, 0, _UNIX_FILE, _MARK32 if far else offset)
            + encoded
            + extra
        )
        self._count += 1

    def _common(
        self,
        version: int,
        flags: int,
        crc: int,
        packed: int,
        size: int,
        zip64: bool,
        encoded: bytes,
        extra: bytes,
    ) -> bytes:
        """The fields local and central headers share, from the version needed on."""
        sizes = (_MARK32, _MARK32) if zip64 else (packed, size)
        return struct.pack(
            "<HHHHHIIIHH",
            version,
            flags,
            _DEFLATED,
            self._dos_time,
            self._dos_date,
            crc,
            *sizes,
            len(encoded),
            len(extra),
        )


def _name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode(), _UTF8
