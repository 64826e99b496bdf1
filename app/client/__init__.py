"""The Brigade SDK: a typed client for programs that use the API with a token (docs/client.md).

Depends on httpx and pydantic only, never on the server's code, so it can be vendored or
shipped apart from the server::

    from app.client import Brigade

    with Brigade("https://brigade.example.com", "brg_…") as brigade:
        job = brigade.create_job(name="Shelves", kind="image_boxes", labels=["car", "person"],
                                 price_per_item="0.35")
"""

from app.client.aio import AsyncBrigade
from app.client.errors import (
    ApiError,
    AuthenticationError,
    BrigadeError,
    ConflictError,
    ConnectionFailed,
    ExportFailed,
    FieldError,
    IngestFailed,
    InvalidArguments,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    WaitTimeout,
)
from app.client.models import (
    Dataset,
    Export,
    ExportFormatInfo,
    Identity,
    Job,
    JobProgress,
    Page,
    VendorProgress,
)
from app.client.retry import NO_RETRIES, RetryPolicy
from app.client.sync import Brigade

__all__ = [
    "NO_RETRIES",
    "ApiError",
    "AsyncBrigade",
    "AuthenticationError",
    "Brigade",
    "BrigadeError",
    "ConflictError",
    "ConnectionFailed",
    "Dataset",
    "Export",
    "ExportFailed",
    "ExportFormatInfo",
    "FieldError",
    "Identity",
    "IngestFailed",
    "InvalidArguments",
    "InvalidInputError",
    "Job",
    "JobProgress",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
    "VendorProgress",
    "WaitTimeout",
]
