"""Pure ASGI middleware: request id + access log + latency metrics, and the request size cap.

Pure ASGI (not BaseHTTPMiddleware) so streaming bodies are neither buffered nor slowed down.
"""

from __future__ import annotations

import json
import re
import time
import uuid

import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_body
from app.kit.metrics import REJECTED_OVERSIZE, REQUEST_LATENCY, REQUESTS_IN_FLIGHT
from app.kit.request_context import client_ip_var, request_id_var

log = structlog.get_logger("brigade.access")

_VALID_RID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _VALID_RID.match(incoming) else uuid.uuid4().hex
        # Also on request.state: the 500 handler runs outside this middleware's context.
        scope.setdefault("state", {})["request_id"] = rid
        client = scope.get("client")
        rid_token = request_id_var.set(rid)
        ip_token = client_ip_var.set(client[0] if client else None)
        status = 500
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        REQUESTS_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            REQUESTS_IN_FLIGHT.dec()
            elapsed = time.perf_counter() - start
            route = _route_template(scope)
            REQUEST_LATENCY.labels(scope["method"], route, str(status)).observe(elapsed)
            if route != "/metrics":
                log.info(
                    "request",
                    method=scope["method"],
                    route=route,
                    status=status,
                    ms=round(elapsed * 1000, 2),
                )
            request_id_var.reset(rid_token)
            client_ip_var.reset(ip_token)


def _route_template(scope: Scope) -> str:
    """``/api/v1/jobs/{job_id}`` for ``/api/v1/jobs/1b40…``: bounded label cardinality.

    Rebuilt from the matched path parameters, because routers nested with a prefix do not expose
    the full template on the route object.
    """
    if scope.get("route") is None:
        return "unmatched"  # 404s: raw paths are unbounded
    path: str = scope["path"]
    for name, value in (scope.get("path_params") or {}).items():
        text = str(value)
        if text:
            head, sep, tail = path.rpartition(text)
            if sep:
                path = f"{head}{{{name}}}{tail}"
    return path


class BodySizeLimitMiddleware:
    """Refuse bodies over ``max_bytes``: early from Content-Length, else while streaming.

    Routes that legitimately take more (uploads) get their own limit through ``overrides``:
    path patterns (regular expressions, matched from the start) mapped to a byte limit.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, overrides: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = [(re.compile(p), limit) for p, limit in (overrides or {}).items()]

    def _limit(self, path: str) -> int:
        for pattern, limit in self.overrides:
            if pattern.match(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            REJECTED_OVERSIZE.inc()
            await _refuse(send, limit)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    REJECTED_OVERSIZE.inc()
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not response_started:
                await _refuse(send, limit)


class _TooLarge(HTTPException):
    """An HTTPException so FastAPI's body parsing passes it on instead of answering 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large_detail(limit))


def _too_large_detail(limit: int) -> str:
    return f"The request body is larger than this endpoint accepts ({limit} bytes)."


async def _refuse(send: Send, limit: int) -> None:

    body = json.dumps(error_body("PayloadTooLarge", _too_large_detail(limit))).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
