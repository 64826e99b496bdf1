from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit.schemas import AuditEventOut
from app.auth.dependencies import CurrentPrincipal
from app.kit.deps import DbSession
from app.kit.pagination import Page, Paging, page_of, paginate
from app.models import AuditEvent
from app.scoping import scoped_select

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditEventOut], operation_id="list_audit_events")
async def list_audit_events(
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    action: Annotated[str | None, Query(max_length=64, examples=["token.create"])] = None,
    target_type: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[AuditEventOut]:
    """Newest first. Enterprise admins see their enterprise's events; the park admin sees all."""
    stmt = scoped_select(principal, AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if target_type:
        stmt = stmt.where(AuditEvent.target_type == target_type)
    rows, total = await paginate(session, stmt.order_by(AuditEvent.id.desc()), paging)
    return page_of(AuditEventOut, rows, total, paging)
