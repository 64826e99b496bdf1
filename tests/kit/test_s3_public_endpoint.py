"""Presigned URLs for a public S3 name: signed for the host browsers use, and they work there."""

from __future__ import annotations

import httpx

from app.kit.storage import S3ObjectStore
from tests.s3_server import S3Server


async def test_presigned_urls_use_the_public_endpoint(s3_server: S3Server) -> None:
    port = s3_server.endpoint.rsplit(":", 1)[1]
    public = f"localhost:{port}"  # another name for the same server, as a proxy would give
    store = S3ObjectStore(
        s3_server.endpoint,
        s3_server.access_key,
        s3_server.secret_key,
        s3_server.bucket,
        region=s3_server.region,
        public_endpoint=public,
        public_secure=False,
    )
    stored = await store.put_bytes(b"public hello", "text/plain")
    get_url = await store.presigned_get_url(stored.key, ttl_seconds=60)
    put_url = await store.presigned_put_url("uploads/public-test", ttl_seconds=60)
    assert get_url.startswith(f"http://{public}/")
    assert put_url.startswith(f"http://{public}/")
    async with httpx.AsyncClient() as client:
        fetched = await client.get(get_url)
        uploaded = await client.put(put_url, content=b"from a browser")
    assert fetched.status_code == 200
    assert fetched.content == b"public hello"
    assert uploaded.status_code == 200
    assert await store.get_bytes("uploads/public-test") == b"from a browser"
