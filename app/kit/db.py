"""Engine and session plumbing. One unit of work per request and per background job.

Services only ``flush()``; the boundary (``session_scope`` / the request dependency) commits or
rolls back. Background jobs are queued in the same transaction (``app.kit.jobs.defer_job``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings
from app.errors import AppError


def async_url(url: str) -> str:
    """Normalise any postgres URL to the psycopg 3 driver SQLAlchemy uses."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith("postgresql"):
        raise ValueError(f"Brigade runs on PostgreSQL only; got a {parsed.drivername} URL")
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The same URL for libpq clients (psycopg.connect, procrastinate)."""
    parsed = make_url(async_url(url)).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def create_engine(settings: Settings, url: str) -> AsyncEngine:
    engine = create_async_engine(
        async_url(url),
        pool_size=settings.db.pool_size,
        max_overflow=settings.db.max_overflow,
        pool_pre_ping=True,
        connect_args={"options": f"-c statement_timeout={settings.db.statement_timeout_ms}"},
    )
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Commit on success, roll back on any error (unless the error asks to keep changes)."""
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except AppError as exc:
            await (session.commit() if exc.keep_changes else session.rollback())
            raise
        except BaseException:
            await session.rollback()
            raise
