from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.auth.dependencies import CurrentPrincipal
from app.enterprises import service
from app.enterprises.schemas import (
    DirectoryEntry,
    EnterpriseCreate,
    EnterpriseOut,
    EnterpriseUpdate,
    TeamCreate,
    TeamList,
    TeamOut,
)
from app.kit.deps import DbSession
from app.kit.pagination import Page, Paging, page_of
from app.models import EnterpriseKind

router = APIRouter(prefix="/enterprises", tags=["enterprises"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EnterpriseOut,
    operation_id="create_enterprise",
)
async def create_enterprise(
    body: EnterpriseCreate, principal: CurrentPrincipal, session: DbSession
) -> EnterpriseOut:
    """Register a client or vendor company in the park (park admin)."""
    return EnterpriseOut.model_validate(await service.create(session, principal, body))


@router.get("", response_model=Page[EnterpriseOut], operation_id="list_enterprises")
async def list_enterprises(
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    kind: Annotated[EnterpriseKind | None, Query()] = None,
) -> Page[EnterpriseOut]:
    """All enterprises for the park admin; one's own enterprise for everyone else."""
    rows, total = await service.list_enterprises(session, principal, paging, kind)
    return page_of(EnterpriseOut, rows, total, paging)


@router.get("/directory", response_model=list[DirectoryEntry], operation_id="enterprise_directory")
async def enterprise_directory(
    _: CurrentPrincipal,
    session: DbSession,
    kind: Annotated[EnterpriseKind, Query()] = EnterpriseKind.VENDOR,
) -> list[DirectoryEntry]:
    """The park's register of active companies (id, name, kind only), e.g. to admit vendors."""
    return [DirectoryEntry.model_validate(e) for e in await service.directory(session, kind)]


@router.get("/{enterprise_id}", response_model=EnterpriseOut, operation_id="get_enterprise")
async def get_enterprise(
    enterprise_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession
) -> EnterpriseOut:
    return EnterpriseOut.model_validate(await service.get(session, principal, enterprise_id))


@router.patch("/{enterprise_id}", response_model=EnterpriseOut, operation_id="update_enterprise")
async def update_enterprise(
    enterprise_id: uuid.UUID,
    body: EnterpriseUpdate,
    principal: CurrentPrincipal,
    session: DbSession,
) -> EnterpriseOut:
    """Change the enterprise's name or settings (its admin), or (de)activate it (park admin)."""
    return EnterpriseOut.model_validate(
        await service.update(session, principal, enterprise_id, body)
    )


@router.post(
    "/{enterprise_id}/teams",
    status_code=status.HTTP_201_CREATED,
    response_model=TeamOut,
    operation_id="create_team",
)
async def create_team(
    enterprise_id: uuid.UUID, body: TeamCreate, principal: CurrentPrincipal, session: DbSession
) -> TeamOut:
    return TeamOut.model_validate(
        await service.create_team(session, principal, enterprise_id, body)
    )


@router.get("/{enterprise_id}/teams", response_model=TeamList, operation_id="list_teams")
async def list_teams(
    enterprise_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession
) -> TeamList:
    teams = await service.list_teams(session, principal, enterprise_id)
    return TeamList(items=[TeamOut.model_validate(t) for t in teams])
