"""The work report through the API: each role sees its own scope, the sums match the labels,
and periods are Asia/Shanghai days, ISO weeks and months."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import EnterpriseKind, Role, User
from app.quality.sweep import sweep
from app.stats.park import month_masks
from app.stats.periods import park_today
from tests.factories import (
    as_user,
    make_enterprise,
    make_team,
)
from tests.labeling.conftest import Park

POS, NEG = {"label": "positive"}, {"label": "negative"}


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

    qa = await as_user(park.app, db, park.vendor, Role.QA_LEAD)
    team = await _report(qa, group_by="annotator")
    assert len(team["rows"]) == 3
    assert all(r["name"] for r in team["rows"])
    assert team["totals"]["labels"] == 18
    assert team["totals"]["accepted"] == 12
    assert team["totals"]["rejected"] == 6

    member = await as_user(park.app, db, park.client, Role.CLIENT_MEMBER)
    jobs = await _report(member, group_by="job")
    (row,) = jobs["rows"]
    assert row["key"] == str(job_id)
    assert Decimal(row["earned"]) == paid == Decimal("3.0000")  # 6 items at 0.50

    stranger = await as_user(
        park.app, db, await make_enterprise(db, EnterpriseKind.VENDOR), Role.ENTERPRISE_ADMIN
    )
    assert (await _report(stranger))["rows"] == []
    other_client = await as_user(
        park.app, db, await make_enterprise(db, EnterpriseKind.CLIENT), Role.CLIENT_MEMBER
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


async def test_every_grouping_adds_up_to_the_same_work(park: Park, db: AsyncSession) -> None:
    """Per annotator (work_daily, work_hourly), per vendor / job / client / domain / kind
    (team_daily) and per hour (team_hourly): the same labels, money and judgements whichever
    table answers."""
    people = [await park.annotator(db) for _ in range(3)]
    for a, answer in zip(people, (POS, POS, NEG), strict=True):
        while (assignment := await a.next_assignment()) is not None:
            assert (await a.submit(assignment, answer, active_ms=6_000)).status_code == 200
    await sweep(park.app.state.sessionmaker)
    operator = await make_enterprise(db, EnterpriseKind.PARK_OPERATOR)
    admin = await as_user(park.app, db, operator, Role.PARK_ADMIN)

    by_person = await _report(admin, group_by="annotator")
    agreement = {r["key"]: r["agreement"] for r in by_person["rows"]}
    assert agreement == {str(people[0].user.id): 1.0, str(people[1].user.id): 1.0,
                         str(people[2].user.id): 0.0}  # fmt: skip
    totals = by_person["totals"]
    assert (totals["judged"], totals["agreed"], totals["agreement"]) == (18, 12, 0.6667)
    keys = {
        "vendor": str(park.vendor.id),
        "job": str(park.job.id),
        "client": str(park.client.id),
        "domain": str(park.job.domain),
        "kind": str(park.job.data_kind),
    }
    for group_by, key in keys.items():
        report = await _report(admin, group_by=group_by)
        assert [r["key"] for r in report["rows"]] == [key], group_by
        assert report["rows"][0]["name"], group_by
        assert report["totals"] == totals, group_by
    client_names = await _report(admin, group_by="client")
    assert client_names["rows"][0]["name"] == park.client.name
    # Teams: the two who agree are in one, the third in none.
    team = await make_team(db, park.vendor, "早班")
    await db.execute(
        update(User)
        .where(User.id.in_([people[0].user.id, people[1].user.id]))
        .values(team_id=team.id)
    )
    await db.commit()
    teams = {r["key"]: r for r in (await _report(admin, group_by="team"))["rows"]}
    assert teams.keys() == {str(team.id), None}
    assert (teams[str(team.id)]["name"], teams[str(team.id)]["labels"]) == ("早班", 12)
    assert teams[str(team.id)]["agreement"] == 1.0
    assert teams[None]["labels"] == 6

    since = park_today() - timedelta(days=1)
    hourly = await _report(admin, granularity="hour", group_by="job", start=str(since))
    assert hourly["totals"] == {**totals, "period": str(since)}
    assert sum(r["labels"] for r in hourly["rows"]) == 18
    assert all(0 <= r["hour"] <= 23 and r["key"] == keys["job"] for r in hourly["rows"])
    today = await _report(admin, granularity="hour")  # by default: today
    assert today["start"] == today["end"] == str(park_today())

    # Per person by hour (work_hourly): the same work, and an annotator sees only their own.
    per_person = await _report(admin, granularity="hour", group_by="annotator", start=str(since))
    assert per_person["totals"] == hourly["totals"]
    assert {r["key"] for r in per_person["rows"]} == {str(a.user.id) for a in people}
    assert all(r["name"] and 0 <= r["hour"] <= 23 for r in per_person["rows"])
    by_team = await _report(admin, granularity="hour", group_by="team", start=str(since))
    assert sum(r["labels"] for r in by_team["rows"]) == 18
    own = await _report(people[0].http, granularity="hour", start=str(since))
    assert own["totals"]["labels"] == 6
    assert own["totals"]["agreed"] == 6
    one = await _report(admin, granularity="hour", annotator_id=str(people[2].user.id))
    assert (one["totals"]["labels"], one["totals"]["agreed"]) == (6, 0)

    # Long hourly ranges are refused.
    month = {"granularity": "hour", "start": str(park_today() - timedelta(days=29))}
    r = await admin.get("/api/v1/stats/work", params=month)
    assert r.status_code == 422
    assert "end" in r.text
    await admin.aclose()


def test_month_masks_cover_the_window_across_months() -> None:
    masks = {m["month"]: m["mask"] for m in json.loads(month_masks(date(2026, 3, 2), 7))}
    # Feb 24..28 (2026 is not a leap year) and Mar 1..2.
    assert masks == {"2026-02-01": sum(1 << d for d in range(23, 28)), "2026-03-01": 0b11}
    assert len(json.loads(month_masks(date(2026, 3, 1), 30))) == 3  # Jan 31, Feb, Mar 1
