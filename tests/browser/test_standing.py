"""The annotator's standing in the workstation's session panel: accuracy on gold items, and why
they get no more work when the quality rules paused them. The gold answers are given through the
in-process API and judged by the sweep (the browser tests' server runs no worker)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Item, JobAnnotator, LabelingJob, User
from app.quality.sweep import sweep
from tests.browser.a11y import contrast_failures
from tests.browser.conftest import arrange_text_job, shot, sign_in
from tests.factories import (
    TEXT_CLASSES,
    browser_client,
    make_dataset,
    make_session_cookie,
)

POS, NEG = {"label": "positive"}, {"label": "negative"}
# Gold comes at the job's rate (0.5 here) on each request: with this many ordinary items to go
# through, every gold item is handed out long before they run out.
TEXTS = [f"评论 {i}：还可以" for i in range(30)]
INTERVAL = "95% 置信区间：9%\u201391%"  # an en dash between the bounds


async def arrange_gold_job(
    db: AsyncSession, gold_answers: list[Any], **settings: Any
) -> tuple[User, list[Item]]:
    """A running text job mixing gold items in at a rate of 0.5, and an annotator."""
    user, items = await arrange_text_job(db, TEXT_CLASSES, TEXTS, gold_rate=0.5, **settings)
    job = await db.get_one(LabelingJob, items[0].job_id)
    texts = [f"金标 {i}" for i in range(len(gold_answers))]
    _, gold = await make_dataset(db, job, texts, gold_answers=gold_answers)
    await db.commit()
    return user, gold


@asynccontextmanager
async def in_process(app: FastAPI, db: AsyncSession, user: User) -> AsyncIterator[AsyncClient]:
    cookie = await make_session_cookie(db, user)
    await db.commit()
    async with browser_client(app, cookie) as http:
        yield http


async def answer_until_every_gold_item_is_seen(
    app: FastAPI, db: AsyncSession, user: User, gold: list[Item], answer: Any
) -> None:
    """``user`` labels (always ``answer``) until each gold item came up once; then the sweep."""
    unseen = {item.id for item in gold}
    async with in_process(app, db, user) as http:
        for _ in range(len(TEXTS)):
            r = await http.post("/api/v1/labeling/next", json={})
            assignment = r.json()["assignment"]
            assert assignment is not None, r.text
            body = {
                "submission_id": f"00000000-0000-4000-8000-{assignment['id']:012d}",
                "labels": [{"item_id": it["id"], "answer": answer} for it in assignment["items"]],
                "active_ms": 5000,
            }
            r = await http.post(
                f"/api/v1/labeling/assignments/{assignment['id']}/submit", json=body
            )
            assert r.status_code == 200, r.text
            unseen -= {it["id"] for it in assignment["items"]}
            if not unseen:
                break
    assert not unseen, "gold items never came up"
    await sweep(app.state.sessionmaker)


async def test_a_paused_annotator_is_told_why(
    app: FastAPI, db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    user, gold = await arrange_gold_job(db, [NEG], min_gold=1, min_gold_accuracy=0.9)
    await answer_until_every_gold_item_is_seen(app, db, user, gold, POS)
    ja = await db.get(JobAnnotator, (gold[0].job_id, user.id), populate_existing=True)
    assert ja is not None
    assert ja.paused
    assert ja.pause_reason
    await sign_in(db, context, base_url, user)

    await page.goto("/work")
    await expect(page.locator("#work-empty")).to_be_visible()
    paused = page.locator(".standing-paused")
    await expect(paused).to_contain_text("您已在任务“")
    await expect(paused).to_contain_text(f"上被暂停：{ja.pause_reason}")
    assert "gold accuracy 0% (0/1)" in ja.pause_reason
    assert await contrast_failures(page) == []
    await shot(page, "workstation-paused")


async def test_gold_accuracy_shows_in_the_session_panel(
    app: FastAPI, db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    # Always "negative": right on the first gold item, wrong on the second.
    user, gold = await arrange_gold_job(db, [NEG, POS])
    await answer_until_every_gold_item_is_seen(app, db, user, gold, NEG)
    await sign_in(db, context, base_url, user)

    await page.goto("/work")
    await expect(page.locator(".item-text")).to_have_count(1)
    accuracy = page.locator(".gold-accuracy")
    await expect(accuracy.locator("dt")).to_have_text("金标准确率")
    await expect(accuracy.locator("dd")).to_contain_text("50%（1/2）")
    # The 95% Wilson interval of 1 in 2, as secondary text and as the tooltip.
    await expect(accuracy.locator(".gold-interval")).to_have_text(INTERVAL)
    await expect(accuracy.locator("dd")).to_have_attribute("title", INTERVAL)
    await expect(page.locator(".standing-paused")).to_have_count(0)

    await page.locator("#app-lang").select_option("en")
    await expect(accuracy.locator("dt")).to_have_text("Gold accuracy")
    await expect(accuracy.locator("dd")).to_contain_text("50% (1/2)")
