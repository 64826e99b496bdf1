"""Every page of the demo park for every role: it renders (its heading, no error), it passes
the accessibility checks (tests/browser/a11y.py: contrast, names, visible focus), and with
BRIGADE_SCREENSHOTS=1 its screenshot is saved to docs/screenshots/ (listed in README.md)."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import LabelingJob, User
from tests.browser.a11y import check_page, tab_through
from tests.browser.conftest import VIEWPORT, shot, sign_in
from tests.browser.test_workstation import select_with_mouse

ANNOTATOR = "annotator1@xinghe.example.com"
# Words of the demo reviews (app/demo/samples.py) to mark for the screenshot.
BRANDS = ["华为", "小米", "李宁", "海尔", "三只松鼠", "美的", "完美日记", "格力", "安踏", "蒙牛"]
PLACES = ["杭州", "深圳", "上海", "北京", "成都", "武汉", "呼和浩特", "广州", "哈尔滨", "青岛"]
# role (as in the screenshot names), demo account, pages it has and their headings
ROLES = [
    (
        "park-admin",
        "admin@park.example.com",
        {
            "/": "首页",
            "/quality": "质量",
            "/members": "成员",
            "/tokens": "API 令牌",
            "/enterprises": "企业",
        },
    ),
    (
        "vendor-admin",
        "admin@xinghe.example.com",
        {"/": "首页", "/quality": "质量", "/members": "成员", "/tokens": "API 令牌"},
    ),
    ("qa-lead", "qa@xinghe.example.com", {"/": "首页", "/quality": "质量", "/members": "成员"}),
    ("client-member", "data@yunfan.example.com", {"/": "首页", "/quality": "质量"}),
    ("annotator", ANNOTATOR, {"/": "首页"}),
]
NAMES = {
    "/": "home",
    "/quality": "quality",
    "/members": "members",
    "/tokens": "tokens",
    "/enterprises": "enterprises",
}


async def open_as(browser: Browser, db: AsyncSession, base_url: str, email: str) -> BrowserContext:
    ctx = await browser.new_context(base_url=base_url, locale="zh-CN", viewport=VIEWPORT)
    user = await db.scalar(select(User).where(User.email == email))
    assert user is not None
    await sign_in(db, ctx, base_url, user)
    return ctx


async def test_login_page(page: Page, demo: dict[str, str]) -> None:
    await page.goto("/login")
    await expect(page.locator("h1")).to_have_text("登录 Brigade")
    await check_page(page)
    await shot(page, "login-zh")
    await page.locator("#login-lang").select_option("en")
    await expect(page.locator("h1")).to_have_text("Sign in to Brigade")
    await check_page(page)
    await shot(page, "login-en")


@pytest.mark.parametrize(("role", "email", "pages"), ROLES, ids=[r[0] for r in ROLES])
async def test_every_page_of_every_role(
    db: AsyncSession,
    browser: Browser,
    base_url: str,
    demo: dict[str, str],
    role: str,
    email: str,
    pages: dict[str, str],
) -> None:
    ctx = await open_as(browser, db, base_url, email)
    page = await ctx.new_page()
    try:
        for path, heading in pages.items():
            await page.goto(path)
            await expect(page.locator("h1")).to_have_text(heading)
            await expect(page.locator(".loading, .skeleton")).to_have_count(0)
            await expect(page.locator(".alert-error")).to_have_count(0)
            nav = [await a.inner_text() for a in await page.locator("nav a").all()]
            assert set(pages.values()) <= set(nav) | {"首页"}, nav
            await check_page(page)
            await shot(page, f"{NAMES[path]}-{role}-zh")
    finally:
        await ctx.close()


async def test_workstation_pages(
    db: AsyncSession, browser: Browser, base_url: str, demo: dict[str, str]
) -> None:
    """The demo's text and image jobs on the workstation, and its skip form; keyboard only
    reaches the labels, Submit and Skip in that order, each with a visible focus ring."""
    ctx = await open_as(browser, db, base_url, ANNOTATOR)
    page = await ctx.new_page()
    jobs = {name: id_ for name, id_ in await db.execute(select(LabelingJob.name, LabelingJob.id))}
    try:
        await page.goto(f"/work?job={jobs['电商评论实体标注（演示）']}")
        await expect(page.locator(".span-text")).to_have_count(1)
        review = await page.locator(".span-text").inner_text()
        marks = [
            (w, key) for words, key in ((BRANDS, "1"), (PLACES, "3")) for w in words if w in review
        ]
        # Last first: select_with_mouse reads the first text node, which marking splits.
        chosen = sorted(marks[:2] or [(review[:2], "1")], key=lambda m: -review.index(m[0]))
        for word, key in chosen:
            start = review.index(word)  # these texts are all in the BMP: indexes are code points
            await select_with_mouse(page, ".span-text", start, start + len(word))
            await page.keyboard.press(key)
        await expect(page.locator(".span-list li")).not_to_have_count(0)
        await check_page(page)
        await shot(page, "workstation-text-spans")

        # Tab order from the item: tools, labels, the span's Delete, Submit, then Skip.
        await page.locator("#work-item").focus()
        order = [f["classes"] for f in await tab_through(page, 12)]
        submit = next(i for i, c in enumerate(order) if "btn-primary" in c)
        assert any("label-btn" in c for c in order[:submit]), order
        assert order[submit + 1].startswith("btn btn-secondary"), order  # Skip right after

        await page.keyboard.press("s")
        await expect(page.locator(".skip-form")).to_be_visible()
        await check_page(page)
        await shot(page, "workstation-skip")

        await page.goto(f"/work?job={jobs['货架商品检测（演示）']}")
        viewport = page.locator(".zoom-viewport")
        await expect(viewport.locator("svg")).to_have_count(1)
        await viewport.scroll_into_view_if_needed()
        box = await viewport.locator("img").bounding_box()
        assert box is not None
        x, y = round(box["x"] + box["width"] * 0.3), round(box["y"] + box["height"] * 0.3)
        await page.mouse.move(x, y)
        await page.mouse.down()
        await page.mouse.move(x + 120, y + 90, steps=8)
        await page.mouse.up()
        await expect(page.locator(".shape-stage")).to_have_attribute("data-shapes", "1")
        await check_page(page)
        await shot(page, "workstation-image", top=False)
    finally:
        await ctx.close()
