"""A job's life seen from the queue: status changes, pause, take-back, progress, overlap and
item exclusion, all through the API as the client's member and the vendors' annotators."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.labeling.checker import check
from app.models import (
    Assignment,
    AuditEvent,
    EnterpriseKind,
    Item,
    JobStatus,
    Label,
    LabelingJob,
    Role,
    Task,
    TaskSlot,
    User,
)
from app.quality.sweep import sweep
from tests.factories import (
    TEXT_CLASSES,
    browser_client,
    make_enterprise,
    make_job,
    make_session_cookie,
    make_user,
)
from tests.labeling.conftest import Annotator, Park

# Every move the lifecycle allows; asking for the state a job is already in is a no-op.
MOVES = {
    (JobStatus.DRAFT, JobStatus.RUNNING),
    (JobStatus.DRAFT, JobStatus.CANCELLED),
    (JobStatus.RUNNING, JobStatus.PAUSED),
    (JobStatus.RUNNING, JobStatus.COMPLETED),
    (JobStatus.RUNNING, JobStatus.CANCELLED),
    (JobStatus.PAUSED, JobStatus.RUNNING),
    (JobStatus.PAUSED, JobStatus.COMPLETED),
    (JobStatus.PAUSED, JobStatus.CANCELLED),
}


@pytest.fixture
async def member(park: Park, db: AsyncSession) -> AsyncIterator[AsyncClient]:
    """The job owner's member, logged in."""
    user = await make_user(db, park.client, Role.CLIENT_MEMBER)
    cookie = await make_session_cookie(db, user)
    await db.commit()
    async with browser_client(park.app, cookie) as http:
        yield http


async def _set_status(http: AsyncClient, job_id: uuid.UUID, to: str) -> dict[str, Any]:
    r = await http.post(f"/api/v1/jobs/{job_id}/status", json={"status": to})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def _progress(http: AsyncClient, job_id: uuid.UUID) -> dict[str, Any]:
    r = await http.get(f"/api/v1/jobs/{job_id}/progress")
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def _labels_by_item(db: AsyncSession, job_id: uuid.UUID) -> dict[int, int]:
    rows = await db.execute(
        select(Label.item_id, func.count()).where(Label.job_id == job_id).group_by(Label.item_id)
    )
    return {r[0]: r[1] for r in rows}


# Slot states that hold or may take a label; anything else (a slot kept only for its
# history) is out of the queue, just like a slot that does not exist.
_LIVE = ("open", "leased", "done")


async def _slots_by_task(db: AsyncSession, job_id: uuid.UUID) -> dict[int, list[tuple[int, str]]]:
    """Every task of the job, oldest first, with its live slots as (slot_no, state)."""
    tasks = await db.scalars(select(Task.id).where(Task.job_id == job_id).order_by(Task.id))
    out: dict[int, list[tuple[int, str]]] = {t: [] for t in tasks}
    rows = await db.execute(
        select(TaskSlot.task_id, TaskSlot.slot_no, TaskSlot.state)
        .where(TaskSlot.job_id == job_id)
        .order_by(TaskSlot.task_id, TaskSlot.slot_no)
    )
    for task_id, slot_no, state in rows:
        if state.value in _LIVE:
            out[task_id].append((slot_no, state.value))
    return out


async def _drain(team: list[Annotator]) -> int:
    """Round-robin next + submit until nobody gets anything; how many labels were made."""
    made = 0
    while True:
        progressed = False
        for a in team:
            got = await a.next_assignment()
            if got is not None:
                r = await a.submit(got)
                assert r.status_code == 200, r.text
                made += 1
                progressed = True
        if not progressed:
            return made


# ---------------------------------------------------------------- transitions


@pytest.mark.parametrize("after", list(JobStatus))
@pytest.mark.parametrize("before", list(JobStatus))
async def test_status_moves_follow_the_lifecycle(
    park: Park, db: AsyncSession, member: AsyncClient, before: JobStatus, after: JobStatus
) -> None:
    await db.execute(update(LabelingJob).where(LabelingJob.id == park.job.id).values(status=before))
    await db.commit()
    r = await member.post(f"/api/v1/jobs/{park.job.id}/status", json={"status": after})
    if before is after or (before, after) in MOVES:
        assert r.status_code == 200, r.text
        assert r.json()["status"] == after.value
    else:
        assert r.status_code == 409, r.text
        assert r.json()["error"] == "Conflict"
        assert f"a {before.value} job cannot become {after.value}" in r.json()["detail"]
    now = await db.scalar(select(LabelingJob.status).where(LabelingJob.id == park.job.id))
    assert now is (after if r.status_code == 200 else before)


async def test_a_job_starts_only_with_an_admitted_vendor(park: Park, db: AsyncSession) -> None:
    user = await make_user(db, park.client, Role.CLIENT_MEMBER)
    cookie = await make_session_cookie(db, user)
    job = await make_job(db, park.client, label_schema=TEXT_CLASSES, data_kind="text")
    await db.commit()
    async with browser_client(park.app, cookie) as http:
        r = await http.post(f"/api/v1/jobs/{job.id}/status", json={"status": "running"})
        assert r.status_code == 409, r.text
        assert "admit at least one vendor" in r.json()["detail"]
        r = await http.patch(f"/api/v1/jobs/{job.id}", json={"vendor_ids": [str(park.vendor.id)]})
        assert r.status_code == 200, r.text
        assert (await _set_status(http, job.id, "running"))["status"] == "running"


async def test_status_changes_are_audited_and_no_ops_are_not(
    park: Park, db: AsyncSession, member: AsyncClient
) -> None:
    for to in ("paused", "paused", "running", "running", "completed", "completed"):
        await _set_status(member, park.job.id, to)
    r = await member.post(f"/api/v1/jobs/{park.job.id}/status", json={"status": "cancelled"})
    assert r.status_code == 409  # refused: nothing recorded either
    events = (
        await db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "job.status", AuditEvent.target_id == str(park.job.id))
            .order_by(AuditEvent.id)
        )
    ).all()
    assert [e.changes for e in events] == [
        {"status": {"from": "running", "to": "paused"}},
        {"status": {"from": "paused", "to": "running"}},
        {"status": {"from": "running", "to": "completed"}},
    ]
    assert {(e.target_type, e.enterprise_id) for e in events} == {("labeling_job", park.client.id)}
    (actor,) = {e.actor_user_id for e in events}
    assert await db.scalar(select(User.role).where(User.id == actor)) is Role.CLIENT_MEMBER


# ---------------------------------------------------------------- pause and take-back


async def test_a_paused_job_hands_out_nothing_but_takes_work_already_held(
    park: Park, db: AsyncSession, member: AsyncClient
) -> None:
    a, b = await park.annotator(db), await park.annotator(db)
    held = await a.next_assignment()
    assert held is not None
    await _set_status(member, park.job.id, "paused")
    for who in (a, b):
        r = await who.next()
        assert r.status_code == 200
        assert r.json() == {"assignment": None, "reason": "no_jobs"}
    beat = await a.http.post(f"/api/v1/labeling/assignments/{held['id']}/heartbeat")
    assert beat.status_code == 200, beat.text
    r = await a.submit(held)
    assert r.status_code == 200, r.text
    assert r.json()["replayed"] is False
    await _set_status(member, park.job.id, "running")
    assert await b.next_assignment() is not None
    assert (await check(db, park.job.id)).ok


@pytest.mark.parametrize("final", ["completed", "cancelled"])
async def test_ending_a_job_takes_every_lease_back(
    park: Park, db: AsyncSession, member: AsyncClient, final: str
) -> None:
    a, b = await park.annotator(db), await park.annotator(db)
    done = await a.next_assignment()
    assert done is not None
    assert (await a.submit(done)).status_code == 200
    first = await a.next_assignment()
    assert first is not None
    second = await a.next_assignment(holding=[first["id"]])  # prefetched
    assert second is not None
    other = await b.next_assignment()
    assert other is not None
    held = [first["id"], second["id"], other["id"]]

    await _set_status(member, park.job.id, final)

    rows = (await db.execute(select(Assignment).where(Assignment.id.in_(held)))).scalars().all()
    assert {(x.state.value, x.finished_at is not None) for x in rows} == {("released", True)}
    slots = (
        await db.execute(
            select(TaskSlot.state, func.count())
            .where(TaskSlot.job_id == park.job.id)
            .group_by(TaskSlot.state)
        )
    ).all()
    assert {s.value: n for s, n in slots} == {"open": 17, "done": 1}
    for who, asg in ((a, first), (a, second), (b, other)):
        r = await who.submit(asg)
        assert r.status_code == 409, r.text
        assert f"is {final}; it takes no more labels" in r.json()["detail"]
        beat = await who.http.post(f"/api/v1/labeling/assignments/{asg['id']}/heartbeat")
        assert beat.status_code == 409
    assert (await a.skip(first)).status_code == 409  # taken back: nothing left to skip
    assert (await b.next()).json() == {"assignment": None, "reason": "no_jobs"}
    assert await db.scalar(select(func.count()).select_from(Label)) == 1  # done work stands
    assert (await check(db, park.job.id)).ok


# ---------------------------------------------------------------- progress


async def test_progress_counts_items_labels_leases_and_vendors(
    park: Park, db: AsyncSession, member: AsyncClient
) -> None:
    v2 = await make_enterprise(db, EnterpriseKind.VENDOR)
    await db.commit()
    r = await member.patch(
        f"/api/v1/jobs/{park.job.id}", json={"vendor_ids": [str(park.vendor.id), str(v2.id)]}
    )
    assert r.status_code == 200, r.text
    a, b, c = [await park.annotator(db) for _ in range(3)]
    d = await park.annotator(db, v2)
    # A model of the slots, kept from what the API handed out: item -> [done, held].
    model: dict[int, list[int]] = {}

    async def take(who: Annotator, submit: bool) -> dict[str, Any]:
        got = await who.next_assignment()
        assert got is not None
        state = model.setdefault(got["items"][0]["id"], [0, 0])
        if submit:
            assert (await who.submit(got)).status_code == 200
            state[0] += 1
        else:
            state[1] += 1
        return got

    for who in (a, a, b, c, a):
        await take(who, submit=True)
    await take(c, submit=False)
    await take(d, submit=False)
    skipped = await b.next_assignment()
    assert skipped is not None
    assert (await b.skip(skipped)).status_code == 200  # its slot is free again

    await sweep(park.app.state.sessionmaker)  # rolls the labels up: the current rate
    p = await _progress(member, park.job.id)
    done = sum(1 for s in model.values() if s[0] == 3)
    started = sum(1 for s in model.values() if s[0] < 3 and sum(s) > 0)
    rate = {k: p.pop(k) for k in ("labels_last_hour", "labels_last_24h", "rate_per_hour", "eta")}
    assert rate["labels_last_hour"] == rate["labels_last_24h"] == 5
    # Fewer than 20 labels in the last hour: the day's rate (5 labels over 23-24 hours).
    assert 5 / 24 <= rate["rate_per_hour"] <= 5 / 23
    eta = datetime.fromisoformat(rate["eta"]) - datetime.now(UTC)
    assert timedelta(hours=13 / (5 / 23) - 1) < eta < timedelta(hours=13 / (5 / 24) + 1)
    assert {k: v for k, v in p.items() if k != "vendors"} == {
        "job_id": str(park.job.id),
        "status": "running",
        "overlap": 3,
        "tasks": 6,
        "items_total": 6,
        "items_done": done,
        "items_in_progress": started,
        "items_remaining": 6 - done,
        "labels_needed": 18,
        "labels_submitted": 5,
        "leases_held": 2,
        "gold_labels": 0,
        "datasets_processing": 0,
    }
    rows = {v["vendor_id"]: v for v in p["vendors"]}
    assert rows == {
        str(park.vendor.id): {
            "vendor_id": str(park.vendor.id),
            "labels": 5,
            "annotators": 3,
            "held": 1,
            "skips": 1,
        },
        str(v2.id): {"vendor_id": str(v2.id), "labels": 0, "annotators": 1, "held": 1, "skips": 0},
    }
    # A vendor's people see the job's totals but only their own vendor's row.
    for who, vendor in ((a, park.vendor.id), (d, v2.id)):
        seen = await _progress(who.http, park.job.id)
        assert seen["labels_submitted"] == 5
        assert [v["vendor_id"] for v in seen["vendors"]] == [str(vendor)]
        assert seen["vendors"][0] == rows[str(vendor)]


# ---------------------------------------------------------------- overlap changes


async def test_raising_overlap_opens_one_more_slot_per_task(
    park: Park, db: AsyncSession, member: AsyncClient
) -> None:
    first = await park.annotator(db)
    got = await first.next_assignment()
    assert got is not None
    assert (await first.submit(got)).status_code == 200
    r = await member.patch(f"/api/v1/jobs/{park.job.id}", json={"overlap": 4})
    assert r.status_code == 200, r.text
    assert r.json()["overlap"] == 4
    slots = await _slots_by_task(db, park.job.id)
    assert len(slots) == 6
    assert all([n for n, _ in s] == [1, 2, 3, 4] for s in slots.values())
    team = [first, *[await park.annotator(db) for _ in range(4)]]
    assert await _drain(team) == 23
    assert set((await _labels_by_item(db, park.job.id)).values()) == {4}
    assert (await check(db, park.job.id)).ok


async def test_lowering_overlap_drops_only_free_slots(
    park: Park, db: AsyncSession, member: AsyncClient
) -> None:
    a, b, c = [await park.annotator(db) for _ in range(3)]
    first_item = None
    for who in (a, b, c):  # the first item gets all three labels (slots 1-3 done)
        got = await who.next_assignment()
        assert got is not None
        first_item = first_item or got["items"][0]["id"]
        assert got["items"][0]["id"] == first_item
        assert (await who.submit(got)).status_code == 200
    second = []
    for who in (a, b, c):
        got = await who.next_assignment()
        assert got is not None
        second.append(got)
    assert all(s["items"] == second[0]["items"] for s in second)
    for who, got in ((a, second[0]), (b, second[1])):
        assert (await who.submit(got)).status_code == 200
    # c still holds slot 3 of the second item.

    r = await member.patch(f"/api/v1/jobs/{park.job.id}", json={"overlap": 2})
    assert r.status_code == 200, r.text

    slots = list((await _slots_by_task(db, park.job.id)).values())
    assert slots[0] == [(1, "done"), (2, "done"), (3, "done")]
    assert slots[1] == [(1, "done"), (2, "done"), (3, "leased")]
    assert all(s == [(1, "open"), (2, "open")] for s in slots[2:])
    assert (await c.submit(second[2])).status_code == 200  # held work stands
    assert await _drain([a, b, c]) == 8
    labels = await _labels_by_item(db, park.job.id)
    assert sorted(labels.values(), reverse=True) == [3, 3, 2, 2, 2, 2]
    assert (await check(db, park.job.id)).ok


async def test_a_slot_above_a_lowered_overlap_is_not_handed_out_again(
    park: Park, db: AsyncSession, member: AsyncClient
) -> None:
    a, b, c = [await park.annotator(db) for _ in range(3)]
    done = await a.next_assignment()
    held = await b.next_assignment()
    assert done is not None
    assert held is not None
    assert (await a.submit(done)).status_code == 200
    r = await member.patch(f"/api/v1/jobs/{park.job.id}", json={"overlap": 1})
    assert r.status_code == 200, r.text
    assert (await b.skip(held)).status_code == 200  # slot 2 of a k=1 job comes back
    got = await c.next_assignment()
    assert got is not None
    assert got["items"] != done["items"]  # the item already has its k=1 label


# ---------------------------------------------------------------- excluding items


async def _items(db: AsyncSession, job_id: uuid.UUID) -> list[Item]:
    return list(await db.scalars(select(Item).where(Item.job_id == job_id).order_by(Item.id)))


async def test_excluding_the_only_item_of_a_task_takes_it_out_of_the_queue(
    park: Park, db: AsyncSession, member: AsyncClient
) -> None:
    items = await _items(db, park.job.id)
    target = items[0]
    url = f"/api/v1/datasets/{target.dataset_id}/items/{target.id}"
    r = await member.patch(url, json={"excluded": True})
    assert r.status_code == 200, r.text
    assert r.json()["excluded"] is True
    slots = list((await _slots_by_task(db, park.job.id)).values())
    assert slots[0] == []  # the excluded item's task has no free slot left
    assert all(len(s) == 3 for s in slots[1:])

    a = await park.annotator(db)
    seen = []
    while (got := await a.next_assignment()) is not None:
        seen.append(got["items"][0]["id"])
        assert (await a.submit(got)).status_code == 200
    assert seen == [it.id for it in items[1:]]
    assert (await a.next()).json() == {"assignment": None, "reason": "all_done"}

    r = await member.patch(url, json={"excluded": False})
    assert r.status_code == 200, r.text
    slots = list((await _slots_by_task(db, park.job.id)).values())
    assert slots[0] == [(1, "open"), (2, "open"), (3, "open")]
    back = await a.next_assignment()
    assert back is not None
    assert [it["id"] for it in back["items"]] == [target.id]
    assert (await a.submit(back)).status_code == 200
    assert (await check(db, park.job.id)).ok


async def _exclude_first_item_while_held(
    park: Park, db: AsyncSession, member: AsyncClient
) -> tuple[Annotator, dict[str, Any], Item]:
    """a labels the first item, b holds it, then the member excludes it; (b, b's lease, item)."""
    a, b = await park.annotator(db), await park.annotator(db)
    done = await a.next_assignment()
    held = await b.next_assignment()
    assert done is not None
    assert held is not None
    assert done["items"] == held["items"]
    assert (await a.submit(done)).status_code == 200
    target = (await _items(db, park.job.id))[0]
    r = await member.patch(
        f"/api/v1/datasets/{target.dataset_id}/items/{target.id}", json={"excluded": True}
    )
    assert r.status_code == 200, r.text
    return b, held, target


async def test_excluding_an_item_keeps_slots_already_handed_out(
    park: Park, db: AsyncSession, member: AsyncClient
) -> None:
    _, _, target = await _exclude_first_item_while_held(park, db, member)
    slots = await _slots_by_task(db, park.job.id)
    assert slots[min(slots)] == [(1, "done"), (2, "leased")]
    c = await park.annotator(db)
    got = await c.next_assignment()
    assert got is not None
    assert got["items"][0]["id"] != target.id
    assert (await check(db, park.job.id)).ok


async def test_work_held_when_its_item_is_excluded_can_still_be_handed_in(
    park: Park, db: AsyncSession, member: AsyncClient
) -> None:
    b, held, target = await _exclude_first_item_while_held(park, db, member)
    again = await b.next_assignment()
    assert again is not None
    assert [it["id"] for it in again["items"]] == [target.id]
    r = await b.submit(held)
    assert r.status_code == 200, r.text
