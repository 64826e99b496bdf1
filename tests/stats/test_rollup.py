"""Roll-ups equal a from-scratch recount after random activity, money adds up to the cent,
and the park's days are Asia/Shanghai days."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.labeling.checker import check
from app.models import EnterpriseKind, JobStatus, LabelingJob, Role
from app.quality.sweep import sweep
from app.stats.money import split_price
from app.stats.recount import MONTHS_TRUTH_SQL, SUMS, TABLES, truth_sql
from tests.factories import (
    TEXT_CLASSES,
    browser_client,
    make_dataset,
    make_enterprise,
    make_job,
    make_session_cookie,
    make_user,
)
from tests.labeling.conftest import Annotator, Park

ANSWERS = [{"label": "positive"}, {"label": "negative"}, {"label": "neutral"}]

JOB_ONLY = {"where_labels": "AND l.job_id = :job", "where_skips": "AND a.job_id = :job"}
MONTHS_STORED = text("""
SELECT month, vendor_id, annotator_id, days FROM annotator_months
WHERE annotator_id IN (SELECT annotator_id FROM labels WHERE job_id = :job)
""")
ITEM_MONEY = text("""
SELECT c.item_id, c.state, c.charged, coalesce(sum(l.amount), 0) AS paid,
       count(*) FILTER (WHERE l.amount > 0) AS paid_labels
FROM item_consensus c LEFT JOIN labels l ON l.item_id = c.item_id
WHERE c.job_id = :job GROUP BY c.item_id, c.state, c.charged
""")


def _rows(result: Any) -> set[tuple[Any, ...]]:
    return {tuple(r) for r in result}


async def _assert_rollups_equal_recount(db: AsyncSession, job_id: uuid.UUID) -> None:
    """Every roll-up table, row for row, equals its recount from the labels and skips."""
    for table, keys in TABLES.items():
        columns = ", ".join((*keys, *SUMS))
        recount = _rows(
            await db.execute(
                text(f"SELECT {columns} FROM ({truth_sql(table).format(**JOB_ONLY)}) t"),
                {"job": job_id},
            )
        )
        zero = " OR ".join(f"{c} <> 0" for c in SUMS)
        stored = _rows(
            await db.execute(
                text(f"SELECT {columns} FROM {table} WHERE job_id = :job AND ({zero})"),
                {"job": job_id},
            )
        )
        assert recount, table
        diff = sorted(stored - recount), sorted(recount - stored)
        assert stored == recount, f"{table}: stored only {diff[0]}; recount only {diff[1]}"
    # The test database holds this job only, so its active days are all of them.
    months = _rows(await db.execute(text(MONTHS_TRUTH_SQL.format(where_labels="", where_skips=""))))
    assert months == _rows(await db.execute(MONTHS_STORED, {"job": job_id}))


async def _assert_money_adds_up(db: AsyncSession, job_id: uuid.UUID, price: Decimal) -> None:
    for item in await db.execute(ITEM_MONEY, {"job": job_id}):
        assert item.paid == item.charged, item
        assert item.charged in (Decimal(0), price), item
        if item.state not in ("decided", "reviewed"):
            assert item.charged == 0, item


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_rollups_equal_a_recount_after_random_activity(
    park: Park, db: AsyncSession, seed: int
) -> None:
    job_id = park.job.id
    price = Decimal("0.5000")
    await db.execute(
        update(LabelingJob)
        .where(LabelingJob.id == job_id)
        .values(
            price_per_item=price, gold_rate=0.2, max_overlap=4, qc_target=0.9,
            min_gold=1, min_gold_accuracy=0.5, on_pause="discount",
        )
    )  # fmt: skip
    await make_dataset(db, park.job, [f"随机 {i}" for i in range(12)])
    await make_dataset(db, park.job, ["金标一", "金标二"], gold_answers=ANSWERS[:2])
    qa_user = await make_user(db, park.vendor, Role.QA_LEAD)
    qa = browser_client(park.app, await make_session_cookie(db, qa_user))
    await db.commit()
    rng = random.Random(seed)
    people = [await park.annotator(db) for _ in range(6)]
    for _round in range(6):
        for a in people:
            assignment = await a.next_assignment()
            if assignment is None:
                continue
            if rng.random() < 0.15:
                assert (await a.skip(assignment)).status_code == 200
                continue
            answer = ANSWERS[0] if rng.random() < 0.6 else rng.choice(ANSWERS)
            r = await a.submit(assignment, answer, active_ms=rng.randint(0, 20_000))
            assert r.status_code == 200, r.text
        await sweep(park.app.state.sessionmaker)
        queue = (await qa.get(f"/api/v1/jobs/{job_id}/review")).json()["items"]
        for item in queue[:2]:
            action = rng.choice(["accept", "correct", "reject"])
            body: dict[str, Any] = {"action": action}
            if action == "correct":
                body["answer"] = rng.choice(ANSWERS)
            if action == "reject":
                body["comment"] = "重新标注"
            r = await qa.post(f"/api/v1/jobs/{job_id}/items/{item['item_id']}/review", json=body)
            assert r.status_code in (200, 409), r.text
    await sweep(park.app.state.sessionmaker)
    await qa.aclose()
    await _assert_rollups_equal_recount(db, job_id)
    await _assert_money_adds_up(db, job_id, price)
    assert (await check(db, job_id)).ok
    # The checker notices any roll-up that drifted from its labels.
    for table, change in (
        ("work_daily", "accepted = accepted + 1"),
        ("team_daily", "earned = earned + 0.0001"),
        ("team_hourly", "gold_correct = gold_correct + 1"),
        ("annotator_months", "days = days | (1 << 29)"),
    ):
        await db.execute(text(f"UPDATE {table} SET {change}"))
        drift = (await check(db, job_id)).violations["rollup_drift"]
        assert {row[0] for row in drift} == {table}, drift
        await db.rollback()


async def test_three_agreeing_labels_share_the_price_to_the_cent(
    park: Park, db: AsyncSession
) -> None:
    job_id = park.job.id
    await db.execute(
        update(LabelingJob).where(LabelingJob.id == job_id).values(price_per_item=Decimal("1"))
    )
    await db.commit()
    for _ in range(3):
        a = await park.annotator(db)
        while (assignment := await a.next_assignment()) is not None:
            await a.submit(assignment, ANSWERS[0])
    await sweep(park.app.state.sessionmaker)
    amounts = (
        await db.execute(
            text("SELECT item_id, array_agg(amount ORDER BY id) FROM labels GROUP BY item_id")
        )
    ).all()
    assert len(amounts) == 6
    for _, shares in amounts:
        assert shares == [Decimal("0.3334"), Decimal("0.3333"), Decimal("0.3333")]
    total = await db.scalar(
        text("SELECT sum(earned) FROM work_daily WHERE job_id = :j"), {"j": job_id}
    )
    assert total == Decimal("6.0000")
    await _assert_money_adds_up(db, job_id, Decimal("1"))


def test_split_price_is_exact() -> None:
    assert split_price(Decimal("1"), 3) == [Decimal("0.3334"), Decimal("0.3333"), Decimal("0.3333")]
    assert sum(split_price(Decimal("0.0005"), 3)) == Decimal("0.0005")
    assert split_price(Decimal("2.5"), 0) == []
    for price in (Decimal("0.0001"), Decimal("12.3456"), Decimal("99999.9999")):
        for parts in range(1, 25):
            shares = split_price(price, parts)
            assert sum(shares) == price
            assert max(shares) - min(shares) <= Decimal("0.0001")


async def test_park_days_are_shanghai_days(park: Park, db: AsyncSession) -> None:
    """16:00 UTC is midnight in Shanghai: labels either side land on different days."""
    job_id = park.job.id
    a = await park.annotator(db)
    for _ in range(2):
        assignment = await a.next_assignment()
        assert assignment is not None
        await a.submit(assignment, ANSWERS[0])
    await db.execute(
        text(
            "UPDATE labels SET submitted_at = CASE WHEN id = (SELECT min(id) FROM labels)"
            " THEN TIMESTAMPTZ '2026-11-26 15:59:59+00' ELSE TIMESTAMPTZ '2026-11-26 16:00:00+00'"
            " END"
        )
    )
    await db.commit()
    await sweep(park.app.state.sessionmaker)
    days = (
        await db.execute(
            text("SELECT day::text, labels FROM work_daily WHERE job_id = :j ORDER BY day"),
            {"j": job_id},
        )
    ).all()
    assert [tuple(d) for d in days] == [("2026-11-26", 1), ("2026-11-27", 1)]


async def test_a_submission_time_is_shared_over_its_labels(app: Any, db: AsyncSession) -> None:
    """A task of three items answered in one submission: 1,000 ms of work is 334 + 333 + 333,
    not 3,000; the lease's wall time is shared the same way."""
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(
        db, client, [vendor], label_schema=TEXT_CLASSES, data_kind="text",
        status=JobStatus.RUNNING, gold_rate=0, task_size=3,
    )  # fmt: skip
    await make_dataset(db, job, ["一", "二", "三"], task_size=3)
    user = await make_user(db, vendor, Role.ANNOTATOR)
    annotator = Annotator(user, browser_client(app, await make_session_cookie(db, user)))
    await db.commit()
    assignment = await annotator.next_assignment()
    assert assignment is not None
    assert len(assignment["items"]) == 3
    r = await annotator.submit(assignment, ANSWERS[0], active_ms=1000)
    assert r.status_code == 200, r.text
    shares = (
        await db.execute(text("SELECT active_ms, lease_ms FROM labels ORDER BY item_id"))
    ).all()
    assert [s.active_ms for s in shares] == [334, 333, 333]
    leases = [s.lease_ms for s in shares]
    assert max(leases) - min(leases) <= 1
    await sweep(app.state.sessionmaker)
    day = (await db.execute(text("SELECT active_ms, lease_ms, labels FROM work_daily"))).one()
    assert day.active_ms == 1000
    assert day.lease_ms == sum(leases)
    assert day.labels == 3
    await annotator.http.aclose()
