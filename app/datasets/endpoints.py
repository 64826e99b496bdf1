from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Form, Header, Query, Request, Response, UploadFile, status

from app.auth.dependencies import CurrentPrincipal
from app.datasets import service
from app.datasets.schemas import (
    DatasetOut,
    FromS3,
    FromUpload,
    IngestOptions,
    ItemOut,
    ItemUpdate,
    RejectionOut,
    UploadForm,
    UploadTicket,
)
from app.errors import InvalidInput
from app.ingest import s3_import
from app.kit.deps import AppSettings, DbSession
from app.kit.pagination import Page, Paging, page_of
from app.kit.storage import Store
from app.models import Dataset

router = APIRouter(tags=["datasets"])

_CHUNK = 1 << 20
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Repeat a request with the same key to get the first result, not a copy",
    ),
]


def _answer(dataset: Dataset, response: Response, *, replay: bool = False) -> DatasetOut:
    """202 with the new dataset, or 200 with the one an earlier request (same key) made."""
    if replay:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/datasets/{dataset.id}"
    return DatasetOut.model_validate(dataset)


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(_CHUNK):
        yield chunk


@router.post(
    "/jobs/{job_id}/datasets",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DatasetOut,
    operation_id="upload_dataset",
)
async def upload_dataset(
    job_id: uuid.UUID,
    form: Annotated[UploadForm, Form()],
    principal: CurrentPrincipal,
    session: DbSession,
    store: Store,
    settings: AppSettings,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> DatasetOut:
    """Upload a text dataset (multipart: ``file`` plus the options as form fields). Ingest runs in
    the background: poll ``GET /datasets/{id}`` for progress."""
    job, found = await service.begin(session, principal, job_id, idempotency_key)
    if found is not None:
        return _answer(found, response, replay=True)
    options = IngestOptions.model_validate(form.model_dump(exclude={"file", "files"}))
    service.check_format(job, options)
    limit = settings.server.max_upload_bytes
    if options.format == "images":
        if not form.files or form.file is not None:
            raise InvalidInput("files: an images upload sends its images in 'files' (no 'file').")
        named = [(f.filename or f"file-{n}", _chunks(f)) for n, f in enumerate(form.files)]
        key, size = await service.store_files(store, named, limit)
        default_name = f"{len(named)} images"
    else:
        if form.file is None or form.files:
            raise InvalidInput("file: this format is one file in 'file'.")
        key, size = await service.store_upload(store, _chunks(form.file), limit)
        default_name = form.file.filename or "dataset"
    dataset = await service.create(
        session,
        principal,
        job,
        options,
        raw_key=key,
        raw_size=size,
        default_name=default_name,
        idempotency_key=idempotency_key,
    )
    return _answer(dataset, response)


@router.post("/uploads", response_model=UploadTicket, operation_id="create_upload")
async def create_upload(principal: CurrentPrincipal, store: Store) -> UploadTicket:
    """A short-lived URL to PUT a large raw file to (straight to S3 when S3 is the store); then
    ``POST /jobs/{id}/datasets/from-upload`` with the key."""
    principal.require_role(*service.UPLOADERS, action="upload datasets")
    key = f"{service.upload_prefix(principal.enterprise_id)}{uuid.uuid4().hex}"
    ttl = 3600
    return UploadTicket(key=key, url=await store.presigned_put_url(key, ttl), expires_in=ttl)


@router.post(
    "/jobs/{job_id}/datasets/from-upload",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DatasetOut,
    operation_id="ingest_upload",
)
async def ingest_upload(
    job_id: uuid.UUID,
    body: FromUpload,
    principal: CurrentPrincipal,
    session: DbSession,
    store: Store,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> DatasetOut:
    """Ingest a file uploaded earlier through ``POST /uploads``."""
    job, found = await service.begin(session, principal, job_id, idempotency_key)
    if found is not None:
        return _answer(found, response, replay=True)
    size = await service.check_upload_key(store, principal, body.upload_key)
    dataset = await service.create(
        session,
        principal,
        job,
        IngestOptions.model_validate(body.model_dump(exclude={"upload_key"})),
        raw_key=body.upload_key,
        raw_size=size,
        default_name=body.upload_key.rsplit("/", 1)[-1],
        idempotency_key=idempotency_key,
    )
    return _answer(dataset, response)


@router.post(
    "/jobs/{job_id}/datasets/from-s3",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DatasetOut,
    operation_id="import_from_s3",
)
async def import_from_s3(
    job_id: uuid.UUID,
    body: FromS3,
    request: Request,
    principal: CurrentPrincipal,
    session: DbSession,
    settings: AppSettings,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> DatasetOut:
    """Import from your own S3-compatible bucket: every object under ``source.prefix`` (images)
    or the one file it names. The copy runs in the background; the keys are checked now and
    forgotten once the copy has run."""
    job, found = await service.begin(session, principal, job_id, idempotency_key)
    if found is not None:
        return _answer(found, response, replay=True)
    options = IngestOptions.model_validate(body.model_dump(exclude={"source"}))
    service.check_format(job, options)
    loc = service.s3_location(settings, body)
    try:
        await s3_import.probe(loc, single_object=options.format != "images")
    except s3_import.ImportRejected as exc:
        raise InvalidInput(f"source: {exc}") from None
    dataset = await service.create(
        session,
        principal,
        job,
        options,
        raw_key=None,
        raw_size=None,
        default_name=loc.where(),
        idempotency_key=idempotency_key,
        extra_options={"source": loc.sealed(request.app.state.server_secret)},
    )
    return _answer(dataset, response)


@router.get(
    "/jobs/{job_id}/datasets", response_model=Page[DatasetOut], operation_id="list_datasets"
)
async def list_datasets(
    job_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession, paging: Paging
) -> Page[DatasetOut]:
    rows, total = await service.list_for_job(session, principal, job_id, paging)
    return page_of(DatasetOut, rows, total, paging)


@router.get("/datasets/{dataset_id}", response_model=DatasetOut, operation_id="get_dataset")
async def get_dataset(
    dataset_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession
) -> DatasetOut:
    """Progress: received / accepted / rejected / duplicates, and the status."""
    return DatasetOut.model_validate(await service.get(session, principal, dataset_id))


@router.get(
    "/datasets/{dataset_id}/rejections",
    response_model=Page[RejectionOut],
    operation_id="list_rejections",
)
async def list_rejections(
    dataset_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    code: Annotated[str | None, Query(max_length=32, examples=["duplicate"])] = None,
) -> Page[RejectionOut]:
    """Every source record that did not become an item, with its reason."""
    rows, total = await service.rejections(session, principal, dataset_id, paging, code)
    return page_of(RejectionOut, rows, total, paging)


@router.get("/datasets/{dataset_id}/items", response_model=Page[ItemOut], operation_id="list_items")
async def list_items(
    dataset_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    near_duplicates: Annotated[bool, Query(description="Only flagged near-duplicates")] = False,
) -> Page[ItemOut]:
    rows, total = await service.items(session, principal, dataset_id, paging, near_duplicates)
    return page_of(ItemOut, rows, total, paging)


@router.patch(
    "/datasets/{dataset_id}/items/{item_id}", response_model=ItemOut, operation_id="update_item"
)
async def update_item(
    dataset_id: uuid.UUID,
    item_id: int,
    body: ItemUpdate,
    principal: CurrentPrincipal,
    session: DbSession,
) -> ItemOut:
    """Override near-duplicate handling: exclude an item from labeling, or include it again."""
    item = await service.set_excluded(session, principal, dataset_id, item_id, body.excluded)
    return ItemOut.model_validate(item)
