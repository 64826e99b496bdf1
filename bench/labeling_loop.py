"""Benchmark the labeling loop: K simulated annotators against the real server over HTTP.

    .venv/bin/python bench/labeling_loop.py --annotators 1000 [--seconds 30] [--warmup 5]
        [--think 2.0] [--items 30000] [--workers 2] [--combined]
        [--pool-size N] [--max-overflow N]   (default: the product's pool settings)

Each annotator loops: next → think (uniform 0..2 x mean, default mean 1 s) → submit, with a
session cookie like the browser app. ``--combined`` submits with ``next: true`` (one request
per label, what the workstation does). The database is an embedded PostgreSQL owned by this
script; the server is ``brigade run --workers N`` pointed at it by URL. After the run the
invariant checker scans the database, including every submission the server acknowledged.

Prints completed labels/s over the measured window, p50/p95/p99 of next and submit, errors,
memory (PSS) of the server processes and PostgreSQL, and the checker's verdict. The load generator
(Python, aiohttp) shares the 2 cores with the server and the database; its CPU time is printed
too, so the cost of measuring is visible. CPU counts whole process trees, including children
that exited (PostgreSQL backends of closed connections).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.kit.embedded_pg import start_embedded
from app.kit.security import hash_secret, new_secret
from app.labeling.checker import check
from app.labeling.repository import open_dataset_slots
from bench.api_core import _free_port, _rss_mib, wait_healthy
from bench.cpu import postmaster, tree_cpu

BRIGADE = str(Path(sys.executable).with_name("brigade"))
VENDORS = 2
GOLD_ITEMS = 300


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _seed(url: str, annotators: int, items: int) -> tuple[str, list[str]]:
    """A client's running text job (k=3, 5% gold) with VENDORS vendors and their annotators."""
    engine = create_async_engine(url)
    async with AsyncSession(engine) as db:
        client = uuid.uuid4()
        vendors = [uuid.uuid4() for _ in range(VENDORS)]
        job, ds, gold_ds = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await db.execute(
            text(
                "INSERT INTO enterprises (id, name, kind, settings, is_active)"
                " SELECT id, 'bench-' || id, kind, '{}', true"
                " FROM unnest(CAST(:ids AS uuid[]), CAST(:kinds AS varchar[])) AS t(id, kind)"
            ),
            {"ids": [client, *vendors], "kinds": ["client"] + ["vendor"] * VENDORS},
        )
        schema = (
            '{"kind": "text_classification", "labels": [{"name": "positive"},'
            ' {"name": "negative"}, {"name": "neutral"}]}'
        )
        await db.execute(
            text(
                "INSERT INTO labeling_jobs (id, client_id, client_kind, name, domain, data_kind,"
                " label_schema, instructions, overlap, price_per_item, currency, status, priority,"
                " gold_rate) VALUES (:job, :client, 'client', 'bench', 'ecommerce', 'text',"
                " CAST(:schema AS jsonb), '', 3, 0.35, 'CNY', 'running', 0, 0.05)"
            ),
            {"job": job, "client": client, "schema": schema},
        )
        for v in vendors:
            await db.execute(
                text(
                    "INSERT INTO job_vendors (job_id, vendor_id, vendor_kind)"
                    " VALUES (:j, :v, 'vendor')"
                ),
                {"j": job, "v": v},
            )
        for dataset, gold, count in ((ds, False, items), (gold_ds, True, GOLD_ITEMS)):
            await db.execute(
                text(
                    "INSERT INTO datasets (id, job_id, client_id, name, kind, format, options,"
                    " is_gold, status, received, accepted, rejected, duplicates,"
                    " near_duplicates, tasks, checkpoint)"
                    " VALUES (:ds, :job, :client, :name, 'text', 'jsonl', '{}', :gold, 'ready',"
                    " :n, :n, 0, 0, 0, 0, :n)"
                ),
                {
                    "ds": dataset,
                    "job": job,
                    "client": client,
                    "name": str(dataset),
                    "gold": gold,
                    "n": count,
                },
            )
            await db.execute(
                text(
                    "INSERT INTO items"
                    " (job_id, dataset_id, seq, kind, content_sha256, text, is_gold)"
                    " SELECT :job, CAST(:ds AS uuid), g, 'text', md5(:key || g) || md5(g || :key),"
                    " '这款商品质量很好，物流也快，第 ' || g || ' 条评论', :gold"
                    " FROM generate_series(0, :n - 1) AS g"
                ),
                {"job": job, "ds": str(dataset), "key": str(dataset), "n": count, "gold": gold},
            )
        await db.execute(
            text(
                "INSERT INTO gold_answers (item_id, answer)"
                ' SELECT id, \'{"label": "positive"}\' FROM items WHERE dataset_id = :ds'
            ),
            {"ds": gold_ds},
        )
        await db.execute(
            text(
                "INSERT INTO tasks (job_id, dataset_id, seq, first_item_id, last_item_id,"
                " item_count, manifest_shard)"
                " SELECT job_id, dataset_id, seq, id, id, 1, 0 FROM items WHERE dataset_id = :ds"
            ),
            {"ds": ds},
        )
        await open_dataset_slots(db, ds)
        cookies = []
        users = []
        sessions = []
        for n in range(annotators):
            user = uuid.uuid4()
            users.append((user, vendors[n % VENDORS], f"annotator{n}@bench.example.com"))
            secret = new_secret("bss")
            cookies.append(secret)
            sessions.append((user, hash_secret(secret)))
        await db.execute(
            text(
                "INSERT INTO users (id, enterprise_id, enterprise_kind, email, display_name, role,"
                " password_hash, locale, is_active, failed_logins)"
                " SELECT u, v, 'vendor', e, e, 'annotator', 'x', 'zh-CN', true, 0"
                " FROM unnest(CAST(:u AS uuid[]), CAST(:v AS uuid[]), CAST(:e AS varchar[]))"
                " AS t(u, v, e)"
            ),
            {"u": [u[0] for u in users], "v": [u[1] for u in users], "e": [u[2] for u in users]},
        )
        await db.execute(
            text(
                "INSERT INTO sessions (id, user_id, secret_hash, expires_at, created_at)"
                " SELECT gen_random_uuid(), u, h, now() + interval '1 day', now()"
                " FROM unnest(CAST(:u AS uuid[]), CAST(:h AS varchar[])) AS t(u, h)"
            ),
            {"u": [s[0] for s in sessions], "h": [s[1] for s in sessions]},
        )
        await db.commit()
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    return str(job), cookies


class Stats:
    def __init__(self) -> None:
        self.next: list[float] = []
        self.submit: list[float] = []
        self.labels = 0
        self.errors: dict[str, int] = {}
        self.acknowledged: list[uuid.UUID] = []
        self.measuring = False

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def _post(
    http: aiohttp.ClientSession, path: str, body: dict[str, Any], headers: dict[str, str]
) -> tuple[int, Any]:
    async with http.post(path, data=orjson.dumps(body), headers=headers) as r:
        return r.status, orjson.loads(await r.read())


async def _annotator(
    http: aiohttp.ClientSession,
    cookie: str,
    stats: Stats,
    stop: float,
    think: float,
    combined: bool,
) -> None:
    headers = {
        "Cookie": f"brigade_session={cookie}",
        "X-Requested-With": "bench",
        "Content-Type": "application/json",
    }
    rng = random.Random()
    await asyncio.sleep(rng.uniform(0, 2 * think))  # do not start in lockstep
    assignment: dict[str, Any] | None = None
    while time.monotonic() < stop:
        if assignment is None:
            t0 = time.monotonic()
            try:
                status, out = await _post(http, "/api/v1/labeling/next", {}, headers)
            except aiohttp.ClientError as exc:
                stats.error(f"next {type(exc).__name__}")
                await asyncio.sleep(1)
                continue
            if stats.measuring:
                stats.next.append(time.monotonic() - t0)
            if status != 200:
                stats.error(f"next {status}")
                await asyncio.sleep(1)
                continue
            assignment = out["assignment"]
            if assignment is None:
                await asyncio.sleep(1)
                continue
        await asyncio.sleep(rng.uniform(0, 2 * think))
        sid = uuid.uuid4()
        body = {
            "submission_id": str(sid),
            "labels": [
                {"item_id": it["id"], "answer": {"label": rng.choice(("positive", "negative"))}}
                for it in assignment["items"]
            ],
            "active_ms": 1000,
            "next": combined,
        }
        t0 = time.monotonic()
        try:
            status, out = await _post(
                http, f"/api/v1/labeling/assignments/{assignment['id']}/submit", body, headers
            )
        except aiohttp.ClientError as exc:
            stats.error(f"submit {type(exc).__name__}")
            continue  # not acknowledged; the lease runs out and the slot goes back
        elapsed = time.monotonic() - t0
        assignment = None
        if status != 200:
            stats.error(f"submit {status}")
            continue
        stats.acknowledged.append(sid)
        if stats.measuring:
            stats.submit.append(elapsed)
            stats.labels += 1
        if combined:
            assignment = out["next"]["assignment"]


async def _load(
    base: str, cookies: list[str], seconds: float, warmup: float, think: float, combined: bool
) -> Stats:
    stats = Stats()
    connector = aiohttp.TCPConnector(limit=len(cookies))
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as http:
        stop = time.monotonic() + warmup + seconds
        tasks = [
            asyncio.create_task(_annotator(http, c, stats, stop, think, combined)) for c in cookies
        ]
        await asyncio.sleep(warmup)
        stats.measuring = True
        await asyncio.sleep(seconds)
        stats.measuring = False
        await asyncio.gather(*tasks)
    return stats


def _pss_mib(pid: int) -> float:
    """Proportional set size: shared pages (PostgreSQL's buffers) are counted once overall."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return _rss_mib(pid)


def _tree_rss(pid: int) -> float:
    """Memory (PSS) of a process and all its descendants (server workers, PG backends)."""
    total = _pss_mib(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        total += _tree_rss(int(child))
    return total


def _summarize_log(path: Path) -> None:
    """Server errors by kind: the exception's last traceback line, counted."""
    kinds: dict[str, int] = {}
    for line in path.read_text().splitlines():
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if entry.get("level") in ("error", "critical"):
            last = (entry.get("exception") or entry.get("event", "")).strip().splitlines()
            kind = (last[-1] if last else "?")[:160]
            kinds[kind] = kinds.get(kind, 0) + 1
    for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  server errors: {n} x {kind}")


async def _verify(url: str, job: str, acknowledged: list[uuid.UUID]) -> str:
    engine = create_async_engine(url)
    async with AsyncSession(engine) as db:
        report = await check(db, uuid.UUID(job), acknowledged=acknowledged)
        counts = (
            await db.execute(
                text(
                    "SELECT count(*), count(DISTINCT item_id), max(c) FROM"
                    " (SELECT item_id, count(*) AS c FROM labels WHERE NOT is_gold"
                    " GROUP BY item_id) x"
                )
            )
        ).one()
    await engine.dispose()
    return f"{report.summary()} (items labeled {counts[1]}, most labels on one item {counts[2]})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annotators", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, seconds")
    parser.add_argument("--items", type=int, default=30_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--combined", action="store_true", help="submit with next: true")
    parser.add_argument("--pool-size", type=int, default=0, help="per server process")
    parser.add_argument("--max-overflow", type=int, default=None, help="per server process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="brigade-bench-") as data_dir:
        url = start_embedded(Path(data_dir))
        env = {
            **os.environ,
            "BRIGADE_DATA_DIR": data_dir,
            "BRIGADE_DATABASE_URL": url,
            "BRIGADE_LOG_LEVEL": "WARNING",
        }
        # The product's pool unless asked otherwise (per server process; PostgreSQL's default
        # max_connections is 100).
        if args.pool_size:
            env["BRIGADE_DB__POOL_SIZE"] = str(args.pool_size)
        if args.max_overflow is not None:
            env["BRIGADE_DB__MAX_OVERFLOW"] = str(args.max_overflow)
        subprocess.run([BRIGADE, "migrate"], env=env, check=True, capture_output=True)
        t0 = time.monotonic()
        job, cookies = asyncio.run(_seed(url, args.annotators, args.items))
        print(
            f"seeded {args.items} items (k=3, {GOLD_ITEMS} gold at 5%), {args.annotators} "
            f"annotators in {VENDORS} vendors in {time.monotonic() - t0:.1f} s"
        )
        port = _free_port()
        server = subprocess.Popen(
            [BRIGADE, "run", "--port", str(port), "--workers", str(args.workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(data_dir) / "server.log", "w"),  # noqa: SIM115
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base)
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            pg = postmaster(data_dir)
            tree0 = (tree_cpu(server.pid), tree_cpu(pg))
            stats = asyncio.run(
                _load(base, cookies, args.seconds, args.warmup, args.think, args.combined)
            )
            cpu1 = resource.getrusage(resource.RUSAGE_SELF)
            tree1 = (tree_cpu(server.pid), tree_cpu(pg))
            server_rss = _tree_rss(server.pid)
            pg_rss = _tree_rss(postmaster(data_dir))
        finally:
            server.terminate()
            server.wait(timeout=30)
            _summarize_log(Path(data_dir) / "server.log")
        mode = "submit+next in one request" if args.combined else "next, then submit"
        print(
            f"K={args.annotators} annotators, think {args.think:.2f} s mean, {mode}, "
            f"{args.workers} server processes, {args.seconds:.0f} s measured"
        )
        print(f"  labels/s          {stats.labels / args.seconds:8.1f}")
        if stats.next:
            print(
                f"  next   ms  p50 {_percentile(stats.next, 0.5):7.1f}  p95 "
                f"{_percentile(stats.next, 0.95):7.1f}  p99 {_percentile(stats.next, 0.99):7.1f}"
                f"  (n={len(stats.next)})"
            )
        print(
            f"  submit ms  p50 {_percentile(stats.submit, 0.5):7.1f}  p95 "
            f"{_percentile(stats.submit, 0.95):7.1f}  p99 {_percentile(stats.submit, 0.99):7.1f}"
            f"  (n={len(stats.submit)})"
        )
        print(f"  errors            {stats.errors or 'none'}")
        load_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
        print(
            f"  CPU s over {args.seconds + args.warmup:.0f} s: server {tree1[0] - tree0[0]:.1f}, "
            f"PostgreSQL {tree1[1] - tree0[1]:.1f}, load generator {load_cpu:.1f}"
        )
        print(f"  memory (PSS): server {server_rss:.0f} MiB, PostgreSQL {pg_rss:.0f} MiB")
        print(f"  invariant check: {asyncio.run(_verify(url, job, stats.acknowledged))}")


if __name__ == "__main__":
    main()
