"""Never lose work: the workstation prefetches assignments while online, keeps labeling them
offline with the submissions queued in IndexedDB, and sends the queue (same submission ids)
when the network returns. The database must then hold each answer exactly once. A reload
without network works too: the service worker serves the app and the shell starts with the
identity kept on the device."""

from __future__ import annotations

from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.labeling.checker import check
from app.models import Item, Label
from tests.browser.conftest import arrange_text_job, shot, sign_in
from tests.factories import TEXT_CLASSES

TEXTS = ["质量很好", "物流太慢了", "包装破损", "颜色和图片一样", "客服态度好", "尺码偏小"]
# Sending the queue waits for the `online` event or, at worst, the backoff timer.
FLUSH_TIMEOUT_MS = 30_000


async def test_offline_submissions_are_queued_then_sent_exactly_once(
    db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    user, items = await arrange_text_job(db, TEXT_CLASSES, TEXTS)
    job_id = items[0].job_id
    item_by_text: dict[str, Item] = {item.text or "": item for item in items}
    await sign_in(db, context, base_url, user)

    await page.goto("/work")
    workstation = page.locator(".workstation")
    text = page.locator(".item-text")
    positive = page.locator('.label-btn[data-label="positive"]')
    await expect(text).to_have_count(1)
    # Two more assignments leased ahead: what can be labeled without a network.
    await expect(workstation).to_have_attribute("data-prefetched", "2")

    await context.set_offline(True)
    labeled: list[str] = []
    for n in (1, 2, 3):
        current = await text.inner_text()
        labeled.append(current)
        await page.keyboard.press("1")
        await expect(positive).to_have_attribute("aria-pressed", "true")
        await page.keyboard.press("Enter")
        await expect(workstation).to_have_attribute("data-pending", str(n))
        if n < 3:
            await expect(text).not_to_have_text(current)  # the next prefetched item is shown

    await expect(page.locator(".pending-count")).to_have_text("3 待发送")
    await expect(page.locator("#work-offline")).to_be_visible()  # nothing left to label offline
    assert len(set(labeled)) == 3
    assert await db.scalar(select(Label.id).where(Label.annotator_id == user.id)) is None

    await context.set_offline(False)
    await expect(workstation).to_have_attribute("data-pending", "0", timeout=FLUSH_TIMEOUT_MS)
    await expect(workstation).to_have_attribute("data-failed", "0")
    await expect(text).to_have_count(1)  # and the workstation leases new work again
    assert await text.inner_text() not in labeled

    await db.commit()  # a fresh snapshot: the server wrote in its own transactions
    labels = list(await db.scalars(select(Label).where(Label.annotator_id == user.id)))
    # Exactly the three queued answers: none lost, none doubled by the resends.
    assert sorted(label.item_id for label in labels) == sorted(item_by_text[t].id for t in labeled)
    assert all(label.answer == {"label": "positive"} for label in labels)
    report = await check(db, job_id)
    assert report.ok, report.summary()


async def test_leaving_and_coming_back_offline_restores_the_item_and_its_draft(
    db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    """The held leases and the drafts live in IndexedDB, so a new workstation page without
    network (here: away to the home page and back, all offline) goes on where it was."""
    user, items = await arrange_text_job(db, TEXT_CLASSES, TEXTS)
    item_by_text: dict[str, Item] = {item.text or "": item for item in items}
    await sign_in(db, context, base_url, user)
    await page.goto("/work")
    workstation = page.locator(".workstation")
    text = page.locator(".item-text")
    await expect(text).to_have_count(1)
    await expect(workstation).to_have_attribute("data-prefetched", "2")

    await context.set_offline(True)
    first = await text.inner_text()
    await page.keyboard.press("1")
    await page.keyboard.press("Enter")
    await expect(workstation).to_have_attribute("data-pending", "1")
    await expect(text).not_to_have_text(first)
    second = await text.inner_text()
    await page.keyboard.press("2")  # a draft the server cannot get: kept on this device
    await expect(page.locator(".work-bar")).to_contain_text("草稿已保存在本机")

    await page.locator('nav a[href="/"]').click()
    await expect(page.locator(".workstation")).to_have_count(0)
    await page.locator('nav a[href="/work"]').click()

    await expect(text).to_have_text(second)
    negative = page.locator('.label-btn[data-label="negative"]')
    await expect(negative).to_have_attribute("aria-pressed", "true")
    await expect(page.locator(".work-bar")).to_contain_text("草稿已保存在本机")
    await expect(workstation).to_have_attribute("data-pending", "1")
    await expect(workstation).to_have_attribute("data-prefetched", "1")
    await expect(workstation).to_have_attribute("data-online", "false")
    # What is pending is listed, one line per submission.
    pending = page.locator(".pending-list li")
    await expect(pending).to_have_count(1)
    await expect(pending).to_contain_text("任务 #")
    await shot(page, "workstation-offline-pending")

    await context.set_offline(False)
    await expect(workstation).to_have_attribute("data-pending", "0", timeout=FLUSH_TIMEOUT_MS)
    await page.keyboard.press("Enter")  # the restored item, with its restored answer
    await expect(text).not_to_have_text(second)

    await db.commit()
    labels = list(await db.scalars(select(Label).where(Label.annotator_id == user.id)))
    got = {label.item_id: label.answer for label in labels}
    assert got == {
        item_by_text[first].id: {"label": "positive"},
        item_by_text[second].id: {"label": "negative"},
    }


async def test_a_reload_without_network_restores_the_item_and_its_draft(
    db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    user, items = await arrange_text_job(db, TEXT_CLASSES, TEXTS)
    item_by_text: dict[str, Item] = {item.text or "": item for item in items}
    await sign_in(db, context, base_url, user)
    await page.goto("/work")
    workstation = page.locator(".workstation")
    text = page.locator(".item-text")
    await expect(text).to_have_count(1)
    await expect(workstation).to_have_attribute("data-prefetched", "2")
    # The worker is active once it has cached the app's files (its install step).
    assert await page.evaluate("navigator.serviceWorker.ready.then((r) => !!r.active)")

    await context.set_offline(True)
    held = await text.inner_text()
    await page.keyboard.press("2")  # a draft only this device has
    await expect(page.locator(".work-bar")).to_contain_text("草稿已保存在本机")

    response = await page.reload()
    assert response is not None
    assert response.from_service_worker  # index.html without network
    await expect(page.locator(".offline-banner")).to_be_visible()
    await expect(text).to_have_text(held)
    negative = page.locator('.label-btn[data-label="negative"]')
    await expect(negative).to_have_attribute("aria-pressed", "true")
    await expect(workstation).to_have_attribute("data-online", "false")
    await expect(workstation).to_have_attribute("data-prefetched", "2")
    await shot(page, "workstation-offline-reload")

    await page.keyboard.press("Enter")  # queued: still no network
    await expect(workstation).to_have_attribute("data-pending", "1")
    await expect(text).not_to_have_text(held)

    await context.set_offline(False)
    await expect(workstation).to_have_attribute("data-pending", "0", timeout=FLUSH_TIMEOUT_MS)
    await expect(page.locator(".offline-banner")).to_have_count(0, timeout=FLUSH_TIMEOUT_MS)
    await db.commit()
    labels = list(await db.scalars(select(Label).where(Label.annotator_id == user.id)))
    assert [(label.item_id, label.answer) for label in labels] == [
        (item_by_text[held].id, {"label": "negative"})
    ]
