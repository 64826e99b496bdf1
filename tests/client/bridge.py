"""A blocking httpx transport into the in-process app, for the blocking client and the CLI.

The app's database pool belongs to the test's event loop, so the blocking code runs on a worker
thread (``asyncio.to_thread``) and each request is handed to that loop and awaited there.
"""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI


class AppBridge(httpx.BaseTransport):
    def __init__(self, app: FastAPI, loop: asyncio.AbstractEventLoop) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        body = b"".join(request.stream)  # "sending": the body is produced here, on this thread
        forwarded = httpx.Request(
            request.method, request.url, headers=request.headers, content=body
        )
        return asyncio.run_coroutine_threadsafe(self._forward(forwarded), self._loop).result()

    async def _forward(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)
