"""Monthly statements add up to the cent, to the labels behind them, in JSON and CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import EnterpriseKind, LabelingJob, Role
from app.quality.sweep import sweep
from app.stats.periods import park_today
from tests.factories import as_user, make_enterprise
from tests.labeling.conftest import Park

POS, NEG = {"label": "positive"}, {"label": "negative"}

PAID_THIS_MONTH = text("""
SELECT coalesce(sum(amount), 0) FROM labels
WHERE to_char(submitted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') = :month
""")


async def test_statements_add_up_to_the_labels(park: Park, db: AsyncSession) -> None:
    await db.execute(
        update(LabelingJob)
        .where(LabelingJob.id == park.job.id)
        .values(price_per_item=Decimal("0.7"))
    )
    await db.commit()
    for answer in (POS, POS, NEG):
        a = await park.annotator(db)
        while (assignment := await a.next_assignment()) is not None:
            assert (await a.submit(assignment, answer)).status_code == 200
    await sweep(park.app.state.sessionmaker)
    month = f"{park_today():%Y-%m}"
    paid = await db.scalar(PAID_THIS_MONTH, {"month": month})
    assert paid == Decimal("4.2000")  # 6 items at 0.70, shared by the two agreeing labels

    vendor_admin = await as_user(park.app, db, park.vendor, Role.ENTERPRISE_ADMIN)
    r = await vendor_admin.get(f"/api/v1/stats/statements/{month}")
    assert r.status_code == 200, r.text
    vendor = r.json()
    assert vendor["kind"] == "vendor"
    assert len(vendor["lines"]) == 3  # one per annotator
    assert Decimal(vendor["total"]) == paid
    assert sum(Decimal(line["amount"]) for line in vendor["lines"]) == paid
    assert vendor["accepted"] == 12

    r = await vendor_admin.get(f"/api/v1/stats/statements/{month}", params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    *lines, total = rows
    assert total["job"] == "TOTAL"
    assert sum(Decimal(row["amount_cny"]) for row in lines) == Decimal(total["amount_cny"]) == paid

    client_admin = await as_user(park.app, db, park.client, Role.ENTERPRISE_ADMIN)
    client = (await client_admin.get(f"/api/v1/stats/statements/{month}")).json()
    assert client["kind"] == "client"
    (line,) = client["lines"]
    assert line["annotator_id"] is None
    assert Decimal(client["total"]) == paid  # what the client owes is what the vendors earned

    member = await as_user(park.app, db, park.client, Role.CLIENT_MEMBER)
    assert (await member.get(f"/api/v1/stats/statements/{month}")).status_code == 403
    other = await as_user(
        park.app, db, await make_enterprise(db, EnterpriseKind.VENDOR), Role.ENTERPRISE_ADMIN
    )
    assert Decimal((await other.get(f"/api/v1/stats/statements/{month}")).json()["total"]) == 0
    r = await other.get(
        f"/api/v1/stats/statements/{month}", params={"enterprise_id": str(park.vendor.id)}
    )
    assert r.status_code == 404
    park_admin = await as_user(
        park.app, db, await make_enterprise(db, EnterpriseKind.PARK_OPERATOR), Role.PARK_ADMIN
    )
    r = await park_admin.get(
        f"/api/v1/stats/statements/{month}", params={"enterprise_id": str(park.vendor.id)}
    )
    assert Decimal(r.json()["total"]) == paid
    r = await vendor_admin.get("/api/v1/stats/statements/2026-13")
    assert r.status_code == 422
    assert "month" in r.text
    for http in (vendor_admin, client_admin, member, other, park_admin):
        await http.aclose()
