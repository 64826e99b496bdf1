"""``Brigade``: the blocking client. It carries out the steps of ``operations.py``."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Concatenate, ParamSpec, TypeVar

import httpx

from app.client.operations import Emit, Op, Operations, Send, Sleep, Stream, resume
from app.client.retry import RetryPolicy

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


def _call(fn: Callable[Concatenate[Operations, P], Op[R]]) -> Callable[Concatenate[Brigade, P], R]:
    """A method of ``Brigade`` that runs the operation ``fn`` (same parameters and docs)."""

    @functools.wraps(fn)
    def method(self: Brigade, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.run(fn(self.ops, *args, **kwargs))

    return method


def _iter(
    fn: Callable[Concatenate[Operations, P], Stream[T]],
) -> Callable[Concatenate[Brigade, P], Iterator[T]]:
    @functools.wraps(fn)
    def method(self: Brigade, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        return self.iterate(fn(self.ops, *args, **kwargs))

    return method


class Brigade:
    """A Brigade server, called with an API token.

    ``url`` and ``token`` default to ``BRIGADE_URL`` and ``BRIGADE_TOKEN``. ``transport`` is any
    httpx transport (a proxy, a test app). Use it as a context manager, or call ``close()``.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.ops = Operations(url, token, retry)
        self._http = httpx.Client(transport=transport, timeout=timeout)

    def __enter__(self) -> Brigade:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def run(self, op: Op[R]) -> R:
        """Carry out one operation to its result."""
        try:
            step = next(op)
            while True:
                step = resume(op, self._attempt(step))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        finally:
            op.close()

    def iterate(self, op: Stream[T]) -> Iterator[T]:
        try:
            step = next(op)
            while True:
                if isinstance(step, Emit):
                    yield step.item
                    step = op.send(None)
                else:
                    step = resume(op, self._attempt(step))
        except StopIteration:
            return
        finally:
            op.close()

    def _attempt(self, step: Send | Sleep) -> httpx.Response | Exception | None:
        try:
            return self._perform(step)
        except Exception as exc:  # thrown into the operation: it retries, cleans up or raises
            return exc

    def _perform(self, step: Send | Sleep) -> httpx.Response | None:
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
            return None
        response = self._http.send(
            step.request, stream=True, follow_redirects=step.follow_redirects
        )
        try:
            if step.sink is not None and response.is_success:
                step.sink.begin(response)
                for chunk in response.iter_bytes():
                    step.sink.write(chunk)
            else:
                response.read()
        finally:
            response.close()
        return response

    # Every operation, as a method of this client (``aio.py`` lists the same for the other
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
