"""The whole app on the S3 backend (SeaweedFS): startup, health, and real writes through it.

The storage contract itself is tested against both backends in tests/kit/test_storage.py; this
proves the configuration path (``BRIGADE_STORAGE__*`` settings → running app) works end to end.
"""

from __future__ import annotations

import json

import httpx
from pydantic import SecretStr
from sqlalchemy import select

from app.config import Settings, StorageSettings
from app.demo.service import load_demo
from app.main import create_app
from app.models import DataKind, Item
from tests.s3_server import S3Server


async def test_app_runs_on_s3_storage(settings: Settings, s3_server: S3Server) -> None:
    s3_settings = settings.model_copy(
        update={
            "storage": StorageSettings(
                backend="s3",
                s3_endpoint=s3_server.endpoint,
                s3_access_key=SecretStr(s3_server.access_key),
                s3_secret_key=SecretStr(s3_server.secret_key),
                s3_bucket="brigade-app-test",
                s3_region=s3_server.region,
            )
        }
    )
    app = create_app(s3_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            health = await client.get("/health")
        assert health.status_code == 200, health.text
        assert health.json()["storage_backend"] == "s3"
        # The bucket was created at startup and the demo's sample data lands in it.
        await load_demo(app.state.sessionmaker, app.state.store)
        keys = [
            o.object_name
            for o in s3_server.client().list_objects("brigade-app-test", recursive=True)
        ]
        manifests = [k for k in keys if k.endswith("samples.json")]
        assert len(manifests) == 2
        # Ingested through S3: 12 images with 12 thumbnails, 66 texts (20 reviews for spans, 40
        # for sentiment and its 6 gold items), manifests per task batch.
        async with app.state.sessionmaker() as session:
            items = (await session.execute(select(Item.kind, Item.object_key))).all()
        image_keys = [key for kind, key in items if kind is DataKind.IMAGE]
        assert len(image_keys) == 12
        assert set(image_keys) <= set(keys)
        assert sum(1 for kind, _ in items if kind is DataKind.TEXT) == 66
        assert any(k.startswith("manifests/") for k in keys)
        url = await app.state.store.presigned_get_url(manifests[0], ttl_seconds=60)
        async with httpx.AsyncClient() as plain:
            fetched = await plain.get(url)
        assert fetched.status_code == 200
        assert json.loads(fetched.content)["items"]
