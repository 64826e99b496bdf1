from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from app.kit.validation import ShortName
from app.models.enums import EnterpriseKind, Locale, Role


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, examples=["annotator@vendor.example"])
    password: str = Field(min_length=1, max_length=1024)


class EnterpriseRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: EnterpriseKind


class TeamRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str


class Me(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    display_name: str
    role: Role
    locale: Locale
    enterprise: EnterpriseRef
    team: TeamRef | None


class TokenIdentity(BaseModel):
    """What ``/auth/me`` answers for a program calling with an API token."""

    token_id: uuid.UUID
    role: Role
    enterprise: EnterpriseRef


class UpdateMe(BaseModel):
    model_config = ConfigDict(extra="forbid")

    locale: Locale | None = None
    display_name: ShortName | None = None
