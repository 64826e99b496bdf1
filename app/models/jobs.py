"""Labeling jobs: the client's unit of business, and which vendors may work on each."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, created_at, str_enum, uuid_pk
from app.models.enums import DataKind, Domain, EnterpriseKind, JobStatus

MAX_OVERLAP = 20
MAX_TASK_SIZE = 500
MIN_LEASE_SECONDS = 30
MAX_LEASE_SECONDS = 4 * 3600
MAX_GOLD_RATE = "0.5"
# Dynamic overlap may go beyond the overlap up to this many labels per item.
MAX_DYNAMIC_OVERLAP = 30


class LabelingJob(Base):
    __tablename__ = "labeling_jobs"
    __table_args__ = (
        # The owner must be a data-demand company: pinned through (id, kind) with a CHECK.
        ForeignKeyConstraint(
            ["client_id", "client_kind"], ["enterprises.id", "enterprises.kind"], ondelete="CASCADE"
        ),
        CheckConstraint("client_kind = 'client'", name="owner_is_client"),
        CheckConstraint(f"overlap BETWEEN 1 AND {MAX_OVERLAP}", name="overlap_range"),
        CheckConstraint("price_per_item >= 0", name="price_not_negative"),
        CheckConstraint(f"task_size BETWEEN 1 AND {MAX_TASK_SIZE}", name="task_size_range"),
        CheckConstraint("currency = 'CNY'", name="currency_cny"),
        CheckConstraint("label_schema ->> 'kind' IS NOT NULL", name="schema_has_kind"),
        CheckConstraint(
            f"lease_seconds BETWEEN {MIN_LEASE_SECONDS} AND {MAX_LEASE_SECONDS}", name="lease_range"
        ),
        CheckConstraint(f"gold_rate >= 0 AND gold_rate <= {MAX_GOLD_RATE}", name="gold_rate_range"),
        CheckConstraint("max_skip_streak >= 1", name="skip_streak_positive"),
        CheckConstraint("qc_target > 0 AND qc_target <= 1", name="qc_target_range"),
        CheckConstraint(
            f"max_overlap IS NULL OR max_overlap BETWEEN overlap AND {MAX_DYNAMIC_OVERLAP}",
            name="max_overlap_range",
        ),
        CheckConstraint(
            "early_stop_after IS NULL OR early_stop_after BETWEEN 1 AND overlap",
            name="early_stop_range",
        ),
        CheckConstraint("min_gold >= 1 AND min_est_labels >= 1", name="qc_minimums"),
        CheckConstraint(
            "(min_gold_accuracy IS NULL OR min_gold_accuracy BETWEEN 0 AND 1)"
            " AND (min_est_accuracy IS NULL OR min_est_accuracy BETWEEN 0 AND 1)",
            name="qc_thresholds",
        ),
        CheckConstraint("min_seconds_per_item > 0", name="min_seconds_positive"),
        CheckConstraint("review_rate >= 0 AND review_rate <= 1", name="review_rate_range"),
        CheckConstraint("on_pause IN ('keep', 'discount', 'review')", name="on_pause_values"),
        UniqueConstraint("client_id", "name"),
        Index("ix_labeling_jobs_status", "status"),
    )
    # Fetch updated_at with RETURNING on UPDATE too: async code cannot lazy-load it afterwards.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    id: Mapped[uuid.UUID] = uuid_pk()
    client_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    client_kind: Mapped[EnterpriseKind] = mapped_column(
        str_enum(EnterpriseKind, "job_client_kind"), nullable=False, default=EnterpriseKind.CLIENT
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    domain: Mapped[Domain] = mapped_column(str_enum(Domain, "domain"), nullable=False)
    data_kind: Mapped[DataKind] = mapped_column(str_enum(DataKind, "data_kind"), nullable=False)
    label_schema: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    instructions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    overlap: Mapped[int] = mapped_column(Integer, nullable=False)
    price_per_item: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="CNY")
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[JobStatus] = mapped_column(
        str_enum(JobStatus, "job_status"), nullable=False, default=JobStatus.DRAFT
    )
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Items per labeling task: 1 for fast classification, 10-50 for review batches.
    task_size: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    # Distribution: how long a lease lasts (renewed by heartbeats), the share of gold items
    # mixed into each annotator's stream, who may work (a skill), when skipping gets flagged,
    # and whether annotators work blind (never see other labels of the item).
    lease_seconds: Mapped[int] = mapped_column(
        Integer, nullable=False, default=300, server_default="300"
    )
    gold_rate: Mapped[Decimal] = mapped_column(
        Numeric(4, 3), nullable=False, default=Decimal("0.05"), server_default="0.05"
    )
    required_skill: Mapped[str | None] = mapped_column(String(64))
    max_skip_streak: Mapped[int] = mapped_column(
        Integer, nullable=False, default=10, server_default="10"
    )
    blind: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    # Quality control (app/quality, docs/quality.md). An item is decided when its consensus
    # confidence reaches qc_target; below it after its k labels it gets one more annotator, up
    # to max_overlap (NULL: never beyond the overlap); with early_stop_after set, an item that
    # reaches the target after that many labels stops there. Annotators are paused on the job
    # when their gold accuracy (after min_gold gold items) or estimated accuracy (after
    # min_est_labels decided labels) falls below the thresholds (NULL: rule off); on_pause says
    # what happens to their labels still pending. Labels faster than min_seconds_per_item are
    # counted as suspicious; review_rate is the share of decided items sampled for review.
    qc_target: Mapped[Decimal] = mapped_column(
        Numeric(4, 3), nullable=False, default=Decimal("0.8"), server_default="0.8"
    )
    max_overlap: Mapped[int | None] = mapped_column(Integer)
    early_stop_after: Mapped[int | None] = mapped_column(Integer)
    min_gold: Mapped[int] = mapped_column(Integer, nullable=False, default=5, server_default="5")
    min_gold_accuracy: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    min_est_labels: Mapped[int] = mapped_column(
        Integer, nullable=False, default=20, server_default="20"
    )
    min_est_accuracy: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    min_seconds_per_item: Mapped[Decimal] = mapped_column(
        Numeric(8, 2), nullable=False, default=Decimal("1"), server_default="1"
    )
    on_pause: Mapped[str] = mapped_column(
        String(16), nullable=False, default="review", server_default="review"
    )
    review_rate: Mapped[Decimal] = mapped_column(
        Numeric(4, 3), nullable=False, default=Decimal("0"), server_default="0"
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )

    vendors: Mapped[list[JobVendor]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="JobVendor.admitted_at"
    )

    @property
    def vendor_ids(self) -> list[uuid.UUID]:
        return [v.vendor_id for v in self.vendors]

    @property
    def vendor_shares(self) -> dict[uuid.UUID, int]:
        return {v.vendor_id: v.share for v in self.vendors}


class JobVendor(Base):
    """A vendor admitted to a job. Only vendors may be admitted (composite FK + CHECK)."""

    __tablename__ = "job_vendors"
    __table_args__ = (
        ForeignKeyConstraint(
            ["vendor_id", "vendor_kind"], ["enterprises.id", "enterprises.kind"], ondelete="CASCADE"
        ),
        CheckConstraint("vendor_kind = 'vendor'", name="admits_vendors_only"),
        CheckConstraint("share BETWEEN 1 AND 100", name="share_range"),
        Index("ix_job_vendors_vendor", "vendor_id"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("labeling_jobs.id", ondelete="CASCADE"),
        primary_key=True,
    )
    vendor_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    vendor_kind: Mapped[EnterpriseKind] = mapped_column(
        str_enum(EnterpriseKind, "job_vendor_kind"), nullable=False, default=EnterpriseKind.VENDOR
    )
    # Relative share of the job's slots this vendor's annotators get first (see LANES).
    share: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    admitted_at: Mapped[datetime] = created_at()
