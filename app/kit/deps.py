"""Typed request dependencies shared by every domain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.kit.db import session_scope


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with session_scope(maker) as session:
        yield session


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# scope="function": commit (or roll back) before the response is sent, so a client never sees
# success for a write that then failed to commit.
DbSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_app_settings)]
