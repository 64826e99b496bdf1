"""Benchmark quality control in the running system: how fast the sweep judges submitted labels.

    .venv/bin/python bench/qc_sweep.py [--items 20000] [--annotators 300]

Seeds a running text job (k = 3, three classes) in its own embedded PostgreSQL, then writes every
slot's label at once with set-based SQL, as if the whole job had been labeled (annotators: 30%
spammers answering at random, the rest right 65-95% of the time); the labels' trigger fills the
quality inbox as the submit path does. Then it times, each on the real code:

1. the sweep draining the inbox (``app.quality.sweep.sweep``): labels judged per second;
2. a Dawid-Skene refit of the job (``app.quality.refit.refit``) with its metrics;
3. the sweep judging every item again with the fitted model.

Prints the figures, the accuracy of the decided answers against the generated truth, the
items by consensus state, and the process's peak memory. The park's peak is about 333 labels/s
(5,000 annotators, one label per 15 s): the sweep must stay well ahead of it.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.kit.db import create_engine, create_sessionmaker, session_scope
from app.quality.refit import refit
from app.quality.sweep import sweep
from app.runtime import database_url, migrate
from bench.ingest_common import bench_settings
from bench.labeling_loop import _seed

CLASSES = ("positive", "negative", "neutral")
SPAMMERS = 0.3


def _answers(rng: random.Random, annotators: int) -> list[float | None]:
    """Each annotator's accuracy; None for a spammer (uniformly random answers)."""
    return [None if rng.random() < SPAMMERS else rng.uniform(0.65, 0.95) for _ in range(annotators)]


_SLOTS = text("""
SELECT s.id AS slot_id, s.task_id, s.slot_no, t.first_item_id AS item_id
FROM task_slots s JOIN tasks t ON t.id = s.task_id
WHERE s.job_id = CAST(:job AS uuid) ORDER BY s.task_id, s.slot_no
""")
_PEOPLE = text("SELECT id, enterprise_id FROM users WHERE role = 'annotator' ORDER BY email")
_ASSIGN = text("""
INSERT INTO assignments (job_id, annotator_id, vendor_id, task_id, slot_id, item_ids, is_gold,
                         state, lease_until, finished_at, submission_id)
SELECT CAST(:job AS uuid), a, v, t, s, ARRAY[i], false, 'submitted', now(), now(),
       gen_random_uuid()
FROM unnest(CAST(:a AS uuid[]), CAST(:v AS uuid[]), CAST(:t AS bigint[]), CAST(:s AS bigint[]),
            CAST(:i AS bigint[])) AS r(a, v, t, s, i)
RETURNING id, slot_id
""")
_DONE = text("""
UPDATE task_slots ts SET state = 'done', assignment_id = r.a
FROM unnest(CAST(:s AS bigint[]), CAST(:a AS bigint[])) AS r(s, a) WHERE ts.id = r.s
""")
_LABEL = text("""
INSERT INTO labels (job_id, item_id, assignment_id, slot_id, annotator_id, vendor_id, is_gold,
                    answer, active_ms)
SELECT CAST(:job AS uuid), i, a, s, w, v, false, jsonb_build_object('label', l), 4000
FROM unnest(CAST(:i AS bigint[]), CAST(:a AS bigint[]), CAST(:s AS bigint[]),
            CAST(:w AS uuid[]), CAST(:v AS uuid[]), CAST(:l AS text[])) AS r(i, a, s, w, v, l)
""")
_STATES = text("SELECT state, count(*) FROM item_consensus GROUP BY state ORDER BY state")
_DECIDED = text("SELECT item_id, answer ->> 'label' FROM item_consensus WHERE state = 'decided'")


async def _label_everything(
    maker: object, job: str, rng: random.Random
) -> tuple[int, dict[int, str]]:
    """Every slot gets a submitted label; returns (labels, truth per item)."""
    async with session_scope(maker) as session:  # type: ignore[arg-type]
        slots = (await session.execute(_SLOTS, {"job": job})).all()
        people = (await session.execute(_PEOPLE)).all()
        skill = _answers(rng, len(people))
        truth: dict[int, str] = {}
        rows = []
        for s in slots:
            truth.setdefault(s.item_id, rng.choice(CLASSES))
            # Distinct annotators per task: slot numbers are offsets from a per-task start.
            w = (s.task_id // 7 + s.slot_no * 11) % len(people)
            acc = skill[w]
            right = acc is not None and rng.random() < acc
            if right:
                label = truth[s.item_id]
            elif acc is None:
                label = rng.choice(CLASSES)
            else:
                label = rng.choice([c for c in CLASSES if c != truth[s.item_id]])
            rows.append((people[w].id, people[w].enterprise_id, s.task_id, s.slot_id, s.item_id,
                         label))  # fmt: skip
        assigned = (
            await session.execute(
                _ASSIGN,
                {
                    "job": job,
                    "a": [r[0] for r in rows],
                    "v": [r[1] for r in rows],
                    "t": [r[2] for r in rows],
                    "s": [r[3] for r in rows],
                    "i": [r[4] for r in rows],
                },
            )
        ).all()
        by_slot = {r.slot_id: r.id for r in assigned}
        await session.execute(_DONE, {"s": list(by_slot), "a": [by_slot[s] for s in by_slot]})
        await session.execute(
            _LABEL,
            {
                "job": job,
                "i": [r[4] for r in rows],
                "a": [by_slot[r[3]] for r in rows],
                "s": [r[3] for r in rows],
                "w": [r[0] for r in rows],
                "v": [r[1] for r in rows],
                "l": [r[5] for r in rows],
            },
        )
    return len(rows), truth


async def _accuracy(maker: object, truth: dict[int, str]) -> tuple[float, dict[str, int]]:
    async with session_scope(maker) as session:  # type: ignore[arg-type]
        decided = (await session.execute(_DECIDED)).all()
        states = {r[0]: int(r[1]) for r in (await session.execute(_STATES)).all()}
    right = sum(truth[i] == label for i, label in decided)
    return (right / len(decided) if decided else float("nan")), states


async def run(items: int, annotators: int, seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="brigade-qc-bench-") as tmp:
        settings = bench_settings(Path(tmp))
        url = database_url(settings)
        migrate(url)
        job, _ = await _seed(url, annotators, items)
        engine = create_engine(settings, url)
        maker = create_sessionmaker(engine)
        async with session_scope(maker) as session:
            await session.execute(text("UPDATE labeling_jobs SET gold_rate = 0"))
        start = time.perf_counter()
        labels, truth = await _label_everything(maker, job, rng)
        print(f"seeded {labels:,} labels on {items:,} items in {time.perf_counter() - start:.1f} s")

        start = time.perf_counter()
        judged = await sweep(maker, max_batches=10_000)
        first = time.perf_counter() - start
        accuracy, states = await _accuracy(maker, truth)
        print(
            f"sweep (vote prior):  {judged:,} inbox rows in {first:.2f} s"
            f" = {judged / first:,.0f} labels/s; decided accuracy {accuracy:.2%}; {states}"
        )

        start = time.perf_counter()
        async with session_scope(maker) as session:
            metrics = await refit(session, uuid.UUID(job))
        fit = time.perf_counter() - start
        assert metrics is not None
        print(
            f"refit (Dawid-Skene + metrics): {fit:.2f} s;"
            f" alpha {metrics['krippendorff_alpha']}, fleiss {metrics['fleiss_kappa']}"
        )

        start = time.perf_counter()
        again = await sweep(maker, max_batches=10_000)
        second = time.perf_counter() - start
        accuracy, states = await _accuracy(maker, truth)
        print(
            f"sweep (fitted model): {again:,} items in {second:.2f} s"
            f" = {again / second:,.0f} items/s; decided accuracy {accuracy:.2%}; {states}"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process: {peak:.0f} MiB")
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--annotators", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(run(args.items, args.annotators, args.seed))


if __name__ == "__main__":
    main()
