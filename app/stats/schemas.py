"""API shapes of the roll-ups: work and money per period and group."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO weeks, starting Monday
    MONTH = "month"


class GroupBy(StrEnum):
    PARK = "park"  # everything the caller may see, as one row per period
    ANNOTATOR = "annotator"
    VENDOR = "vendor"
    JOB = "job"


class WorkRow(BaseModel):
    period: date = Field(description="First day of the period (Asia/Shanghai)")
    key: uuid.UUID | None = Field(description="The annotator, vendor or job; null for park")
    name: str | None
    labels: int
    gold_labels: int
    accepted: int
    rejected: int
    pending: int
    skips: int
    active_hours: float = Field(description="Time actually worked (idle gaps excluded)")
    lease_hours: float = Field(description="Wall time from lease to submit")
    labels_per_active_hour: float | None
    earned: Decimal = Field(description="CNY earned by the labels (what their clients pay)")


class WorkReport(BaseModel):
    granularity: Granularity
    group_by: GroupBy
    start: date
    end: date
    rows: list[WorkRow]
    totals: WorkRow
