from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.models import DeliveryStatus, WebhookEvent

MAX_URL_LENGTH = 2048


def check_url(url: str) -> str:
    """A URL Brigade may call: http(s), a host, no credentials or fragment.
    Where the host points is checked at each delivery (``app.webhooks.delivery``), not here:
    DNS can change after this check."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number in 0-65535
    except ValueError:
        raise ValueError("not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with https:// (or http://)")
    if not parts.hostname:
        raise ValueError("must name a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry credentials; check the signature header instead")
    if parts.fragment or url.endswith("#"):
        raise ValueError("must not have a #fragment")
    if port == 0:
        raise ValueError("port 0 cannot be called")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise ValueError("must not contain spaces or control characters")
    return url


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL_LENGTH)
    ] = Field(examples=["https://ml.example.com/brigade/webhook"])
    events: list[WebhookEvent] = Field(min_length=1, max_length=16, examples=[["export.ready"]])

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)

    @field_validator("events")
    @classmethod
    def _distinct(cls, value: list[WebhookEvent]) -> list[WebhookEvent]:
        return sorted(set(value))


class WebhookUpdate(BaseModel):
    """Pause or resume a webhook, or change what it subscribes to (its URL and secret stay:
    for another URL, register a new webhook)."""

    model_config = ConfigDict(extra="forbid")

    is_active: bool | None = Field(
        default=None,
        description="false pauses it: no new deliveries, and queued attempts are not sent "
        "(they fail with a 'paused' reason and can be redelivered after resuming)",
    )
    events: list[WebhookEvent] | None = Field(
        default=None, min_length=1, max_length=16, examples=[["export.ready", "job.completed"]]
    )

    @field_validator("events")
    @classmethod
    def _distinct(cls, value: list[WebhookEvent] | None) -> list[WebhookEvent] | None:
        if value is None:
            raise ValueError("must be a list of events (leave it out to keep the current ones)")
        return sorted(set(value))

    @field_validator("is_active")
    @classmethod
    def _not_null(cls, value: bool | None) -> bool:
        if value is None:
            raise ValueError("must be true or false (leave it out to keep it)")
        return value

    @model_validator(mode="after")
    def _something(self) -> WebhookUpdate:
        if not self.model_fields_set:
            raise ValueError("give is_active, events or both")
        return self


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    enterprise_id: uuid.UUID
    url: str
    events: list[str]
    is_active: bool
    created_by: uuid.UUID | None
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="Signs every delivery (Brigade-Signature header; docs/webhooks.md). Shown "
        "once: keep it with the receiver. Lost: delete the webhook and create it again."
    )


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="Also sent as the Brigade-Delivery header")
    webhook_id: uuid.UUID
    event: str
    payload: dict[str, Any] = Field(description="The event's data (the body's `data`)")
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None = Field(description="The receiver's last HTTP status, if any")
    last_error: str | None = Field(description="Why the last attempt failed")
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None = Field(description="When a receiver last answered 2xx")
