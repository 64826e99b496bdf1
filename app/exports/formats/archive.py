"""The zip of an image dataset (YOLO, Pascal VOC): one small entry per image written as it comes,
and at the end a list of the images and ``manifest.csv`` saying where to fetch each.

The images themselves are not in the zip (they can be large and are already in the store): the
manifest names each file and gives its link, and the formats' lists name ``images/<file_name>``
(YOLO) or the file's stem (VOC) the way their tools expect.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import PurePosixPath
from typing import IO, BinaryIO

from app.exports.formats.base import spool
from app.exports.formats.zipstream import ZipStream, ZipTime
from app.exports.records import ExportItem, ExportJob

MANIFEST_COLUMNS = (
    "file_name",
    "url",
    "object_key",
    "width",
    "height",
    "item_id",
    "dataset_id",
    "seq",
    "source",
)
_EPOCH: ZipTime = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def stem(file_name: str) -> str:
    """The file name without its extension (item file names are unique, and so their stems:
    the pipeline names them by item id)."""
    return PurePosixPath(file_name).stem


def csv_line(values: tuple[object, ...] | list[object]) -> bytes:
    """One RFC 4180 row (CRLF), None as an empty field."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["" if v is None else v for v in values])
    return buffer.getvalue().encode()


class ImageArchive:
    def __init__(self, zf: ZipStream, listing: IO[bytes], manifest: IO[bytes]) -> None:
        self._zip = zf
        self._listing = listing
        self._manifest = manifest

    def entry(self, name: str, data: bytes) -> None:
        self._zip.write(name, data)

    def image(self, item: ExportItem, listed: str) -> None:
        """Record an image written to the archive: its manifest row and its line in the list."""
        self._manifest.write(
            csv_line(
                [
                    item.file_name,
                    item.url,
                    item.object_key,
                    item.width,
                    item.height,
                    item.item_id,
                    item.dataset_id,
                    item.seq,
                    item.source,
                ]
            )
        )
        self._listing.write(listed.encode() + b"\n")


@contextmanager
def image_archive(job: ExportJob, out: BinaryIO, listing_name: str) -> Iterator[ImageArchive]:
    """A zip on ``out``; the list (``listing_name``) and ``manifest.csv`` are added on exit."""
    with spool() as directory, spool() as listing, spool() as manifest:
        zf = ZipStream(out, _zip_time(job.exported_at), directory)
        manifest.write(csv_line(list(MANIFEST_COLUMNS)))
        yield ImageArchive(zf, listing, manifest)
        zf.write_file(listing_name, listing)
        zf.write_file("manifest.csv", manifest)
        zf.close()


def _zip_time(when: datetime | None) -> ZipTime:
    """The export's time on every entry, so that one export's zip is the same bytes each run."""
    if when is None or when.year < 1980:
        return _EPOCH
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)
