"""Uploading datasets into labeling jobs and following their ingest."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.config import Settings
from app.datasets.schemas import FromS3, IngestOptions
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.ingest.s3_import import S3Location
from app.kit.jobs import defer_job
from app.kit.pagination import PageParams, paginate
from app.kit.storage import ObjectStore
from app.labeling.repository import sync_task_slots
from app.models import (
    DataKind,
    Dataset,
    EnterpriseKind,
    IngestRejection,
    Item,
    JobStatus,
    LabelingJob,
    Role,
    Task,
)
from app.scoping import get_scoped, scoped_select

UPLOADERS = (Role.ENTERPRISE_ADMIN, Role.CLIENT_MEMBER)
_CLOSED = (JobStatus.COMPLETED, JobStatus.CANCELLED)


def upload_prefix(enterprise_id: uuid.UUID) -> str:
    return f"uploads/{enterprise_id}/"


async def target_job(session: AsyncSession, principal: Principal, job_id: uuid.UUID) -> LabelingJob:
    """The job a dataset goes into: the caller's own, open, and of a kind we can ingest."""
    principal.require_kind(EnterpriseKind.CLIENT, action="upload datasets")
    principal.require_role(*UPLOADERS, action="upload datasets")
    job = await get_scoped(session, principal, LabelingJob, job_id, write=True, what="Job")
    if job.status in _CLOSED:
        raise Conflict(f"Job {job.id} is {job.status.value}; it takes no more data.")
    return job


IMAGE_FORMATS = ("images", "zip")


def check_format(job: LabelingJob, opts: IngestOptions) -> None:
    is_image = opts.format in IMAGE_FORMATS
    if is_image != (job.data_kind is DataKind.IMAGE):
        allowed = (
            "images, zip"
            if job.data_kind is DataKind.IMAGE
            else ("jsonl, csv, tsv, txt, labelstudio")
        )
        raise InvalidInput(f"format: a {job.data_kind.value} job takes {allowed}.")
    if is_image and opts.gold:
        raise InvalidInput(
            "gold: gold images need their answers in the upload; send gold items for image "
            "jobs as a Label Studio export once import of annotations is available."
        )


async def begin(
    session: AsyncSession, principal: Principal, job_id: uuid.UUID, idempotency_key: str | None
) -> tuple[LabelingJob, Dataset | None]:
    """The target job, and the dataset an earlier request with this Idempotency-Key made."""
    job = await target_job(session, principal, job_id)
    return job, await existing(session, principal, idempotency_key)


async def existing(
    session: AsyncSession, principal: Principal, idempotency_key: str | None
) -> Dataset | None:
    """The dataset an earlier request with the same Idempotency-Key created, if any."""
    if not idempotency_key:
        return None
    return await session.scalar(
        select(Dataset).where(
            Dataset.client_id == principal.enterprise_id,
            Dataset.idempotency_key == idempotency_key,
        )
    )


async def create(
    session: AsyncSession,
    principal: Principal,
    job: LabelingJob,
    opts: IngestOptions,
    *,
    raw_key: str | None,
    raw_size: int | None,
    default_name: str,
    idempotency_key: str | None,
    extra_options: dict[str, Any] | None = None,
) -> Dataset:
    check_format(job, opts)
    if opts.gold and not opts.answer_field:
        raise InvalidInput("answer_field: a gold dataset needs the field holding each answer.")
    dataset = Dataset(
        job_id=job.id,
        client_id=job.client_id,
        created_by=principal.user_id,
        name=opts.name or default_name[:200] or "dataset",
        kind=job.data_kind,
        format=opts.format,
        options={**opts.model_dump(exclude={"format", "name", "gold"}), **(extra_options or {})},
        is_gold=opts.gold,
        idempotency_key=idempotency_key,
        raw_key=raw_key,
        raw_size=raw_size,
    )
    session.add(dataset)
    await session.flush()
    await defer_job(session, "brigade.ingest_dataset", queue="ingest", dataset_id=str(dataset.id))
    record(
        session,
        principal,
        "dataset.create",
        target_type="dataset",
        target_id=dataset.id,
        enterprise_id=job.client_id,
        changes={"job_id": job.id, "format": opts.format, "size": raw_size, "gold": opts.gold},
    )
    return dataset


async def store_upload(
    store: ObjectStore, chunks: AsyncIterator[bytes], max_bytes: int
) -> tuple[str, int]:
    stored = await store.put_stream(chunks, "application/octet-stream", max_bytes=max_bytes)
    return stored.key, stored.size


async def store_files(
    store: ObjectStore, files: list[tuple[str, AsyncIterator[bytes]]], max_bytes: int
) -> tuple[str, int]:
    """Store each file of an image upload and a listing of them (the dataset's raw object)."""
    listing: list[dict[str, object]] = []
    total = 0
    for name, chunks in files:
        key, size = await store_upload(store, chunks, max_bytes - total)
        total += size
        listing.append({"name": name, "key": key, "size": size})
    stored = await store.put_bytes(orjson.dumps(listing), "application/json")
    return stored.key, total


def s3_location(settings: Settings, opts: FromS3) -> S3Location:
    src = opts.source
    if src.endpoint not in settings.storage.import_endpoints:
        raise InvalidInput(
            f"source.endpoint: importing from {src.endpoint} is not enabled on this server; "
            "the park operator allows endpoints in BRIGADE_STORAGE__IMPORT_ENDPOINTS."
        )
    if opts.format != "images" and not src.prefix:
        raise InvalidInput("source.prefix: for this format, name the object key of the file.")
    return S3Location(
        endpoint=src.endpoint,
        bucket=src.bucket,
        prefix=src.prefix,
        access_key=src.access_key.get_secret_value(),
        secret_key=src.secret_key.get_secret_value(),
        region=src.region,
        secure=src.secure,
    )


async def check_upload_key(store: ObjectStore, principal: Principal, key: str) -> int:
    if not key.startswith(upload_prefix(principal.enterprise_id)):
        raise PermissionDenied("upload_key: not an upload of your enterprise.")
    info = await store.stat(key)
    if info is None:
        raise NotFound("upload_key: nothing was uploaded there (or the upload did not finish).")
    return info.size


async def get(session: AsyncSession, principal: Principal, dataset_id: uuid.UUID) -> Dataset:
    return await get_scoped(session, principal, Dataset, dataset_id, what="Dataset")


async def list_for_job(
    session: AsyncSession, principal: Principal, job_id: uuid.UUID, params: PageParams
) -> tuple[list[Dataset], int]:
    await get_scoped(session, principal, LabelingJob, job_id, what="Job")
    stmt = scoped_select(principal, Dataset).where(Dataset.job_id == job_id)
    return await paginate(session, stmt.order_by(Dataset.created_at, Dataset.id), params)


async def rejections(
    session: AsyncSession,
    principal: Principal,
    dataset_id: uuid.UUID,
    params: PageParams,
    code: str | None,
) -> tuple[list[IngestRejection], int]:
    await get(session, principal, dataset_id)
    stmt = select(IngestRejection).where(IngestRejection.dataset_id == dataset_id)
    if code:
        stmt = stmt.where(IngestRejection.code == code)
    return await paginate(session, stmt.order_by(IngestRejection.seq), params)


async def items(
    session: AsyncSession,
    principal: Principal,
    dataset_id: uuid.UUID,
    params: PageParams,
    near_duplicates_only: bool,
) -> tuple[list[Item], int]:
    await get(session, principal, dataset_id)
    stmt = scoped_select(principal, Item).where(Item.dataset_id == dataset_id)
    if near_duplicates_only:
        stmt = stmt.where(Item.near_dup_of.is_not(None))
    return await paginate(session, stmt.order_by(Item.seq), params)


async def set_excluded(
    session: AsyncSession, principal: Principal, dataset_id: uuid.UUID, item_id: int, excluded: bool
) -> Item:
    principal.require_role(*UPLOADERS, action="change items")
    item = await session.scalar(
        scoped_select(principal, Item, write=True).where(
            Item.id == item_id, Item.dataset_id == dataset_id
        )
    )
    if item is None:
        raise NotFound(f"Item {item_id} is not in dataset {dataset_id} or not visible to you.")
    if item.excluded != excluded:
        item.excluded = excluded
        record(
            session,
            principal,
            "item.exclude" if excluded else "item.include",
            target_type="item",
            target_id=str(item.id),
            enterprise_id=principal.enterprise_id,
        )
        await session.flush()
        # A task whose items are all excluded leaves the queue (free slots only; work handed
        # out stands), and comes back when one is included again.
        task_id = await session.scalar(
            select(Task.id).where(
                Task.dataset_id == dataset_id,
                Task.first_item_id <= item.id,
                Task.last_item_id >= item.id,
            )
        )
        if task_id is not None:
            await sync_task_slots(session, [task_id])
    return item
