"""The local backend's signed-URL router, exercised over HTTP on a minimal app."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.config import ServerSettings, Settings
from app.errors import install_error_handlers
from app.kit.storage import LocalObjectStore, ObjectStore, S3ObjectStore, content_key
from app.storage.endpoints import router

SIGNING_KEY = b"router-test-signing-key-0123456789"
PUBLIC_URL = "http://brigade.test"
MAX_BYTES = 64 * 1024


def make_app(store: ObjectStore) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router, prefix="/api/v1")
    app.state.store = store
    app.state.settings = Settings(
        server=ServerSettings(public_url=PUBLIC_URL, max_upload_bytes=MAX_BYTES)
    )
    return app


@pytest.fixture
async def store(tmp_path: Path) -> LocalObjectStore:
    store = LocalObjectStore(tmp_path, signing_key=SIGNING_KEY, public_url=PUBLIC_URL)
    await store.ensure_ready()
    return store


@pytest.fixture
async def http(store: LocalObjectStore) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(store))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield http


def assert_error(response: httpx.Response, status: int, kind: str, words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == kind
    assert words in body["detail"]


# -- GET ----------------------------------------------------------------------------------------


async def test_signed_get_streams_the_object(
    http: httpx.AsyncClient, store: LocalObjectStore
) -> None:
    data = os.urandom(300_000)
    stored = await store.put_bytes(data, "image/jpeg")
    url = await store.presigned_get_url(stored.key)

    response = await http.get(url)

    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "sandbox"
    assert url.startswith(f"{PUBLIC_URL}/api/v1/storage/objects/sha256/")


async def test_get_with_tampered_signature_is_forbidden(
    http: httpx.AsyncClient, store: LocalObjectStore
) -> None:
    stored = await store.put_bytes(b"secret")
    url = await store.presigned_get_url(stored.key)
    flipped = "0" if url[-1] != "0" else "1"

    response = await http.get(url[:-1] + flipped)

    assert_error(response, 403, "PermissionDenied", "signature is invalid")


async def test_get_with_swapped_filename_is_forbidden(
    http: httpx.AsyncClient, store: LocalObjectStore
) -> None:
    stored = await store.put_bytes(b"report")
    url = await store.presigned_get_url(stored.key, filename="report.pdf")

    response = await http.get(url.replace("report.pdf", "invoice.pdf"))

    assert_error(response, 403, "PermissionDenied", "signature is invalid")


async def test_unsigned_get_is_forbidden(http: httpx.AsyncClient, store: LocalObjectStore) -> None:
    stored = await store.put_bytes(b"x")

    response = await http.get(f"/api/v1/storage/objects/{stored.key}")

    assert_error(response, 403, "PermissionDenied", "not signed")


async def test_expired_get_is_forbidden(http: httpx.AsyncClient, store: LocalObjectStore) -> None:
    stored = await store.put_bytes(b"old")
    url = store.signer.url("GET", stored.key, 60, now=time.time() - 120)

    response = await http.get(url)

    assert_error(response, 403, "PermissionDenied", "expired")


async def test_get_of_a_deleted_object_is_not_found(
    http: httpx.AsyncClient, store: LocalObjectStore
) -> None:
    stored = await store.put_bytes(b"gone soon")
    url = await store.presigned_get_url(stored.key)
    await store.delete(stored.key)

    response = await http.get(url)

    assert_error(response, 404, "NotFound", "no longer exists")


async def test_a_get_url_does_not_allow_put(
    http: httpx.AsyncClient, store: LocalObjectStore
) -> None:
    url = await store.presigned_get_url("exports/a.json")

    response = await http.put(url, content=b"{}")

    assert_error(response, 403, "PermissionDenied", "signature is invalid")
    assert not await store.exists("exports/a.json")


# -- PUT ----------------------------------------------------------------------------------------


async def test_signed_put_stores_a_named_object(
    http: httpx.AsyncClient, store: LocalObjectStore
) -> None:
    url = await store.presigned_put_url("exports/batch-1.json")

    response = await http.put(
        url, content=b'{"ok": true}', headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["key"] == "exports/batch-1.json"
    assert response.json()["created"] is True
    info = await store.stat("exports/batch-1.json")
    assert info is not None
    assert info.content_type == "application/json"
    assert await store.get_bytes("exports/batch-1.json") == b'{"ok": true}'


async def test_signed_put_to_a_content_key_checks_and_dedupes(
    http: httpx.AsyncClient, store: LocalObjectStore
) -> None:
    data = os.urandom(10_000)
    digest = hashlib.sha256(data).hexdigest()
    url = await store.presigned_put_url(content_key(digest))

    first = await http.put(url, content=data)
    second = await http.put(url, content=data)

    assert first.status_code == second.status_code == 200
    assert first.json() == {
        "key": content_key(digest),
        "sha256": digest,
        "size": len(data),
        "content_type": "application/octet-stream",
        "created": True,
    }
    assert second.json()["created"] is False


async def test_put_with_wrong_hash_is_rejected(
    http: httpx.AsyncClient, store: LocalObjectStore
) -> None:
    key = content_key(hashlib.sha256(b"promised").hexdigest())
    url = await store.presigned_put_url(key)

    response = await http.put(url, content=b"delivered")

    assert_error(response, 422, "ValidationError", "do not match")
    assert not await store.exists(key)


async def test_put_with_tampered_signature_is_forbidden(
    http: httpx.AsyncClient, store: LocalObjectStore
) -> None:
    url = await store.presigned_put_url("uploads/a.bin")

    response = await http.put(url.replace("uploads/a.bin", "uploads/b.bin"), content=b"x")

    assert_error(response, 403, "PermissionDenied", "signature is invalid")


async def test_expired_put_is_forbidden(http: httpx.AsyncClient, store: LocalObjectStore) -> None:
    url = store.signer.url("PUT", "uploads/late.bin", 1, now=time.time() - 5)

    response = await http.put(url, content=b"late")

    assert_error(response, 403, "PermissionDenied", "expired")
    assert not await store.exists("uploads/late.bin")


async def test_oversized_put_is_refused_by_declared_length(
    http: httpx.AsyncClient, store: LocalObjectStore
) -> None:
    url = await store.presigned_put_url("uploads/big.bin")

    response = await http.put(url, content=b"x" * (MAX_BYTES + 1))

    assert_error(response, 413, "PayloadTooLarge", str(MAX_BYTES))
    assert not await store.exists("uploads/big.bin")


async def test_oversized_streamed_put_is_cut_off(
    http: httpx.AsyncClient, store: LocalObjectStore, tmp_path: Path
) -> None:
    url = await store.presigned_put_url("uploads/big.bin")

    async def body() -> AsyncIterator[bytes]:  # no Content-Length: chunked transfer
        for _ in range(10):
            yield b"x" * (MAX_BYTES // 4)

    response = await http.put(url, content=body())

    assert_error(response, 413, "PayloadTooLarge", str(MAX_BYTES))
    assert not await store.exists("uploads/big.bin")
    assert list((tmp_path / "tmp").iterdir()) == []  # the spool file is gone


async def test_s3_backend_answers_not_found() -> None:
    s3 = S3ObjectStore("127.0.0.1:9", "key", "secret", "bucket")
    transport = httpx.ASGITransport(app=make_app(s3))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        got = await http.get("/api/v1/storage/objects/a.txt?expires=1&sig=00")
        put = await http.put("/api/v1/storage/objects/a.txt?expires=1&sig=00", content=b"x")

    assert_error(got, 404, "NotFound", "served by S3 directly")
    assert_error(put, 404, "NotFound", "served by S3 directly")
