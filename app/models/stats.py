"""Roll-ups of measured work and money, maintained incrementally (app/stats).

``work_daily`` holds one row per job, annotator and park day (Asia/Shanghai): what the
annotator submitted that day and how it was judged. Every change to a label's status or amount
moves these counters in the same transaction (the quality sweep and reviews), new labels are
counted by the sweep that first sees them, skips by the skip itself; so the table always
equals a recount of the labels, which the tests and ``brigade check`` verify.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class WorkDaily(Base):
    __tablename__ = "work_daily"
    __table_args__ = (
        CheckConstraint(
            "labels >= 0 AND gold_labels >= 0 AND accepted >= 0 AND rejected >= 0"
            " AND active_ms >= 0 AND lease_ms >= 0 AND skips >= 0"
            " AND earned >= 0",
            name="counts",
        ),
        Index("ix_work_daily_annotator_day", "annotator_id", "day"),
        Index("ix_work_daily_vendor_day", "vendor_id", "day"),
        Index("ix_work_daily_day", "day"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("labeling_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    annotator_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    vendor_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    labels: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    gold_labels: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accepted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active_ms: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    lease_ms: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0, server_default="0")
    skips: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    earned: Mapped[Decimal] = mapped_column(Numeric(16, 4), nullable=False, default=Decimal(0))


class AwardRule(Base):
    """One of the park's award rules: an enterprise with more than ``min_staff`` staff whose
    revenue through the platform in a calendar year first passes ``threshold_cny`` gets
    ``award_cny``. Data the park edits (``PUT /api/v1/stats/award-rules``), not code."""

    __tablename__ = "award_rules"
    __table_args__ = (
        CheckConstraint("threshold_cny > 0 AND award_cny >= 0 AND min_staff >= 0", name="values"),
        UniqueConstraint("threshold_cny", "min_staff"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    threshold_cny: Mapped[Decimal] = mapped_column(Numeric(16, 2), nullable=False)
    award_cny: Mapped[Decimal] = mapped_column(Numeric(16, 2), nullable=False)
    min_staff: Mapped[int] = mapped_column(Integer, nullable=False, default=100)
