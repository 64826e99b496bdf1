"""Benchmark the roll-up reads: a park-sized year of work, then every stats endpoint's latency.

    .venv/bin/python bench/rollups.py [--annotators 5000] [--vendors 50] [--days 365]
        [--requests 30]

Seeds its own embedded PostgreSQL with the park's scale in ``work_daily`` (the table every
dashboard reads; labels themselves are never read by a dashboard): 5,000 annotators in 50
vendors, 20 clients with 100 jobs, each vendor's people on two jobs at a time (moving on every
30 days), each annotator active on about 70% of the last 365 days with on average 8 labels a
day on one job, so about 10 million labels' worth of rows; the per-vendor tables above it
(``team_daily``, ``team_hourly`` and ``work_hourly`` over 8 working hours,
``annotator_months``) as the incremental roll-ups would have kept them. Then it starts
``brigade run`` and times each dashboard endpoint over HTTP as the park admin or a vendor admin
(``--requests`` sequential calls each, after one warm-up), printing p50 / p95 / max.

Target (issue 7): p95 < 100 ms for each. The incremental cost per label is measured by
``bench/qc_sweep.py`` (the roll-ups move in the quality sweep; nothing is added to the submit).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.kit.embedded_pg import start_embedded
from app.kit.security import hash_secret, new_secret
from app.models.stats import COUNTS
from app.stats.periods import park_today
from bench.api_core import _free_port, wait_healthy

BRIGADE = str(Path(sys.executable).with_name("brigade"))

_COLUMNS = ", ".join((*COUNTS, "earned"))
_SUMS = ", ".join(f"sum({c})" for c in (*COUNTS, "earned"))
_SEED = [
    # The park operator, vendors (with declared staff) and clients.
    """INSERT INTO enterprises (id, name, kind, settings, is_active)
       VALUES (CAST(:park AS uuid), 'bench park', 'park_operator', '{}', true)""",
    """INSERT INTO enterprises (id, name, kind, settings, is_active)
       SELECT gen_random_uuid(), 'vendor ' || g, 'vendor',
              jsonb_build_object('staff_count', 50 + (g * 37) % 400), true
       FROM generate_series(1, :vendors) g""",
    """INSERT INTO enterprises (id, name, kind, settings, is_active)
       SELECT gen_random_uuid(), 'client ' || g, 'client', '{}', true
       FROM generate_series(1, 20) g""",
    # 100 jobs across the clients.
    """INSERT INTO labeling_jobs (id, client_id, client_kind, name, domain, data_kind,
                                 label_schema, instructions, overlap, price_per_item, currency,
                                 status, priority, task_size)
       SELECT gen_random_uuid(), c.id, 'client', 'job ' || g, 'ecommerce', 'text',
              '{"kind": "text_classification", "labels": [{"name": "a"}]}', '', 3, 0.30, 'CNY',
              'running', 0, 1
       FROM generate_series(1, 100) g
       JOIN (SELECT id, row_number() OVER (ORDER BY name) - 1 AS n FROM enterprises
             WHERE kind = 'client') c ON c.n = g % 20""",
    # Annotators, spread over the vendors.
    """INSERT INTO users (id, enterprise_id, enterprise_kind, email, display_name, role,
                         password_hash, locale, is_active, failed_logins)
       SELECT gen_random_uuid(), v.id, 'vendor', 'a' || g || '@bench.example.com', 'a' || g,
              'annotator', 'x', 'zh-CN', true, 0
       FROM generate_series(1, :annotators) g
       JOIN (SELECT id, row_number() OVER (ORDER BY name) - 1 AS n FROM enterprises
             WHERE kind = 'vendor') v ON v.n = g % :vendors""",
    # A year of daily work: ~70% of days, ~8 labels a day (80% accepted, 5% gold of which 90%
    # right, 85% agreeing with the consensus), 40 s active each.
    """INSERT INTO work_daily (job_id, annotator_id, day, vendor_id, labels, gold_labels,
                              gold_judged, gold_correct, judged, agreed, accepted, rejected,
                              active_ms, lease_ms, skips, earned)
       SELECT j.id, u.id, d.day, u.enterprise_id, x.m, x.m / 20, x.m / 20, (x.m / 20) * 9 / 10,
              x.m - x.m / 20, ((x.m - x.m / 20) * 17) / 20, (x.m * 4) / 5, x.m / 10,
              x.m * 40000, x.m * 55000, x.m / 25, ((x.m * 4) / 5) * 0.1000
       FROM (SELECT u.id, u.enterprise_id, v.n AS vn,
                    row_number() OVER (ORDER BY u.email) AS k
             FROM users u
             JOIN (SELECT id, row_number() OVER (ORDER BY name) AS n FROM enterprises
                   WHERE kind = 'vendor') v ON v.id = u.enterprise_id
             WHERE u.role = 'annotator') u
       CROSS JOIN (SELECT CAST(:today AS date) - g AS day, g FROM generate_series(0, :days - 1) g) d
       JOIN (SELECT id, row_number() OVER (ORDER BY name) - 1 AS n FROM labeling_jobs) j
         ON j.n = (u.vn * 2 + u.k % 2 + d.g / 30) % 100
       CROSS JOIN LATERAL (SELECT 1 + (hashint8(u.k * 1000 + d.g) & 15) AS m) x
       WHERE (hashint8(u.k * 7919 + d.g) & 1023) < 717""",
    # The levels above, as the incremental roll-ups would have kept them.
    f"""INSERT INTO team_daily (job_id, vendor_id, day, {_COLUMNS})
        SELECT job_id, vendor_id, day, {_SUMS} FROM work_daily GROUP BY 1, 2, 3""",
    # Each team-day's work spread over 8 working hours (09:00-17:00 in Shanghai).
    f"""INSERT INTO team_hourly (job_id, vendor_id, hour, {_COLUMNS})
        SELECT t.job_id, t.vendor_id,
               (t.day + make_interval(hours => 9 + h)) AT TIME ZONE 'Asia/Shanghai',
               {", ".join(f"t.{c} / 8 + (h < t.{c} % 8)::int" for c in COUNTS)},
               round(t.earned / 8, 4)
        FROM team_daily t CROSS JOIN generate_series(0, 7) h""",
    # Each annotator-day's work over the same 8 working hours (about 10 million rows a year).
    f"""INSERT INTO work_hourly (job_id, annotator_id, hour, vendor_id, {_COLUMNS})
        SELECT w.job_id, w.annotator_id,
               (w.day + make_interval(hours => 9 + h)) AT TIME ZONE 'Asia/Shanghai', w.vendor_id,
               {", ".join(f"w.{c} / 8 + (h < w.{c} % 8)::int" for c in COUNTS)},
               round(w.earned / 8, 4)
        FROM work_daily w CROSS JOIN generate_series(0, 7) h""",
    """INSERT INTO annotator_months (month, vendor_id, annotator_id, days)
       SELECT date_trunc('month', day)::date, vendor_id, annotator_id,
              bit_or(1 << (extract(day FROM day)::int - 1))
       FROM work_daily WHERE labels > 0 GROUP BY 1, 2, 3""",
]


async def _seed(url: str, annotators: int, vendors: int, days: int) -> dict[str, str]:
    """Returns session cookies of the park admin, a vendor admin, a client admin and one of
    that vendor's annotators."""
    engine = create_async_engine(url)
    park = uuid.uuid4()
    params = {
        "park": str(park),
        "vendors": vendors,
        "annotators": annotators,
        "days": days,
        "today": park_today(),
    }
    cookies: dict[str, str] = {}
    async with engine.begin() as conn:
        for statement in _SEED:
            await conn.execute(text(statement), params)
        vendor = (
            await conn.execute(text("SELECT id FROM enterprises WHERE name = 'vendor 1'"))
        ).scalar_one()
        client = (
            await conn.execute(text("SELECT id FROM enterprises WHERE name = 'client 1'"))
        ).scalar_one()
        worker = (
            await conn.execute(
                text("SELECT id FROM users WHERE enterprise_id = :v ORDER BY email LIMIT 1"),
                {"v": vendor},
            )
        ).scalar_one()
        for who, enterprise, kind, role in (
            ("park", park, "park_operator", "park_admin"),
            ("vendor", vendor, "vendor", "enterprise_admin"),
            ("client", client, "client", "enterprise_admin"),
            ("annotator", vendor, "vendor", "annotator"),
        ):
            user = worker if role == "annotator" else uuid.uuid4()
            if role != "annotator":  # one of the seeded annotators logs in as themselves
                await conn.execute(
                    text(
                        "INSERT INTO users (id, enterprise_id, enterprise_kind, email,"
                        " display_name, role, password_hash, locale, is_active, failed_logins)"
                        " VALUES (:u, :e, :k, :m, :m, :r, 'x', 'zh-CN', true, 0)"
                    ),
                    {"u": user, "e": enterprise, "k": kind, "m": f"{who}@bench.example.com",
                     "r": role},
                )  # fmt: skip
            secret = new_secret("bss")
            await conn.execute(
                text(
                    "INSERT INTO sessions (id, user_id, secret_hash, expires_at, created_at)"
                    " VALUES (gen_random_uuid(), :u, :h, now() + interval '1 day', now())"
                ),
                {"u": user, "h": hash_secret(secret)},
            )
            cookies[who] = secret
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE"))
        rows = (await conn.execute(text("SELECT count(*), sum(labels) FROM work_daily"))).one()
    await engine.dispose()
    print(f"seeded {rows[0]:,} work_daily rows = {rows[1]:,} labels' worth")
    return cookies


def _time(client: httpx.Client, path: str, n: int) -> tuple[float, float, float]:
    r = client.get(path)  # warm-up (and a check)
    r.raise_for_status()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return statistics.median(times), p95, times[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotators", type=int, default=5000)
    parser.add_argument("--vendors", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="seed into this directory and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="brigade-rollups-") as scratch:
        data_dir = str(args.keep or scratch)
        url = start_embedded(Path(data_dir))
        env = {
            **os.environ,
            "BRIGADE_DATA_DIR": data_dir,
            "BRIGADE_DATABASE_URL": url,
            "BRIGADE_LOG_LEVEL": "WARNING",
            "BRIGADE_WORKER__EMBEDDED": "false",
        }
        subprocess.run([BRIGADE, "migrate"], env=env, check=True, capture_output=True)
        t0 = time.monotonic()
        cookies = asyncio.run(_seed(url, args.annotators, args.vendors, args.days))
        print(f"seeding took {time.monotonic() - t0:.1f} s")
        port = _free_port()
        server = subprocess.Popen(
            [BRIGADE, "run", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        today = park_today()
        year_ago = today.replace(year=today.year - 1)
        month = f"{today:%Y-%m}"
        endpoints = [
            ("park", "/api/v1/stats/park"),
            ("park", f"/api/v1/stats/work?granularity=month&start={year_ago}"),
            ("park", f"/api/v1/stats/work?granularity=month&group_by=vendor&start={year_ago}"),
            ("park", f"/api/v1/stats/work?granularity=month&group_by=client&start={year_ago}"),
            ("park", f"/api/v1/stats/work?granularity=week&group_by=domain&start={year_ago}"),
            ("park", "/api/v1/stats/work?group_by=job"),
            ("park", "/api/v1/stats/work?granularity=hour&group_by=vendor"),
            ("park", f"/api/v1/stats/milestones/{today.year}"),
            ("vendor", "/api/v1/stats/work?group_by=annotator"),
            ("vendor", f"/api/v1/stats/work?granularity=week&start={year_ago}"),
            ("vendor", f"/api/v1/stats/statements/{month}"),
            ("vendor", "/api/v1/stats/work?granularity=hour&group_by=annotator"),
            ("annotator", f"/api/v1/stats/work?group_by=annotator&start={today - timedelta(29)}"),
            ("annotator", f"/api/v1/stats/work?granularity=hour&start={today - timedelta(1)}"),
            ("client", f"/api/v1/stats/work?granularity=month&group_by=job&start={year_ago}"),
            ("client", f"/api/v1/stats/statements/{month}"),
        ]
        try:
            wait_healthy(base)
            print(f"{'who':<9} {'endpoint':<78} {'p50':>7} {'p95':>7} {'max':>7}  ms")
            for who, path in endpoints:
                headers = {"Cookie": f"brigade_session={cookies[who]}"}
                with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                    p50, p95, worst = _time(client, path, args.requests)
                print(f"{who:<9} {path:<78} {p50:7.1f} {p95:7.1f} {worst:7.1f}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
