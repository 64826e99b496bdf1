"""The streaming zip writer: Python's zipfile and Info-ZIP's unzip read what it writes, with
ZIP64 records too (forced here by lowering the thresholds: real ones need 4 GiB files)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

from app.exports.formats import zipstream
from app.exports.formats.zipstream import ZipStream

WHEN = (2026, 11, 20, 9, 30, 42)
SPOOLED = b"file_name,url\r\n" + b"".join(b"%d.jpg,https://x/%d\r\n" % (i, i) for i in range(5000))


def write(path: Path) -> dict[str, bytes]:
    entries = {
        "data.yaml": b'names:\n  0: "car"\n',
        "labels/1.txt": b"0 0.500000 0.500000 0.250000 0.250000\n",
        "labels/empty.txt": b"",
        "Annotations/路牌.xml": "<annotation>路牌</annotation>".encode(),
    }
    with path.open("w+b") as out, tempfile.TemporaryFile() as directory:
        zf = ZipStream(out, WHEN, directory)
        for name, data in entries.items():
            zf.write(name, data)
        with tempfile.TemporaryFile() as spooled:
            spooled.write(SPOOLED)
            zf.write_file("manifest.csv", spooled)
        zf.close()
    return {**entries, "manifest.csv": SPOOLED}


def check(path: Path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None  # every CRC checks out
        assert zf.namelist() == list(entries)
        for name, data in entries.items():
            assert zf.read(name) == data
            info = zf.getinfo(name)
            assert info.date_time == (2026, 11, 20, 9, 30, 42)
            assert info.external_attr >> 16 == 0o100644
    unzip = shutil.which("unzip")
    if unzip is not None:  # Info-ZIP, the reader most tools shell out to
        tested = subprocess.run([unzip, "-t", str(path)], capture_output=True, check=False)
        assert tested.returncode == 0, tested.stdout.decode() + tested.stderr.decode()
        assert b"No errors detected" in tested.stdout


def test_entries_read_back_with_zipfile_and_unzip(tmp_path: Path) -> None:
    path = tmp_path / "plain.zip"
    entries = write(path)
    check(path, entries)
    assert b"PK\x06\x06" not in path.read_bytes()  # small: no ZIP64 records


def test_zip64_records_read_back_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipstream, "_BIG_ENTRY", 0)  # every entry's sizes in ZIP64 fields
    monkeypatch.setattr(zipstream, "_BIG_OFFSET", 1)  # offsets past the first entry too
    monkeypatch.setattr(zipstream, "_MANY", 1)  # and the end record
    path = tmp_path / "zip64.zip"
    entries = write(path)
    assert b"PK\x06\x06" in path.read_bytes()
    check(path, entries)
