"""``AsyncBrigade``: the asyncio client, with the same methods as ``Brigade`` (awaited)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

import httpx

from app.client.operations import Emit, Op, Operations, Send, Sleep, Stream, resume
from app.client.retry import RetryPolicy
from app.client.sync import DEFAULT_TIMEOUT

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


def _call(
    fn: Callable[Concatenate[Operations, P], Op[R]],
) -> Callable[Concatenate[AsyncBrigade, P], Coroutine[Any, Any, R]]:
    @functools.wraps(fn)
    async def method(self: AsyncBrigade, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await self.run(fn(self.ops, *args, **kwargs))

    return method


def _iter(
    fn: Callable[Concatenate[Operations, P], Stream[T]],
) -> Callable[Concatenate[AsyncBrigade, P], AsyncIterator[T]]:
    @functools.wraps(fn)
    def method(self: AsyncBrigade, /, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T]:
        return self.iterate(fn(self.ops, *args, **kwargs))

    return method


class AsyncBrigade:
    """A Brigade server, called with an API token, from asyncio code. See ``Brigade``.

    Uploads read and downloads write local files in small chunks on the event loop thread.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.ops = Operations(url, token, retry)
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)

    async def __aenter__(self) -> AsyncBrigade:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def run(self, op: Op[R]) -> R:
        try:
            step = next(op)
            while True:
                step = resume(op, await self._attempt(step))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        finally:
            op.close()

    async def iterate(self, op: Stream[T]) -> AsyncIterator[T]:
        try:
            step = next(op)
            while True:
                if isinstance(step, Emit):
                    yield step.item
                    step = op.send(None)
                else:
                    step = resume(op, await self._attempt(step))
        except StopIteration:
            return
        finally:
            op.close()

    async def _attempt(self, step: Send | Sleep) -> httpx.Response | Exception | None:
        try:
            return await self._perform(step)
        except Exception as exc:  # thrown into the operation: it retries, cleans up or raises
            return exc

    async def _perform(self, step: Send | Sleep) -> httpx.Response | None:
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
            return None
        response = await self._http.send(
            step.request, stream=True, follow_redirects=step.follow_redirects
        )
        try:
            if step.sink is not None and response.is_success:
                step.sink.begin(response)
                async for chunk in response.aiter_bytes():
                    step.sink.write(chunk)
            else:
                await response.aread()
        finally:
            await response.aclose()
        return response

    # Every operation, as a method of this client (``sync.py`` lists the same for the other
    # one; the wrappers keep each operation's signature and docs, checked by mypy).
    whoami = _call(Operations.whoami)
    create_job = _call(Operations.create_job)
    get_job = _call(Operations.get_job)
    iter_jobs = _iter(Operations.iter_jobs)
    update_job = _call(Operations.update_job)
    set_job_status = _call(Operations.set_job_status)
    start_job = _call(Operations.start_job)
    get_job_progress = _call(Operations.get_job_progress)
    upload_dataset = _call(Operations.upload_dataset)
    get_dataset = _call(Operations.get_dataset)
    iter_datasets = _iter(Operations.iter_datasets)
    wait_for_dataset = _call(Operations.wait_for_dataset)
    create_export = _call(Operations.create_export)
    get_export = _call(Operations.get_export)
    export_formats = _call(Operations.export_formats)
    iter_exports = _iter(Operations.iter_exports)
    wait_for_export = _call(Operations.wait_for_export)
    download_export = _call(Operations.download_export)
