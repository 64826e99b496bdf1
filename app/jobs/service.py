"""Labeling jobs: created and edited by the owning client, readable by admitted vendors."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import apply_changes, record, record_update
from app.auth.principal import Principal
from app.errors import Conflict, InvalidInput
from app.ingest.repository import lock_job
from app.jobs.schemas import JobCreate, JobUpdate, QualityFields
from app.kit.pagination import PageParams, paginate
from app.labeling.repository import sync_job_slots
from app.models import Enterprise, EnterpriseKind, JobStatus, JobVendor, LabelingJob, Role
from app.scoping import get_scoped, scoped_select

_EDITORS = (Role.ENTERPRISE_ADMIN, Role.CLIENT_MEMBER)
_NULLABLE = (
    "deadline",
    "required_skill",
    "max_overlap",
    "early_stop_after",
    "min_gold_accuracy",
    "min_est_accuracy",
)
_QUALITY_FIELDS = tuple(QualityFields.model_fields)


def _check_quality(job: LabelingJob) -> None:
    """Cross-field rules of the quality settings (also CHECKs in the database)."""
    if job.max_overlap is not None and job.max_overlap < job.overlap:
        raise InvalidInput(
            f"max_overlap: must be at least the overlap ({job.overlap}), or null for no"
            " dynamic overlap."
        )
    if job.early_stop_after is not None and job.early_stop_after > job.overlap:
        raise InvalidInput(
            f"early_stop_after: must be at most the overlap ({job.overlap}); an item cannot stop"
            " after more labels than it gets."
        )


async def _check_vendors(session: AsyncSession, vendor_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    unique = list(dict.fromkeys(vendor_ids))
    if not unique:
        return unique
    found = set(
        (
            await session.scalars(
                select(Enterprise.id).where(
                    Enterprise.id.in_(unique),
                    Enterprise.kind == EnterpriseKind.VENDOR,
                    Enterprise.is_active.is_(True),
                )
            )
        ).all()
    )
    missing = [str(v) for v in unique if v not in found]
    if missing:
        raise InvalidInput(f"vendor_ids: not active vendor enterprises: {', '.join(missing)}")
    return unique


async def _check_name_free(
    session: AsyncSession, client_id: uuid.UUID, name: str, exclude: uuid.UUID | None = None
) -> None:
    stmt = select(LabelingJob.id).where(
        LabelingJob.client_id == client_id, LabelingJob.name == name
    )
    if exclude is not None:
        stmt = stmt.where(LabelingJob.id != exclude)
    if await session.scalar(stmt) is not None:
        raise Conflict(f"name: your company already has a job named {name!r}.")


def _check_shares(shares: dict[uuid.UUID, int], vendor_ids: list[uuid.UUID]) -> None:
    stray = [str(v) for v in shares if v not in vendor_ids]
    if stray:
        raise InvalidInput(f"vendor_shares: not admitted to this job: {', '.join(stray)}")


async def create(session: AsyncSession, principal: Principal, body: JobCreate) -> LabelingJob:
    principal.require_kind(EnterpriseKind.CLIENT, action="create labeling jobs")
    principal.require_role(*_EDITORS, action="create labeling jobs")
    vendor_ids = await _check_vendors(session, body.vendor_ids)
    _check_shares(body.vendor_shares, vendor_ids)
    await _check_name_free(session, principal.enterprise_id, body.name)
    job = LabelingJob(
        client_id=principal.enterprise_id,
        name=body.name,
        domain=body.domain,
        data_kind=body.label_schema.data_kind,
        label_schema=body.label_schema.model_dump(mode="json"),
        instructions=body.instructions,
        overlap=body.overlap,
        price_per_item=body.price_per_item,
        deadline=body.deadline,
        priority=body.priority,
        lease_seconds=body.lease_seconds,
        gold_rate=body.gold_rate,
        required_skill=body.required_skill,
        max_skip_streak=body.max_skip_streak,
        blind=body.blind,
        **{f: getattr(body, f) for f in _QUALITY_FIELDS},
        created_by=principal.user_id,
        vendors=[JobVendor(vendor_id=v, share=body.vendor_shares.get(v, 1)) for v in vendor_ids],
    )
    _check_quality(job)
    session.add(job)
    await session.flush()
    record(
        session,
        principal,
        "job.create",
        target_type="labeling_job",
        target_id=job.id,
        enterprise_id=job.client_id,
        changes={"name": job.name, "vendor_ids": vendor_ids, "price_per_item": job.price_per_item},
    )
    return job


async def update(
    session: AsyncSession, principal: Principal, job_id: uuid.UUID, body: JobUpdate
) -> LabelingJob:
    principal.require_role(*_EDITORS, action="edit labeling jobs")
    job = await get_scoped(session, principal, LabelingJob, job_id, write=True, what="Job")
    if job.status in (JobStatus.COMPLETED, JobStatus.CANCELLED):
        raise Conflict(f"Job {job.id} is {job.status.value}; it can no longer be edited.")
    changes: dict[str, Any] = {}
    data = body.model_dump(exclude_unset=True)
    if "label_schema" in data and body.label_schema is not None:
        if job.status is not JobStatus.DRAFT:
            raise Conflict("label_schema: a job's schema can change only while it is a draft.")
        if body.label_schema.data_kind is not job.data_kind:
            raise InvalidInput(f"label_schema: this is a {job.data_kind.value} job.")
        data["label_schema"] = body.label_schema.model_dump(mode="json")
    if "vendor_ids" in data:
        vendor_ids = await _check_vendors(session, body.vendor_ids or [])
        if set(vendor_ids) != set(job.vendor_ids):
            changes["vendor_ids"] = {"from": job.vendor_ids, "to": vendor_ids}
            keep = [v for v in job.vendors if v.vendor_id in vendor_ids]
            new = [JobVendor(vendor_id=v) for v in vendor_ids if v not in job.vendor_ids]
            job.vendors = keep + new
        del data["vendor_ids"]
    if "vendor_shares" in data:
        shares = body.vendor_shares or {}
        _check_shares(shares, job.vendor_ids)
        before = job.vendor_shares
        for v in job.vendors:
            v.share = shares.get(v.vendor_id, v.share)
        if job.vendor_shares != before:
            changes["vendor_shares"] = {"from": before, "to": job.vendor_shares}
        del data["vendor_shares"]
    if data.get("name") not in (None, job.name):
        await _check_name_free(session, job.client_id, data["name"], exclude=job.id)
    nulls = [f for f, v in data.items() if v is None and f not in _NULLABLE]
    if nulls:
        raise InvalidInput(f"{nulls[0]}: may not be null.")
    old_overlap = job.overlap
    changes |= apply_changes(job, data)
    _check_quality(job)
    if job.overlap != old_overlap:
        # Under the job's ingest lock: a dataset finishing now opens its slots with one k.
        await lock_job(session, job.id)
        await session.flush()  # brigade_task_k reads the new overlap
        await sync_job_slots(session, job.id)
    await record_update(
        session,
        principal,
        "job.update",
        changes,
        target_type="labeling_job",
        target_id=job.id,
        enterprise_id=job.client_id,
    )
    return job


async def list_jobs(
    session: AsyncSession,
    principal: Principal,
    params: PageParams,
    *,
    status: JobStatus | None = None,
) -> tuple[list[LabelingJob], int]:
    stmt = scoped_select(principal, LabelingJob)
    if status is not None:
        stmt = stmt.where(LabelingJob.status == status)
    stmt = stmt.order_by(LabelingJob.created_at.desc(), LabelingJob.id)
    return await paginate(session, stmt, params)


async def get(session: AsyncSession, principal: Principal, job_id: uuid.UUID) -> LabelingJob:
    return await get_scoped(session, principal, LabelingJob, job_id, what="Job")
