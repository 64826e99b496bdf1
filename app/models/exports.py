"""Export requests: a job's labels written in a training format to object storage by a
background job (``app/exports``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at, str_enum, uuid_pk
from app.models.enums import ExportLabels, ExportStatus


class Export(Base):
    __tablename__ = "exports"
    __table_args__ = (
        # A finished export has its file; a failed one says why.
        CheckConstraint(
            "status <> 'done' OR (object_key IS NOT NULL AND size_bytes IS NOT NULL)",
            name="done_has_file",
        ),
        CheckConstraint("status <> 'failed' OR error IS NOT NULL", name="failed_has_error"),
        CheckConstraint("items_written >= 0 AND labels_written >= 0", name="counts"),
        CheckConstraint("items_skipped >= 0", name="skipped_not_negative"),
        Index("ix_exports_job_created", "job_id", "created_at"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    id: Mapped[uuid.UUID] = uuid_pk()
    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("labeling_jobs.id", ondelete="CASCADE"), nullable=False
    )
    # Who asked: a person, or a program through an API token (user_id then None).
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    token_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    format: Mapped[str] = mapped_column(String(32), nullable=False)
    labels: Mapped[ExportLabels] = mapped_column(
        str_enum(ExportLabels, "export_labels"), nullable=False
    )
    filters: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default=sql_text("'{}'::jsonb")
    )
    status: Mapped[ExportStatus] = mapped_column(
        str_enum(ExportStatus, "export_status"), nullable=False, default=ExportStatus.QUEUED
    )
    items_written: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    labels_written: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    # Items read but not in the file (an open consensus in a format that needs an answer, an
    # image of unknown size), and what the writer could not write as given.
    items_skipped: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    warnings: Mapped[list[str]] = mapped_column(
        JSONB, nullable=False, default=list, server_default=sql_text("'[]'::jsonb")
    )
    object_key: Mapped[str | None] = mapped_column(String(512))
    file_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(127))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
