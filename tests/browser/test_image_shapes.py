"""Boxes and polygons drawn with the mouse on a real image in the workstation (Annotorious).

The image is a real PNG written to the object store of the browser server (its data directory
is the ``server_dir`` fixture of ``tests/browser/conftest.py``), so the <img> loads
through the server's signed URL. Answers are checked in the database, in image pixels.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import BrowserContext, FloatRect, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.storage import LocalObjectStore
from app.models import Item, Label, User
from tests.browser.conftest import arrange_image_job, shot, sign_in

WIDTH, HEIGHT = 400, 300
CAR_PERSON = [{"name": "car"}, {"name": "person"}]
TOLERANCE_PX = 3


async def arrange(
    db: AsyncSession, store: LocalObjectStore, schema: dict[str, Any]
) -> tuple[User, Item]:
    return await arrange_image_job(db, store, schema, (WIDTH, HEIGHT))


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
    await shot(page, "workstation-boxes", top=False)
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
