"""The ``ObjectStore`` contract every backend honours, and the logic they share.

Writes come in two flavours:

* content-addressed (``put_bytes``/``put_file``/``put_stream`` without ``key``): the key is
  ``sha256/<ab>/<cd>/<hex>``; identical bytes are stored once and later puts return
  ``created=False`` (the first writer's content type wins);
* at a chosen key (``put_at``, or ``key=`` on the others) for manifests and exports; these
  overwrite. A chosen key under ``sha256/`` must be the digest of the bytes, else ``InvalidInput``.

Two concurrent first puts of the same bytes may both write; that is harmless because the bytes are
identical, and both report ``created=True``. Every call is async; backends push blocking I/O to a
worker thread. ``delete`` is idempotent (as on S3) so retried jobs need no special case.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.errors import InvalidInput, NotFound
from app.kit.storage.keys import (
    content_key,
    digest_of_content_key,
    is_content_key,
    validate_content_type,
    validate_key,
)
from app.kit.storage.spool import hash_file, spool

DEFAULT_CONTENT_TYPE = "application/octet-stream"
DEFAULT_CHUNK_SIZE = 256 * 1024
MAX_TTL_SECONDS = 7 * 24 * 3600  # the S3 SigV4 ceiling; local URLs follow the same rule


@dataclass(frozen=True)
class StoredObject:
    """The outcome of a put: ``created`` is False when the content was already stored."""

    key: str
    sha256: str
    size: int
    content_type: str
    created: bool


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str


class ObjectStore(ABC):
    """Async object storage. Missing objects raise ``NotFound``; bad keys ``InvalidInput``."""

    # Where put_stream spools; a backend that can adopt the temp file by renaming (local disk)
    # points this at its own filesystem.
    spool_dir: Path | None = None

    # -- backend primitives ------------------------------------------------------------------

    @abstractmethod
    async def _write_bytes(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` at a validated ``key``, replacing any previous object atomically."""

    @abstractmethod
    async def _write_file(self, key: str, path: Path, content_type: str, *, move: bool) -> None:
        """Store the file's bytes at ``key``; with ``move`` the backend may consume ``path``."""

    # -- reads and housekeeping --------------------------------------------------------------

    @abstractmethod
    async def stat(self, key: str) -> ObjectInfo | None:
        """Size and content type, or None when there is no object at ``key``."""

    @abstractmethod
    async def get_bytes(self, key: str) -> bytes:
        """The whole object in memory: for small objects (manifests) only."""

    @abstractmethod
    def iter_chunks(
        self, key: str, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> AsyncGenerator[bytes, None]:
        """Stream the object. ``NotFound`` surfaces on the first iteration, so callers that
        must answer 404 before streaming (HTTP handlers) call ``stat`` first. A caller that stops
        early should ``aclose()`` the generator (or use ``contextlib.aclosing``) to release
        the connection or file promptly."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the object; no error if it is already gone."""

    @abstractmethod
    async def presigned_get_url(
        self, key: str, ttl_seconds: int | None = None, filename: str | None = None
    ) -> str:
        """A URL that lets anyone holding it GET this one object until it expires.

        ``filename`` makes the response an attachment with that name."""

    async def presigned_get_urls(
        self, keys: Sequence[str], ttl_seconds: int | None = None
    ) -> list[str]:
        """GET URLs for many objects at once (an export signs one per image): one await per
        batch instead of one per key. Signing is local computation in every backend."""
        return [await self.presigned_get_url(key, ttl_seconds) for key in keys]

    @abstractmethod
    async def presigned_put_url(self, key: str, ttl_seconds: int | None = None) -> str:
        """A URL that lets anyone holding it PUT this one object until it expires.

        For ``sha256/`` keys the local backend rejects bytes that do not match the digest."""

    @abstractmethod
    async def check(self) -> None:
        """Raise ``ServiceUnavailable`` if the store cannot serve requests (for /health)."""

    @abstractmethod
    async def ensure_ready(self) -> None:
        """Create the bucket or directories if missing; safe to call at every start."""

    # -- shared behaviour --------------------------------------------------------------------

    async def exists(self, key: str) -> bool:
        return await self.stat(key) is not None

    async def put_bytes(
        self, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE, *, key: str | None = None
    ) -> StoredObject:
        """Store ``data`` content-addressed (or at ``key``); see the module contract."""
        validate_content_type(content_type)
        sha256 = hashlib.sha256(data).hexdigest()
        target = self._target_key(key, sha256)
        existing = await self._existing(target, sha256, len(data))
        if existing is not None:
            return existing
        await self._write_bytes(target, data, content_type)
        return StoredObject(target, sha256, len(data), content_type, created=True)

    async def put_at(
        self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> StoredObject:
        """Store ``data`` at ``key`` (overwriting): manifests, exports, other named objects."""
        return await self.put_bytes(data, content_type, key=key)

    async def put_file(
        self, path: Path, content_type: str = DEFAULT_CONTENT_TYPE, *, key: str | None = None
    ) -> StoredObject:
        """Store a file's bytes without loading it into memory; ``path`` is left in place."""
        validate_content_type(content_type)
        sha256, size = await hash_file(path)
        target = self._target_key(key, sha256)
        existing = await self._existing(target, sha256, size)
        if existing is not None:
            return existing
        await self._write_file(target, path, content_type, move=False)
        return StoredObject(target, sha256, size, content_type, created=True)

    async def put_stream(
        self,
        chunks: AsyncIterable[bytes],
        content_type: str = DEFAULT_CONTENT_TYPE,
        *,
        key: str | None = None,
        max_bytes: int | None = None,
    ) -> StoredObject:
        """Store a stream in constant memory: spool to disk while hashing, then write.

        ``max_bytes`` caps the stream (``PayloadTooLarge``); a ``sha256/`` ``key`` is checked
        against the digest before anything is written (``InvalidInput``)."""
        if key is not None:
            validate_key(key)
        validate_content_type(content_type)
        async with spool(chunks, directory=self.spool_dir, max_bytes=max_bytes) as body:
            target = self._target_key(key, body.sha256)
            existing = await self._existing(target, body.sha256, body.size)
            if existing is not None:
                return existing
            await self._write_file(target, body.path, content_type, move=True)
            return StoredObject(target, body.sha256, body.size, content_type, created=True)

    async def verify_content(self, key: str) -> ObjectInfo:
        """Re-hash a ``sha256/`` object written by a presigned URL and return its info.

        S3 does not check that bytes PUT to a presigned URL match a ``sha256/`` key, so call this
        before trusting such an upload: on a mismatch the object is deleted and ``InvalidInput``
        raised. Reads the whole object (streamed)."""
        expected = digest_of_content_key(validate_key(key))
        info = await self.stat(key)
        if info is None:
            raise NotFound(f"No stored object at key {key!r}")
        digest = hashlib.sha256()
        async for chunk in self.iter_chunks(key):
            digest.update(chunk)
        if digest.hexdigest() != expected:
            await self.delete(key)
            raise InvalidInput(
                f"The bytes uploaded to {key!r} do not match its digest; they were discarded,"
                " upload the file again"
            )
        return info

    @staticmethod
    def _target_key(key: str | None, sha256: str) -> str:
        if key is None:
            return content_key(sha256)
        validate_key(key)
        if is_content_key(key) and digest_of_content_key(key) != sha256:
            raise InvalidInput(
                f"The bytes sent do not match key {key!r}: their SHA-256 is {sha256}"
            )
        return key

    async def _existing(self, key: str, sha256: str, size: int) -> StoredObject | None:
        # Only content-addressed keys are deduplicated; named keys are always overwritten.
        if not is_content_key(key):
            return None
        info = await self.stat(key)
        if info is None:
            return None
        return StoredObject(key, sha256, size, info.content_type, created=False)


def resolve_ttl(ttl_seconds: int | None, default: int) -> int:
    """The TTL to sign with; rejects values S3 would refuse, so both backends agree."""
    ttl = default if ttl_seconds is None else ttl_seconds
    if not 1 <= ttl <= MAX_TTL_SECONDS:
        raise ValueError(f"ttl_seconds must be between 1 and {MAX_TTL_SECONDS}, got {ttl}")
    return ttl
