"""Award rules are data the park edits; the milestone report applies them to the roll-ups."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Enterprise, EnterpriseKind, LabelingJob, Role
from app.quality.sweep import sweep
from app.stats.periods import park_today
from tests.factories import browser_client, make_enterprise, make_session_cookie, make_user
from tests.labeling.conftest import Park

POS = {"label": "positive"}


async def test_rules_are_editable_and_produce_milestones(park: Park, db: AsyncSession) -> None:
    await db.execute(
        update(LabelingJob).where(LabelingJob.id == park.job.id).values(price_per_item=Decimal(2))
    )
    await db.execute(
        update(Enterprise)
        .where(Enterprise.id == park.vendor.id)
        .values(settings={"staff_count": 120})
    )
    operator = await make_enterprise(db, EnterpriseKind.PARK_OPERATOR)
    admin = await make_user(db, operator, Role.PARK_ADMIN)
    http = browser_client(park.app, await make_session_cookie(db, admin))
    await db.commit()
    for _ in range(3):
        a = await park.annotator(db)
        while (assignment := await a.next_assignment()) is not None:
            await a.submit(assignment, POS)
    await sweep(park.app.state.sessionmaker)  # 6 items at 2 CNY: 12 CNY this year

    # The park's published rules (seeded by the migration; tests/test_migrations.py).
    published = {"rules": [
        {"threshold_cny": t, "award_cny": a} for t, a in
        (("10000000", "500000"), ("30000000", "1500000"), ("50000000", "3000000"),
         ("100000000", "6000000"))
    ]}  # fmt: skip
    assert (await http.put("/api/v1/stats/award-rules", json=published)).status_code == 200
    year = park_today().year
    report = (await http.get(f"/api/v1/stats/milestones/{year}")).json()
    assert len(report["rules"]) == 4
    assert report["milestones"] == []  # 12 CNY is far from 10M

    rules = {"rules": [
        {"threshold_cny": "10", "award_cny": "1", "min_staff": 100},
        {"threshold_cny": "20", "award_cny": "2", "min_staff": 100},
        {"threshold_cny": "5", "award_cny": "9", "min_staff": 500},
    ]}  # fmt: skip
    r = await http.put("/api/v1/stats/award-rules", json=rules)
    assert r.status_code == 200, r.text
    assert len(r.json()) == 3
    report = (await http.get(f"/api/v1/stats/milestones/{year}")).json()
    (m,) = report["milestones"]  # 12 ≥ 10 with 120 staff; not 20; the 500-staff rule excluded
    assert m["enterprise_id"] == str(park.vendor.id)
    assert Decimal(m["threshold_cny"]) == 10
    assert Decimal(m["award_cny"]) == 1
    assert Decimal(m["year_revenue"]) == 12
    assert m["staff"] == 120
    assert m["passed_on"] == park_today().isoformat()
    assert Decimal(report["total_awards"]) == 1
    assert (await http.get(f"/api/v1/stats/milestones/{year - 1}")).json()["milestones"] == []

    bad = {"rules": [{"threshold_cny": "10", "award_cny": "1"}] * 2}
    r = await http.put("/api/v1/stats/award-rules", json=bad)
    assert r.status_code == 422
    assert len((await http.get("/api/v1/stats/award-rules")).json()) == 3  # nothing lost
    r = await http.put(
        "/api/v1/stats/award-rules", json={"rules": [{"threshold_cny": "0", "award_cny": "1"}]}
    )
    assert r.status_code == 422
    assert "threshold_cny" in r.text
    await http.aclose()

    vendor_admin = await make_user(db, park.vendor, Role.ENTERPRISE_ADMIN)
    other = browser_client(park.app, await make_session_cookie(db, vendor_admin))
    await db.commit()
    assert (await other.get("/api/v1/stats/award-rules")).status_code == 403
    assert (await other.put("/api/v1/stats/award-rules", json=rules)).status_code == 403
    assert (await other.get(f"/api/v1/stats/milestones/{year}")).status_code == 403
    await other.aclose()
