"""Object storage on the local filesystem: the one-box default.

Layout under ``root``: ``data/<key>`` holds the bytes, ``meta/<key>`` a small JSON document with
the content type, ``tmp/`` spool and staging files. Keeping temp files outside ``data/`` means a
half-written file is never visible under a key; ``tmp/`` shares the filesystem, so publishing is
an atomic ``os.replace``. Writes are fsynced (file, then directory) before they are reported.

Downloads and uploads go through the app's own ``/api/v1/storage/objects`` endpoints with
HMAC-signed expiring URLs (see ``signing``), mirroring S3 presigned URLs.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import AsyncGenerator, Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import anyio
import anyio.to_thread

from app.errors import Conflict, NotFound, ServiceUnavailable
from app.kit.storage.base import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_CONTENT_TYPE,
    ObjectInfo,
    ObjectStore,
    resolve_ttl,
)
from app.kit.storage.keys import content_disposition, validate_key
from app.kit.storage.signing import UrlSigner

# The errors a path lookup raises when nothing (or a directory) sits at a key's path.
_MISSING = (FileNotFoundError, NotADirectoryError, IsADirectoryError)


class LocalObjectStore(ObjectStore):
    def __init__(
        self,
        root: Path,
        *,
        signing_key: bytes,
        public_url: str,
        default_ttl_seconds: int = 300,
    ) -> None:
        self.root = root
        self._data = root / "data"
        self._meta = root / "meta"
        self._tmp = root / "tmp"
        self.spool_dir = self._tmp
        self.signer = UrlSigner(signing_key, public_url)
        self._default_ttl = resolve_ttl(default_ttl_seconds, default_ttl_seconds)

    def _paths(self, key: str) -> tuple[Path, Path]:
        # validate_key rules out '..', '.', empty segments and absolute paths, so joining the
        # segments can only land inside root.
        parts = validate_key(key).split("/")
        return self._data.joinpath(*parts), self._meta.joinpath(*parts)

    # -- writes ------------------------------------------------------------------------------

    async def _write_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await anyio.to_thread.run_sync(self._publish, key, content_type, lambda fh: fh.write(data))

    async def _write_file(self, key: str, path: Path, content_type: str, *, move: bool) -> None:
        if move:
            await anyio.to_thread.run_sync(self._publish_moved, key, content_type, path)
        else:
            await anyio.to_thread.run_sync(
                self._publish, key, content_type, lambda fh: _copy_from(path, fh)
            )

    def _publish(self, key: str, content_type: str, write: Callable[[BinaryIO], object]) -> None:
        staged = self._stage(write)
        self._publish_moved(key, content_type, staged)

    def _publish_moved(self, key: str, content_type: str, staged: Path) -> None:
        data_path, meta_path = self._paths(key)
        meta: Path | None = None
        try:
            _fsync_file(staged)
            # Metadata first: a reader that sees the new bytes also sees their content type.
            meta = self._stage(
                lambda fh: fh.write(json.dumps({"content_type": content_type}).encode())
            )
            _replace(meta, meta_path)
            _replace(staged, data_path)
        except (NotADirectoryError, IsADirectoryError, FileExistsError) as exc:
            raise Conflict(
                f"Key {key!r} collides with an existing key that is a prefix of it, or that it"
                " is a prefix of; choose another key"
            ) from exc
        finally:
            staged.unlink(missing_ok=True)
            if meta is not None:
                meta.unlink(missing_ok=True)

    def _stage(self, write: Callable[[BinaryIO], object]) -> Path:
        fd, name = tempfile.mkstemp(prefix="stage-", dir=self._tmp)
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name)

    # -- reads -------------------------------------------------------------------------------

    async def stat(self, key: str) -> ObjectInfo | None:
        return await anyio.to_thread.run_sync(self._stat_sync, key)

    def _stat_sync(self, key: str) -> ObjectInfo | None:
        data_path, meta_path = self._paths(key)
        try:
            st = data_path.stat()
        except _MISSING:
            return None
        if not data_path.is_file():
            return None
        try:
            content_type = str(json.loads(meta_path.read_bytes())["content_type"])
        except (*_MISSING, ValueError, KeyError):
            content_type = DEFAULT_CONTENT_TYPE
        return ObjectInfo(key=key, size=st.st_size, content_type=content_type)

    async def get_bytes(self, key: str) -> bytes:
        data_path, _ = self._paths(key)
        try:
            return await anyio.to_thread.run_sync(data_path.read_bytes)
        except _MISSING:
            raise NotFound(f"No stored object at key {key!r}") from None

    async def iter_chunks(
        self, key: str, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> AsyncGenerator[bytes, None]:
        data_path, _ = self._paths(key)
        try:
            fh = await anyio.open_file(data_path, "rb")
        except _MISSING:
            raise NotFound(f"No stored object at key {key!r}") from None
        async with fh:
            while chunk := await fh.read(chunk_size):
                yield chunk

    async def delete(self, key: str) -> None:
        data_path, meta_path = self._paths(key)

        def _delete() -> None:
            for path in (data_path, meta_path):
                with contextlib.suppress(*_MISSING):
                    path.unlink()

        await anyio.to_thread.run_sync(_delete)

    # -- URLs and lifecycle ------------------------------------------------------------------

    async def presigned_get_url(
        self, key: str, ttl_seconds: int | None = None, filename: str | None = None
    ) -> str:
        validate_key(key)
        if filename is not None:
            content_disposition(filename)  # validates now rather than at download time
        return self.signer.url("GET", key, resolve_ttl(ttl_seconds, self._default_ttl), filename)

    async def presigned_get_urls(
        self, keys: Sequence[str], ttl_seconds: int | None = None
    ) -> list[str]:
        for key in keys:
            validate_key(key)
        return self.signer.get_urls(list(keys), resolve_ttl(ttl_seconds, self._default_ttl))

    async def presigned_put_url(self, key: str, ttl_seconds: int | None = None) -> str:
        validate_key(key)
        return self.signer.url("PUT", key, resolve_ttl(ttl_seconds, self._default_ttl))

    def verify_url(
        self, method: str, key: str, expires: int | None, sig: str | None, filename: str | None
    ) -> None:
        """Raise ``PermissionDenied`` unless the URL parameters were signed by this store."""
        self.signer.verify(method, key, expires, sig, filename)

    async def check(self) -> None:
        ok = await anyio.to_thread.run_sync(
            lambda: all(
                p.is_dir() and os.access(p, os.W_OK) for p in (self._data, self._meta, self._tmp)
            )
        )
        if not ok:
            raise ServiceUnavailable(
                f"Object storage directory {self.root} is missing or not writable"
            )

    async def ensure_ready(self) -> None:
        def _mkdirs() -> None:
            for path in (self._data, self._meta, self._tmp):
                path.mkdir(parents=True, exist_ok=True)

        await anyio.to_thread.run_sync(_mkdirs)


def _copy_from(source: Path, fh: BinaryIO) -> None:
    with source.open("rb") as src:
        shutil.copyfileobj(src, fh, 1024 * 1024)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(staged: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, dest)
    # The rename is durable only once the directory entry is on disk.
    fd = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
