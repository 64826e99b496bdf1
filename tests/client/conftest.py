"""A client company with an API token, the SDK pointed at the real app in-process, and a
background worker as a deployment runs one (ingest and exports are background jobs)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.client import AsyncBrigade, RetryPolicy
from app.kit.jobs import run_worker
from app.models import Enterprise, EnterpriseKind, Role, User
from tests.client.bridge import AppBridge
from tests.factories import login, make_enterprise, make_user

BASE_URL = "http://testserver"
# Real backoff, in milliseconds: the retry tests stay fast and still sleep between tries.
FAST_RETRY = RetryPolicy(backoff=0.01, max_wait=1.0)


@dataclass
class Customer:
    enterprise: Enterprise
    admin: User
    token: str


async def issue_token(app: FastAPI, admin: User, name: str = "training-pipeline") -> str:
    """An API token as an enterprise admin gets one: logged in, ``POST /tokens``."""
    async with login(app, admin) as browser:
        response = await browser.post("/api/v1/tokens", json={"name": name})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


@pytest.fixture
async def customer(app: FastAPI, db: AsyncSession) -> Customer:
    enterprise = await make_enterprise(db, EnterpriseKind.CLIENT)
    admin = await make_user(db, enterprise, Role.ENTERPRISE_ADMIN)
    await db.commit()
    return Customer(enterprise, admin, await issue_token(app, admin))


@pytest.fixture
async def vendor(db: AsyncSession) -> Enterprise:
    """A vendor company to admit to jobs (a job starts only with one)."""
    enterprise = await make_enterprise(db, EnterpriseKind.VENDOR)
    await db.commit()
    return enterprise


@pytest.fixture
async def sdk(app: FastAPI, customer: Customer) -> AsyncIterator[AsyncBrigade]:
    transport = httpx.ASGITransport(app=app)
    async with AsyncBrigade(
        BASE_URL, customer.token, transport=transport, retry=FAST_RETRY
    ) as brigade:
        yield brigade


@pytest.fixture
async def bridge(app: FastAPI) -> AppBridge:
    return AppBridge(app, asyncio.get_running_loop())


@pytest.fixture
async def worker(app: FastAPI) -> AsyncIterator[None]:
    """A worker running beside the test, as the server's embedded one does."""
    task = asyncio.create_task(
        run_worker(
            app.state.sessionmaker,
            app.state.store,
            app.state.server_secret,
            concurrency=2,
            name="test-client",
            install_signal_handlers=False,
        )
    )
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
