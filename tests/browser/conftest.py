"""Browser tests: the built UI served by the real ``brigade run`` on the session's test database,
driven by Playwright through Debian's Chromium (docs: shared components.md, "Browser tests").

Playwright's async API on the suite's session event loop: its sync API refuses to run where an
asyncio loop lives, and the data is arranged with the async factories anyway. The server is a
subprocess, so it shares nothing with the in-process ``app`` fixture but the database (whose
tables ``tests/conftest.py`` truncates after each test, like everywhere else).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession

from app.main import UI_DIST
from app.models import DataKind, EnterpriseKind, Item, JobStatus, User
from tests.conftest import TEST_SECRET
from tests.factories import (
    make_dataset,
    make_enterprise,
    make_job,
    make_session_cookie,
    make_user,
)

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium floods the closed network with connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 30
# Generous for a loaded CI machine; a passing run waits milliseconds on each.
TIMEOUT_MS = 10_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"brigade run exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"brigade run not healthy after {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The browser server's own directory: its data dir (objects) and its log."""
    return tmp_path_factory.mktemp("brigade-browser")


@pytest.fixture(scope="session")
def base_url(database_url: str, server_dir: Path) -> Iterator[str]:
    """The URL of a real ``brigade run`` serving the built UI on the test database."""
    if not (UI_DIST / "index.html").is_file():
        pytest.skip(f"the browser app is not built ({UI_DIST} is missing): run `make ui`")
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    tmp = server_dir
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BRIGADE_")},
        "BRIGADE_ENVIRONMENT": "test",
        "BRIGADE_DATABASE_URL": database_url,
        "BRIGADE_DATA_DIR": str(tmp / "data"),
        "BRIGADE_AUTH__SECRET_KEY": TEST_SECRET,
        "BRIGADE_AUTH__ARGON2_TIME_COST": "1",
        "BRIGADE_AUTH__ARGON2_MEMORY_KIB": "1024",
        "BRIGADE_AUTH__SESSION_CACHE_SECONDS": "0",
        "BRIGADE_WORKER__EMBEDDED": "false",
        "BRIGADE_SERVER__PUBLIC_URL": url,
        "BRIGADE_LOG_JSON": "false",
        "BRIGADE_LOG_LEVEL": "WARNING",
    }
    log = tmp / "server.log"
    brigade = Path(sys.executable).parent / "brigade"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(brigade), "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(proc, url, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
async def browser(base_url: str) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def context(browser: Browser, base_url: str) -> AsyncIterator[BrowserContext]:
    """A fresh profile per test: no cookies, no stored locale (the app starts in zh-CN)."""
    ctx = await browser.new_context(base_url=base_url, locale="zh-CN")
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


async def sign_in(db: AsyncSession, context: BrowserContext, base_url: str, user: User) -> None:
    """Give the browser a live session cookie, skipping the login page (tested on its own)."""
    secret = await make_session_cookie(db, user)
    await db.commit()
    await context.add_cookies([{"name": "brigade_session", "value": secret, "url": base_url}])


async def arrange_text_job(
    db: AsyncSession, schema: dict[str, Any], texts: list[str]
) -> tuple[User, list[Item]]:
    """A running text job (no gold) open to one vendor, and an annotator of that vendor."""
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(
        db,
        client,
        [vendor],
        label_schema=schema,
        data_kind=DataKind.TEXT,
        status=JobStatus.RUNNING,
        gold_rate=0,
    )
    _, items = await make_dataset(db, job, texts)
    user = await make_user(db, vendor)
    await db.commit()
    return user, items
