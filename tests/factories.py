"""Factories: build real rows through the ORM with sensible defaults, one call per thing.

They flush but do not commit; call ``await db.commit()`` before using the API on them.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.jobs import run_worker
from app.kit.security import hash_password, hash_secret, new_secret
from app.labeling.repository import open_dataset_slots
from app.models import (
    DataKind,
    Dataset,
    DatasetStatus,
    Domain,
    Enterprise,
    EnterpriseKind,
    GoldAnswer,
    Item,
    JobVendor,
    LabelingJob,
    Role,
    Session,
    Task,
    Team,
    User,
)

PASSWORD = "correct horse battery staple"


@functools.cache
def _password_hash() -> str:
    # Computed on first use, after the app set the (cheap) test hashing cost.
    return hash_password(PASSWORD)


_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


async def make_enterprise(
    db: AsyncSession, kind: EnterpriseKind = EnterpriseKind.CLIENT, **kw: Any
) -> Enterprise:
    enterprise = Enterprise(name=kw.pop("name", f"{kind.value}-{_n()}"), kind=kind, **kw)
    db.add(enterprise)
    await db.flush()
    return enterprise


async def make_team(db: AsyncSession, enterprise: Enterprise, name: str | None = None) -> Team:
    team = Team(enterprise_id=enterprise.id, name=name or f"team-{_n()}")
    db.add(team)
    await db.flush()
    return team


async def make_user(
    db: AsyncSession, enterprise: Enterprise, role: Role | None = None, **kw: Any
) -> User:
    default_role = {
        EnterpriseKind.PARK_OPERATOR: Role.PARK_ADMIN,
        EnterpriseKind.CLIENT: Role.CLIENT_MEMBER,
        EnterpriseKind.VENDOR: Role.ANNOTATOR,
    }[enterprise.kind]
    n = _n()
    user = User(
        enterprise_id=enterprise.id,
        enterprise_kind=enterprise.kind,
        email=kw.pop("email", f"user{n}@{enterprise.kind.value}.example.com"),
        display_name=kw.pop("display_name", f"User {n}"),
        role=role or default_role,
        password_hash=kw.pop("password_hash", None) or _password_hash(),
        **kw,
    )
    db.add(user)
    await db.flush()
    return user


IMAGE_BOXES: dict[str, Any] = {
    "kind": "image_boxes",
    "labels": [{"name": "car"}, {"name": "person"}],
}


async def make_job(
    db: AsyncSession,
    client: Enterprise,
    vendors: list[Enterprise] | None = None,
    **kw: Any,
) -> LabelingJob:
    job = LabelingJob(
        client_id=client.id,
        name=kw.pop("name", f"job-{_n()}"),
        domain=kw.pop("domain", Domain.ECOMMERCE),
        data_kind=kw.pop("data_kind", DataKind.IMAGE),
        label_schema=kw.pop("label_schema", IMAGE_BOXES),
        overlap=kw.pop("overlap", 3),
        price_per_item=kw.pop("price_per_item", Decimal("0.50")),
        vendors=[JobVendor(vendor_id=v.id) for v in vendors or []],
        **kw,
    )
    db.add(job)
    await db.flush()
    return job


@asynccontextmanager
async def login(app: FastAPI, user: User, password: str = PASSWORD) -> AsyncIterator[AsyncClient]:
    """A client logged in as ``user`` through the real login endpoint (cookie session)."""
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://testserver",
        headers={"X-Requested-With": "XMLHttpRequest"},
    ) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": password}
        )
        assert response.status_code == 200, response.text
        yield client


@asynccontextmanager
async def with_token(app: FastAPI, token: str) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client


async def make_session_cookie(db: AsyncSession, user: User) -> str:
    """A live browser session for ``user`` without the (deliberately slow) password check."""
    secret = new_secret("bss")
    db.add(
        Session(
            user_id=user.id,
            secret_hash=hash_secret(secret),
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
    )
    await db.flush()
    return secret


def browser_client(app: FastAPI, cookie: str | None = None, **headers: str) -> AsyncClient:
    """A client like the browser app: X-Requested-With set, optionally with a session cookie."""
    client = AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://testserver",
        headers={"X-Requested-With": "XMLHttpRequest", **headers},
    )
    if cookie is not None:
        client.cookies.set("brigade_session", cookie)
    return client


TEXT_CLASSES: dict[str, Any] = {
    "kind": "text_classification",
    "labels": [{"name": "positive"}, {"name": "negative"}, {"name": "neutral"}],
}


async def make_dataset(
    db: AsyncSession,
    job: LabelingJob,
    texts: list[str] | None = None,
    *,
    images: int = 0,
    task_size: int = 1,
    gold_answers: list[Any] | None = None,
    status: DatasetStatus = DatasetStatus.READY,
) -> tuple[Dataset, list[Item]]:
    """A dataset as ingest leaves it: items, tasks of ``task_size`` and (if ready) open slots.

    Texts give text items; ``images`` gives that many 640x480 image items (keys need not exist:
    only presigned URLs are made from them). ``gold_answers`` makes a gold dataset (no tasks).
    """
    n = _n()
    gold = gold_answers is not None
    ds = Dataset(
        job_id=job.id,
        client_id=job.client_id,
        name=f"dataset-{n}",
        kind=DataKind.IMAGE if images else DataKind.TEXT,
        format="factory",
        is_gold=gold,
        status=status,
    )
    db.add(ds)
    await db.flush()
    payloads: list[dict[str, Any]] = (
        [
            {"object_key": f"sha256/{n:08d}{i:056d}", "width": 640, "height": 480}
            for i in range(images)
        ]
        if images
        else [{"text": t} for t in texts or []]
    )
    items = []
    for seq, payload in enumerate(payloads):
        item = Item(
            job_id=job.id,
            dataset_id=ds.id,
            seq=seq,
            kind=ds.kind,
            content_sha256=f"{n:08d}{seq:056d}",
            is_gold=gold,
            **payload,
        )
        db.add(item)
        items.append(item)
    await db.flush()
    if gold:
        for item, answer in zip(items, gold_answers or [], strict=True):
            db.add(GoldAnswer(item_id=item.id, answer=answer))
    else:
        for seq, start in enumerate(range(0, len(items), task_size)):
            group = items[start : start + task_size]
            db.add(
                Task(
                    job_id=job.id,
                    dataset_id=ds.id,
                    seq=seq,
                    first_item_id=group[0].id,
                    last_item_id=group[-1].id,
                    item_count=len(group),
                    manifest_shard=0,
                )
            )
            ds.tasks += 1
    ds.received = ds.accepted = len(items)
    await db.flush()
    if status is DatasetStatus.READY and not gold:
        await open_dataset_slots(db, ds.id)
    return ds, items


async def run_jobs(app: FastAPI) -> None:
    """Work through every background job that is due with the app's worker setup, then return."""
    await run_worker(
        app.state.sessionmaker,
        app.state.store,
        app.state.server_secret,
        concurrency=1,
        install_signal_handlers=False,
        wait=False,
    )


async def as_user(
    app: FastAPI, db: AsyncSession, enterprise: Enterprise, role: Role | None = None
) -> AsyncClient:
    """A browser session of a new user of ``enterprise`` (``role``: its kind's default)."""
    user = await make_user(db, enterprise, role)
    cookie = await make_session_cookie(db, user)
    await db.commit()
    return browser_client(app, cookie)
