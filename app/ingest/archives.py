"""Read an uploaded .zip one member at a time, refusing what could hurt the platform.

``zipfile`` parses the central directory; member data is inflated here, in bounded steps, so the
limits hold on the bytes actually produced and consumed rather than on sizes the headers declare
(zipfile would trust the declared compressed size and cut output at the declared size). Only
stored and deflated members are read: zipfile inflates bzip2 and LZMA without an output bound,
and image archives made by Windows, macOS, 7-Zip or WinRAR use deflate.

Member names are normalised (``/``-separated, no ``.`` or empty parts, Unicode NFC). Entries
without the UTF-8 flag take their Info-ZIP Unicode Path field if they have one, else are read as
GB18030 when that gives Chinese and UTF-8 does not, else UTF-8, else CP437: archives made on a
Chinese Windows store GBK names without saying so. (A short Western name in a legacy code page
may come out as Chinese: on this platform the other mistake is the likelier one.)
"""

from __future__ import annotations

import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final, Literal

ProblemCode = Literal[
    "unsafe_path",
    "symlink",
    "nested_archive",
    "too_large",
    "ratio",
    "encrypted",
    "junk",
    "duplicate_name",
    "unsupported",
    "corrupt",
]
RejectCode = Literal["not_zip", "too_many_members", "too_large_total"]

MiB: Final = 1 << 20
GiB: Final = 1 << 30
_CHUNK: Final = 256 * 1024  # compressed bytes read, and most bytes inflated, per step
# A central directory entry is 46 bytes plus name and extras; 1 KiB each is generous.
_DIRECTORY_BYTES_PER_MEMBER: Final = 1024
_UTF8_FLAG: Final = 0x800
_ENCRYPTED_FLAGS: Final = 0x1 | 0x40  # traditional and strong encryption
_LOCAL_HEADER: Final = struct.Struct("<4s2xH2x8x4x4xHH")  # signature, flags, name/extra lengths
_NESTED_EXTENSIONS: Final = frozenset(
    {".zip", ".zipx", ".tar", ".gz", ".tgz", ".bz2", ".tbz", ".tbz2", ".xz", ".txz", ".zst"}
    | {".lz", ".lzma", ".z", ".7z", ".rar", ".cab", ".iso"}
)
_ARCHIVE_MAGIC: Final = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",
)
_JUNK_FILES: Final = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini"})
_DRIVE: Final = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class ArchiveMember:
    name: str  # normalised, relative, "/"-separated
    data: bytes


@dataclass(frozen=True, slots=True)
class ArchiveProblem:
    name: str  # as found in the archive (decoded), for the upload report
    code: ProblemCode
    message: str


class ArchiveRejected(Exception):
    """The whole archive is refused; members already yielded stay valid."""

    def __init__(self, code: RejectCode, message: str) -> None:
        super().__init__(code, message)  # both in args, so the exception pickles
        self.code: RejectCode = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True, slots=True)
class _Limits:
    member_size: int
    ratio: float
    ratio_grace: int


def iter_zip_members(
    path: Path,
    *,
    max_members: int = 100_000,
    max_total_uncompressed: int = 20 * GiB,
    max_member_size: int = 200 * MiB,
    max_ratio: float = 200.0,
    ratio_grace: int = 1 * MiB,
) -> Iterator[ArchiveMember | ArchiveProblem]:
    """Yield each regular file as an ``ArchiveMember``, or an ``ArchiveProblem`` if skipped.

    Directories are skipped silently. One member is in memory at a time. ``ArchiveRejected`` is
    raised before any member for a file that is not a zip, too many entries or declared sizes
    over ``max_total_uncompressed``, and mid-way if the bytes actually inflated pass that total.
    A member may always inflate to ``ratio_grace`` bytes: small flat images (a blank BMP)
    compress far beyond any bomb ratio and are harmless.
    """
    limits = _Limits(max_member_size, max_ratio, ratio_grace)
    with path.open("rb") as raw:
        _check_directory_size(raw, max_members)
        infos = _read_directory(raw)
        if len(infos) > max_members:
            raise ArchiveRejected(
                "too_many_members", f"{len(infos):,} entries; at most {max_members:,} are taken."
            )
        declared = sum(info.file_size for info in infos)
        if declared > max_total_uncompressed:
            raise ArchiveRejected(
                "too_large_total",
                f"The members add up to {declared:,} bytes; at most "
                f"{max_total_uncompressed:,} are taken.",
            )
        seen: set[str] = set()
        total = 0
        for info in infos:
            label = _decoded_name(info)
            if info.is_dir() or stat.S_ISDIR(info.external_attr >> 16):
                continue
            screened = _screen(info, label, seen, limits)
            if isinstance(screened, ArchiveProblem):
                yield screened
                continue
            outcome, produced = _inflate(raw, info, label, limits)
            total += produced
            if total > max_total_uncompressed:
                raise ArchiveRejected(
                    "too_large_total",
                    f"Members inflate to more than {max_total_uncompressed:,} bytes.",
                )
            if isinstance(outcome, bytes):
                if outcome.startswith(_ARCHIVE_MAGIC) or outcome[257:262] == b"ustar":
                    yield _problem(label, "nested_archive", "An archive inside the archive.")
                    continue
                seen.add(screened)
                yield ArchiveMember(screened, outcome)
            else:
                yield outcome


def safe_member_name(name: str) -> str | None:
    """The normalised relative name, or None if it could point outside the upload's folder."""
    if "\\" in name or name.startswith("/") or _DRIVE.match(name):
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    safe = unicodedata.normalize("NFC", "/".join(parts))
    # Checked again once "./" and empty parts are gone: "./C:" must not become a drive.
    return None if _DRIVE.match(safe) else safe


def _problem(name: str, code: ProblemCode, message: str) -> ArchiveProblem:
    return ArchiveProblem(name=name, code=code, message=message)


def _screen(
    info: zipfile.ZipInfo, label: str, seen: set[str], limits: _Limits
) -> str | ArchiveProblem:
    """The member's safe name, or why it is skipped, from the central directory alone."""
    name = safe_member_name(label)
    if name is None:
        return _problem(label, "unsafe_path", "The name points outside the archive's folder.")
    parts = name.split("/")
    if "__MACOSX" in parts or parts[-1].lower() in _JUNK_FILES or any(p[0] == "." for p in parts):
        return _problem(label, "junk", "Operating-system or hidden file.")
    file_type = stat.S_IFMT(info.external_attr >> 16)
    if file_type == stat.S_IFLNK:
        return _problem(label, "symlink", "Symbolic links are not followed.")
    if file_type not in (0, stat.S_IFREG):
        return _problem(label, "unsupported", "Not a regular file.")
    if info.flag_bits & _ENCRYPTED_FLAGS:
        return _problem(label, "encrypted", "The member is encrypted; upload it unencrypted.")
    if Path(name).suffix.lower() in _NESTED_EXTENSIONS:
        return _problem(label, "nested_archive", "Archives inside the archive are not opened.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return _problem(
            label, "unsupported", f"Compression method {info.compress_type}; re-zip with deflate."
        )
    if name in seen:
        return _problem(label, "duplicate_name", "An earlier member has the same name.")
    if info.file_size > limits.member_size:
        return _problem(label, "too_large", f"{info.file_size:,} bytes declared.")
    if info.file_size > max(limits.ratio_grace, limits.ratio * info.compress_size):
        return _problem(label, "ratio", "The declared compression ratio is a zip bomb's.")
    return name


def _inflate(
    raw: BinaryIO, info: zipfile.ZipInfo, label: str, limits: _Limits
) -> tuple[bytes | ArchiveProblem, int]:
    """(the member's bytes or why not, bytes inflated), checking sizes and CRC as it goes."""
    problem = _seek_to_data(raw, info)
    if problem:
        return _problem(label, "corrupt", problem), 0
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    parts: list[bytes] = []
    produced = consumed = 0
    crc = 0
    pending = b""
    left = info.compress_size  # never read past the member's declared compressed data
    while True:
        if not pending and left > 0:
            pending = raw.read(min(_CHUNK, left))
            left -= len(pending)
        if inflater is None:
            out, used, pending = pending, len(pending), b""
        else:
            try:
                out = inflater.decompress(pending, _CHUNK)
            except zlib.error as exc:
                return _problem(label, "corrupt", f"Damaged compressed data: {exc}"), produced
            used = len(pending) - len(inflater.unconsumed_tail) - len(inflater.unused_data)
            pending = inflater.unconsumed_tail
        produced += len(out)
        consumed += used
        if produced > limits.member_size:
            return _problem(label, "too_large", f"Over {limits.member_size:,} bytes."), produced
        if produced > max(limits.ratio_grace, limits.ratio * consumed):
            return _problem(label, "ratio", "Inflates like a zip bomb."), produced
        crc = zlib.crc32(out, crc)
        parts.append(out)
        done = inflater.eof if inflater is not None else left <= 0
        if done or (not out and not used):
            break
    if inflater is not None and not inflater.eof:
        return _problem(label, "corrupt", "The compressed data ends early."), produced
    if produced != info.file_size or crc != info.CRC:
        return _problem(label, "corrupt", "Size or CRC differs from the header."), produced
    return b"".join(parts), produced


def _seek_to_data(raw: BinaryIO, info: zipfile.ZipInfo) -> str | None:
    """Position ``raw`` at the member's data; a reason if its local header is not right."""
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        return "The local header is cut off."
    signature, flags, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != b"PK\x03\x04":
        return "No local header where the directory points."
    encoding = "utf-8" if flags & _UTF8_FLAG else "cp437"
    local_name = raw.read(name_length).decode(encoding, errors="replace")
    if local_name != info.orig_filename:
        return "The local header names another file."  # a trick to show one name, unpack another
    raw.seek(extra_length, 1)
    return None


def _decoded_name(info: zipfile.ZipInfo) -> str:
    name = info.orig_filename
    if info.flag_bits & _UTF8_FLAG or name.isascii():
        return name
    raw = name.encode("cp437")  # zipfile decoded the raw bytes as CP437: undo it losslessly
    unicode_path = _unicode_path_field(info.extra, raw)
    if unicode_path is not None:
        return unicode_path
    utf8, gbk = _decode_or_none(raw, "utf-8"), _decode_or_none(raw, "gb18030")
    # Short GBK names can be valid UTF-8 too ("猫" is "è"): prefer the reading that is Chinese.
    if gbk is not None and _has_cjk(gbk) and (utf8 is None or not _has_cjk(utf8)):
        return gbk
    return utf8 or gbk or name


def _unicode_path_field(extra: bytes, raw_name: bytes) -> str | None:
    """The UTF-8 name in an Info-ZIP Unicode Path extra field (0x7075) that matches the raw one."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if tag != 0x7075 or len(body) < 5 or body[0] != 1:
            continue
        if struct.unpack_from("<I", body, 1)[0] == zlib.crc32(raw_name):
            return _decode_or_none(body[5:], "utf-8")
    return None


def _decode_or_none(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" for char in text)


def _read_directory(raw: BinaryIO) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(raw) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError) as exc:
        raise ArchiveRejected("not_zip", f"Not a readable zip archive: {exc}") from exc


def _check_directory_size(raw: BinaryIO, max_members: int) -> None:
    """Refuse an oversized central directory before zipfile loads all of it into memory."""
    raw.seek(0, 2)
    size = raw.tell()
    tail_length = min(size, 22 + 0xFFFF)  # end record plus the longest archive comment
    raw.seek(size - tail_length)
    tail = raw.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return  # zipfile will say what is wrong
    entries, directory_bytes = struct.unpack_from("<HI", tail, at + 10)
    if entries == 0xFFFF or directory_bytes == 0xFFFFFFFF:  # Zip64: real values elsewhere
        entries, directory_bytes = _zip64_directory(raw, size - tail_length + at)
    if entries > max_members or directory_bytes > max_members * _DIRECTORY_BYTES_PER_MEMBER:
        raise ArchiveRejected(
            "too_many_members",
            f"The archive lists {entries:,} entries; at most {max_members:,} are taken.",
        )


def _zip64_directory(raw: BinaryIO, end_record_at: int) -> tuple[int, int]:
    if end_record_at < 20:
        return 0, 0
    raw.seek(end_record_at - 20)
    locator = raw.read(20)
    if locator[:4] != b"PK\x06\x07":
        return 0, 0
    (record_at,) = struct.unpack_from("<Q", locator, 8)
    raw.seek(record_at)
    record = raw.read(56)
    if len(record) < 56 or record[:4] != b"PK\x06\x06":
        return 0, 0
    entries, directory_bytes = struct.unpack_from("<QQ", record, 32)
    return entries, directory_bytes
