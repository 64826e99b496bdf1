"""How the built browser app is served: hashed assets, files at its root (the service worker
among them: revalidated every time, from "/" so that its scope is the whole app) and the SPA
fallback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

import app.main
from app.config import Settings
from app.main import create_app


@pytest.fixture
async def ui(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AsyncClient]:
    """The app serving a small stand-in for annotation_ui/dist."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=app></div>")
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (tmp_path / "assets" / "index-abc123.js").write_text("export {};")
    monkeypatch.setattr(app.main, "UI_DIST", tmp_path)
    application = create_app(settings)
    async with (
        application.router.lifespan_context(application),
        AsyncClient(transport=ASGITransport(app=application), base_url="http://t") as client,
    ):
        yield client


async def test_the_service_worker_is_served_from_the_root_and_revalidated(
    ui: AsyncClient,
) -> None:
    r = await ui.get("/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert r.headers["cache-control"] == "no-cache"
    assert "Service-Worker-Allowed" not in r.headers  # the default scope, "/", is the whole app
    assert "fetch" in r.text


async def test_routes_get_the_shell_and_api_paths_stay_json(ui: AsyncClient) -> None:
    r = await ui.get("/work")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-cache"
    assert "id=app" in r.text
    assert (await ui.get("/assets/index-abc123.js")).status_code == 200
    r = await ui.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.json()["error"] == "NotFound"
