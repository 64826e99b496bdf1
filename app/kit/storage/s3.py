"""Object storage on any S3-compatible server (AWS S3, MinIO, SeaweedFS) through minio-py.

minio-py is blocking, so every network call runs in a worker thread. Presigned URLs are computed
locally (the region is configured, so no lookup request is made) and point at ``endpoint``: that
address must be reachable by the browsers and workers that use the URLs.
"""

from __future__ import annotations

import io
import os
from collections.abc import AsyncGenerator
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio.to_thread
import urllib3
from minio import Minio
from minio.error import S3Error

from app.errors import NotFound, ServiceUnavailable
from app.kit.storage.base import DEFAULT_CHUNK_SIZE, ObjectInfo, ObjectStore, resolve_ttl
from app.kit.storage.keys import content_disposition, validate_key

_MISSING_CODES = frozenset({"NoSuchKey", "NoSuchObject", "ResourceNotFound"})
_BUCKET_TAKEN_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})


def _http_client() -> urllib3.PoolManager:
    # minio's default waits 5 minutes to connect and retries 5 times: a dead endpoint would hang
    # /health and requests for half an hour. Fail within seconds instead.
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=5, read=120),
        maxsize=16,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE"),  # None: the system trust store
        retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )


def _is_missing(exc: S3Error) -> bool:
    return exc.code in _MISSING_CODES


class S3ObjectStore(ObjectStore):
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        region: str = "us-east-1",
        default_ttl_seconds: int = 300,
        http_client: urllib3.PoolManager | None = None,
        public_endpoint: str | None = None,
        public_secure: bool | None = None,
    ) -> None:
        self.bucket = bucket
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http_client or _http_client(),
        )
        # Browsers may reach S3 under another name than the servers do (a public hostname in
        # front of a private endpoint). A presigned URL signs its host, so it is made by a client
        # configured with the public name; presigning is local and never calls that endpoint.
        self._signer = self._client
        if public_endpoint:
            self._signer = Minio(
                public_endpoint,
                access_key=access_key,
                secret_key=secret_key,
                secure=secure if public_secure is None else public_secure,
                region=region,
            )
        self._default_ttl = resolve_ttl(default_ttl_seconds, default_ttl_seconds)

    # -- writes ------------------------------------------------------------------------------

    async def _write_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await anyio.to_thread.run_sync(
            lambda: self._client.put_object(
                self.bucket, key, io.BytesIO(data), len(data), content_type=content_type
            )
        )

    async def _write_file(self, key: str, path: Path, content_type: str, *, move: bool) -> None:
        # fput_object switches to multipart uploads for large files, reading part by part.
        await anyio.to_thread.run_sync(
            lambda: self._client.fput_object(self.bucket, key, str(path), content_type=content_type)
        )

    # -- reads -------------------------------------------------------------------------------

    async def stat(self, key: str) -> ObjectInfo | None:
        validate_key(key)
        try:
            obj = await anyio.to_thread.run_sync(self._client.stat_object, self.bucket, key)
        except S3Error as exc:
            if _is_missing(exc):
                return None
            raise
        return ObjectInfo(key=key, size=obj.size or 0, content_type=str(obj.content_type))

    async def _open(self, key: str) -> Any:
        validate_key(key)
        try:
            return await anyio.to_thread.run_sync(self._client.get_object, self.bucket, key)
        except S3Error as exc:
            if _is_missing(exc):
                raise NotFound(f"No stored object at key {key!r}") from None
            raise

    async def get_bytes(self, key: str) -> bytes:
        response = await self._open(key)
        try:
            return bytes(await anyio.to_thread.run_sync(response.read))
        finally:
            response.close()
            response.release_conn()

    async def iter_chunks(
        self, key: str, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> AsyncGenerator[bytes, None]:
        response = await self._open(key)
        try:
            while chunk := await anyio.to_thread.run_sync(response.read, chunk_size):
                yield bytes(chunk)
        finally:
            response.close()
            response.release_conn()

    async def delete(self, key: str) -> None:
        validate_key(key)
        await anyio.to_thread.run_sync(self._client.remove_object, self.bucket, key)

    # -- URLs and lifecycle ------------------------------------------------------------------

    async def presigned_get_url(
        self, key: str, ttl_seconds: int | None = None, filename: str | None = None
    ) -> str:
        validate_key(key)
        headers: dict[str, str | list[str] | tuple[str]] | None = None
        if filename is not None:
            headers = {"response-content-disposition": content_disposition(filename)}
        url: str = self._signer.presigned_get_object(
            self.bucket,
            key,
            expires=timedelta(seconds=resolve_ttl(ttl_seconds, self._default_ttl)),
            response_headers=headers,
        )
        return url

    async def presigned_put_url(self, key: str, ttl_seconds: int | None = None) -> str:
        validate_key(key)
        url: str = self._signer.presigned_put_object(
            self.bucket,
            key,
            expires=timedelta(seconds=resolve_ttl(ttl_seconds, self._default_ttl)),
        )
        return url

    async def check(self) -> None:
        try:
            found = await anyio.to_thread.run_sync(self._client.bucket_exists, self.bucket)
        except Exception as exc:  # any failure to answer means "unavailable" to /health
            raise ServiceUnavailable(
                f"Object storage is unreachable ({type(exc).__name__})"
            ) from exc
        if not found:
            raise ServiceUnavailable(f"Object storage bucket {self.bucket!r} does not exist")

    async def ensure_ready(self) -> None:
        def _ensure() -> None:
            if self._client.bucket_exists(self.bucket):
                return
            try:
                self._client.make_bucket(self.bucket)
            except S3Error as exc:
                # Another process starting at the same time created it first: fine.
                if exc.code not in _BUCKET_TAKEN_CODES:
                    raise

        await anyio.to_thread.run_sync(_ensure)
