"""Webhooks of client enterprises: managed by their enterprise admins, read by the park.

Events reach them through ``emit``, called by the domain where the thing happened, inside its
own unit of work: the delivery rows and their jobs commit with the change, or not at all.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.errors import Conflict, NotFound
from app.kit.crypto import seal
from app.kit.jobs import defer_job_once
from app.kit.pagination import PageParams, paginate
from app.kit.security import new_secret
from app.models import (
    DeliveryStatus,
    EnterpriseKind,
    Role,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from app.models.webhooks import PING
from app.scoping import get_scoped, scope_clause, scoped_select
from app.webhooks import repository
from app.webhooks.delivery import SECRET_PURPOSE
from app.webhooks.schemas import WebhookCreate, WebhookUpdate

DELIVER_JOB = "brigade.deliver_webhook"
QUEUE = "webhooks"
MAX_PER_ENTERPRISE = 20


async def create(
    session: AsyncSession, principal: Principal, server_secret: bytes, body: WebhookCreate
) -> tuple[Webhook, str]:
    """The new webhook and its signing secret (in clear only in this answer)."""
    principal.require_kind(EnterpriseKind.CLIENT, action="register webhooks")
    principal.require_role(Role.ENTERPRISE_ADMIN, action="register webhooks")
    owned = select(func.count()).where(Webhook.enterprise_id == principal.enterprise_id)
    if (await session.scalar(owned) or 0) >= MAX_PER_ENTERPRISE:
        raise Conflict(f"An enterprise may have {MAX_PER_ENTERPRISE} webhooks; delete one first.")
    secret = new_secret("whsec")
    webhook = await repository.insert_webhook(
        session,
        {
            "enterprise_id": principal.enterprise_id,
            "url": body.url,
            "events": [e.value for e in body.events],
            "secret_sealed": seal(server_secret, SECRET_PURPOSE, secret),
            "created_by": principal.user_id,
        },
    )
    if webhook is None:
        raise Conflict(f"url: your enterprise already has a webhook for {body.url}.")
    _audit(session, principal, "webhook.create", webhook)
    return webhook, secret


def _audit(
    session: AsyncSession,
    principal: Principal,
    action: str,
    webhook: Webhook,
    changes: dict[str, Any] | None = None,
) -> None:
    """Recorded with its URL and ``changes`` (by default its events), never the secret."""
    record(
        session,
        principal,
        action,
        target_type="webhook",
        target_id=webhook.id,
        enterprise_id=webhook.enterprise_id,
        changes={"url": webhook.url, **(changes or {"events": webhook.events})},
    )


async def list_webhooks(
    session: AsyncSession, principal: Principal, page: PageParams
) -> tuple[list[Webhook], int]:
    stmt = scoped_select(principal, Webhook).order_by(Webhook.created_at.desc(), Webhook.id)
    return await paginate(session, stmt, page)


async def delete(session: AsyncSession, principal: Principal, webhook_id: uuid.UUID) -> None:
    """Delete a webhook and its delivery log; attempts still queued find nothing to send."""
    webhook = await get_scoped(session, principal, Webhook, webhook_id, write=True)
    _audit(session, principal, "webhook.delete", webhook)
    await session.delete(webhook)
    await session.flush()


async def update(
    session: AsyncSession, principal: Principal, webhook_id: uuid.UUID, body: WebhookUpdate
) -> Webhook:
    """Pause, resume or re-subscribe a webhook; audited with what changed."""
    webhook = await get_scoped(session, principal, Webhook, webhook_id, write=True)
    changes: dict[str, Any] = {}
    if body.is_active is not None and body.is_active != webhook.is_active:
        changes["is_active"] = {"from": webhook.is_active, "to": body.is_active}
        webhook.is_active = body.is_active
    events = None if body.events is None else [e.value for e in body.events]
    if events is not None and events != webhook.events:
        changes["events"] = {"from": webhook.events, "to": events}
        webhook.events = events
    if changes:
        _audit(session, principal, "webhook.update", webhook, changes)
        await session.flush()
    return webhook


def _require_active(webhook: Webhook) -> None:
    if not webhook.is_active:
        raise Conflict(f"Webhook {webhook.id} is paused; resume it (is_active: true) first.")


async def deliveries(
    session: AsyncSession, principal: Principal, webhook_id: uuid.UUID, page: PageParams
) -> tuple[list[WebhookDelivery], int]:
    """The delivery log of one webhook, newest first."""
    await get_scoped(session, principal, Webhook, webhook_id)
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    )
    return await paginate(session, stmt, page)


async def _queue(session: AsyncSession, delivery_id: uuid.UUID) -> None:
    await defer_job_once(
        session,
        DELIVER_JOB,
        repository.lock_key(delivery_id),
        queue=QUEUE,
        delivery_id=str(delivery_id),
    )


async def emit(
    session: AsyncSession, enterprise_id: uuid.UUID, event: WebhookEvent, payload: dict[str, Any]
) -> list[uuid.UUID]:
    """Queue ``event`` for every active webhook of ``enterprise_id`` subscribed to it, in the
    caller's transaction. ``payload`` must be JSON (strings for ids and times)."""
    ids = await repository.fan_out(session, enterprise_id, event.value, payload)
    for delivery_id in ids:
        await _queue(session, delivery_id)
    return ids


async def ping(
    session: AsyncSession, principal: Principal, webhook_id: uuid.UUID
) -> WebhookDelivery:
    """A ``ping`` delivery to one webhook, to try the receiver (and its signature check)."""
    webhook = await get_scoped(session, principal, Webhook, webhook_id, write=True)
    _require_active(webhook)
    delivery = WebhookDelivery(
        webhook_id=webhook.id,
        event=PING,
        payload={"webhook_id": str(webhook.id), "events": webhook.events},
    )
    session.add(delivery)
    await session.flush()
    await _queue(session, delivery.id)
    return delivery


async def redeliver(
    session: AsyncSession, principal: Principal, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Send a delivery again, now: after it failed for good, or to hurry a retry along once the
    receiver is fixed, or to send one that succeeded once more."""
    mine = select(Webhook.id).where(scope_clause(principal, Webhook))
    delivery = await session.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id.in_(mine))
        .with_for_update()  # one redelivery of a delivery at a time
    )
    if delivery is None:
        raise NotFound(f"Delivery {delivery_id} does not exist or is not visible to you.")
    _require_active(await get_scoped(session, principal, Webhook, delivery.webhook_id, write=True))
    if await repository.attempt_running(session, delivery.id):
        raise Conflict(f"Delivery {delivery.id} is being attempted right now; see its log.")
    delivery.status = DeliveryStatus.PENDING
    if not await repository.bring_forward(session, delivery.id):
        await _queue(session, delivery.id)
    await session.flush()
    return delivery
