"""The demo's quality-control job: a sentiment job with gold items and a labeled history.

Crowd annotators (``crowd1..4`` of each vendor) label about half of the job through the labeling
service, a few items each per round; the quality sweep runs after every round, as it does every
2 seconds in a running park; then the model is refitted and the sweep runs once more. Most crowd
annotators answer the known sentiment (now and then they slip); ``crowd4`` of each vendor answers
at random half the time. The QA lead's pages then show decided items, a review queue, gold
accuracy per annotator and a pause, and the other half of the job is left for annotator1..3.

The rounds are dated a few days apart over the last month (``DAYS_APART``), so the stats pages
show a history. Two settings differ from how the job then runs: it starts with one vendor and
admits the other just before the history (see ``label``), and the history runs at a higher
gold rate (see CALIBRATION_GOLD_RATE), lowered to the job's 10% afterwards through the jobs
service.

Reproducible: the crowd's answers come from a seeded generator, and so do the two draws the
labeling service leaves to chance (gold or not, which gold item).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import orjson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.principal import Principal
from app.auth.service import principal_for_user
from app.datasets import service as datasets_service
from app.datasets.schemas import IngestOptions
from app.demo.samples import SENTIMENT_GOLD, SENTIMENT_REVIEWS
from app.jobs import service as jobs
from app.jobs.label_schema import LabelDef, TextClassification
from app.jobs.schemas import JobCreate, JobUpdate
from app.kit.db import session_scope
from app.kit.storage import ObjectStore
from app.labeling import service as labeling
from app.labeling.schemas import ItemAnswer, NextRequest, SubmitRequest
from app.models import Domain, LabelingJob, Role, User
from app.quality.refit import needs_refit, refit
from app.quality.sweep import sweep

JOB_NAME = "商品评论情感（演示）"
LABELS = (
    ("positive", "正面", "#27ae60"),
    ("negative", "负面", "#e74c3c"),
    ("neutral", "中性", "#7f8c8d"),
)
CROWD = 4  # extra annotators per vendor, crowd1..crowd4
SLOPPY = f"crowd{CROWD}@"  # the last of each vendor's crowd answers at random half the time
SEED = 1
ROUNDS = 5  # rounds of labeling, each followed by a sweep
PER_ROUND = 2  # assignments each crowd annotator takes per round
# The job runs at 10% gold; its history ran at more, a calibration stretch in which most crowd
# annotators meet enough gold items (the job's min_gold) for the gold rule to judge them.
GOLD_RATE = Decimal("0.1")
CALIBRATION_GOLD_RATE = Decimal("0.3")


def crowd_people(vendor_name: str, slug: str) -> list[tuple[str, str, Role]]:
    """The vendor's crowd annotators (email, display name, role), who make the history."""
    return [
        (f"crowd{i}@{slug}.example.com", f"{vendor_name[:2]}众包{i}号", Role.ANNOTATOR)
        for i in range(1, CROWD + 1)
    ]


async def create_job(
    session: AsyncSession, client_member: Principal, vendor_id: uuid.UUID
) -> LabelingJob:
    """The job, admitted to one vendor (``label`` admits the other: see there)."""
    labels = [
        LabelDef(name=name, title=title, shortcut=str(i + 1), color=color)
        for i, (name, title, color) in enumerate(LABELS)
    ]
    return await jobs.create(
        session,
        client_member,
        JobCreate(
            name=JOB_NAME,
            domain=Domain.ECOMMERCE,
            label_schema=TextClassification(kind="text_classification", labels=labels),
            instructions="判断评论的整体情感：夸商品或服务选正面，抱怨选负面，"
            "只陈述事实、没有评价选中性。",
            overlap=3,
            max_overlap=5,
            qc_target=Decimal("0.8"),
            min_gold=3,
            min_gold_accuracy=Decimal("0.6"),
            gold_rate=CALIBRATION_GOLD_RATE,
            price_per_item=Decimal("0.05"),
            vendor_ids=[vendor_id],
        ),
    )


def _jsonl(rows: Sequence[Mapping[str, object]]) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


async def create_datasets(
    session: AsyncSession, client_member: Principal, store: ObjectStore, job: LabelingJob
) -> list[uuid.UUID]:
    """The reviews and the gold items, uploaded as JSONL the way a client would (to ingest)."""
    reviews = [
        {"text": t, "name": f"sentiment_{i + 1:02d}"} for i, (_, t) in enumerate(SENTIMENT_REVIEWS)
    ]
    gold = [
        {"text": t, "name": f"gold_{i + 1:02d}", "answer": {"label": s}}
        for i, (s, t) in enumerate(SENTIMENT_GOLD)
    ]
    ids = []
    for rows, opts, key in (
        (reviews, IngestOptions(format="jsonl", name=f"{JOB_NAME} 评论"), "demo-sentiment"),
        (
            gold,
            IngestOptions(
                format="jsonl", name=f"{JOB_NAME} 金标", gold=True, answer_field="answer"
            ),
            "demo-sentiment-gold",
        ),
    ):
        raw = _jsonl(rows)
        stored = await store.put_bytes(raw, "application/octet-stream")
        dataset = await datasets_service.create(
            session,
            client_member,
            job,
            opts,
            raw_key=stored.key,
            raw_size=stored.size,
            default_name=JOB_NAME,
            idempotency_key=key,
        )
        ids.append(dataset.id)
    return ids


# Each item's known sentiment by the name it was uploaded with (kept in the item's meta).
TRUTH = {f"sentiment_{i + 1:02d}": s for i, (s, _) in enumerate(SENTIMENT_REVIEWS)} | {
    f"gold_{i + 1:02d}": s for i, (s, _) in enumerate(SENTIMENT_GOLD)
}


@dataclass(frozen=True)
class Worker:
    principal: Principal
    careless: float  # share of answers picked at random
    seconds: tuple[int, int]  # time taken per item, in milliseconds
    # Assignments per round. The careless are quicker and do more; their last ones wait for
    # other annotators when a sweep pauses them, and so go to the review queue.
    turns: int

    def answer(self, truth: str, rng: random.Random) -> str:
        if rng.random() < self.careless:
            return rng.choice([name for name, _, _ in LABELS])
        return truth


async def _crowd(session: AsyncSession, vendors: list[uuid.UUID]) -> list[Worker]:
    users = await session.scalars(
        select(User)
        .where(User.enterprise_id.in_(vendors), User.email.like("crowd%@%"))
        .order_by(User.email)
    )
    return [
        Worker(principal_for_user(u), 0.5, (1500, 4000), 2 * PER_ROUND)
        if u.email.startswith(SLOPPY)
        else Worker(principal_for_user(u), 0.08, (3000, 12000), PER_ROUND)
        for u in users
    ]


async def _take_one(
    session: AsyncSession, store: ObjectStore, job_id: uuid.UUID, w: Worker, rng: random.Random
) -> int:
    """One assignment, labeled and submitted; returns its labels (none when the worker gets no
    work: the job is done for them, or they were paused)."""
    out = await labeling.next_assignment(session, w.principal, store, NextRequest(job_id=job_id))
    if out.assignment is None:
        return 0
    items = out.assignment.items
    answers = [
        ItemAnswer(item_id=i.id, answer={"label": w.answer(TRUTH[i.meta["name"]], rng)})
        for i in items
    ]
    await labeling.submit(
        session,
        w.principal,
        store,
        out.assignment.id,
        SubmitRequest(
            submission_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            labels=answers,
            active_ms=sum(rng.randint(*w.seconds) for _ in items),
        ),
    )
    return len(answers)


@contextmanager
def _seeded_gold_draws(seed: int) -> Iterator[None]:
    """The labeling service draws gold-or-not with the module-level generator: seed it for the
    history and give back its state afterwards."""
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


async def _round(
    maker: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    job_id: uuid.UUID,
    vendors: list[uuid.UUID],
    round_no: int,
    rng: random.Random,
) -> int:
    """Each crowd annotator takes a few assignments, in turns; returns the labels submitted."""
    submitted = 0
    async with session_scope(maker) as session:
        # Which gold item an annotator meets is drawn by PostgreSQL's random().
        await session.execute(text("SELECT setseed(:s)"), {"s": round_no / ROUNDS})
        crowd = await _crowd(session, vendors)
        rng.shuffle(crowd)
        for turn in range(max(w.turns for w in crowd)):
            for w in crowd:
                if turn < w.turns:
                    submitted += await _take_one(session, store, job_id, w, rng)
    return submitted


# The history's rounds happened weeks apart (the stats pages then show a month of work, not one
# afternoon): a round's work is moved back before the sweep counts it, so the roll-ups see it
# on its days.
DAYS_APART = 6
_BACKDATE = [
    """UPDATE assignments a SET leased_at = a.leased_at - make_interval(days => :days),
           finished_at = a.finished_at - make_interval(days => :days)
       FROM labels l JOIN qc_dirty d ON d.label_id = l.id
       WHERE d.job_id = :job AND a.id = l.assignment_id""",
    """UPDATE labels l SET submitted_at = l.submitted_at - make_interval(days => :days)
       FROM qc_dirty d WHERE d.label_id = l.id AND d.job_id = :job""",
]


async def _backdate(maker: async_sessionmaker[AsyncSession], job_id: uuid.UUID, days: int) -> None:
    """Move the labels the sweep has not seen yet (this round's) ``days`` back."""
    async with session_scope(maker) as session:
        for statement in _BACKDATE:
            await session.execute(text(statement), {"job": job_id, "days": days})


async def label(
    maker: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    job_id: uuid.UUID,
    client_member: Principal,
    second_vendor: uuid.UUID,
) -> None:
    """The crowd's history on the running job (see the module docstring)."""
    # The second vendor is admitted now, in a transaction of its own: slot lanes are split
    # between vendors in admission order, and two vendors admitted at the same moment would be
    # ordered by their (random) ids, making the history differ from one run to the next.
    async with session_scope(maker) as session:
        job = await jobs.get(session, client_member, job_id)
        vendors = [*job.vendor_ids, second_vendor]
        await jobs.update(session, client_member, job_id, JobUpdate(vendor_ids=vendors))
    rng = random.Random(SEED)
    labels = fitted = 0
    with _seeded_gold_draws(SEED):
        for round_no in range(ROUNDS):
            labels += await _round(maker, store, job_id, vendors, round_no, rng)
            await _backdate(maker, job_id, DAYS_APART * (ROUNDS - 1 - round_no) + 1)
            await sweep(maker)
            # Refit as the park does when a job's labels grow (and once more at the end, so
            # every annotator has an estimate), then judge the undecided items again.
            if needs_refit(labels, fitted) or round_no == ROUNDS - 1:
                async with session_scope(maker) as session:
                    await refit(session, job_id)
                await sweep(maker)
                fitted = labels
    async with session_scope(maker) as session:
        await jobs.update(session, client_member, job_id, JobUpdate(gold_rate=GOLD_RATE))
