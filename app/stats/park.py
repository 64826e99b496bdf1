"""The park operator's dashboard: the park's figures against its plan (targets are settings,
``BRIGADE_PARK__TARGET_*``), with a monthly trend. Read from the roll-ups, never from labels.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import ParkSettings
from app.errors import PermissionDenied
from app.kit.db import json_rows
from app.stats.periods import park_today


class Target(BaseModel):
    value: Decimal
    target: Decimal
    share: float  # value / target


class MonthFigures(BaseModel):
    month: date
    active_annotators: int
    active_vendors: int
    labels: int
    accepted: int
    revenue: Decimal


class ParkDashboard(BaseModel):
    as_of: date
    active_annotators_7d: Target
    active_annotators_30d: Target
    active_enterprises_30d: Target
    revenue_12m: Target
    headcount: Target
    trend: list[MonthFigures]


# An enterprise's staff: what it declared (settings.staff_count), else its active accounts.
STAFF_SQL = """coalesce((e.settings ->> 'staff_count')::int,
         (SELECT count(*) FROM users u WHERE u.enterprise_id = e.id AND u.is_active))"""

# Distinct active annotators over the trailing days, from their months' day bitmasks: each
# (month, mask) pair selects the window's days in that month.
# (Distinct through GROUP BY, which hashes, rather than count(DISTINCT), which sorts.)
_ACTIVE = """
SELECT count(*) FROM (
    SELECT m.annotator_id FROM annotator_months m
    JOIN jsonb_to_recordset(CAST(:{name} AS jsonb)) AS w(month date, mask int)
      ON w.month = m.month
    WHERE m.days & w.mask <> 0 GROUP BY m.annotator_id) a
"""
_FIGURES = text(f"""
SELECT
  ({_ACTIVE.format(name="last7")}) AS active_7d,
  ({_ACTIVE.format(name="last30")}) AS active_30d,
  (SELECT count(*) FROM (
      SELECT vendor_id FROM team_daily WHERE day > :today - 30 AND labels > 0
      UNION
      SELECT j.client_id FROM team_daily t JOIN labeling_jobs j ON j.id = t.job_id
      WHERE t.day > :today - 30 AND t.labels > 0) e) AS enterprises_30d,
  (SELECT coalesce(sum(earned), 0) FROM team_daily WHERE day > :today - 365) AS revenue_12m,
  (SELECT coalesce(sum({STAFF_SQL}), 0)
     FROM enterprises e WHERE e.is_active AND e.kind IN ('vendor', 'client')) AS headcount
""")
_TREND = text("""
WITH work AS (
    SELECT date_trunc('month', day)::date AS month, coalesce(sum(labels), 0) AS labels,
           coalesce(sum(accepted), 0) AS accepted, coalesce(sum(earned), 0) AS revenue
    FROM team_daily WHERE day >= :since GROUP BY 1
), people AS (
    SELECT month, count(*) AS active_annotators FROM (
        SELECT month, annotator_id FROM annotator_months
        WHERE month >= :since AND days <> 0 GROUP BY month, annotator_id) a
    GROUP BY month
), vendors AS (
    SELECT month, count(*) AS active_vendors FROM (
        SELECT month, vendor_id FROM annotator_months
        WHERE month >= :since AND days <> 0 GROUP BY month, vendor_id) v
    GROUP BY month
)
SELECT w.month, coalesce(p.active_annotators, 0) AS active_annotators,
       coalesce(v.active_vendors, 0) AS active_vendors, w.labels, w.accepted, w.revenue
FROM work w LEFT JOIN people p ON p.month = w.month LEFT JOIN vendors v ON v.month = w.month
ORDER BY w.month
""")


def month_masks(last: date, days: int) -> str:
    """The ``days`` park days ending with ``last`` as (month, bitmask) rows, JSON."""
    masks: dict[date, int] = {}
    for n in range(days):
        d = last - timedelta(days=n)
        first = d.replace(day=1)
        masks[first] = masks.get(first, 0) | 1 << (d.day - 1)
    return json_rows([{"month": m, "mask": mask} for m, mask in masks.items()])


def _target(value: Decimal | int, target: Decimal | int) -> Target:
    v, t = Decimal(value), Decimal(target)
    return Target(value=v, target=t, share=float(v / t))


async def park_dashboard(
    session: AsyncSession, principal: Principal, plan: ParkSettings
) -> ParkDashboard:
    if not principal.is_park_admin:
        raise PermissionDenied("Only the park operator's admins see the park dashboard.")
    today = park_today()
    params = {
        "today": today,
        "last7": month_masks(today, 7),
        "last30": month_masks(today, 30),
    }
    f = (await session.execute(_FIGURES, params)).one()
    since = (today.replace(day=1) - timedelta(days=335)).replace(day=1)  # 12 months
    trend = (await session.execute(_TREND, {"since": since})).all()
    return ParkDashboard(
        as_of=today,
        active_annotators_7d=_target(f.active_7d, plan.target_active_annotators),
        active_annotators_30d=_target(f.active_30d, plan.target_active_annotators),
        active_enterprises_30d=_target(f.enterprises_30d, plan.target_enterprises),
        revenue_12m=_target(f.revenue_12m, plan.target_revenue_cny),
        headcount=_target(f.headcount, plan.target_headcount),
        trend=[MonthFigures.model_validate(dict(r._mapping)) for r in trend],
    )
