"""Enterprises (park operator, clients, vendors) and vendors' teams."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record, record_update
from app.auth.principal import Principal
from app.enterprises.schemas import EnterpriseCreate, EnterpriseUpdate, TeamCreate
from app.errors import Conflict, PermissionDenied
from app.kit.jobs import defer_job
from app.kit.pagination import PageParams, paginate
from app.models import Enterprise, EnterpriseKind, Role, Team
from app.scoping import get_scoped, scoped_select


async def _name_taken(session: AsyncSession, name: str, exclude: uuid.UUID | None = None) -> bool:
    stmt = select(Enterprise.id).where(func.lower(Enterprise.name) == name.lower())
    if exclude is not None:
        stmt = stmt.where(Enterprise.id != exclude)
    return await session.scalar(stmt) is not None


async def create(session: AsyncSession, principal: Principal, body: EnterpriseCreate) -> Enterprise:
    if not principal.is_park_admin:
        raise PermissionDenied("Only the park admin registers enterprises.")
    if await _name_taken(session, body.name):
        raise Conflict(f"name: an enterprise named {body.name!r} already exists.")
    enterprise = Enterprise(
        name=body.name, kind=body.kind, settings=body.settings.model_dump(exclude_none=True)
    )
    session.add(enterprise)
    await session.flush()
    record(
        session,
        principal,
        "enterprise.create",
        target_type="enterprise",
        target_id=enterprise.id,
        enterprise_id=enterprise.id,
        changes={"name": enterprise.name, "kind": enterprise.kind},
    )
    return enterprise


async def update(
    session: AsyncSession, principal: Principal, enterprise_id: uuid.UUID, body: EnterpriseUpdate
) -> Enterprise:
    enterprise = await get_scoped(
        session, principal, Enterprise, enterprise_id, write=True, what="Enterprise"
    )
    changes: dict[str, Any] = {}
    if body.is_active is not None and body.is_active != enterprise.is_active:
        if not principal.is_park_admin:
            raise PermissionDenied("is_active: only the park admin (de)activates enterprises.")
        if enterprise.id == principal.enterprise_id:
            raise Conflict("is_active: the park operator cannot deactivate itself.")
        changes["is_active"] = {"from": enterprise.is_active, "to": body.is_active}
        enterprise.is_active = body.is_active
        if not body.is_active:
            # Logins and tokens already fail for inactive enterprises; this cleans them up for
            # good, off the request because a vendor may have thousands of sessions.
            await defer_job(
                session, "brigade.revoke_enterprise_credentials", enterprise_id=str(enterprise.id)
            )
    if body.name is not None and body.name != enterprise.name:
        if await _name_taken(session, body.name, exclude=enterprise.id):
            raise Conflict(f"name: an enterprise named {body.name!r} already exists.")
        changes["name"] = {"from": enterprise.name, "to": body.name}
        enterprise.name = body.name
    if body.settings is not None:
        new_settings = body.settings.model_dump(exclude_none=True)
        if new_settings != enterprise.settings:
            changes["settings"] = {"from": enterprise.settings, "to": new_settings}
            enterprise.settings = new_settings
    await record_update(
        session,
        principal,
        "enterprise.update",
        changes,
        target_type="enterprise",
        target_id=enterprise.id,
        enterprise_id=enterprise.id,
    )
    return enterprise


async def list_enterprises(
    session: AsyncSession,
    principal: Principal,
    params: PageParams,
    kind: EnterpriseKind | None = None,
) -> tuple[list[Enterprise], int]:
    stmt = scoped_select(principal, Enterprise)
    if kind is not None:
        stmt = stmt.where(Enterprise.kind == kind)
    return await paginate(session, stmt.order_by(Enterprise.name, Enterprise.id), params)


async def directory(session: AsyncSession, kind: EnterpriseKind) -> list[Enterprise]:
    """Active vendors/clients by name: the park's public register, e.g. for admitting vendors."""
    stmt = (
        select(Enterprise)
        .where(Enterprise.kind == kind, Enterprise.is_active.is_(True))
        .order_by(Enterprise.name)
    )
    return list((await session.scalars(stmt)).all())


async def create_team(
    session: AsyncSession, principal: Principal, enterprise_id: uuid.UUID, body: TeamCreate
) -> Team:
    principal.require_role(Role.ENTERPRISE_ADMIN, action="create teams")
    enterprise = await get_scoped(
        session, principal, Enterprise, enterprise_id, write=True, what="Enterprise"
    )
    if enterprise.kind is not EnterpriseKind.VENDOR:
        raise Conflict("Teams exist only in data-service (vendor) enterprises.")
    taken = await session.scalar(
        select(Team.id).where(Team.enterprise_id == enterprise.id, Team.name == body.name)
    )
    if taken is not None:
        raise Conflict(f"name: this enterprise already has a team named {body.name!r}.")
    team = Team(enterprise_id=enterprise.id, name=body.name)
    session.add(team)
    await session.flush()
    record(
        session,
        principal,
        "team.create",
        target_type="team",
        target_id=team.id,
        enterprise_id=enterprise.id,
        changes={"name": team.name},
    )
    return team


async def list_teams(
    session: AsyncSession, principal: Principal, enterprise_id: uuid.UUID
) -> list[Team]:
    await get_scoped(session, principal, Enterprise, enterprise_id, what="Enterprise")
    stmt = (
        scoped_select(principal, Team)
        .where(Team.enterprise_id == enterprise_id)
        .order_by(Team.name)
    )
    return list((await session.scalars(stmt)).all())


async def get(session: AsyncSession, principal: Principal, enterprise_id: uuid.UUID) -> Enterprise:
    return await get_scoped(session, principal, Enterprise, enterprise_id, what="Enterprise")
