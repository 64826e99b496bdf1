"""Webhooks: a client's URLs that Brigade calls when something happens (``app/webhooks``), and
the log of every delivery (one row per event per webhook, however many attempts it took)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at, str_enum, uuid_pk


class WebhookEvent(StrEnum):
    """What a webhook can subscribe to."""

    EXPORT_READY = "export.ready"  # an export's file is in storage
    JOB_COMPLETED = "job.completed"  # a labeling job was marked completed


# Sent by POST /webhooks/{id}/test only: nobody subscribes to it.
PING = "ping"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # queued, or waiting for its next attempt
    SUCCEEDED = "succeeded"  # the receiver answered 2xx
    FAILED = "failed"  # every attempt failed; redeliver to try again


def _sql_list(values: list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


_SUBSCRIBABLE = _sql_list([e.value for e in WebhookEvent])
_DELIVERABLE = _sql_list([*(e.value for e in WebhookEvent), PING])


class Webhook(Base):
    __tablename__ = "webhooks"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "url"),  # the same URL twice would get every call twice
        CheckConstraint(
            f"cardinality(events) >= 1 AND events <@ ARRAY[{_SUBSCRIBABLE}]::varchar[]",
            name="known_events",
        ),
        CheckConstraint("url ~ '^https?://'", name="http_url"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    # The client enterprise that owns it (and whose events it gets).
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id", ondelete="CASCADE"), nullable=False
    )
    url: Mapped[str] = mapped_column(String(2048), nullable=False)
    events: Mapped[list[str]] = mapped_column(ARRAY(String(32)), nullable=False)
    # The signing secret, sealed with the server's secret (app.kit.crypto): shown once at
    # creation, needed in clear text at each delivery, useless to someone with the table only.
    secret_sealed: Mapped[str] = mapped_column(String(200), nullable=False)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default="true"
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at()


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(f"event IN ({_DELIVERABLE})", name="known_event"),
        CheckConstraint("attempts >= 0", name="attempts"),
        CheckConstraint("(attempts = 0) = (last_attempt_at IS NULL)", name="attempt_time"),
        CheckConstraint("status <> 'succeeded' OR delivered_at IS NOT NULL", name="delivered"),
        CheckConstraint(
            "status <> 'failed' OR (attempts > 0 AND last_error IS NOT NULL)", name="failed_why"
        ),
        CheckConstraint(
            "last_status_code IS NULL OR last_status_code BETWEEN 100 AND 599", name="http_code"
        ),
        # The delivery log: a webhook's deliveries, newest first.
        Index("ix_webhook_deliveries_webhook_created", "webhook_id", "created_at"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    id: Mapped[uuid.UUID] = uuid_pk()
    webhook_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False
    )
    event: Mapped[str] = mapped_column(String(32), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "webhook_delivery_status"),
        nullable=False,
        default=DeliveryStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
