"""The SDK's exceptions. Every API error carries the server's ``{"error", "detail", "fields"}``
body (``app/errors.py``) so a program can show the detail or point at the offending field."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from app.client.models import Dataset, Export


class BrigadeError(Exception):
    """Base of everything the SDK raises."""


class InvalidArguments(BrigadeError, ValueError):
    """The call cannot be made as asked (no files, a format that does not fit them)."""


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ApiError(BrigadeError):
    """The server answered with an error status."""

    def __init__(
        self,
        status_code: int,
        error: str,
        detail: str,
        fields: list[FieldError] | None = None,
        *,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status_code} {error}: {detail}")
        self.status_code = status_code
        self.error = error
        self.detail = detail
        self.fields = fields or []
        self.request_id = request_id
        self.retry_after = retry_after


class AuthenticationError(ApiError):
    """401: no token, a wrong, expired or revoked one."""


class PermissionDeniedError(ApiError):
    """403: the token's role may not do this."""


class NotFoundError(ApiError):
    """404: no such object, or not visible to this token."""


class ConflictError(ApiError):
    """409: the request clashes with the current state (e.g. a job name already taken)."""


class InvalidInputError(ApiError):
    """422: see ``fields`` for what to change."""


class RateLimitedError(ApiError):
    """429 after the retries ran out."""


class ServerError(ApiError):
    """5xx after the retries ran out (or at once, where a retry would not be safe)."""


class ConnectionFailed(BrigadeError):
    """The server could not be reached (or the connection broke) and retrying did not help."""


class WaitTimeout(BrigadeError):
    """A ``wait_for_*`` call ran out of time; the work goes on on the server."""


class IngestFailed(BrigadeError):
    def __init__(self, dataset: Dataset) -> None:
        super().__init__(f"Dataset {dataset.id} failed to ingest: {dataset.error or 'no reason'}")
        self.dataset = dataset


class ExportFailed(BrigadeError):
    def __init__(self, export: Export) -> None:
        super().__init__(f"Export {export.id} failed: {export.error or 'no reason'}")
        self.export = export


_BY_STATUS: dict[int, type[ApiError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: InvalidInputError,
    429: RateLimitedError,
}


def retry_after(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds (the HTTP-date form is rare enough to ignore)."""
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def api_error(response: httpx.Response) -> ApiError:
    """The exception for an error response; bodies that are not the API's shape (a proxy's HTML
    page) keep their status and the start of their text."""
    error, detail, fields = "HTTPError", response.text[:500] or response.reason_phrase, []
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        error = str(body.get("error") or error)
        detail = body["detail"]
        fields = [
            FieldError(str(f.get("field", "")), str(f.get("message", "")))
            for f in body.get("fields") or []
            if isinstance(f, dict)
        ]
    status = response.status_code
    kind = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
    return kind(
        status,
        error,
        detail,
        fields,
        request_id=response.headers.get("x-request-id"),
        retry_after=retry_after(response),
    )
