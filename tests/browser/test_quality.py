"""The QA lead's audit in the browser: the Quality page, a job's dashboard (metrics, annotator
table, confusion matrix) and its review queue with every annotator's label side by side. A
correction and a rejection are checked in the database, and the rejected item goes back to the
pool with the reviewer's comment. The labels are submitted in-process (tests/quality style);
the browser server shares the database."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from fastapi import FastAPI
from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.storage import LocalObjectStore
from app.models import Enterprise, ItemConsensus, Label, Review, Role, User
from app.quality.refit import refit
from app.quality.sweep import sweep
from tests.browser.a11y import check_page
from tests.browser.conftest import arrange_image_job, arrange_text_job, shot, sign_in
from tests.browser.test_workstation import select_with_mouse
from tests.factories import TEXT_CLASSES, browser_client, make_session_cookie, make_user

POS, NEG, NEU = {"label": "positive"}, {"label": "negative"}, {"label": "neutral"}
NAMES = ["王芳", "李强", "陈静"]
# What they answer per review: the first four split three ways (review), the
# others have a majority (decided), so the model has something to learn from.
REVIEWS = {
    "物流很快，包装完好": (POS, NEG, NEU),
    "尺码偏小，建议拍大一码": (POS, NEG, NEU),
    "客服回复及时，但发票迟迟未到": (POS, NEG, NEU),
    "颜色和图片一致": (POS, NEG, NEU),
    "质量很差，已经退货": (NEG, NEG, NEU),
    "非常满意，下次还买": (POS, POS, POS),
    "一般般吧，凑合用": (NEU, NEU, POS),
    "性价比很高，推荐": (POS, POS, NEU),
}
BOXES = {"kind": "image_boxes", "labels": [{"name": "car"}, {"name": "person"}]}
SIZE = (480, 320)


async def label_everything(
    app: FastAPI, db: AsyncSession, user: User, job_id: uuid.UUID, answer: Any
) -> None:
    """``user`` takes every item of the job they may label and gives each ``answer`` (or what
    ``answer(item)`` says for it)."""
    cookie = await make_session_cookie(db, user)
    await db.commit()
    async with browser_client(app, cookie) as http:
        while True:
            r = await http.post("/api/v1/labeling/next", json={"job_id": str(job_id)})
            assignment = r.json()["assignment"]
            if assignment is None:
                return
            body = {
                "submission_id": str(uuid.uuid4()),
                "labels": [
                    {"item_id": it["id"], "answer": answer(it) if callable(answer) else answer}
                    for it in assignment["items"]
                ],
                "active_ms": 4200,
            }
            r = await http.post(
                f"/api/v1/labeling/assignments/{assignment['id']}/submit", json=body
            )
            assert r.status_code == 200, r.text


async def three_label(
    app: FastAPI, db: AsyncSession, vendor_of: User, job_id: uuid.UUID, answers: list[Any]
) -> User:
    """Three annotators of the vendor label everything (as ``answers[i]`` says); the sweep
    judges the items; returns the vendor's QA lead."""
    vendor = await db.get(Enterprise, vendor_of.enterprise_id)
    assert vendor is not None
    for name, answer in zip(NAMES, answers, strict=True):
        await label_everything(
            app, db, await make_user(db, vendor, display_name=name), job_id, answer
        )
    await sweep(app.state.sessionmaker)
    qa = await make_user(db, vendor, Role.QA_LEAD, display_name="质检 赵敏")
    await db.commit()
    return qa


def _by_text(annotator: int, item: dict[str, Any]) -> Any:
    return REVIEWS[item["text"]][annotator]


async def consensus(db: AsyncSession, item_id: int) -> ItemConsensus:
    row = await db.get(ItemConsensus, item_id, populate_existing=True)
    assert row is not None
    return row


async def shown_item(page: Page) -> int:
    current = page.locator('.qa-queue-item[aria-current="true"]')
    return int(await current.get_attribute("data-item") or 0)


async def test_qa_lead_compares_corrects_and_rejects(
    app: FastAPI, db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    annotator, items = await arrange_text_job(
        db, TEXT_CLASSES, list(REVIEWS), name="电商评论情感（质检）"
    )
    job_id = items[0].job_id
    answers = [partial(_by_text, i) for i in range(3)]
    qa = await three_label(app, db, annotator, job_id, answers)
    async with app.state.sessionmaker() as session, session.begin():
        await refit(session, job_id)  # the figures a refit job would compute
    await sign_in(db, context, base_url, qa)

    # Quality page → the job's dashboard.
    await page.goto("/")
    nav = page.get_by_role("navigation", name="主导航")
    await nav.get_by_role("link", name="质量", exact=True).click()
    await expect(page.locator("h1")).to_have_text("质量")
    await page.get_by_role("link", name="电商评论情感（质检）", exact=True).click()
    await expect(page.locator("h1")).to_have_text("任务质量")
    await expect(page.locator(".qa-states")).to_contain_text("待审核")
    annotators = page.locator('.table-wrap[aria-label="标注员"]')
    await expect(annotators.locator("tbody tr")).to_have_count(3)
    await annotators.get_by_role("button", name=f"查看{NAMES[0]}的混淆矩阵").click()
    heat = page.locator("#qa-confusion table.qa-heat")
    await expect(heat.locator("tbody tr")).to_have_count(3)
    await expect(heat.locator("td[data-step]")).to_have_count(9)
    await check_page(page)
    await shot(page, "quality-dashboard")
    await page.locator("#qa-annotators-heading").evaluate(
        "el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 72)"
    )
    await shot(page, "quality-annotators", top=False)

    # The review queue: three labels side by side, nothing counted twice.
    await page.get_by_role("link", name="打开审核队列（4 条待审）").click()
    await expect(page.locator("h1")).to_have_text("审核队列")
    await page.evaluate("window.__sameDocument = true")
    cards = page.locator(".qa-card[data-label-id]")
    await expect(cards).to_have_count(3)
    await expect(cards.locator(".qa-chip")).to_have_text(["positive", "negative", "neutral"])
    for name in NAMES:
        await expect(cards.filter(has_text=name)).to_have_count(1)
    await expect(page.locator(".qa-text")).to_have_count(1)
    await check_page(page)
    await shot(page, "quality-review-text")

    # Correct the first item: choose "negative" with its key, save with the button.
    corrected = await shown_item(page)
    await page.keyboard.press("c")
    await expect(page.locator("#qa-correct")).to_be_visible()
    await page.keyboard.press("2")
    await expect(page.locator('#qa-correct .label-btn[data-label="negative"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    await page.locator(".qa-save").click()
    await expect(page.locator("#qa-correct")).to_have_count(0)
    rejected = await shown_item(page)
    assert rejected != corrected  # the next item follows
    row = await consensus(db, corrected)
    assert (row.state.value, row.answer) == ("reviewed", {"label": "negative"})
    review = await db.scalar(select(Review).where(Review.item_id == corrected))
    assert review is not None
    assert (review.action.value, review.reviewer_id) == ("correct", qa.id)
    assert review.after == {"label": "negative"}
    assert review.before is not None

    # Reject the next one: r focuses the comment, which is required.
    comment = "三人意见都不同：请注意“发票”问题算负面"
    await page.keyboard.press("r")
    box = page.locator("#qa-reject-comment")
    await expect(box).to_be_focused()
    await page.locator(".qa-reject-submit").click()
    await expect(box).to_have_attribute("aria-invalid", "true")
    await box.fill(comment)
    await page.locator(".qa-reject-submit").click()
    await expect(page.locator("#qa-reject")).to_have_count(0)
    assert await shown_item(page) not in (corrected, rejected)
    row = await consensus(db, rejected)
    assert (row.state.value, row.rework_note) == ("rework", comment)
    counted = (await db.scalars(select(Label.counted).where(Label.item_id == rejected))).all()
    assert counted == [False, False, False]

    # Back with k: the corrected item shows its record; no page was loaded on the way.
    await page.keyboard.press("k")
    await page.keyboard.press("k")
    assert await shown_item(page) == corrected
    await expect(page.locator(".qa-history li")).to_have_count(1)
    await expect(page.locator(".qa-history li")).to_contain_text("修正")
    assert await page.evaluate("window.__sameDocument === true"), "the page was reloaded"

    # The rejected item is back in the pool, with the comment for whoever labels it next.
    vendor = await db.get(Enterprise, annotator.enterprise_id)
    assert vendor is not None
    fresh = await make_user(db, vendor)
    cookie = await make_session_cookie(db, fresh)
    await db.commit()
    async with browser_client(app, cookie) as http:
        r = await http.post("/api/v1/labeling/next", json={"job_id": str(job_id)})
    assignment = r.json()["assignment"]
    assert [it["id"] for it in assignment["items"]] == [rejected]
    assert assignment["rework"] == [{"item_id": rejected, "note": comment}]


async def test_image_labels_side_by_side_and_a_corrected_box(
    app: FastAPI,
    db: AsyncSession,
    context: BrowserContext,
    page: Page,
    base_url: str,
    server_store: LocalObjectStore,
) -> None:
    annotator, item = await arrange_image_job(
        db, server_store, BOXES, SIZE, name="街景目标框选（质检）"
    )
    # 王芳 and 李强 outline the same car (the consensus); 李强 adds a person, 陈静 another car.
    answers = [
        {"boxes": [{"label": "car", "x": 40, "y": 60, "w": 160, "h": 100}]},
        {
            "boxes": [
                {"label": "car", "x": 46, "y": 64, "w": 150, "h": 98},
                {"label": "person", "x": 300, "y": 40, "w": 60, "h": 200},
            ]
        },
        {"boxes": [{"label": "car", "x": 240, "y": 180, "w": 200, "h": 120}]},
    ]
    qa = await three_label(app, db, annotator, item.job_id, answers)
    await sign_in(db, context, base_url, qa)

    await page.goto(f"/quality/jobs/{item.job_id}/review")
    cards = page.locator(".qa-card[data-label-id]")
    await expect(cards).to_have_count(3)
    await expect(cards.locator(".qa-shapes rect")).to_have_count(4)
    await expect(page.locator('.qa-consensus .qa-stage[data-shapes="1"]')).to_have_count(1)
    # Image pixels scaled to the displayed image: the first box sits where it was drawn.
    first = cards.first
    image = await first.locator("img").bounding_box()
    rect = await first.locator(".qa-shapes rect").bounding_box()
    assert image is not None
    assert rect is not None
    scale = image["width"] / SIZE[0]
    assert abs(rect["x"] - (image["x"] + 40 * scale)) <= 2
    assert abs(rect["width"] - 160 * scale) <= 3
    await check_page(page)
    await shot(page, "quality-review-image")

    # Correct from 李强's boxes in the shape editor: draw one more person with the mouse.
    await cards.nth(1).get_by_role("button", name=f"以{NAMES[1]}的标注为基础修正").click()
    stage = page.locator("#qa-correct .qa-shape-stage")
    await expect(stage).to_have_attribute("data-shapes", "2")
    layer = stage.locator("svg.a9s-annotationlayer")
    await expect(layer).to_have_count(1)
    await page.keyboard.press("2")  # new shapes are persons
    await layer.scroll_into_view_if_needed()
    shown = await stage.locator("img").bounding_box()
    assert shown is not None
    px = shown["width"] / SIZE[0]
    x, y = shown["x"] + 380 * px, shown["y"] + 60 * px
    await page.mouse.move(x, y)
    await page.mouse.down()
    await page.mouse.move(x + 60 * px, y + 150 * px, steps=8)
    await page.mouse.up()
    await expect(stage).to_have_attribute("data-shapes", "3")
    await page.locator(".qa-save").click()
    await expect(page.locator("#qa-correct")).to_have_count(0)
    row = await consensus(db, item.id)
    assert row.state.value == "reviewed"
    boxes = row.answer["boxes"]
    assert boxes[:2] == answers[1]["boxes"]
    assert boxes[2]["label"] == "person"
    assert abs(boxes[2]["x"] - 380) <= 3
    assert abs(boxes[2]["h"] - 150) <= 3
    await expect(page.locator(".qa-history li")).to_contain_text("修正")


SPANS = {"kind": "text_spans", "labels": [{"name": "brand"}, {"name": "place"}]}


async def test_spans_side_by_side_and_a_correction_marked_with_the_mouse(
    app: FastAPI, db: AsyncSession, context: BrowserContext, page: Page, base_url: str
) -> None:
    text = "李宁跑鞋，上海仓发货"
    annotator, (item,) = await arrange_text_job(db, SPANS, [text])
    answers = [
        {"spans": [{"label": "brand", "start": 0, "end": 2}]},
        {"spans": [{"label": "place", "start": 5, "end": 7}]},
        {"spans": []},
    ]
    qa = await three_label(app, db, annotator, item.job_id, answers)
    await sign_in(db, context, base_url, qa)

    await page.goto(f"/quality/jobs/{item.job_id}/review")
    cards = page.locator(".qa-card[data-label-id]")
    await expect(cards).to_have_count(3)
    await expect(cards.nth(0).locator(".span-text mark")).to_have_text("李宁")
    await expect(cards.nth(1).locator(".span-text mark")).to_have_text("上海")
    await expect(cards.nth(2).locator(".span-text mark")).to_have_count(0)

    # Correct from the (empty) consensus: mark both words; the later one first, since
    # select_with_mouse counts in the first text node, which marking splits.
    await page.keyboard.press("c")
    marked = page.locator("#qa-correct .span-list li")
    await select_with_mouse(page, "#qa-correct .span-text", 5, 7)
    await page.keyboard.press("2")
    await expect(marked).to_have_count(1)
    await select_with_mouse(page, "#qa-correct .span-text", 0, 2)
    await page.keyboard.press("1")
    await expect(marked).to_have_count(2)
    await page.keyboard.press("Control+Enter")
    await expect(page.locator("#qa-correct")).to_have_count(0)
    row = await consensus(db, item.id)
    assert row.state.value == "reviewed"
    spans = [(s["label"], s["start"], s["end"]) for s in row.answer["spans"]]
    assert spans == [("brand", 0, 2), ("place", 5, 7)]
