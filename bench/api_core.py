"""Benchmark the platform core as deployed by `make run`: one `brigade run` process on the
embedded PostgreSQL, hit over loopback by wrk (`apt-get install wrk`).

    .venv/bin/python bench/api_core.py [--seconds 10] [--concurrency 32]

Prints latency percentiles and throughput for: /health (database + storage round trip),
an authenticated list with an API token, `/auth/me` with a session cookie, and login (argon2id
at production cost). The load generator shares the machine's 2 cores with the server, so the
figures are a floor for what a dedicated server does. wrk rather than a Python client: a Python
load generator saturates a core before the server does and would measure itself.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BRIGADE = str(Path(sys.executable).with_name("brigade"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_healthy(base: str, seconds: float = 30) -> None:
    """Until the server at ``base`` answers /health (it migrates and starts its worker first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server at {base} did not become healthy in {seconds:.0f} s")


def load_demo(env: dict[str, str]) -> dict[str, str]:
    """Run ``brigade demo``; the accounts' passwords by ``name@company`` (e.g. ``admin@yunfan``)."""
    demo = subprocess.run(
        [BRIGADE, "demo"], env=env, capture_output=True, text=True, check=True
    ).stdout
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\s+(\S+?)\.example\.com\s+\S+\s+(\S+)$", demo, re.M)
    }


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wrk(
    name: str,
    url: str,
    seconds: float,
    connections: int,
    lua: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Drive ``url`` with wrk (C, so the load generator costs the shared cores little)."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:.0f}s", "--latency"]
    for key, value in (headers or {}).items():
        cmd += ["-H", f"{key}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if lua:
            script.write(lua)
            script.flush()
            cmd += ["-s", script.name]
        out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    pct = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    print(
        f"{name:<30} {float(rps.group(1)) if rps else 0:8.0f} req/s   p50 {pct.get('50', '?'):>8}"
        f"   p90 {pct.get('90', '?'):>8}   p99 {pct.get('99', '?'):>8}   "
        f"errors {errors.group(1) if errors else 0}"
    )


def _run(base: str, passwords: dict[str, str], seconds: float, connections: int) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        client.post(
            "/api/v1/auth/login",
            json={"email": "admin@yunfan.example.com", "password": passwords["admin@yunfan"]},
        ).raise_for_status()
        created = client.post(
            "/api/v1/tokens",
            json={"name": "bench", "role": "client_member"},
            headers={"X-Requested-With": "bench"},
        )
        created.raise_for_status()
        bearer = {"Authorization": f"Bearer {created.json()['token']}"}
        cookie = {"Cookie": f"brigade_session={client.cookies['brigade_session']}"}
    _wrk("GET /health (db+storage)", f"{base}/health", seconds, connections)
    _wrk("GET /api/v1/jobs (token)", f"{base}/api/v1/jobs", seconds, connections, headers=bearer)
    _wrk(
        "GET /api/v1/auth/me (cookie)",
        f"{base}/api/v1/auth/me",
        seconds,
        connections,
        headers=cookie,
    )
    body = json.dumps({"email": "data@yunfan.example.com", "password": passwords["data@yunfan"]})
    lua = (
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [[{body}]]\n"
    )
    _wrk("POST /api/v1/auth/login", f"{base}/api/v1/auth/login", seconds, 4, lua=lua)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("this benchmark drives the server with wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="brigade-bench-") as data_dir:
        env = {**os.environ, "BRIGADE_DATA_DIR": data_dir, "BRIGADE_LOG_LEVEL": "WARNING"}
        env.pop("BRIGADE_DATABASE_URL", None)
        passwords = load_demo(env)
        port = _free_port()
        server = subprocess.Popen(
            [BRIGADE, "run", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base)
            print(
                f"brigade run on embedded PostgreSQL; {args.concurrency} concurrent clients, "
                f"{args.seconds:.0f} s per endpoint; {os.cpu_count()} cores shared"
            )
            print(f"server RSS at start: {_rss_mib(server.pid):.0f} MiB")
            _run(base, passwords, args.seconds, args.concurrency)
            print(f"server RSS after load: {_rss_mib(server.pid):.0f} MiB")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
