"""Labels made elsewhere and brought in (Label Studio annotations and predictions): kept as
they came, apart from Brigade's own labels, which always have an annotator and an assignment
behind them (``app/imports``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at


class ImportedLabel(Base):
    __tablename__ = "imported_labels"
    __table_args__ = (
        CheckConstraint("origin IN ('annotation', 'prediction')", name="origin_values"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 1", name="score_range"),
        # Importing the same export twice adds nothing (the tool's own ids are the key).
        UniqueConstraint("item_id", "source", "origin", "source_id"),
        Index("ix_imported_labels_job_item", "job_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("labeling_jobs.id", ondelete="CASCADE"), nullable=False
    )
    item_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("items.id", ondelete="CASCADE"), nullable=False
    )
    source: Mapped[str] = mapped_column(String(32), nullable=False)  # "label_studio"
    origin: Mapped[str] = mapped_column(String(16), nullable=False)
    source_id: Mapped[str] = mapped_column(String(64), nullable=False)  # the tool's own id
    author: Mapped[str | None] = mapped_column(String(254))  # who made it there (id or email)
    answer: Mapped[Any] = mapped_column(JSONB, nullable=False)  # Brigade's answer shape
    score: Mapped[float | None] = mapped_column(Float)  # predictions' model score
    made_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    imported_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at()
