"""Tenant scoping: the ONE place that decides which rows a principal may read or change.

Every query for tenant data goes through ``scoped_select`` / ``scope_clause`` / ``get_scoped``.
Rules per model live in ``_RULES``; a model without a rule cannot be queried through here, so
forgetting to write one fails loudly instead of leaking data.

Rows outside the read scope are reported as missing (404) rather than forbidden, so one
enterprise cannot probe for the existence of another's jobs or users.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.errors import NotFound, PermissionDenied
from app.models import (
    ApiToken,
    AuditEvent,
    Dataset,
    Enterprise,
    EnterpriseKind,
    Export,
    Item,
    JobVendor,
    LabelingJob,
    Role,
    Team,
    TeamDaily,
    TeamHourly,
    User,
    Webhook,
    WorkDaily,
    WorkHourly,
)

T = TypeVar("T")
Rule = Callable[[Principal, bool], ColumnElement[bool]]

_STAFF_READERS = (Role.ENTERPRISE_ADMIN, Role.QA_LEAD)


def _enterprise(p: Principal, write: bool) -> ColumnElement[bool]:
    if p.is_park_admin:
        return true()
    if write and not p.is_enterprise_admin:
        return false()
    return Enterprise.id == p.enterprise_id


def _team(p: Principal, write: bool) -> ColumnElement[bool]:
    if p.is_park_admin:
        return true()
    if write and not p.is_enterprise_admin:
        return false()
    return Team.enterprise_id == p.enterprise_id


def _user(p: Principal, write: bool) -> ColumnElement[bool]:
    if p.is_park_admin:
        return true()
    if p.is_enterprise_admin and write:
        # The park operator's own admins must not take over or demote a park admin.
        return and_(User.enterprise_id == p.enterprise_id, User.role != Role.PARK_ADMIN)
    if p.is_enterprise_admin or (not write and p.role in _STAFF_READERS):
        return User.enterprise_id == p.enterprise_id
    if write or p.user_id is None:
        return false()
    return User.id == p.user_id


def _token(p: Principal, write: bool) -> ColumnElement[bool]:
    if p.is_park_admin:
        return true()  # incident response: the park can revoke a leaked token of any company
    if not p.is_enterprise_admin:
        return false()
    return ApiToken.enterprise_id == p.enterprise_id


def _job(p: Principal, write: bool) -> ColumnElement[bool]:
    if p.is_park_admin:
        return true() if not write else false()
    if p.enterprise_kind is EnterpriseKind.CLIENT:
        return LabelingJob.client_id == p.enterprise_id
    if p.enterprise_kind is EnterpriseKind.VENDOR and not write:
        admitted = select(JobVendor.job_id).where(JobVendor.vendor_id == p.enterprise_id)
        return LabelingJob.id.in_(admitted)
    return false()


def _dataset(p: Principal, write: bool) -> ColumnElement[bool]:
    if p.is_park_admin and not write:
        return true()
    if p.enterprise_kind is EnterpriseKind.CLIENT:
        return Dataset.client_id == p.enterprise_id
    return false()  # vendors label items; they never see the client's uploads


def _item(p: Principal, write: bool) -> ColumnElement[bool]:
    if p.is_park_admin and not write:
        return true()
    if p.enterprise_kind is EnterpriseKind.CLIENT:
        own_jobs = select(LabelingJob.id).where(LabelingJob.client_id == p.enterprise_id)
        return Item.job_id.in_(own_jobs)
    return false()  # annotators get items through the distribution API, not by listing


_PER_PERSON = (WorkDaily, WorkHourly)


def _work_rule(model: Any) -> Rule:
    def rule(p: Principal, write: bool) -> ColumnElement[bool]:
        """Roll-ups of work and money: the park sees all; a client its jobs; a vendor's staff
        their own people; an annotator their own rows (``work_daily`` and ``work_hourly``
        only: the team tables are other people's work). Nobody writes them through a principal."""
        if write:
            return false()
        if p.is_park_admin:
            return true()
        if p.enterprise_kind is EnterpriseKind.CLIENT:
            own_jobs = select(LabelingJob.id).where(LabelingJob.client_id == p.enterprise_id)
            return model.job_id.in_(own_jobs)  # type: ignore[no-any-return]
        if p.enterprise_kind is EnterpriseKind.VENDOR and p.role in _STAFF_READERS:
            return model.vendor_id == p.enterprise_id  # type: ignore[no-any-return]
        if model in _PER_PERSON and p.user_id is not None and p.role is Role.ANNOTATOR:
            return model.annotator_id == p.user_id  # type: ignore[no-any-return]
        return false()

    return rule


def _export(p: Principal, write: bool) -> ColumnElement[bool]:
    """Exports of a job: its client's and the park's (nobody edits them through a scope)."""
    if write:
        return false()
    if p.is_park_admin:
        return true()
    if p.enterprise_kind is EnterpriseKind.CLIENT:
        return Export.job_id.in_(
            select(LabelingJob.id).where(LabelingJob.client_id == p.enterprise_id)
        )
    return false()


def _webhook(p: Principal, write: bool) -> ColumnElement[bool]:
    """A client's webhooks (and through them their deliveries): its enterprise admins (people
    or tokens) manage them; the park reads them all, for support."""
    if p.is_park_admin:
        return true() if not write else false()
    if p.enterprise_kind is EnterpriseKind.CLIENT and p.is_enterprise_admin:
        return Webhook.enterprise_id == p.enterprise_id
    return false()


def _audit(p: Principal, write: bool) -> ColumnElement[bool]:
    if write:
        return false()  # append-only: written by services, never through a principal's scope
    if p.is_park_admin:
        return true()
    if p.is_enterprise_admin:
        return AuditEvent.enterprise_id == p.enterprise_id
    return false()


_RULES: dict[type[Any], Rule] = {
    Enterprise: _enterprise,
    Team: _team,
    User: _user,
    ApiToken: _token,
    LabelingJob: _job,
    AuditEvent: _audit,
    Dataset: _dataset,
    Item: _item,
    WorkDaily: _work_rule(WorkDaily),
    Export: _export,
    TeamDaily: _work_rule(TeamDaily),
    TeamHourly: _work_rule(TeamHourly),
    WorkHourly: _work_rule(WorkHourly),
    Webhook: _webhook,
}


# Who may review a job's labels (once the job is visible to them): everyone but annotators,
# who must never see others' labels or the consensus of items they might still get.
_REVIEWERS = (Role.PARK_ADMIN, Role.ENTERPRISE_ADMIN, Role.QA_LEAD, Role.CLIENT_MEMBER)


def require_reviewer(principal: Principal) -> None:
    principal.require_role(*_REVIEWERS, action="review labels")


def scope_clause(principal: Principal, model: type[Any], *, write: bool = False) -> Any:
    try:
        rule = _RULES[model]
    except KeyError:
        raise LookupError(f"no tenant scoping rule for {model.__name__}") from None
    return rule(principal, write)


def scoped_select(principal: Principal, model: type[T], *, write: bool = False) -> Select[T]:
    return select(model).where(scope_clause(principal, model, write=write))


async def get_scoped(
    session: AsyncSession,
    principal: Principal,
    model: type[T],
    object_id: uuid.UUID,
    *,
    write: bool = False,
    what: str | None = None,
) -> T:
    """Load one row the principal may see (404 otherwise); with ``write``, also may change (403)."""
    pk = model.id  # type: ignore[attr-defined]
    label = what or model.__name__
    row = await session.scalar(scoped_select(principal, model).where(pk == object_id))
    if row is None:
        raise NotFound(f"{label} {object_id} does not exist or is not visible to you.")
    if write:
        writable = await session.scalar(
            select(pk).where(pk == object_id, scope_clause(principal, model, write=True))
        )
        if writable is None:
            raise PermissionDenied(f"You may view {label} {object_id} but not change it.")
    return row
