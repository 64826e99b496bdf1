"""Import from a client's own bucket on a real S3 server (SeaweedFS): allowed endpoints only,
credentials checked at request time, sealed until the copy, forgotten after it."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.samples import shelf_images
from app.ingest import service as ingest
from app.models import DataKind, Dataset, EnterpriseKind, Role
from tests.factories import (
    browser_client,
    make_enterprise,
    make_job,
    make_session_cookie,
    make_user,
)
from tests.s3_server import S3Server

TEXT_SCHEMA: dict[str, Any] = {"kind": "text_classification", "labels": [{"name": "x"}]}


@pytest.fixture
def client_bucket(s3_server: S3Server) -> str:
    """A bucket the client owns, with three images and a JSONL file."""
    bucket = f"client-{uuid.uuid4().hex[:8]}"
    minio = s3_server.client()
    minio.make_bucket(bucket)
    for i, image in enumerate(shelf_images(3)):
        minio.put_object(bucket, f"shelves/{i}.png", io.BytesIO(image.png), len(image.png))
    jsonl = "".join(f'{{"text": "第{i}条评论"}}\n' for i in range(5)).encode()
    minio.put_object(bucket, "texts/reviews.jsonl", io.BytesIO(jsonl), len(jsonl))
    return bucket


def _source(s3: S3Server, bucket: str, prefix: str, **kw: Any) -> dict[str, Any]:
    return {
        "endpoint": s3.endpoint, "bucket": bucket, "prefix": prefix, "secure": False,
        "access_key": s3.access_key, "secret_key": s3.secret_key, "region": s3.region, **kw,
    }  # fmt: skip


async def test_images_are_imported_and_credentials_forgotten(
    app: FastAPI,
    db: AsyncSession,
    s3_server: S3Server,
    client_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    job = await make_job(db, client)
    c = browser_client(app, await make_session_cookie(db, await make_user(db, client)))
    await db.commit()
    source = _source(s3_server, client_bucket, "shelves/")
    body: dict[str, Any] = {"format": "images", "source": source}

    refused = await c.post(f"/api/v1/jobs/{job.id}/datasets/from-s3", json=body)
    assert refused.status_code == 422  # the endpoint is not allowed by the operator
    assert refused.json()["detail"].startswith("source.endpoint")

    monkeypatch.setattr(app.state.settings.storage, "import_endpoints", [s3_server.endpoint])
    wrong = {**body, "source": {**source, "secret_key": "not-the-key"}}
    bad = await c.post(f"/api/v1/jobs/{job.id}/datasets/from-s3", json=wrong)
    assert bad.status_code == 422
    assert "not-the-key" not in bad.text

    r = await c.post(f"/api/v1/jobs/{job.id}/datasets/from-s3", json=body)
    assert r.status_code == 202, r.text
    assert "secret_key" not in r.json()["options"]["source"]
    row = await db.scalar(select(Dataset).where(Dataset.id == uuid.UUID(r.json()["id"])))
    assert row is not None
    assert s3_server.secret_key not in str(row.options)  # sealed, not plain

    await ingest.run(
        app.state.sessionmaker,
        app.state.store,
        uuid.UUID(r.json()["id"]),
        server_secret=app.state.server_secret,
    )
    state = (await c.get(f"/api/v1/datasets/{r.json()['id']}")).json()
    assert (state["status"], state["accepted"], state["tasks"]) == ("ready", 3, 3)
    await db.refresh(row)
    assert "secret_key" not in row.options["source"]
    assert "access_key" not in row.options["source"]


async def test_a_text_file_is_imported(
    app: FastAPI,
    db: AsyncSession,
    s3_server: S3Server,
    client_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app.state.settings.storage, "import_endpoints", [s3_server.endpoint])
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    job = await make_job(db, client, data_kind=DataKind.TEXT, label_schema=TEXT_SCHEMA)
    member = await make_user(db, client, Role.CLIENT_MEMBER)
    c = browser_client(app, await make_session_cookie(db, member))
    await db.commit()
    missing = await c.post(
        f"/api/v1/jobs/{job.id}/datasets/from-s3",
        json={"format": "jsonl", "source": _source(s3_server, client_bucket, "texts/nope.jsonl")},
    )
    assert missing.status_code == 422
    r = await c.post(
        f"/api/v1/jobs/{job.id}/datasets/from-s3",
        json={
            "format": "jsonl",
            "source": _source(s3_server, client_bucket, "texts/reviews.jsonl"),
        },
    )
    assert r.status_code == 202, r.text
    await ingest.run(
        app.state.sessionmaker,
        app.state.store,
        uuid.UUID(r.json()["id"]),
        server_secret=app.state.server_secret,
    )
    state = (await c.get(f"/api/v1/datasets/{r.json()['id']}")).json()
    assert (state["status"], state["accepted"]) == ("ready", 5)
