from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.auth.dependencies import CurrentPerson, CurrentPrincipal, CurrentUser
from app.kit.deps import DbSession
from app.kit.pagination import Page, Paging, page_of
from app.models import Role
from app.users import service
from app.users.schemas import (
    PasswordChange,
    PasswordReset,
    UserCreate,
    UserCreated,
    UserOut,
    UserUpdate,
)

router = APIRouter(prefix="/users", tags=["users"])


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=UserCreated, operation_id="create_user"
)
async def create_user(
    body: UserCreate, principal: CurrentPrincipal, session: DbSession
) -> UserCreated:
    """Add a person to an enterprise. Without a password, one is generated and returned once."""
    user, generated = await service.create(session, principal, body)
    return UserCreated(**UserOut.model_validate(user).model_dump(), initial_password=generated)


@router.get("", response_model=Page[UserOut], operation_id="list_users")
async def list_users(
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    role: Annotated[Role | None, Query()] = None,
    team_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[UserOut]:
    rows, total = await service.list_users(session, principal, paging, role=role, team_id=team_id)
    return page_of(UserOut, rows, total, paging)


@router.post(
    "/me/password", status_code=status.HTTP_204_NO_CONTENT, operation_id="change_own_password"
)
async def change_own_password(body: PasswordChange, user: CurrentUser, session: DbSession) -> None:
    await service.change_own_password(session, user, body)


@router.get("/{user_id}", response_model=UserOut, operation_id="get_user")
async def get_user(user_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession) -> UserOut:
    return UserOut.model_validate(await service.get(session, principal, user_id))


@router.patch("/{user_id}", response_model=UserOut, operation_id="update_user")
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, principal: CurrentPrincipal, session: DbSession
) -> UserOut:
    """Change a person's role, team, language or active state (deactivating ends sessions)."""
    return UserOut.model_validate(await service.update(session, principal, user_id, body))


@router.post(
    "/{user_id}/reset-password", response_model=PasswordReset, operation_id="reset_password"
)
async def reset_password(
    user_id: uuid.UUID, principal: CurrentPerson, session: DbSession
) -> PasswordReset:
    """Set a new generated password and end the person's sessions."""
    return PasswordReset(password=await service.reset_password(session, principal, user_id))
