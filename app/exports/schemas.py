"""API shapes of export requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.models.enums import ExportLabels, ExportStatus


class ExportRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"format": "coco", "labels": "consensus", "only_accepted": True},
                {"format": "jsonl", "labels": "raw", "submitted_from": "2026-11-01T00:00:00+08:00"},
            ]
        },
    )

    format: str = Field(
        description="jsonl, coco, yolo, voc, image_csv, text_csv, text_jsonl, conll, spacy or"
        " label_studio (GET /exports/formats lists which fit which label kinds)"
    )
    labels: ExportLabels = Field(
        default=ExportLabels.CONSENSUS,
        description="consensus: one answer per item; raw: every annotator's label too",
    )
    only_accepted: bool = Field(
        default=False,
        description="Consensus: only decided or reviewed items; raw: only accepted labels",
    )
    min_confidence: float | None = Field(
        default=None, ge=0, le=1, description="Only items whose consensus confidence is at least"
    )
    submitted_from: datetime | None = Field(
        default=None,
        description="Raw: labels submitted from this time; consensus: items decided from then",
    )
    submitted_to: datetime | None = Field(default=None, description="... and before this time")
    include_gold: bool = Field(
        default=False, description="Also the gold (known-answer) items, with their answers"
    )
    image_urls: bool = Field(
        default=True, description="Put a download link (valid 7 days) for each image in the file"
    )

    @model_validator(mode="after")
    def _times(self) -> ExportRequest:
        for name in ("submitted_from", "submitted_to"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name}: give a time zone (e.g. +08:00 or Z)")
        if (
            self.submitted_from is not None
            and self.submitted_to is not None
            and self.submitted_to <= self.submitted_from
        ):
            raise ValueError("submitted_to: must be after submitted_from")
        return self

    def filters(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"format", "labels"})


class ExportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    job_id: uuid.UUID
    format: str
    labels: ExportLabels
    filters: dict[str, Any]
    status: ExportStatus
    items_written: int = Field(description="Items in the file (while running: items read)")
    items_skipped: int = Field(
        description="Items left out: no consensus yet in a format that needs an answer, an"
        " image of unknown size"
    )
    labels_written: int = Field(description="Annotators' labels read (raw exports)")
    warnings: list[str] = Field(description="What could not be written as given")
    file_name: str | None
    content_type: str | None
    size_bytes: int | None
    sha256: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    download_url: str | None = Field(
        default=None, description="When done: a link to the file, valid for an hour"
    )


class FormatOut(BaseModel):
    name: str
    label_kinds: list[str]
    raw: bool = Field(description="Whether it can hold every annotator's label (raw exports)")
    content_type: str
    extension: str
    description: str
