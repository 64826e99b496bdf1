"""The ``brigade`` command: run, worker, migrate, create-admin, demo."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import typer
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.client.cli import register as register_client_commands
from app.config import Settings, get_settings
from app.kit.db import create_engine, create_sessionmaker, libpq_url
from app.kit.logging import configure_logging
from app.kit.security import configure_password_hashing, resolve_signing_key
from app.kit.storage import ObjectStore, create_store
from app.runtime import database_url, downgrade, migrate

cli = typer.Typer(
    name="brigade",
    help="Brigade: open-source data-annotation crowdsourcing platform.",
    no_args_is_help=True,
    add_completion=False,
)
register_client_commands(cli)


@cli.command()
def run(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Server processes (default 1; one per core is typical)")
    ] = None,
) -> None:
    """Start the API server (and, by default, a worker inside it)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    host = host or settings.server.host
    port = port or settings.server.port
    workers = workers or settings.server.workers
    if workers > 1 and settings.embedded_database:
        # Start and migrate the embedded server once, here, and hand its URL to the processes
        # (each would otherwise try to start it); it lives as long as this parent process.
        url = database_url(settings)
        migrate(url)
        os.environ["BRIGADE_DATABASE_URL"] = url
    where = (
        "embedded PostgreSQL in " + str(settings.data_dir)
        if settings.embedded_database
        else ("PostgreSQL at BRIGADE_DATABASE_URL")
    )
    typer.echo(f"Brigade on http://{host}:{port}  ({where}, {settings.storage.backend} storage)")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        log_config=None,
        proxy_headers=True,
        lifespan="on",
        workers=workers,
        backlog=settings.server.backlog,
        access_log=False,  # RequestContextMiddleware writes the access log (with request ids)
    )


@cli.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="Jobs run at once")] = None,
    queue: Annotated[list[str] | None, typer.Option(help="Queues to serve (default: all)")] = None,
) -> None:
    """Run a background-job worker until interrupted."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    asyncio.run(_worker(settings, concurrency or settings.worker.concurrency, queue))


async def _worker(settings: Settings, concurrency: int, queues: list[str] | None) -> None:
    from app.ingest.pool import shutdown_pool
    from app.kit.jobs import open_queue, run_worker

    try:
        async with _services(settings) as (maker, store, url), open_queue(libpq_url(url)):
            secret = resolve_signing_key(settings)
            await run_worker(maker, store, secret, concurrency=concurrency, queues=queues)
    finally:
        shutdown_pool()


@cli.command(name="migrate")
def migrate_cmd(
    revision: Annotated[str, typer.Option(help="Target revision")] = "head",
    down: Annotated[bool, typer.Option("--down", help="Downgrade to --revision")] = False,
) -> None:
    """Apply (or roll back) database migrations."""
    settings = get_settings()
    configure_logging(settings.log_level, json=False)
    url = database_url(settings)
    if down:
        downgrade(url, revision)
    else:
        migrate(url, revision)
    typer.echo(f"Database at {'downgraded to' if down else 'migrated to'} {revision}.")


@asynccontextmanager
async def _services(
    settings: Settings,
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], ObjectStore, str]]:
    configure_password_hashing(settings.auth.argon2_time_cost, settings.auth.argon2_memory_kib)
    url = await asyncio.to_thread(database_url, settings)
    if settings.embedded_database:
        await asyncio.to_thread(migrate, url)
    engine = create_engine(settings, url)
    store = create_store(settings, resolve_signing_key(settings))
    await store.ensure_ready()
    try:
        yield create_sessionmaker(engine), store, url
    finally:
        await engine.dispose()


@cli.command(name="create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The park admin's email")],
    name: Annotated[str, typer.Option(help="Display name")] = "Park admin",
    park: Annotated[str, typer.Option(help="Park operator's name")] = "Park operator",
    password: Annotated[
        str | None, typer.Option(help="Password (generated and printed when omitted)")
    ] = None,
) -> None:
    """Create the park operator enterprise (once) and a park admin in it."""
    from app.demo.service import create_park_admin

    settings = get_settings()
    configure_logging(settings.log_level, json=False)

    async def _go() -> str:
        async with _services(settings) as (maker, _, _url):
            return await create_park_admin(
                maker, email=email, name=name, park=park, password=password
            )

    try:
        secret = asyncio.run(_go())
    except ValueError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Park admin {email} created.")
    if password is None:
        typer.echo(f"Password (shown once): {secret}")


@cli.command()
def demo(
    reset_passwords: Annotated[
        bool, typer.Option(help="Give the demo accounts new passwords if the demo exists")
    ] = False,
) -> None:
    """Load a small demo park: operator, a client, two vendors, people, an image job, a text
    job, and a sentiment job with a labeled history (quality control at work)."""
    from app.demo.service import load_demo

    settings = get_settings()
    configure_logging(settings.log_level, json=False)
    if settings.environment == "production":
        # The demo creates accounts with well-known emails; never in a real park.
        typer.secho("error: the demo park is not loaded in production", fg="red", err=True)
        raise typer.Exit(2)

    async def _go() -> list[tuple[str, str, str]]:
        async with _services(settings) as (maker, store, _url):
            return await load_demo(maker, store, reset_passwords=reset_passwords)

    accounts = asyncio.run(_go())
    if not accounts:
        typer.echo("The demo park already exists. Use --reset-passwords to get new passwords.")
        return
    typer.echo("Demo park loaded. Accounts (passwords shown once):")
    width = max(len(a[0]) for a in accounts)
    for email, role, password in accounts:
        typer.echo(f"  {email.ljust(width)}  {role.ljust(16)}  {password}")
    typer.echo(f"Open {settings.server.public_url} and log in.")


@cli.command()
def check(
    job: Annotated[str | None, typer.Option(help="Only this job's rows (UUID)")] = None,
) -> None:
    """Scan the database for distribution invariant violations (more than k labels, an
    annotator twice on an item, overlapping leases, submissions without labels …)."""
    from app.kit.db import session_scope
    from app.labeling.checker import check as run_check

    settings = get_settings()
    configure_logging(settings.log_level, json=False)
    job_id = uuid.UUID(job) if job else None

    async def _go() -> str | None:
        async with (
            _services(settings) as (maker, _store, _url),
            session_scope(maker) as session,
        ):
            report = await run_check(session, job_id)
        return None if report.ok else report.summary()

    problems = asyncio.run(_go())
    if problems is None:
        typer.echo("OK: no invariant violations.")
        return
    typer.secho(f"VIOLATIONS: {problems}", fg="red", err=True)
    raise typer.Exit(1)


def main() -> None:
    cli()
