"""The events other domains emit, with their payloads (docs/webhooks.md lists them).

Each is called inside the unit of work that made the change, after it: the deliveries and
their jobs commit with it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Export, LabelingJob, WebhookEvent
from app.webhooks import repository, service


async def export_ready(session: AsyncSession, export_id: uuid.UUID) -> None:
    """An export's file is stored: tell the job's client where to download it."""
    export = await session.get_one(Export, export_id, populate_existing=True)
    client_id = await session.scalar(
        select(LabelingJob.client_id).where(LabelingJob.id == export.job_id)
    )
    if client_id is None:
        return
    payload = {
        "export_id": str(export.id),
        "job_id": str(export.job_id),
        "format": export.format,
        "labels": export.labels.value,
        "file_name": export.file_name,
        "size_bytes": export.size_bytes,
        "sha256": export.sha256,
        "items_written": export.items_written,
        "labels_written": export.labels_written,
        # Relative to the Brigade server; answers with a short-lived link to the file.
        "download": f"/api/v1/exports/{export.id}/download",
    }
    await service.emit(session, client_id, WebhookEvent.EXPORT_READY, payload)


async def job_completed(session: AsyncSession, job: LabelingJob) -> None:
    """A labeling job was marked completed: no more labels will come."""
    payload = {
        "job_id": str(job.id),
        "name": job.name,
        "status": job.status.value,
        "items_total": await repository.items_total(session, job.id),
    }
    await service.emit(session, job.client_id, WebhookEvent.JOB_COMPLETED, payload)
