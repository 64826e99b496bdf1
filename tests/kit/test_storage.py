"""One contract, two backends: every test runs on local disk and on a real S3 server (SeaweedFS).

Presigned URLs are fetched over HTTP as a browser would: from SeaweedFS directly, or from the
app's signed-URL router (mounted on a small app, reached through ASGI) for the local backend.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.config import ServerSettings, Settings, StorageSettings
from app.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    install_error_handlers,
)
from app.kit.storage import (
    LocalObjectStore,
    ObjectStore,
    S3ObjectStore,
    content_key,
    create_store,
)
from app.storage.endpoints import router
from tests.s3_server import S3Server

SIGNING_KEY = b"test-signing-key-0123456789abcdef"
PUBLIC_URL = "http://brigade.test"
MiB = 1024 * 1024


@dataclass
class Backend:
    store: ObjectStore
    http: httpx.AsyncClient  # reaches the URLs the store signs


def local_app(store: LocalObjectStore, max_request_bytes: int = 10 * MiB) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router, prefix="/api/v1")
    app.state.store = store
    app.state.settings = Settings(
        server=ServerSettings(public_url=PUBLIC_URL, max_request_bytes=max_request_bytes)
    )
    return app


def s3_store(server: S3Server, bucket: str | None = None) -> S3ObjectStore:
    return S3ObjectStore(
        server.endpoint,
        server.access_key,
        server.secret_key,
        bucket or server.bucket,
        region=server.region,
    )


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    store: ObjectStore
    if request.param == "local":
        store = LocalObjectStore(
            tmp_path / "objects", signing_key=SIGNING_KEY, public_url=PUBLIC_URL
        )
        transport = httpx.ASGITransport(app=local_app(store))
        http = httpx.AsyncClient(transport=transport)
    else:
        # One shared bucket: content-addressed tests use random bytes, named keys a uuid.
        store = s3_store(request.getfixturevalue("s3_server"))
        http = httpx.AsyncClient()
    await store.ensure_ready()
    async with http:
        yield Backend(store, http)


def random_bytes(size: int = 1000) -> bytes:
    return os.urandom(size)


def unique_key(suffix: str = "bin") -> str:
    return f"tests/{uuid.uuid4().hex}.{suffix}"


async def chunked(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(store: ObjectStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.iter_chunks(key, chunk_size=100_000)])


# -- content addressing -------------------------------------------------------------------------


async def test_same_bytes_are_stored_once_under_their_sha256(backend: Backend) -> None:
    data = random_bytes()
    digest = hashlib.sha256(data).hexdigest()

    first = await backend.store.put_bytes(data, "image/png")
    second = await backend.store.put_bytes(data, "text/plain")

    assert first.key == f"sha256/{digest[:2]}/{digest[2:4]}/{digest}" == content_key(digest)
    assert (first.sha256, first.size, first.created) == (digest, len(data), True)
    assert second.key == first.key
    assert second.created is False
    assert second.content_type == "image/png"  # the first writer's type is kept
    assert await backend.store.get_bytes(first.key) == data


async def test_put_stream_handles_multi_megabyte_bodies(backend: Backend) -> None:
    data = random_bytes(6 * MiB + 123)  # above S3's 5 MiB multipart threshold

    stored = await backend.store.put_stream(chunked(data), "application/zip")

    assert stored.key == content_key(hashlib.sha256(data).hexdigest())
    assert stored.created is True
    info = await backend.store.stat(stored.key)
    assert info is not None
    assert (info.size, info.content_type) == (len(data), "application/zip")
    assert await read_all(backend.store, stored.key) == data
    again = await backend.store.put_stream(chunked(data))
    assert (again.key, again.created) == (stored.key, False)


async def test_put_file_matches_put_bytes(backend: Backend, tmp_path: Path) -> None:
    data = random_bytes(2 * MiB)
    path = tmp_path / "upload.bin"
    path.write_bytes(data)

    from_file = await backend.store.put_file(path, "application/pdf")
    from_bytes = await backend.store.put_bytes(data)

    assert from_file.created is True
    assert (from_bytes.key, from_bytes.created) == (from_file.key, False)
    assert path.read_bytes() == data  # put_file leaves the source alone
    assert await backend.store.get_bytes(from_file.key) == data


async def test_put_stream_enforces_max_bytes(backend: Backend) -> None:
    data = random_bytes(300_000)

    with pytest.raises(PayloadTooLarge):
        await backend.store.put_stream(chunked(data), max_bytes=200_000)

    assert not await backend.store.exists(content_key(hashlib.sha256(data).hexdigest()))


async def test_a_sha256_key_must_match_the_bytes(backend: Backend) -> None:
    data = random_bytes()
    wrong_key = content_key(hashlib.sha256(b"other bytes").hexdigest())

    with pytest.raises(InvalidInput, match="do not match"):
        await backend.store.put_at(wrong_key, data)
    with pytest.raises(InvalidInput, match="do not match"):
        await backend.store.put_stream(chunked(data), key=wrong_key)
    assert not await backend.store.exists(wrong_key)

    right_key = content_key(hashlib.sha256(data).hexdigest())
    stored = await backend.store.put_stream(chunked(data), key=right_key)
    assert stored.key == right_key


# -- named keys, reads, deletes -----------------------------------------------------------------


async def test_put_at_overwrites_and_stat_exists_delete(backend: Backend) -> None:
    key = unique_key("json")
    await backend.store.put_at(key, b'{"v": 1}', "application/json")
    replaced = await backend.store.put_at(key, b'{"v": 22}', "application/json")

    assert replaced.created is True
    info = await backend.store.stat(key)
    assert info is not None
    assert (info.key, info.size, info.content_type) == (key, 9, "application/json")
    assert await backend.store.exists(key)
    assert await backend.store.get_bytes(key) == b'{"v": 22}'

    await backend.store.delete(key)
    assert not await backend.store.exists(key)
    assert await backend.store.stat(key) is None
    await backend.store.delete(key)  # idempotent


async def test_missing_objects_raise_not_found(backend: Backend) -> None:
    key = unique_key()

    with pytest.raises(NotFound):
        await backend.store.get_bytes(key)
    with pytest.raises(NotFound):
        await read_all(backend.store, key)


async def test_a_partly_read_stream_can_be_closed(backend: Backend) -> None:
    stored = await backend.store.put_bytes(random_bytes(MiB))

    async with aclosing(backend.store.iter_chunks(stored.key, chunk_size=1024)) as chunks:
        first = await anext(chunks)

    assert len(first) == 1024


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "a/../b",
        "..",
        "a/..",
        "./a",
        "a//b",
        "a/",
        "a\x00b",
        "a b",
        "ünïcode",
        "back\\slash",
        "x" * 256,
        "a/" * 256 + "b",
    ],
)
async def test_bad_keys_are_rejected_with_a_clear_message(backend: Backend, key: str) -> None:
    with pytest.raises(InvalidInput, match="Invalid object key"):
        await backend.store.put_at(key, b"x")
    with pytest.raises(InvalidInput):
        await backend.store.stat(key)
    with pytest.raises(InvalidInput):
        await backend.store.presigned_get_url(key)


async def test_the_longest_valid_key_works(backend: Backend) -> None:
    name = uuid.uuid4().hex + "x" * (255 - 32)  # the longest file name a filesystem takes
    key = f"t/{name}/{name[:254]}"
    assert len(key) == 512
    await backend.store.put_at(key, b"long")
    assert await backend.store.get_bytes(key) == b"long"


# -- presigned URLs -----------------------------------------------------------------------------


async def test_presigned_get_serves_the_object(backend: Backend) -> None:
    stored = await backend.store.put_bytes(random_bytes(), "image/png")

    url = await backend.store.presigned_get_url(stored.key, ttl_seconds=60)
    named = await backend.store.presigned_get_url(stored.key, filename="Café report.png")
    response = await backend.http.get(url)
    download = await backend.http.get(named)

    assert response.status_code == 200
    assert response.content == await backend.store.get_bytes(stored.key)
    assert response.headers["content-type"] == "image/png"
    assert download.status_code == 200
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Caf%C3%A9%20report.png" in disposition


async def test_presigned_put_stores_the_body(backend: Backend) -> None:
    key = unique_key("csv")
    url = await backend.store.presigned_put_url(key, ttl_seconds=60)

    response = await backend.http.put(
        url, content=b"a,b\n1,2\n", headers={"Content-Type": "text/csv"}
    )

    assert response.status_code == 200, response.text
    assert await backend.store.get_bytes(key) == b"a,b\n1,2\n"
    info = await backend.store.stat(key)
    assert info is not None
    assert info.content_type == "text/csv"


async def test_a_presigned_url_grants_one_object_only(backend: Backend) -> None:
    mine = await backend.store.put_bytes(random_bytes())
    other = await backend.store.put_bytes(random_bytes())

    url = await backend.store.presigned_get_url(mine.key)
    response = await backend.http.get(url.replace(mine.key, other.key))

    assert response.status_code == 403


async def test_presigned_urls_expire(backend: Backend) -> None:
    stored = await backend.store.put_bytes(random_bytes())
    get_url = await backend.store.presigned_get_url(stored.key, ttl_seconds=1)
    put_url = await backend.store.presigned_put_url(unique_key(), ttl_seconds=1)
    assert (await backend.http.get(get_url)).status_code == 200

    await asyncio.sleep(2.2)  # past the expiry with a whole second to spare

    assert (await backend.http.get(get_url)).status_code == 403
    assert (await backend.http.put(put_url, content=b"late")).status_code == 403


async def test_ttl_outside_the_s3_limits_is_refused(backend: Backend) -> None:
    with pytest.raises(ValueError, match="ttl_seconds"):
        await backend.store.presigned_get_url("a", ttl_seconds=0)
    with pytest.raises(ValueError, match="ttl_seconds"):
        await backend.store.presigned_put_url("a", ttl_seconds=8 * 24 * 3600)


async def test_check_passes_on_a_ready_store(backend: Backend) -> None:
    await backend.store.check()


# -- backend specifics --------------------------------------------------------------------------


async def test_local_check_fails_until_ensure_ready(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "fresh", signing_key=SIGNING_KEY, public_url=PUBLIC_URL)

    with pytest.raises(ServiceUnavailable):
        await store.check()
    await store.ensure_ready()
    await store.check()


async def test_local_keys_that_nest_inside_each_other_conflict(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path, signing_key=SIGNING_KEY, public_url=PUBLIC_URL)
    await store.ensure_ready()
    await store.put_at("exports/1", b"file")

    with pytest.raises(Conflict):
        await store.put_at("exports/1/manifest.json", b"{}")
    with pytest.raises(Conflict):
        await store.put_at("exports", b"{}")
    assert await store.stat("exports/1/manifest.json") is None
    assert list((tmp_path / "tmp").iterdir()) == []  # no staging file left behind


@pytest.mark.s3
async def test_s3_ensure_ready_creates_the_bucket(s3_server: S3Server) -> None:
    store = s3_store(s3_server, bucket=f"fresh-{uuid.uuid4().hex[:12]}")

    with pytest.raises(ServiceUnavailable, match="does not exist"):
        await store.check()
    await store.ensure_ready()
    await store.ensure_ready()  # idempotent
    await store.check()


async def test_s3_check_fails_fast_when_unreachable() -> None:
    store = S3ObjectStore("127.0.0.1:9", "key", "secret", "bucket")  # discard port: refused

    with pytest.raises(ServiceUnavailable, match="unreachable"):
        await asyncio.wait_for(store.check(), timeout=15)


@pytest.mark.s3
async def test_s3_verify_content_discards_a_mismatched_upload(s3_server: S3Server) -> None:
    store = s3_store(s3_server)
    good = random_bytes()
    key = content_key(hashlib.sha256(good).hexdigest())
    url = await store.presigned_put_url(key)
    async with httpx.AsyncClient() as http:
        # S3 accepts any bytes at a presigned URL; verify_content is the check.
        assert (await http.put(url, content=b"not the promised bytes")).status_code == 200

    with pytest.raises(InvalidInput, match="do not match"):
        await store.verify_content(key)
    assert not await store.exists(key)

    await store.put_bytes(good)
    info = await store.verify_content(key)
    assert info.size == len(good)


def test_create_store_picks_the_configured_backend(tmp_path: Path) -> None:
    local = create_store(Settings(data_dir=tmp_path), SIGNING_KEY)
    s3 = create_store(
        Settings(storage=StorageSettings(backend="s3", s3_bucket="media")), SIGNING_KEY
    )

    assert isinstance(local, LocalObjectStore)
    assert local.root == tmp_path / "objects"
    assert isinstance(s3, S3ObjectStore)
    assert s3.bucket == "media"
