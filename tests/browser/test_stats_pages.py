"""The stats pages in the browser, each for its role, on a small park with real work: a client's
sentiment job labeled by two vendors' annotators through the labeling API (in-process), their
labels spread over the last days and months, and the quality sweep run so the roll-ups have
rows. Each page's figures are checked against the API, every table's "Export CSV" download
against what it shows, the charts against a drawn canvas, and each page passes the
accessibility checks (tests/browser/a11y.py); with BRIGADE_SCREENSHOTS=1 each is saved as
docs/screenshots/stats-*.png."""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Locator, Page, Route, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.jobs import run_worker
from app.kit.storage import LocalObjectStore
from app.models import DataKind, Enterprise, EnterpriseKind, JobStatus, LabelingJob, Role, User
from app.quality.sweep import sweep
from app.stats.periods import park_today
from tests.browser.a11y import check_page
from tests.browser.conftest import VIEWPORT, shot, sign_in
from tests.factories import (
    TEXT_CLASSES,
    browser_client,
    make_dataset,
    make_enterprise,
    make_job,
    make_session_cookie,
    make_team,
    make_user,
)

POS, NEG, NEU = {"label": "positive"}, {"label": "negative"}, {"label": "neutral"}
OPINIONS = [
    ("物流很快，包装完好，五星好评", POS),
    ("质量很差，用了两天就坏了", NEG),
    ("一般般吧，和描述差不多", NEU),
    ("客服态度很好，耐心解答问题", POS),
    ("尺码偏小，退换货很麻烦", NEG),
    ("颜色和图片一致，价格合适", NEU),
]
# 24 reviews: each opinion in four shops; the truth is the opinion's sentiment.
TRUTH = {f"{shop}：{words}": answer for shop in "ABCD" for words, answer in OPINIONS}
GOLD = [f"金标 {i}：非常满意，下次还买" for i in range(4)]
# (vendor, name, how many assignments, answers wrong every n-th item or never). Annotators take
# their vendor's share of the slots first, then anyone's: 王芳 goes last and labels all she can,
# and about a tenth of the job's labels are still to do.
CROWD = [
    (0, "赵磊", 8, 2),
    (1, "孙丽", 6, 3),
    (1, "刘洋", 8, 0),
    (0, "陈静", 12, 4),
    (0, "李强", 20, 0),
    (0, "王芳", 99, 0),
]
WRONG = {"positive": NEG, "negative": NEU, "neutral": POS}
# Labels move back by id: most over the last week, some to last month and the one before.
SPREAD = """
UPDATE labels SET submitted_at = submitted_at - make_interval(days => CASE
    WHEN id % 10 = 9 THEN 40 WHEN id % 10 = 8 THEN 75 ELSE (id % 7)::int END)
WHERE job_id = :job
"""


@dataclass
class StatsPark:
    app: FastAPI
    job: LabelingJob
    idle_job: LabelingJob
    vendors: list[Enterprise]
    annotators: list[User] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)

    async def api(self, db: AsyncSession, who: str | User, path: str, **params: Any) -> Any:
        """GET ``path`` as ``who`` (a name of ``users`` or a user) through the in-process API."""
        user = self.users[who] if isinstance(who, str) else who
        cookie = await make_session_cookie(db, user)
        await db.commit()
        async with browser_client(self.app, cookie) as http:
            r = await http.get(f"/api/v1/{path}", params=params)
            assert r.status_code == 200, r.text
            return r.json() if "json" in r.headers["content-type"] else r.text


async def work(
    app: FastAPI, db: AsyncSession, user: User, job_id: uuid.UUID, turns: int, wrong_every: int
) -> None:
    """``user`` skips one item, then labels up to ``turns`` assignments: the truth, except
    every ``wrong_every``-th answer (gold items always right)."""
    cookie = await make_session_cookie(db, user)
    await db.commit()
    async with browser_client(app, cookie) as http:
        r = await http.post("/api/v1/labeling/next", json={"job_id": str(job_id)})
        skip = r.json()["assignment"]
        assert skip is not None, (user.display_name, r.text)
        path = f"/api/v1/labeling/assignments/{skip['id']}/skip"
        assert (await http.post(path, json={"reason": "not_sure"})).status_code == 200
        for n in range(1, turns + 1):
            r = await http.post("/api/v1/labeling/next", json={"job_id": str(job_id)})
            assignment = r.json()["assignment"]
            if assignment is None:
                return
            labels = []
            for it in assignment["items"]:
                truth = TRUTH.get(it["text"], POS)
                wrong = wrong_every and n % wrong_every == 0 and it["text"] in TRUTH
                labels.append(
                    {"item_id": it["id"], "answer": WRONG[truth["label"]] if wrong else truth}
                )
            body = {"submission_id": str(uuid.uuid4()), "labels": labels, "active_ms": 4200}
            r = await http.post(
                f"/api/v1/labeling/assignments/{assignment['id']}/submit", json=body
            )
            assert r.status_code == 200, r.text


@pytest.fixture
async def park(app: FastAPI, db: AsyncSession) -> StatsPark:
    client = await make_enterprise(db, EnterpriseKind.CLIENT, name="云帆电商")
    vendors = [
        await make_enterprise(db, EnterpriseKind.VENDOR, name="星河标注"),
        await make_enterprise(db, EnterpriseKind.VENDOR, name="北辰数据"),
    ]
    operator = await make_enterprise(db, EnterpriseKind.PARK_OPERATOR, name="数据标注产业园")
    settings: dict[str, Any] = {
        "label_schema": TEXT_CLASSES,
        "data_kind": DataKind.TEXT,
        "status": JobStatus.RUNNING,
        "price_per_item": Decimal("0.90"),  # shares of 0.90, 0.45, 0.30: whole fen
    }
    job = await make_job(db, client, vendors, name="商品评论情感", gold_rate=0.2, **settings)
    await make_dataset(db, job, list(TRUTH))
    await make_dataset(db, job, GOLD, gold_answers=[POS] * len(GOLD))
    idle = await make_job(db, client, vendors[:1], name="搜索词意图", gold_rate=0, **settings)
    await make_dataset(db, idle, [f"搜索词 {i}" for i in range(10)])
    p = StatsPark(app, job, idle, vendors)
    for role, enterprise, name in [
        (Role.ENTERPRISE_ADMIN, vendors[0], "星河 管理员"),
        (Role.QA_LEAD, vendors[0], "质检 赵敏"),
        (Role.CLIENT_MEMBER, client, "需求方 周洁"),
        (Role.ENTERPRISE_ADMIN, client, "云帆 管理员"),
        (Role.PARK_ADMIN, operator, "园区 管理员"),
    ]:
        p.users[f"{role.value}@{enterprise.kind.value}"] = await make_user(
            db, enterprise, role, display_name=name
        )
    teams = {"王芳": "一组", "李强": "一组", "陈静": "二组"}  # 赵磊 in none
    team_ids = {t: (await make_team(db, vendors[0], t)).id for t in set(teams.values())}
    for vendor, name, turns, wrong_every in CROWD:
        team_id = team_ids[teams[name]] if name in teams else None
        user = await make_user(db, vendors[vendor], display_name=name, team_id=team_id)
        p.annotators.append(user)
        p.users[name] = user
        await work(app, db, user, job.id, turns, wrong_every)
    await db.execute(text(SPREAD), {"job": job.id})
    await db.commit()
    await sweep(app.state.sessionmaker)
    return p


async def open_as(browser: Browser, db: AsyncSession, base_url: str, user: User) -> Page:
    ctx = await browser.new_context(
        base_url=base_url, locale="zh-CN", viewport=VIEWPORT, accept_downloads=True
    )
    await sign_in(db, ctx, base_url, user)
    return await ctx.new_page()


def n(value: int | float) -> str:
    return f"{value:,}"


def cny(value: str | Decimal) -> str:
    return f"¥{Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"


def figure(page: Page, name: str) -> Locator:
    return page.locator(f'[data-figure="{name}"] dd')


async def export_csv(section: Locator) -> list[list[str]]:
    """Click the section's "Export CSV"; the file's lines (after checking its BOM)."""
    async with section.page.expect_download() as info:
        await section.get_by_role("button", name="导出为 CSV", exact=False).click()
    download = await info.value
    assert download.suggested_filename.startswith("brigade-")
    raw = (await download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]
    assert b"\r\n" in raw
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


async def chart_drawn(page: Page, where: str) -> None:
    """The chart under ``where`` finished drawing on a canvas of its container's size."""
    chart = page.locator(f"{where} .chart")
    await expect(chart).to_have_attribute("data-state", "ready")
    size = await chart.locator("canvas").first.evaluate(
        "c => [c.width, c.height, c.getContext('2d').getImageData(0, 0, c.width, c.height)"
        ".data.some((v, i) => i % 4 === 3 && v > 0)]"
    )
    width, height, painted = size
    assert width > 300, size
    assert height > 150, size
    assert painted, "nothing drawn on the chart's canvas"


async def rows_of(table: Locator) -> list[list[str]]:
    rows = table.locator("tbody tr")
    return [
        [c.strip() for c in await r.locator("th, td").all_inner_texts()] for r in await rows.all()
    ]


async def settled(page: Page) -> None:
    busy = page.locator('.loading, .skeleton, .chart-placeholder, [aria-busy="true"]')
    await expect(busy).to_have_count(0)
    await expect(page.locator(".alert-error")).to_have_count(0)


def total(report: dict[str, Any], name: str) -> Any:
    return report["totals"][name]


async def test_annotator_sees_their_last_30_days(
    db: AsyncSession, browser: Browser, base_url: str, park: StatsPark
) -> None:
    me = park.users["王芳"]
    end = park_today()
    start = end.fromordinal(end.toordinal() - 29)
    report = await park.api(
        db, me, "stats/work", start=start.isoformat(), end=end.isoformat(), group_by="park"
    )
    assert total(report, "labels") > 0
    assert total(report, "skips") == 1
    page = await open_as(browser, db, base_url, me)
    try:
        await page.goto("/")
        nav = page.get_by_role("navigation", name="主导航")
        await nav.get_by_role("link", name="我的统计").click()
        await expect(page.locator("h1")).to_have_text("我的统计")
        await settled(page)
        await expect(figure(page, "labels")).to_have_text(n(total(report, "labels")))
        await expect(figure(page, "accepted")).to_have_text(n(total(report, "accepted")))
        await expect(figure(page, "skips")).to_have_text(n(total(report, "skips")))
        await expect(figure(page, "earned")).to_have_text(cny(total(report, "earned")))
        await chart_drawn(page, "#main")

        days = [r for r in report["rows"] if r["labels"] or r["skips"]]
        section = page.locator("section.stats-table")
        shown = await rows_of(section.locator("table"))
        assert len(shown) == len(days) > 3  # spread over the week
        lines = await export_csv(section)
        assert lines[0][:3] == ["日期", "标注数", "已通过"]
        assert lines[0][-1] == "收入（元）"
        newest_first = sorted(days, key=lambda r: r["period"], reverse=True)
        assert [line[0] for line in lines[1:]] == [r["period"] for r in newest_first]
        assert [int(line[1]) for line in lines[1:]] == [r["labels"] for r in newest_first]
        assert [Decimal(line[-1]) for line in lines[1:]] == [
            Decimal(r["earned"]) for r in newest_first
        ]
        await check_page(page)
        await shot(page, "stats-me-annotator")
        # The last two days by hour: the server answers an annotator's own hourly figures.
        async with page.expect_response(lambda r: "granularity=hour" in r.url) as hourly:
            await page.locator("#stats-me-step").select_option("hour")
        assert (await hourly.value).status == 200
        await expect(page.locator(".chart")).to_have_attribute("aria-label", "最近 2 天（按小时）")
        await chart_drawn(page, "#main")
        await shot(page, "stats-me-hourly")
    finally:
        await page.context.close()


async def test_vendor_admin_sees_the_team_and_its_statement(
    db: AsyncSession, browser: Browser, base_url: str, park: StatsPark
) -> None:
    admin = park.users["enterprise_admin@vendor"]
    end = park_today()
    start = end.fromordinal(end.toordinal() - 89)
    team = await park.api(
        db,
        admin,
        "stats/work",
        start=start.isoformat(),
        end=end.isoformat(),
        granularity="month",
        group_by="annotator",
    )
    labels: dict[str, int] = {}
    for r in team["rows"]:
        labels[r["name"]] = labels.get(r["name"], 0) + r["labels"]
    assert set(labels) == {name for v, name, *_ in CROWD if v == 0}  # not the other vendor's

    page = await open_as(browser, db, base_url, admin)
    try:
        await page.goto("/stats/team")
        await expect(page.locator("h1")).to_have_text("团队统计")
        await settled(page)
        await page.locator("#stats-team-days").select_option("90")
        await settled(page)
        section = page.locator("section.stats-table")
        table = section.locator("table")
        # Sorted by labels, most first; a click on the heading turns it around.
        shown = await rows_of(table)
        assert [(r[0], r[1]) for r in shown] == [
            (name, n(count)) for name, count in sorted(labels.items(), key=lambda x: -x[1])
        ]
        await table.get_by_role("button", name="标注数", exact=True).click()
        await expect(table.locator('th[aria-sort="ascending"]')).to_have_count(1)
        ascending = [int(r[1].replace(",", "")) for r in await rows_of(table)]
        assert ascending == sorted(labels.values())
        lines = await export_csv(section)
        assert lines[0][0] == "标注员"
        assert {line[0]: int(line[1]) for line in lines[1:]} == labels
        assert sum(Decimal(line[-1]) for line in lines[1:]) == Decimal(team["totals"]["earned"])
        await expect(figure(page, "labels")).to_have_text(n(team["totals"]["labels"]))

        # By team: the people in no team are a group of their own.
        by_team = await park.api(
            db,
            admin,
            "stats/work",
            start=start.isoformat(),
            end=end.isoformat(),
            granularity="month",
            group_by="team",
        )
        team_labels: dict[str, int] = {}
        for r in by_team["rows"]:
            name = r["name"] or "未分配团队"
            team_labels[name] = team_labels.get(name, 0) + r["labels"]
        assert set(team_labels) == {"一组", "二组", "未分配团队"}
        await section.locator("#stats-team-by").select_option("team")
        await settled(page)
        await expect(section.locator("h2")).to_have_text("团队")
        assert {r[0]: r[1] for r in await rows_of(table)} == {
            name: n(count) for name, count in team_labels.items()
        }
        await section.locator("#stats-team-by").select_option("annotator")
        await settled(page)

        await page.locator("#stats-team-step").select_option("week")
        await settled(page)
        await chart_drawn(page, "#main")
        await check_page(page)
        await shot(page, "stats-team-vendor-admin")

        # The statement of this month, from the link beside the intro.
        month = end.strftime("%Y-%m")
        statement = await park.api(db, admin, f"stats/statements/{month}")
        await page.get_by_role("navigation", name="月度对账单：").get_by_role("link").first.click()
        await expect(page.locator("h1")).to_have_text("月度对账单")
        await settled(page)
        await expect(figure(page, "total")).to_have_text(cny(statement["total"]))
        await expect(figure(page, "accepted")).to_have_text(n(statement["accepted"]))
        body = page.locator("article.statement tbody tr")
        await expect(body).to_have_count(len(statement["lines"]))
        await expect(page.locator("tfoot td").last).to_have_text(cny(statement["total"]))
        link = page.get_by_role("link", name="下载 CSV")
        assert await link.get_attribute("href") == f"/api/v1/stats/statements/{month}?format=csv"
        async with page.expect_download() as info:
            await link.click()
        raw = (await (await info.value).path()).read_bytes()
        assert raw.decode("utf-8") == await park.api(
            db, admin, f"stats/statements/{month}", format="csv"
        )
        await check_page(page)
        await shot(page, "stats-statement-vendor")
        # On paper: the statement alone, black on white.
        await page.emulate_media(media="print")
        await expect(page.locator(".sidenav")).to_be_hidden()
        await expect(page.get_by_role("button", name="打印")).to_be_hidden()
        await expect(page.locator("article.statement")).to_be_visible()
        await shot(page, "stats-statement-print")
    finally:
        await page.context.close()


async def test_client_follows_job_progress(
    db: AsyncSession, browser: Browser, base_url: str, park: StatsPark
) -> None:
    member = park.users["client_member@client"]
    progress = await park.api(db, member, f"jobs/{park.job.id}/progress")
    idle = await park.api(db, member, f"jobs/{park.idle_job.id}/progress")
    assert progress["items_done"] < progress["items_total"]
    page = await open_as(browser, db, base_url, member)
    try:
        await page.goto("/stats/jobs")
        await expect(page.locator("h1")).to_have_text("任务进度")
        await settled(page)
        # Client members have no statements; their admins do.
        await expect(page.get_by_role("navigation", name="月度对账单：")).to_have_count(0)
        bar = page.get_by_role("progressbar", name="“商品评论情感”的完成进度")
        share = progress["items_done"] / progress["items_total"] * 100
        assert float(await bar.get_attribute("aria-valuenow") or 0) == round(share, 1)
        row = page.locator("tbody tr", has_text="商品评论情感")
        await expect(row).to_contain_text(
            f"已完成 {n(progress['items_done'])} / {n(progress['items_total'])} 条"
        )
        await expect(row).to_contain_text(
            f"{n(progress['labels_submitted'])} / {n(progress['labels_needed'])}"
        )
        # The estimate moves with the clock: the page's and ours a moment apart.
        assert progress["eta"] is not None
        shown_eta = await row.locator("time").get_attribute("datetime")
        apart = datetime.fromisoformat(shown_eta or "") - datetime.fromisoformat(progress["eta"])
        assert abs(apart.total_seconds()) < 60, (shown_eta, progress["eta"])
        idle_row = page.locator("tbody tr", has_text="搜索词意图")
        await expect(idle_row).to_contain_text(f"已完成 0 / {n(idle['items_total'])} 条")
        lines = await export_csv(page.locator("section.stats-table"))
        assert lines[0][:5] == ["任务名称", "状态", "已完成条目", "条目总数", "完成比例"]
        by_job = {line[0]: line for line in lines[1:]}
        assert by_job["商品评论情感"][2:4] == [
            str(progress["items_done"]),
            str(progress["items_total"]),
        ]
        assert by_job["搜索词意图"][2] == "0"
        await check_page(page)
        await shot(page, "stats-jobs-client")

        await page.get_by_role("link", name="商品评论情感").click()
        await expect(page.locator("h1")).to_have_text("任务进度详情")
        await settled(page)
        await expect(page.locator(".qa-job-name")).to_have_text("商品评论情感")
        await expect(figure(page, "items_remaining")).to_have_text(n(progress["items_remaining"]))
        await expect(figure(page, "leases_held")).to_have_text(n(progress["leases_held"]))
        await chart_drawn(page, "#main")
        # The last two days by hour: what the current rate is made of.
        await page.locator("#stats-job-step").select_option("hour")
        await expect(page.locator(".chart")).to_have_attribute("aria-label", "最近 2 天（按小时）")
        await chart_drawn(page, "#main")
        start = park.job.created_at.astimezone().date().isoformat()
        vendors = await park.api(
            db,
            member,
            "stats/work",
            job_id=str(park.job.id),
            start=min(start, park_today().isoformat()),
            granularity="month",
            group_by="vendor",
        )
        per_vendor: dict[str, int] = {}
        for r in vendors["rows"]:
            per_vendor[r["name"]] = per_vendor.get(r["name"], 0) + r["labels"]
        section = page.locator("section.stats-table", has=page.locator("#stats-job-vendors"))
        lines = await export_csv(section)
        assert lines[0][:4] == ["服务商", "标注员人数", "领取中", "标注数"]
        assert {line[0]: int(line[3]) for line in lines[1:]} == per_vendor
        assert set(per_vendor) == {"星河标注", "北辰数据"}
        await check_page(page)
        await shot(page, "stats-job-client")
    finally:
        await page.context.close()

    # The client's admin reaches the client's statement from the job list.
    admin = park.users["enterprise_admin@client"]
    month = park_today().strftime("%Y-%m")
    statement = await park.api(db, admin, f"stats/statements/{month}")
    page = await open_as(browser, db, base_url, admin)
    try:
        await page.goto("/stats/jobs")
        await page.get_by_role("navigation", name="月度对账单：").get_by_role("link").first.click()
        await settled(page)
        await expect(page.locator("article.statement h2")).to_contain_text("云帆电商")
        await expect(figure(page, "total")).to_have_text(cny(statement["total"]))
        await expect(page.locator("article.statement tbody tr")).to_have_count(
            len(statement["lines"])
        )
    finally:
        await page.context.close()


async def test_client_exports_the_labels(
    db: AsyncSession,
    browser: Browser,
    base_url: str,
    park: StatsPark,
    server_store: LocalObjectStore,
) -> None:
    """A client member asks for the job's labels as JSONL on the job's page, follows the export
    until its link appears and downloads the file: one line per item of the job."""
    member = park.users["client_member@client"]
    kind = park.job.label_schema["kind"]
    formats = await park.api(db, member, "exports/formats")
    fitting = [f["name"] for f in formats if kind in f["label_kinds"]]
    assert "coco" not in fitting  # boxes and polygons only
    items = await db.scalars(
        text("SELECT id FROM items WHERE job_id = :job AND NOT is_gold ORDER BY id"),
        {"job": park.job.id},
    )
    item_ids = list(items)
    assert len(item_ids) == len(TRUTH)
    page = await open_as(browser, db, base_url, member)
    try:
        await page.goto(f"/stats/jobs/{park.job.id}")
        await settled(page)
        panel = page.locator("section.export-panel")
        await expect(panel.locator("h2")).to_have_text("导出标注")
        history = page.locator("section.stats-table", has=page.locator("#stats-job-exports"))
        await expect(history.locator("tbody")).to_have_text("此任务还没有导出记录。")

        # Only the formats that hold text classification, each with what it holds.
        choices = panel.locator('input[name="export-format"]')
        assert [await c.get_attribute("value") for c in await choices.all()] == fitting
        await expect(panel.get_by_label("COCO")).to_have_count(0)
        await expect(panel.locator("#export-format-text_csv-hint")).to_have_text(
            "文本分类的 CSV 表格：文本、标签、置信度。"
        )
        await expect(panel.get_by_label("JSONL（Brigade 格式）")).to_be_checked()
        # A format with one answer per item cannot take every annotator's label.
        raw = panel.get_by_label("全部标注（每位标注员的标注）")
        await raw.check()
        await panel.get_by_label("spaCy JSON").check()
        await expect(raw).to_be_disabled()
        await expect(panel.get_by_label("共识结果（每个条目一个答案）")).to_be_checked()
        await expect(panel.locator("#export-raw-hint")).to_contain_text("spaCy JSON")
        await panel.get_by_label("JSONL（Brigade 格式）").check()
        await expect(raw).to_be_enabled()
        await expect(panel.get_by_label("包含图片链接")).to_have_count(0)  # a text job

        # The minimum confidence is checked before anything is sent.
        confidence = panel.locator("#export-min-confidence")
        label = panel.locator('label[for="export-min-confidence"]')
        await expect(label).to_contain_text("最低置信度")
        await confidence.fill("1.5")
        await panel.get_by_role("button", name="开始导出").click()
        await expect(panel.locator("#export-min-confidence-error")).to_have_text(
            "请输入 0 到 1 之间的数，例如 0.8。"
        )
        await expect(confidence).to_be_focused()
        await expect(confidence).to_have_attribute("aria-invalid", "true")
        await confidence.fill("")

        # What the server refuses is shown beside the form in its own words (the request is
        # changed on its way to a format this job's labels do not fit: a real 422).
        async def unfit(route: Route) -> None:
            body = json.loads(route.request.post_data or "{}")
            await route.continue_(post_data=json.dumps({**body, "format": "coco"}))

        await page.route(f"**/api/v1/jobs/{park.job.id}/exports", unfit)
        await panel.get_by_role("button", name="开始导出").click()
        alert = panel.locator(".alert-error")
        await expect(alert).to_contain_text("coco cannot hold text_classification labels")
        await page.unroute(f"**/api/v1/jobs/{park.job.id}/exports", unfit)
        assert (await park.api(db, member, f"jobs/{park.job.id}/exports"))["total"] == 0

        # The real request: queued, then written by a worker (the browser server runs none:
        # this one writes into its store), followed by the page until the link appears.
        await panel.get_by_role("button", name="开始导出").click()
        await expect(alert).to_have_count(0)
        status = panel.locator(".export-status")
        await expect(status).to_have_text("JSONL（Brigade 格式）（共识结果）：排队中")
        await expect(history.locator("tbody tr")).to_have_count(1)
        await run_worker(
            park.app.state.sessionmaker,
            server_store,
            park.app.state.server_secret,
            concurrency=1,
            queues=["exports"],
            install_signal_handlers=False,
            wait=False,
        )
        await expect(status).to_have_text("JSONL（Brigade 格式）（共识结果）：已完成")
        (done,) = (await park.api(db, member, f"jobs/{park.job.id}/exports"))["items"]
        assert done["status"] == "done"
        assert (done["format"], done["labels"]) == ("jsonl", "consensus")
        assert done["items_written"] == len(TRUTH)
        await expect(figure(page, "items_written")).to_have_text(n(len(TRUTH)))
        await expect(figure(page, "items_skipped")).to_have_text(n(done["items_skipped"]))
        assert done["size_bytes"] > 1000
        # The browser rounds the shortest decimal of the value half up (9.85 -> 9.9).
        kb = Decimal(str(done["size_bytes"] / 1000)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        shown = str(kb).removesuffix(".0")  # and shows no trailing zero
        await expect(figure(page, "size")).to_have_text(f"{shown} kB")
        link = panel.get_by_role("link", name=f"下载 {done['file_name']}")
        assert await link.get_attribute("download") == done["file_name"]
        async with page.expect_download() as info:
            await link.click()
        download = await info.value
        assert download.suggested_filename == done["file_name"]
        lines = (await download.path()).read_bytes().decode("utf-8").splitlines()
        assert len(lines) == len(item_ids)
        rows = [json.loads(line) for line in lines]
        assert sorted(r["item_id"] for r in rows) == item_ids
        assert {r["job_id"] for r in rows} == {str(park.job.id)}

        # The export in the job's list, its link and its CSV.
        row = history.locator("tbody tr")
        await expect(row).to_contain_text("已完成")
        await expect(row.locator("td").nth(3)).to_have_text(n(len(TRUTH)))
        row_link = row.get_by_role("link", name=f"下载 {done['file_name']}")
        assert await row_link.get_attribute("download") == done["file_name"]
        lines_csv = await export_csv(history)
        assert lines_csv[0] == ["格式", "导出内容", "状态", "条目数", "大小", "提交时间", "下载"]
        (line,) = lines_csv[1:]
        assert datetime.fromisoformat(line[5]) == datetime.fromisoformat(done["created_at"])
        assert line[:5] + line[6:] == [
            "jsonl",
            "consensus",
            "done",
            str(len(TRUTH)),
            str(done["size_bytes"]),
            done["file_name"],
        ]
        await check_page(page)
        await page.locator("h1").focus()
        await panel.evaluate("el => scrollTo(0, el.getBoundingClientRect().top + scrollY - 72)")
        await shot(page, "stats-job-export", top=False)
    finally:
        await page.context.close()


async def test_park_dashboard(
    db: AsyncSession, browser: Browser, base_url: str, park: StatsPark
) -> None:
    admin = park.users["park_admin@park_operator"]
    dashboard = await park.api(db, admin, "stats/park")
    page = await open_as(browser, db, base_url, admin)
    try:
        await page.goto("/")
        nav = page.get_by_role("navigation", name="主导航")
        await nav.get_by_role("link", name="园区看板").click()
        await expect(page.locator("h1")).to_have_text("园区看板")
        await settled(page)
        await expect(page.get_by_role("progressbar")).to_have_count(5)
        for key in ("active_annotators_7d", "active_annotators_30d", "active_enterprises_30d"):
            value, target = (Decimal(dashboard[key][k]) for k in ("value", "target"))
            meter = page.locator(f'[data-meter="park-{key}"] .meter-text')
            await expect(meter).to_have_text(f"{n(int(value))} / 目标 {n(int(target))}")
        revenue = page.locator('[data-meter="park-revenue_12m"] .meter-text')
        await expect(revenue).to_contain_text(cny(dashboard["revenue_12m"]["value"]))
        await chart_drawn(page, "#main")
        await shot(page, "stats-park")
        trend = page.locator("section.stats-table").first
        lines = await export_csv(trend)
        assert lines[0][:2] == ["月份", "活跃标注员"]
        assert sorted(line[0] for line in lines[1:]) == [m["month"][:7] for m in dashboard["trend"]]
        assert len(dashboard["trend"]) >= 2  # labels from earlier months too

        # The year's work per vendor.
        year = park_today().year
        by_vendor = await park.api(
            db,
            admin,
            "stats/work",
            start=f"{year}-01-01",
            end=park_today().isoformat(),
            granularity="month",
            group_by="vendor",
        )
        vendor_labels: dict[str, int] = {}
        for r in by_vendor["rows"]:
            vendor_labels[r["name"]] = vendor_labels.get(r["name"], 0) + r["labels"]
        section = page.locator("section.stats-table", has=page.locator("#park-vendors"))
        lines = await export_csv(section)
        assert {line[0]: int(line[1]) for line in lines[1:]} == vendor_labels

        # An award rule any of these vendors meets: the milestones follow the saved rules.
        awards = page.locator('section[aria-labelledby="awards-heading"]')
        rules_before = len(await park.api(db, admin, "stats/award-rules"))
        await awards.get_by_role("button", name="添加规则").click()
        new = rules_before + 1
        await awards.get_by_label(f"第 {new} 条规则的营收门槛（元）").fill("1.00")
        await awards.get_by_label(f"第 {new} 条规则的奖励（元）").fill("500.00")
        await awards.get_by_label(f"第 {new} 条规则的从业人数须多于").fill("0")
        await awards.get_by_role("button", name="保存规则").click()
        await expect(page.get_by_text("奖励规则已保存。")).to_be_visible()
        rules = await park.api(db, admin, "stats/award-rules")
        assert {"threshold_cny": "1.00", "award_cny": "500.00", "min_staff": 0} in [
            {k: r[k] for k in ("threshold_cny", "award_cny", "min_staff")} for r in rules
        ]
        report = await park.api(db, admin, f"stats/milestones/{year}")
        milestones = page.locator("section.stats-table", has=page.locator("#park-milestones"))
        await expect(milestones.locator("tbody tr")).to_have_count(len(report["milestones"]))
        assert {m["enterprise_name"] for m in report["milestones"]} == set(vendor_labels)
        await expect(milestones).to_contain_text(cny(report["total_awards"]))
        await page.get_by_role("button", name="关闭提示").click()
        await check_page(page)
        await page.locator("h1").focus()  # not the month field Tab left focused
        await milestones.scroll_into_view_if_needed()
        await page.evaluate("window.scrollBy(0, -80)")
        await shot(page, "stats-park-milestones", top=False)

        # Any vendor's statement, through the chooser.
        vendor = park.vendors[1]
        await page.locator("#park-statement-enterprise").select_option(str(vendor.id))
        month = park_today().strftime("%Y-%m")
        await page.locator("#park-statement-month").fill(month)
        await page.get_by_role("button", name="查看对账单").click()
        await expect(page).to_have_url(
            f"{base_url}/stats/statements/{month}?enterprise_id={vendor.id}"
        )
        statement = await park.api(
            db, admin, f"stats/statements/{month}", enterprise_id=str(vendor.id)
        )
        await settled(page)
        await expect(page.locator("article.statement h2")).to_contain_text("北辰数据")
        await expect(figure(page, "total")).to_have_text(cny(statement["total"]))
        await check_page(page)
    finally:
        await page.context.close()


async def test_the_park_follows_every_clients_jobs_and_reaches_their_exports(
    db: AsyncSession, browser: Browser, base_url: str, park: StatsPark
) -> None:
    admin = park.users["park_admin@park_operator"]
    page = await open_as(browser, db, base_url, admin)
    try:
        await page.goto("/")
        nav = page.get_by_role("navigation", name="主导航")
        await nav.get_by_role("link", name="任务进度").click()
        await expect(page.locator("h1")).to_have_text("任务进度")
        await settled(page)
        row = page.locator("tbody tr", has_text="商品评论情感")
        await expect(row).to_contain_text("云帆电商")  # the client, a column for the park only
        lines = await export_csv(page.locator("section.stats-table"))
        assert lines[0][:3] == ["任务名称", "需求方", "状态"]
        await check_page(page)
        await shot(page, "stats-jobs-park")

        await page.get_by_role("link", name="商品评论情感").click()
        await expect(page.locator("h1")).to_have_text("任务进度详情")
        await settled(page)
        await expect(page.locator("section.export-panel h2")).to_have_text("导出标注")
        await expect(
            page.locator("section.export-panel").get_by_role("button", name="开始导出")
        ).to_be_visible()
        await check_page(page)
    finally:
        await page.context.close()


async def test_stats_pages_are_for_their_roles_only(
    db: AsyncSession, browser: Browser, base_url: str, park: StatsPark
) -> None:
    """A QA lead has the team but no statements; an annotator no team."""
    page = await open_as(browser, db, base_url, park.users["qa_lead@vendor"])
    try:
        await page.goto("/stats/team")
        await settled(page)
        await expect(page.locator("h1")).to_have_text("团队统计")
        await expect(page.get_by_role("navigation", name="月度对账单：")).to_have_count(0)
        await page.goto(f"/stats/statements/{datetime.now().strftime('%Y-%m')}")
        await expect(page.locator("h1")).to_have_text("无权访问")
    finally:
        await page.context.close()
    page = await open_as(browser, db, base_url, park.users["王芳"])
    try:
        await page.goto("/stats/team")
        await expect(page.locator("h1")).to_have_text("无权访问")
    finally:
        await page.context.close()
