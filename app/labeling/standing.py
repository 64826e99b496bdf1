"""Who works on a job and how: labels, skips, flags, pauses, leases held, and quality.

Seen by the job's client and the park (everyone), a vendor's admins and QA leads (their own
annotators) and an annotator (their own row): the flag reason is visible to all three sides.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.kit.pagination import Page, PageParams
from app.models import EnterpriseKind, LabelingJob, Role
from app.quality.consensus import wilson_interval
from app.quality.rules import Counters, estimated_accuracy
from app.scoping import get_scoped


class AnnotatorStanding(BaseModel):
    annotator_id: uuid.UUID
    display_name: str
    vendor_id: uuid.UUID
    labels: int
    gold_labels: int
    skips: int
    skip_streak: int
    held: int
    flagged_at: datetime | None
    flag_reason: str | None
    paused: bool
    pause_reason: str | None
    paused_at: datetime | None
    last_label_at: datetime | None
    # Quality (app/quality): gold answers and how many were right, with a 95% Wilson interval;
    # judged labels (items with a decided consensus) and how many agreed with it; the
    # consensus model's accuracy estimate; labels faster than the job's minimum time.
    gold_total: int
    gold_correct: int
    gold_accuracy: float | None
    gold_accuracy_ci: tuple[float, float] | None = Field(description="95% Wilson interval")
    judged: int
    agreed: int
    agreement: float | None = Field(description="Share of judged labels agreeing with consensus")
    est_accuracy: float | None = Field(description="Consensus model's estimate, else agreement")
    fast_labels: int


_STANDING = """
WITH people AS (
    SELECT a.annotator_id, (array_agg(a.vendor_id))[1] AS vendor_id,
           count(*) FILTER (WHERE a.state = 'skipped') AS skips,
           count(*) FILTER (WHERE a.state = 'leased') AS held
    FROM assignments a WHERE a.job_id = :job {who}
    GROUP BY a.annotator_id
)
SELECT p.annotator_id, u.display_name, p.vendor_id,
       (SELECT count(*) FROM labels l
         WHERE l.job_id = :job AND l.annotator_id = p.annotator_id AND NOT l.is_gold) AS labels,
       (SELECT count(*) FROM labels l
         WHERE l.job_id = :job AND l.annotator_id = p.annotator_id AND l.is_gold) AS gold_labels,
       p.skips, coalesce(ja.skip_streak, 0) AS skip_streak, p.held,
       ja.flagged_at, ja.flag_reason, coalesce(ja.paused, false) AS paused, ja.pause_reason,
       ja.paused_at, coalesce(ja.gold_total, 0) AS gold_total,
       coalesce(ja.gold_correct, 0) AS gold_correct, coalesce(ja.decided, 0) AS judged,
       coalesce(ja.agreed, 0) AS agreed, ja.est_accuracy,
       coalesce(ja.fast_labels, 0) AS fast_labels,
       (SELECT max(l.submitted_at) FROM labels l
         WHERE l.job_id = :job AND l.annotator_id = p.annotator_id) AS last_label_at,
       count(*) OVER () AS total
FROM people p JOIN users u ON u.id = p.annotator_id
LEFT JOIN job_annotators ja ON ja.job_id = :job AND ja.annotator_id = p.annotator_id
{flagged}
ORDER BY {order}, u.display_name, p.annotator_id
LIMIT :limit OFFSET :offset
"""

_VENDOR_STAFF = (Role.ENTERPRISE_ADMIN, Role.QA_LEAD)

# Sort keys of the annotator table; quality sorts put the weakest (and unmeasured last) first.
SORTS = {
    "flagged": "ja.flagged_at DESC NULLS LAST",
    "gold_accuracy": "ja.gold_correct::float8 / nullif(ja.gold_total, 0) ASC NULLS LAST",
    "agreement": "ja.agreed::float8 / nullif(ja.decided, 0) ASC NULLS LAST",
    "est_accuracy": "coalesce(ja.est_accuracy, ja.agreed::float8 / nullif(ja.decided, 0))"
    " ASC NULLS LAST",
    "labels": "labels DESC",
    "name": "u.display_name",
}


def _gold_figures(correct: int, total: int) -> dict[str, object]:
    """Accuracy on gold and its 95% Wilson interval; both None before any gold answer."""
    if not total:
        return {"gold_accuracy": None, "gold_accuracy_ci": None}
    return {"gold_accuracy": correct / total, "gold_accuracy_ci": wilson_interval(correct, total)}


def _with_quality(row: Any) -> AnnotatorStanding:
    counters = Counters(
        labels=row.labels,
        fast_labels=row.fast_labels,
        gold_total=row.gold_total,
        gold_correct=row.gold_correct,
        decided=row.judged,
        agreed=row.agreed,
        est_accuracy=row.est_accuracy,
    )
    return AnnotatorStanding.model_validate(
        {
            **row._mapping,
            **_gold_figures(row.gold_correct, row.gold_total),
            "agreement": row.agreed / row.judged if row.judged else None,
            "est_accuracy": estimated_accuracy(counters),
        }
    )


async def job_standing(
    session: AsyncSession,
    principal: Principal,
    job_id: uuid.UUID,
    params: PageParams,
    *,
    flagged_only: bool = False,
    sort: str = "flagged",
) -> Page[AnnotatorStanding]:
    job = await get_scoped(session, principal, LabelingJob, job_id, what="Job")
    who = ""
    args: dict[str, object] = {"job": job.id, "limit": params.limit, "offset": params.offset}
    if principal.enterprise_kind is EnterpriseKind.VENDOR:
        if principal.role in _VENDOR_STAFF:
            who = "AND a.vendor_id = :vendor"
            args["vendor"] = principal.enterprise_id
        else:
            who = "AND a.annotator_id = :me"
            args["me"] = principal.user_id
    sql = _STANDING.format(
        who=who,
        flagged="WHERE ja.flagged_at IS NOT NULL" if flagged_only else "",
        order=SORTS[sort],
    )
    rows = (await session.execute(text(sql), args)).all()
    total = int(rows[0].total) if rows else 0
    return Page[AnnotatorStanding](
        items=[_with_quality(r) for r in rows],
        total=total,
        limit=params.limit,
        offset=params.offset,
    )


class MyStanding(BaseModel):
    """The caller's own standing on one job: what the workstation's session panel shows."""

    job_id: uuid.UUID
    job_name: str
    labels: int
    gold_total: int
    gold_correct: int
    gold_accuracy: float | None
    gold_accuracy_ci: tuple[float, float] | None
    flagged_at: datetime | None
    flag_reason: str | None
    paused: bool
    pause_reason: str | None
    paused_at: datetime | None


_MINE = """
SELECT ja.job_id, j.name AS job_name, ja.labels, ja.gold_total, ja.gold_correct,
       ja.flagged_at, ja.flag_reason, ja.paused, ja.pause_reason, ja.paused_at
FROM job_annotators ja JOIN labeling_jobs j ON j.id = ja.job_id
WHERE ja.annotator_id = :me AND j.status IN ('running', 'paused')
ORDER BY ja.paused DESC, j.name
"""


async def my_standing(session: AsyncSession, principal: Principal) -> list[MyStanding]:
    """An annotator's standing on every running job they have worked on: labels, gold
    accuracy (with its 95% interval), flags and pauses with their reasons."""
    if principal.user_id is None:
        return []
    rows = (await session.execute(text(_MINE), {"me": principal.user_id})).all()
    return [
        MyStanding.model_validate(
            {
                **r._mapping,
                **_gold_figures(r.gold_correct, r.gold_total),
            }
        )
        for r in rows
    ]
