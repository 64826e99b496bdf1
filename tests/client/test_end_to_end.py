"""A client's whole delivery through the SDK, against the real app with a background worker:
token → create an image-boxes job → upload images → (a vendor's annotators label every item
through the labeling API) → quality sweep → export COCO → wait → download → parse."""

from __future__ import annotations

import io
import random
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from PIL import Image, ImageDraw
from pycocotools.coco import COCO
from sqlalchemy.ext.asyncio import AsyncSession

from app.client import AsyncBrigade
from app.models import Enterprise
from app.quality.sweep import sweep
from tests.factories import browser_client, make_session_cookie, make_user

Box = dict[str, Any]


@dataclass(frozen=True)
class Picture:
    """An image drawn for the test and the boxes on it (what a careful annotator marks)."""

    name: str
    width: int
    height: int
    boxes: list[Box]

    def png(self) -> bytes:
        rng = random.Random(self.name)
        image = Image.new("RGB", (self.width, self.height), (rng.randrange(256), 90, 160))
        draw = ImageDraw.Draw(image)
        for _ in range(12):  # clutter, so no two pictures look alike to the near-duplicate check
            x, y = rng.randrange(self.width), rng.randrange(self.height)
            colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            draw.ellipse((x, y, x + rng.randrange(10, 60), y + rng.randrange(10, 60)), colour)
        for box in self.boxes:
            colour = (220, 30, 30) if box["label"] == "car" else (30, 200, 60)
            x, y = box["x"], box["y"]
            draw.rectangle((x, y, x + box["w"] - 1, y + box["h"] - 1), colour, outline="black")
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()


def pictures(n: int) -> list[Picture]:
    # Each picture has its own size: the annotators below tell them apart by it.
    return [
        Picture(
            f"street-{i}.png",
            320 + 16 * i,
            240 + 12 * i,
            [
                {"label": "car", "x": 20 + 10 * i, "y": 30, "w": 80, "h": 50},
                {"label": "person", "x": 150, "y": 60 + 5 * i, "w": 30, "h": 70},
            ],
        )
        for i in range(n)
    ]


async def label_everything(
    http: AsyncClient, job_id: uuid.UUID, truth: list[Picture], seed: int
) -> int:
    """One annotator's session: lease, draw the boxes (a pixel or two off), submit, repeat."""
    by_size = {(p.width, p.height): p for p in truth}
    rng = random.Random(seed)
    submitted = 0
    while True:
        r = await http.post("/api/v1/labeling/next", json={"job_id": str(job_id)})
        assert r.status_code == 200, r.text
        assignment = r.json()["assignment"]
        if assignment is None:
            return submitted
        labels = []
        for item in assignment["items"]:
            picture = by_size[(item["width"], item["height"])]
            boxes = [{**b, "x": b["x"] + rng.choice((0, 1)), "y": b["y"]} for b in picture.boxes]
            labels.append({"item_id": item["id"], "answer": {"boxes": boxes}})
        body = {"submission_id": str(uuid.uuid4()), "labels": labels, "active_ms": 4000}
        r = await http.post(f"/api/v1/labeling/assignments/{assignment['id']}/submit", json=body)
        assert r.status_code == 200, r.text
        submitted += len(labels)


@pytest.mark.usefixtures("worker")
async def test_a_client_gets_a_coco_file_of_its_labeled_images(
    app: FastAPI, db: AsyncSession, sdk: AsyncBrigade, vendor: Enterprise, tmp_path: Path
) -> None:
    truth = pictures(4)
    files = []
    for picture in truth:
        path = tmp_path / picture.name
        path.write_bytes(picture.png())
        files.append(path)

    # The client's program: a job for the vendor, the images, start.
    job = await sdk.create_job(
        name="Street scenes",
        kind="image_boxes",
        labels=["car", "person"],
        price_per_item="0.35",
        domain="autonomous_driving",
        overlap=3,
        vendor_ids=[vendor.id],
        settings={"gold_rate": "0"},
    )
    sent: list[int] = []
    dataset = await sdk.upload_dataset(
        job.id, files, progress=lambda done, _: sent.append(done), wait=True
    )
    await sdk.start_job(job.id)
    assert (dataset.status, dataset.accepted, dataset.tasks) == ("ready", 4, 4)
    assert sent[-1] > sum(p.stat().st_size for p in files)

    # The vendor's annotators, in the browser app (the same API calls).
    annotators = []
    for _ in range(3):
        cookie = await make_session_cookie(db, await make_user(db, vendor))
        await db.commit()
        annotators.append(browser_client(app, cookie))
    for seed, http in enumerate(annotators):
        async with http:
            assert await label_everything(http, job.id, truth, seed) == 4
    await sweep(app.state.sessionmaker)

    progress = await sdk.get_job_progress(job.id)
    assert (progress.items_done, progress.items_remaining) == (4, 0)
    assert progress.labels_submitted == progress.labels_needed == 12

    # Delivery.
    export = await sdk.create_export(job.id, format="coco")
    done = await sdk.wait_for_export(export.id, timeout=60)
    path = await sdk.download_export(done.id, tmp_path)

    assert (done.status, done.items_written) == ("done", 4)
    assert path.parent == tmp_path
    assert path.stat().st_size == done.size_bytes
    check_coco(path, truth)


def check_coco(path: Path, truth: list[Picture]) -> None:
    """The file as a COCO consumer reads it: every picture, with its boxes in place."""
    coco = COCO(str(path))
    names = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    assert sorted(names.values()) == ["car", "person"]
    images = coco.loadImgs(coco.getImgIds())
    by_size = {(p.width, p.height): p for p in truth}
    assert sorted((i["width"], i["height"]) for i in images) == sorted(by_size)
    for image in images:
        picture = by_size[(image["width"], image["height"])]
        got = sorted(
            (names[a["category_id"]], a["bbox"])
            for a in coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
        )
        want = sorted((b["label"], [b["x"], b["y"], b["w"], b["h"]]) for b in picture.boxes)
        assert [label for label, _ in got] == [label for label, _ in want]
        for (_, box), (_, expected) in zip(got, want, strict=True):
            assert box == pytest.approx(expected, abs=1.0)  # consensus of boxes 0-1 px apart
