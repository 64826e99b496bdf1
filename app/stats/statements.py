"""Monthly statements: what a vendor earned and what a client owes, line by line.

A statement covers the labels submitted in one park month (Asia/Shanghai) and is the sum of
their amounts (``money.py``), read from ``work_daily`` (which equals a recount of the labels):
a vendor's lines are its annotators per job, a client's lines its jobs. Labels of the month
still waiting for quality control are shown as pending: they may add to a later version of
the statement, never change what is already accepted.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.errors import InvalidInput, NotFound
from app.models import Enterprise, EnterpriseKind, LabelingJob, Role, TeamDaily, User, WorkDaily


class StatementLine(BaseModel):
    job_id: uuid.UUID
    job_name: str
    annotator_id: uuid.UUID | None = Field(description="Vendor statements: one line per person")
    annotator_name: str | None
    labels: int
    gold_labels: int = Field(description="Checks of the annotator's accuracy: never paid")
    accepted: int
    rejected: int
    pending: int
    amount: Decimal


class Statement(BaseModel):
    enterprise_id: uuid.UUID
    enterprise_name: str
    kind: EnterpriseKind
    month: str = Field(description="YYYY-MM, Asia/Shanghai days")
    currency: str = "CNY"
    lines: list[StatementLine]
    accepted: int
    pending: int
    total: Decimal


def month_range(month: str) -> tuple[date, date]:
    try:
        year, mon = (int(part) for part in month.split("-"))
        first = date(year, mon, 1)
    except ValueError:
        raise InvalidInput(f"month: {month!r} is not YYYY-MM.") from None
    last = date(year + mon // 12, mon % 12 + 1, 1)
    return first, last


async def statement(
    session: AsyncSession, principal: Principal, enterprise_id: uuid.UUID | None, month: str
) -> Statement:
    first, after = month_range(month)
    target_id = enterprise_id or principal.enterprise_id
    if not principal.is_park_admin:
        if target_id != principal.enterprise_id:
            raise NotFound(f"Enterprise {target_id} does not exist or is not visible to you.")
        principal.require_role(Role.ENTERPRISE_ADMIN, action="read statements")
    enterprise = await session.get(Enterprise, target_id)
    if enterprise is None or enterprise.kind not in (EnterpriseKind.VENDOR, EnterpriseKind.CLIENT):
        raise NotFound(f"Enterprise {target_id} has no statements (vendors and clients do).")
    vendor = enterprise.kind is EnterpriseKind.VENDOR
    # Vendors' lines are per person (work_daily); clients' per job (the per-vendor level is
    # enough, and ~100 times smaller).
    src: Any = WorkDaily if vendor else TeamDaily
    per_person = [WorkDaily.annotator_id, User.display_name] if vendor else []
    stmt = (
        select(
            src.job_id,
            LabelingJob.name,
            *per_person,
            func.sum(src.labels).label("labels"),
            func.sum(src.gold_labels).label("gold_labels"),
            func.sum(src.accepted).label("accepted"),
            func.sum(src.rejected).label("rejected"),
            func.sum(src.earned).label("amount"),
        )
        .join(LabelingJob, LabelingJob.id == src.job_id)
        .where(src.day >= first, src.day < after)
        .group_by(src.job_id, LabelingJob.name, *per_person)
        .order_by(LabelingJob.name, src.job_id, *per_person)
    )
    if vendor:
        stmt = stmt.join(User, User.id == WorkDaily.annotator_id).where(
            WorkDaily.vendor_id == enterprise.id
        )
    else:
        stmt = stmt.where(LabelingJob.client_id == enterprise.id)
    lines = []
    for r in (await session.execute(stmt)).all():
        accepted, rejected, labels = int(r.accepted), int(r.rejected), int(r.labels)
        lines.append(
            StatementLine(
                job_id=r.job_id,
                job_name=r.name,
                annotator_id=r.annotator_id if vendor else None,
                annotator_name=r.display_name if vendor else None,
                labels=labels,
                gold_labels=int(r.gold_labels),
                accepted=accepted,
                rejected=rejected,
                pending=max(0, labels - accepted - rejected),
                amount=Decimal(r.amount),
            )
        )
    return Statement(
        enterprise_id=enterprise.id,
        enterprise_name=enterprise.name,
        kind=enterprise.kind,
        month=f"{first:%Y-%m}",
        lines=lines,
        accepted=sum(line.accepted for line in lines),
        pending=sum(line.pending for line in lines),
        total=sum((line.amount for line in lines), Decimal(0)),
    )


def to_csv(s: Statement) -> str:
    """One row per line and a total row; amounts as exact decimal strings (UTF-8 with BOM so
    spreadsheet programs read the Chinese names)."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow(["month", "job_id", "job", "annotator_id", "annotator", "labels", "gold_labels",
                "accepted", "rejected", "pending", "amount_cny"])  # fmt: skip
    for line in s.lines:
        w.writerow([s.month, line.job_id, line.job_name, line.annotator_id or "",
                    line.annotator_name or "", line.labels, line.gold_labels, line.accepted,
                    line.rejected, line.pending, f"{line.amount:.4f}"])  # fmt: skip
    w.writerow([s.month, "", "TOTAL", "", "", "", "", s.accepted, "", s.pending,
                f"{s.total:.4f}"])  # fmt: skip
    return out.getvalue()
