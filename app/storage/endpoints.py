"""Signed-URL endpoints that stand in for S3 presigned URLs when objects live on local disk.

Mounted under ``/api/v1``: ``GET``/``PUT /storage/objects/{key}?expires=&sig=``. The URL itself is
the credential (it is minted by ``presigned_get_url``/``presigned_put_url`` after the API checked
the caller's rights), so there is no session check here. With the S3 backend both answer 404:
clients then talk to S3 directly.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from app.config import Settings
from app.errors import ErrorResponse, NotFound, PayloadTooLarge
from app.kit.storage import LocalObjectStore, ObjectStore, Store
from app.kit.storage.base import DEFAULT_CONTENT_TYPE
from app.kit.storage.keys import content_disposition

router = APIRouter(prefix="/storage", tags=["storage"])

_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (403, 404, 413, 422)
}


class UploadedObject(BaseModel):
    key: str
    sha256: str
    size: int
    content_type: str
    created: bool


def _local(store: ObjectStore) -> LocalObjectStore:
    if not isinstance(store, LocalObjectStore):
        raise NotFound("Objects are served by S3 directly; use the presigned URL the API gave")
    return store


@router.get(
    "/objects/{key:path}",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, **_ERRORS},
    operation_id="download_object",
)
async def download_object(
    key: str,
    store: Store,
    expires: int | None = Query(default=None),
    sig: str | None = Query(default=None),
    filename: str | None = Query(default=None),
) -> StreamingResponse:
    """Stream one object to the holder of a valid, unexpired signed GET URL."""
    local = _local(store)
    # Signature first: without a valid URL nobody learns whether a key exists.
    local.verify_url("GET", key, expires, sig, filename)
    info = await local.stat(key)
    if info is None:
        raise NotFound("The object behind this link no longer exists")
    headers = {
        "Content-Length": str(info.size),
        # Objects are user uploads served from the app's origin: never let a browser sniff them
        # into HTML or run scripts in them.
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
        "Cache-Control": "private, max-age=0",
    }
    if filename is not None:
        headers["Content-Disposition"] = content_disposition(filename)
    return StreamingResponse(local.iter_chunks(key), media_type=info.content_type, headers=headers)


@router.put("/objects/{key:path}", responses=_ERRORS, operation_id="upload_object")
async def upload_object(
    key: str,
    request: Request,
    store: Store,
    expires: int | None = Query(default=None),
    sig: str | None = Query(default=None),
) -> UploadedObject:
    """Store the request body at ``key`` for the holder of a valid signed PUT URL.

    The body may not exceed ``server.max_upload_bytes`` (413). For ``sha256/`` keys the body must
    hash to the key (422) and an object already stored there is kept (``created: false``)."""
    local = _local(store)
    local.verify_url("PUT", key, expires, sig, None)
    settings: Settings = request.app.state.settings
    max_bytes = settings.server.max_upload_bytes
    declared = request.headers.get("content-length")
    # Refuse a declared oversize body before reading a byte of it.
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"The upload exceeds the limit of {max_bytes} bytes")
    stored = await local.put_stream(
        request.stream(),
        request.headers.get("content-type", DEFAULT_CONTENT_TYPE),
        key=key,
        max_bytes=max_bytes,
    )
    return UploadedObject(
        key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        content_type=stored.content_type,
        created=stored.created,
    )
