"""Webhooks: a client's enterprise admins register URLs; Brigade POSTs signed events to them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.auth.dependencies import CurrentPrincipal
from app.errors import ErrorResponse
from app.kit.deps import DbSession
from app.kit.pagination import Page, Paging, page_of
from app.webhooks import service
from app.webhooks.dependencies import ServerSecret
from app.webhooks.schemas import (
    DeliveryOut,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhookUpdate,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

# 401/403/404/422 are declared for the whole API (app/main.py).
_CONFLICT: dict[int | str, dict[str, object]] = {
    409: {
        "model": ErrorResponse,
        "description": "Already registered / attempt running now / webhook paused",
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    responses=_CONFLICT,
    operation_id="create_webhook",
)
async def create_webhook(
    body: WebhookCreate, principal: CurrentPrincipal, session: DbSession, secret: ServerSecret
) -> WebhookCreated:
    """Register a URL for events of your (client) enterprise. The signing secret is in this
    response only; docs/webhooks.md shows how a receiver checks it."""
    webhook, signing_secret = await service.create(session, principal, secret, body)
    return WebhookCreated(**WebhookOut.model_validate(webhook).model_dump(), secret=signing_secret)


@router.get("", response_model=Page[WebhookOut], operation_id="list_webhooks")
async def list_webhooks(
    principal: CurrentPrincipal, session: DbSession, paging: Paging
) -> Page[WebhookOut]:
    """Your enterprise's webhooks (never their secrets); the park sees every client's."""
    rows, total = await service.list_webhooks(session, principal, paging)
    return page_of(WebhookOut, rows, total, paging)


@router.patch("/{webhook_id}", response_model=WebhookOut, operation_id="update_webhook")
async def update_webhook(
    webhook_id: uuid.UUID, body: WebhookUpdate, principal: CurrentPrincipal, session: DbSession
) -> WebhookOut:
    """Pause (``is_active: false``) or resume a webhook, or change its events."""
    return WebhookOut.model_validate(await service.update(session, principal, webhook_id, body))


@router.delete(
    "/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="delete_webhook"
)
async def delete_webhook(
    webhook_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession
) -> None:
    """Stop calling a URL; its delivery log goes with it."""
    await service.delete(session, principal, webhook_id)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=Page[DeliveryOut],
    operation_id="list_webhook_deliveries",
)
async def list_deliveries(
    webhook_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession, paging: Paging
) -> Page[DeliveryOut]:
    """The delivery log, newest first: each event, its attempts and the receiver's answers."""
    rows, total = await service.deliveries(session, principal, webhook_id, paging)
    return page_of(DeliveryOut, rows, total, paging)


@router.post(
    "/{webhook_id}/test",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryOut,
    responses=_CONFLICT,
    operation_id="test_webhook",
)
async def test_webhook(
    webhook_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession
) -> DeliveryOut:
    """Send a ``ping`` event now; follow it in the delivery log."""
    return DeliveryOut.model_validate(await service.ping(session, principal, webhook_id))


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryOut,
    responses=_CONFLICT,
    operation_id="redeliver_webhook_delivery",
)
async def redeliver(
    delivery_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession
) -> DeliveryOut:
    """Send a delivery again now (same id and body, a fresh signature): after it failed, or
    to hurry its next retry once your receiver is fixed."""
    return DeliveryOut.model_validate(await service.redeliver(session, principal, delivery_id))
