"""The job's quality report: where its items stand, the model, the agreement metrics."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.labeling.answers import parse_schema
from app.models import JobQuality, LabelingJob, User
from app.quality.judge import method_of
from app.quality.review import names_shown
from app.quality.schemas import QualityReport, StateCounts
from app.scoping import get_scoped, require_reviewer

_STATES = text("""
SELECT state, count(*) AS n, avg(confidence) AS confidence, avg(agreement) AS agreement
FROM item_consensus WHERE job_id = :job GROUP BY state
""")


async def quality_report(
    session: AsyncSession, principal: Principal, job_id: uuid.UUID
) -> QualityReport:
    job = await get_scoped(session, principal, LabelingJob, job_id, what="Job")
    require_reviewer(principal)
    rows = (await session.execute(_STATES, {"job": job.id})).all()
    counts = StateCounts(**{r.state: r.n for r in rows})
    n = sum(r.n for r in rows)
    fitted = await session.get(JobQuality, job.id)
    schema = parse_schema(job.label_schema)
    with_agreement = [r for r in rows if r.agreement is not None]
    return QualityReport(
        job_id=job.id,
        label_kind=schema.kind,
        method=method_of(schema),
        target=float(job.qc_target),
        items=counts,
        mean_confidence=sum(r.confidence * r.n for r in rows) / n if n else None,
        mean_agreement=(
            sum(r.agreement * r.n for r in with_agreement) / sum(r.n for r in with_agreement)
            if with_agreement
            else None
        ),
        model_fitted_at=fitted.fitted_at if fitted else None,
        labels_at_fit=fitted.labels_at_fit if fitted else 0,
        metrics=fitted.metrics if fitted else None,
        metrics_at=fitted.metrics_at if fitted else None,
        annotator_names=await _names(session, principal, job, fitted.metrics if fitted else None),
    )


async def _names(
    session: AsyncSession, principal: Principal, job: LabelingJob, metrics: dict[str, Any] | None
) -> dict[uuid.UUID, str | None]:
    if not metrics:
        return {}
    ids = {uuid.UUID(a) for a in metrics.get("cohen_kappa", {}).get("annotators", [])}
    ids |= {uuid.UUID(a) for a in metrics.get("confusion", {})}
    if not ids:
        return {}
    rows = await session.execute(
        select(User.id, User.display_name, User.enterprise_id).where(User.id.in_(ids))
    )
    shown = names_shown(principal, job)
    return {r.id: r.display_name if shown(r.enterprise_id) else None for r in rows}
