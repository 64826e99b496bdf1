"""Engine and session plumbing. One unit of work per request and per background job.

Services only ``flush()``; the boundary (``session_scope`` / the request dependency) commits or
rolls back. Background jobs are queued in the same transaction (``app.kit.jobs.defer_job``).
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import orjson
from psycopg import AsyncConnection
from psycopg.pq import ExecStatus
from psycopg.types.json import set_json_loads
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings
from app.errors import AppError

TUPLES_OK = ExecStatus.TUPLES_OK

# JSON columns read through the driver (labels' answers by the thousand in quality control)
# are parsed by orjson, several times faster than the standard library's json.
set_json_loads(orjson.loads)


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


def connect_options(settings: Settings) -> str:
    """Server options every connection starts with."""
    return f"-c statement_timeout={settings.db.statement_timeout_ms}"


def create_engine(settings: Settings, url: str) -> AsyncEngine:
    engine = create_async_engine(
        async_url(url),
        pool_size=settings.db.pool_size,
        max_overflow=settings.db.max_overflow,
        # No ping per checkout (a round trip on every request). After a database restart the
        # first statement on each stale connection fails once; the pool then drops the rest.
        pool_pre_ping=settings.db.pre_ping,
        pool_recycle=1800,
        # Waiting longer than this for a connection means overload: answer 503 (app.errors).
        pool_timeout=settings.db.pool_timeout_seconds,
        connect_args={"options": connect_options(settings)},
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


class DriverSQL:
    """A hot-path statement run on the psycopg connection under the session, skipping the
    SQLAlchemy execution layers (they cost more than the query on the labeling loop).

    Written like ``text()`` with ``:name`` parameters; converted once to psycopg's style.
    It runs inside the session's transaction, so the unit of work is unchanged.
    """

    _PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")

    def __init__(self, sql: str) -> None:
        self.text = sql
        self.sql = self._PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))
        self._row: Any = None  # the named-tuple type of its rows, from the first result

    def row_factory(self, cursor: Any) -> Any:
        """psycopg row factory: rows as named tuples whose type is built once per statement
        (its columns never change), not from each result's description, whose Column objects
        were a measurable share of the labeling loop's server time."""
        if self._row is None:
            description = cursor.description
            if description is None:
                return tuple
            self._row = namedtuple("Row", [c.name for c in description], rename=True)  # type: ignore[misc]
        return self._row._make


def json_rows(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as one JSON parameter, for ``jsonb_to_recordset``: a batch in one round trip.
    UUIDs and dates as their text; Decimals (money) as strings, exact into numeric columns."""
    return orjson.dumps(list(rows), option=orjson.OPT_SERIALIZE_UUID, default=str).decode()


async def driver_connection(session: AsyncSession) -> AsyncConnection[Any]:
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    driver: AsyncConnection[Any] = raw.driver_connection  # type: ignore[assignment]
    return driver


# What hot-path statements run on: a request's session (its transaction), or a psycopg
# connection straight from the labeling pool (app/labeling/fastpath.py).
Db = AsyncSession | AsyncConnection[Any]


async def fetch(db: Db, stmt: DriverSQL, params: Mapping[str, Any]) -> list[Any]:
    """Run ``stmt`` in the session's (or connection's) transaction; rows are named tuples."""
    driver = db if isinstance(db, AsyncConnection) else await driver_connection(db)
    async with driver.cursor(row_factory=stmt.row_factory) as cur:
        await cur.execute(stmt.sql, params)
        result = cur.pgresult
        return await cur.fetchall() if result and result.status == TUPLES_OK else []


async def use_autocommit(session: AsyncSession) -> None:
    """For a request that runs exactly one (atomic) statement: no BEGIN/COMMIT round trips.

    Only possible before the session has touched the database; otherwise the request simply
    stays in its transaction.
    """
    if not session.in_transaction():
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
