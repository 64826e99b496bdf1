"""Zoom and pan on a large image, and undo/redo, in a real browser.

Boxes drawn at 2x and more must still be stored in image pixels; a pan gesture (Space + drag)
must not draw; Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y walk one item's history of classes, spans and
shapes. Answers are checked in the database.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import BrowserContext, FloatRect, Locator, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.storage import LocalObjectStore
from app.models import Label, LabelingJob, User
from tests.browser.conftest import arrange_image_job, arrange_text_job, png, shot, sign_in
from tests.browser.test_workstation import BRAND_PLACE, select_with_mouse
from tests.factories import TEXT_CLASSES, make_dataset

WIDTH, HEIGHT = 1600, 1200  # larger than the viewport: the workstation opens it fitted
BOXES = {"kind": "image_boxes", "labels": [{"name": "car"}, {"name": "person"}]}
TOLERANCE_PX = 2


async def answers_of(db: AsyncSession, user: User) -> list[Any]:
    await db.commit()  # a fresh snapshot: the server wrote in its own transactions
    return [
        label.answer
        for label in await db.scalars(select(Label).where(Label.annotator_id == user.id))
    ]


async def box_of(locator: Locator) -> FloatRect:
    box = await locator.bounding_box()
    assert box is not None
    return box


async def zoom_of(viewport: Locator) -> float:
    return float(await viewport.get_attribute("data-zoom") or "nan")


async def wait_zoom(page: Page, above: float | None = None, below: float | None = None) -> None:
    """Until the viewport's zoom is above and/or below the given values."""
    await page.wait_for_function(
        """([above, below]) => {
            const z = parseFloat(document.querySelector(".zoom-viewport").dataset.zoom);
            return (above === null || z > above) && (below === null || z < below);
        }""",
        arg=[above, below],
    )


def image_point(img: FloatRect, x: float, y: float) -> tuple[float, float]:
    """A page point → image pixels (the <img>'s box is its zoomed, scrolled layout)."""
    return (x - img["x"]) * WIDTH / img["width"], (y - img["y"]) * HEIGHT / img["height"]


async def test_boxes_drawn_at_2x_are_stored_in_image_pixels(
    db: AsyncSession,
    context: BrowserContext,
    page: Page,
    base_url: str,
    server_store: LocalObjectStore,
) -> None:
    user, _ = await arrange_image_job(db, server_store, BOXES, (WIDTH, HEIGHT))
    await sign_in(db, context, base_url, user)
    await page.goto("/work")
    viewport = page.locator(".zoom-viewport")
    image = viewport.locator("img")
    stage = page.locator(".shape-stage")
    await expect(viewport.locator("svg")).to_have_count(1)  # Annotorious is ready
    await viewport.scroll_into_view_if_needed()
    fit = await zoom_of(viewport)
    assert fit < 1, fit  # the whole image is shown, scaled down

    # "+" up to 2x and more, then the arrows pan (no shape is selected).
    while await zoom_of(viewport) < 2:
        await page.keyboard.press("+")
    scale = await zoom_of(viewport)
    await expect(page.locator(".zoom-level")).to_have_text(f"{round(scale * 100)}%")

    # The wheel zooms around the pointer: the image point under it stays put.
    vp = await box_of(viewport)
    px, py = round(vp["x"] + vp["width"] * 0.3), round(vp["y"] + vp["height"] * 0.4)
    await page.mouse.move(px, py)
    before = image_point(await box_of(image), px, py)
    await page.mouse.wheel(0, -100)
    await wait_zoom(page, above=scale * 1.2)
    after = image_point(await box_of(image), px, py)
    assert abs(after[0] - before[0]) < 1, (before, after)
    assert abs(after[1] - before[1]) < 1, (before, after)

    scroll_before = await viewport.evaluate("el => el.scrollLeft")
    await page.keyboard.press("ArrowRight")
    assert await viewport.evaluate("el => el.scrollLeft") > scroll_before

    # Space + drag pans and draws nothing.
    scroll_before = await viewport.evaluate("el => [el.scrollLeft, el.scrollTop]")
    await page.mouse.move(round(vp["x"] + 300), round(vp["y"] + 200))
    await page.keyboard.down(" ")
    await page.mouse.down()
    await page.mouse.move(round(vp["x"] + 200), round(vp["y"] + 150), steps=5)
    await page.mouse.up()
    await page.keyboard.up(" ")
    scroll_after = await viewport.evaluate("el => [el.scrollLeft, el.scrollTop]")
    assert scroll_after[0] > scroll_before[0]
    assert scroll_after[1] > scroll_before[1]
    await expect(stage).to_have_attribute("data-shapes", "0")

    # Draw a box inside what is visible now and remember where it is in image pixels.
    img = await box_of(image)
    x0, y0 = round(vp["x"] + 100), round(vp["y"] + 80)
    x1, y1 = round(vp["x"] + 400), round(vp["y"] + 280)
    start, end = image_point(img, x0, y0), image_point(img, x1, y1)
    await page.mouse.move(x0, y0)
    await page.mouse.down()
    await page.mouse.move(x1, y1, steps=10)
    await page.mouse.up()
    await expect(stage).to_have_attribute("data-shapes", "1")
    await shot(page, "workstation-zoom", top=False)

    # Undo removes it, redo (both key combinations) brings it back.
    await page.keyboard.press("Control+z")
    await expect(stage).to_have_attribute("data-shapes", "0")
    await page.keyboard.press("Control+Shift+Z")
    await expect(stage).to_have_attribute("data-shapes", "1")
    await page.keyboard.press("Control+z")
    await expect(stage).to_have_attribute("data-shapes", "0")
    await page.keyboard.press("Control+y")
    await expect(stage).to_have_attribute("data-shapes", "1")

    await page.keyboard.press("0")  # fit again: the answer does not depend on the zoom
    await wait_zoom(page, below=1)
    await page.keyboard.press("Enter")
    await expect(page.locator("#work-empty")).to_be_visible()
    ((answer),) = await answers_of(db, user)
    (box,) = answer["boxes"]
    want = [start[0], start[1], end[0] - start[0], end[1] - start[1]]
    got = [box["x"], box["y"], box["w"], box["h"]]
    assert all(abs(g - w) <= TOLERANCE_PX for g, w in zip(got, want, strict=True)), (got, want)
    assert box["label"] == "car"


async def test_undo_a_move_and_a_delete(
    db: AsyncSession,
    context: BrowserContext,
    page: Page,
    base_url: str,
    server_store: LocalObjectStore,
) -> None:
    user, _ = await arrange_image_job(db, server_store, BOXES, (400, 300))
    await sign_in(db, context, base_url, user)
    await page.goto("/work")
    viewport = page.locator(".zoom-viewport")
    stage = page.locator(".shape-stage")
    await expect(viewport.locator("svg")).to_have_count(1)
    await viewport.scroll_into_view_if_needed()
    img = await box_of(viewport.locator("img"))
    ox, oy = round(img["x"]), round(img["y"])

    await page.mouse.move(ox + 50, oy + 50)
    await page.mouse.down()
    await page.mouse.move(ox + 150, oy + 130, steps=8)
    await page.mouse.up()
    await expect(stage).to_have_attribute("data-shapes", "1")
    await page.wait_for_timeout(600)  # a separate gesture, not part of drawing it

    # Move the (selected) box by dragging its inside: one step, however many moves.
    await page.mouse.move(ox + 100, oy + 90)
    await page.mouse.down()
    await page.mouse.move(ox + 200, oy + 140, steps=12)
    await page.mouse.up()
    await page.wait_for_timeout(600)
    await page.keyboard.press("Delete")
    await expect(stage).to_have_attribute("data-shapes", "0")

    await page.keyboard.press("Control+z")  # the delete
    await expect(stage).to_have_attribute("data-shapes", "1")
    await page.keyboard.press("Control+z")  # the move
    await page.locator(".undo-btn").click()  # the drawing (the button does the same)
    await expect(stage).to_have_attribute("data-shapes", "0")
    await expect(page.locator(".undo-btn")).to_have_attribute("aria-disabled", "true")
    await page.locator(".redo-btn").click()
    await expect(stage).to_have_attribute("data-shapes", "1")
    await page.keyboard.press("Control+Enter")  # plain Enter would press the focused button

    await expect(page.locator("#work-empty")).to_be_visible()
    ((answer),) = await answers_of(db, user)
    (box,) = answer["boxes"]
    # Back where it was drawn (the move was undone), not where it was dragged to.
    assert abs(box["x"] - 50) <= TOLERANCE_PX, box
    assert abs(box["y"] - 50) <= TOLERANCE_PX, box


async def test_undo_and_redo_classes_with_the_keyboard(
    db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    user, _ = await arrange_text_job(db, TEXT_CLASSES, ["物流很快"])
    await sign_in(db, context, base_url, user)
    await page.goto("/work")
    await expect(page.locator(".item-text")).to_have_text("物流很快")

    def pressed(name: str) -> Locator:
        return page.locator(f'.label-btn[data-label="{name}"][aria-pressed="true"]')

    await page.keyboard.press("1")
    await page.keyboard.press("2")
    await expect(pressed("negative")).to_have_count(1)
    await page.keyboard.press("Control+z")
    await expect(pressed("positive")).to_have_count(1)
    await expect(page.locator(".work-status")).to_have_text("已撤销。")
    await page.keyboard.press("Control+z")
    await expect(page.locator('.label-btn[aria-pressed="true"]')).to_have_count(0)
    await page.keyboard.press("Control+z")
    await expect(page.locator(".work-status")).to_have_text("没有可撤销的操作。")
    await page.keyboard.press("Control+Shift+Z")
    await page.keyboard.press("Control+y")
    await expect(pressed("negative")).to_have_count(1)
    await page.keyboard.press("Enter")

    await expect(page.locator("#work-empty")).to_be_visible()
    assert await answers_of(db, user) == [{"label": "negative"}]


async def test_undo_a_deleted_span(
    db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    user, _ = await arrange_text_job(db, BRAND_PLACE, ["李宁跑鞋，上海仓发货"])
    await sign_in(db, context, base_url, user)
    await page.goto("/work")
    await expect(page.locator(".span-text")).to_have_text("李宁跑鞋，上海仓发货")
    await select_with_mouse(page, ".span-text", 0, 2)
    await page.keyboard.press("1")
    await expect(page.locator(".span-list li")).to_have_count(1)
    await page.locator(".span-list li button").click()
    await expect(page.locator(".span-list li")).to_have_count(0)

    await page.keyboard.press("Control+z")
    await expect(page.locator(".span-list li mark")).to_have_text("李宁")
    await page.keyboard.press("Enter")

    await expect(page.locator("#work-empty")).to_be_visible()
    span = {"label": "brand", "start": 0, "end": 2, "text": "李宁"}
    assert await answers_of(db, user) == [{"spans": [span]}]


async def test_classify_a_zoomed_image(
    db: AsyncSession,
    context: BrowserContext,
    page: Page,
    base_url: str,
    server_store: LocalObjectStore,
) -> None:
    schema = {"kind": "image_classification", "labels": [{"name": "cat"}, {"name": "dog"}]}
    user, _ = await arrange_image_job(db, server_store, schema, (WIDTH, HEIGHT))
    await sign_in(db, context, base_url, user)
    await page.goto("/work")
    viewport = page.locator(".zoom-viewport")
    image = viewport.locator("img")
    await expect(image).to_be_visible()
    fit = await zoom_of(viewport)
    assert fit < 1

    await page.locator(".zoom-in-btn").click()
    await page.locator(".zoom-in-btn").click()
    await wait_zoom(page, above=fit * 1.5)
    scale = await zoom_of(viewport)
    assert abs((await box_of(image))["width"] - WIDTH * scale) < 1
    await page.locator(".zoom-fit-btn").click()
    await wait_zoom(page, below=fit * 1.01)

    await page.keyboard.press("2")
    await page.keyboard.press("Control+Enter")
    await expect(page.locator("#work-empty")).to_be_visible()
    assert await answers_of(db, user) == [{"label": "dog"}]


async def test_nothing_moves_from_one_image_to_the_next(
    db: AsyncSession,
    context: BrowserContext,
    page: Page,
    base_url: str,
    server_store: LocalObjectStore,
) -> None:
    """A tall, a wide and a small image: the viewport has one height, so the labels and the
    Submit button stay where the annotator's hand expects them."""
    schema = {"kind": "image_classification", "labels": [{"name": "cat"}, {"name": "dog"}]}
    sizes = [(300, 900), (1600, 400), (200, 150)]
    user, item = await arrange_image_job(db, server_store, schema, sizes[0])
    job = await db.get(LabelingJob, item.job_id)
    assert job is not None
    _, more = await make_dataset(db, job, images=len(sizes) - 1)
    for extra, size in zip(more, sizes[1:], strict=True):
        stored = await server_store.put_bytes(png(*size), "image/png")
        extra.object_key, (extra.width, extra.height) = stored.key, size
    await db.commit()
    await sign_in(db, context, base_url, user)

    await page.goto("/work")
    submit = page.locator(".work-actions .btn-primary")
    seen: list[tuple[float, float]] = []
    for n in range(len(sizes)):
        image = page.locator(".zoom-viewport img")
        await expect(image).to_be_visible()
        await page.wait_for_function("document.querySelector('.zoom-viewport img').complete")
        await page.evaluate("window.scrollTo(0, 0)")
        button = await box_of(submit)
        seen.append((button["x"], button["y"]))
        src = await image.get_attribute("src")
        await page.keyboard.press("1")
        await page.keyboard.press("Enter")
        if n < len(sizes) - 1:
            await expect(page.locator(".zoom-viewport img")).not_to_have_attribute("src", src or "")
    assert len(set(seen)) == 1, seen
