"""Jobs that are not blind: the workstation shows what other annotators already answered,
read-only (a list, and dashed outlines on images); blind jobs show nothing of it."""

from __future__ import annotations

from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.storage import LocalObjectStore
from tests.browser.conftest import (
    arrange_image_job,
    arrange_text_job,
    colleague,
    label_through_api,
    sign_in,
)
from tests.factories import TEXT_CLASSES

BOXES = {"kind": "image_boxes", "labels": [{"name": "car"}, {"name": "person"}]}


async def test_other_labels_are_listed_on_a_job_that_is_not_blind(
    db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    user, (item,) = await arrange_text_job(db, TEXT_CLASSES, ["还行吧"], blind=False)
    for answer in ({"label": "neutral"}, {"label": "neutral"}):
        await label_through_api(db, base_url, await colleague(db, user), item.job_id, answer)
    await sign_in(db, context, base_url, user)

    await page.goto("/work")
    others = page.locator(".others")
    await expect(others.locator("h3")).to_have_text("其他标注员的标注（2）")
    await expect(others.locator("li")).to_have_text("neutral \u00d72")
    # Read-only: nothing there to press, and my own answer starts empty.
    await expect(others.locator("button")).to_have_count(0)
    await expect(page.locator('.label-btn[aria-pressed="true"]')).to_have_count(0)


async def test_blind_jobs_show_no_other_labels(
    db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    user, (item,) = await arrange_text_job(db, TEXT_CLASSES, ["还行吧"])  # blind by default
    await label_through_api(
        db, base_url, await colleague(db, user), item.job_id, {"label": "neutral"}
    )
    await sign_in(db, context, base_url, user)

    await page.goto("/work")
    await expect(page.locator(".item-text")).to_have_text("还行吧")
    await expect(page.locator(".others")).to_have_count(0)


async def test_other_boxes_are_drawn_dashed_under_mine(
    db: AsyncSession,
    context: BrowserContext,
    page: Page,
    base_url: str,
    server_store: LocalObjectStore,
) -> None:
    user, item = await arrange_image_job(db, server_store, BOXES, (400, 300), blind=False)
    theirs = {"boxes": [{"label": "person", "x": 40, "y": 30, "w": 100, "h": 80}]}
    await label_through_api(db, base_url, await colleague(db, user), item.job_id, theirs)
    await sign_in(db, context, base_url, user)

    await page.goto("/work")
    layer = page.locator(".shape-stage .others-layer")
    await expect(layer.locator('rect[data-label="person"]')).to_have_count(1)
    await expect(page.locator(".others li")).to_have_text("person \u00d71")
    # In image pixels, whatever the zoom: the outline sits on the image where it was drawn.
    image = await page.locator(".shape-stage img").bounding_box()
    rect = await layer.locator("rect").bounding_box()
    assert image is not None
    assert rect is not None
    scale = image["width"] / 400
    assert abs(rect["x"] - (image["x"] + 40 * scale)) <= 2
    assert abs(rect["width"] - 100 * scale) <= 3
    await expect(page.locator(".shape-stage")).to_have_attribute("data-shapes", "0")
