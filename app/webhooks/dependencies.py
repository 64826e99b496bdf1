"""Request dependencies of the webhooks endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request


async def _server_secret(request: Request) -> bytes:
    secret: bytes = request.app.state.server_secret
    return secret


# Seals webhook signing secrets at rest (app.kit.crypto).
ServerSecret = Annotated[bytes, Depends(_server_secret)]
