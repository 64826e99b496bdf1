"""The park's award rules (data it edits) and the milestone report they produce.

An enterprise qualifies for a rule when its staff (declared, else its active accounts) is
above the rule's ``min_staff`` and its revenue through the platform in a calendar year (what
its annotators' labels earned, Asia/Shanghai days) reaches the rule's threshold; the report
gives the day it first did.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.errors import InvalidInput, PermissionDenied
from app.models import AwardRule
from app.stats.park import STAFF_SQL

MAX_RULES = 50


class AwardRuleIn(BaseModel):
    threshold_cny: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    award_cny: Decimal = Field(ge=0, max_digits=16, decimal_places=2)
    min_staff: int = Field(default=100, ge=0, le=10_000_000)


class AwardRuleOut(AwardRuleIn):
    id: int


class AwardRules(BaseModel):
    rules: list[AwardRuleIn] = Field(max_length=MAX_RULES)

    @field_validator("rules")
    @classmethod
    def _distinct(cls, rules: list[AwardRuleIn]) -> list[AwardRuleIn]:
        seen = set()
        for rule in rules:
            key = (rule.threshold_cny, rule.min_staff)
            if key in seen:
                raise ValueError(
                    f"two rules for {rule.threshold_cny} CNY at more than {rule.min_staff} staff"
                )
            seen.add(key)
        return rules


class Milestone(BaseModel):
    enterprise_id: uuid.UUID
    enterprise_name: str
    staff: int
    year_revenue: Decimal
    threshold_cny: Decimal
    award_cny: Decimal
    passed_on: date


class MilestoneReport(BaseModel):
    year: int
    rules: list[AwardRuleOut]
    milestones: list[Milestone]
    total_awards: Decimal


def _park_only(principal: Principal) -> None:
    if not principal.is_park_admin:
        raise PermissionDenied("Only the park operator's admins see and edit award rules.")


async def list_rules(session: AsyncSession, principal: Principal) -> list[AwardRuleOut]:
    _park_only(principal)
    rows = await session.scalars(select(AwardRule).order_by(AwardRule.threshold_cny, AwardRule.id))
    return [AwardRuleOut.model_validate(r, from_attributes=True) for r in rows]


async def replace_rules(
    session: AsyncSession, principal: Principal, body: AwardRules
) -> list[AwardRuleOut]:
    """The whole rule table at once (all or nothing), recorded in the audit log."""
    _park_only(principal)
    before = [r.model_dump(mode="json") for r in await list_rules(session, principal)]
    await session.execute(delete(AwardRule))
    session.add_all(AwardRule(**r.model_dump()) for r in body.rules)
    await session.flush()
    record(
        session,
        principal,
        "stats.award_rules",
        target_type="award_rules",
        target_id="park",
        enterprise_id=principal.enterprise_id,
        changes={"before": before, "after": [r.model_dump(mode="json") for r in body.rules]},
    )
    return await list_rules(session, principal)


_MILESTONES = text(f"""
WITH daily AS (
    SELECT vendor_id, day, sum(earned) AS earned FROM team_daily
    WHERE day >= :start AND day < :end GROUP BY vendor_id, day
), running AS (
    SELECT vendor_id, day,
           sum(earned) OVER (PARTITION BY vendor_id ORDER BY day) AS so_far,
           sum(earned) OVER (PARTITION BY vendor_id) AS year_revenue
    FROM daily
), staffed AS (
    SELECT e.id, e.name, {STAFF_SQL} AS staff FROM enterprises e WHERE e.kind = 'vendor'
)
SELECT s.id AS enterprise_id, s.name AS enterprise_name, s.staff, r.threshold_cny, r.award_cny,
       min(x.day) AS passed_on, max(x.year_revenue) AS year_revenue
FROM award_rules r
JOIN staffed s ON s.staff > r.min_staff
JOIN running x ON x.vendor_id = s.id AND x.so_far >= r.threshold_cny
GROUP BY s.id, s.name, s.staff, r.id, r.threshold_cny, r.award_cny
ORDER BY passed_on, s.name, r.threshold_cny
""")


async def milestone_report(
    session: AsyncSession, principal: Principal, year: int
) -> MilestoneReport:
    _park_only(principal)
    if not 2000 <= year <= 2100:
        raise InvalidInput("year: between 2000 and 2100.")
    rows = await session.execute(
        _MILESTONES, {"start": date(year, 1, 1), "end": date(year + 1, 1, 1)}
    )
    milestones = [Milestone.model_validate(dict(r._mapping)) for r in rows]
    return MilestoneReport(
        year=year,
        rules=await list_rules(session, principal),
        milestones=milestones,
        total_awards=sum((m.award_cny for m in milestones), Decimal(0)),
    )
