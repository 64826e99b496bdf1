"""Import from a client's S3 bucket: list the prefix (images) or fetch one object (text), copy
into Brigade's own store, and hand the result to the normal ingest path.

The client's credentials are sealed (``app.kit.crypto``) in the dataset row until the fetch has
run, then removed. Endpoints are allowed by the operator (``storage.import_endpoints``): the
server connects to them on a client's behalf.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import orjson
import urllib3
from minio import Minio
from minio.error import S3Error

from app.kit.crypto import seal, unseal
from app.kit.storage import ObjectStore

PURPOSE = "s3-import-credentials"
MAX_OBJECTS = 100_000
_CHUNK = 1 << 20


class ImportRejected(Exception):
    """The source cannot be read: wrong credentials, bucket, prefix or endpoint."""


@dataclass(frozen=True)
class S3Location:
    endpoint: str
    bucket: str
    prefix: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    secure: bool = True

    def client(self) -> Minio:
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=60),
            retries=urllib3.Retry(total=2, backoff_factor=0.2),
        )
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=self.secure,
            region=self.region,
            http_client=http,
        )

    def sealed(self, server_secret: bytes) -> dict[str, Any]:
        """What the dataset keeps until the fetch: everything, the keys sealed."""
        return {
            "endpoint": self.endpoint,
            "bucket": self.bucket,
            "prefix": self.prefix,
            "region": self.region,
            "secure": self.secure,
            "access_key": seal(server_secret, PURPOSE, self.access_key),
            "secret_key": seal(server_secret, PURPOSE, self.secret_key),
        }

    @classmethod
    def unsealed(cls, server_secret: bytes, data: dict[str, Any]) -> S3Location:
        return cls(
            endpoint=data["endpoint"],
            bucket=data["bucket"],
            prefix=data["prefix"],
            region=data["region"],
            secure=data["secure"],
            access_key=unseal(server_secret, PURPOSE, data["access_key"]),
            secret_key=unseal(server_secret, PURPOSE, data["secret_key"]),
        )

    def where(self) -> str:
        return f"s3://{self.bucket}/{self.prefix} at {self.endpoint}"


def _explain(exc: Exception, loc: S3Location) -> str:
    # Never the credentials; S3's error code says what a client can fix.
    code = exc.code if isinstance(exc, S3Error) else type(exc).__name__
    return f"cannot read {loc.where()}: {code}"


async def probe(loc: S3Location, single_object: bool) -> None:
    """Fail fast, at request time, when the source cannot be read."""

    def check() -> None:
        client = loc.client()
        if single_object:
            client.stat_object(loc.bucket, loc.prefix)
        else:
            next(iter(client.list_objects(loc.bucket, prefix=loc.prefix, recursive=True)), None)

    try:
        await anyio.to_thread.run_sync(check)
    except (S3Error, urllib3.exceptions.HTTPError, ValueError, OSError) as exc:
        raise ImportRejected(_explain(exc, loc)) from None


async def fetch_listing(loc: S3Location, store: ObjectStore) -> tuple[str, int]:
    """Copy every object under the prefix into the store; return the listing's key and bytes."""
    client = loc.client()

    def names() -> list[tuple[str, int]]:
        found = []
        for obj in client.list_objects(loc.bucket, prefix=loc.prefix, recursive=True):
            if obj.is_dir or obj.object_name is None:
                continue
            found.append((obj.object_name, int(obj.size or 0)))
            if len(found) > MAX_OBJECTS:
                raise ImportRejected(f"more than {MAX_OBJECTS} objects under {loc.where()}")
        return found

    def read(name: str) -> bytes:
        response = client.get_object(loc.bucket, name)
        try:
            return bytes(response.read())
        finally:
            response.close()
            response.release_conn()

    try:
        listed = await anyio.to_thread.run_sync(names)
    except (S3Error, urllib3.exceptions.HTTPError) as exc:
        raise ImportRejected(_explain(exc, loc)) from None
    entries: list[dict[str, Any]] = []
    total = 0
    for name, _size in listed:
        try:
            data = await anyio.to_thread.run_sync(read, name)
        except (S3Error, urllib3.exceptions.HTTPError) as exc:
            entries.append({"name": name, "error": "fetch_failed", "detail": _explain(exc, loc)})
            continue
        stored = await store.put_bytes(data, "application/octet-stream")
        total += stored.size
        entries.append({"name": name, "key": stored.key, "size": stored.size})
    listing = await store.put_bytes(orjson.dumps(entries), "application/json")
    return listing.key, total


async def fetch_object(loc: S3Location, store: ObjectStore) -> tuple[str, int]:
    """Copy the one object named by the prefix (a text dataset file), streamed through disk."""
    client = loc.client()
    with tempfile.TemporaryDirectory(prefix="brigade-import-") as tmp:
        path = Path(tmp) / "raw"

        def download() -> None:
            response = client.get_object(loc.bucket, loc.prefix)
            try:
                with path.open("wb") as fh:
                    for chunk in response.stream(_CHUNK):
                        fh.write(chunk)
            finally:
                response.close()
                response.release_conn()

        try:
            await anyio.to_thread.run_sync(download)
        except (S3Error, urllib3.exceptions.HTTPError) as exc:
            raise ImportRejected(_explain(exc, loc)) from None
        stored = await store.put_file(path, "application/octet-stream")
    return stored.key, stored.size
