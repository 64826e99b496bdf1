"""The QA lead's review through the API: the queue, side-by-side labels, accept / pick /
correct / reject with rework, the record of every decision, and who may do it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.labeling.checker import check
from app.models import (
    EnterpriseKind,
    ItemConsensus,
    Label,
    LabelingJob,
    Review,
    Role,
)
from app.quality.refit import refit
from app.quality.sweep import sweep
from tests.factories import (
    browser_client,
    make_dataset,
    make_enterprise,
    make_session_cookie,
    make_user,
)
from tests.labeling.conftest import Park

POS, NEG, NEU = {"label": "positive"}, {"label": "negative"}, {"label": "neutral"}


async def _http_as(park: Park, db: AsyncSession, role: Role, enterprise: Any = None) -> AsyncClient:
    user = await make_user(db, enterprise or park.vendor, role)
    cookie = await make_session_cookie(db, user)
    await db.commit()
    return browser_client(park.app, cookie)


@pytest.fixture
async def qa(park: Park, db: AsyncSession) -> Any:
    http = await _http_as(park, db, Role.QA_LEAD)
    yield http
    await http.aclose()


async def _disagree_on_everything(park: Park, db: AsyncSession) -> uuid.UUID:
    """Three annotators, three different answers on each item: all go to review."""
    job_id = park.job.id
    for answer in (POS, NEG, NEU):
        a = await park.annotator(db)
        while (assignment := await a.next_assignment()) is not None:
            assert (await a.submit(assignment, answer)).status_code == 200
    await sweep(park.app.state.sessionmaker)
    return job_id


async def test_queue_shows_every_label_side_by_side(
    park: Park, db: AsyncSession, qa: AsyncClient
) -> None:
    job_id = await _disagree_on_everything(park, db)
    r = await qa.get(f"/api/v1/jobs/{job_id}/review", params={"limit": 2})
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 6
    assert len(page["items"]) == 2
    first = page["items"][0]
    assert first["consensus"]["state"] == "review"
    assert first["consensus"]["review_reason"] == "low_agreement"
    assert first["text"]
    assert first["kind"] == "text"
    assert sorted(lab["answer"]["label"] for lab in first["labels"]) == [
        "negative",
        "neutral",
        "positive",
    ]
    # Same vendor: the QA lead sees their annotators' names.
    assert all(lab["display_name"] for lab in first["labels"])

    report = (await qa.get(f"/api/v1/jobs/{job_id}/quality")).json()
    assert report["items"]["review"] == 6
    assert report["method"] == "dawid_skene"
    assert report["label_kind"] == "text_classification"


async def test_correct_pick_accept_are_recorded_and_judge_the_labels(
    park: Park, db: AsyncSession, qa: AsyncClient
) -> None:
    job_id = await _disagree_on_everything(park, db)
    items = [i["item_id"] for i in (await qa.get(f"/api/v1/jobs/{job_id}/review")).json()["items"]]

    r = await qa.post(
        f"/api/v1/jobs/{job_id}/items/{items[0]}/review",
        json={"action": "correct", "answer": {"label": "negative"}},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["consensus"]["state"] == "reviewed"
    assert out["consensus"]["answer"] == NEG
    (record,) = out["history"]
    assert record["action"] == "correct"
    assert record["reviewer_name"]  # the QA lead's own name, shown to their enterprise
    assert record["after"] == NEG
    by_answer = {lab["answer"]["label"]: lab for lab in out["labels"]}
    assert by_answer["negative"]["agrees"] is True
    assert by_answer["negative"]["status"] == "accepted"
    assert by_answer["positive"]["status"] == "rejected"

    pick = next(lab for lab in out["labels"] if lab["answer"] == POS)
    r = await qa.post(
        f"/api/v1/jobs/{job_id}/items/{items[1]}/review",
        json={"action": "pick", "label_id": pick["label_id"]},
    )
    assert r.status_code == 404  # that label belongs to another item
    other = (await qa.get(f"/api/v1/jobs/{job_id}/items/{items[1]}/review")).json()
    pick = next(lab for lab in other["labels"] if lab["answer"] == POS)
    r = await qa.post(
        f"/api/v1/jobs/{job_id}/items/{items[1]}/review",
        json={"action": "pick", "label_id": pick["label_id"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["consensus"]["answer"] == POS

    r = await qa.post(f"/api/v1/jobs/{job_id}/items/{items[2]}/review", json={"action": "accept"})
    assert r.status_code == 200, r.text
    assert r.json()["consensus"]["state"] == "reviewed"

    assert (await db.scalar(select(Review.id).where(Review.item_id == items[0]))) is not None
    remaining = (await qa.get(f"/api/v1/jobs/{job_id}/review")).json()
    assert remaining["total"] == 3


async def test_bad_review_requests_are_refused_with_the_field(
    park: Park, db: AsyncSession, qa: AsyncClient
) -> None:
    job_id = await _disagree_on_everything(park, db)
    item = (await qa.get(f"/api/v1/jobs/{job_id}/review")).json()["items"][0]["item_id"]
    url = f"/api/v1/jobs/{job_id}/items/{item}/review"
    r = await qa.post(url, json={"action": "correct", "answer": {"label": "cat"}})
    assert r.status_code == 422
    assert "answer.label" in r.text
    r = await qa.post(url, json={"action": "reject"})
    assert r.status_code == 422
    assert "comment" in r.text
    r = await qa.post(url, json={"action": "pick"})
    assert r.status_code == 422
    assert "label_id" in r.text
    assert await db.scalar(select(Review.id)) is None  # nothing written


async def test_reject_sends_the_item_back_with_the_comment(
    park: Park, db: AsyncSession, qa: AsyncClient
) -> None:
    job_id = await _disagree_on_everything(park, db)
    item = (await qa.get(f"/api/v1/jobs/{job_id}/review")).json()["items"][0]["item_id"]
    r = await qa.post(
        f"/api/v1/jobs/{job_id}/items/{item}/review",
        json={"action": "reject", "comment": "看清楚：这是负面评论"},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["consensus"]["state"] == "rework"
    assert all(not lab["counted"] and lab["status"] == "rejected" for lab in out["labels"])

    # Three new annotators relabel it; each sees the reviewer's comment.
    fresh = [await park.annotator(db) for _ in range(3)]
    for a in fresh:
        assignment = await a.next_assignment(job_id=str(job_id))
        assert assignment is not None
        assert assignment["items"][0]["id"] == item
        assert assignment["rework"] == [{"item_id": item, "note": "看清楚：这是负面评论"}]
        assert (await a.submit(assignment, NEG)).status_code == 200
    await sweep(park.app.state.sessionmaker)
    consensus = await db.get(ItemConsensus, item, populate_existing=True)
    assert consensus is not None
    assert consensus.state.value == "decided"
    assert consensus.answer == NEG
    assert consensus.rework_note is None
    statuses = (await db.execute(select(Label.status).where(Label.item_id == item))).scalars()
    assert sorted(s.value for s in statuses) == ["accepted"] * 3 + ["rejected"] * 3
    assert (await check(db, job_id)).ok


async def test_annotators_cannot_review_and_gold_is_not_reviewable(
    park: Park, db: AsyncSession
) -> None:
    job_id = park.job.id
    await db.execute(update(LabelingJob).where(LabelingJob.id == job_id).values(gold_rate=0.5))
    _, gold_items = await make_dataset(db, park.job, ["金标"], gold_answers=[NEG])
    gold_id = gold_items[0].id
    await db.commit()
    a = await park.annotator(db)
    r = await a.http.get(f"/api/v1/jobs/{job_id}/review")
    assert r.status_code == 403
    r = await a.http.get(f"/api/v1/jobs/{job_id}/quality")
    assert r.status_code == 403
    qa = await _http_as(park, db, Role.QA_LEAD)
    r = await qa.get(f"/api/v1/jobs/{job_id}/items/{gold_id}/review")
    assert r.status_code == 404
    # Another vendor's QA lead does not even see the job.
    stranger = await make_enterprise(db, EnterpriseKind.VENDOR)
    other = await _http_as(park, db, Role.QA_LEAD, stranger)
    assert (await other.get(f"/api/v1/jobs/{job_id}/review")).status_code == 404
    await qa.aclose()
    await other.aclose()


async def test_pause_and_resume_by_hand(park: Park, db: AsyncSession, qa: AsyncClient) -> None:
    job_id = park.job.id
    a = await park.annotator(db)
    who = a.user.id
    held = await a.next_assignment()
    assert held is not None
    url = f"/api/v1/jobs/{job_id}/annotators/{who}/pause"
    assert (await qa.put(url, json={"paused": True})).status_code == 422  # a reason is required
    r = await qa.put(url, json={"paused": True, "reason": "请重新阅读标注规范"})
    assert r.status_code == 204, r.text
    assert (await a.submit(held)).status_code == 409  # the lease was taken back
    assert (await a.next()).json()["reason"] == "no_jobs"
    standing = (await a.http.get(f"/api/v1/jobs/{job_id}/annotators")).json()["items"][0]
    assert standing["paused"]
    assert standing["pause_reason"] == "请重新阅读标注规范"
    assert (await qa.put(url, json={"paused": False})).status_code == 204
    assert await a.next_assignment() is not None


async def test_gold_answers_never_reach_annotators(park: Park, db: AsyncSession) -> None:
    """Not even on a job that shows others' labels: a gold item looks like any other."""
    job_id = park.job.id
    await db.execute(
        update(LabelingJob).where(LabelingJob.id == job_id).values(gold_rate=0.5, blind=False)
    )
    secret = {"label": "neutral", "note": "金标答案-不可泄露"}
    _, gold_items = await make_dataset(db, park.job, ["金标"], gold_answers=[secret])
    gold_id = gold_items[0].id
    await db.commit()
    seen = []
    for _ in range(3):
        a = await park.annotator(db)
        while (r := await a.next()).json()["assignment"] is not None:
            seen.append(r.text)
            assignment = r.json()["assignment"]
            seen.append((await a.submit(assignment, POS)).text)
        seen.append((await a.http.get(f"/api/v1/jobs/{job_id}/annotators")).text)
        seen.append((await a.http.get("/api/v1/labeling/standing")).text)
        seen.append((await a.http.get(f"/api/v1/jobs/{job_id}/progress")).text)
    assert any(f'"id":{gold_id}' in text for text in seen)  # the gold item was served
    assert not any("金标答案" in text for text in seen)


async def test_the_report_names_the_annotators_its_metrics_cover(
    park: Park, db: AsyncSession, qa: AsyncClient
) -> None:
    job_id = await _disagree_on_everything(park, db)
    assert (await qa.post(f"/api/v1/jobs/{job_id}/quality/refit")).status_code == 202
    async with park.app.state.sessionmaker() as s, s.begin():
        await refit(s, job_id)
    report = (await qa.get(f"/api/v1/jobs/{job_id}/quality")).json()
    assert report["metrics"]["krippendorff_alpha"] < 0  # three different answers everywhere
    names = report["annotator_names"]
    assert set(names) == set(report["metrics"]["cohen_kappa"]["annotators"])
    assert all(names.values())  # the QA lead's own vendor: names shown
    stranger = await _http_as(
        park, db, Role.QA_LEAD, await make_enterprise(db, EnterpriseKind.VENDOR)
    )
    assert (await stranger.get(f"/api/v1/jobs/{job_id}/quality")).status_code == 404
    await stranger.aclose()
