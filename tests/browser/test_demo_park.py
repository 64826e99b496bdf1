"""The demo park (``brigade demo``) in a real browser: a demo annotator signs in through the
login form and labels an item; the language switch changes the whole UI and persists."""

from __future__ import annotations

import asyncio

from playwright.async_api import Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Label, LabelingJob, User
from tests.browser.test_workstation import select_with_mouse

DEMO_ANNOTATOR = "annotator1@xinghe.example.com"
TEXT_JOB = "电商评论实体标注（演示）"


async def test_a_demo_annotator_signs_in_and_labels_an_item(
    db: AsyncSession, page: Page, base_url: str, demo: dict[str, str]
) -> None:
    job_id = await db.scalar(select(LabelingJob.id).where(LabelingJob.name == TEXT_JOB))
    await page.goto(f"/work?job={job_id}")  # signed out: the login form first, then back here
    await page.locator("#login-email").fill(DEMO_ANNOTATOR)
    await page.locator("#login-password").fill(demo[DEMO_ANNOTATOR])
    await page.locator("#login-password").press("Enter")
    await expect(page).to_have_url(f"{base_url}/work?job={job_id}")

    text = page.locator(".span-text")
    await expect(text).to_have_count(1)
    review = await text.inner_text()
    await select_with_mouse(page, ".span-text", 0, 2)
    await page.keyboard.press("1")  # 品牌
    await expect(page.locator(".span-list li")).to_have_count(1)
    await page.keyboard.press("Enter")
    await expect(text).not_to_have_text(review)

    user = await db.scalar(select(User).where(User.email == DEMO_ANNOTATOR))
    assert user is not None
    await db.commit()
    (answer,) = await db.scalars(select(Label.answer).where(Label.annotator_id == user.id))
    (span,) = answer["spans"]
    assert (span["label"], span["start"], span["end"], span["text"]) == ("brand", 0, 2, review[:2])


async def sign_in_with_form(page: Page, email: str, password: str) -> None:
    await page.locator("#login-email").fill(email)
    await page.locator("#login-password").fill(password)
    await page.locator("#login-password").press("Enter")


async def saved_locale(db: AsyncSession, email: str, want: str) -> bool:
    """Whether the account's language becomes ``want`` (the app saves it in the background)."""
    for _ in range(50):
        await db.commit()  # a fresh snapshot
        if await db.scalar(select(User.locale).where(User.email == email)) == want:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_switch_language_and_back_persists_across_reloads(
    db: AsyncSession, page: Page, base_url: str, demo: dict[str, str]
) -> None:
    await page.goto("/login")
    heading = page.locator("h1")
    await expect(heading).to_have_text("登录 Brigade")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    # Chosen on the login page: the app switches at once and keeps it after signing in.
    await page.locator("#login-lang").select_option("en")
    await expect(heading).to_have_text("Sign in to Brigade")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator('label[for="login-password"]')).to_have_text("Password")
    await sign_in_with_form(page, DEMO_ANNOTATOR, demo[DEMO_ANNOTATOR])
    await expect(heading).to_have_text("Home")
    nav = page.locator("nav")
    await expect(nav.locator('a[href="/work"]')).to_have_text("Workstation")
    await expect(page.locator("#app-lang")).to_have_value("en")
    assert await saved_locale(db, DEMO_ANNOTATOR, "en")  # saved to the account too

    await page.reload()
    await expect(heading).to_have_text("Home")
    await page.locator('nav a[href="/work"]').click()
    await expect(heading).to_have_text("Workstation")
    await expect(page.locator(".work-actions .btn-primary")).to_have_text("Submit")

    # And back to Chinese from the header, on the workstation: its strings follow at once.
    await page.locator("#app-lang").select_option("zh-CN")
    await expect(heading).to_have_text("标注工作台")
    await expect(page.locator(".work-actions .btn-primary")).to_have_text("提交")
    await expect(nav.locator('a[href="/"]')).to_have_text("首页")
    await page.reload()
    await expect(heading).to_have_text("标注工作台")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    assert await saved_locale(db, DEMO_ANNOTATOR, "zh-CN")
