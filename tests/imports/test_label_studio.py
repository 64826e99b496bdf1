"""Moving over from Label Studio: a project's JSON export brought into a job whose data is
already here. Annotations answer their items (which then get no labeling), predictions are
kept apart, wrong tasks are reported one by one, and importing twice adds nothing."""

from __future__ import annotations

import io
from typing import Any

import orjson
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.exports.formats.label_studio_import import ImportedTask, read_tasks
from app.models import EnterpriseKind, JobStatus, Role
from tests.factories import (
    IMAGE_BOXES,
    as_user,
    make_dataset,
    make_enterprise,
    make_job,
    run_jobs,
)
from tests.labeling.conftest import Park

URL = "/api/v1/jobs/{}/imports/label-studio"


def _choice(
    label: str, ref: int, who: int = 1, created: str = "2026-10-01T08:00:00Z"
) -> dict[str, Any]:
    return {
        "id": ref,
        "completed_by": who,
        "created_at": created,
        "result": [
            {
                "type": "choices",
                "from_name": "sentiment",
                "to_name": "text",
                "value": {"choices": [label]},
            }
        ],
    }


async def _import(http: AsyncClient, job_id: Any, tasks: list[dict[str, Any]]) -> Any:
    files = {"file": ("project.json", orjson.dumps(tasks), "application/json")}
    return await http.post(URL.format(job_id), files=files)


async def test_texts_with_annotations_are_answered_and_not_labeled_again(
    park: Park, db: AsyncSession
) -> None:
    items = (await db.execute(text("SELECT id, text FROM items ORDER BY id"))).all()
    # As ingest leaves them: the exact-duplicate key is the text's SHA-256; the first text came
    # from a Label Studio export, so ingest kept its task id.
    await db.execute(
        text(
            "UPDATE items SET content_sha256 = encode(sha256(convert_to(text, 'UTF8')), 'hex'),"
            " meta = CASE WHEN id = :first THEN '{\"labelstudio_id\": 901}'::jsonb ELSE meta END"
        ),
        {"first": items[0].id},
    )
    await db.commit()
    tasks = [
        # Matched by the Label Studio id (its text differs: cleaning changed it).
        {
            "id": 901,
            "data": {"text": "changed by cleaning"},
            "annotations": [_choice("negative", 1)],
        },
        # Two annotators agree, one does not: the majority answers.
        {
            "id": 902,
            "data": {"text": items[1].text},
            "annotations": [
                _choice("positive", 2, who=1),
                _choice("positive", 3, who=2),
                _choice("neutral", 4, who=3),
            ],
        },
        # A prediction only: kept, but the item is still labeled here.
        {
            "id": 903,
            "data": {"text": items[2].text},
            "predictions": [
                {
                    "id": 77,
                    "model_version": "bert-v2",
                    "score": 0.8,
                    "result": [
                        {
                            "type": "choices",
                            "from_name": "sentiment",
                            "to_name": "text",
                            "value": {"choices": ["neutral"]},
                        }
                    ],
                }
            ],
        },
        {
            "id": 904,
            "data": {"text": "不在这个任务里的文本"},
            "annotations": [_choice("positive", 5)],
        },
        {"id": 905, "data": {"text": items[3].text}, "annotations": [_choice("angry", 6)]},
    ]
    member = await as_user(park.app, db, park.client, Role.CLIENT_MEMBER)
    r = await _import(member, park.job.id, tasks)
    assert r.status_code == 200, r.text
    report = r.json()
    assert {k: report[k] for k in ("tasks", "matched", "unmatched", "rejected")} == {
        "tasks": 5, "matched": 3, "unmatched": 1, "rejected": 1,
    }  # fmt: skip
    assert (report["annotations"], report["predictions"], report["prelabeled_items"]) == (4, 1, 2)
    assert any("904" in p and "upload its data first" in p for p in report["problems"])
    assert any("905" in p and "angry" in p for p in report["problems"])

    imported = text(
        "SELECT item_id, answer ->> 'label' FROM item_consensus WHERE method = 'imported'"
    )
    answers = {r[0]: r[1] for r in await db.execute(imported)}
    assert answers == {items[0].id: "negative", items[1].id: "positive"}
    kept = await db.scalar(
        text("SELECT count(*) FROM imported_labels WHERE origin = 'prediction' AND score = 0.8")
    )
    assert kept == 1
    # Only the four items without imported annotations are handed out.
    a = await park.annotator(db)
    seen = []
    while (assignment := await a.next_assignment()) is not None:
        seen += [it["id"] for it in assignment["items"]]
        assert (await a.submit(assignment)).status_code == 200
    assert sorted(seen) == sorted(i.id for i in items[2:])

    again = (await _import(member, park.job.id, tasks)).json()
    assert (again["annotations"], again["predictions"], again["already_imported"]) == (0, 0, 5)
    await member.aclose()


async def test_images_match_by_file_name_and_boxes_become_pixels(
    app: FastAPI, db: AsyncSession
) -> None:
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(
        db, client, [vendor], label_schema=IMAGE_BOXES, data_kind="image",
        status=JobStatus.RUNNING, gold_rate=0,
    )  # fmt: skip
    _, items = await make_dataset(db, job, images=2)
    await db.execute(
        text("UPDATE items SET source = 'street/' || seq || '.jpg' WHERE job_id = :j"),
        {"j": job.id},
    )
    await db.commit()
    box = {
        "type": "rectanglelabels",
        "from_name": "label",
        "to_name": "image",
        "original_width": 640,
        "original_height": 480,
        "value": {"x": 10, "y": 25, "width": 50, "height": 50, "rotation": 0,
                  "rectanglelabels": ["car"]},
    }  # fmt: skip
    tasks = [
        # Label Studio's own upload path, with its 8-hex prefix.
        {"id": 1, "data": {"image": "/data/upload/3/1a2b3c4d-1.jpg"},
         "annotations": [{"id": 10, "completed_by": 1, "result": [box]}]},
        {"id": 2, "data": {"image": "s3://bucket/elsewhere/9.jpg"},
         "annotations": [{"id": 11, "completed_by": 1, "result": [box]}]},
    ]  # fmt: skip
    admin = await as_user(app, db, client, Role.ENTERPRISE_ADMIN)
    r = await _import(admin, job.id, tasks)
    assert r.status_code == 200, r.text
    assert (r.json()["matched"], r.json()["unmatched"]) == (1, 1)
    answer = await db.scalar(
        text("SELECT answer FROM item_consensus WHERE item_id = :i"), {"i": items[1].id}
    )
    assert answer == {"boxes": [{"label": "car", "x": 64.0, "y": 120.0, "w": 320.0, "h": 240.0}]}
    # Vendors do not bring data in; a file that is not a task list is refused whole.
    vendor_admin = await as_user(app, db, vendor, Role.ENTERPRISE_ADMIN)
    assert (await _import(vendor_admin, job.id, tasks)).status_code == 403
    files = {"file": ("x.json", b'{"not": "a list"}', "application/json")}
    r = await admin.post(URL.format(job.id), files=files)
    assert r.status_code == 422
    assert "file" in r.text
    for http in (admin, vendor_admin):
        await http.aclose()


async def test_a_label_studio_project_comes_back_out_with_every_label(
    app: FastAPI, db: AsyncSession
) -> None:
    """Label Studio JSON -> Brigade (import) -> Label Studio JSON (raw export): every
    annotation and prediction comes back, with its author, on the same image."""
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    job = await make_job(
        db, client, [], label_schema=IMAGE_BOXES, data_kind="image",
        status=JobStatus.RUNNING, gold_rate=0,
    )  # fmt: skip
    await make_dataset(db, job, images=2)
    await db.execute(
        text("UPDATE items SET source = 'cam/' || seq || '.png' WHERE job_id = :j"), {"j": job.id}
    )
    await db.commit()

    def rect(label: str, x: float, y: float) -> dict[str, Any]:
        return {
            "type": "rectanglelabels", "from_name": "label", "to_name": "image",
            "original_width": 640, "original_height": 480,
            "value": {"x": x, "y": y, "width": 25, "height": 50, "rotation": 0,
                      "rectanglelabels": [label]},
        }  # fmt: skip

    tasks = [
        {
            "id": 40 + n,
            "data": {"image": f"/data/upload/7/0badcafe-{n}.png"},
            "annotations": [
                {"id": 100 + n, "completed_by": 3, "result": [rect("car", 10, 10)]},
                {"id": 200 + n, "completed_by": 4, "result": [rect("person", 50, 25)]},
            ],
            "predictions": [
                {
                    "id": 300 + n,
                    "model_version": "yolo",
                    "score": 0.5,
                    "result": [rect("car", 12.5, 10)],
                }
            ],
        }
        for n in range(2)
    ]
    admin = await as_user(app, db, client, Role.ENTERPRISE_ADMIN)
    report = (await _import(admin, job.id, tasks)).json()
    assert (report["matched"], report["annotations"], report["predictions"]) == (2, 4, 2)

    r = await admin.post(
        f"/api/v1/jobs/{job.id}/exports", json={"format": "label_studio", "labels": "raw"}
    )
    assert r.status_code == 202, r.text
    await run_jobs(app)
    export = (await admin.get(f"/api/v1/exports/{r.json()['id']}")).json()
    assert export["status"] == "done", export
    link = await admin.get(f"/api/v1/exports/{export['id']}/download")
    body = (await admin.get(link.headers["location"])).content

    def answers(parsed: Any) -> dict[str, list[Any]]:
        return {
            "annotations": sorted(orjson.dumps(a.answer) for a in parsed.annotations),
            "predictions": sorted(orjson.dumps(a.answer) for a in parsed.predictions),
        }

    before = [
        answers(t)
        for t in read_tasks(io.BytesIO(orjson.dumps(tasks)), kind="image_boxes",
                            labels=["car", "person"])
    ]  # fmt: skip
    after = list(read_tasks(io.BytesIO(body), kind="image_boxes", labels=["car", "person"]))
    assert len(after) == 2
    for task in after:
        assert isinstance(task, ImportedTask)
        kept = answers(task)
        assert kept["annotations"] == before[0]["annotations"]
        # Brigade's consensus rides along as one more prediction (docs/exports.md).
        consensus = orjson.dumps(task.predictions[-1].answer)
        assert sorted([*before[0]["predictions"], consensus]) == kept["predictions"]
        assert task.predictions[-1].author == "brigade-consensus"
        authors = {a.author for a in task.annotations}
        assert {"3", "4"} <= {str(x) for x in authors}
    await admin.aclose()
