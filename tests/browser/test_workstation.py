"""The annotator's workstation (/work) in a real browser: keyboard labeling, text spans selected
with the mouse, a draft that survives a reload, and the reviewer's note on an item sent back
for rework. Answers are checked in the database."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Enterprise, Label, Role, User
from app.quality.sweep import sweep
from tests.browser.a11y import contrast_failures
from tests.browser.conftest import (
    api_as,
    arrange_text_job,
    colleague,
    label_through_api,
    shot,
    sign_in,
)
from tests.factories import (
    PASSWORD,
    TEXT_CLASSES,
    make_user,
)

# A fresh profile and a new user both start in zh-CN, so the UI speaks Chinese.
DRAFT_SAVED = "草稿已保存"

BRAND_PLACE: dict[str, Any] = {
    "kind": "text_spans",
    "labels": [{"name": "brand"}, {"name": "place"}],
}


async def answers_of(db: AsyncSession, user: User) -> list[tuple[int, Any]]:
    labels = await db.scalars(select(Label).where(Label.annotator_id == user.id))
    return [(label.item_id, label.answer) for label in labels]


async def test_login_then_classify_with_keys_without_reloading(
    db: AsyncSession, page: Page, base_url: str
) -> None:
    texts = ["质量很好，推荐购买", "物流太慢了"]
    user, items = await arrange_text_job(db, TEXT_CLASSES, texts)
    by_text = dict(zip(texts, items, strict=True))

    await page.goto("/work")  # not signed in: the app sends us to the login page first
    await page.locator("#login-email").fill(user.email)
    await page.locator("#login-password").fill(PASSWORD)
    await page.locator("#login-password").press("Enter")
    await expect(page).to_have_url(f"{base_url}/work")

    text = page.locator(".item-text")
    await expect(text).to_have_count(1)
    first = await text.inner_text()
    (second,) = set(by_text) - {first}
    await page.evaluate("window.__sameDocument = true")

    await page.keyboard.press("1")
    positive = page.locator('.label-btn[data-label="positive"]')
    await expect(positive).to_have_attribute("aria-pressed", "true")
    await page.keyboard.press("Enter")

    await expect(text).to_have_text(second)
    await expect(positive).to_have_attribute("aria-pressed", "false")
    assert await page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert await answers_of(db, user) == [(by_text[first].id, {"label": "positive"})]


async def select_with_mouse(page: Page, selector: str, start: int, end: int) -> None:
    """Drag across characters [start, end) of the element's text, as a person would."""
    box = await page.locator(selector).evaluate(
        """(el, [start, end]) => {
            const node = document.createTreeWalker(el, NodeFilter.SHOW_TEXT).nextNode();
            const rect = (i) => {
                const r = document.createRange();
                r.setStart(node, i);
                r.setEnd(node, i + 1);
                return r.getBoundingClientRect();
            };
            const a = rect(start), b = rect(end - 1);
            return {x0: a.left + a.width * 0.2, x1: b.right - b.width * 0.2,
                    y: a.top + a.height / 2};
        }""",
        [start, end],
    )
    # Rounded: layout gives sub-pixel offsets; 20% into a glyph stays on the right side of it.
    y = round(box["y"])
    await page.mouse.move(round(box["x0"]), y)
    await page.mouse.down()
    await page.mouse.move(round(box["x1"]), y, steps=5)
    await page.mouse.up()


async def test_mark_a_span_in_chinese_text_with_the_mouse(
    db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    user, items = await arrange_text_job(db, BRAND_PLACE, ["李宁跑鞋，上海仓发货"])
    await sign_in(db, context, base_url, user)

    await page.goto("/work")
    await expect(page.locator(".span-text")).to_have_text("李宁跑鞋，上海仓发货")
    await select_with_mouse(page, ".span-text", 5, 7)
    assert await page.evaluate("String(window.getSelection())") == "上海"

    await page.keyboard.press("2")
    await expect(page.locator(".span-list li mark")).to_have_text("上海")
    await expect(page.locator(".span-text mark")).to_have_text("上海")
    await page.keyboard.press("Enter")

    await expect(page.locator("#work-empty")).to_be_visible()  # that was the only item
    span = {"label": "place", "start": 5, "end": 7, "text": "上海"}
    assert await answers_of(db, user) == [(items[0].id, {"spans": [span]})]


async def test_draft_survives_a_reload(
    db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    user, _ = await arrange_text_job(db, TEXT_CLASSES, ["包装破损", "颜色和图片一样"])
    await sign_in(db, context, base_url, user)

    await page.goto("/work")
    text = page.locator(".item-text")
    await expect(text).to_have_count(1)
    first = await text.inner_text()
    await page.keyboard.press("2")
    negative = page.locator('.label-btn[data-label="negative"]')
    await expect(negative).to_have_attribute("aria-pressed", "true")
    await expect(page.locator(".work-bar")).to_contain_text(DRAFT_SAVED)

    await page.reload()

    await expect(text).to_have_text(first)
    await expect(negative).to_have_attribute("aria-pressed", "true")
    await expect(page.locator(".work-bar")).to_contain_text(DRAFT_SAVED)
    assert await answers_of(db, user) == []


async def test_an_item_sent_back_for_rework_shows_the_reviewers_note(
    app: FastAPI, db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    user, (item,) = await arrange_text_job(db, TEXT_CLASSES, ["快递三天才到，包装还行"])
    # Three colleagues disagree, so the item goes to review; the QA lead sends it back.
    for answer in ("positive", "negative", "neutral"):
        other = await colleague(db, user)
        await label_through_api(db, base_url, other, item.job_id, {"label": answer})
    await sweep(app.state.sessionmaker)  # no worker runs in the browser tests' server
    vendor = await db.get(Enterprise, user.enterprise_id)
    assert vendor is not None
    qa_lead = await make_user(db, vendor, Role.QA_LEAD)
    note = "看清楚：抱怨的是物流，这是负面评论"
    async with api_as(db, base_url, qa_lead) as http:
        r = await http.post(
            f"/api/v1/jobs/{item.job_id}/items/{item.id}/review",
            json={"action": "reject", "comment": note},
        )
        assert r.status_code == 200, r.text
        assert r.json()["consensus"]["state"] == "rework"
    await sign_in(db, context, base_url, user)

    await page.goto("/work")
    await expect(page.locator(".item-text")).to_have_text("快递三天才到，包装还行")
    rework = page.locator(f'.rework-note[data-item="{item.id}"]')
    await expect(rework.locator("h3")).to_have_text("审核意见")
    await expect(rework.locator(".rework-text")).to_have_text(note)
    # Above the item: read before the text and the label buttons.
    assert await rework.evaluate(
        "el => !!(el.compareDocumentPosition(document.querySelector('.item-text'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    assert await contrast_failures(page) == []
    await shot(page, "workstation-rework")

    await page.keyboard.press("2")
    await page.keyboard.press("Enter")
    await expect(page.locator("#work-empty")).to_be_visible()
    assert await answers_of(db, user) == [(item.id, {"label": "negative"})]
