"""API shapes of quality control: the job's quality report, the review queue, review actions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.models import ConsensusState, DataKind, LabelStatus, ReviewAction

MAX_COMMENT = 2000


class StateCounts(BaseModel):
    open: int = 0
    decided: int = 0
    review: int = 0
    reviewed: int = 0
    rework: int = 0


class QualityReport(BaseModel):
    job_id: uuid.UUID
    label_kind: str
    method: str = Field(description="How consensus is computed for this job's label kind")
    target: float = Field(description="Consensus confidence an item needs to be decided")
    items: StateCounts
    mean_confidence: float | None
    mean_agreement: float | None = Field(description="Mean per-item agreement of its labels")
    model_fitted_at: datetime | None
    labels_at_fit: int
    metrics: dict[str, Any] | None = Field(
        description="Agreement metrics from the last refit: krippendorff_alpha, fleiss_kappa, "
        "observed_agreement, per_class, cohen_kappa (annotator pairs), confusion (per annotator)"
    )
    metrics_at: datetime | None
    annotator_names: dict[uuid.UUID, str | None] = Field(
        default_factory=dict,
        description="Display names of the annotators in the metrics (null where not shown)",
    )


class ConsensusOut(BaseModel):
    state: ConsensusState
    answer: Any
    confidence: float
    agreement: float | None
    n_labels: int
    method: str
    review_reason: str | None
    rework_note: str | None


class ReviewLabel(BaseModel):
    label_id: int
    annotator_id: uuid.UUID
    display_name: str | None = Field(description="Only for your own enterprise's people")
    vendor_id: uuid.UUID
    answer: Any
    counted: bool
    agrees: bool | None
    status: LabelStatus
    active_ms: int
    submitted_at: datetime


class ReviewRecord(BaseModel):
    id: int
    reviewer_id: uuid.UUID | None
    reviewer_name: str | None = Field(description="As for labels: only where names are shown")
    action: ReviewAction
    label_id: int | None
    before: Any
    after: Any
    comment: str | None
    created_at: datetime


class ReviewItem(BaseModel):
    item_id: int
    kind: DataKind
    text: str | None
    image_url: str | None
    width: int | None
    height: int | None
    consensus: ConsensusOut | None
    labels: list[ReviewLabel]
    history: list[ReviewRecord]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: ReviewAction
    label_id: int | None = Field(default=None, description="pick: the label to keep")
    answer: Any = Field(default=None, description="correct: the right answer (job's schema)")
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)

    @model_validator(mode="after")
    def _fits_action(self) -> ReviewIn:
        if (self.action is ReviewAction.PICK) != (self.label_id is not None):
            raise ValueError("label_id is required for pick and only for pick")
        if (self.action is ReviewAction.CORRECT) != (self.answer is not None):
            raise ValueError("answer is required for correct and only for correct")
        if self.action is ReviewAction.REJECT and not (self.comment or "").strip():
            raise ValueError("reject needs a comment telling the next annotators what was wrong")
        return self


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paused: bool
    reason: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _reason(self) -> PauseIn:
        if self.paused and not (self.reason or "").strip():
            raise ValueError("reason is required when pausing: the annotator sees it")
        return self
