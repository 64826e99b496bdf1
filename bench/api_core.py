"""Benchmark the platform core as deployed by `make run`: one `brigade run` process on the
embedded PostgreSQL, hit over loopback by a concurrent httpx client.

    .venv/bin/python bench/api_core.py [--seconds 10] [--concurrency 32]

Prints latency percentiles and throughput for: /health (database + storage round trip),
an authenticated list with an API token, `/auth/me` with a session cookie, and login (argon2id
at production cost). The load generator shares the machine's 2 cores with the server, so the
figures are a floor for what a dedicated server does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

BRIGADE = str(Path(sys.executable).with_name("brigade"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _load(
    name: str, call: Callable[[], Awaitable[httpx.Response]], seconds: float, concurrency: int
) -> None:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            response = await call()
            latencies.append(time.perf_counter() - start)
            if response.status_code >= 400:
                errors += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<28} {len(latencies) / elapsed:8.0f} req/s   p50 {q[49] * 1000:6.1f} ms   "
        f"p95 {q[94] * 1000:6.1f} ms   p99 {q[98] * 1000:6.1f} ms   errors {errors}"
    )


async def _run(base: str, passwords: dict[str, str], seconds: float, concurrency: int) -> None:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        login = await client.post(
            "/api/v1/auth/login",
            json={"email": "admin@yunfan.example.com", "password": passwords["admin@yunfan"]},
        )
        login.raise_for_status()
        created = await client.post(
            "/api/v1/tokens",
            json={"name": "bench", "role": "client_member"},
            headers={"X-Requested-With": "bench"},
        )
        created.raise_for_status()
        token = created.json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        cookies = dict(client.cookies)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as anon:
            await _load("GET /health", lambda: anon.get("/health"), seconds, concurrency)
            await _load(
                "GET /api/v1/jobs (token)",
                lambda: anon.get("/api/v1/jobs", headers=bearer),
                seconds,
                concurrency,
            )
            anon.cookies.update(cookies)
            await _load(
                "GET /api/v1/auth/me (cookie)",
                lambda: anon.get("/api/v1/auth/me"),
                seconds,
                concurrency,
            )
            anon.cookies.clear()
            body = {"email": "data@yunfan.example.com", "password": passwords["data@yunfan"]}
            await _load(
                "POST /api/v1/auth/login",
                lambda: anon.post("/api/v1/auth/login", json=body),
                seconds,
                4,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="brigade-bench-") as data_dir:
        env = {**os.environ, "BRIGADE_DATA_DIR": data_dir, "BRIGADE_LOG_LEVEL": "WARNING"}
        env.pop("BRIGADE_DATABASE_URL", None)
        demo = subprocess.run(
            [BRIGADE, "demo"], env=env, capture_output=True, text=True, check=True
        ).stdout
        passwords = {
            m.group(1): m.group(2)
            for m in re.finditer(r"^\s+(\S+?)\.example\.com\s+\S+\s+(\S+)$", demo, re.M)
        }
        port = _free_port()
        server = subprocess.Popen(
            [BRIGADE, "run", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            print(
                f"brigade run on embedded PostgreSQL; {args.concurrency} concurrent clients, "
                f"{args.seconds:.0f} s per endpoint; {os.cpu_count()} cores shared"
            )
            print(f"server RSS at start: {_rss_mib(server.pid):.0f} MiB")
            asyncio.run(_run(base, passwords, args.seconds, args.concurrency))
            print(f"server RSS after load: {_rss_mib(server.pid):.0f} MiB")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
