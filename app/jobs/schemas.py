from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.jobs.label_schema import LabelSchema
from app.kit.validation import LongName
from app.models.enums import DataKind, Domain, JobStatus
from app.models.jobs import (
    MAX_DYNAMIC_OVERLAP,
    MAX_LEASE_SECONDS,
    MAX_OVERLAP,
    MIN_LEASE_SECONDS,
)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2026-12-31T18:00:00+08:00")
    return value


Price = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("1000000"), max_digits=14, decimal_places=4, examples=["0.35"]),
]
Deadline = Annotated[datetime | None, AfterValidator(_aware)]
LeaseSeconds = Annotated[
    int,
    Field(
        ge=MIN_LEASE_SECONDS,
        le=MAX_LEASE_SECONDS,
        description="How long an annotator holds an item without a heartbeat",
    ),
]
GoldRate = Annotated[
    Decimal,
    Field(
        ge=0,
        le=Decimal("0.5"),
        max_digits=4,
        decimal_places=3,
        description="Share of gold items mixed into each annotator's stream, e.g. 0.05",
    ),
]
Share = Annotated[Decimal, Field(ge=0, le=1, max_digits=4, decimal_places=3)]
OnPause = Literal["keep", "discount", "review"]


class QualityFields(BaseModel):
    """Quality control settings (docs/quality.md), the same on create, update and read."""

    qc_target: Annotated[Decimal, Field(gt=0, le=1, max_digits=4, decimal_places=3)] = Field(
        default=Decimal("0.8"), description="Consensus confidence that decides an item"
    )
    max_overlap: int | None = Field(
        default=None,
        ge=1,
        le=MAX_DYNAMIC_OVERLAP,
        description="Dynamic overlap: labels an unsure item may get (>= overlap; null: off)",
    )
    early_stop_after: int | None = Field(
        default=None, ge=1, description="Stop an item confident after this many labels (null: off)"
    )
    min_gold: int = Field(default=5, ge=1, le=10_000, description="Gold answers before judging")
    min_gold_accuracy: Share | None = Field(
        default=None, description="Pause annotators below this gold accuracy (null: off)"
    )
    min_est_labels: int = Field(default=20, ge=1, le=100_000)
    min_est_accuracy: Share | None = Field(
        default=None, description="Pause annotators below this estimated accuracy (null: off)"
    )
    min_seconds_per_item: Annotated[Decimal, Field(gt=0, le=3600, decimal_places=2)] = Field(
        default=Decimal("1"), description="Labels faster than this count as suspicious"
    )
    on_pause: OnPause = Field(
        default="review", description="A paused annotator's pending labels: keep, discount, review"
    )
    review_rate: Share = Field(
        default=Decimal("0"), description="Share of decided items sampled for review"
    )


Skill = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\w.:-]+$")]
VendorShares = Annotated[
    dict[uuid.UUID, Annotated[int, Field(ge=1, le=100)]],
    Field(max_length=100, description="Relative share of the work per admitted vendor (default 1)"),
]


class JobCreate(QualityFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "街景车辆框选 2026-12",
                    "domain": "autonomous_driving",
                    "label_schema": {
                        "kind": "image_boxes",
                        "labels": [{"name": "car", "title": "汽车"}, {"name": "person"}],
                    },
                    "instructions": "框出每一辆完整可见的汽车和每一个行人。",
                    "overlap": 3,
                    "price_per_item": "0.30",
                    "gold_rate": "0.05",
                }
            ]
        },
    )

    name: LongName
    domain: Domain
    label_schema: LabelSchema
    instructions: str = Field(default="", max_length=50_000)
    overlap: int = Field(default=3, ge=1, le=MAX_OVERLAP, description="Labels per item (k)")
    price_per_item: Price = Field(description="CNY per accepted item, exact decimal")
    deadline: Deadline = None
    priority: int = Field(default=0, ge=-100, le=100)
    vendor_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    vendor_shares: VendorShares = Field(default_factory=dict)
    lease_seconds: LeaseSeconds = 300
    gold_rate: GoldRate = Decimal("0.05")
    required_skill: Skill | None = None
    max_skip_streak: int = Field(default=10, ge=1, le=1000)
    blind: bool = True


class JobUpdate(BaseModel):
    """Partial update; ``label_schema`` may change only while the job is a draft."""

    model_config = ConfigDict(extra="forbid")

    name: LongName | None = None
    domain: Domain | None = None
    label_schema: LabelSchema | None = None
    instructions: str | None = Field(default=None, max_length=50_000)
    overlap: int | None = Field(default=None, ge=1, le=MAX_OVERLAP)
    price_per_item: Price | None = None
    deadline: Deadline = None
    priority: int | None = Field(default=None, ge=-100, le=100)
    vendor_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    vendor_shares: VendorShares | None = None
    lease_seconds: LeaseSeconds | None = None
    gold_rate: GoldRate | None = None
    required_skill: Skill | None = None
    max_skip_streak: int | None = Field(default=None, ge=1, le=1000)
    blind: bool | None = None
    qc_target: Annotated[Decimal, Field(gt=0, le=1, max_digits=4, decimal_places=3)] | None = None
    max_overlap: int | None = Field(default=None, ge=1, le=MAX_DYNAMIC_OVERLAP)
    early_stop_after: int | None = Field(default=None, ge=1)
    min_gold: int | None = Field(default=None, ge=1, le=10_000)
    min_gold_accuracy: Share | None = None
    min_est_labels: int | None = Field(default=None, ge=1, le=100_000)
    min_est_accuracy: Share | None = None
    min_seconds_per_item: Annotated[Decimal, Field(gt=0, le=3600, decimal_places=2)] | None = None
    on_pause: OnPause | None = None
    review_rate: Share | None = None


class JobOut(QualityFields):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    client_id: uuid.UUID
    name: str
    domain: Domain
    data_kind: DataKind
    label_schema: dict[str, Any]
    instructions: str
    overlap: int
    price_per_item: Decimal
    currency: str
    deadline: datetime | None
    status: JobStatus
    priority: int
    vendor_ids: list[uuid.UUID]
    vendor_shares: dict[uuid.UUID, int]
    lease_seconds: int
    gold_rate: Decimal
    required_skill: str | None
    max_skip_streak: int
    blind: bool
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class JobStatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: JobStatus
