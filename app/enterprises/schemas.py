from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from app.kit.validation import LongName, ShortName
from app.models.enums import EnterpriseKind


class EnterpriseSettings(BaseModel):
    """What an enterprise records about itself. Unknown keys are refused, not silently kept."""

    model_config = ConfigDict(extra="forbid")

    contact_name: str | None = Field(default=None, max_length=120)
    contact_email: EmailStr | None = None
    contact_phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 -]{5,19}$")
    address: str | None = Field(default=None, max_length=300)
    # 统一社会信用代码: 18 characters from the national standard's alphabet.
    credit_code: str | None = Field(default=None, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")
    staff_count: int | None = Field(default=None, ge=0, le=1_000_000)


class EnterpriseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: LongName
    kind: EnterpriseKind
    settings: EnterpriseSettings = Field(default_factory=EnterpriseSettings)


class EnterpriseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: LongName | None = None
    settings: EnterpriseSettings | None = None
    is_active: bool | None = Field(default=None, description="Park admins only")


class EnterpriseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: EnterpriseKind
    settings: EnterpriseSettings
    is_active: bool
    created_at: datetime


class DirectoryEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: EnterpriseKind


class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ShortName


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    enterprise_id: uuid.UUID
    name: str
    created_at: datetime


class TeamList(BaseModel):
    items: list[TeamOut]
