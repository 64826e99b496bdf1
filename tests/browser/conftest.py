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
import struct
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import StorageSettings
from app.demo.service import load_demo
from app.kit.storage import LocalObjectStore
from app.main import UI_DIST
from app.models import DataKind, Enterprise, EnterpriseKind, Item, JobStatus, User
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
# Screenshots for docs/screenshots are written only when asked: BRIGADE_SCREENSHOTS=1.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
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
    ctx = await browser.new_context(base_url=base_url, locale="zh-CN", viewport=VIEWPORT)
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
    db: AsyncSession,
    schema: dict[str, Any],
    texts: list[str],
    *,
    gold_rate: float = 0,
    **job_fields: Any,
) -> tuple[User, list[Item]]:
    """A running text job (no gold unless ``gold_rate``) open to one vendor, and an annotator
    of that vendor."""
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(
        db,
        client,
        [vendor],
        label_schema=schema,
        data_kind=DataKind.TEXT,
        status=JobStatus.RUNNING,
        gold_rate=gold_rate,
        **job_fields,
    )
    _, items = await make_dataset(db, job, texts)
    user = await make_user(db, vendor)
    await db.commit()
    return user, items


async def shot(page: Page, name: str, *, top: bool = True) -> None:
    """Save ``docs/screenshots/<name>.png`` (1280 x 800; scrolled to the top unless ``top`` is
    false) when BRIGADE_SCREENSHOTS=1; otherwise nothing, so a normal run leaves the docs alone."""
    if os.environ.get("BRIGADE_SCREENSHOTS") != "1":
        return
    if top:
        await page.evaluate("window.scrollTo(0, 0)")
    # No blinking caret or running countdown animation in the picture.
    await page.add_style_tag(content="*{caret-color:transparent!important}")
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@asynccontextmanager
async def api_as(db: AsyncSession, base_url: str, user: User) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the browser server signed in as ``user`` (another annotator's work)."""
    secret = await make_session_cookie(db, user)
    await db.commit()
    async with httpx.AsyncClient(
        base_url=base_url,
        cookies={"brigade_session": secret},
        headers={"X-Requested-With": "XMLHttpRequest"},
    ) as client:
        yield client


def png(width: int, height: int) -> bytes:
    """An RGB PNG with a gradient (no imaging library needed)."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 255 // width, y * 255 // height, 128))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def server_store(server_dir: Path, base_url: str) -> LocalObjectStore:
    """The browser server's object store (same directory, same settings)."""
    root = server_dir / "data" / StorageSettings().local_root
    return LocalObjectStore(root, signing_key=TEST_SECRET.encode(), public_url=base_url)


@pytest.fixture
async def demo(app: FastAPI, server_store: LocalObjectStore) -> dict[str, str]:
    """The demo park (``brigade demo``) in the test database, its images in the browser
    server's store; the demo accounts' passwords by email."""
    await server_store.ensure_ready()
    accounts = await load_demo(app.state.sessionmaker, server_store)
    return {email: password for email, _, password in accounts}


async def arrange_image_job(
    db: AsyncSession,
    store: LocalObjectStore,
    schema: dict[str, Any],
    size: tuple[int, int],
    **job_fields: Any,
) -> tuple[User, Item]:
    """A running image job with one item whose image (``size`` pixels) really is in the store,
    and an annotator who may label it."""
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    job_row = await make_job(
        db,
        client,
        [vendor],
        label_schema=schema,
        status=JobStatus.RUNNING,
        gold_rate=0,
        **job_fields,
    )
    _, (item,) = await make_dataset(db, job_row, images=1)
    await store.ensure_ready()
    stored = await store.put_bytes(png(*size), "image/png")
    item.object_key, (item.width, item.height) = stored.key, size
    user = await make_user(db, vendor)
    await db.commit()
    return user, item


async def colleague(db: AsyncSession, user: User) -> User:
    """Another annotator of ``user``'s vendor (someone whose labels ``user`` may see)."""
    vendor = await db.get(Enterprise, user.enterprise_id)
    assert vendor is not None
    other = await make_user(db, vendor)
    await db.commit()
    return other


async def label_through_api(
    db: AsyncSession, base_url: str, user: User, job_id: object, answer: Any
) -> None:
    """``user`` leases the next item of the job and submits ``answer`` for it."""
    async with api_as(db, base_url, user) as http:
        r = await http.post("/api/v1/labeling/next", json={"job_id": str(job_id)})
        assignment = r.json()["assignment"]
        assert assignment is not None, r.text
        body = {
            "submission_id": str(uuid.uuid4()),
            "labels": [{"item_id": it["id"], "answer": answer} for it in assignment["items"]],
            "active_ms": 1000,
        }
        r = await http.post(f"/api/v1/labeling/assignments/{assignment['id']}/submit", json=body)
        assert r.status_code == 200, r.text
