from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_user_id: uuid.UUID | None
    actor_token_id: uuid.UUID | None
    enterprise_id: uuid.UUID | None
    action: str
    target_type: str
    target_id: str
    changes: dict[str, Any]
    request_id: str | None
    ip: str | None
