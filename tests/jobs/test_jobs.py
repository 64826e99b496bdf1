"""Labeling jobs over the API: created by clients, seen by admitted vendors, edited with rules."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import Response
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent, EnterpriseKind, JobStatus, LabelingJob, Role, User
from tests.factories import login, make_enterprise, make_job, make_user

JOBS = "/api/v1/jobs"


def _job_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Shelf products",
        "domain": "ecommerce",
        "label_schema": {
            "kind": "image_boxes",
            "labels": [{"name": "bottle", "shortcut": "1"}, {"name": "box", "shortcut": "2"}],
        },
        "overlap": 3,
        "price_per_item": "0.35",
    }
    return {**body, **overrides}


def _error(response: Response) -> tuple[int, str]:
    return response.status_code, response.json().get("error", "")


def _assert_invalid_field(response: Response, prefix: str) -> None:
    assert _error(response) == (422, "ValidationError")
    fields = [f["field"] for f in response.json()["fields"]]
    assert fields
    assert all(f.startswith(prefix) for f in fields), fields


async def _post_job(app: FastAPI, user: User, **overrides: Any) -> Response:
    async with login(app, user) as c:
        return await c.post(JOBS, json=_job_body(**overrides))


async def _client_member(db: AsyncSession) -> User:
    return await make_user(db, await make_enterprise(db), Role.CLIENT_MEMBER)


async def _draft_job_and_member(db: AsyncSession) -> tuple[LabelingJob, User]:
    """A committed draft job and a member of its client."""
    client = await make_enterprise(db)
    job = await make_job(db, client)
    member = await make_user(db, client)
    await db.commit()
    return job, member


async def test_client_member_creates_a_draft_job(app: FastAPI, db: AsyncSession) -> None:
    member = await _client_member(db)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    await db.commit()
    text_schema = {"kind": "text_spans", "labels": [{"name": "brand"}]}

    response = await _post_job(
        app,
        member,
        label_schema=text_schema,
        price_per_item="0.1234",
        vendor_ids=[str(vendor.id), str(vendor.id)],
        deadline="2030-12-31T18:00:00+08:00",
    )

    assert response.status_code == 201, response.text
    job = response.json()
    assert job["status"] == "draft"
    assert job["data_kind"] == "text"
    assert job["client_id"] == str(member.enterprise_id)
    assert job["created_by"] == str(member.id)
    assert job["currency"] == "CNY"
    assert job["price_per_item"] == "0.1234"  # an exact decimal string, never a float
    assert job["vendor_ids"] == [str(vendor.id)]
    assert job["label_schema"]["labels"][0]["name"] == "brand"
    stored = await db.get(LabelingJob, job["id"])
    assert stored is not None
    assert stored.price_per_item == Decimal("0.1234")
    assert stored.deadline is not None
    assert stored.deadline.utcoffset() is not None


@pytest.mark.parametrize(
    ("label_schema", "prefix"),
    [
        ({"kind": "image_boxes", "labels": [{"name": "a"}], "extra": 1}, "label_schema."),
        ({"kind": "image_boxes", "labels": [{"name": "a"}, {"name": "A"}]}, "label_schema."),
        ({"kind": "image_boxes", "labels": []}, "label_schema."),
        (
            {
                "kind": "image_boxes",
                "labels": [{"name": "a", "shortcut": "x"}, {"name": "b", "shortcut": "x"}],
            },
            "label_schema.",
        ),
        ({"kind": "image_boxes", "labels": [{"name": "a", "color": "blue"}]}, "label_schema."),
        ({"kind": "audio_clips", "labels": [{"name": "a"}]}, "label_schema"),
    ],
)
async def test_label_schema_errors_point_into_the_schema(
    app: FastAPI, db: AsyncSession, label_schema: dict[str, Any], prefix: str
) -> None:
    member = await _client_member(db)
    await db.commit()

    response = await _post_job(app, member, label_schema=label_schema)

    _assert_invalid_field(response, prefix)
    assert await db.scalar(select(LabelingJob.id)) is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"deadline": "2030-12-31T18:00:00"}, "deadline"),
        ({"price_per_item": "-0.01"}, "price_per_item"),
        ({"price_per_item": "0.12345"}, "price_per_item"),
        ({"overlap": 0}, "overlap"),
        ({"overlap": 21}, "overlap"),
        ({"name": "   "}, "name"),
        ({"priority": 101}, "priority"),
        ({"unknown": True}, "unknown"),
    ],
)
async def test_job_fields_are_validated(
    app: FastAPI, db: AsyncSession, overrides: dict[str, Any], field: str
) -> None:
    member = await _client_member(db)
    await db.commit()

    response = await _post_job(app, member, **overrides)

    _assert_invalid_field(response, field)


async def test_only_active_vendors_can_be_admitted(app: FastAPI, db: AsyncSession) -> None:
    member = await _client_member(db)
    other_client = await make_enterprise(db, EnterpriseKind.CLIENT)
    inactive = await make_enterprise(db, EnterpriseKind.VENDOR, is_active=False)
    await db.commit()

    for vendor_id in (other_client.id, inactive.id, uuid.uuid4()):
        response = await _post_job(app, member, vendor_ids=[str(vendor_id)])
        assert _error(response) == (422, "ValidationError")
        assert response.json()["detail"].startswith("vendor_ids:")
        assert str(vendor_id) in response.json()["detail"]
    assert await db.scalar(select(LabelingJob.id)) is None


async def test_job_names_are_unique_within_a_client(app: FastAPI, db: AsyncSession) -> None:
    member = await _client_member(db)
    other_member = await _client_member(db)
    await db.commit()

    assert (await _post_job(app, member, name="Shelves")).status_code == 201
    duplicate = await _post_job(app, member, name="Shelves")
    elsewhere = await _post_job(app, other_member, name="Shelves")

    assert _error(duplicate) == (409, "Conflict")
    assert duplicate.json()["detail"].startswith("name:")
    assert elsewhere.status_code == 201


@pytest.mark.parametrize("role", [Role.ENTERPRISE_ADMIN, Role.ANNOTATOR])
async def test_vendors_cannot_create_jobs(app: FastAPI, db: AsyncSession, role: Role) -> None:
    user = await make_user(db, await make_enterprise(db, EnterpriseKind.VENDOR), role)
    await db.commit()

    assert _error(await _post_job(app, user)) == (403, "PermissionDenied")


async def _sees(app: FastAPI, user: User, job: LabelingJob) -> bool:
    """Whether ``user`` gets the job by id (200, else 404) and finds it in the list."""
    async with login(app, user) as c:
        one = await c.get(f"{JOBS}/{job.id}")
        listed = await c.get(JOBS)
    assert one.status_code in (200, 404), one.text
    in_list = str(job.id) in [j["id"] for j in listed.json()["items"]]
    assert in_list is (one.status_code == 200)
    return in_list


async def test_job_visibility_follows_ownership_and_admission(
    app: FastAPI, db: AsyncSession
) -> None:
    client = await make_enterprise(db)
    admitted = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(db, client, vendors=[admitted])
    owner = await make_user(db, client)
    admitted_annotator = await make_user(db, admitted)
    outsider = await make_user(db, await make_enterprise(db, EnterpriseKind.VENDOR))
    other_client = await make_user(db, await make_enterprise(db))
    park_admin = await make_user(db, await make_enterprise(db, EnterpriseKind.PARK_OPERATOR))
    await db.commit()

    assert await _sees(app, owner, job)
    assert await _sees(app, admitted_annotator, job)
    assert await _sees(app, park_admin, job)
    assert not await _sees(app, outsider, job)
    assert not await _sees(app, other_client, job)


async def test_job_list_filters_by_status(app: FastAPI, db: AsyncSession) -> None:
    client = await make_enterprise(db)
    draft = await make_job(db, client)
    await make_job(db, client, status=JobStatus.RUNNING)
    member = await make_user(db, client)
    await db.commit()
    async with login(app, member) as c:
        response = await c.get(JOBS, params={"status": "draft"})

    assert [j["id"] for j in response.json()["items"]] == [str(draft.id)]
    assert response.json()["total"] == 1


async def test_price_vendors_and_schema_of_a_draft_are_editable(
    app: FastAPI, db: AsyncSession
) -> None:
    client = await make_enterprise(db)
    kept = await make_enterprise(db, EnterpriseKind.VENDOR)
    dropped = await make_enterprise(db, EnterpriseKind.VENDOR)
    added = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(db, client, vendors=[kept, dropped])
    member = await make_user(db, client)
    await db.commit()
    new_schema = {"kind": "image_polygons", "labels": [{"name": "shelf"}], "max_points": 50}
    async with login(app, member) as c:
        response = await c.patch(
            f"{JOBS}/{job.id}",
            json={
                "price_per_item": "1.5",
                "vendor_ids": [str(kept.id), str(added.id)],
                "label_schema": new_schema,
            },
        )

    assert response.status_code == 200, response.text
    body = response.json()
    assert Decimal(body["price_per_item"]) == Decimal("1.5")
    assert set(body["vendor_ids"]) == {str(kept.id), str(added.id)}
    assert body["label_schema"]["kind"] == "image_polygons"
    assert body["label_schema"]["max_points"] == 50
    [event] = (await db.scalars(select(AuditEvent))).all()
    assert event.action == "job.update"
    assert event.actor_user_id == member.id
    assert set(event.changes) == {"price_per_item", "vendor_ids", "label_schema"}
    assert event.changes["price_per_item"] == {"from": "0.5000", "to": "1.5"}
    assert set(event.changes["vendor_ids"]["from"]) == {str(kept.id), str(dropped.id)}


async def test_schema_is_frozen_once_the_job_runs(app: FastAPI, db: AsyncSession) -> None:
    job, member = await _draft_job_and_member(db)
    await db.execute(
        update(LabelingJob).where(LabelingJob.id == job.id).values(status=JobStatus.RUNNING)
    )
    await db.commit()
    schema = {"kind": "image_boxes", "labels": [{"name": "truck"}]}
    async with login(app, member) as c:
        frozen = await c.patch(f"{JOBS}/{job.id}", json={"label_schema": schema})
        price = await c.patch(f"{JOBS}/{job.id}", json={"price_per_item": "0.75"})

    assert _error(frozen) == (409, "Conflict")
    assert frozen.json()["detail"].startswith("label_schema:")
    assert price.status_code == 200, price.text
    assert Decimal(price.json()["price_per_item"]) == Decimal("0.75")


async def test_data_kind_cannot_change(app: FastAPI, db: AsyncSession) -> None:
    job, member = await _draft_job_and_member(db)
    text_schema = {"kind": "text_classification", "labels": [{"name": "positive"}]}
    async with login(app, member) as c:
        response = await c.patch(f"{JOBS}/{job.id}", json={"label_schema": text_schema})

    assert _error(response) == (422, "ValidationError")
    assert response.json()["detail"].startswith("label_schema:")
    await db.refresh(job)
    assert job.label_schema["kind"] == "image_boxes"


async def test_required_fields_cannot_be_nulled(app: FastAPI, db: AsyncSession) -> None:
    job, member = await _draft_job_and_member(db)
    async with login(app, member) as c:
        response = await c.patch(f"{JOBS}/{job.id}", json={"overlap": None})

    assert _error(response) == (422, "ValidationError")
    assert response.json()["detail"].startswith("overlap:")


async def test_vendors_cannot_edit_jobs(app: FastAPI, db: AsyncSession) -> None:
    client = await make_enterprise(db)
    admitted = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(db, client, vendors=[admitted])
    admitted_admin = await make_user(db, admitted, Role.ENTERPRISE_ADMIN)
    admitted_annotator = await make_user(db, admitted)
    outsider_admin = await make_user(
        db, await make_enterprise(db, EnterpriseKind.VENDOR), Role.ENTERPRISE_ADMIN
    )
    await db.commit()
    patch = {"price_per_item": "9.99"}

    async with login(app, admitted_admin) as c:
        assert _error(await c.patch(f"{JOBS}/{job.id}", json=patch)) == (403, "PermissionDenied")
    async with login(app, admitted_annotator) as c:
        assert _error(await c.patch(f"{JOBS}/{job.id}", json=patch)) == (403, "PermissionDenied")
    async with login(app, outsider_admin) as c:
        assert _error(await c.patch(f"{JOBS}/{job.id}", json=patch)) == (404, "NotFound")
    await db.refresh(job)
    assert job.price_per_item == Decimal("0.5")


async def test_job_creation_is_audited(app: FastAPI, db: AsyncSession) -> None:
    member = await _client_member(db)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    await db.commit()

    response = await _post_job(app, member, vendor_ids=[str(vendor.id)])

    [event] = (await db.scalars(select(AuditEvent))).all()
    assert event.action == "job.create"
    assert event.target_type == "labeling_job"
    assert event.target_id == response.json()["id"]
    assert event.enterprise_id == member.enterprise_id
    assert event.changes == {
        "name": "Shelf products",
        "vendor_ids": [str(vendor.id)],
        "price_per_item": "0.35",
    }


async def test_database_refuses_a_job_owned_by_a_vendor(db: AsyncSession) -> None:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    with pytest.raises(IntegrityError, match="fk_labeling_jobs_client_id_client_kind_enterprises"):
        await make_job(db, vendor)
    await db.rollback()


async def test_database_refuses_an_overlap_out_of_range(db: AsyncSession) -> None:
    client = await make_enterprise(db)
    with pytest.raises(IntegrityError, match="overlap_range"):
        await make_job(db, client, overlap=0)
    await db.rollback()


async def test_database_refuses_admitting_a_client(db: AsyncSession) -> None:
    client = await make_enterprise(db)
    other_client = await make_enterprise(db)
    with pytest.raises(IntegrityError, match="fk_job_vendors_vendor_id_vendor_kind_enterprises"):
        await make_job(db, client, vendors=[other_client])
    await db.rollback()


async def _rename(app: FastAPI, db: AsyncSession, new_name: str) -> Response:
    """PATCH the name of one of two jobs of the same client (the other is called "Taken")."""
    client = await make_enterprise(db)
    job = await make_job(db, client, name="Original")
    await make_job(db, client, name="Taken")
    member = await make_user(db, client)
    await db.commit()
    async with login(app, member) as c:
        return await c.patch(f"{JOBS}/{job.id}", json={"name": new_name})


async def test_renaming_a_job_strips_the_name(app: FastAPI, db: AsyncSession) -> None:
    response = await _rename(app, db, "  Renamed  ")

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Renamed"


async def test_a_job_cannot_be_renamed_to_blank(app: FastAPI, db: AsyncSession) -> None:
    response = await _rename(app, db, "   ")

    _assert_invalid_field(response, "name")


async def test_renaming_a_job_to_a_taken_name_is_a_conflict(app: FastAPI, db: AsyncSession) -> None:
    response = await _rename(app, db, "Taken")

    assert _error(response) == (409, "Conflict")
    assert response.json()["detail"].startswith("name:")
