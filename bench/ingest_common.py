"""Shared harness of the ingest benchmarks: a fresh embedded database, a dataset row for a raw
object, and one timed run of the real ingest job (``app.ingest.service.run``)."""

from __future__ import annotations

import contextlib
import os
import resource
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from app.config import AuthSettings, Settings, StorageSettings
from app.ingest import service as ingest
from app.kit.db import create_engine, create_sessionmaker, session_scope
from app.kit.storage import ObjectStore, create_store
from app.models import (
    DataKind,
    Dataset,
    DatasetStatus,
    Domain,
    Enterprise,
    EnterpriseKind,
    LabelingJob,
)
from app.runtime import database_url, migrate
from bench.cpu import own_cpu, peak_rss_mib, pool_workers, postmaster, tree_cpu
from tests.s3_server import S3Server, running_s3_server

SCHEMAS: dict[DataKind, dict[str, Any]] = {
    DataKind.TEXT: {"kind": "text_classification", "labels": [{"name": "pos"}, {"name": "neg"}]},
    DataKind.IMAGE: {"kind": "image_boxes", "labels": [{"name": "bottle"}, {"name": "box"}]},
}


def bench_settings(data_dir: Path, s3: S3Server | None = None) -> Settings:
    """Local storage in ``data_dir``, or the bucket of a running S3 server."""
    storage = StorageSettings(backend="local")
    if s3 is not None:
        storage = StorageSettings(
            backend="s3",
            s3_endpoint=s3.endpoint,
            s3_access_key=SecretStr(s3.access_key),
            s3_secret_key=SecretStr(s3.secret_key),
            s3_bucket=s3.bucket,
            s3_region=s3.region,
        )
    return Settings(
        environment="test",
        data_dir=data_dir,
        storage=storage,
        auth=AuthSettings(secret_key=SecretStr("bench" * 8)),
        log_level="WARNING",
        log_json=False,
    )


async def bench_store(settings: Settings) -> ObjectStore:
    store = create_store(settings, b"bench-signing-key-0123456789")
    await store.ensure_ready()
    return store


async def create_dataset(
    settings: Settings, raw_key: str, kind: DataKind, fmt: str, options: dict[str, Any]
) -> uuid.UUID:
    url = database_url(settings)
    migrate(url)
    engine = create_engine(settings, url)
    async with session_scope(create_sessionmaker(engine)) as session:
        client = Enterprise(name=f"bench-{uuid.uuid4().hex[:6]}", kind=EnterpriseKind.CLIENT)
        session.add(client)
        await session.flush()
        job = LabelingJob(
            client_id=client.id,
            name="bench",
            domain=Domain.ECOMMERCE,
            data_kind=kind,
            label_schema=SCHEMAS[kind],
            overlap=3,
            price_per_item=Decimal("0.1"),
            task_size=1,
        )
        session.add(job)
        await session.flush()
        ds = Dataset(
            job_id=job.id,
            client_id=client.id,
            name="bench",
            kind=kind,
            format=fmt,
            options=options,
            raw_key=raw_key,
        )
        session.add(ds)
        await session.flush()
        dataset_id = ds.id
    await engine.dispose()
    return dataset_id


@dataclass(frozen=True)
class Result:
    seconds: float
    peak_rss_mib: float
    rss_before_mib: float
    counts: tuple[int, ...]  # received, accepted, duplicates, near, rejected, tasks
    # After ready: opening the slots of the tasks not opened inline (the follow-up job).
    queue_seconds: float = 0.0
    # CPU seconds until ready: the job's process, its cleaning worker processes, PostgreSQL.
    cpu: tuple[float, float, float] = (0.0, 0.0, 0.0)

    workers_peak_rss_mib: tuple[float, ...] = ()

    def cpu_text(self) -> str:
        job, workers, pg = self.cpu
        rss = ", ".join(f"{m:.0f}" for m in self.workers_peak_rss_mib) or "none"
        return (
            f"CPU s: job process {job:.2f}, cleaning workers {workers:.2f}, PostgreSQL {pg:.2f};"
            f" cleaning workers' peak RSS MiB: {rss}"
        )


async def timed_ingest(settings: Settings, store: ObjectStore, dataset_id: uuid.UUID) -> Result:
    engine = create_engine(settings, database_url(settings))
    maker = create_sessionmaker(engine)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu0 = _cpu(settings)
    start = time.perf_counter()
    await ingest.run(maker, store, dataset_id)
    elapsed = time.perf_counter() - start
    cpu1 = _cpu(settings)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    async with session_scope(maker) as session:
        ds = await session.get_one(Dataset, dataset_id)
        assert ds.status is DatasetStatus.READY, ds.error
        counts = (ds.received, ds.accepted, ds.duplicates, ds.near_duplicates, ds.rejected,
                  ds.tasks)  # fmt: skip
    start = time.perf_counter()
    await ingest.open_remaining_slots(maker, dataset_id, 0)
    queue_seconds = time.perf_counter() - start
    await engine.dispose()
    cpu = tuple(round(b - a, 2) for a, b in zip(cpu0, cpu1, strict=True))
    workers = tuple(peak_rss_mib(pid) for pid in pool_workers(os.getpid()))
    return Result(elapsed, peak, before, counts, queue_seconds, cpu, workers)  # type: ignore[arg-type]


def _cpu(settings: Settings) -> tuple[float, float, float]:
    me = os.getpid()
    workers = sum(tree_cpu(pid) for pid in pool_workers(me))
    return own_cpu(me), workers, tree_cpu(postmaster(settings.data_dir))


@contextlib.contextmanager
def maybe_s3(enabled: bool) -> Iterator[S3Server | None]:
    """A SeaweedFS S3 server (as the tests run it) for the block, or None for local storage."""
    if not enabled:
        yield None
        return
    with running_s3_server(bucket="brigade-bench") as server:
        yield server
