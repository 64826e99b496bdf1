"""Many annotators racing on one job over the real API and PostgreSQL.

A seeded crowd leases, thinks, submits, retries (one after the other and both at once), skips,
asks twice, and walks away from leases that are then forced to expire and swept, sometimes
submitting late. When the queue has run dry the database must satisfy every invariant of the
checker, each item must have exactly k labels from k different people, and every submission
the API acknowledged must be there, with replays returning the very same labels.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import Response
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.jobs import lifecycle
from app.kit.db import session_scope
from app.labeling import repository as repo
from app.labeling.checker import check
from app.models import Assignment, EnterpriseKind, JobStatus, Label, LabelingJob, Role
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

K = 3
ANSWERS = [{"label": "positive"}, {"label": "negative"}, {"label": "neutral"}]

# The slot first, then the assignment: the lock order of every labeling write.
_EXPIRE_SLOT = text("""
UPDATE task_slots SET lease_until = clock_timestamp()
WHERE id = (SELECT slot_id FROM assignments WHERE id = :id) AND assignment_id = :id
  AND state = 'leased'
""")
_EXPIRE_ASSIGNMENT = text("""
UPDATE assignments SET lease_until = coalesce(
    (SELECT lease_until FROM task_slots WHERE assignment_id = :id AND state = 'leased'),
    clock_timestamp())
WHERE id = :id AND state = 'leased'
""")


@dataclass
class Crowd:
    """Shared state of one race, and what the API promised along the way."""

    app: FastAPI
    job_id: uuid.UUID
    seed: int
    annotators: list[Annotator]
    # Work freed (skip, expiry) bumps the version; the queue is dry once every worker has
    # seen it empty twice since the last bump. Sticky: gold items come at random, so a worker
    # may still get one after that, but no regular work can appear any more.
    version: int = 0
    idle: dict[int, tuple[int, int]] = field(default_factory=dict)
    finished: bool = False
    acknowledged: dict[uuid.UUID, list[int]] = field(default_factory=dict)  # -> label ids
    stats: Counter[str] = field(default_factory=Counter)

    def saw_nothing(self, i: int, version: int) -> None:
        seen, count = self.idle.get(i, (-1, 0))
        self.idle[i] = (version, count + 1 if seen == version else 1)

    def busy(self, i: int) -> None:
        self.idle[i] = (-1, 0)

    def freed(self) -> None:
        self.version += 1

    def dry(self) -> bool:
        seen = [self.idle.get(i, (-1, 0)) for i in range(len(self.annotators))]
        if all(version == self.version and count >= 2 for version, count in seen):
            self.finished = True
        return self.finished

    def ack(self, sid: uuid.UUID, body: dict[str, Any]) -> None:
        ids = sorted(la["id"] for la in body["labels"])
        assert ids, body
        first = self.acknowledged.setdefault(sid, ids)
        assert first == ids, (sid, first, ids)  # a replay returns the very same labels


async def _force_expire(crowd: Crowd, assignment_id: int) -> None:
    """The annotator walked away: the lease runs out now and the sweep returns the slot."""
    maker = crowd.app.state.sessionmaker
    async with session_scope(maker) as s:
        await s.execute(_EXPIRE_SLOT, {"id": assignment_id})
        await s.execute(_EXPIRE_ASSIGNMENT, {"id": assignment_id})
    async with session_scope(maker) as s:
        await repo.expire_leases(s, crowd.job_id)


async def _submit(
    crowd: Crowd, a: Annotator, asg: dict[str, Any], rng: random.Random, *, late: bool = False
) -> None:
    sid = uuid.UUID(int=rng.getrandbits(128), version=4)
    answer = rng.choice(ANSWERS)
    mode = rng.random()
    rs: list[Response]
    if not late and mode < 0.075:  # a double click: the same submission twice at once
        rs = list(await asyncio.gather(a.submit(asg, answer, sid), a.submit(asg, answer, sid)))
        assert [r.status_code for r in rs] == [200, 200], [r.text for r in rs]
        assert sorted(r.json()["replayed"] for r in rs) == [False, True]
        crowd.stats["concurrent_retries"] += 1
    else:
        rs = [await a.submit(asg, answer, sid)]
        if late and rs[0].status_code == 409:
            assert rs[0].json()["error"] == "LeaseLost", rs[0].text
            crowd.stats["late_refused"] += 1
            return
        assert rs[0].status_code == 200, rs[0].text
        assert rs[0].json()["replayed"] is False
        crowd.stats["late_accepted" if late else "submits"] += 1
        if mode < 0.15:  # the response was lost: the client sends it again
            await asyncio.sleep(rng.random() / 1000)
            again = await a.submit(asg, answer, sid)
            assert again.status_code == 200, again.text
            assert again.json()["replayed"] is True
            rs.append(again)
            crowd.stats["retries"] += 1
    for r in rs:
        crowd.ack(sid, r.json())


async def _handle(crowd: Crowd, a: Annotator, asg: dict[str, Any], rng: random.Random) -> None:
    await asyncio.sleep(rng.random() * 0.002)  # thinking
    roll = rng.random()
    if roll < 0.10:
        r = await a.skip(asg)
        assert r.status_code == 200, r.text
        crowd.stats["skips"] += 1
        crowd.freed()
    elif roll < 0.15:
        await _force_expire(crowd, asg["id"])
        crowd.stats["expired"] += 1
        crowd.freed()
        if rng.random() < 0.5:
            await _submit(crowd, a, asg, rng, late=True)
    else:
        await _submit(crowd, a, asg, rng)


async def _work(crowd: Crowd, i: int) -> None:
    a = crowd.annotators[i]
    rng = random.Random(f"{crowd.seed}-{i}")
    for _ in range(10_000):  # a bound, not a budget: the queue runs dry long before
        if crowd.dry():
            return
        await asyncio.sleep(rng.random() * 0.002)
        version = crowd.version
        rs: list[Response]
        if rng.random() < 0.1:  # asking twice at once (two tabs, a retried request)
            rs = list(await asyncio.gather(a.next(), a.next()))
            crowd.stats["double_next"] += 1
        else:
            rs = [await a.next()]
        got: dict[int, dict[str, Any]] = {}
        for r in rs:
            assert r.status_code == 200, r.text
            body = r.json()
            if body["assignment"] is None:
                assert body["reason"] == "all_done", body
            else:
                got[body["assignment"]["id"]] = body["assignment"]
        if not got:
            crowd.saw_nothing(i, version)
            await asyncio.sleep(0.02)
            continue
        crowd.busy(i)
        for asg in got.values():
            await _handle(crowd, a, asg, rng)
    raise AssertionError(f"annotator {i} never saw the queue run dry")


async def _crowd(
    app: FastAPI, db: AsyncSession, *, items: int, task_size: int, gold: int, people: int
) -> tuple[LabelingJob, list[Annotator], list[int]]:
    """A running k=3 job shared by two vendors (shares 1:2) and ``people`` annotators."""
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    v1 = await make_enterprise(db, EnterpriseKind.VENDOR)
    v2 = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(
        db,
        client,
        [v1, v2],
        label_schema=TEXT_CLASSES,
        data_kind="text",
        status=JobStatus.RUNNING,
        overlap=K,
        task_size=task_size,
        gold_rate=0.5 if gold else 0,  # high: each annotator is soon done with the gold
    )
    for jv in job.vendors:
        jv.share = 1 if jv.vendor_id == v1.id else 2
    await make_dataset(db, job, [f"评论 {i}" for i in range(items)], task_size=task_size)
    gold_ids: list[int] = []
    if gold:
        _, gold_items = await make_dataset(
            db, job, [f"金标准 {i}" for i in range(gold)], gold_answers=[ANSWERS[0]] * gold
        )
        gold_ids = [g.id for g in gold_items]
    team = []
    for n in range(people):
        user = await make_user(db, v1 if n % 3 == 0 else v2)
        team.append(Annotator(user, browser_client(app, await make_session_cookie(db, user))))
    await db.commit()
    return job, team, gold_ids


@pytest.mark.parametrize(
    ("task_size", "gold", "seed"), [(1, 2, 20261126), (3, 0, 7)], ids=["single", "batches"]
)
async def test_a_racing_crowd_leaves_exactly_k_labels_and_keeps_every_promise(
    app: FastAPI, db: AsyncSession, task_size: int, gold: int, seed: int
) -> None:
    job, team, gold_ids = await _crowd(app, db, items=60, task_size=task_size, gold=gold, people=30)
    crowd = Crowd(app, job.id, seed, team)
    try:
        async with asyncio.timeout(60), asyncio.TaskGroup() as tg:
            for i in range(len(team)):
                tg.create_task(_work(crowd, i))
        # Dry means dry: asked once more, one by one, nobody gets regular work.
        for a in team:
            while (got := await a.next_assignment()) is not None:
                assert {it["id"] for it in got["items"]} <= set(gold_ids), got
                assert (await a.submit(got)).status_code == 200
    finally:
        for a in team:
            await a.http.aclose()

    for event in ("submits", "retries", "concurrent_retries", "skips", "expired", "double_next"):
        assert crowd.stats[event] > 0, (event, crowd.stats)  # the seed exercised every move
    report = await check(db, job.id, acknowledged=list(crowd.acknowledged))
    assert report.ok, report.summary()
    await _assert_every_promise_kept(db, crowd, task_size)
    await _assert_exactly_k(db, job.id, people=len(team))


async def _assert_every_promise_kept(db: AsyncSession, crowd: Crowd, task_size: int) -> None:
    """Each acknowledged submission id holds exactly the labels the API answered with."""
    rows = await db.execute(
        select(Assignment.submission_id, func.array_agg(Label.id))
        .join(Label, Label.assignment_id == Assignment.id)
        .where(Assignment.job_id == crowd.job_id, Assignment.submission_id.is_not(None))
        .group_by(Assignment.submission_id)
    )
    stored = {sid: sorted(ids) for sid, ids in rows}
    assert {sid: stored.get(sid) for sid in crowd.acknowledged} == crowd.acknowledged
    assert {len(ids) for ids in crowd.acknowledged.values()} <= {1, task_size}  # gold: 1


_PER_ITEM = text("""
SELECT i.id, count(l.id), count(DISTINCT l.annotator_id),
       (SELECT count(DISTINCT a.annotator_id) FROM assignments a WHERE a.task_id = t.id)
FROM items i
JOIN tasks t ON t.dataset_id = i.dataset_id AND i.id BETWEEN t.first_item_id AND t.last_item_id
LEFT JOIN labels l ON l.item_id = i.id
WHERE i.job_id = :job AND NOT i.is_gold
GROUP BY i.id, t.id
""")


async def _assert_exactly_k(db: AsyncSession, job_id: uuid.UUID, people: int) -> None:
    """k labels from k people on every regular item, fewer only if nobody is left to ask."""
    rows = (await db.execute(_PER_ITEM, {"job": job_id})).all()
    assert len(rows) == 60
    for item, labels, labelers, tried in rows:
        assert labels == labelers <= K, (item, labels, labelers)  # nobody labeled it twice
        assert labels == K or tried == people, (item, labels, tried)
    slots: dict[str, int] = dict(
        (
            await db.execute(
                text("SELECT state, count(*) FROM task_slots WHERE job_id = :job GROUP BY state"),
                {"job": job_id},
            )
        ).all()
    )
    assert "leased" not in slots  # every lease ended: submitted, skipped or swept
    if all(r[1] == K for r in rows):
        assert set(slots) == {"done"}


async def test_no_lease_survives_completing_a_job_while_someone_asks_for_work(
    park: Park, db: AsyncSession
) -> None:
    member = await make_user(db, park.client, Role.CLIENT_MEMBER)
    await db.commit()
    principal = Principal(
        enterprise_id=park.client.id,
        enterprise_kind=EnterpriseKind.CLIENT,
        role=Role.CLIENT_MEMBER,
        user_id=member.id,
    )
    a = await park.annotator(db)
    async with session_scope(park.app.state.sessionmaker) as s:
        await lifecycle.change_status(s, principal, park.job.id, JobStatus.COMPLETED)
        # The completion holds the job row; an annotator asks for work meanwhile.
        asking = asyncio.create_task(a.next())
        await asyncio.sleep(0.5)
    r = await asking
    assert r.status_code == 200, r.text
    leased = await db.scalar(
        select(func.count()).select_from(Assignment).where(Assignment.state == "leased")
    )
    assert (r.json()["assignment"], leased) == (None, 0)
