"""Reading the roll-ups: one scoped aggregation over ``work_daily`` for every view.

Tenant scoping comes from ``app.scoping`` (the park sees all, a client its jobs, a vendor's
staff their own people, an annotator their own rows), so the same query serves the
annotator's own stats, a vendor's team table, a client's job and the park dashboard.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, String, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.errors import InvalidInput
from app.models import Enterprise, LabelingJob, User, WorkDaily
from app.scoping import scope_clause
from app.stats.schemas import Granularity, GroupBy, WorkReport, WorkRow

MAX_DAYS = 800  # a little over two years per request

_KEY = {
    GroupBy.ANNOTATOR: WorkDaily.annotator_id,
    GroupBy.VENDOR: WorkDaily.vendor_id,
    GroupBy.JOB: WorkDaily.job_id,
}
_NAMES: dict[GroupBy, tuple[Any, Any]] = {
    GroupBy.ANNOTATOR: (User.id, User.display_name),
    GroupBy.VENDOR: (Enterprise.id, Enterprise.name),
    GroupBy.JOB: (LabelingJob.id, LabelingJob.name),
}


def _row(period: date, key: uuid.UUID | None, name: str | None, r: Any) -> WorkRow:
    hours = int(r.active_ms or 0) / 3_600_000
    labels = int(r.labels or 0)
    return WorkRow(
        period=period,
        key=key,
        name=name,
        labels=labels,
        gold_labels=int(r.gold_labels or 0),
        accepted=int(r.accepted or 0),
        rejected=int(r.rejected or 0),
        pending=labels - int(r.accepted or 0) - int(r.rejected or 0),
        skips=int(r.skips or 0),
        active_hours=round(hours, 3),
        lease_hours=round(int(r.lease_ms or 0) / 3_600_000, 3),
        labels_per_active_hour=round(labels / hours, 2) if hours > 0 else None,
        earned=Decimal(r.earned or 0),
    )


async def work_report(
    session: AsyncSession,
    principal: Principal,
    *,
    start: date,
    end: date,
    granularity: Granularity,
    group_by: GroupBy,
    job_id: uuid.UUID | None = None,
    vendor_id: uuid.UUID | None = None,
    annotator_id: uuid.UUID | None = None,
) -> WorkReport:
    if end < start:
        raise InvalidInput("end: must not be before start.")
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(f"end: at most {MAX_DAYS} days per request.")
    period = (
        WorkDaily.day
        if granularity is Granularity.DAY
        else cast(func.date_trunc(granularity.value, WorkDaily.day), Date)
    ).label("period")
    key = (
        _KEY[group_by].label("key")
        if group_by in _KEY
        else cast(literal(None), String).label("key")
    )
    sums = [
        func.sum(getattr(WorkDaily, c)).label(c)
        for c in (
            "labels",
            "gold_labels",
            "accepted",
            "rejected",
            "skips",
            "active_ms",
            "lease_ms",
            "earned",
        )
    ]
    where = [
        scope_clause(principal, WorkDaily),
        WorkDaily.day >= start,
        WorkDaily.day <= end,
    ]
    if job_id is not None:
        where.append(WorkDaily.job_id == job_id)
    if vendor_id is not None:
        where.append(WorkDaily.vendor_id == vendor_id)
    if annotator_id is not None:
        where.append(WorkDaily.annotator_id == annotator_id)
    stmt = select(period, key, *sums).where(*where).group_by(period, key).order_by(period, key)
    rows = (await session.execute(stmt)).all()
    names = await _names(session, group_by, {r.key for r in rows if r.key is not None})
    totals_row = (await session.execute(select(*sums).where(*where))).one()
    return WorkReport(
        granularity=granularity,
        group_by=group_by,
        start=start,
        end=end,
        rows=[_row(r.period, r.key, names.get(r.key), r) for r in rows],
        totals=_row(start, None, None, totals_row),
    )


async def _names(
    session: AsyncSession, group_by: GroupBy, keys: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if group_by not in _NAMES or not keys:
        return {}
    id_col, name_col = _NAMES[group_by]
    rows = await session.execute(select(id_col, name_col).where(id_col.in_(keys)))
    return {r[0]: r[1] for r in rows}
