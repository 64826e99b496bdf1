from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.kit.validation import ShortName
from app.models.enums import Role


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ShortName = Field(examples=["training-pipeline"])
    role: Role | None = Field(
        default=None,
        description="Role the program acts with; defaults to client_member for clients and "
        "enterprise_admin otherwise. Park admin is never granted to a token.",
    )
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    role: Role
    enterprise_id: uuid.UUID
    created_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret. Shown once; Brigade keeps only its hash.")


class TokenList(BaseModel):
    items: list[TokenOut]
