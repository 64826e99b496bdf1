"""Offset pagination shared by list endpoints (the lists here are admin-sized, not item-sized)."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
S = TypeVar("S", bound=BaseModel)


class PageParams(BaseModel):
    limit: int
    offset: int


async def _page_params(
    limit: Annotated[int, Query(ge=1, le=500, description="Rows per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


Paging = Annotated[PageParams, Depends(_page_params)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def page_of(schema: type[S], rows: list[Any], total: int, params: PageParams) -> Page[S]:
    """A page of ``schema`` objects built from ORM rows."""
    return Page[schema](  # type: ignore[valid-type]
        items=[schema.model_validate(r) for r in rows],
        total=total,
        limit=params.limit,
        offset=params.offset,
    )


async def paginate(
    session: AsyncSession, stmt: Select[Any], params: PageParams
) -> tuple[list[Any], int]:
    """Run ``stmt`` (already ordered) for one page and count the whole result."""
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = (await session.scalars(stmt.limit(params.limit).offset(params.offset))).all()
    return list(rows), int(total or 0)
