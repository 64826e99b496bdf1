"""The annotator's loop (`next`, `submit`) as plain Starlette routes, matched before the API.

These two requests are nearly all of a park's traffic: hundreds a second at its peak. As
FastAPI routes, the framework's per-request work (nested route matching, dependency solving,
body and response-model validation passes) cost as much server CPU as the statements they run
(docs/performance.md, "Labeling loop"). Here each does the same steps by hand, once:

- the same principal lookup (``get_principal``: cookie or token, X-Requested-With, the cache);
- the same unit of work: committed (or rolled back) before the response is sent;
- the same service functions and the same request and response models: the body decoded by
  orjson and validated as FastAPI validates it, the answer dumped by Pydantic in one pass;
- their own connections: a small psycopg pool per process (``labeling_concurrency``), used
  directly, without SQLAlchemy's session around it (whose bookkeeping was a fifth of these
  requests' server time); the rest of the API keeps its sessions;
- the same errors: these routes sit inside the middleware and exception handlers, so
  ``AppError``, validation errors (with ``body`` locations, as FastAPI reports them), pool
  timeouts (503) and request ids behave exactly as on every other route.

The FastAPI routes in ``endpoints.py`` stay: they document both operations in OpenAPI and
serve them when ``BRIGADE_SERVER__FAST_LABELING=false`` (the benchmark's comparison, and a
way out should this path ever misbehave). Tests run the labeling API both ways.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import orjson
from fastapi.exceptions import RequestValidationError
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.auth.dependencies import cookie_principal, get_principal, has_bearer
from app.auth.principal import Principal
from app.config import Settings
from app.errors import AtCapacity
from app.kit.db import connect_options, session_scope
from app.kit.metrics import LABELING_AT_CAPACITY
from app.labeling import service
from app.labeling.schemas import NextRequest, SubmitRequest

PREFIX = "/api/v1/labeling"
M = TypeVar("M", bound=BaseModel)


def _is_json(content_type: str) -> bool:
    kind = content_type.partition(";")[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


def _invalid(kind: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body",), "msg": message, "input": None}])


async def _decoded(request: Request) -> Any:
    """The JSON body decoded (None when absent), before authentication, as FastAPI does."""
    raw = await request.body()
    if not raw.strip():
        return None
    if not _is_json(request.headers.get("content-type", "")):
        raise _invalid("json_type", "Send the body as application/json.")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _invalid("json_invalid", f"Invalid JSON: {exc}") from None


def _validated(model: type[M], data: Any) -> M:
    """Validated as Python data (after authentication, as FastAPI does): the same messages
    as FastAPI gives ("a valid list", not JSON mode's "a valid array")."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: list[Any] = [
            {**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)
        ]
        raise RequestValidationError(errors) from None


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


@asynccontextmanager
async def _connection(request: Request) -> AsyncIterator[AsyncConnection[Any]]:
    """A connection of this process's labeling pool (``labeling_concurrency`` of them).

    Hundreds of annotators' requests arrive at once; letting them all into PostgreSQL makes
    them contend for the same rows at the front of the queue and slows every one of them, so
    they take turns here. The connection is psycopg's own, in autocommit: ``next`` is one
    statement, ``submit`` opens its transaction. Waiting as long as the pool timeout means
    overload: 503 with Retry-After, nothing done.
    """
    pool: AsyncConnectionPool[AsyncConnection[Any]] = request.app.state.labeling_pool
    try:
        conn = await pool.getconn()
    except PoolTimeout:
        LABELING_AT_CAPACITY.inc()
        raise AtCapacity() from None
    try:
        yield conn
    finally:
        await pool.putconn(conn)


async def _principal(request: Request, conn: AsyncConnection[Any]) -> Principal:
    settings = request.app.state.settings
    if has_bearer(request):  # API tokens are not people; the general path explains the refusal
        async with session_scope(request.app.state.sessionmaker) as session:
            return await get_principal(request, session, settings)
    return await cookie_principal(request, conn, settings)


async def next_assignment(request: Request) -> Response:
    data = await _decoded(request)
    async with _connection(request) as conn:
        principal = await _principal(request, conn)
        body = NextRequest() if data is None else _validated(NextRequest, data)
        out = await service.next_assignment(conn, principal, request.app.state.store, body)
    return _json(out)


async def submit(request: Request) -> Response:
    data = await _decoded(request)
    assignment_id: int = request.path_params["assignment_id"]
    async with _connection(request) as conn:
        principal = await _principal(request, conn)
        if data is None:
            raise _invalid("missing", "Field required")
        body = _validated(SubmitRequest, data)
        async with conn.transaction():
            store = request.app.state.store
            out = await service.submit(conn, principal, store, assignment_id, body)
    return _json(out)


async def open_pool(settings: Settings, url: str) -> AsyncConnectionPool[AsyncConnection[Any]]:
    pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
        url,
        min_size=settings.server.labeling_concurrency,
        max_size=settings.server.labeling_concurrency,
        kwargs={"autocommit": True, "options": connect_options(settings)},
        timeout=settings.db.pool_timeout_seconds,
        name="labeling",
        open=False,
    )
    await pool.open()
    return pool


def routes() -> list[BaseRoute]:
    return [
        Route(f"{PREFIX}/next", next_assignment, methods=["POST"]),
        Route(f"{PREFIX}/assignments/{{assignment_id:int}}/submit", submit, methods=["POST"]),
    ]
