"""Bootstrap (first park admin) and the demo park, built through the real services."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.service import record
from app.auth.principal import Principal
from app.auth.service import principal_for_user
from app.datasets import service as datasets_service
from app.datasets.schemas import IngestOptions
from app.demo import history
from app.demo.samples import REVIEWS, shelf_images
from app.enterprises import service as enterprises
from app.enterprises.schemas import EnterpriseCreate, EnterpriseSettings, TeamCreate
from app.ingest import service as ingest
from app.jobs import lifecycle
from app.jobs import service as jobs
from app.jobs.label_schema import ImageBoxes, LabelDef, TextSpans
from app.jobs.schemas import JobCreate
from app.kit.db import session_scope
from app.kit.security import generate_password, hash_password_async
from app.kit.storage import ObjectStore
from app.models import Domain, Enterprise, EnterpriseKind, JobStatus, Role, User
from app.users import service as users
from app.users.schemas import UserCreate

DEMO_CLIENT = "云帆智能科技（演示）"
DEMO_PARK = "Brigade 示范园区运营方"
DEMO_CLIENT_MEMBER = "data@yunfan.example.com"
DEMO_DOMAINS = (
    "park.example.com",
    "yunfan.example.com",
    "xinghe.example.com",
    "jiangxin.example.com",
)

Account = tuple[str, str, str]  # email, role, password


async def _park_operator(session: AsyncSession, name: str) -> Enterprise:
    park = await session.scalar(
        select(Enterprise).where(Enterprise.kind == EnterpriseKind.PARK_OPERATOR)
    )
    if park is None:
        park = Enterprise(name=name, kind=EnterpriseKind.PARK_OPERATOR, settings={})
        session.add(park)
        await session.flush()
    return park


async def _bootstrap_admin(
    session: AsyncSession, *, email: str, name: str, park: str, password: str
) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError(f"{email!r} is not an email address")
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ValueError(f"{email} is already registered")
    operator = await _park_operator(session, park)
    admin = User(
        enterprise_id=operator.id,
        enterprise_kind=operator.kind,
        email=email,
        display_name=name,
        role=Role.PARK_ADMIN,
        password_hash=await hash_password_async(password),
    )
    session.add(admin)
    await session.flush()
    record(
        session,
        None,
        "user.create",
        target_type="user",
        target_id=admin.id,
        enterprise_id=operator.id,
        changes={"email": email, "role": Role.PARK_ADMIN, "via": "cli"},
    )
    return admin


async def create_park_admin(
    maker: async_sessionmaker[AsyncSession],
    *,
    email: str,
    name: str,
    park: str,
    password: str | None,
) -> str:
    secret = password or generate_password()
    async with session_scope(maker) as session:
        await _bootstrap_admin(session, email=email, name=name, park=park, password=secret)
    return secret


def _labels(*pairs: tuple[str, str, str]) -> list[LabelDef]:
    return [
        LabelDef(name=name, title=title, shortcut=str(i + 1), color=color)
        for i, (name, title, color) in enumerate(pairs)
    ]


async def _add_people(
    session: AsyncSession,
    admin: Principal,
    enterprise: Enterprise,
    people: list[tuple[str, str, Role]],
    team_id: object = None,
) -> list[Account]:
    accounts = []
    for email, display, role in people:
        in_team = team_id if role in (Role.ANNOTATOR, Role.QA_LEAD) else None
        user, password = await users.create(
            session,
            admin,
            UserCreate(
                email=email,
                display_name=display,
                role=role,
                enterprise_id=enterprise.id,
                team_id=in_team,  # type: ignore[arg-type]
            ),
        )
        accounts.append((user.email, role.value, password or ""))
    return accounts


async def _vendor(
    session: AsyncSession, admin: Principal, name: str, slug: str, staff: int
) -> tuple[Enterprise, list[Account]]:
    vendor = await enterprises.create(
        session,
        admin,
        EnterpriseCreate(
            name=name, kind=EnterpriseKind.VENDOR, settings=EnterpriseSettings(staff_count=staff)
        ),
    )
    team = await enterprises.create_team(session, admin, vendor.id, TeamCreate(name="一组"))
    people = [
        (f"admin@{slug}.example.com", f"{name[:4]}管理员", Role.ENTERPRISE_ADMIN),
        (f"qa@{slug}.example.com", f"{name[:2]}质检组长", Role.QA_LEAD),
    ] + [
        (f"annotator{i}@{slug}.example.com", f"{name[:2]}标注员{i}", Role.ANNOTATOR)
        for i in range(1, 4)
    ]
    people += history.crowd_people(name, slug)
    return vendor, await _add_people(session, admin, vendor, people, team.id)


async def _store_samples(store: ObjectStore, job_id: object, kind: str) -> tuple[str, int]:
    """Store the demo's raw data the way an upload would, plus the drawn ground truth
    (``demo/<job>/samples.json``, for gold items later). Returns the raw object to ingest."""
    entries: list[dict[str, object]] = []
    if kind == "image":
        listing = []
        for image in shelf_images():
            obj = await store.put_bytes(image.png, "image/png")
            boxes = [dict(zip(("label", "x", "y", "w", "h"), b, strict=True)) for b in image.boxes]
            entries.append({"name": image.name, "key": obj.key, "truth": boxes})
            listing.append({"name": image.name, "key": obj.key, "size": obj.size})
        raw = json.dumps(listing).encode()
    else:
        entries = [{"name": f"review_{i + 1:02d}", "text": t} for i, t in enumerate(REVIEWS)]
        raw = "".join(
            json.dumps({"text": e["text"], "name": e["name"]}, ensure_ascii=False) + "\n"
            for e in entries
        ).encode()
    manifest = json.dumps({"job_id": str(job_id), "items": entries}, ensure_ascii=False)
    await store.put_at(f"demo/{job_id}/samples.json", manifest.encode(), "application/json")
    stored = await store.put_bytes(raw, "application/octet-stream")
    return stored.key, stored.size


async def load_demo(
    maker: async_sessionmaker[AsyncSession], store: ObjectStore, *, reset_passwords: bool = False
) -> list[Account]:
    """Create the demo park; returns the accounts with their passwords (empty if it exists)."""
    async with session_scope(maker) as session:
        existing = await session.scalar(select(Enterprise).where(Enterprise.name == DEMO_CLIENT))
        if existing is not None:
            return await _reset_demo_passwords(session) if reset_passwords else []
        park_password = generate_password()
        park_admin = await _bootstrap_admin(
            session,
            email="admin@park.example.com",
            name="园区管理员",
            park=DEMO_PARK,
            password=park_password,
        )
        admin = principal_for_user(park_admin)
        accounts: list[Account] = [(park_admin.email, Role.PARK_ADMIN.value, park_password)]
        client = await enterprises.create(
            session, admin, EnterpriseCreate(name=DEMO_CLIENT, kind=EnterpriseKind.CLIENT)
        )
        accounts += await _add_people(
            session,
            admin,
            client,
            [
                ("admin@yunfan.example.com", "云帆管理员", Role.ENTERPRISE_ADMIN),
                (DEMO_CLIENT_MEMBER, "云帆数据工程师", Role.CLIENT_MEMBER),
            ],
        )
        vendor_a, people_a = await _vendor(session, admin, "星河数据标注有限公司", "xinghe", 120)
        vendor_b, people_b = await _vendor(session, admin, "匠心数据服务有限公司", "jiangxin", 80)
        accounts += people_a + people_b
        member = await session.scalar(select(User).where(User.email == DEMO_CLIENT_MEMBER))
        assert member is not None
        client_member = principal_for_user(member)
        image_job = await jobs.create(
            session,
            client_member,
            JobCreate(
                name="货架商品检测（演示）",
                domain=Domain.ECOMMERCE,
                label_schema=ImageBoxes(
                    kind="image_boxes",
                    labels=_labels(
                        ("bottle", "瓶装", "#e74c3c"),
                        ("box", "盒装", "#3498db"),
                        ("ball", "球类", "#27ae60"),
                    ),
                ),
                instructions="框出货架上的每一件商品：瓶装、盒装、球类。框要贴合商品边缘。",
                overlap=3,
                price_per_item=Decimal("0.80"),
                vendor_ids=[vendor_a.id, vendor_b.id],
            ),
        )
        text_job = await jobs.create(
            session,
            client_member,
            JobCreate(
                name="电商评论实体标注（演示）",
                domain=Domain.ECOMMERCE,
                label_schema=TextSpans(
                    kind="text_spans",
                    labels=_labels(
                        ("brand", "品牌", "#8e44ad"),
                        ("product", "商品", "#f39c12"),
                        ("place", "地点", "#16a085"),
                    ),
                ),
                instructions="标出评论中的品牌、商品和地点。只标实体本身，不含标点。",
                overlap=2,
                price_per_item=Decimal("0.15"),
                vendor_ids=[vendor_a.id],
            ),
        )
        datasets = []
        for job, kind, fmt in ((image_job, "image", "images"), (text_job, "text", "jsonl")):
            raw_key, size = await _store_samples(store, job.id, kind)
            dataset = await datasets_service.create(
                session,
                client_member,
                job,
                IngestOptions(format=fmt, name=f"{job.name} 样例数据"),  # type: ignore[arg-type]
                raw_key=raw_key,
                raw_size=size,
                default_name=job.name,
                idempotency_key=f"demo-{kind}",
            )
            datasets.append(dataset.id)
        sentiment_job = await history.create_job(session, client_member, vendor_a.id)
        datasets += await history.create_datasets(session, client_member, store, sentiment_job)
        job_ids = [image_job.id, text_job.id, sentiment_job.id]
    # Ingest now, so the demo park has items and tasks at once (the queued job then finds the
    # datasets ready and does nothing); then start the jobs so the annotators have work.
    for dataset_id in datasets:
        await ingest.run(maker, store, dataset_id)
    async with session_scope(maker) as session:
        for job_id in job_ids:
            await lifecycle.change_status(session, client_member, job_id, JobStatus.RUNNING)
    # The sentiment job gets a labeled history, so quality control has something to show.
    await history.label(maker, store, sentiment_job.id, client_member, vendor_b.id)
    return accounts


async def _reset_demo_passwords(session: AsyncSession) -> list[Account]:
    rows = await session.scalars(
        select(User)
        .where(or_(*(User.email.like(f"%@{domain}") for domain in DEMO_DOMAINS)))
        .order_by(User.email)
    )
    accounts = []
    for user in rows:
        password = generate_password()
        user.password_hash = await hash_password_async(password)
        user.failed_logins, user.locked_until = 0, None
        accounts.append((user.email, user.role.value, password))
    return accounts
