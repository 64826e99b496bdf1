"""A running job with annotators, and a small client for the labeling loop over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Enterprise, EnterpriseKind, JobStatus, LabelingJob, User
from tests.factories import (
    TEXT_CLASSES,
    browser_client,
    make_dataset,
    make_enterprise,
    make_job,
    make_session_cookie,
    make_user,
)


@dataclass
class Annotator:
    user: User
    http: AsyncClient

    async def next(self, **body: Any) -> Response:
        return await self.http.post("/api/v1/labeling/next", json=body)

    async def next_assignment(self, **body: Any) -> dict[str, Any] | None:
        r = await self.next(**body)
        assert r.status_code == 200, r.text
        out: dict[str, Any] | None = r.json()["assignment"]
        return out

    async def submit(
        self,
        assignment: dict[str, Any],
        answer: Any = None,
        submission_id: uuid.UUID | None = None,
        **extra: Any,
    ) -> Response:
        answer = answer if answer is not None else {"label": "positive"}
        body = {
            "submission_id": str(submission_id or uuid.uuid4()),
            "labels": [{"item_id": it["id"], "answer": answer} for it in assignment["items"]],
            "active_ms": 1500,
            **extra,
        }
        return await self.http.post(
            f"/api/v1/labeling/assignments/{assignment['id']}/submit", json=body
        )

    async def skip(self, assignment: dict[str, Any], reason: str = "not_sure") -> Response:
        return await self.http.post(
            f"/api/v1/labeling/assignments/{assignment['id']}/skip", json={"reason": reason}
        )


@dataclass
class Park:
    app: FastAPI
    client: Enterprise
    vendor: Enterprise
    job: LabelingJob
    annotators: list[Annotator] = field(default_factory=list)

    async def annotator(self, db: AsyncSession, vendor: Enterprise | None = None) -> Annotator:
        user = await make_user(db, vendor or self.vendor)
        cookie = await make_session_cookie(db, user)
        await db.commit()
        a = Annotator(user, browser_client(self.app, cookie))
        self.annotators.append(a)
        return a


@pytest.fixture
async def park(app: FastAPI, db: AsyncSession) -> AsyncIterator[Park]:
    """A client's running text job (k=3, no gold) with one admitted vendor and 6 texts."""
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(
        db,
        client,
        [vendor],
        label_schema=TEXT_CLASSES,
        data_kind="text",
        status=JobStatus.RUNNING,
        gold_rate=0,
    )
    await make_dataset(db, job, [f"评论 {i}：质量很好" for i in range(6)])
    await db.commit()
    p = Park(app, client, vendor, job)
    yield p
    for a in p.annotators:
        await a.http.aclose()
