from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from app.kit.security import MIN_PASSWORD_LENGTH
from app.kit.validation import ShortName
from app.models.enums import Locale, Role


def _lower(value: str) -> str:
    return value.strip().lower()


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    display_name: ShortName
    role: Role
    password: str | None = Field(
        default=None,
        min_length=MIN_PASSWORD_LENGTH,
        max_length=1024,
        description="Omit to have Brigade generate one (returned once)",
    )
    enterprise_id: uuid.UUID | None = Field(
        default=None, description="Park admin only; defaults to the caller's enterprise"
    )
    team_id: uuid.UUID | None = None
    locale: Locale = Locale.ZH_CN

    _email = field_validator("email")(_lower)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: ShortName | None = None
    role: Role | None = None
    team_id: uuid.UUID | None = None
    is_active: bool | None = None
    locale: Locale | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    display_name: str
    role: Role
    enterprise_id: uuid.UUID
    team_id: uuid.UUID | None
    locale: Locale
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime


class UserCreated(UserOut):
    initial_password: str | None = Field(
        default=None, description="Set when Brigade generated the password; shown once"
    )


class PasswordReset(BaseModel):
    password: str = Field(description="The new password; shown once, pass it on safely")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)
