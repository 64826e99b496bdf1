"""A real HTTP receiver on 127.0.0.1 that records what Brigade sends, and the helpers the
webhook tests share (people, a registered webhook, running the worker)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings

WEBHOOKS = "/api/v1/webhooks"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each request with the next status of ``answers`` (200 once they run out)."""

    port: int = 0
    answers: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/brigade"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        method, path, _ = (await reader.readline()).decode().split(" ", 2)
        headers = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.requests.append(Received(method, path, headers, body))
        status = self.answers.pop(0) if self.answers else 200
        answer = b"ok" if status < 300 else b"boom"
        moved = "Location: /elsewhere\r\n" if 300 <= status < 400 else ""
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Length: {len(answer)}\r\n{moved}"
            "Connection: close\r\n\r\n".encode()
            + answer
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0)
    found.port = server.sockets[0].getsockname()[1]
    async with server:
        yield found


def _worker_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> Iterator[None]:
    """The worker reads BRIGADE_WEBHOOKS__* from its environment (like a deployed one)."""
    monkeypatch.delenv("BRIGADE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS", raising=False)
    for name, value in values.items():
        monkeypatch.setenv(f"BRIGADE_WEBHOOKS__{name.upper()}", value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def private_ok(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Deliveries may go to 127.0.0.1 (the receiver)."""
    yield from _worker_env(monkeypatch, allow_private_networks="true")


@pytest.fixture
def two_attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from _worker_env(monkeypatch, allow_private_networks="true", max_attempts="2")


@pytest.fixture
def public_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from _worker_env(monkeypatch)


async def register(http: AsyncClient, url: str, *events: str) -> dict[str, Any]:
    r = await http.post(WEBHOOKS, json={"url": url, "events": list(events) or ["export.ready"]})
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def waiting_jobs(db: AsyncSession) -> list[tuple[str, float]]:
    """Delivery jobs waiting for a later attempt, with seconds until it."""
    rows = await db.execute(
        text(
            "SELECT status::text, extract(epoch FROM scheduled_at - now())::float"
            " FROM procrastinate_jobs WHERE task_name = 'brigade.deliver_webhook'"
            " AND status IN ('todo', 'doing', 'failed') ORDER BY id"
        )
    )
    await db.rollback()  # the next read sees the worker's later commits
    return [(r[0], r[1]) for r in rows]


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does (docs/webhooks.md): recompute the HMAC over "<t>.<body>", compare
    in constant time, refuse old timestamps."""
    parts = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(parts["t"])
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - timestamp) < tolerance
