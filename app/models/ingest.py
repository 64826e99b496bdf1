"""Datasets, items and labeling tasks: what ingest produces and distribution consumes.

Invariants live here: an item's content hash is unique within its labeling job (exact
duplicates cannot be stored twice, whatever the race), an item's position in its dataset is
unique (a resumed ingest cannot store a row twice), and a task is a contiguous id range of one
dataset's items (no per-item rewrite when splitting).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, created_at, str_enum, uuid_pk
from app.models.enums import DataKind, DatasetStatus

# Items and tasks take ids in blocks: each nextval() of their identity sequences reserves
# ID_BLOCK ids for one ingest batch (app.ingest.repository.take_ids), so a batch of 20,000 rows
# costs 20 sequence calls instead of 20,000. Gaps are fine; ids are bigint.
ID_BLOCK = 1024


class Dataset(Base):
    """One upload into one labeling job, ingested by one background job."""

    __tablename__ = "datasets"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key"),
        UniqueConstraint("id", "job_id"),  # what items' and tasks' (dataset, job) refer to
        CheckConstraint("received >= 0 AND accepted >= 0 AND rejected >= 0", name="counts"),
        Index("ix_datasets_job", "job_id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    id: Mapped[uuid.UUID] = uuid_pk()
    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("labeling_jobs.id", ondelete="CASCADE"), nullable=False
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id", ondelete="CASCADE"), nullable=False
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[DataKind] = mapped_column(str_enum(DataKind, "dataset_kind"), nullable=False)
    format: Mapped[str] = mapped_column(String(32), nullable=False)
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    is_gold: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    raw_key: Mapped[str | None] = mapped_column(String(512))
    raw_size: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[DatasetStatus] = mapped_column(
        str_enum(DatasetStatus, "dataset_status"), nullable=False, default=DatasetStatus.QUEUED
    )
    # Progress, updated in the same transaction as each committed batch of items.
    received: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accepted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    near_duplicates: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tasks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Resume point: every source record with seq <= checkpoint is committed (item or rejection).
    checkpoint: Mapped[int] = mapped_column(BigInteger, nullable=False, default=-1)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Item(Base):
    """One thing to label: an image (object in storage) or a text (kept in the row)."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("job_id", "content_sha256"),
        UniqueConstraint("dataset_id", "seq"),
        # (dataset_id, job_id) is a dataset of that job, and deleting the dataset deletes its
        # items: kept by per-statement triggers (migration 0019), not a foreign key, whose
        # per-row check was 40% of an ingest batch's database time.
        CheckConstraint(
            "(kind = 'text' AND text IS NOT NULL) OR (kind = 'image' AND object_key IS NOT NULL)",
            name="payload_matches_kind",
        ),
        CheckConstraint("char_length(content_sha256) = 64", name="sha256_hex"),
        # Gold items are drawn per annotator at the job's rate; a job's gold set is small.
        Index("ix_items_gold", "job_id", postgresql_where=sql_text("is_gold")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(increment=ID_BLOCK), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    dataset_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    kind: Mapped[DataKind] = mapped_column(str_enum(DataKind, "item_kind"), nullable=False)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    source: Mapped[str | None] = mapped_column(String(512))  # file name or "line 17"
    text: Mapped[str | None] = mapped_column(Text)
    object_key: Mapped[str | None] = mapped_column(String(512))
    thumb_key: Mapped[str | None] = mapped_column(String(512))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    phash: Mapped[int | None] = mapped_column(BigInteger)
    # Server defaults too: ingest inserts with set-based SQL, not through the ORM.
    meta: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default=sql_text("'{}'::jsonb")
    )
    # What cleaning did (NFKC, EXIF rotation, conversion, masked PII spans …).
    cleaning: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default=sql_text("'{}'::jsonb")
    )
    is_gold: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    near_dup_of: Mapped[int | None] = mapped_column(BigInteger)
    # Set by the client to keep a flagged near-duplicate out of labeling.
    excluded: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    # Labeled before it came here (annotations imported from Label Studio): its answer is
    # the imported one, and it gets no labeling slots.
    prelabeled: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = created_at()


class GoldAnswer(Base):
    """Known answers, kept apart from items: no query that serves annotators touches them."""

    __tablename__ = "gold_answers"

    item_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    answer: Mapped[Any] = mapped_column(JSONB, nullable=False)


class IngestRejection(Base):
    """A source record that did not become an item, with the reason the client sees."""

    __tablename__ = "ingest_rejections"
    __table_args__ = (UniqueConstraint("dataset_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dataset_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False
    )
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    source: Mapped[str | None] = mapped_column(String(512))
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False)
    duplicate_of: Mapped[int | None] = mapped_column(BigInteger)


class Task(Base):
    """A unit handed to annotators: a contiguous run of one dataset's items.

    Its items are ``items WHERE dataset_id = … AND id BETWEEN first_item_id AND last_item_id``
    (gold and excluded items left out); the manifest shard lists them for clients and workers.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("dataset_id", "seq"),
        # In its dataset and job: per-statement triggers, as for items (migration 0019).
        CheckConstraint("first_item_id <= last_item_id AND item_count > 0", name="range"),
        CheckConstraint("extra_slots BETWEEN -63 AND 63", name="extra_slots_range"),
        Index("ix_tasks_job", "job_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(increment=ID_BLOCK), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    dataset_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    first_item_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_item_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    item_count: Mapped[int] = mapped_column(Integer, nullable=False)
    # Manifests are sharded (a few hundred objects for a big dataset, not one per task): this
    # task's line is in shard ``manifest_shard`` (``app.ingest.service.manifest_key``).
    manifest_shard: Mapped[int] = mapped_column(Integer, nullable=False)
    # Slots beyond (or below) the job's overlap for this task, set by quality control: dynamic
    # overlap adds one for a low-confidence item, early stop and review rework move it too.
    # ``brigade_task_k`` = overlap + extra_slots, within the 63 slots a task can have.
    extra_slots: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, default=0, server_default="0"
    )
    created_at: Mapped[datetime] = created_at()
