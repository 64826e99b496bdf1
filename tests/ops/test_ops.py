"""Operations surface: health checks, metrics, request ids, size limits and the error shape."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.config import Settings
from app.errors import install_error_handlers
from app.kit.jobs import queue_app
from app.kit.middleware import RequestContextMiddleware
from app.kit.storage import LocalObjectStore
from tests.factories import login, make_enterprise, make_user


def _assert_error_shape(response: Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) <= {"error", "detail", "fields"}
    assert body["error"] == error
    assert isinstance(body["detail"], str)
    assert body["detail"]


async def test_health_reports_database_and_storage_ok(client: AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["storage"] == "ok"
    assert body["storage_backend"] == "local"


async def test_health_is_503_when_storage_is_broken(
    app: FastAPI, client: AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    not_a_directory = tmp_path / "objects"
    not_a_directory.write_bytes(b"a file where the storage root should be")
    broken = LocalObjectStore(not_a_directory, signing_key=b"k" * 32, public_url="http://t")
    working = app.state.store
    app.state.store = broken
    try:
        response = await client.get("/health")
    finally:
        app.state.store = working

    assert response.status_code == 503, response.text
    assert response.json()["status"] == "degraded"
    assert response.json()["storage"] == "unavailable"
    assert response.json()["database"] == "ok"
    assert (await client.get("/health")).status_code == 200


async def test_health_is_503_when_the_database_is_unreachable(
    app: FastAPI, client: AsyncClient
) -> None:
    # Port 1 on localhost: nothing listens, so the connection is refused at once.
    unreachable = create_async_engine("postgresql+psycopg://brigade@127.0.0.1:1/brigade")
    working = app.state.engine
    app.state.engine = unreachable
    try:
        response = await client.get("/health")
    finally:
        app.state.engine = working
        await unreachable.dispose()

    assert response.status_code == 503, response.text
    assert response.json()["database"] == "unavailable"
    assert response.json()["storage"] == "ok"


async def test_metrics_label_requests_by_route_template_and_show_queue_depth(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    member = await make_user(db, await make_enterprise(db))
    await db.commit()
    job_id = uuid.uuid4()
    async with login(app, member) as c:
        assert (await c.get(f"/api/v1/jobs/{job_id}")).status_code == 404
    await queue_app.configure_task("brigade.purge_expired_sessions").defer_async(timestamp=0)

    response = await client.get("/metrics")

    assert response.status_code == 200
    text = response.text
    assert str(job_id) not in text
    pattern = (
        r'brigade_http_request_duration_seconds_count\{method="GET",'
        r'route="/api/v1/jobs/\{job_id\}",status="404"\} [1-9]'
    )
    assert re.search(pattern, text), text
    assert 'brigade_job_queue_depth{status="todo"} 1.0' in text
    assert 'brigade_job_queue_depth{status="failed"} 0.0' in text


def _not_found_counts(metrics: str) -> dict[str, float]:
    """Route label -> count of GET requests answered 404."""
    pattern = r'_count\{method="GET",route="([^"]*)",status="404"\} (\S+)'
    return {route: float(n) for route, n in re.findall(pattern, metrics)}


async def test_unknown_paths_do_not_become_metric_labels(client: AsyncClient) -> None:
    before = _not_found_counts((await client.get("/metrics")).text)
    await client.get(f"/api/v1/no-such-thing/{uuid.uuid4()}")
    await client.get(f"/api/v1/no-such-thing/{uuid.uuid4()}")

    text = (await client.get("/metrics")).text

    assert "no-such-thing" not in text
    after = _not_found_counts(text)
    grown = {route: n - before.get(route, 0) for route, n in after.items()}
    # One bounded label for every unknown API path, with or without the built UI.
    assert {route: n for route, n in grown.items() if n} == {"/api/{path}": 2.0}


async def test_every_response_has_a_request_id(client: AsyncClient) -> None:
    ok = await client.get("/health")
    denied = await client.get("/api/v1/auth/me")
    missing = await client.get("/api/v1/nowhere")

    ids = [r.headers.get("x-request-id") for r in (ok, denied, missing)]
    assert all(ids), ids
    assert len(set(ids)) == 3


async def test_a_valid_incoming_request_id_is_echoed_and_an_invalid_one_replaced(
    client: AsyncClient,
) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "lb-7f3a.42"})
    replaced = await client.get("/health", headers={"X-Request-ID": "bad id; drop table"})
    too_long = await client.get("/health", headers={"X-Request-ID": "a" * 65})

    assert echoed.headers["x-request-id"] == "lb-7f3a.42"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", too_long.headers["x-request-id"])


def _oversized(settings: Settings) -> bytes:
    return b"x" * (settings.server.max_request_bytes + 1)


async def test_oversized_body_with_content_length_is_refused(
    client: AsyncClient, settings: Settings
) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        content=_oversized(settings),
        headers={"Content-Type": "application/json"},
    )

    _assert_error_shape(response, 413, "PayloadTooLarge")
    assert str(settings.server.max_request_bytes) in response.json()["detail"]
    assert "x-request-id" in response.headers


async def test_oversized_chunked_body_is_refused(client: AsyncClient, settings: Settings) -> None:
    body = _oversized(settings)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 1024 * 1024):
            yield body[start : start + 1024 * 1024]

    response = await client.post(
        "/api/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert "content-length" not in response.request.headers
    _assert_error_shape(response, 413, "PayloadTooLarge")


async def test_unknown_api_path_is_a_404_in_the_error_shape(client: AsyncClient) -> None:
    response = await client.get("/api/v1/definitely-not-here")

    _assert_error_shape(response, 404, "NotFound")


async def test_wrong_method_is_a_405_in_the_error_shape(client: AsyncClient) -> None:
    response = await client.delete("/api/v1/auth/me")

    _assert_error_shape(response, 405, "MethodNotAllowed")


async def test_malformed_json_is_a_422_in_the_error_shape(client: AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        content=b'{"email": "a@b.c", "password": ',
        headers={"Content-Type": "application/json"},
    )

    _assert_error_shape(response, 422, "ValidationError")
    assert response.json()["fields"]


async def _boom(request_id: str) -> Response:
    """GET a route that raises, on a minimal app wired like ``create_app`` wires the real one."""
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("password=hunter2 in SELECT * FROM users")

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://t") as c:
        return await c.get("/boom", headers={"X-Request-ID": request_id})


async def test_unhandled_exception_is_a_500_without_internals() -> None:
    response = await _boom("boom-1")

    _assert_error_shape(response, 500, "InternalError")
    assert "X-Request-ID" in response.json()["detail"]
    for leak in ("hunter2", "SELECT", "RuntimeError", "Traceback"):
        assert leak not in response.text


async def test_unhandled_exception_response_carries_the_request_id() -> None:
    response = await _boom("boom-2")

    assert response.status_code == 500
    assert response.headers.get("x-request-id") == "boom-2"


async def test_an_exhausted_connection_pool_is_a_503_with_retry_after() -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/busy")
    async def busy() -> None:
        raise PoolTimeout("QueuePool limit of size 20 overflow 5 reached")

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://t") as c:
        response = await c.get("/busy")

    _assert_error_shape(response, 503, "ServiceUnavailable")
    assert response.headers["Retry-After"] == "2"
    assert "QueuePool" not in response.text
