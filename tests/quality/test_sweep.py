"""Quality control on a running job, through the labeling API and the sweep: consensus, the
labels' outcomes, dynamic overlap, early stop, gold and pauses, and counters that always equal
a recount."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.labeling.checker import check
from app.models import (
    ConsensusState,
    ItemConsensus,
    JobAnnotator,
    JobQuality,
    Label,
    LabelingJob,
    LabelStatus,
)
from app.quality.refit import refit
from app.quality.sweep import sweep
from tests.factories import make_dataset
from tests.labeling.conftest import Annotator, Park

POS, NEG = {"label": "positive"}, {"label": "negative"}


async def _configure(db: AsyncSession, park: Park, **settings: Any) -> None:
    await db.execute(update(LabelingJob).where(LabelingJob.id == park.job.id).values(**settings))
    await db.commit()


async def _label_all(a: Annotator, answer: Any) -> int:
    """Label every item the annotator can get; returns how many."""
    n = 0
    while (assignment := await a.next_assignment()) is not None:
        r = await a.submit(assignment, answer)
        assert r.status_code == 200, r.text
        n += 1
    return n


async def _sweep(app: FastAPI) -> int:
    return await sweep(app.state.sessionmaker)


async def _consensus(db: AsyncSession, job_id: uuid.UUID) -> list[ItemConsensus]:
    rows = await db.scalars(
        select(ItemConsensus)
        .where(ItemConsensus.job_id == job_id)
        .order_by(ItemConsensus.item_id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


RECOUNT = text("""
SELECT l.annotator_id,
       count(*) AS labels,
       count(*) FILTER (WHERE l.is_gold AND l.counted AND l.agrees IS NOT NULL) AS gold_total,
       count(*) FILTER (WHERE l.is_gold AND l.counted AND l.agrees) AS gold_correct,
       count(*) FILTER (WHERE NOT l.is_gold AND l.counted AND l.agrees IS NOT NULL) AS decided,
       count(*) FILTER (WHERE NOT l.is_gold AND l.counted AND l.agrees) AS agreed
FROM labels l WHERE l.job_id = :job GROUP BY l.annotator_id
""")


async def _standing(db: AsyncSession, job_id: uuid.UUID) -> list[JobAnnotator]:
    rows = await db.scalars(
        select(JobAnnotator)
        .where(JobAnnotator.job_id == job_id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def _assert_counters_match_recount(db: AsyncSession, job_id: uuid.UUID) -> None:
    recount = {r.annotator_id: r for r in await db.execute(RECOUNT, {"job": job_id})}
    stored = {ja.annotator_id: ja for ja in await _standing(db, job_id)}
    assert recount, "no labels"
    for who, r in recount.items():
        ja = stored[who]
        got = (ja.labels, ja.gold_total, ja.gold_correct, ja.decided, ja.agreed)
        assert got == (r.labels, r.gold_total, r.gold_correct, r.decided, r.agreed), who


async def test_two_of_three_decide_and_labels_are_judged(park: Park, db: AsyncSession) -> None:
    a, b, c = [await park.annotator(db) for _ in range(3)]
    await _label_all(a, POS)
    await _label_all(b, POS)
    await _label_all(c, NEG)
    dissenter = c.user.id
    assert await _sweep(park.app) == 18  # one inbox row per label

    rows = await _consensus(db, park.job.id)
    assert len(rows) == 6
    for row in rows:
        assert row.state is ConsensusState.DECIDED
        assert row.answer == POS
        assert row.n_labels == 3
        # Symmetric prior (each annotator right 75% of the time, 3 classes): 2 vs 1 → 36/43.
        assert abs(row.confidence - 36 / 43) < 1e-9
        assert abs((row.agreement or 0) - 1 / 3) < 1e-9
    statuses = await db.execute(select(Label.annotator_id, Label.status, Label.agrees))
    for who, status, agrees in statuses:
        dissent = who == dissenter
        assert agrees is (not dissent)
        assert status is (LabelStatus.REJECTED if dissent else LabelStatus.ACCEPTED)
    await _assert_counters_match_recount(db, park.job.id)
    assert await _sweep(park.app) == 0  # nothing left in the inbox


async def test_unsure_items_get_one_more_annotator_up_to_the_maximum(
    park: Park, db: AsyncSession
) -> None:
    job_id = park.job.id
    await _configure(db, park, qc_target=0.95, max_overlap=4)
    a, b, c, d, e = [await park.annotator(db) for _ in range(5)]
    for who, answer in ((a, POS), (b, POS), (c, NEG)):
        await _label_all(who, answer)
    await _sweep(park.app)
    assert {r.state for r in await _consensus(db, job_id)} == {ConsensusState.OPEN}

    assert await _label_all(d, POS) == 6  # the fourth slot of every task
    await _sweep(park.app)
    rows = await _consensus(db, job_id)
    assert {r.state for r in rows} == {ConsensusState.DECIDED}
    assert all(r.n_labels == 4 and r.confidence > 0.95 for r in rows)
    assert await _label_all(e, POS) == 0  # no fifth: they are decided
    assert (await check(db, job_id)).ok


async def test_still_unsure_at_the_maximum_goes_to_review(park: Park, db: AsyncSession) -> None:
    await _configure(db, park, qc_target=0.95, max_overlap=4)
    a, b, c, d = [await park.annotator(db) for _ in range(4)]
    for who, answer in ((a, POS), (b, NEG), (c, POS), (d, NEG)):
        await _label_all(who, answer)
        await _sweep(park.app)
    rows = await _consensus(db, park.job.id)
    assert {(r.state, r.review_reason) for r in rows} == {(ConsensusState.REVIEW, "low_agreement")}
    # Undecided: nobody's label is judged yet.
    assert {s for (s,) in await db.execute(select(Label.status))} == {LabelStatus.PENDING}


async def test_confident_items_stop_early(park: Park, db: AsyncSession) -> None:
    job_id = park.job.id
    await _configure(db, park, early_stop_after=2)
    a, b, c = [await park.annotator(db) for _ in range(3)]
    await _label_all(a, POS)
    await _label_all(b, POS)
    await _sweep(park.app)
    rows = await _consensus(db, job_id)
    assert {r.state for r in rows} == {ConsensusState.DECIDED}
    assert await _label_all(c, POS) == 0  # the third slots were retired
    assert (await check(db, job_id)).ok


async def test_wrong_gold_answers_pause_the_annotator_with_a_reason(
    park: Park, db: AsyncSession
) -> None:
    job_id = park.job.id
    await _configure(db, park, gold_rate=0.5, min_gold=2, min_gold_accuracy=0.8)
    await make_dataset(db, park.job, ["金标 1", "金标 2", "金标 3"], gold_answers=[NEG] * 3)
    await db.commit()
    bad = await park.annotator(db)
    bad_id = bad.user.id
    labeled = 0
    while (assignment := await bad.next_assignment()) is not None and labeled < 12:
        assert (await bad.submit(assignment, POS)).status_code == 200
        labeled += 1
        await _sweep(park.app)
    ja = await db.get(JobAnnotator, (job_id, bad_id), populate_existing=True)
    assert ja is not None
    assert ja.paused
    assert ja.gold_total >= 2
    assert ja.gold_correct == 0
    assert ja.pause_reason
    assert "gold accuracy 0%" in ja.pause_reason
    r = await bad.next()
    assert r.json()["reason"] == "no_jobs"
    r = await bad.http.get(f"/api/v1/jobs/{job_id}/annotators")
    (mine,) = r.json()["items"]
    assert mine["paused"]
    assert mine["pause_reason"] == ja.pause_reason
    assert mine["gold_accuracy"] == 0
    assert mine["gold_accuracy_ci"][0] == 0
    await _assert_counters_match_recount(db, job_id)


async def test_counters_equal_a_recount_after_random_work(park: Park, db: AsyncSession) -> None:
    await _configure(db, park, max_overlap=5, qc_target=0.9, gold_rate=0.2)
    await make_dataset(db, park.job, ["g1", "g2"], gold_answers=[POS, NEG])
    await db.commit()
    rng = random.Random(11)
    people = [await park.annotator(db) for _ in range(6)]
    for _ in range(4):
        for a in people:
            assignment = await a.next_assignment()
            if assignment is None:
                continue
            answer = rng.choice([POS, POS, NEG, {"label": "neutral"}])
            assert (await a.submit(assignment, answer)).status_code == 200
        await _sweep(park.app)
    await _assert_counters_match_recount(db, park.job.id)
    assert (await check(db, park.job.id)).ok


async def test_refit_learns_who_is_reliable(park: Park, db: AsyncSession) -> None:
    job_id = park.job.id
    await make_dataset(db, park.job, [f"更多 {i}" for i in range(30)])
    await _configure(db, park, qc_target=0.9)
    good = [await park.annotator(db) for _ in range(2)]
    noisy = await park.annotator(db)
    good_ids, noisy_id = [a.user.id for a in good], noisy.user.id
    for a in good:
        await _label_all(a, POS)
    rng = random.Random(3)
    while (assignment := await noisy.next_assignment()) is not None:
        await noisy.submit(assignment, rng.choice([POS, NEG, {"label": "neutral"}]))
    await _sweep(park.app)
    before = {r.item_id: (r.state, r.answer, r.method) for r in await _consensus(db, job_id)}
    async with park.app.state.sessionmaker() as s, s.begin():
        metrics = await refit(s, job_id)
    assert metrics is not None
    assert metrics["krippendorff_alpha"] is not None
    standing = {ja.annotator_id: ja.est_accuracy or 0.0 for ja in await _standing(db, job_id)}
    assert all(standing[g] > 0.75 for g in good_ids), standing
    assert standing[noisy_id] < min(standing[g] for g in good_ids)
    await _sweep(park.app)  # the refit queued the undecided items for judging again
    after = {r.item_id: (r.state, r.answer, r.method) for r in await _consensus(db, job_id)}
    undecided = [i for i, (state, _, _) in before.items() if state is not ConsensusState.DECIDED]
    # Under the 75% prior two against one is 0.84 < 0.9: those items waited for review and
    # are judged again with the fitted model.
    assert undecided
    assert all(after[i][2] == "dawid_skene" for i in undecided)
    # Decided items keep their decision (and their labels' status) through a refit.
    assert all(after[i] == v for i, v in before.items() if v[0] is ConsensusState.DECIDED)


async def test_without_overlap_there_is_no_model_to_fit_and_each_label_stands(
    park: Park, db: AsyncSession
) -> None:
    # Overlap 1: no item is cross-checked, so a refit learns nothing and estimates nobody (it
    # used to credit each annotator with agreeing with themselves).
    job_id = park.job.id
    await _configure(db, park, overlap=1)
    await make_dataset(db, park.job, [f"单独 {i}" for i in range(12)])
    solo = await park.annotator(db)
    assert await _label_all(solo, NEG) == 6 + 12  # with the park's six texts
    await _sweep(park.app)
    async with park.app.state.sessionmaker() as s, s.begin():
        assert await refit(s, job_id) is not None
    (standing,) = await _standing(db, job_id)
    assert standing.est_accuracy is None
    quality = await db.get(JobQuality, job_id, populate_existing=True)
    assert quality is not None
    assert quality.model is None
    await _sweep(park.app)
    decided = [c for c in await _consensus(db, job_id) if c.state is ConsensusState.DECIDED]
    assert len(decided) == 18
    assert {c.answer["label"] for c in decided} == {"negative"}


async def test_annotators_see_their_own_standing(park: Park, db: AsyncSession) -> None:
    job_id = park.job.id
    await _configure(db, park, gold_rate=0.5, min_gold=1, min_gold_accuracy=0.9)
    await make_dataset(db, park.job, ["金标"], gold_answers=[NEG])
    await db.commit()
    a, other = await park.annotator(db), await park.annotator(db)
    while (assignment := await a.next_assignment()) is not None:
        await a.submit(assignment, POS)
        await _sweep(park.app)
    (mine,) = (await a.http.get("/api/v1/labeling/standing")).json()
    assert mine["job_id"] == str(job_id)
    assert mine["gold_total"] == 1
    assert mine["gold_correct"] == 0
    assert mine["paused"]
    assert "gold accuracy 0%" in mine["pause_reason"]
    assert (await other.http.get("/api/v1/labeling/standing")).json() == []


async def test_too_fast_labels_flag_the_annotator(park: Park, db: AsyncSession) -> None:
    job_id = park.job.id
    await make_dataset(db, park.job, [f"快速 {i}" for i in range(10)])
    await _configure(db, park, min_seconds_per_item=2)
    hasty = await park.annotator(db)
    hasty_id = hasty.user.id
    while (assignment := await hasty.next_assignment()) is not None:
        assert (await hasty.submit(assignment, POS, active_ms=300)).status_code == 200
    await _sweep(park.app)
    ja = await db.get(JobAnnotator, (job_id, hasty_id), populate_existing=True)
    assert ja is not None
    assert ja.fast_labels == ja.labels == 16
    assert ja.flag_reason == "16 of 16 labels took less than 2 s (suspiciously fast)"
    assert not ja.paused  # a flag, not a pause


async def test_discounted_labels_stop_counting_and_the_item_is_judged_again(
    park: Park, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = park.job.id
    await _configure(
        db, park, gold_rate=0.5, min_gold=1, min_gold_accuracy=0.9, on_pause="discount"
    )
    await make_dataset(db, park.job, ["金标"], gold_answers=[POS])
    await db.commit()
    bad = await park.annotator(db)
    bad_id = bad.user.id
    # The gold draw is random per request; make it come first, then plain items.
    draws = iter([0.0] + [0.99] * 3)
    monkeypatch.setattr("app.labeling.service.random.random", lambda: next(draws))
    for _ in range(4):  # the gold item (wrong), then three texts
        assignment = await bad.next_assignment()
        assert assignment is not None
        assert (await bad.submit(assignment, NEG)).status_code == 200
    monkeypatch.undo()
    await _sweep(park.app)  # the wrong gold answer pauses `bad`: pending labels discounted
    good = [await park.annotator(db) for _ in range(2)]
    for a in good:  # right on the gold item (whenever it comes)
        await _label_all(a, POS)
    await _sweep(park.app)
    ja = await db.get(JobAnnotator, (job_id, bad_id), populate_existing=True)
    assert ja is not None
    assert ja.paused
    assert ja.gold_total == 1
    labels = (
        await db.execute(
            select(Label.counted, Label.status).where(
                Label.annotator_id == bad_id, Label.is_gold.is_(False)
            )
        )
    ).all()
    assert labels
    assert all(not counted and status is LabelStatus.REJECTED for counted, status in labels)
    # The two agreeing labels left on each of those items decide it (their third slot was
    # used by the discounted label); the other items still have a slot open.
    rows = await _consensus(db, job_id)
    decided = [r for r in rows if r.state is ConsensusState.DECIDED]
    assert len(decided) == 3
    assert all(r.answer == POS and r.n_labels == 2 for r in decided)
    assert {r.state for r in rows if r not in decided} == {ConsensusState.OPEN}
    await _assert_counters_match_recount(db, job_id)
    assert (await check(db, job_id)).ok
