"""Export requests: POST answers 202 at once; the file is written by a background job."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from fastapi.responses import RedirectResponse

from app.auth.dependencies import CurrentPrincipal
from app.errors import ErrorResponse
from app.exports import service
from app.exports.schemas import ExportOut, ExportRequest, FormatOut
from app.kit.deps import DbSession
from app.kit.pagination import Page, Paging
from app.kit.storage import Store

router = APIRouter(tags=["exports"])

# 401/403/404/422 are declared for the whole API (app/main.py).
_ERRORS: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorResponse, "description": "No file yet (the export is not done)"}
}


@router.get("/exports/formats", response_model=list[FormatOut], operation_id="export_formats")
async def export_formats(principal: CurrentPrincipal) -> list[FormatOut]:
    """Every export format, with the label kinds it can hold."""
    return service.formats()


@router.post(
    "/jobs/{job_id}/exports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ExportOut,
    responses=_ERRORS,
    operation_id="create_export",
)
async def create_export(
    job_id: uuid.UUID,
    body: ExportRequest,
    principal: CurrentPrincipal,
    session: DbSession,
    store: Store,
) -> ExportOut:
    """Ask for a job's labels in a format; poll ``GET /exports/{id}`` until ``done``, then
    download from ``download_url``. The file is one consistent snapshot of the job."""
    export = await service.request(session, principal, job_id, body)
    return await service.out(store, export)


@router.get(
    "/jobs/{job_id}/exports",
    response_model=Page[ExportOut],
    responses=_ERRORS,
    operation_id="list_exports",
)
async def list_exports(
    job_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession, store: Store, page: Paging
) -> Page[ExportOut]:
    rows, total = await service.list_for_job(session, principal, job_id, page)
    items = [await service.out(store, row) for row in rows]
    return Page[ExportOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get(
    "/exports/{export_id}", response_model=ExportOut, responses=_ERRORS, operation_id="get_export"
)
async def get_export(
    export_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession, store: Store
) -> ExportOut:
    """Status and progress (items written so far); when done, a download link (1 hour)."""
    return await service.out(store, await service.get(session, principal, export_id))


@router.get(
    "/exports/{export_id}/download",
    status_code=status.HTTP_307_TEMPORARY_REDIRECT,
    response_class=RedirectResponse,
    responses={307: {"description": "To the file's link"}, **_ERRORS},
    operation_id="download_export",
)
async def download_export(
    export_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession, store: Store
) -> RedirectResponse:
    """Redirect to the finished file (409 while it is still being written)."""
    export = await service.get(session, principal, export_id)
    return RedirectResponse(await service.download_url(store, export), status_code=307)
