"""One error type hierarchy and the one way errors render: ``{"error", "detail"}``.

Validation errors add ``fields``: a list of ``{"field", "message"}`` so a program can point at the
offending input. Nothing else (tracebacks, SQL, driver messages) ever reaches a response.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)


class FieldError(BaseModel):
    field: str
    message: str


class ErrorResponse(BaseModel):
    error: str
    detail: str
    fields: list[FieldError] | None = None


class AppError(Exception):
    status_code = 400
    error = "BadRequest"
    retry_after: int | None = None  # seconds, sent as Retry-After

    def __init__(
        self, detail: str, *, fields: list[FieldError] | None = None, keep_changes: bool = False
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields
        # Commit the unit of work although the request fails (e.g. a failed-login counter).
        self.keep_changes = keep_changes


class NotAuthenticated(AppError):
    status_code = 401
    error = "NotAuthenticated"


class PermissionDenied(AppError):
    status_code = 403
    error = "PermissionDenied"


class NotFound(AppError):
    status_code = 404
    error = "NotFound"


class MethodNotAllowed(AppError):
    status_code = 405
    error = "MethodNotAllowed"


class Conflict(AppError):
    status_code = 409
    error = "Conflict"


class LeaseLost(Conflict):
    """The annotator no longer holds the work: the lease ran out and the slot went elsewhere."""

    error = "LeaseLost"


class PayloadTooLarge(AppError):
    status_code = 413
    error = "PayloadTooLarge"


class InvalidInput(AppError):
    status_code = 422
    error = "ValidationError"


class RateLimited(AppError):
    status_code = 429
    error = "TooManyRequests"


class ServiceUnavailable(AppError):
    status_code = 503
    error = "ServiceUnavailable"


class AtCapacity(ServiceUnavailable):
    """Overloaded right now (a connection pool stayed busy for its timeout): the client should
    come back shortly (Retry-After). Nothing of the request was done."""

    retry_after = 2

    def __init__(self) -> None:
        super().__init__(
            "The server is at capacity right now; retry in a few seconds. Nothing was saved."
        )


def error_body(error: str, detail: str, fields: list[FieldError] | None = None) -> dict[str, Any]:
    return ErrorResponse(error=error, detail=detail, fields=fields).model_dump(exclude_none=True)


def _loc_to_field(loc: tuple[int | str, ...]) -> str:
    # ("body", "label_schema", "labels", 0, "name") -> "label_schema.labels[0].name"
    parts = [p for p in loc if p not in ("body",)]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def validation_fields(errors: list[Any]) -> list[FieldError]:
    fields = []
    for err in errors:
        msg = str(err.get("msg", "invalid value"))
        # Pydantic prefixes ValueErrors raised in validators; the prefix helps nobody.
        msg = msg.removeprefix("Value error, ")
        fields.append(FieldError(field=_loc_to_field(tuple(err.get("loc", ()))), message=msg))
    return fields


_HTTP_NAMES = {
    400: "BadRequest",
    401: "NotAuthenticated",
    403: "PermissionDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "ValidationError",
    429: "TooManyRequests",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.error, exc.detail, exc.fields),
            status_code=exc.status_code,
            headers={"Retry-After": str(exc.retry_after)} if exc.retry_after else None,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = validation_fields(list(exc.errors()))
        summary = "; ".join(f"{f.field}: {f.message}" for f in fields[:5])
        return JSONResponse(
            error_body("ValidationError", f"Invalid input — {summary}", fields), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        name = _HTTP_NAMES.get(exc.status_code, "HTTPError")
        detail = exc.detail if isinstance(exc.detail, str) else name
        return JSONResponse(
            error_body(name, detail), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(PoolTimeout)
    async def _at_capacity(request: Request, exc: PoolTimeout) -> JSONResponse:
        # Every database connection of this process stayed busy for the pool timeout: the
        # server is overloaded. Say so (503 + Retry-After) instead of a bare 500.
        log.warning("db_pool_exhausted", path=request.url.path)
        return await _app_error(request, AtCapacity())

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        rid: str | None = getattr(request.state, "request_id", None)
        log.exception(
            "unhandled_error", path=request.url.path, exc_type=type(exc).__name__, request_id=rid
        )
        return JSONResponse(
            error_body(
                "InternalError",
                "Something went wrong on our side; the request id in X-Request-ID helps support.",
            ),
            status_code=500,
            headers={"X-Request-ID": rid} if rid else None,
        )
