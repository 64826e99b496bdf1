"""`next` and `submit` answer the same through the lean routes (app/labeling/fastpath.py) as
through the FastAPI routes they shadow: same statuses, same bodies, same error shape."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import func, select
from starlette.routing import Match

from app.config import Settings
from app.kit.metrics import LABELING_AT_CAPACITY
from app.labeling import fastpath
from app.main import create_app
from app.models import Assignment
from tests.factories import browser_client
from tests.labeling.conftest import Park


@pytest.fixture(scope="module")
async def framework_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The same app with the lean routes off: every request goes through FastAPI."""
    server = settings.server.model_copy(update={"fast_labeling": False})
    application = create_app(settings.model_copy(update={"server": server}))
    async with application.router.lifespan_context(application):
        yield application


def _endpoint(app: FastAPI, method: str, path: str) -> Any:
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    for route in app.router.routes:
        if route.matches(scope)[0] is Match.FULL:
            return getattr(route, "endpoint", route)
    return None


def test_the_lean_routes_are_matched_first(app: FastAPI, framework_app: FastAPI) -> None:
    assert _endpoint(app, "POST", "/api/v1/labeling/next") is fastpath.next_assignment
    assert _endpoint(app, "POST", "/api/v1/labeling/assignments/7/submit") is fastpath.submit
    assert _endpoint(framework_app, "POST", "/api/v1/labeling/next") is not (
        fastpath.next_assignment
    )
    # Everything else still goes to the API router.
    assert _endpoint(app, "POST", "/api/v1/labeling/assignments/7/skip") is not None
    assert _endpoint(app, "POST", "/api/v1/labeling/assignments/x/submit") is not fastpath.submit


def _same(a: Response, b: Response) -> None:
    assert a.status_code == b.status_code, (a.text, b.text)
    assert a.headers["content-type"] == b.headers["content-type"]
    assert a.json() == b.json()


async def _both(
    lean: AsyncClient, framework: AsyncClient, path: str, **kwargs: Any
) -> tuple[Response, Response]:
    return await lean.post(path, **kwargs), await framework.post(path, **kwargs)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"labels": []}, 422),  # no submission id
        ({"submission_id": "nope", "labels": []}, 422),
        ({"submission_id": str(uuid.uuid4()), "labels": "x", "active_ms": -1}, 422),
        (
            {
                "submission_id": str(uuid.uuid4()),
                "labels": [{"item_id": 1, "answer": {"label": "positive"}}],
                "active_ms": 5,
            },
            404,
        ),
    ],
)
async def test_submit_errors_are_the_same(
    park: Park, framework_app: FastAPI, db: Any, body: dict[str, Any], status: int
) -> None:
    a = await park.annotator(db)
    cookie = a.http.cookies["brigade_session"]
    async with browser_client(framework_app, cookie) as framework:
        lean_r, framework_r = await _both(
            a.http, framework, "/api/v1/labeling/assignments/999999999/submit", json=body
        )
    assert lean_r.status_code == status
    _same(lean_r, framework_r)


async def test_malformed_json_missing_body_and_auth_errors_are_the_same(
    park: Park, framework_app: FastAPI, db: Any
) -> None:
    a = await park.annotator(db)
    cookie = a.http.cookies["brigade_session"]
    submit = "/api/v1/labeling/assignments/1/submit"
    headers = {"content-type": "application/json"}
    async with (
        browser_client(framework_app, cookie) as framework,
        AsyncClient(transport=a.http._transport, base_url="http://testserver") as bare_lean,
        AsyncClient(transport=framework._transport, base_url="http://testserver") as bare_fw,
    ):
        for path in (submit, "/api/v1/labeling/next"):
            lean_r, framework_r = await _both(
                a.http, framework, path, content=b"{", headers=headers
            )
            # Both refuse; the lean route names the body and the parser's reason where
            # FastAPI says "[1]: JSON decode error".
            assert lean_r.status_code == framework_r.status_code == 422
            assert lean_r.json()["fields"][0]["field"] == "body"
            assert "Invalid JSON" in lean_r.json()["fields"][0]["message"]
            # Not logged in; logged in but without X-Requested-With.
            _same(await bare_lean.post(path, json={}), await bare_fw.post(path, json={}))
            bare_lean.cookies.set("brigade_session", cookie)
            bare_fw.cookies.set("brigade_session", cookie)
            lean_r, framework_r = await _both(bare_lean, bare_fw, path, json={})
            assert lean_r.status_code == 403
            _same(lean_r, framework_r)
            bare_lean.cookies.clear()
            bare_fw.cookies.clear()
        lean_r, framework_r = await _both(a.http, framework, submit)
        assert lean_r.status_code == 422
        assert lean_r.json()["fields"][0]["field"] == framework_r.json()["fields"][0]["field"]


async def test_work_round_trips_the_same_both_ways(
    park: Park, framework_app: FastAPI, db: Any
) -> None:
    a = await park.annotator(db)
    cookie = a.http.cookies["brigade_session"]
    async with browser_client(framework_app, cookie) as framework:
        # The held lease comes back identically from either route.
        first = await a.http.post("/api/v1/labeling/next")
        again = await framework.post("/api/v1/labeling/next", json={})
        assert first.status_code == 200
        held = first.json()["assignment"]
        assert held is not None
        _same(first, again)
        # Submitted through the framework, retried through the lean route: the first result.
        body = {
            "submission_id": str(uuid.uuid4()),
            "labels": [
                {"item_id": it["id"], "answer": {"label": "positive"}} for it in held["items"]
            ],
            "active_ms": 1200,
        }
        path = f"/api/v1/labeling/assignments/{held['id']}/submit"
        done = await framework.post(path, json=body)
        assert done.status_code == 200
        lean_retry, framework_retry = await _both(a.http, framework, path, json=body)
        assert lean_retry.json()["replayed"] is True
        _same(lean_retry, framework_retry)
        # Submit-and-next through the lean route hands out the next item.
        nxt = (await a.http.post("/api/v1/labeling/next")).json()["assignment"]
        body = {**body, "submission_id": str(uuid.uuid4()), "next": True}
        body["labels"] = [
            {"item_id": it["id"], "answer": {"label": "negative"}} for it in nxt["items"]
        ]
        r = await a.http.post(f"/api/v1/labeling/assignments/{nxt['id']}/submit", json=body)
        assert r.status_code == 200, r.text
        assert r.json()["next"]["assignment"]["id"] not in (held["id"], nxt["id"])


async def test_a_full_pool_answers_503_with_retry_after_and_does_nothing(
    park: Park, app: FastAPI, db: Any
) -> None:
    """More labeling requests than the process lets into the database at once wait their turn;
    one that waits as long as the pool's timeout is told to come back, with nothing done."""
    a = await park.annotator(db)
    pool = app.state.labeling_pool
    held = [await pool.getconn() for _ in range(pool.max_size)]  # every turn taken
    original_timeout, pool.timeout = pool.timeout, 0.2
    before = LABELING_AT_CAPACITY._value.get()
    try:
        busy = await a.http.post("/api/v1/labeling/next")
        assert busy.status_code == 503
        assert LABELING_AT_CAPACITY._value.get() == before + 1
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as ops:
            scraped = (await ops.get("/metrics")).text
        assert f'brigade_labeling_pool_connections{{state="busy"}} {float(pool.max_size)}' in (
            scraped
        )
        assert busy.headers["retry-after"] == "2"
        assert busy.json()["error"] == "ServiceUnavailable"
        assert await db.scalar(select(func.count()).select_from(Assignment)) == 0
        await pool.putconn(held.pop())  # a turn frees up: the same request goes through
        assert (await a.http.post("/api/v1/labeling/next")).json()["assignment"] is not None
    finally:
        pool.timeout = original_timeout
        for conn in held:
            await pool.putconn(conn)


@pytest.mark.parametrize("header", ["Bearer brg_not-a-real-token", "Basic dXNlcjpwYXNz"])
async def test_authorization_headers_get_the_same_answer_on_both_paths(
    framework_app: FastAPI, app: FastAPI, header: str
) -> None:
    """API tokens take the general lookup on the lean routes too."""
    headers = {"Authorization": header}
    async with (
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as lean,
        AsyncClient(transport=ASGITransport(app=framework_app), base_url="http://t") as fw,
    ):
        for path in ("/api/v1/labeling/next", "/api/v1/labeling/assignments/1/submit"):
            lean_r, framework_r = await _both(lean, fw, path, headers=headers, json={})
            assert lean_r.status_code == 401
            _same(lean_r, framework_r)
