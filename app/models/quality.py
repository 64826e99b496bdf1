"""Quality control: per-item consensus, reviews, the job's fitted model, the work queue.

The counters per annotator live on ``job_annotators`` (app/models/labeling.py); the per-label
outcome (``counted``, ``agrees``) on ``labels``. See docs/quality.md.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at, str_enum


class ConsensusState(StrEnum):
    OPEN = "open"  # waiting for more labels
    DECIDED = "decided"  # confident enough (or as many labels as allowed): labels judged
    REVIEW = "review"  # in the QA lead's queue (low agreement, sampled, author paused)
    REVIEWED = "reviewed"  # a QA lead accepted, picked or corrected the answer
    REWORK = "rework"  # rejected in review: labeled again by others


class ReviewAction(StrEnum):
    ACCEPT = "accept"  # the consensus stands
    PICK = "pick"  # one annotator's label becomes the answer
    CORRECT = "correct"  # the reviewer's own answer
    REJECT = "reject"  # back to the pool for relabeling, with a comment


class ItemConsensus(Base):
    """The current consensus of one item's labels, and where the item stands in review."""

    __tablename__ = "item_consensus"
    __table_args__ = (
        CheckConstraint("confidence BETWEEN 0 AND 1", name="confidence_range"),
        CheckConstraint("n_labels >= 0", name="n_labels_not_negative"),
        CheckConstraint(
            "(state = 'review') = (review_reason IS NOT NULL)", name="review_has_reason"
        ),
        # The review queue: a job's items waiting for a QA lead, oldest first.
        Index(
            "ix_item_consensus_review",
            "job_id",
            "updated_at",
            postgresql_where=sql_text("state = 'review'"),
        ),
        Index("ix_item_consensus_job_state", "job_id", "state"),
    )

    item_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("labeling_jobs.id", ondelete="CASCADE"), nullable=False
    )
    task_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[ConsensusState] = mapped_column(
        str_enum(ConsensusState, "consensus_state"), nullable=False
    )
    answer: Mapped[Any] = mapped_column(JSONB, nullable=True)
    confidence: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    agreement: Mapped[float | None] = mapped_column(Float)
    n_labels: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0)
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    review_reason: Mapped[str | None] = mapped_column(String(32))
    # What the client is charged for the item (CNY): the job's price once the item is decided
    # (or reviewed) with at least one agreeing label, else 0. Equals the sum of its labels'
    # amounts (app/stats/money.py).
    charged: Mapped[Decimal] = mapped_column(
        Numeric(14, 4), nullable=False, default=Decimal(0), server_default="0"
    )
    # The comment of the review that sent the item back, shown with the item when relabeled.
    rework_note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class Review(Base):
    """One QA decision on an item: who, when, the answer before and after."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("(action = 'pick') = (label_id IS NOT NULL)", name="pick_has_label"),
        CheckConstraint("action = 'reject' OR after IS NOT NULL", name="decision_has_answer"),
        Index("ix_reviews_job_created", "job_id", "created_at"),
        Index("ix_reviews_item", "item_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("labeling_jobs.id", ondelete="CASCADE"), nullable=False
    )
    item_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("items.id", ondelete="CASCADE"), nullable=False
    )
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    action: Mapped[ReviewAction] = mapped_column(
        str_enum(ReviewAction, "review_action"), nullable=False
    )
    label_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("labels.id", ondelete="SET NULL")
    )
    before: Mapped[Any] = mapped_column(JSONB, nullable=True)
    after: Mapped[Any] = mapped_column(JSONB, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()


class JobQuality(Base):
    """A job's fitted consensus model and its last computed agreement metrics."""

    __tablename__ = "job_quality"

    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("labeling_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    fitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    labels_at_fit: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    metrics_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class QcDirty(Base):
    """Items whose labels changed since quality control last looked (an append-only inbox).

    Every new label gets a row from a statement trigger on ``labels``, in the submitting
    transaction (so nothing is missed, and the sweep counts each label exactly once); reviews
    add rows without a label. The sweep drains it with ``SKIP LOCKED``. Append-only on purpose:
    a unique item key would make a submit wait on a sweep holding that item's row.
    """

    __tablename__ = "qc_dirty"
    __table_args__ = (Index("ix_qc_dirty_job", "job_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    item_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    label_id: Mapped[int | None] = mapped_column(BigInteger)
