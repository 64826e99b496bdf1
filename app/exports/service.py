"""Export requests: who may ask, checking the format fits the job, queueing the job, and the
download link once the file is stored."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.exports.formats import FORMATS, unsuitable
from app.exports.schemas import ExportOut, ExportRequest, FormatOut
from app.kit.jobs import defer_job
from app.kit.pagination import PageParams, paginate
from app.kit.storage import ObjectStore
from app.labeling.answers import parse_schema
from app.models import EnterpriseKind, Export, ExportLabels, ExportStatus, LabelingJob
from app.scoping import get_scoped, scoped_select

DOWNLOAD_TTL = 3600  # a fresh link is minted on every read


def _may_export(principal: Principal) -> None:
    """The data is the client's: its people and programs, and the park, take it out."""
    if principal.is_park_admin:
        return
    if principal.enterprise_kind is not EnterpriseKind.CLIENT:
        raise PermissionDenied("Exports are for the job's client (and the park's admins).")


def formats() -> list[FormatOut]:
    return [
        FormatOut(
            name=name,
            label_kinds=sorted(spec.kinds),
            raw=spec.raw,
            content_type=spec.content_type,
            extension=spec.extension,
            description=spec.description,
        )
        for name, spec in FORMATS.items()
    ]


async def request(
    session: AsyncSession, principal: Principal, job_id: uuid.UUID, body: ExportRequest
) -> Export:
    _may_export(principal)
    job = await get_scoped(session, principal, LabelingJob, job_id, what="Job")
    kind = parse_schema(job.label_schema).kind
    why = unsuitable(body.format, kind, raw=body.labels is ExportLabels.RAW)
    if why is not None:
        raise InvalidInput(f"format: {why}.")
    export = Export(
        job_id=job.id,
        requested_by=principal.user_id,
        token_id=principal.token_id,
        format=body.format,
        labels=body.labels,
        filters=body.filters(),
        status=ExportStatus.QUEUED,
    )
    session.add(export)
    await session.flush()
    await defer_job(session, "brigade.export", queue="exports", export_id=str(export.id))
    record(
        session,
        principal,
        "export.requested",
        target_type="export",
        target_id=export.id,
        enterprise_id=job.client_id,
        changes={"job_id": str(job.id), "format": body.format, "labels": body.labels.value},
    )
    return export


async def get(session: AsyncSession, principal: Principal, export_id: uuid.UUID) -> Export:
    _may_export(principal)
    return await get_scoped(session, principal, Export, export_id)


async def list_for_job(
    session: AsyncSession, principal: Principal, job_id: uuid.UUID, params: PageParams
) -> tuple[list[Export], int]:
    _may_export(principal)
    await get_scoped(session, principal, LabelingJob, job_id, what="Job")
    stmt = scoped_select(principal, Export).where(Export.job_id == job_id)
    return await paginate(session, stmt.order_by(Export.created_at.desc(), Export.id), params)


async def download_url(store: ObjectStore, export: Export) -> str:
    if export.status is not ExportStatus.DONE or export.object_key is None:
        raise Conflict(f"Export {export.id} is {export.status.value}; there is no file yet.")
    return await store.presigned_get_url(export.object_key, DOWNLOAD_TTL, export.file_name)


async def out(store: ObjectStore, export: Export) -> ExportOut:
    answer = ExportOut.model_validate(export)
    if export.status is ExportStatus.DONE:
        answer.download_url = await download_url(store, export)
    return answer
