"""Recording audit events. Called by services inside the same unit of work as the change."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.kit.request_context import client_ip_var, request_id_var
from app.models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # UUID, Decimal, datetime, enums


def apply_changes(obj: object, data: dict[str, Any]) -> dict[str, Any]:
    """Set every field of ``data`` that differs on ``obj``; return ``{field: {from, to}}``."""
    changes: dict[str, Any] = {}
    for field, value in data.items():
        old = getattr(obj, field)
        if old != value:
            changes[field] = {"from": old, "to": value}
            setattr(obj, field, value)
    return changes


async def record_update(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    changes: dict[str, Any],
    *,
    target_type: str,
    target_id: uuid.UUID | str,
    enterprise_id: uuid.UUID | None,
) -> None:
    """Flush and audit an update, if it changed anything."""
    if not changes:
        return
    await session.flush()
    record(
        session,
        actor,
        action,
        target_type=target_type,
        target_id=target_id,
        enterprise_id=enterprise_id,
        changes=changes,
    )


def record(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    *,
    target_type: str,
    target_id: uuid.UUID | str,
    enterprise_id: uuid.UUID | None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_user_id=actor.user_id if actor else None,
        actor_token_id=actor.token_id if actor else None,
        enterprise_id=enterprise_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        changes=_jsonable(changes or {}),
        request_id=request_id_var.get(),
        ip=client_ip_var.get(),
    )
    session.add(event)
    return event
