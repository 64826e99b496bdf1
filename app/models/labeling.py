"""Distribution and labels: slots, leases (assignments), labels, per-annotator job state.

The invariants of crowdsourcing live in these constraints, not in Python read-check-write:

- A task has exactly ``overlap`` slots (``UNIQUE (task_id, slot_no)``, opened set-based when its
  dataset becomes ready) and a slot yields at most one label per item
  (``UNIQUE (slot_id, item_id)`` on labels), so no item ever gets more than k labels.
- An annotator is handed a task (or a gold item) at most once, whatever happens to the lease
  (``UNIQUE (task_id, annotator_id)`` / ``UNIQUE (item_id, annotator_id)`` on assignments), and
  labels an item at most once (``UNIQUE (item_id, annotator_id)`` on labels).
- A slot is open (no holder) or held by exactly one assignment (CHECK); taking it is an UPDATE of
  that one row under ``FOR UPDATE SKIP LOCKED``, so two annotators can never hold it at once.
- A submission id is used once (``UNIQUE``): a retried submit finds its first result.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, str_enum

# Vendors share a job's slots by lane: every slot has a lane in [0, LANES) (a hash of the slot)
# and each admitted vendor owns a range of lanes proportional to its share.
LANES = 1000


class SlotState(StrEnum):
    OPEN = "open"
    LEASED = "leased"
    DONE = "done"
    # Not needed any more (overlap lowered, items excluded) but kept: its assignment history
    # still says who saw the task. Opens again if the overlap is raised or items come back.
    RETIRED = "retired"


class AssignmentState(StrEnum):
    LEASED = "leased"  # the annotator holds it (until lease_until, renewable)
    SUBMITTED = "submitted"
    SKIPPED = "skipped"
    EXPIRED = "expired"  # the lease ran out and the slot went back to the pool
    RELEASED = "released"  # taken back: job cancelled or completed, annotator paused


class LabelStatus(StrEnum):
    PENDING = "pending"  # waiting for quality control
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class TaskSlot(Base):
    """One of the k places a task has for a label set; free, leased or done."""

    __tablename__ = "task_slots"
    __table_args__ = (
        UniqueConstraint("task_id", "slot_no"),
        CheckConstraint(f"lane >= 0 AND lane < {LANES}", name="lane_range"),
        # 63 at most: the queue orders by task_id * 64 + slot_no (see ix_task_slots_open).
        CheckConstraint("slot_no BETWEEN 1 AND 63", name="slot_no_range"),
        CheckConstraint(
            "(state IN ('open', 'retired')) = (assignment_id IS NULL)", name="holder_iff_taken"
        ),
        CheckConstraint("state <> 'leased' OR lease_until IS NOT NULL", name="lease_has_end"),
        # The pull queue: only free slots are indexed, in the order they are handed out
        # (oldest task first, so tasks already started are finished first). The order is an
        # expression on purpose: no other index can provide it, so the planner cannot pick the
        # (task_id, slot_no) unique index and walk every done slot at the front of the queue.
        Index(
            "ix_task_slots_open",
            "job_id",
            sql_text("(task_id * 64 + slot_no)"),
            postgresql_where=sql_text("state = 'open'"),
            postgresql_include=["lane"],
        ),
        Index("ix_task_slots_leased", "lease_until", postgresql_where=sql_text("state = 'leased'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # The task and its job (copied for the queue index): kept by per-statement triggers
    # (migration 0020), not a foreign key, whose per-row lookups were 40% of opening a big
    # dataset's slots; deleting a task deletes its slots.
    task_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    job_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    slot_no: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    lane: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    state: Mapped[SlotState] = mapped_column(
        str_enum(SlotState, "slot_state"), nullable=False, default=SlotState.OPEN
    )
    # No FK: slots and assignments reference each other; the checker verifies this side.
    assignment_id: Mapped[int | None] = mapped_column(BigInteger)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Assignment(Base):
    """A lease: one annotator holding one slot of a task (or one gold item) for a while."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("task_id", "annotator_id"),
        UniqueConstraint("item_id", "annotator_id"),
        UniqueConstraint("submission_id"),
        UniqueConstraint("id", "annotator_id"),  # target of labels' (assignment, annotator) FK
        CheckConstraint("(task_id IS NULL) <> (item_id IS NULL)", name="task_xor_gold_item"),
        CheckConstraint("(task_id IS NULL) = (slot_id IS NULL)", name="task_has_slot"),
        CheckConstraint("is_gold = (item_id IS NOT NULL)", name="gold_is_item"),
        CheckConstraint(
            "(state = 'submitted') = (submission_id IS NOT NULL)", name="submitted_has_id"
        ),
        CheckConstraint("state = 'leased' OR finished_at IS NOT NULL", name="finished_has_time"),
        Index("ix_assignments_held", "annotator_id", postgresql_where=sql_text("state = 'leased'")),
        Index("ix_assignments_slot", "slot_id", "leased_at"),
        Index("ix_assignments_job_annotator", "job_id", "annotator_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("labeling_jobs.id", ondelete="CASCADE"), nullable=False
    )
    annotator_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    vendor_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id", ondelete="CASCADE"), nullable=False
    )
    task_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("tasks.id", ondelete="CASCADE")
    )
    slot_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("task_slots.id", ondelete="CASCADE")
    )
    item_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("items.id", ondelete="CASCADE")
    )
    is_gold: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The items shown, fixed when leased: the submit must answer exactly these, even if the
    # client excludes one meanwhile (work handed out stands).
    item_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), nullable=False)
    state: Mapped[AssignmentState] = mapped_column(
        str_enum(AssignmentState, "assignment_state"),
        nullable=False,
        default=AssignmentState.LEASED,
    )
    leased_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    lease_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submission_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Autosaved work in progress, by item id; not validated (a draft may be half done).
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    draft_saved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    skip_reason: Mapped[str | None] = mapped_column(String(32))
    skip_note: Mapped[str | None] = mapped_column(Text)


class Label(Base):
    """One annotator's answer for one item, from one submitted assignment."""

    __tablename__ = "labels"
    __table_args__ = (
        UniqueConstraint("item_id", "annotator_id"),
        UniqueConstraint("slot_id", "item_id"),
        ForeignKeyConstraint(
            ["assignment_id", "annotator_id"],
            ["assignments.id", "assignments.annotator_id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("active_ms >= 0", name="active_ms_not_negative"),
        CheckConstraint("lease_ms >= 0", name="lease_ms_not_negative"),
        CheckConstraint("is_gold = (slot_id IS NULL)", name="gold_has_no_slot"),
        Index("ix_labels_job_submitted", "job_id", "submitted_at"),
        Index("ix_labels_annotator_submitted", "annotator_id", "submitted_at"),
        Index("ix_labels_assignment", "assignment_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("labeling_jobs.id", ondelete="CASCADE"), nullable=False
    )
    item_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("items.id", ondelete="CASCADE"), nullable=False
    )
    assignment_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    slot_id: Mapped[int | None] = mapped_column(BigInteger)
    annotator_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    vendor_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    is_gold: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    answer: Mapped[Any] = mapped_column(JSONB, nullable=False)
    status: Mapped[LabelStatus] = mapped_column(
        str_enum(LabelStatus, "label_status"),
        nullable=False,
        default=LabelStatus.PENDING,
        server_default=LabelStatus.PENDING.value,  # submit inserts with set-based SQL
    )
    # Quality control (app/quality): whether the label counts in the item's consensus (false
    # once a review rejected it or its author was paused with discounting), and whether it
    # agrees with the decided consensus, or for a gold item with the known answer.
    counted: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=sql_text("true")
    )
    agrees: Mapped[bool | None] = mapped_column(Boolean)
    # What the label earns its author (CNY, exact): its share of the item's price once the item
    # is decided and the label agrees with the decision; 0 otherwise (app/stats/money.py).
    amount: Mapped[Decimal] = mapped_column(
        Numeric(14, 4), nullable=False, default=Decimal(0), server_default="0"
    )
    # Measured by the workstation: time the annotator was actually working (idle excluded),
    # and the wall time from the lease to the submit. A submission covers all the items of
    # its task: both are shared out over its labels (to the millisecond, remainder to the
    # first items), so sums over labels are the time spent, not a multiple of it.
    active_ms: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_ms: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class JobAnnotator(Base):
    """An annotator's standing on one job: skip streak, flags, quality figures and pauses.

    The quality counters are maintained by quality control from the labels' ``agrees`` flags
    (deltas applied in the transaction that changes the flags), so they always equal a recount.
    """

    __tablename__ = "job_annotators"
    __table_args__ = (
        CheckConstraint("skip_streak >= 0 AND skips >= 0", name="counts"),
        CheckConstraint(
            "gold_correct BETWEEN 0 AND gold_total AND agreed BETWEEN 0 AND decided"
            " AND fast_labels >= 0 AND labels >= 0",
            name="quality_counts",
        ),
        CheckConstraint("est_accuracy BETWEEN 0 AND 1", name="est_accuracy_range"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("labeling_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    annotator_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    skip_streak: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    skips: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flag_reason: Mapped[str | None] = mapped_column(Text)
    paused: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    pause_reason: Mapped[str | None] = mapped_column(Text)
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Labels submitted on the job (gold included), and those faster than the job's minimum.
    labels: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    fast_labels: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    gold_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    gold_correct: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    # Labels on items whose consensus is decided, and how many of them agree with it.
    decided: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    agreed: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # From the job's Dawid-Skene model (classification jobs): expected share of correct answers.
    est_accuracy: Mapped[float | None] = mapped_column(Float)
