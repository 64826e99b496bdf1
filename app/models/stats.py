"""Roll-ups of measured work and money, maintained incrementally (app/stats).

``work_daily`` holds one row per job, annotator and park day (Asia/Shanghai): what the
annotator submitted that day and how it was judged; ``work_hourly`` the same per hour;
``team_daily`` and ``team_hourly`` the same per vendor, ``annotator_months`` the days each
annotator was active. Every change to a label's status or amount moves all of them by the same
deltas in the same transaction (``app/stats/rollup.py``: the quality sweep and reviews), new
labels are counted by the sweep that first sees them, skips by the skip itself; so the tables
always equal a recount of the labels, which the tests and ``brigade check`` verify.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
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

COUNTS = (
    "labels",
    "gold_labels",
    "gold_judged",
    "gold_correct",
    "judged",
    "agreed",
    "accepted",
    "rejected",
    "active_ms",
    "lease_ms",
    "skips",
)
# Every roll-up table carries the same counters, none negative.
COUNTS_CHECK = " AND ".join(f"{c} >= 0" for c in (*COUNTS, "earned"))


class _Counts:
    """What a roll-up row adds up: submitted labels (gold among them), how they were judged
    (gold answered right; others agreeing with the consensus), their status, time and money."""

    labels: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    gold_labels: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    gold_judged: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    gold_correct: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    judged: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    agreed: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    accepted: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    rejected: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    active_ms: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    lease_ms: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    skips: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    earned: Mapped[Decimal] = mapped_column(Numeric(16, 4), nullable=False, server_default="0")


def _job_fk() -> Mapped[uuid.UUID]:
    return mapped_column(
        UUID(as_uuid=True), ForeignKey("labeling_jobs.id", ondelete="CASCADE"), primary_key=True
    )


def _vendor_fk() -> Mapped[uuid.UUID]:
    return mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )


class WorkDaily(_Counts, Base):
    """Per job, annotator and park day: the level annotators' and vendors' team views read."""

    __tablename__ = "work_daily"
    __table_args__ = (
        CheckConstraint(COUNTS_CHECK, name="counts"),
        Index("ix_work_daily_annotator_day", "annotator_id", "day"),
        Index("ix_work_daily_vendor_day", "vendor_id", "day"),
        Index("ix_work_daily_day", "day"),
    )

    job_id: Mapped[uuid.UUID] = _job_fk()
    annotator_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    vendor_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)


class WorkHourly(_Counts, Base):
    """Per job, annotator and hour (the hour's start): an annotator's own hours, and a team
    lead's view of their people through a shift. About eight rows per annotator and working
    day, against one in ``work_daily``."""

    __tablename__ = "work_hourly"
    __table_args__ = (
        CheckConstraint(COUNTS_CHECK, name="counts"),
        Index("ix_work_hourly_annotator_hour", "annotator_id", "hour"),
        Index("ix_work_hourly_vendor_hour", "vendor_id", "hour"),
    )

    job_id: Mapped[uuid.UUID] = _job_fk()
    annotator_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    vendor_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)


class TeamDaily(_Counts, Base):
    """Per job, vendor and park day: ``work_daily`` one level up (a vendor's people on a job),
    so park-, client-, vendor- and job-wide views read ~100 times fewer rows."""

    __tablename__ = "team_daily"
    __table_args__ = (
        CheckConstraint(COUNTS_CHECK, name="counts"),
        Index("ix_team_daily_vendor_day", "vendor_id", "day"),
        Index("ix_team_daily_day", "day"),
    )

    job_id: Mapped[uuid.UUID] = _job_fk()
    vendor_id: Mapped[uuid.UUID] = _vendor_fk()
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class TeamHourly(_Counts, Base):
    """Per job, vendor and hour (the hour's start; the park's hours are whole UTC hours): the
    hourly views and the current rate behind a job's ETA."""

    __tablename__ = "team_hourly"
    __table_args__ = (
        CheckConstraint(COUNTS_CHECK, name="counts"),
        Index("ix_team_hourly_hour", "hour"),
    )

    job_id: Mapped[uuid.UUID] = _job_fk()
    vendor_id: Mapped[uuid.UUID] = _vendor_fk()
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)


class AnnotatorMonth(Base):
    """Which park days of a month an annotator submitted labels (bit d-1 for day d), per
    vendor: distinct active annotators over any window (7 / 30 days, a month) from at most a
    few thousand rows, where ``work_daily`` would need a year of annotator-days."""

    __tablename__ = "annotator_months"
    __table_args__ = (
        CheckConstraint("extract(day FROM month) = 1", name="first_of_month"),
        Index("ix_annotator_months_annotator", "annotator_id", "month"),
    )

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    vendor_id: Mapped[uuid.UUID] = _vendor_fk()
    annotator_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    days: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


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
