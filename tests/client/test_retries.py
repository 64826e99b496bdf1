"""Retries against the real app behind a transport that fails on purpose: what is retried, what
is not (a POST that may have been acted on), Retry-After, and an upload whose response was lost
after the server created the dataset (the Idempotency-Key makes the retry return that one)."""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.client import (
    AsyncBrigade,
    BrigadeError,
    ConnectionFailed,
    RateLimitedError,
    RetryPolicy,
    ServerError,
)
from tests.client.conftest import BASE_URL, FAST_RETRY, Customer

LOSE_RESPONSE = "lose the response"
BREAK_BODY = "break the connection halfway through the body"
CORRUPT_BODY = "flip a byte of the body"
Failure = httpx.Response | httpx.TransportError | str


def error(status: int, **headers: str) -> httpx.Response:
    body = {"error": "ServiceUnavailable", "detail": "The server is at capacity right now."}
    return httpx.Response(status, json=body, headers=headers)


class Flaky(httpx.AsyncBaseTransport):
    """Answers the first requests that match ``when`` with ``failures`` (a response, a raised
    transport error, or what happens to the app's answer: lost on the way back, broken off
    halfway, corrupted), then passes everything to the app."""

    def __init__(
        self,
        app: FastAPI,
        failures: list[Failure],
        when: Callable[[httpx.Request], bool] = lambda r: True,
    ) -> None:
        self.app = httpx.ASGITransport(app=app)
        self.failures = failures
        self.when = when
        self.seen: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        if not (self.failures and self.when(request)):
            return await self.app.handle_async_request(request)
        failure = self.failures.pop(0)
        if isinstance(failure, str):
            response = await self.app.handle_async_request(request)
            body = await response.aread()
            if failure == LOSE_RESPONSE:
                raise httpx.ReadError("connection reset by peer", request=request)
            if failure == CORRUPT_BODY:
                body = bytes([body[0] ^ 1]) + body[1:]
                return httpx.Response(response.status_code, headers=response.headers, content=body)
            return httpx.Response(
                response.status_code, headers=response.headers, stream=BrokenOff(body)
            )
        assert isinstance(request.stream, httpx.AsyncByteStream)
        async for _ in request.stream:  # the body went out before the failure
            pass
        if isinstance(failure, httpx.TransportError):
            raise failure
        assert isinstance(failure, httpx.Response)
        return failure


class BrokenOff(httpx.AsyncByteStream):
    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.body[: len(self.body) // 2]
        raise httpx.ReadError("connection reset by peer")


def flaky_sdk(flaky: Flaky, customer: Customer, retry: RetryPolicy = FAST_RETRY) -> AsyncBrigade:
    return AsyncBrigade(BASE_URL, customer.token, transport=flaky, retry=retry)


async def create(sdk: AsyncBrigade, name: str = "Reviews") -> uuid.UUID:
    job = await sdk.create_job(
        name=name, kind="text_classification", labels=["yes", "no"], price_per_item="0.1"
    )
    return job.id


async def test_a_read_is_retried_through_503s(app: FastAPI, customer: Customer) -> None:
    flaky = Flaky(app, [error(503), error(503)])
    async with flaky_sdk(flaky, customer) as sdk:
        me = await sdk.whoami()

    assert me.enterprise.id == customer.enterprise.id
    assert flaky.seen == ["GET /api/v1/auth/me"] * 3


async def test_retry_after_is_waited_for(app: FastAPI, customer: Customer) -> None:
    flaky = Flaky(app, [error(503, **{"Retry-After": "0.3"})])
    started = time.monotonic()
    async with flaky_sdk(flaky, customer) as sdk:
        await sdk.whoami()

    assert time.monotonic() - started >= 0.3
    assert len(flaky.seen) == 2


async def test_a_post_is_not_retried_when_the_server_may_have_acted(
    app: FastAPI, customer: Customer
) -> None:
    failures: list[Failure] = [error(502), error(503), httpx.ReadError("reset"), LOSE_RESPONSE]
    for n, failure in enumerate(failures):
        flaky = Flaky(app, [failure])
        async with flaky_sdk(flaky, customer) as sdk:
            with pytest.raises((ServerError, ConnectionFailed)):
                await create(sdk, f"job {n}")
        assert flaky.seen == ["POST /api/v1/jobs"]


async def test_a_post_is_retried_when_the_server_did_not_act(
    app: FastAPI, customer: Customer
) -> None:
    flaky = Flaky(app, [httpx.ConnectError("refused"), error(429, **{"Retry-After": "0"})])
    async with flaky_sdk(flaky, customer) as sdk:
        await create(sdk)
        names = [job.name async for job in sdk.iter_jobs()]

    assert names == ["Reviews"]
    assert flaky.seen[:3] == ["POST /api/v1/jobs"] * 3


def is_upload(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/datasets")


async def test_an_upload_whose_answer_was_lost_is_retried_into_the_same_dataset(
    app: FastAPI, customer: Customer, tmp_path: Path
) -> None:
    path = tmp_path / "reviews.jsonl"
    path.write_text("".join(json.dumps({"text": f"review {n}"}) + "\n" for n in range(500)))
    flaky = Flaky(app, [error(502), LOSE_RESPONSE], when=is_upload)
    progress: list[int] = []
    async with flaky_sdk(flaky, customer) as sdk:
        job_id = await create(sdk)
        dataset = await sdk.upload_dataset(job_id, path, progress=lambda d, _: progress.append(d))
        stored = [d.id async for d in sdk.iter_datasets(job_id)]

    assert stored == [dataset.id]  # the lost answer's dataset, not a second copy
    assert flaky.seen.count(f"POST /api/v1/jobs/{job_id}/datasets") == 3
    assert progress.count(0) == 3  # each try sent the file again from its start
    assert progress[-1] > path.stat().st_size


async def test_giving_up_raises_the_last_answer(app: FastAPI, customer: Customer) -> None:
    flaky = Flaky(app, [error(503)] * 3)
    async with flaky_sdk(flaky, customer, RetryPolicy(attempts=3, backoff=0.01)) as sdk:
        with pytest.raises(ServerError, match="at capacity") as gave_up:
            await sdk.whoami()

    assert gave_up.value.status_code == 503
    assert len(flaky.seen) == 3


async def test_a_retry_after_longer_than_max_wait_goes_to_the_caller(
    app: FastAPI, customer: Customer
) -> None:
    flaky = Flaky(app, [error(429, **{"Retry-After": "120"})])
    async with flaky_sdk(flaky, customer) as sdk:
        with pytest.raises(RateLimitedError) as limited:
            await sdk.whoami()

    assert limited.value.retry_after == 120
    assert len(flaky.seen) == 1


def is_file(request: httpx.Request) -> bool:
    return request.url.path.startswith("/api/v1/storage/objects/")


@pytest.mark.usefixtures("worker")
async def test_a_download_broken_off_starts_over_and_a_corrupt_one_is_refused(
    app: FastAPI, customer: Customer, sdk: AsyncBrigade, tmp_path: Path
) -> None:
    path = tmp_path / "reviews.jsonl"
    path.write_text("".join(json.dumps({"text": f"review {n}"}) + "\n" for n in range(300)))
    job_id = await create(sdk)
    await sdk.upload_dataset(job_id, path, wait=True)
    export = await sdk.wait_for_export((await sdk.create_export(job_id, format="jsonl")).id)
    out = tmp_path / "out"
    out.mkdir()

    flaky = Flaky(app, [BREAK_BODY], when=is_file)
    async with flaky_sdk(flaky, customer) as broken:
        saved = await broken.download_export(export.id, out)
    corrupt = Flaky(app, [CORRUPT_BODY], when=is_file)
    async with flaky_sdk(corrupt, customer) as corrupting:
        with pytest.raises(BrigadeError, match="not the one stored"):
            await corrupting.download_export(export.id, out / "again.jsonl")

    assert len([r for r in flaky.seen if "/storage/objects/" in r]) == 2  # broken off, again
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == export.sha256
    assert [p.name for p in out.iterdir()] == [saved.name]  # no partial or refused file


def test_waits_grow_exponentially_with_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(attempts=10, backoff=0.5, max_wait=4.0, rng=random.Random(7))
    request = httpx.Request("GET", "http://x/api/v1/jobs")
    busy = httpx.Response(503)

    waits = [policy.after_response(request, busy, attempt) for attempt in range(1, 11)]

    bounds = [0.5, 1, 2, 4, 4, 4, 4, 4, 4]
    assert all(w is not None and 0 <= w <= b for w, b in zip(waits, bounds, strict=False))
    assert waits[-1] is None  # the tenth try was the last
    assert len({w for w in waits if w is not None}) == 9  # jittered, not a fixed ladder
