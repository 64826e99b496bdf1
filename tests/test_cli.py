"""The ``brigade`` command against the test database, configured only through the environment.

Commands call ``asyncio.run``, which cannot nest in the test's running loop, so they run in a
worker thread; the test stays async to check results through the real API.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import anyio.to_thread
import pytest
import structlog
from httpx import AsyncClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import get_settings
from app.models import EnterpriseKind, Role, User
from tests.conftest import TEST_SECRET

ADMIN_EMAIL = "x@park.example.com"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Iterator[None]:
    """Point the CLI at the test database; undo its global logging setup afterwards."""
    for name, value in {
        "BRIGADE_ENVIRONMENT": "test",
        "BRIGADE_DATABASE_URL": database_url,
        "BRIGADE_DATA_DIR": str(tmp_path),
        "BRIGADE_AUTH__SECRET_KEY": TEST_SECRET,
        "BRIGADE_LOG_LEVEL": "WARNING",
        "BRIGADE_LOG_JSON": "false",
    }.items():
        monkeypatch.setenv(name, value)
    root = logging.getLogger()
    handlers, level, log_config = root.handlers[:], root.level, structlog.get_config()
    get_settings.cache_clear()
    try:
        yield
    finally:
        get_settings.cache_clear()
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.configure(**log_config)


async def _brigade(*args: str) -> Result:
    return await anyio.to_thread.run_sync(lambda: CliRunner().invoke(cli, list(args)))


async def test_help_lists_the_commands() -> None:
    result = await _brigade("--help")

    assert result.exit_code == 0, result.output
    for command in ("run", "worker", "migrate", "create-admin", "demo"):
        assert f" {command} " in result.output, command


@pytest.mark.usefixtures("cli_env")
async def test_migrate_on_an_up_to_date_database_succeeds() -> None:
    result = await _brigade("migrate")

    assert result.exit_code == 0, result.output
    assert "migrated to head" in result.stdout


@pytest.mark.usefixtures("cli_env")
async def test_create_admin_prints_a_password_that_logs_in(
    client: AsyncClient, db: AsyncSession
) -> None:
    result = await _brigade("create-admin", "--email", ADMIN_EMAIL)

    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
    password = lines["Password (shown once)"].strip()
    response = await client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": password}
    )
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "park_admin"
    assert response.json()["enterprise"]["kind"] == "park_operator"
    admin = await db.scalar(select(User).where(User.email == ADMIN_EMAIL))
    assert admin is not None
    assert admin.role is Role.PARK_ADMIN
    assert admin.enterprise_kind is EnterpriseKind.PARK_OPERATOR


@pytest.mark.usefixtures("cli_env")
async def test_create_admin_twice_fails_with_a_clear_message(db: AsyncSession) -> None:
    first = await _brigade("create-admin", "--email", ADMIN_EMAIL, "--password", "p" * 12)
    second = await _brigade("create-admin", "--email", ADMIN_EMAIL.upper())

    assert first.exit_code == 0, first.output
    assert "Password (shown once)" not in first.stdout  # the caller chose it
    assert second.exit_code != 0
    assert f"{ADMIN_EMAIL} is already registered" in second.stderr
    assert "Traceback" not in second.output
    emails = (await db.scalars(select(User.email))).all()
    assert emails == [ADMIN_EMAIL]


@pytest.mark.usefixtures("cli_env")
async def test_create_admin_refuses_something_that_is_not_an_email() -> None:
    result = await _brigade("create-admin", "--email", "not-an-email")

    assert result.exit_code != 0
    assert "is not an email address" in result.stderr


async def test_demo_is_refused_in_production(
    cli_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIGADE_ENVIRONMENT", "production")
    monkeypatch.setenv("BRIGADE_AUTH__COOKIE_SECURE", "true")
    get_settings.cache_clear()
    result = await _brigade("demo")
    assert result.exit_code == 2
    assert "not loaded in production" in result.output


@pytest.mark.usefixtures("cli_env")
async def test_check_exits_1_and_names_a_broken_invariant(db: AsyncSession) -> None:
    from tests.factories import TEXT_CLASSES, make_dataset, make_enterprise, make_job, make_user

    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(db, client, [vendor], label_schema=TEXT_CLASSES, data_kind="text")
    _, items = await make_dataset(db, job, ["好评"])
    await db.commit()
    clean = await _brigade("check", "--job", str(job.id))
    assert clean.exit_code == 0, clean.output
    assert "no invariant violations" in clean.output

    # A label written around the queue (no submitted assignment behind it) is reported.
    annotator = await make_user(db, vendor)
    await db.execute(
        text(
            "INSERT INTO assignments (job_id, annotator_id, vendor_id, task_id, slot_id, is_gold,"
            " item_ids, state, lease_until)"
            " SELECT :job, :me, :vendor, s.task_id, s.id, false, ARRAY[:item], 'leased',"
            " now() + interval '1 hour' FROM task_slots s LIMIT 1"
        ),
        {"job": job.id, "me": annotator.id, "vendor": vendor.id, "item": items[0].id},
    )
    await db.execute(
        text(
            "INSERT INTO labels (job_id, item_id, assignment_id, slot_id, annotator_id,"
            " vendor_id, is_gold, answer, active_ms)"
            " SELECT :job, :item, a.id, a.slot_id, :me, :vendor, false, '{}', 0"
            " FROM assignments a"
        ),
        {"job": job.id, "me": annotator.id, "vendor": vendor.id, "item": items[0].id},
    )
    await db.commit()
    broken = await _brigade("check", "--job", str(job.id))
    assert broken.exit_code == 1
    assert "labels_without_submission" in broken.output
