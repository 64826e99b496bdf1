"""People: created and managed by their enterprise's admin (or the park admin)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import apply_changes, record, record_update
from app.auth import repository as auth_repo
from app.auth.principal import Principal
from app.auth.service import principal_for_user
from app.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from app.kit.pagination import PageParams, paginate
from app.kit.security import generate_password, hash_password_async, verify_password_async
from app.models import Enterprise, Role, Team, User
from app.models.enums import ROLES_BY_KIND
from app.scoping import get_scoped, scoped_select
from app.users.schemas import PasswordChange, UserCreate, UserUpdate


def _check_role_fits(role: Role, enterprise: Enterprise) -> None:
    if role not in ROLES_BY_KIND[enterprise.kind]:
        allowed = ", ".join(sorted(r.value for r in ROLES_BY_KIND[enterprise.kind]))
        raise InvalidInput(f"role: a {enterprise.kind.value} enterprise has roles {allowed}.")


def _check_grant(principal: Principal, role: Role) -> None:
    if role is Role.PARK_ADMIN and not principal.is_park_admin:
        raise PermissionDenied("role: only a park admin can grant park admin.")


async def _check_team(
    session: AsyncSession, team_id: uuid.UUID | None, enterprise_id: uuid.UUID
) -> None:
    if team_id is None:
        return
    team = await session.get(Team, team_id)
    if team is None or team.enterprise_id != enterprise_id:
        raise InvalidInput(f"team_id: {team_id} is not a team of this enterprise.")


async def create(
    session: AsyncSession, principal: Principal, body: UserCreate
) -> tuple[User, str | None]:
    principal.require_role(Role.ENTERPRISE_ADMIN, action="create users")
    target_id = body.enterprise_id or principal.enterprise_id
    if target_id != principal.enterprise_id and not principal.is_park_admin:
        raise PermissionDenied("enterprise_id: you can add people only to your own enterprise.")
    enterprise = await get_scoped(session, principal, Enterprise, target_id, what="Enterprise")
    _check_role_fits(body.role, enterprise)
    _check_grant(principal, body.role)
    await _check_team(session, body.team_id, enterprise.id)
    if await session.scalar(select(User.id).where(User.email == body.email)) is not None:
        raise Conflict(f"email: {body.email} is already registered.")
    generated = None if body.password else generate_password()
    user = User(
        enterprise_id=enterprise.id,
        enterprise_kind=enterprise.kind,
        team_id=body.team_id,
        email=body.email,
        display_name=body.display_name,
        role=body.role,
        locale=body.locale,
        password_hash=await hash_password_async(body.password or generated or ""),
    )
    session.add(user)
    await session.flush()
    record(
        session,
        principal,
        "user.create",
        target_type="user",
        target_id=user.id,
        enterprise_id=enterprise.id,
        changes={"email": user.email, "role": user.role, "team_id": user.team_id},
    )
    return user, generated


async def update(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, body: UserUpdate
) -> User:
    user = await get_scoped(session, principal, User, user_id, write=True, what="User")
    data = body.model_dump(exclude_unset=True)
    for field in ("display_name", "role", "is_active", "locale"):
        if field in data and data[field] is None:
            raise InvalidInput(f"{field}: may not be null.")
    if user.id == principal.user_id and (
        data.get("is_active") is False or data.get("role", user.role) != user.role
    ):
        raise Conflict("You cannot deactivate yourself or change your own role.")
    if "role" in data:
        _check_role_fits(data["role"], user.enterprise)
        _check_grant(principal, data["role"])
    if "team_id" in data:
        await _check_team(session, data["team_id"], user.enterprise_id)
    changes = apply_changes(user, data)
    if data.get("is_active") is False:
        await auth_repo.revoke_user_sessions(session, user.id, datetime.now(UTC))
    await record_update(
        session,
        principal,
        "user.update",
        changes,
        target_type="user",
        target_id=user.id,
        enterprise_id=user.enterprise_id,
    )
    return user


async def reset_password(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> str:
    principal.require_role(Role.ENTERPRISE_ADMIN, action="reset passwords")
    user = await get_scoped(session, principal, User, user_id, write=True, what="User")
    password = generate_password()
    user.password_hash = await hash_password_async(password)
    user.failed_logins, user.locked_until = 0, None
    await auth_repo.revoke_user_sessions(session, user.id, datetime.now(UTC))
    record(
        session,
        principal,
        "user.reset_password",
        target_type="user",
        target_id=user.id,
        enterprise_id=user.enterprise_id,
    )
    await session.flush()
    return password


async def change_own_password(session: AsyncSession, user: User, body: PasswordChange) -> None:
    if not await verify_password_async(user.password_hash, body.current_password):
        raise NotAuthenticated("current_password: that is not your current password.")
    user.password_hash = await hash_password_async(body.new_password)
    await session.flush()
    principal = principal_for_user(user)
    record(
        session,
        principal,
        "user.change_password",
        target_type="user",
        target_id=user.id,
        enterprise_id=user.enterprise_id,
    )


async def list_users(
    session: AsyncSession,
    principal: Principal,
    params: PageParams,
    *,
    role: Role | None = None,
    team_id: uuid.UUID | None = None,
) -> tuple[list[User], int]:
    stmt = scoped_select(principal, User)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if team_id is not None:
        stmt = stmt.where(User.team_id == team_id)
    return await paginate(session, stmt.order_by(User.email), params)


async def get(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    return await get_scoped(session, principal, User, user_id, what="User")
