"""The delivery log keeps a month of finished deliveries; pending ones stay whatever their age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import session_scope
from app.kit.jobs import defer_job
from app.models import DeliveryStatus, EnterpriseKind, Webhook, WebhookDelivery
from tests.factories import make_enterprise, run_jobs


async def test_old_finished_deliveries_are_purged(app: FastAPI, db: AsyncSession) -> None:
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    hook = Webhook(
        enterprise_id=client.id,
        url="https://a.example.com/h",
        events=["export.ready"],
        secret_sealed="x",
    )
    db.add(hook)
    await db.flush()
    old = datetime.now(UTC) - timedelta(days=40)
    recent = datetime.now(UTC) - timedelta(days=3)
    rows = {
        "old_succeeded": (old, DeliveryStatus.SUCCEEDED),
        "old_failed": (old, DeliveryStatus.FAILED),
        "old_pending": (old, DeliveryStatus.PENDING),
        "recent_failed": (recent, DeliveryStatus.FAILED),
    }
    made = {}
    for name, (when, status) in rows.items():
        done = status is not DeliveryStatus.PENDING
        made[name] = WebhookDelivery(
            webhook_id=hook.id, event="ping", payload={}, status=status, created_at=when,
            attempts=1 if done else 0, last_attempt_at=when if done else None,
            delivered_at=when if status is DeliveryStatus.SUCCEEDED else None,
            last_error="HTTP 500" if status is DeliveryStatus.FAILED else None,
        )  # fmt: skip
        db.add(made[name])
    await db.commit()
    async with session_scope(app.state.sessionmaker) as session:
        await defer_job(session, "brigade.purge_webhook_deliveries", timestamp=0)
    await run_jobs(app)
    kept = set(await db.scalars(select(WebhookDelivery.id)))
    assert kept == {made["old_pending"].id, made["recent_failed"].id}
