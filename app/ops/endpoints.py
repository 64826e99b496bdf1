"""Operations: liveness/readiness with real checks, and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.kit.jobs import queue_depth
from app.kit.metrics import (
    JOB_QUEUE_DEPTH,
    LABELING_POOL,
    LABELING_WAITING,
    registry,
)

router = APIRouter(tags=["operations"])
log = structlog.get_logger(__name__)

_CHECK_TIMEOUT_S = 3.0


async def _check(name: str, coro: Any) -> str:
    try:
        await asyncio.wait_for(coro, _CHECK_TIMEOUT_S)
    except Exception as exc:
        log.warning("health_check_failed", component=name, error=type(exc).__name__)
        return "unavailable"
    return "ok"


async def _db_ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


@router.get("/health", operation_id="health")
async def health(request: Request) -> JSONResponse:
    """200 when the database and object storage answer, 503 (with which one) otherwise."""
    state = request.app.state
    database, storage = await asyncio.gather(
        _check("database", _db_ping(state.engine)), _check("storage", state.store.check())
    )
    ok = database == "ok" and storage == "ok"
    body = {
        "status": "ok" if ok else "degraded",
        "database": database,
        "storage": storage,
        "storage_backend": state.settings.storage.backend,
        "version": state.version,
    }
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    if request.app.state.queue_open:
        try:
            depth = await asyncio.wait_for(queue_depth(), _CHECK_TIMEOUT_S)
        except Exception as exc:  # metrics must render even when the queue is down
            log.warning("queue_depth_failed", error=type(exc).__name__)
        else:
            for status in ("todo", "doing", "failed", "succeeded", "cancelled", "aborted"):
                JOB_QUEUE_DEPTH.labels(status).set(depth.get(status, 0))
    pool = getattr(request.app.state, "labeling_pool", None)
    if pool is not None:
        stats = pool.get_stats()
        available = stats.get("pool_available", 0)
        LABELING_POOL.labels("idle").set(available)
        LABELING_POOL.labels("busy").set(stats.get("pool_size", 0) - available)
        LABELING_WAITING.set(stats.get("requests_waiting", 0))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
