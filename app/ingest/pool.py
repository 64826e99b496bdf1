"""The ingest worker processes: CPU-bound cleaning (image decoding, text normalization and
near-duplicate sketches) runs here, on every core, while the job's own process writes to the
database."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

_pool: ProcessPoolExecutor | None = None


def workers() -> int:
    return os.cpu_count() or 2


def pool() -> ProcessPoolExecutor:
    """One pool per process, made on first use and kept: a worker process that ingested once
    has warm children for the next dataset. ``spawn``: the server runs threads, and forking a
    threaded process can deadlock the child."""
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(
            max_workers=workers(), mp_context=multiprocessing.get_context("spawn")
        )
    return _pool


def shutdown_pool() -> None:
    """At process shutdown: stop the workers (they would otherwise outlive a reload)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def _ready() -> bool:
    # The cleaning code with numpy and Pillow, loaded once per process.
    import app.ingest.image_clean
    import app.ingest.text_batch  # noqa: F401

    return True


async def warm() -> None:
    """Start every worker process and load the cleaning code in it, ahead of the first batch
    (spawning and importing takes a second or so per process on a busy machine)."""
    loop = asyncio.get_running_loop()
    executor = pool()
    await asyncio.gather(*(loop.run_in_executor(executor, _ready) for _ in range(workers())))
