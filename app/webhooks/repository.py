"""SQL of webhooks: fanning an event out to its subscribers, recording an attempt, finding a
delivery's queued job, and purging the old log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, cast, delete, func, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import DeliveryStatus, Enterprise, Webhook, WebhookDelivery


async def insert_webhook(session: AsyncSession, values: dict[str, Any]) -> Webhook | None:
    """The new webhook, or None when the enterprise already has one for that URL."""
    stmt = (
        pg_insert(Webhook)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=["enterprise_id", "url"])
        .returning(Webhook)
    )
    return (await session.scalars(stmt)).one_or_none()


async def fan_out(
    session: AsyncSession, enterprise_id: uuid.UUID, event: str, payload: dict[str, Any]
) -> list[uuid.UUID]:
    """One pending delivery per active webhook of an active enterprise subscribed to ``event``."""
    subscribers = (
        select(
            func.gen_random_uuid(),
            Webhook.id,
            literal(event),
            cast(literal(payload, JSONB), JSONB),
            literal(DeliveryStatus.PENDING.value),
        )
        .join(Enterprise, Enterprise.id == Webhook.enterprise_id)
        .where(
            Webhook.enterprise_id == enterprise_id,
            Webhook.is_active,
            Enterprise.is_active,
            Webhook.events.any_() == event,
        )
    )
    stmt = (
        insert(WebhookDelivery)
        .from_select(["id", "webhook_id", "event", "payload", "status"], subscribers)
        .returning(WebhookDelivery.id)
    )
    return list((await session.scalars(stmt)).all())


async def record_attempt(
    session: AsyncSession,
    delivery_id: uuid.UUID,
    *,
    status_code: int | None,
    error: str | None,
    final: bool,
) -> DeliveryStatus | None:
    """Count one attempt; succeeded on no error, failed when it was the last one. A delivery
    that already succeeded (a duplicate job) stays succeeded."""
    ok = error is None
    row = WebhookDelivery
    status = case(
        (literal(ok), DeliveryStatus.SUCCEEDED.value),
        (row.status == DeliveryStatus.SUCCEEDED.value, row.status),
        (literal(final), DeliveryStatus.FAILED.value),
        else_=row.status,
    )
    stmt = (
        update(row)
        .where(row.id == delivery_id)
        .values(
            attempts=row.attempts + 1,
            last_attempt_at=func.now(),
            last_status_code=status_code,
            last_error=error,
            status=status,
            delivered_at=func.now() if ok else row.delivered_at,
        )
        .returning(row.status)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# A delivery's job carries the queueing lock ``lock_key(id)`` (procrastinate keeps at most one
# waiting job per lock). These read procrastinate's own table, in the caller's transaction.
_BRING_FORWARD = text(
    "UPDATE procrastinate_jobs SET scheduled_at = now()"
    " WHERE queueing_lock = :key AND status = 'todo' RETURNING id"
)
_RUNNING = text(
    "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs"
    " WHERE queueing_lock = :key AND status = 'doing')"
)


def lock_key(delivery_id: uuid.UUID) -> str:
    return f"webhook-delivery:{delivery_id}"


async def bring_forward(session: AsyncSession, delivery_id: uuid.UUID) -> bool:
    """Make a delivery's waiting job (a retry scheduled later) due now; False if none waits."""
    moved = await session.scalar(_BRING_FORWARD, {"key": lock_key(delivery_id)})
    return moved is not None


async def attempt_running(session: AsyncSession, delivery_id: uuid.UUID) -> bool:
    return bool(await session.scalar(_RUNNING, {"key": lock_key(delivery_id)}))


_ITEMS_TOTAL = text(
    "SELECT coalesce(sum(accepted), 0) FROM datasets"
    " WHERE job_id = :job AND status = 'ready' AND NOT is_gold"
)


async def items_total(session: AsyncSession, job_id: uuid.UUID) -> int:
    """A job's items to label, from its datasets' counters (a few rows, not the items)."""
    return int(await session.scalar(_ITEMS_TOTAL, {"job": job_id}) or 0)


async def purge_deliveries(session: AsyncSession, keep: timedelta = timedelta(days=30)) -> int:
    """Finished deliveries older than ``keep`` (the log a client reads covers the last month);
    pending ones stay whatever their age."""
    result = await session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.created_at < datetime.now(UTC) - keep,
            WebhookDelivery.status != DeliveryStatus.PENDING,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
