"""API tokens for companies' programs: created by an enterprise admin, shown once, revocable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.errors import Conflict, InvalidInput
from app.kit.security import hash_secret, new_secret
from app.models import ApiToken, EnterpriseKind, Role
from app.models.enums import ROLES_BY_KIND
from app.scoping import get_scoped, scoped_select
from app.tokens.schemas import TokenCreate

_DEFAULT_ROLE = {
    EnterpriseKind.CLIENT: Role.CLIENT_MEMBER,
    EnterpriseKind.VENDOR: Role.ENTERPRISE_ADMIN,
    EnterpriseKind.PARK_OPERATOR: Role.ENTERPRISE_ADMIN,
}


async def create(
    session: AsyncSession, principal: Principal, body: TokenCreate
) -> tuple[ApiToken, str]:
    principal.require_role(Role.ENTERPRISE_ADMIN, action="create API tokens")
    kind = principal.enterprise_kind
    role = body.role or _DEFAULT_ROLE[kind]
    if role is Role.PARK_ADMIN or role not in ROLES_BY_KIND[kind]:
        allowed = sorted(r.value for r in ROLES_BY_KIND[kind] if r is not Role.PARK_ADMIN)
        raise InvalidInput(f"role: a {kind.value} token may act as one of {', '.join(allowed)}.")
    secret = new_secret("brg")
    expires_at = (
        datetime.now(UTC) + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    )
    token = ApiToken(
        enterprise_id=principal.enterprise_id,
        created_by=principal.user_id,
        name=body.name,
        role=role,
        prefix=secret[:10],
        secret_hash=hash_secret(secret),
        expires_at=expires_at,
    )
    session.add(token)
    await session.flush()
    record(
        session,
        principal,
        "token.create",
        target_type="api_token",
        target_id=token.id,
        enterprise_id=principal.enterprise_id,
        changes={"name": token.name, "role": role, "expires_at": expires_at},
    )
    return token, secret


async def list_tokens(session: AsyncSession, principal: Principal) -> list[ApiToken]:
    stmt = scoped_select(principal, ApiToken).order_by(ApiToken.created_at.desc())
    return list((await session.scalars(stmt)).all())


async def revoke(session: AsyncSession, principal: Principal, token_id: uuid.UUID) -> None:
    token = await get_scoped(session, principal, ApiToken, token_id, write=True, what="API token")
    if token.revoked_at is not None:
        raise Conflict(f"API token {token_id} was already revoked at {token.revoked_at}.")
    token.revoked_at = datetime.now(UTC)
    record(
        session,
        principal,
        "token.revoke",
        target_type="api_token",
        target_id=token.id,
        enterprise_id=token.enterprise_id,
        changes={"name": token.name},
    )
    await session.flush()
