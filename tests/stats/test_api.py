"""The work report through the API: each role sees its own scope, the sums match the labels,
and periods are Asia/Shanghai days, ISO weeks and months."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import EnterpriseKind, Role
from app.quality.sweep import sweep
from app.stats.periods import park_today
from tests.factories import browser_client, make_enterprise, make_session_cookie, make_user
from tests.labeling.conftest import Park

POS, NEG = {"label": "positive"}, {"label": "negative"}


async def _as(park: Park, db: AsyncSession, enterprise: Any, role: Role) -> AsyncClient:
    user = await make_user(db, enterprise, role)
    cookie = await make_session_cookie(db, user)
    await db.commit()
    return browser_client(park.app, cookie)


async def _report(http: AsyncClient, **params: Any) -> dict[str, Any]:
    r = await http.get("/api/v1/stats/work", params=params)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def test_each_role_sees_its_own_scope(park: Park, db: AsyncSession) -> None:
    job_id = park.job.id
    people = [await park.annotator(db) for _ in range(3)]
    for a, answer in zip(people, (POS, POS, NEG), strict=True):
        while (assignment := await a.next_assignment()) is not None:
            assert (await a.submit(assignment, answer, active_ms=6_000)).status_code == 200
    first = people[0].user.id
    await sweep(park.app.state.sessionmaker)
    paid = await db.scalar(text("SELECT sum(amount) FROM labels"))

    mine = await _report(people[0].http, group_by="annotator")
    assert [r["key"] for r in mine["rows"]] == [str(first)]
    assert mine["totals"]["labels"] == 6
    assert mine["totals"]["accepted"] == 6
    assert mine["totals"]["active_hours"] == round(6 * 6_000 / 3_600_000, 3)
    assert mine["totals"]["labels_per_active_hour"] == 600.0

    qa = await _as(park, db, park.vendor, Role.QA_LEAD)
    team = await _report(qa, group_by="annotator")
    assert len(team["rows"]) == 3
    assert all(r["name"] for r in team["rows"])
    assert team["totals"]["labels"] == 18
    assert team["totals"]["accepted"] == 12
    assert team["totals"]["rejected"] == 6

    member = await _as(park, db, park.client, Role.CLIENT_MEMBER)
    jobs = await _report(member, group_by="job")
    (row,) = jobs["rows"]
    assert row["key"] == str(job_id)
    assert Decimal(row["earned"]) == paid == Decimal("3.0000")  # 6 items at 0.50

    stranger = await _as(
        park, db, await make_enterprise(db, EnterpriseKind.VENDOR), Role.ENTERPRISE_ADMIN
    )
    assert (await _report(stranger))["rows"] == []
    other_client = await _as(
        park, db, await make_enterprise(db, EnterpriseKind.CLIENT), Role.CLIENT_MEMBER
    )
    assert (await _report(other_client, job_id=str(job_id)))["rows"] == []
    for http in (qa, member, stranger, other_client):
        await http.aclose()


async def test_weeks_and_months_start_on_their_first_day(park: Park, db: AsyncSession) -> None:
    a = await park.annotator(db)
    while (assignment := await a.next_assignment()) is not None:
        await a.submit(assignment, POS)
    await sweep(park.app.state.sessionmaker)
    today = park_today()
    weekly = await _report(a.http, granularity="week")
    (week,) = weekly["rows"]
    assert week["period"] == (today.fromordinal(today.toordinal() - today.weekday())).isoformat()
    monthly = await _report(a.http, granularity="month")
    assert monthly["rows"][0]["period"] == today.replace(day=1).isoformat()
    r = await a.http.get("/api/v1/stats/work", params={"start": "2026-02-01", "end": "2026-01-01"})
    assert r.status_code == 422
    assert "end" in r.text
