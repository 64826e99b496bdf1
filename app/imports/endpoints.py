"""Imports of work done in other annotation tools."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, UploadFile

from app.auth.dependencies import CurrentPrincipal
from app.imports.schemas import ImportReport
from app.imports.service import import_label_studio
from app.kit.deps import DbSession

router = APIRouter(tags=["imports"])


@router.post(
    "/jobs/{job_id}/imports/label-studio",
    response_model=ImportReport,
    operation_id="import_label_studio",
)
async def import_from_label_studio(
    job_id: uuid.UUID, file: UploadFile, principal: CurrentPrincipal, session: DbSession
) -> ImportReport:
    """Bring a Label Studio project's JSON export (multipart ``file``) into a job whose data is
    uploaded here: each task's annotations and predictions are kept with their authors; items
    with annotations are answered by them and not labeled again. Tasks that cannot be matched
    or are wrong are listed; the rest are imported. Importing the same file again adds nothing.
    """
    return await import_label_studio(session, principal, job_id, file.file)
