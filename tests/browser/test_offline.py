"""Never lose work: the workstation prefetches assignments while online, keeps labeling them
offline with the submissions queued in IndexedDB, and sends the queue (same submission ids)
when the network returns. The database must then hold each answer exactly once."""

from __future__ import annotations

from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.labeling.checker import check
from app.models import Item, Label
from tests.browser.conftest import arrange_text_job, sign_in
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
