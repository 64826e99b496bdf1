"""Background job entry points: thin; load by id, call app services, safe to run twice."""

from __future__ import annotations

import uuid
from typing import Any

import procrastinate
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import repository as auth_repo
from app.config import get_settings
from app.exports import pipeline as export_pipeline
from app.ingest import service as ingest
from app.kit.db import session_scope
from app.kit.jobs import SECRET_KEY, SESSIONMAKER_KEY, STORE_KEY, queue_app
from app.labeling import repository as labeling_repo
from app.quality import refit as quality_refit
from app.quality import sweep as quality_sweep
from app.webhooks import delivery as webhook_delivery
from app.webhooks import repository as webhook_repo

log = structlog.get_logger(__name__)


def _maker(context: procrastinate.JobContext) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = context.additional_context[SESSIONMAKER_KEY]
    return maker


@queue_app.task(
    name="brigade.revoke_enterprise_credentials",
    queue="default",
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=5, exponential_wait=2),
)
async def revoke_enterprise_credentials(
    context: procrastinate.JobContext, enterprise_id: str
) -> dict[str, Any]:
    """After an enterprise is deactivated: end its people's sessions and revoke its tokens."""
    async with session_scope(_maker(context)) as session:
        counts = await auth_repo.revoke_enterprise_credentials(session, uuid.UUID(enterprise_id))
    log.info("enterprise_credentials_revoked", enterprise_id=enterprise_id, **counts)
    return counts


@queue_app.periodic(cron="17 * * * *", periodic_id="purge_sessions")
@queue_app.task(name="brigade.purge_expired_sessions", queue="default", pass_context=True)
async def purge_expired_sessions(context: procrastinate.JobContext, timestamp: int) -> int:
    """Hourly: delete sessions that ended more than a week ago (kept that long for audits)."""
    async with session_scope(_maker(context)) as session:
        deleted = await auth_repo.purge_old_sessions(session)
    log.info("expired_sessions_purged", deleted=deleted, scheduled_at=timestamp)
    return deleted


@queue_app.periodic(cron="41 3 * * *", periodic_id="purge_webhook_deliveries")
@queue_app.task(name="brigade.purge_webhook_deliveries", queue="default", pass_context=True)
async def purge_webhook_deliveries(context: procrastinate.JobContext, timestamp: int) -> int:
    """Daily: the delivery log keeps a month of finished deliveries."""
    async with session_scope(_maker(context)) as session:
        deleted = await webhook_repo.purge_deliveries(session)
    log.info("webhook_deliveries_purged", deleted=deleted, scheduled_at=timestamp)
    return deleted


# A worker sends a heartbeat every 10 s (procrastinate's default); one silent for this long is
# gone (killed, its machine lost), and the jobs it was running are queued again.
STALLED_AFTER_SECONDS = 120


@queue_app.periodic(cron="* * * * *", periodic_id="retry_stalled_jobs")
@queue_app.task(name="brigade.retry_stalled_jobs", queue="default", pass_context=True)
async def retry_stalled_jobs(context: procrastinate.JobContext, timestamp: int) -> int:
    """Every minute: jobs left "doing" by a worker that stopped are queued again. Each job is
    safe to run twice: an ingest resumes from its checkpoint, an export starts over, a
    webhook delivery is sent again (receivers deduplicate by delivery id)."""
    manager = context.app.job_manager
    stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS))
    for job in stalled:
        await manager.retry_job(job)
        log.warning("stalled_job_retried", job_id=job.id, task=job.task_name)
    return len(stalled)


INGEST_ATTEMPTS = 3


@queue_app.task(
    name="brigade.ingest_dataset",
    queue="ingest",
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=INGEST_ATTEMPTS - 1, wait=5),
)
async def ingest_dataset(context: procrastinate.JobContext, dataset_id: str) -> None:
    """Clean, store and split one uploaded dataset; resumes from its checkpoint when retried."""
    attempt = (context.job.attempts or 0) + 1
    await ingest.run(
        _maker(context),
        context.additional_context[STORE_KEY],
        uuid.UUID(dataset_id),
        final_attempt=attempt >= INGEST_ATTEMPTS,
        server_secret=context.additional_context[SECRET_KEY],
    )


@queue_app.periodic(cron="* * * * *", periodic_id="expire_leases")
@queue_app.task(name="brigade.expire_leases", queue="default", pass_context=True)
async def expire_leases(context: procrastinate.JobContext, timestamp: int) -> int:
    """Every minute: leases that ran out give their slots back to the pool.

    ``next`` also does this for a job whose queue looks empty, so the sweep only keeps
    expired slots from waiting behind newer ones; it is not needed for correctness.
    """
    freed = 0
    while True:
        async with session_scope(_maker(context)) as session:
            n = await labeling_repo.expire_leases(session)
        freed += n
        if n < 10_000:
            break
    if freed:
        log.info("leases_expired", freed=freed, scheduled_at=timestamp)
    return freed


@queue_app.task(
    name="brigade.open_dataset_slots",
    queue="default",
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=5, exponential_wait=2),
)
async def open_dataset_slots(context: procrastinate.JobContext, dataset_id: str, after: int) -> int:
    """After a big dataset became ready: open the slots of its remaining tasks, in chunks."""
    chunks = await ingest.open_remaining_slots(_maker(context), uuid.UUID(dataset_id), after)
    log.info("dataset_slots_opened", dataset_id=dataset_id, chunks=chunks)
    return chunks


@queue_app.periodic(cron="* * * * * */2", periodic_id="qc_sweep")
@queue_app.task(name="brigade.qc_sweep", queue="default", pass_context=True)
async def qc_sweep(context: procrastinate.JobContext, timestamp: int) -> int:
    """Every 2 s: judge the items whose labels changed (quality control), and ask for a
    model refit where a job's labels grew enough since the last one."""
    maker = _maker(context)
    done = await quality_sweep.sweep(maker)
    async with session_scope(maker) as session:
        await quality_sweep.refit_grown_jobs(session)
    if done:
        log.info("qc_swept", rows=done, scheduled_at=timestamp)
    return done


@queue_app.task(
    name="brigade.qc_refit",
    queue="default",
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=3, exponential_wait=2),
)
async def qc_refit(context: procrastinate.JobContext, job_id: str) -> None:
    """Refit a job's consensus model and metrics; the items are judged again by the sweep."""
    async with session_scope(_maker(context)) as session:
        await quality_refit.refit(session, uuid.UUID(job_id))
    log.info("qc_refit", job_id=job_id)


# Bounds the retries whatever the settings say (webhooks.max_attempts is at most 16); the job
# itself ends a delivery's series at webhooks.max_attempts: 2, 4, 8 … s apart.
WEBHOOK_RETRIES = 15


@queue_app.task(
    name="brigade.deliver_webhook",
    queue="webhooks",
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=WEBHOOK_RETRIES, exponential_wait=2),
)
async def deliver_webhook(context: procrastinate.JobContext, delivery_id: str) -> None:
    """POST one webhook delivery; a failed attempt raises (and is retried) until the last,
    which marks the delivery failed. Every attempt is on the delivery's row."""
    # The worker's own environment (BRIGADE_WEBHOOKS__*): jobs get no Settings in their context.
    settings = get_settings().webhooks
    attempt = (context.job.attempts or 0) + 1
    await webhook_delivery.deliver(
        _maker(context),
        context.additional_context[SECRET_KEY],
        uuid.UUID(delivery_id),
        settings,
        final=attempt >= settings.max_attempts,
    )


EXPORT_ATTEMPTS = 3


@queue_app.task(
    name="brigade.export",
    queue="exports",
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=EXPORT_ATTEMPTS - 1, wait=5),
)
async def export(context: procrastinate.JobContext, export_id: str) -> None:
    """Write one export's file; a retry starts it again, the last failure is recorded."""
    maker = _maker(context)
    store = context.additional_context[STORE_KEY]
    try:
        await export_pipeline.run(maker, store, uuid.UUID(export_id))
    except Exception as exc:
        attempt = (context.job.attempts or 0) + 1
        log.exception("export_failed", export_id=export_id, attempt=attempt)
        final = attempt >= EXPORT_ATTEMPTS
        await export_pipeline.failed_attempt(
            maker, uuid.UUID(export_id), f"{type(exc).__name__}: {exc}", final=final
        )
        raise
