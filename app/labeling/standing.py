"""Who works on a job and how: labels, skips, skip-streak flags, pauses, leases held.

Seen by the job's client and the park (everyone), a vendor's admins and QA leads (their own
annotators) and an annotator (their own row): the flag reason is visible to all three sides.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.kit.pagination import Page, PageParams
from app.models import EnterpriseKind, LabelingJob, Role
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
    last_label_at: datetime | None


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
       (SELECT max(l.submitted_at) FROM labels l
         WHERE l.job_id = :job AND l.annotator_id = p.annotator_id) AS last_label_at,
       count(*) OVER () AS total
FROM people p JOIN users u ON u.id = p.annotator_id
LEFT JOIN job_annotators ja ON ja.job_id = :job AND ja.annotator_id = p.annotator_id
{flagged}
ORDER BY ja.flagged_at DESC NULLS LAST, u.display_name, p.annotator_id
LIMIT :limit OFFSET :offset
"""

_VENDOR_STAFF = (Role.ENTERPRISE_ADMIN, Role.QA_LEAD)


async def job_standing(
    session: AsyncSession,
    principal: Principal,
    job_id: uuid.UUID,
    params: PageParams,
    *,
    flagged_only: bool = False,
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
        who=who, flagged="WHERE ja.flagged_at IS NOT NULL" if flagged_only else ""
    )
    rows = (await session.execute(text(sql), args)).all()
    total = int(rows[0].total) if rows else 0
    return Page[AnnotatorStanding](
        items=[AnnotatorStanding.model_validate(dict(r._mapping)) for r in rows],
        total=total,
        limit=params.limit,
        offset=params.offset,
    )
