"""Alembic environment: synchronous psycopg connection, URL from Brigade's settings.

``brigade migrate`` passes the resolved URL (embedded or external) through
``config.attributes["url"]``; plain ``alembic`` falls back to ``BRIGADE_DATABASE_URL``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

from app.config import get_settings
from app.kit.db import async_url
from app.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or get_settings().db.url
    if not url:
        raise SystemExit("No database URL: use `brigade migrate` or set BRIGADE_DATABASE_URL")
    # psycopg 3 serves both the sync and async SQLAlchemy dialects.
    return str(async_url(url))


def _include_object(obj: object, name: str | None, type_: str, *_: object) -> bool:
    # Procrastinate's tables come from its own SQL (revision 0002), not from our models.
    return not (type_ == "table" and name is not None and name.startswith("procrastinate"))


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        # Never queue behind a long transaction holding a lock the migration needs.
        connection.execute(text("SET lock_timeout = '10s'"))
        # End the implicit transaction SET opened, or Alembic would nest in it and never commit.
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            include_object=_include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
