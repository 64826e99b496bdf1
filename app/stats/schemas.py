"""API shapes of the roll-ups: work and money per period and group."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field


class Granularity(StrEnum):
    HOUR = "hour"  # park hours (Asia/Shanghai); per vendor, job, client, domain or kind
    DAY = "day"
    WEEK = "week"  # ISO weeks, starting Monday
    MONTH = "month"


class GroupBy(StrEnum):
    PARK = "park"  # everything the caller may see, as one row per period
    ANNOTATOR = "annotator"
    TEAM = "team"  # a vendor's teams, by the team each annotator is in now (null: none)
    VENDOR = "vendor"
    JOB = "job"
    CLIENT = "client"
    DOMAIN = "domain"  # the jobs' business domain (e-commerce, logistics, ...)
    KIND = "kind"  # the jobs' data kind (image, text)


class WorkRow(BaseModel):
    period: date = Field(description="First day of the period (Asia/Shanghai)")
    hour: int | None = Field(description="Hour of the day (0-23, Asia/Shanghai) for hourly")
    key: str | None = Field(
        description="The annotator, vendor, job or client id, or the domain or data kind;"
        " null for park"
    )
    name: str | None
    labels: int
    gold_labels: int
    gold_judged: int = Field(description="Gold labels quality control has judged")
    gold_correct: int = Field(description="... of which matched the known answer")
    gold_accuracy: float | None = Field(description="gold_correct / gold_judged")
    judged: int = Field(description="Other labels judged against the consensus")
    agreed: int = Field(description="... of which agreed with it")
    agreement: float | None = Field(description="agreed / judged: agreement with consensus")
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
