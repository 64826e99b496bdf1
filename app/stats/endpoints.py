"""Roll-up API: work and money per period, for every role's own view."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.auth.dependencies import CurrentPrincipal
from app.kit.deps import AppSettings, DbSession
from app.stats.awards import (
    AwardRuleOut,
    AwardRules,
    MilestoneReport,
    list_rules,
    milestone_report,
    replace_rules,
)
from app.stats.park import ParkDashboard, park_dashboard
from app.stats.periods import park_today
from app.stats.schemas import Granularity, GroupBy, WorkReport
from app.stats.service import work_report
from app.stats.statements import Statement, statement, to_csv

router = APIRouter(prefix="/stats", tags=["stats"])


@router.get("/work", response_model=WorkReport, operation_id="work_report")
async def work(
    principal: CurrentPrincipal,
    session: DbSession,
    start: Annotated[
        date | None,
        Query(description="First park day (default: 29 days ago; by hour: the last day)"),
    ] = None,
    end: Annotated[date | None, Query(description="Last park day (default: today)")] = None,
    granularity: Granularity = Granularity.DAY,
    group_by: GroupBy = GroupBy.PARK,
    job_id: uuid.UUID | None = None,
    vendor_id: uuid.UUID | None = None,
    annotator_id: uuid.UUID | None = None,
) -> WorkReport:
    """Labels, accepted / rejected / pending, gold labels and accuracy, agreement with the
    consensus, skips, active hours, labels per active hour and CNY earned, per hour, day, ISO
    week or month (Asia/Shanghai), grouped by annotator, vendor, job, client, domain, data
    kind or not at all (hourly: up to 14 days). Everyone sees only their own scope: an
    annotator their own work, a vendor's staff their people, a client its jobs, the park
    everything.
    Labels count on the day they were submitted; their status and amount follow quality
    control."""
    last = end or park_today()
    default_days = 0 if granularity is Granularity.HOUR else 29
    return await work_report(
        session,
        principal,
        start=start or last - timedelta(days=default_days),
        end=last,
        granularity=granularity,
        group_by=group_by,
        job_id=job_id,
        vendor_id=vendor_id,
        annotator_id=annotator_id,
    )


@router.get(
    "/statements/{month}",
    response_model=Statement,
    operation_id="monthly_statement",
    responses={200: {"content": {"text/csv": {}}}},
)
async def monthly_statement(
    month: str,
    principal: CurrentPrincipal,
    session: DbSession,
    enterprise_id: Annotated[
        uuid.UUID | None, Query(description="Park admins: whose (default: your own)")
    ] = None,
    format: Annotated[Literal["json", "csv"], Query(description="csv: a spreadsheet")] = "json",
) -> Statement | Response:
    """The month's statement (YYYY-MM, Asia/Shanghai days) of a vendor (what its annotators
    earned, per job and person) or a client (what it owes, per job): the exact sum of the
    amounts of the labels submitted that month, with those still pending shown apart.
    Enterprise admins read their own; the park reads anyone's."""
    s = await statement(session, principal, enterprise_id, month)
    if format == "csv":
        name = f"brigade-statement-{s.month}-{s.enterprise_id}.csv"
        return Response(
            to_csv(s),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return s


@router.get("/park", response_model=ParkDashboard, operation_id="park_dashboard")
async def park(
    principal: CurrentPrincipal, session: DbSession, settings: AppSettings
) -> ParkDashboard:
    """The park operator's dashboard: active annotators in the last 7 and 30 days, enterprises
    with activity, trailing-12-month revenue and headcount, each against the park's target
    (settings ``BRIGADE_PARK__TARGET_*``), with the last 12 months' trend. Park admins only."""
    return await park_dashboard(session, principal, settings.park)


@router.get("/award-rules", response_model=list[AwardRuleOut], operation_id="award_rules")
async def award_rules(principal: CurrentPrincipal, session: DbSession) -> list[AwardRuleOut]:
    """The park's award rules (park admins)."""
    return await list_rules(session, principal)


@router.put("/award-rules", response_model=list[AwardRuleOut], operation_id="set_award_rules")
async def set_award_rules(
    body: AwardRules, principal: CurrentPrincipal, session: DbSession
) -> list[AwardRuleOut]:
    """Replace the award rules (the whole table, all or nothing; audited). Park admins."""
    return await replace_rules(session, principal, body)


@router.get("/milestones/{year}", response_model=MilestoneReport, operation_id="milestones")
async def milestones(year: int, principal: CurrentPrincipal, session: DbSession) -> MilestoneReport:
    """For the award rules: each vendor above a rule's staff size whose revenue through the
    platform in ``year`` passed the rule's threshold, the day it first did and the award.
    Park admins."""
    return await milestone_report(session, principal, year)
