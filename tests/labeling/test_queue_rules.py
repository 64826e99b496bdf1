"""Who gets what next: vendor lanes (fair share, work-conserving), job priority and deadline,
paused annotators, the holding limit, and blind versus open jobs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Enterprise,
    EnterpriseKind,
    JobAnnotator,
    JobStatus,
    JobVendor,
    LabelingJob,
    TaskSlot,
)
from app.models.labeling import LANES
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


async def _annotator(app: FastAPI, db: AsyncSession, vendor: Enterprise) -> Annotator:
    user = await make_user(db, vendor)
    cookie = await make_session_cookie(db, user)
    await db.commit()
    return Annotator(user, browser_client(app, cookie))


async def _running_job(
    db: AsyncSession, client: Enterprise, vendors: list[Enterprise], items: int, **kw: Any
) -> LabelingJob:
    job = await make_job(
        db,
        client,
        vendors,
        label_schema=TEXT_CLASSES,
        data_kind="text",
        status=JobStatus.RUNNING,
        gold_rate=0,
        **kw,
    )
    await make_dataset(db, job, [f"句子 {i}" for i in range(items)])
    return job


async def _lane_ranges(db: AsyncSession, job_id: uuid.UUID) -> dict[uuid.UUID, tuple[int, int]]:
    """Each vendor's lanes [lo, hi): shares stacked in admission order (then vendor id)."""
    rows = (
        await db.execute(
            select(JobVendor.vendor_id, JobVendor.share)
            .where(JobVendor.job_id == job_id)
            .order_by(JobVendor.admitted_at, JobVendor.vendor_id)
        )
    ).all()
    total = sum(share for _, share in rows)
    ranges, upto = {}, 0
    for vendor_id, share in rows:
        upto += share
        ranges[vendor_id] = (LANES * (upto - share) // total, LANES * upto // total)
    return ranges


_FREE_TASKS = text("""
SELECT min(task_id) FROM task_slots s
WHERE s.job_id = :job AND s.state = 'open' AND s.lane >= :lo AND s.lane < :hi
  AND NOT EXISTS (SELECT 1 FROM assignments a
                  WHERE a.task_id = s.task_id AND a.annotator_id = :me)
""")


async def test_a_vendor_takes_its_own_lanes_first_then_anyones(
    app: FastAPI, db: AsyncSession
) -> None:
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    v1 = await make_enterprise(db, EnterpriseKind.VENDOR)
    v2 = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await _running_job(db, client, [v1, v2], items=16)
    for jv in job.vendors:
        jv.share = 2 if jv.vendor_id == v1.id else 3
    await db.commit()
    ranges = await _lane_ranges(db, job.id)
    assert sorted(hi - lo for lo, hi in ranges.values()) == [400, 600]
    own = ranges[v1.id]
    team = [await _annotator(app, db, v1) for _ in range(3)]
    in_own = spilled = 0
    try:
        while True:
            progressed = False
            for a in team:
                params = {"job": job.id, "me": a.user.id}
                first_own = await db.scalar(_FREE_TASKS, {**params, "lo": own[0], "hi": own[1]})
                first_any = await db.scalar(_FREE_TASKS, {**params, "lo": 0, "hi": LANES})
                got = await a.next_assignment()
                if got is None:
                    assert first_any is None  # nothing left that this annotator may take
                    continue
                progressed = True
                lane, task_id = (
                    await db.execute(
                        select(TaskSlot.lane, TaskSlot.task_id).where(
                            TaskSlot.assignment_id == got["id"]
                        )
                    )
                ).one()
                if first_own is not None:  # its vendor's lanes still have work for it
                    assert own[0] <= lane < own[1], (lane, own)
                    assert task_id == first_own  # oldest task first
                    in_own += 1
                else:  # work-conserving: another vendor's free lanes rather than idle
                    assert not own[0] <= lane < own[1]
                    assert task_id == first_any
                    spilled += 1
                assert (await a.submit(got)).status_code == 200
            if not progressed:
                break
    finally:
        for a in team:
            await a.http.aclose()
    assert in_own > 0
    assert spilled > 0
    assert in_own + spilled == 16 * 3  # three annotators of one vendor did the whole job


async def test_higher_priority_then_earlier_deadline_is_served_first(
    app: FastAPI, db: AsyncSession
) -> None:
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    soon = datetime.now(UTC) + timedelta(days=1)
    jobs = {
        "no_deadline": await _running_job(db, client, [vendor], 2, overlap=1),
        "later": await _running_job(
            db, client, [vendor], 2, overlap=1, deadline=soon + timedelta(days=2)
        ),
        "urgent": await _running_job(db, client, [vendor], 2, overlap=1, deadline=soon),
        "important": await _running_job(db, client, [vendor], 2, overlap=1, priority=5),
    }
    draft = await make_job(db, client, [vendor], label_schema=TEXT_CLASSES, priority=9)
    await make_dataset(db, draft, ["草稿"])
    names = {j.id: name for name, j in jobs.items()}
    a = await _annotator(app, db, vendor)
    served = []
    async with a.http:
        while (got := await a.next_assignment()) is not None:
            served.append(names[uuid.UUID(got["job_id"])])
            assert (await a.submit(got)).status_code == 200
    assert served == ["important"] * 2 + ["urgent"] * 2 + ["later"] * 2 + ["no_deadline"] * 2


async def test_an_annotator_paused_on_a_job_gets_none_of_it(park: Park, db: AsyncSession) -> None:
    a, b = await park.annotator(db), await park.annotator(db)
    db.add(JobAnnotator(job_id=park.job.id, annotator_id=a.user.id, paused=True))
    await db.commit()
    for body in ({}, {"job_id": str(park.job.id)}):
        r = await a.next(**body)
        assert r.status_code == 200
        assert r.json() == {"assignment": None, "reason": "no_jobs"}
    assert await b.next_assignment() is not None
    row = await db.get_one(JobAnnotator, (park.job.id, a.user.id))
    row.paused = False
    await db.commit()
    assert await a.next_assignment() is not None


async def test_holding_is_capped_at_three_leases(park: Park, db: AsyncSession) -> None:
    a = await park.annotator(db)
    held: list[int] = []
    for _ in range(3):
        got = await a.next_assignment(holding=held)
        assert got is not None
        assert got["id"] not in held
        held.append(got["id"])
    r = await a.next(holding=held)
    assert r.status_code == 200
    assert r.json() == {"assignment": None, "reason": "holding_max"}
    again = await a.next_assignment(holding=held[:2])  # the third is handed back, not a 4th
    assert again is not None
    assert again["id"] == held[2]
    assert (await a.next(holding=[*held, 999])).status_code == 422


async def test_only_open_jobs_show_earlier_labels(park: Park, db: AsyncSession) -> None:
    a, b, c, d = [await park.annotator(db) for _ in range(4)]
    first = await a.next_assignment()
    assert first is not None
    assert first["others"] is None  # blind: never, even with nothing to show
    assert (await a.submit(first, {"label": "negative"})).status_code == 200
    second = await b.next_assignment()
    assert second is not None
    assert second["items"] == first["items"]
    assert second["others"] is None  # blind although a's label exists
    assert (await b.submit(second, {"label": "neutral"})).status_code == 200

    park.job.blind = False
    db.add(park.job)
    await db.commit()
    third = await c.next_assignment()
    assert third is not None
    assert third["items"] == first["items"]
    item = first["items"][0]["id"]
    assert sorted(third["others"], key=lambda o: o["answer"]["label"]) == [
        {"item_id": item, "answer": {"label": "negative"}},
        {"item_id": item, "answer": {"label": "neutral"}},
    ]
    fresh = await d.next_assignment()
    assert fresh is not None
    assert fresh["items"] != first["items"]
    assert fresh["others"] == []  # open job, nothing labeled yet on this item
