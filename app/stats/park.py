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

_FIGURES = text(f"""
SELECT
  (SELECT count(DISTINCT annotator_id) FROM work_daily
    WHERE day > :today - 7 AND labels > 0) AS active_7d,
  (SELECT count(DISTINCT annotator_id) FROM work_daily
    WHERE day > :today - 30 AND labels > 0) AS active_30d,
  (SELECT count(*) FROM (
      SELECT vendor_id FROM work_daily WHERE day > :today - 30 AND labels > 0
      UNION
      SELECT j.client_id FROM work_daily w JOIN labeling_jobs j ON j.id = w.job_id
      WHERE w.day > :today - 30 AND w.labels > 0) e) AS enterprises_30d,
  (SELECT coalesce(sum(earned), 0) FROM work_daily WHERE day > :today - 365) AS revenue_12m,
  (SELECT coalesce(sum({STAFF_SQL}), 0)
     FROM enterprises e WHERE e.is_active AND e.kind IN ('vendor', 'client')) AS headcount
""")
_TREND = text("""
SELECT date_trunc('month', day)::date AS month,
       count(DISTINCT annotator_id) FILTER (WHERE labels > 0) AS active_annotators,
       count(DISTINCT vendor_id) FILTER (WHERE labels > 0) AS active_vendors,
       coalesce(sum(labels), 0) AS labels, coalesce(sum(accepted), 0) AS accepted,
       coalesce(sum(earned), 0) AS revenue
FROM work_daily WHERE day >= :since
GROUP BY 1 ORDER BY 1
""")


def _target(value: Decimal | int, target: Decimal | int) -> Target:
    v, t = Decimal(value), Decimal(target)
    return Target(value=v, target=t, share=float(v / t))


async def park_dashboard(
    session: AsyncSession, principal: Principal, plan: ParkSettings
) -> ParkDashboard:
    if not principal.is_park_admin:
        raise PermissionDenied("Only the park operator's admins see the park dashboard.")
    today = park_today()
    f = (await session.execute(_FIGURES, {"today": today})).one()
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
