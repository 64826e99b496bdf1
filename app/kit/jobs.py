"""Background jobs on procrastinate, in the same PostgreSQL as everything else.

``queue_app`` is the one procrastinate App. Job functions live in ``workers/`` and register on it;
the API never imports them and defers jobs by name, in the request's own transaction, with
id-only payloads (the job loads fresh state, so a retried or duplicated job is harmless).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import procrastinate
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.kit.storage import ObjectStore

WORKER_MODULES = ["workers.jobs"]

# The connector is swapped for a real one at startup (``open_queue``); no I/O at import.
queue_app = procrastinate.App(
    connector=procrastinate.PsycopgConnector(), import_paths=WORKER_MODULES
)


@asynccontextmanager
async def open_queue(conninfo: str) -> AsyncIterator[procrastinate.App]:
    connector = procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1, max_size=4)
    with queue_app.replace_connector(connector):
        async with queue_app.open_async():
            yield queue_app


SESSIONMAKER_KEY = "sessionmaker"
STORE_KEY = "store"
SECRET_KEY = "server_secret"


async def run_worker(
    maker: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    server_secret: bytes,
    *,
    concurrency: int,
    name: str = "worker",
    queues: list[str] | None = None,
    install_signal_handlers: bool = True,
    wait: bool = True,
) -> None:
    """Run a worker on the open ``queue_app``; jobs find the sessionmaker and the object store
    in their context."""
    options: dict[str, Any] = {"queues": queues} if queues else {}  # absent: every queue
    await queue_app.run_worker_async(
        concurrency=concurrency,
        name=name,
        install_signal_handlers=install_signal_handlers,
        wait=wait,
        # Finished jobs are deleted: the table stays small and the metrics' count stays cheap.
        delete_jobs="successful",
        additional_context={SESSIONMAKER_KEY: maker, STORE_KEY: store, SECRET_KEY: server_secret},
        **options,
    )


_DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW("
    ":queue, :task, 0, NULL, CAST(:qlock AS text), CAST(:args AS jsonb), NULL"
    ")::procrastinate_job_to_defer_v1])) AS id"
)


async def defer_job_once(
    session: AsyncSession, job_name: str, key: str, *, queue: str = "default", **payload: Any
) -> int | None:
    """Like ``defer_job``, unless a job with the same ``key`` is already waiting (procrastinate's
    queueing lock); then nothing is queued and None is returned. A savepoint keeps the caller's
    transaction usable when the lock is taken."""
    try:
        async with session.begin_nested():
            return await defer_job(session, job_name, queue=queue, _queueing_lock=key, **payload)
    except IntegrityError:
        return None


async def defer_job(
    session: AsyncSession,
    job_name: str,
    *,
    queue: str = "default",
    _queueing_lock: str | None = None,
    **payload: Any,
) -> int:
    """Queue ``job_name(**payload)`` inside the caller's transaction.

    Procrastinate lives in the same database, so the job row is written by the same unit of
    work: workers see it (and are NOTIFYed) only when the change commits, and a rollback takes
    it away too. No job for a change that never happened, no change without its job.
    """
    job_id = await session.scalar(
        _DEFER,
        {"queue": queue, "task": job_name, "qlock": _queueing_lock, "args": json.dumps(payload)},
    )
    return int(job_id)


async def queue_depth() -> dict[str, int]:
    """Jobs per status (todo / doing / failed …) for the metrics endpoint."""
    rows = await queue_app.connector.execute_query_all_async(
        "SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs GROUP BY status"
    )
    return {str(r["status"]): int(r["n"]) for r in rows}
