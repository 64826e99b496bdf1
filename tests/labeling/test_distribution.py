"""The pull queue over HTTP: exact overlap, never twice, leases, skips, idempotent submit."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.labeling import repository as repo
from app.labeling.checker import check
from app.models import Assignment, AssignmentState, EnterpriseKind, Label, Role, TaskSlot
from tests.labeling.conftest import Park


async def _expire(db: AsyncSession, assignment_id: int) -> None:
    """Make a lease run out now (as if the annotator walked away)."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    await db.execute(
        update(Assignment).where(Assignment.id == assignment_id).values(lease_until=past)
    )
    await db.execute(
        update(TaskSlot).where(TaskSlot.assignment_id == assignment_id).values(lease_until=past)
    )
    await db.commit()


async def test_each_item_gets_exactly_k_labels_from_k_different_annotators(
    park: Park, db: AsyncSession
) -> None:
    team = [await park.annotator(db) for _ in range(4)]
    done: dict[int, list[uuid.UUID]] = {}
    for _ in range(6):  # more rounds than needed: the queue must run dry, not overfill
        for a in team:
            got = await a.next_assignment()
            if got is None:
                continue
            r = await a.submit(got)
            assert r.status_code == 200, r.text
            done.setdefault(got["items"][0]["id"], []).append(a.user.id)
    assert len(done) == 6
    assert all(len(who) == 3 and len(set(who)) == 3 for who in done.values())
    assert await db.scalar(select(func.count()).select_from(Label)) == 18
    r = await team[0].next()
    assert r.json() == {"assignment": None, "reason": "all_done"}
    assert (await check(db, park.job.id)).ok


async def test_next_hands_back_the_lease_you_hold_with_its_draft(
    park: Park, db: AsyncSession
) -> None:
    a = await park.annotator(db)
    first = await a.next_assignment()
    assert first is not None
    item = str(first["items"][0]["id"])
    r = await a.http.put(
        f"/api/v1/labeling/assignments/{first['id']}/draft",
        json={"answers": {item: {"label": "neg"}}},
    )
    assert r.status_code == 200, r.text
    again = await a.next_assignment()  # a reload: the workstation shows nothing yet
    assert again is not None
    assert again["id"] == first["id"]
    assert again["draft"] == {item: {"label": "neg"}}
    prefetched = await a.next_assignment(holding=[first["id"]])
    assert prefetched is not None
    assert prefetched["id"] != first["id"]


async def test_submit_is_idempotent_by_submission_id(park: Park, db: AsyncSession) -> None:
    a = await park.annotator(db)
    got = await a.next_assignment()
    assert got is not None
    sid = uuid.uuid4()
    first = await a.submit(got, submission_id=sid)
    retry = await a.submit(got, submission_id=sid, answer={"label": "negative"})
    assert first.status_code == retry.status_code == 200
    assert retry.json()["replayed"] is True
    assert retry.json()["labels"] == first.json()["labels"]  # the first answer stands
    other = await a.submit(got, submission_id=uuid.uuid4())
    assert other.status_code == 409
    assert "already submitted" in other.json()["detail"]
    nxt = await a.next_assignment()
    assert nxt is not None
    reused = await a.submit(nxt, submission_id=sid)
    assert reused.status_code == 409
    assert "submission_id" in reused.json()["detail"]
    assert await db.scalar(select(func.count()).select_from(Label)) == 1


async def test_one_submission_id_sent_for_two_assignments_at_once_makes_one_label(
    park: Park, db: AsyncSession, app: FastAPI
) -> None:
    """The race the load cannot see: the other use of the id is not committed yet when this
    submit reads, so the unique index decides (at the write) and the loser gets
    409 with nothing written, and its next work not leased."""
    a = await park.annotator(db)
    first = await a.next_assignment()
    second = await a.next_assignment(holding=[first["id"]]) if first else None
    assert first is not None
    assert second is not None
    sid = uuid.uuid4()
    async with app.state.sessionmaker() as other:
        await other.execute(
            update(Assignment)
            .where(Assignment.id == first["id"])
            .values(
                submission_id=sid,
                state=AssignmentState.SUBMITTED,
                finished_at=datetime.now(UTC),
            )
        )
        await other.flush()  # holds the id in the index, uncommitted

        async def commit_soon() -> None:
            await asyncio.sleep(0.3)
            await other.commit()

        racing = asyncio.create_task(commit_soon())
        started = time.monotonic()
        r = await a.submit(second, submission_id=sid, next=True)
        waited = time.monotonic() - started
        await racing
    assert waited >= 0.25  # it got past the load and waited on the index: the race happened
    assert r.status_code == 409, r.text
    assert "submission_id" in r.json()["detail"]
    assert await db.scalar(select(func.count()).select_from(Label)) == 0
    leased = await db.scalar(
        select(func.count()).select_from(Assignment).where(Assignment.annotator_id == a.user.id)
    )
    assert leased == 2  # the failed submit leased nothing new


async def test_invalid_answers_are_refused_with_the_field(park: Park, db: AsyncSession) -> None:
    a = await park.annotator(db)
    got = await a.next_assignment()
    assert got is not None
    r = await a.submit(got, answer={"label": "sarcastic"})
    assert r.status_code == 422
    assert r.json()["fields"][0]["field"].startswith("labels[0].answer")
    r = await a.http.post(
        f"/api/v1/labeling/assignments/{got['id']}/submit",
        json={
            "submission_id": str(uuid.uuid4()),
            "labels": [{"item_id": 999_999, "answer": {}}],
            "active_ms": 5,
        },
    )
    assert r.status_code == 422
    assert "submitted whole" in r.json()["detail"]
    assert (await a.submit(got)).status_code == 200  # the lease survived the bad attempts


async def test_skip_passes_the_item_on_and_never_back(park: Park, db: AsyncSession) -> None:
    a, b = await park.annotator(db), await park.annotator(db)
    got = await a.next_assignment()
    assert got is not None
    r = await a.skip(got, "bad_data")
    assert r.status_code == 200
    assert r.json()["flagged"] is False
    assert (await a.skip(got)).status_code == 200  # same skip twice: no error, no double count
    seen_by_a = set()
    while (n := await a.next_assignment()) is not None:
        seen_by_a.add(n["items"][0]["id"])
        assert (await a.submit(n)).status_code == 200
    assert got["items"][0]["id"] not in seen_by_a
    assert len(seen_by_a) == 5
    first_for_b = await b.next_assignment()
    assert first_for_b is not None
    assert first_for_b["items"][0]["id"] == got["items"][0]["id"]  # oldest free slot first


async def test_a_skip_streak_is_flagged(park: Park, db: AsyncSession) -> None:
    park.job.max_skip_streak = 2
    db.add(park.job)
    await db.commit()
    a = await park.annotator(db)
    flags = []
    for _ in range(3):
        got = await a.next_assignment()
        assert got is not None
        flags.append((await a.skip(got)).json()["flagged"])
    assert flags == [False, True, True]


async def test_expired_lease_goes_back_to_the_pool_and_late_submit_is_refused(
    park: Park, db: AsyncSession
) -> None:
    park.job.overlap = 1
    db.add(park.job)
    await repo.sync_job_slots(db, park.job.id)
    await db.commit()
    a, b = await park.annotator(db), await park.annotator(db)
    held = await a.next_assignment()
    assert held is not None
    await _expire(db, held["id"])
    beat = await a.http.post(f"/api/v1/labeling/assignments/{held['id']}/heartbeat")
    assert beat.status_code == 200  # not swept yet: still yours, and renewed
    await _expire(db, held["id"])
    assert await repo.expire_leases(db) == 1
    await db.commit()
    taken = await b.next_assignment()
    assert taken is not None
    assert taken["items"] == held["items"]
    late = await a.submit(held)
    assert late.status_code == 409
    assert late.json()["error"] == "LeaseLost"
    beat = await a.http.post(f"/api/v1/labeling/assignments/{held['id']}/heartbeat")
    assert beat.status_code == 409
    assert (await b.submit(taken)).status_code == 200


async def test_late_submit_is_accepted_while_nobody_took_the_slot(
    park: Park, db: AsyncSession
) -> None:
    a = await park.annotator(db)
    held = await a.next_assignment()
    assert held is not None
    await _expire(db, held["id"])
    await repo.expire_leases(db)
    await db.commit()
    r = await a.submit(held)
    assert r.status_code == 200, r.text
    assert (await check(db, park.job.id)).ok


async def test_only_admitted_vendors_with_the_skill_get_work(park: Park, db: AsyncSession) -> None:
    from tests.factories import make_enterprise

    outsider_vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    outsider = await park.annotator(db, outsider_vendor)
    assert (await outsider.next()).json()["reason"] == "no_jobs"
    park.job.required_skill = "zh-sentiment"
    db.add(park.job)
    await db.commit()
    a = await park.annotator(db)
    assert (await a.next()).json()["reason"] == "no_jobs"
    a.user.skills = ["zh-sentiment"]
    db.add(a.user)
    await db.commit()
    assert await a.next_assignment() is not None


async def test_gold_items_are_mixed_in_and_never_repeated(
    park: Park, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.factories import make_dataset

    _, gold = await make_dataset(
        db, park.job, ["金标准一", "金标准二"], gold_answers=[{"label": "positive"}] * 2
    )
    park.job.gold_rate = Decimal("0.5")
    db.add(park.job)
    await db.commit()
    # Draws alternate below and above the rate: gold, regular, gold, regular, …
    draws = iter([0.1, 0.9] * 10)
    monkeypatch.setattr(random, "random", lambda: next(draws))
    a = await park.annotator(db)
    seen = []
    while (got := await a.next_assignment()) is not None:
        assert "is_gold" not in got
        assert "task_id" not in got
        seen.append(got["items"][0]["id"])
        assert (await a.submit(got)).status_code == 200
    gold_ids = {g.id for g in gold}
    assert [i in gold_ids for i in seen] == [True, False, True, False, False, False, False, False]
    assert len(set(seen)) == 8  # each gold item once, then regular work only
    done = select(func.count()).select_from(TaskSlot).where(TaskSlot.state == "done")
    assert await db.scalar(done) == 6  # gold labels use no slot of the regular work
    assert (await check(db, park.job.id)).ok


async def test_only_annotators_label(park: Park, db: AsyncSession) -> None:
    from tests.factories import browser_client, make_session_cookie, make_user

    lead = await make_user(db, park.vendor, role=Role.QA_LEAD)
    cookie = await make_session_cookie(db, lead)
    await db.commit()
    async with browser_client(park.app, cookie) as http:
        r = await http.post("/api/v1/labeling/next", json={})
    assert r.status_code == 403


async def test_standing_shows_flags_to_client_vendor_staff_and_the_annotator(
    park: Park, db: AsyncSession
) -> None:
    from tests.factories import browser_client, make_enterprise, make_session_cookie, make_user

    park.job.max_skip_streak = 2
    db.add(park.job)
    await db.commit()
    skipper, worker = await park.annotator(db), await park.annotator(db)
    for _ in range(2):
        got = await skipper.next_assignment()
        assert got is not None
        assert (await skipper.skip(got)).status_code == 200
    got = await worker.next_assignment()
    assert got is not None
    assert (await worker.submit(got)).status_code == 200
    other_vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    viewers = {
        "client": await make_user(db, park.client, Role.CLIENT_MEMBER),
        "qa": await make_user(db, park.vendor, Role.QA_LEAD),
        "outsider": await make_user(db, other_vendor, Role.ENTERPRISE_ADMIN),
    }
    cookies = {k: await make_session_cookie(db, u) for k, u in viewers.items()}
    await db.commit()
    path = f"/api/v1/jobs/{park.job.id}/annotators"
    for who in ("client", "qa"):
        async with browser_client(park.app, cookies[who]) as http:
            rows = (await http.get(path)).json()["items"]
            flagged = (await http.get(path, params={"flagged": "true"})).json()["items"]
        assert [r["annotator_id"] for r in rows] == [str(skipper.user.id), str(worker.user.id)]
        assert rows[0]["flag_reason"] == "2 skips in a row"
        assert (rows[0]["skips"], rows[1]["labels"]) == (2, 1)
        assert [r["annotator_id"] for r in flagged] == [str(skipper.user.id)]
    mine = (await skipper.http.get(path)).json()["items"]
    assert [r["annotator_id"] for r in mine] == [str(skipper.user.id)]
    async with browser_client(park.app, cookies["outsider"]) as http:
        assert (await http.get(path)).status_code == 404
