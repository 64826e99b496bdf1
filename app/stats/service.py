"""Reading the roll-ups: one scoped aggregation for every view, over the coarsest table
that can answer it.

Per-annotator views (an annotator's own stats, a vendor's team table, one person's history)
read ``work_daily``, or by hour ``work_hourly``; everything else reads ``team_daily`` (per
vendor, ~100 times fewer rows) or, hourly, ``team_hourly``. Tenant scoping comes from
``app.scoping`` (the park sees all, a client its jobs, a vendor's staff their own people, an
annotator their own rows), so the same query serves the annotator's own stats, a vendor's
team table, a client's job and the park dashboard.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, String, cast, extract, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.errors import InvalidInput
from app.models import (
    Enterprise,
    LabelingJob,
    Role,
    Team,
    TeamDaily,
    TeamHourly,
    User,
    WorkDaily,
    WorkHourly,
)
from app.models.stats import COUNTS
from app.scoping import scope_clause
from app.stats.periods import PARK_TIMEZONE
from app.stats.schemas import Granularity, GroupBy, WorkReport

MAX_DAYS = 800  # a little over two years per request
MAX_HOURLY_DAYS = 14

_NAMES: dict[GroupBy, tuple[Any, Any]] = {
    GroupBy.ANNOTATOR: (User.id, User.display_name),
    GroupBy.VENDOR: (Enterprise.id, Enterprise.name),
    GroupBy.CLIENT: (Enterprise.id, Enterprise.name),
    GroupBy.JOB: (LabelingJob.id, LabelingJob.name),
    GroupBy.TEAM: (Team.id, Team.name),
}
_BY_JOB = {
    GroupBy.CLIENT: LabelingJob.client_id,
    GroupBy.DOMAIN: LabelingJob.domain,
    GroupBy.KIND: LabelingJob.data_kind,
}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _row(v: dict[str, Any], period: date, key: Any, name: str | None) -> dict[str, Any]:
    """A ``WorkRow`` as a dict (validated with the whole report in one call: a few thousand
    rows cost milliseconds that way, where a model or attribute access per row costs tens)."""
    n = {c: int(v[c] or 0) for c in COUNTS}
    hours = n["active_ms"] / 3_600_000
    return dict(
        period=period,
        hour=v.get("hour"),
        key=None if key is None else str(key),
        name=name,
        labels=n["labels"],
        gold_labels=n["gold_labels"],
        gold_judged=n["gold_judged"],
        gold_correct=n["gold_correct"],
        gold_accuracy=_share(n["gold_correct"], n["gold_judged"]),
        judged=n["judged"],
        agreed=n["agreed"],
        agreement=_share(n["agreed"], n["judged"]),
        accepted=n["accepted"],
        rejected=n["rejected"],
        pending=n["labels"] - n["accepted"] - n["rejected"],
        skips=n["skips"],
        active_hours=round(hours, 3),
        lease_hours=round(n["lease_ms"] / 3_600_000, 3),
        labels_per_active_hour=round(n["labels"] / hours, 2) if hours > 0 else None,
        earned=Decimal(v["earned"] or 0),
    )


def _source(principal: Principal, granularity: Granularity, per_person: bool) -> Any:
    hourly = granularity is Granularity.HOUR
    if per_person or principal.role is Role.ANNOTATOR:
        return WorkHourly if hourly else WorkDaily
    return TeamHourly if hourly else TeamDaily


def _park_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(PARK_TIMEZONE))


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
    if granularity is Granularity.HOUR and (end - start).days >= MAX_HOURLY_DAYS:
        raise InvalidInput(f"end: at most {MAX_HOURLY_DAYS} days per request by hour.")
    per_person = group_by in (GroupBy.ANNOTATOR, GroupBy.TEAM) or annotator_id is not None
    src = _source(principal, granularity, per_person)
    hour: Any = cast(literal(None), Integer)
    if granularity is Granularity.HOUR:
        local = func.timezone(PARK_TIMEZONE, src.hour)
        day: Any = cast(local, Date)
        hour = cast(extract("hour", local), Integer)
        where = [src.hour >= _park_midnight(start)]
        where.append(src.hour < _park_midnight(end + timedelta(days=1)))
    else:
        day = src.day
        where = [src.day >= start, src.day <= end]
    period = (
        day
        if granularity in (Granularity.DAY, Granularity.HOUR)
        else cast(func.date_trunc(granularity.value, day), Date)
    ).label("period")
    key_col: Any
    if group_by is GroupBy.ANNOTATOR:
        key_col = src.annotator_id
    elif group_by is GroupBy.TEAM:
        key_col = User.team_id
    else:
        key_col = _BY_JOB.get(group_by, getattr(src, f"{group_by.value}_id", None))
    key = (key_col if key_col is not None else cast(literal(None), String)).label("key")
    sums = [func.sum(getattr(src, c)).label(c) for c in (*COUNTS, "earned")]
    where.append(scope_clause(principal, src))
    if job_id is not None:
        where.append(src.job_id == job_id)
    if vendor_id is not None:
        where.append(src.vendor_id == vendor_id)
    if annotator_id is not None:
        where.append(src.annotator_id == annotator_id)
    stmt = select(period, hour.label("hour"), key, *sums).where(*where)
    if group_by in _BY_JOB:
        stmt = stmt.join(LabelingJob, LabelingJob.id == src.job_id)
    if group_by is GroupBy.TEAM:  # the team each annotator is in now
        stmt = stmt.join(User, User.id == src.annotator_id)
    stmt = stmt.group_by(period, "hour", key).order_by(period, "hour", key)
    result = await session.execute(stmt)
    fields = tuple(result.keys())
    rows = [dict(zip(fields, r, strict=True)) for r in result]
    names = await _names(session, group_by, {r["key"] for r in rows if r["key"] is not None})
    totals = (await session.execute(select(*sums).where(*where))).one()._asdict()
    return WorkReport.model_validate(
        {
            "granularity": granularity,
            "group_by": group_by,
            "start": start,
            "end": end,
            "rows": [_row(r, r["period"], r["key"], names.get(r["key"])) for r in rows],
            "totals": _row(totals, start, None, None),
        }
    )


async def _names(session: AsyncSession, group_by: GroupBy, keys: set[Any]) -> dict[Any, str]:
    if not keys:
        return {}
    if group_by not in _NAMES:
        return {k: str(k) for k in keys}  # a domain or data kind names itself
    id_col, name_col = _NAMES[group_by]
    rows = await session.execute(select(id_col, name_col).where(id_col.in_(keys)))
    return {r[0]: r[1] for r in rows}
