"""Benchmark exports: a labeled image-boxes job written as JSONL and COCO, time and memory.

    .venv/bin/python bench/export.py [--items 100000] [--formats jsonl,coco] [--raw]

Seeds its own embedded PostgreSQL with set-based SQL: one client's image-boxes job (5 classes)
with ``--items`` images (640x480), each decided by consensus with 1-3 boxes (and, with
``--raw``, three annotators' labels per item). Then runs the real export pipeline
(``app.exports.pipeline.run``: snapshot read in batches, the format's streaming writer in a
thread, the file stored in local object storage) once per format, and prints seconds, items
per second, file size and the process's peak memory (seeding runs inside PostgreSQL, so the
peak is the export's).

Targets (issue 8): 100,000 items to JSONL and COCO in <= 3 s each; 1,000,000 in <= 30 s; peak
memory under 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.exports import pipeline
from app.kit.db import create_engine, create_sessionmaker, session_scope
from app.models import Export, ExportLabels, ExportStatus
from app.runtime import database_url, migrate
from bench.ingest_common import bench_settings, bench_store

CLASSES = ["car", "person", "bicycle", "truck", "dog"]
SCHEMA = json.dumps({"kind": "image_boxes", "labels": [{"name": c} for c in CLASSES]})

_SEED = [
    """INSERT INTO enterprises (id, name, kind, settings, is_active)
       VALUES (CAST(:client AS uuid), 'bench client', 'client', '{}', true),
              (CAST(:vendor AS uuid), 'bench vendor', 'vendor', '{}', true)""",
    f"""INSERT INTO labeling_jobs (id, client_id, client_kind, name, domain, data_kind,
                                  label_schema, instructions, overlap, price_per_item, currency,
                                  status, priority, task_size)
        VALUES (CAST(:job AS uuid), CAST(:client AS uuid), 'client', '街景车辆框选 bench',
                'autonomous_driving', 'image', '{SCHEMA}', '', 3, 0.30, 'CNY', 'running', 0, 1)""",
    """INSERT INTO datasets (id, job_id, client_id, name, kind, format, options, is_gold, status,
                            received, accepted, rejected, duplicates, near_duplicates, tasks,
                            checkpoint)
       VALUES (CAST(:dataset AS uuid), CAST(:job AS uuid), CAST(:client AS uuid), 'bench',
               'image', 'zip', '{}', false, 'ready', :items, :items, 0, 0, 0, 0, -1)""",
    """INSERT INTO items (job_id, dataset_id, seq, kind, content_sha256, source, object_key,
                         width, height)
       SELECT CAST(:job AS uuid), CAST(:dataset AS uuid), g, 'image', h,
              'street/' || g || '.jpg',
              'sha256/' || substr(h, 1, 2) || '/' || substr(h, 3, 2) || '/' || h, 640, 480
       FROM generate_series(1, :items) g
       CROSS JOIN LATERAL (SELECT md5(g::text) || md5((g + 1)::text) AS h) x""",
    # 1-3 boxes per item, decided.
    """INSERT INTO item_consensus (item_id, job_id, state, answer, confidence, agreement,
                                  n_labels, method)
       SELECT i.id, i.job_id, 'decided',
              jsonb_build_object('boxes', (
                  SELECT jsonb_agg(jsonb_build_object(
                      'label', (ARRAY['car','person','bicycle','truck','dog'])[1 + (i.seq + b) % 5],
                      'x', 10.5 + (i.seq * 7 + b * 97) % 500,
                      'y', 20.25 + (i.seq * 3 + b * 53) % 350,
                      'w', 40 + b * 10, 'h', 30 + b * 5))
                  FROM generate_series(0, (i.seq % 3)) b)),
              0.9 + (i.seq % 10) / 100.0, 0.8, 3, 'boxes'
       FROM items i WHERE i.job_id = CAST(:job AS uuid)""",
]
_USERS = """INSERT INTO users (id, enterprise_id, enterprise_kind, email, display_name, role,
                              password_hash, locale, is_active, failed_logins)
            SELECT gen_random_uuid(), CAST(:vendor AS uuid), 'vendor',
                   'a' || g || '@bench.example.com', 'a' || g, 'annotator', 'x', 'zh-CN', true, 0
            FROM generate_series(1, 3) g"""
# Raw exports read labels: three per item, each annotator's answer the consensus, written as
# the labeling loop would have left them (a task per item, its slots done by assignments).
_RAW = [
    """INSERT INTO tasks (job_id, dataset_id, seq, first_item_id, last_item_id, item_count,
                         manifest_shard)
       SELECT job_id, dataset_id, seq, id, id, 1, 0 FROM items WHERE job_id = CAST(:job AS uuid)""",
    """INSERT INTO task_slots (task_id, job_id, slot_no, lane, state)
       SELECT t.id, t.job_id, n, brigade_slot_lane(t.id, n), 'open'
       FROM tasks t CROSS JOIN generate_series(1, 3) n WHERE t.job_id = CAST(:job AS uuid)""",
    """INSERT INTO assignments (job_id, annotator_id, vendor_id, task_id, slot_id, item_ids,
                               is_gold, state, lease_until, finished_at, submission_id)
       SELECT s.job_id, u.id, u.enterprise_id, s.task_id, s.id, ARRAY[t.first_item_id], false,
              'submitted', now(), now(), gen_random_uuid()
       FROM task_slots s JOIN tasks t ON t.id = s.task_id
       JOIN (SELECT id, enterprise_id, row_number() OVER (ORDER BY email) AS n FROM users
             WHERE role = 'annotator') u ON u.n = s.slot_no
       WHERE s.job_id = CAST(:job AS uuid)""",
    """UPDATE task_slots s SET state = 'done', assignment_id = a.id
       FROM assignments a WHERE a.slot_id = s.id""",
    """INSERT INTO labels (job_id, item_id, assignment_id, slot_id, annotator_id, vendor_id,
                          is_gold, answer, active_ms, status)
       SELECT a.job_id, a.item_ids[1], a.id, a.slot_id, a.annotator_id, a.vendor_id, false,
              c.answer, 4000, 'accepted'
       FROM assignments a JOIN item_consensus c ON c.item_id = a.item_ids[1]""",
    "DELETE FROM qc_dirty",  # judged already: the consensus above
]


async def run(items: int, formats: list[str], raw: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="brigade-export-bench-") as tmp:
        settings = bench_settings(Path(tmp))
        url = database_url(settings)
        migrate(url)
        engine = create_engine(settings, url)
        maker = create_sessionmaker(engine)
        store = await bench_store(settings)
        ids = {k: str(uuid.uuid4()) for k in ("client", "vendor", "job", "dataset")}
        start = time.perf_counter()
        async with session_scope(maker) as session:
            for statement in _SEED:
                await session.execute(text(statement), {**ids, "items": items})
            if raw:
                await session.execute(text(_USERS), ids)
                for statement in _RAW:
                    await session.execute(text(statement), ids)
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        print(f"seeded {items:,} decided items in {time.perf_counter() - start:.1f} s")
        for fmt in formats:
            async with session_scope(maker) as session:
                export = Export(
                    job_id=uuid.UUID(ids["job"]),
                    format=fmt,
                    labels=ExportLabels.RAW if raw else ExportLabels.CONSENSUS,
                    filters={"image_urls": True},
                    status=ExportStatus.QUEUED,
                )
                session.add(export)
            start = time.perf_counter()
            await pipeline.run(maker, store, export.id)
            took = time.perf_counter() - start
            async with maker() as session:
                done = await session.get_one(Export, export.id)
            assert done.status is ExportStatus.DONE, done.error
            print(
                f"{fmt:<6} {done.items_written:,} items ({done.labels_written:,} labels) in"
                f" {took:.2f} s = {done.items_written / took:,.0f} items/s;"
                f" file {(done.size_bytes or 0) / 2**20:,.1f} MiB"
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process: {peak:.0f} MiB")
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--formats", default="jsonl,coco")
    parser.add_argument("--raw", action="store_true", help="every annotator's label too")
    args = parser.parse_args()
    asyncio.run(run(args.items, args.formats.split(","), args.raw))


if __name__ == "__main__":
    main()
