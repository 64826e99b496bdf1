"""Who is making a request: a logged-in person or a company's program (API token)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.errors import PermissionDenied
from app.models.enums import EnterpriseKind, Role


@dataclass(frozen=True, slots=True)
class Principal:
    enterprise_id: uuid.UUID
    enterprise_kind: EnterpriseKind
    role: Role
    user_id: uuid.UUID | None = None  # None when a program calls with an API token
    token_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None

    @property
    def is_park_admin(self) -> bool:
        return self.role is Role.PARK_ADMIN

    @property
    def is_enterprise_admin(self) -> bool:
        return self.role is Role.ENTERPRISE_ADMIN

    def require_role(self, *roles: Role, action: str) -> None:
        """403 unless the principal holds one of ``roles`` (park admins pass every check)."""
        if self.is_park_admin or self.role in roles:
            return
        allowed = ", ".join(r.value for r in roles)
        raise PermissionDenied(f"Only {allowed} may {action}; you are {self.role.value}.")

    def require_kind(self, kind: EnterpriseKind, *, action: str) -> None:
        if self.enterprise_kind is not kind:
            raise PermissionDenied(
                f"Only a {kind.value} enterprise may {action}; "
                f"yours is {self.enterprise_kind.value}."
            )
