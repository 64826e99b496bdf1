"""Benchmark the annotators' workstation first render: navigation start to the item visible.

    .venv/bin/python bench/workstation_render.py [--runs 10]

Sets up like ``bench/labeling_loop.py``: an embedded PostgreSQL owned by this script, ``brigade
migrate``, ``brigade demo`` (the demo park; annotator passwords parsed from its output) and
``brigade run`` serving the built UI (``annotation_ui/dist``, ``make ui``). Chromium (Debian's,
through Playwright, the flags of the browser tests) logs in as a demo annotator through the API,
then opens a fresh page at ``/work?job=<id>`` ``--runs`` times for the demo text job and for the
demo image job, timing navigation start to the item's text (or image, loaded) being visible, as
``performance.now()`` in the page. The first run of each job has a cold browser cache and is
reported separately; the rest are warm. Each page asks for work again and gets back the lease it
already holds, so no data is consumed. Also prints the JS/CSS transferred for ``/work`` (cold
and warm, from the page's resource timing entries). Target: first render under 1 s on localhost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.kit.embedded_pg import start_embedded
from bench.api_core import _free_port, load_demo, wait_healthy

BRIGADE = str(Path(sys.executable).with_name("brigade"))
UI_DIST = Path(__file__).resolve().parent.parent / "annotation_ui" / "dist"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [  # as tests/browser/conftest.py
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANNOTATOR = "annotator1@xinghe"
TIMEOUT_MS = 15_000
# Visible = in the DOM and laid out, and for an image its <img> loaded (a box job's <img> is made
# by the shape editor, a lazily loaded chunk): what a person can start working on.
TEXT_SELECTOR = ".work-item .item-text"
IMAGE_SELECTOR = ".work-item .item-image, .work-item .shape-stage"

ASSETS_JS = """() => {
  let bytes = 0, decoded = 0, n = 0;
  for (const e of performance.getEntriesByType('resource')) {
    const path = new URL(e.name).pathname;
    if (path.endsWith('.js') || path.endsWith('.css')) {
      bytes += e.transferSize; decoded += e.decodedBodySize; n += 1;
    }
  }
  return [bytes, decoded, n];
}"""

IMAGE_READY_JS = """() => {
  const img = document.querySelector('.work-item .shape-stage img, .work-item .item-image');
  return img !== null && img.complete && img.naturalWidth > 0;
}"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _once(context: BrowserContext, base: str, job: str, image: bool) -> tuple[float, Any]:
    """One fresh page: milliseconds from navigation start to the item visible, and JS/CSS bytes."""
    page = await context.new_page()
    try:
        await page.goto(f"{base}/work?job={job}", wait_until="commit")
        if image:
            await page.wait_for_selector(IMAGE_SELECTOR, state="visible", timeout=TIMEOUT_MS)
            await page.wait_for_function(IMAGE_READY_JS, timeout=TIMEOUT_MS)
        else:
            await page.wait_for_selector(TEXT_SELECTOR, state="visible", timeout=TIMEOUT_MS)
        elapsed: float = await page.evaluate("performance.now()")
        assets = await page.evaluate(ASSETS_JS)
        return elapsed, assets
    finally:
        await page.close()


async def _measure(base: str, password: str, runs: int) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = await browser.new_context(base_url=base)
        login = await context.request.post(
            "/api/v1/auth/login",
            data={"email": f"{ANNOTATOR}.example.com", "password": password},
        )
        if not login.ok:
            raise SystemExit(f"login failed: {login.status} {await login.text()}")
        listed = await context.request.get("/api/v1/jobs")
        if not listed.ok:
            raise SystemExit(f"GET /api/v1/jobs failed: {listed.status} {await listed.text()}")
        jobs = (await listed.json())["items"]
        text_job = next(
            (j for j in jobs if j["label_schema"].get("kind") == "text_spans"),
            next((j for j in jobs if j["data_kind"] == "text"), None),
        )
        image_job = next((j for j in jobs if j["data_kind"] == "image"), None)
        print(
            f"brigade run (1 process) on embedded PostgreSQL, demo park, {ANNOTATOR}; "
            f"Chromium {browser.version} headless; {runs} page loads per job "
            f"(first cold); {os.cpu_count()} cores shared"
        )
        for name, job, image in (("text", text_job, False), ("image", image_job, True)):
            if job is None:
                print(f"  no demo {name} job visible to {ANNOTATOR}: skipped")
                continue
            times: list[float] = []
            sizes: list[Any] = []
            for _ in range(runs):
                elapsed, assets = await _once(context, base, job["id"], image)
                times.append(elapsed)
                sizes.append(assets)
            kind = job["label_schema"].get("kind", "?")
            warm = times[1:]
            print(f"{name} job ({kind}), ms from navigation start to the item visible:")
            print(f"  cold (first load)  {times[0]:7.0f}")
            if warm:
                print(
                    f"  warm p50           {_percentile(warm, 0.5):7.0f}"
                    f"   max {max(warm):7.0f}   (n={len(warm)})"
                )
            cold_js = sizes[0]
            print(
                f"  JS+CSS for /work: {cold_js[2]} files, {cold_js[0] / 1024:.1f} KiB transferred "
                f"cold ({cold_js[1] / 1024:.1f} KiB decoded), "
                f"{sizes[-1][0] / 1024:.1f} KiB transferred warm"
            )
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10, help="page loads per job, first cold")
    args = parser.parse_args()
    if not (UI_DIST / "index.html").is_file():
        sys.exit(f"the browser app is not built ({UI_DIST} is missing): run `make ui`")
    if not CHROMIUM.is_file():
        sys.exit(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="brigade-bench-") as data_dir:
        url = start_embedded(Path(data_dir))
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "BRIGADE_DATA_DIR": data_dir,
            "BRIGADE_DATABASE_URL": url,
            "BRIGADE_LOG_LEVEL": "WARNING",
            "BRIGADE_SERVER__PUBLIC_URL": base,
        }
        subprocess.run([BRIGADE, "migrate"], env=env, check=True, capture_output=True)
        passwords = load_demo(env)
        server = subprocess.Popen(
            [BRIGADE, "run", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_healthy(base)
            asyncio.run(_measure(base, passwords[ANNOTATOR], args.runs))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
