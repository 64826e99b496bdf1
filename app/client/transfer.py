"""Streaming transfers. Uploads: files are read in chunks while they are sent (never whole into
memory), opened one at a time (an upload of thousands of images holds one file handle), and
counted as they go out for a progress callback; a retried request reads them again from the
start. Downloads: written to a temporary file beside the destination and renamed into place once
complete, so a broken transfer never leaves a truncated file under the final name."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from app.client.errors import BrigadeError, InvalidArguments
from app.client.models import DatasetFormat

Progress = Callable[[int, int | None], None]
"""Called with (bytes done, bytes in all, if known) as a transfer goes."""

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".heic", ".heif"}
)
_BY_SUFFIX: dict[str, DatasetFormat] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "txt",
    ".json": "labelstudio",
    ".zip": "zip",
}


def guess_format(paths: Sequence[Path]) -> DatasetFormat:
    """The upload format the files' suffixes imply: images, or one file of a known kind."""
    suffixes = {p.suffix.lower() for p in paths}
    if suffixes and suffixes <= IMAGE_SUFFIXES:
        return "images"
    if len(suffixes) == 1 and (suffix := suffixes.pop()) in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]  # dataset_form refuses several files of a one-file format
    raise InvalidArguments(
        "give the format: images (image files), or one file of jsonl, csv, tsv, txt, "
        f"labelstudio or zip (got {', '.join(sorted(suffixes)) or 'no files'})"
    )


class LazyFile(io.RawIOBase):
    """A file that is opened on its first read and closed at its end. Its size comes from the
    file system, so the request's Content-Length is known before anything is read."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.name = path.name
        self._size = path.stat().st_size
        self._file: io.BufferedReader | None = None
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        # httpx seeks to the end to learn the length and to 0 before each send: no I/O needed.
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._size}[whence]
        self._release()
        self._pos = base + offset
        return self._pos

    def read(self, size: int = -1) -> bytes:
        if self._file is None:
            if self._pos >= self._size:
                return b""
            self._file = self.path.open("rb")
            self._file.seek(self._pos)
        chunk = self._file.read(size)
        self._pos += len(chunk)
        if not chunk or self._pos >= self._size:
            self._release()
        return chunk

    def _release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def close(self) -> None:
        self._release()
        super().close()


class ProgressStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A request body that reports what has gone out; starts from zero again on a retry."""

    def __init__(
        self, inner: httpx.SyncByteStream | httpx.AsyncByteStream, total: int | None, on: Progress
    ) -> None:
        self._inner = inner
        self._total = total
        self._on = on

    def __iter__(self) -> Iterator[bytes]:
        assert isinstance(self._inner, httpx.SyncByteStream)
        done = 0
        self._on(done, self._total)
        for chunk in self._inner:
            done += len(chunk)
            self._on(done, self._total)
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._inner, httpx.AsyncByteStream)
        done = 0
        self._on(done, self._total)
        async for chunk in self._inner:
            done += len(chunk)
            self._on(done, self._total)
            yield chunk


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def dataset_form(
    paths: Sequence[Path], fmt: DatasetFormat, options: Mapping[str, Any]
) -> tuple[dict[str, str], list[tuple[str, tuple[str, LazyFile]]]]:
    """The multipart fields of an upload: the options as form fields, the files as parts
    (``files`` for images, else the one ``file``)."""
    if not paths:
        raise InvalidArguments("no files to upload")
    if fmt != "images" and len(paths) != 1:
        raise InvalidArguments(f"{fmt} is one file per upload; {len(paths)} were given")
    field = "files" if fmt == "images" else "file"
    data = {"format": fmt} | {k: _form_value(v) for k, v in options.items() if v is not None}
    return data, [(field, (p.name, LazyFile(p))) for p in paths]


def with_progress(request: httpx.Request, on: Progress | None) -> httpx.Request:
    if on is not None:
        length = request.headers.get("content-length")
        assert isinstance(request.stream, httpx.SyncByteStream | httpx.AsyncByteStream)
        request.stream = ProgressStream(request.stream, int(length) if length else None, on)
    return request


class DownloadSink:
    """Where a download's body goes: ``dest`` itself, or ``name`` inside ``dest`` when it is a
    directory. With ``sha256``, a body with another digest is refused."""

    def __init__(
        self, dest: Path, name: str, on: Progress | None = None, *, sha256: str | None = None
    ) -> None:
        self.dest = dest
        self.name = name
        self.sha256 = sha256
        self._on = on
        self._digest = hashlib.sha256()
        self._folder = dest if dest.is_dir() else dest.parent
        self._file: io.BufferedWriter | None = None
        self._temp: Path | None = None
        self._done = 0
        self._total: int | None = None

    def begin(self, response: httpx.Response) -> None:
        """Start (or, on a retry, start over) receiving ``response``'s body."""
        self.discard()
        fd, name = tempfile.mkstemp(prefix=".brigade-", suffix=".part", dir=self._folder)
        self._file = os.fdopen(fd, "wb")
        self._temp = Path(name)
        length = response.headers.get("content-length")
        self._total = int(length) if length and length.isdigit() else None
        self._done = 0
        self._digest = hashlib.sha256()
        self._report()

    def write(self, chunk: bytes) -> None:
        assert self._file is not None
        self._file.write(chunk)
        self._digest.update(chunk)
        self._done += len(chunk)
        self._report()

    def finish(self, response: httpx.Response) -> Path:
        assert self._file is not None
        assert self._temp is not None
        self._file.close()
        self._file = None
        if self.sha256 is not None and self._digest.hexdigest() != self.sha256:
            raise BrigadeError(
                f"The file downloaded from {response.url.copy_with(query=None)} is not the one"
                f" stored (SHA-256 {self._digest.hexdigest()}, expected {self.sha256})."
            )
        target = self.dest / Path(self.name).name if self.dest.is_dir() else self.dest
        self._temp.replace(target)
        self._temp = None
        return target

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._temp is not None:
            with contextlib.suppress(FileNotFoundError):
                self._temp.unlink()
            self._temp = None

    def _report(self) -> None:
        if self._on is not None:
            self._on(self._done, self._total)
