"""Background jobs on procrastinate, in the same PostgreSQL as everything else.

``queue_app`` is the one procrastinate App. Job functions live in ``workers/`` and register on it;
the API never imports them and defers jobs by name, after the request's commit, with id-only
payloads (the job loads fresh state, so a retried or duplicated job is harmless).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import after_commit

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


def defer_after_commit(
    session: AsyncSession, job_name: str, *, queue: str = "default", **payload: Any
) -> None:
    """Queue ``job_name(**payload)`` once ``session`` commits; nothing is sent on rollback."""

    async def _send() -> None:
        await queue_app.configure_task(job_name, queue=queue).defer_async(**payload)

    after_commit(session, _send)


async def queue_depth() -> dict[str, int]:
    """Jobs per status (todo / doing / failed …) for the metrics endpoint."""
    rows = await queue_app.connector.execute_query_all_async(
        "SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs GROUP BY status"
    )
    return {str(r["status"]): int(r["n"]) for r in rows}
