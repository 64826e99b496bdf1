"""``create_app()``: lifespan (database, storage, job queue, embedded worker), middleware,
error handlers and routers. Import-time side effects are limited to building the app object."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import anyio
import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse
from starlette.routing import Match
from starlette.staticfiles import StaticFiles

from app.audit.endpoints import router as audit_router
from app.auth.endpoints import router as auth_router
from app.auth.session_cache import PrincipalCache
from app.auth.session_cache import watch as watch_sessions
from app.config import Settings, get_settings
from app.datasets.endpoints import router as datasets_router
from app.enterprises.endpoints import router as enterprises_router
from app.errors import ErrorResponse, MethodNotAllowed, NotFound, install_error_handlers
from app.exports.endpoints import router as exports_router
from app.imports.endpoints import router as imports_router
from app.ingest.pool import shutdown_pool
from app.jobs.endpoints import router as jobs_router
from app.kit.db import create_engine, create_sessionmaker, libpq_url
from app.kit.jobs import open_queue, run_worker
from app.kit.logging import configure_logging
from app.kit.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from app.kit.security import configure_password_hashing, resolve_signing_key
from app.kit.storage import create_store
from app.labeling.endpoints import router as labeling_router
from app.labeling.fastpath import open_pool as open_labeling_pool
from app.labeling.fastpath import routes as labeling_fast_routes
from app.ops.endpoints import router as ops_router
from app.quality.endpoints import router as quality_router
from app.runtime import database_url, migrate
from app.stats.endpoints import router as stats_router
from app.storage.endpoints import router as storage_router
from app.tokens.endpoints import router as tokens_router
from app.users.endpoints import router as users_router
from app.webhooks.endpoints import router as webhooks_router

log = structlog.get_logger(__name__)

UI_DIST = Path(__file__).resolve().parent.parent / "annotation_ui" / "dist"

try:
    VERSION = version("brigade")
except PackageNotFoundError:  # running from a source tree without install
    VERSION = "0.0.0"


def api_router() -> APIRouter:
    api = APIRouter(
        prefix="/api/v1",
        responses={
            401: {"model": ErrorResponse, "description": "Not logged in / bad token"},
            403: {"model": ErrorResponse, "description": "Not allowed"},
            404: {"model": ErrorResponse, "description": "Not found or not visible to you"},
            422: {"model": ErrorResponse, "description": "Invalid input (see fields)"},
        },
    )
    # The annotators' loop first: route matching walks this list, and labeling is most of
    # the traffic (hundreds of requests a second at the park's peak).
    for router in (
        labeling_router,
        auth_router,
        tokens_router,
        enterprises_router,
        users_router,
        jobs_router,
        quality_router,
        stats_router,
        exports_router,
        datasets_router,
        imports_router,
        audit_router,
        webhooks_router,
        storage_router,
    ):
        api.include_router(router)
    return api


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    url = await anyio.to_thread.run_sync(database_url, settings)
    if settings.embedded_database:
        # The embedded default migrates itself; an external database is migrated by
        # `brigade migrate` as a deploy step (several API replicas must not race to do it).
        await anyio.to_thread.run_sync(migrate, url)
    engine = create_engine(settings, url)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.server_secret = resolve_signing_key(settings)
    store = create_store(settings, app.state.server_secret)
    await store.ensure_ready()
    app.state.store = store
    worker: asyncio.Task[None] | None = None
    pool = (
        await open_labeling_pool(settings, libpq_url(url))
        if settings.server.fast_labeling
        else None
    )
    app.state.labeling_pool = pool
    # Session lookups stay cached while PostgreSQL can tell this process when one goes stale.
    watcher = asyncio.create_task(watch_sessions(app.state.principal_cache, libpq_url(url)))
    async with open_queue(libpq_url(url)):
        app.state.queue_open = True
        if settings.worker.embedded:
            worker = asyncio.create_task(
                run_worker(
                    app.state.sessionmaker,
                    store,
                    app.state.server_secret,
                    concurrency=settings.worker.concurrency,
                    name="embedded",
                    install_signal_handlers=False,
                )
            )
        log.info(
            "brigade_started",
            embedded_db=settings.embedded_database,
            storage=settings.storage.backend,
            embedded_worker=settings.worker.embedded,
        )
        # Everything built at startup (modules, routes, schemas) lives as long as the
        # process: moved out of the collector's sight, a full collection no longer walks it
        # (those walks were the 100+ ms tails of large responses).
        gc.freeze()
        try:
            yield
        finally:
            app.state.queue_open = False
            for task in (worker, watcher):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if pool is not None:
                await pool.close()
            shutdown_pool()
    await engine.dispose()


def _mount_ui(app: FastAPI) -> None:
    """Serve the built browser app; unknown non-API paths get index.html (client routing)."""
    if not (UI_DIST / "index.html").is_file():
        log.warning("ui_not_built", hint="run `make ui` (make run builds it)")
        return
    assets = UI_DIST / "assets"
    if assets.is_dir():
        app.mount("/assets", StaticFiles(directory=assets), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str) -> FileResponse:
        if path in ("api", "health", "metrics"):
            raise NotFound(f"No such endpoint: /{path}")
        candidate = (UI_DIST / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(UI_DIST):
            # Files outside /assets have no content hash (the service worker, sw.js, above all:
            # a stale copy would keep serving an old build): revalidate them every time.
            return FileResponse(candidate, headers={"Cache-Control": "no-cache"})
        return FileResponse(UI_DIST / "index.html", headers={"Cache-Control": "no-cache"})


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with form models that carry files documented as multipart (FastAPI
    documents a ``Form()`` model as urlencoded even when it has ``UploadFile`` fields, which is
    not what those endpoints accept)."""
    if app.openapi_schema is None:
        spec = FastAPI.openapi(app)
        schemas = spec.get("components", {}).get("schemas", {})
        for path in spec["paths"].values():
            for op in path.values():
                content = op.get("requestBody", {}).get("content", {})
                form = content.get("application/x-www-form-urlencoded")
                if form is not None and _has_file(schemas, form["schema"]):
                    content["multipart/form-data"] = content.pop(
                        "application/x-www-form-urlencoded"
                    )
        app.openapi_schema = spec
    return app.openapi_schema


def _has_file(schemas: dict[str, Any], schema: Any) -> bool:
    """Whether ``schema`` (following references) has a file field anywhere."""
    if isinstance(schema, list):
        return any(_has_file(schemas, part) for part in schema)
    if not isinstance(schema, dict):
        return False
    if "$ref" in schema:
        return _has_file(schemas, schemas[schema["$ref"].rsplit("/", 1)[-1]])
    if schema.get("format") == "binary" or "contentMediaType" in schema:
        return True
    return any(_has_file(schemas, value) for value in schema.values())


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    configure_password_hashing(settings.auth.argon2_time_cost, settings.auth.argon2_memory_kib)
    app = FastAPI(
        title="Brigade",
        version=VERSION,
        summary="Open-source data-annotation crowdsourcing platform",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.principal_cache = PrincipalCache(settings.auth.session_cache_seconds)
    app.state.version = VERSION
    app.state.queue_open = False
    install_error_handlers(app)
    if settings.server.fast_labeling:
        app.router.routes.extend(labeling_fast_routes())  # first: matched before the API
    app.include_router(ops_router)
    app.include_router(api_router())

    # Unknown API paths answer 404 whatever the method (not the UI's 405), under one metric label.
    @app.api_route(
        "/api/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
        include_in_schema=False,
    )
    async def unknown_api(request: Request, path: str) -> None:
        for route in request.app.router.routes:
            if route.matches(request.scope)[0] is Match.PARTIAL:  # the path exists
                raise MethodNotAllowed(f"{request.method} is not allowed on /api/{path}.")
        raise NotFound(f"No such endpoint: /api/{path}")

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    _mount_ui(app)
    upload = settings.server.max_upload_bytes
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.server.max_request_bytes,
        overrides={
            r"/api/v1/jobs/[^/]+/datasets$": upload,
            r"/api/v1/jobs/[^/]+/imports/label-studio$": upload,
            r"/api/v1/storage/objects/": upload,
        },
    )
    app.add_middleware(RequestContextMiddleware)
    return app
