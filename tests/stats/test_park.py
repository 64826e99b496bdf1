"""The park dashboard: figures from the roll-ups against the configured targets."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import EnterpriseKind, Role
from app.quality.sweep import sweep
from app.stats.periods import park_today
from tests.factories import browser_client, make_enterprise, make_session_cookie, make_user
from tests.labeling.conftest import Park

POS = {"label": "positive"}


async def test_park_figures_against_targets(park: Park, db: AsyncSession) -> None:
    people = [await park.annotator(db) for _ in range(3)]
    for a in people:
        while (assignment := await a.next_assignment()) is not None:
            assert (await a.submit(assignment, POS)).status_code == 200
    # One annotator worked 40 days ago: active in the year, not in the last 30 days.
    await db.execute(
        text("UPDATE labels SET submitted_at = now() - interval '40 days' WHERE annotator_id = :a"),
        {"a": people[2].user.id},
    )
    await db.commit()
    await sweep(park.app.state.sessionmaker)
    operator = await make_enterprise(db, EnterpriseKind.PARK_OPERATOR)
    admin = await make_user(db, operator, Role.PARK_ADMIN)
    http = browser_client(park.app, await make_session_cookie(db, admin))
    await db.commit()

    r = await http.get("/api/v1/stats/park")
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["as_of"] == park_today().isoformat()
    assert Decimal(d["active_annotators_7d"]["value"]) == 2
    assert Decimal(d["active_annotators_30d"]["value"]) == 2
    assert Decimal(d["active_annotators_30d"]["target"]) == 5000
    assert d["active_annotators_30d"]["share"] == 2 / 5000
    assert Decimal(d["active_enterprises_30d"]["value"]) == 2  # the vendor and the client
    paid = await db.scalar(text("SELECT sum(amount) FROM labels"))
    assert Decimal(d["revenue_12m"]["value"]) == paid == Decimal("3.0000")
    assert Decimal(d["revenue_12m"]["target"]) == 1_000_000_000
    people_in_park = await db.scalar(
        text(
            "SELECT count(*) FROM users u JOIN enterprises e ON e.id = u.enterprise_id"
            " WHERE e.kind IN ('vendor', 'client') AND u.is_active"
        )
    )
    assert Decimal(d["headcount"]["value"]) == people_in_park  # no staff counts declared
    months = {m["month"]: m for m in d["trend"]}
    this_month = park_today().replace(day=1).isoformat()
    assert months[this_month]["active_annotators"] >= 2
    assert sum(m["labels"] for m in d["trend"]) == 18
    await http.aclose()

    for role, kind in (
        (Role.ENTERPRISE_ADMIN, EnterpriseKind.VENDOR),
        (Role.CLIENT_MEMBER, EnterpriseKind.CLIENT),
    ):
        other = await make_user(db, await make_enterprise(db, kind), role)
        client = browser_client(park.app, await make_session_cookie(db, other))
        await db.commit()
        assert (await client.get("/api/v1/stats/park")).status_code == 403
        await client.aclose()
