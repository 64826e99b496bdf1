"""Roll-up API: work and money per period, for every role's own view."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.dependencies import CurrentPrincipal
from app.kit.deps import DbSession
from app.stats.periods import park_today
from app.stats.schemas import Granularity, GroupBy, WorkReport
from app.stats.service import work_report

router = APIRouter(prefix="/stats", tags=["stats"])


@router.get("/work", response_model=WorkReport, operation_id="work_report")
async def work(
    principal: CurrentPrincipal,
    session: DbSession,
    start: Annotated[
        date | None, Query(description="First park day (default: 29 days ago)")
    ] = None,
    end: Annotated[date | None, Query(description="Last park day (default: today)")] = None,
    granularity: Granularity = Granularity.DAY,
    group_by: GroupBy = GroupBy.PARK,
    job_id: uuid.UUID | None = None,
    vendor_id: uuid.UUID | None = None,
    annotator_id: uuid.UUID | None = None,
) -> WorkReport:
    """Labels, accepted / rejected / pending, gold labels, skips, active hours, labels per
    active hour and CNY earned, per day, ISO week or month (Asia/Shanghai days), grouped by
    annotator, vendor, job or not at all. Everyone sees only their own scope: an annotator
    their own work, a vendor's staff their people, a client its jobs, the park everything.
    Labels count on the day they were submitted; their status and amount follow quality
    control."""
    last = end or park_today()
    return await work_report(
        session,
        principal,
        start=start or last - timedelta(days=29),
        end=last,
        granularity=granularity,
        group_by=group_by,
        job_id=job_id,
        vendor_id=vendor_id,
        annotator_id=annotator_id,
    )
