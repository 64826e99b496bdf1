"""Boxes and polygons drawn with the mouse on a real image in the workstation (Annotorious).

The image is a real PNG written to the object store of the browser server (its data directory
is the ``server_dir`` fixture of ``tests/browser/conftest.py``), so the <img> loads
through the server's signed URL. Answers are checked in the database, in image pixels.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import BrowserContext, FloatRect, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import StorageSettings
from app.kit.storage import LocalObjectStore
from app.models import EnterpriseKind, Item, JobStatus, Label, User
from tests.browser.conftest import sign_in
from tests.conftest import TEST_SECRET
from tests.factories import make_dataset, make_enterprise, make_job, make_user

WIDTH, HEIGHT = 400, 300
CAR_PERSON = [{"name": "car"}, {"name": "person"}]
TOLERANCE_PX = 3


def png(width: int, height: int) -> bytes:
    """An RGB PNG with a gradient (no imaging library needed)."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 255 // width, y * 255 // height, 128))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def server_store(server_dir: Path, base_url: str) -> LocalObjectStore:
    """The browser server's object store (same directory, same settings)."""
    root = server_dir / "data" / StorageSettings().local_root
    return LocalObjectStore(root, signing_key=TEST_SECRET.encode(), public_url=base_url)


async def arrange(
    db: AsyncSession, store: LocalObjectStore, schema: dict[str, Any]
) -> tuple[User, Item]:
    """A running image job with one item whose image really is in the store."""
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(
        db, client, [vendor], label_schema=schema, status=JobStatus.RUNNING, gold_rate=0
    )
    _, (item,) = await make_dataset(db, job, images=1)
    await store.ensure_ready()
    stored = await store.put_bytes(png(WIDTH, HEIGHT), "image/png")
    item.object_key, item.width, item.height = stored.key, WIDTH, HEIGHT
    user = await make_user(db, vendor)
    await db.commit()
    return user, item


async def open_image(page: Page) -> FloatRect:
    """Go to the workstation, wait for the image and the drawing layer; the image's box."""
    await page.goto("/work")
    image = page.locator(".shape-stage img")
    await expect(image).to_be_visible()
    await expect(page.locator(".shape-stage svg")).to_have_count(1)
    await image.scroll_into_view_if_needed()
    box = await image.bounding_box()
    assert box is not None
    return box


def to_screen(img: FloatRect, x: float, y: float) -> tuple[float, float]:
    """Image pixels → page coordinates (the image may be shown scaled)."""
    return (
        img["x"] + x * img["width"] / WIDTH,
        img["y"] + y * img["height"] / HEIGHT,
    )


async def answers_of(db: AsyncSession, user: User) -> list[tuple[int, Any]]:
    labels = await db.scalars(select(Label).where(Label.annotator_id == user.id))
    return [(label.item_id, label.answer) for label in labels]


def close_to(got: list[float], want: list[float]) -> bool:
    return all(abs(g - w) <= TOLERANCE_PX for g, w in zip(got, want, strict=True))


async def test_draw_a_box_with_the_mouse(
    db: AsyncSession,
    context: BrowserContext,
    page: Page,
    base_url: str,
    server_store: LocalObjectStore,
) -> None:

    user, item = await arrange(db, server_store, {"kind": "image_boxes", "labels": CAR_PERSON})
    await sign_in(db, context, base_url, user)
    await page.set_viewport_size({"width": 1280, "height": 800})
    img = await open_image(page)

    await page.keyboard.press("2")  # person, then back to car: the last choice counts
    await page.keyboard.press("1")
    await expect(page.locator('.label-btn[data-label="car"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    stage = page.locator(".shape-stage")

    async def drag(x: float, y: float, x1: float, y1: float) -> None:
        await page.mouse.move(*to_screen(img, x, y))
        await page.mouse.down()
        await page.mouse.move(*to_screen(img, x1, y1), steps=10)
        await page.mouse.up()

    await drag(100, 100, 150, 150)
    await expect(stage).to_have_attribute("data-shapes", "1")
    await page.keyboard.press("Delete")  # the new box is selected: Delete removes it
    await expect(stage).to_have_attribute("data-shapes", "0")

    await drag(50, 40, 250, 200)
    await expect(stage).to_have_attribute("data-shapes", "1")
    if os.environ.get("BRIGADE_SCREENSHOTS") == "1":
        await page.screenshot(path="docs/screenshots/workstation-boxes.png")
    await page.keyboard.press("Enter")

    await expect(page.locator("#work-empty")).to_be_visible()  # that was the only item
    ((item_id, answer),) = await answers_of(db, user)
    assert item_id == item.id
    (box,) = answer["boxes"]
    assert box["label"] == "car"
    assert close_to([box["x"], box["y"], box["w"], box["h"]], [50, 40, 200, 160]), box


async def test_draw_a_polygon_by_clicking_its_corners(
    db: AsyncSession,
    context: BrowserContext,
    page: Page,
    base_url: str,
    server_store: LocalObjectStore,
) -> None:

    user, item = await arrange(db, server_store, {"kind": "image_polygons", "labels": CAR_PERSON})
    await sign_in(db, context, base_url, user)
    img = await open_image(page)

    corners = [(60, 50), (300, 70), (200, 250)]

    async def draw() -> None:
        for x, y in [*corners, corners[0]]:  # clicking the first corner closes the polygon
            await page.mouse.click(*to_screen(img, x, y))
            await page.wait_for_timeout(150)  # apart enough not to count as a double-click

    stage = page.locator(".shape-stage")
    await page.keyboard.press("2")
    await draw()
    await expect(stage).to_have_attribute("data-shapes", "1")
    await page.keyboard.press("Delete")  # the closed polygon is selected: Delete removes it
    await expect(stage).to_have_attribute("data-shapes", "0")

    await draw()
    await expect(stage).to_have_attribute("data-shapes", "1")
    await page.keyboard.press("Enter")

    await expect(page.locator("#work-empty")).to_be_visible()
    ((item_id, answer),) = await answers_of(db, user)
    assert item_id == item.id
    (polygon,) = answer["polygons"]
    assert polygon["label"] == "person"
    points = polygon["points"]
    assert len(points) == len(corners), points
    for got, want in zip(points, corners, strict=True):
        assert close_to(got, list(want)), points
