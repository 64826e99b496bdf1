"""The blocking client runs the same operations as the async one (``test_sdk.py``); here its
own driver: results, pages, errors, and the file handles an upload leaves behind (none)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from app.client import Brigade, ConflictError
from tests.client.bridge import AppBridge
from tests.client.conftest import BASE_URL, FAST_RETRY, Customer


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_the_blocking_client(bridge: AppBridge, customer: Customer, tmp_path: Path) -> None:
    images = []
    for n in range(30):
        path = tmp_path / f"{n}.png"
        path.write_bytes(b"\x89PNG not really")
        images.append(path)

    def work() -> None:
        with Brigade(BASE_URL, customer.token, transport=bridge, retry=FAST_RETRY) as brigade:
            for n in range(3):
                brigade.create_job(
                    name=f"job {n}", kind="image_boxes", labels=["car"], price_per_item=1
                )
            assert sorted(j.name for j in brigade.iter_jobs(page_size=2)) == [
                "job 0",
                "job 1",
                "job 2",
            ]
            with pytest.raises(ConflictError, match="job 1"):
                brigade.create_job(name="job 1", kind="image_boxes", labels=["a"], price_per_item=1)
            job = next(brigade.iter_jobs())
            before = _open_files()
            dataset = brigade.upload_dataset(job.id, images)
            assert (dataset.format, dataset.status, dataset.name) == (
                "images",
                "queued",
                "30 images",
            )
            assert _open_files() == before

    await asyncio.to_thread(work)
