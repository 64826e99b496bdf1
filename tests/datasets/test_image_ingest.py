"""Image dataset ingest through the API: multipart files and zip archives, cleaned in the
process pool, stored content-addressed with thumbnails, duplicates and near-duplicates found,
bad files and unsafe archive members rejected one by one."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.samples import shelf_images
from app.ingest import service as ingest
from app.models import EnterpriseKind, Item, LabelingJob, Role, Task
from tests.factories import (
    browser_client,
    make_enterprise,
    make_job,
    make_session_cookie,
    make_user,
)


def _jpeg(png: bytes, quality: int = 90) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


async def _setup(app: FastAPI, db: AsyncSession) -> tuple[AsyncClient, LabelingJob]:
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    member = await make_user(db, client, Role.CLIENT_MEMBER)
    job = await make_job(db, client, task_size=2)  # the factory's default job is image boxes
    cookie = await make_session_cookie(db, member)
    await db.commit()
    return browser_client(app, cookie), job


async def _ingested(app: FastAPI, c: AsyncClient, dataset_id: str) -> dict[str, Any]:
    """Run the real ingest job (as the worker would) and return the dataset's state."""
    await ingest.run(app.state.sessionmaker, app.state.store, uuid.UUID(dataset_id))
    return dict((await c.get(f"/api/v1/datasets/{dataset_id}")).json())


async def test_multipart_images_are_cleaned_stored_and_split(
    app: FastAPI, db: AsyncSession
) -> None:
    c, job = await _setup(app, db)
    shelves = shelf_images(3)
    a, b, d = (_jpeg(s.png) for s in shelves)
    files = [
        ("files", ("a.jpg", a)),
        ("files", ("b.jpg", b)),
        ("files", ("d.png", shelves[2].png)),  # a PNG is kept as PNG
        ("files", ("a-copy.jpg", a)),  # exact duplicate
        ("files", ("a-small.jpg", _jpeg(shelves[0].png, quality=40))),  # near-duplicate
        ("files", ("cut.jpg", d[: len(d) // 2])),  # truncated
        ("files", ("notes.jpg", b"just some text, not an image")),
    ]
    r = await c.post(f"/api/v1/jobs/{job.id}/datasets", files=files, data={"format": "images"})
    assert r.status_code == 202, r.text
    state = await _ingested(app, c, r.json()["id"])
    assert state["status"] == "ready", state
    assert (state["received"], state["accepted"], state["duplicates"]) == (7, 4, 1)
    assert (state["rejected"], state["near_duplicates"], state["tasks"]) == (2, 1, 2)

    reasons = (await c.get(f"/api/v1/datasets/{state['id']}/rejections")).json()["items"]
    assert {r["source"]: r["code"] for r in reasons} == {
        "a-copy.jpg": "duplicate",
        "cut.jpg": "truncated",
        "notes.jpg": "not_image",
    }
    items = (await db.scalars(select(Item).where(Item.job_id == job.id).order_by(Item.id))).all()
    assert [(i.width, i.height) for i in items] == [(640, 480)] * 4
    assert items[3].near_dup_of == items[0].id
    assert items[2].meta["format"] == "PNG"
    for item in items:
        assert item.object_key is not None
        assert item.thumb_key is not None
        thumb = Image.open(io.BytesIO(await app.state.store.get_bytes(item.thumb_key)))
        assert max(thumb.size) == 256
        stored = await app.state.store.get_bytes(item.object_key)
        assert Image.open(io.BytesIO(stored)).size == (640, 480)
    tasks = (await db.scalars(select(Task).where(Task.job_id == job.id))).all()
    assert sorted(t.item_count for t in tasks) == [2, 2]


async def test_zip_members_are_checked_one_by_one(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _setup(app, db)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("x.png", shelf_images(1)[0].png)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("shelves/one.png", shelf_images(1)[0].png)
        z.writestr("../escape.png", shelf_images(2)[1].png)
        z.writestr("more.zip", inner.getvalue())
        z.writestr("__MACOSX/._one.png", b"junk")
    r = await c.post(
        f"/api/v1/jobs/{job.id}/datasets",
        files={"file": ("set.zip", archive.getvalue())},
        data={"format": "zip"},
    )
    assert r.status_code == 202, r.text
    state = await _ingested(app, c, r.json()["id"])
    assert (state["status"], state["accepted"]) == ("ready", 1)
    reasons = (await c.get(f"/api/v1/datasets/{state['id']}/rejections")).json()["items"]
    codes = sorted(r["code"] for r in reasons)
    assert codes == ["junk", "nested_archive", "unsafe_path"]


async def test_a_file_that_is_not_a_zip_fails_clearly(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _setup(app, db)
    r = await c.post(
        f"/api/v1/jobs/{job.id}/datasets",
        files={"file": ("set.zip", b"PK but not really a zip")},
        data={"format": "zip"},
    )
    state = await _ingested(app, c, r.json()["id"])
    assert state["status"] == "failed"
    assert state["error"].startswith("not_zip")


async def test_formats_must_fit_the_job(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _setup(app, db)
    text_into_images = await c.post(
        f"/api/v1/jobs/{job.id}/datasets",
        files={"file": ("d.jsonl", b'{"text": "x"}\n')},
        data={"format": "jsonl"},
    )
    assert text_into_images.status_code == 422
    assert "images, zip" in text_into_images.json()["detail"]
    no_files = await c.post(
        f"/api/v1/jobs/{job.id}/datasets",
        files={"file": ("a.jpg", b"x")},
        data={"format": "images"},
    )
    assert no_files.status_code == 422
    assert "files" in no_files.json()["detail"]
