"""Items and tasks stay in their dataset and its job, slots in their task and its job
(migrations 0019 and 0020: per-statement checks): the rules a foreign key kept, checked on
the database itself."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import EnterpriseKind, Item, Task, TaskSlot
from tests.factories import make_dataset, make_enterprise, make_job


async def _two_jobs(db: AsyncSession) -> tuple[uuid.UUID, uuid.UUID, int]:
    """A dataset with items and tasks, another job, and one of the items (plain ids: rollbacks
    expire ORM objects)."""
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    job, other = await make_job(db, client), await make_job(db, client)
    ds, items = await make_dataset(db, job, ["甲", "乙", "丙"])
    ids = ds.id, other.id, items[0].id
    await db.commit()
    return ids


async def _refused(db: AsyncSession, sql: str, params: dict[str, object], said: str) -> None:
    """The statement fails with a foreign-key error saying ``said``; the session rolls back."""
    with pytest.raises(IntegrityError, match=said):
        await db.execute(text(sql), params)
    await db.rollback()


async def test_an_item_of_another_jobs_dataset_is_refused(db: AsyncSession) -> None:
    ds, other, _ = await _two_jobs(db)
    await _refused(
        db,
        "INSERT INTO items (job_id, dataset_id, seq, kind, content_sha256, text)"
        " VALUES (:job, :ds, 99, 'text', repeat('a', 64), 'x')",
        {"job": other, "ds": ds},
        "refers to no dataset",
    )


async def test_a_bulk_insert_with_one_stray_row_is_refused_whole(db: AsyncSession) -> None:
    ds, other, _ = await _two_jobs(db)
    await _refused(
        db,
        "INSERT INTO items (job_id, dataset_id, seq, kind, content_sha256, text)"
        " SELECT CASE WHEN g = 50 THEN :other ELSE d.job_id END, d.id, 100 + g, 'text',"
        " lpad(g::text, 64, 'b'), 'x' FROM datasets d, generate_series(1, 100) g"
        " WHERE d.id = :ds",
        {"other": other, "ds": ds},
        "refers to no dataset",
    )
    count = await db.scalar(select(func.count()).select_from(Item).where(Item.seq >= 100))
    assert count == 0


async def test_items_and_tasks_never_move_to_another_dataset(db: AsyncSession) -> None:
    ds, other, item = await _two_jobs(db)
    params = {"job": other, "id": item, "ds": ds}
    await _refused(db, "UPDATE items SET job_id = :job WHERE id = :id", params, "cannot move")
    await _refused(
        db, "UPDATE tasks SET job_id = :job WHERE dataset_id = :ds", params, "cannot move"
    )
    await _refused(db, "UPDATE datasets SET job_id = :job WHERE id = :ds", params, "has items")


async def test_deleting_a_dataset_deletes_its_items_and_tasks(db: AsyncSession) -> None:
    ds, _, _ = await _two_jobs(db)
    await db.execute(text("DELETE FROM datasets WHERE id = :ds"), {"ds": ds})
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(Item)) == 0
    assert await db.scalar(select(func.count()).select_from(Task)) == 0


async def test_slots_belong_to_a_task_of_their_job_and_go_with_it(db: AsyncSession) -> None:
    """Migration 0020: the same rules for task_slots and tasks."""
    ds, other, _ = await _two_jobs(db)
    task = await db.scalar(select(Task.id).where(Task.dataset_id == ds).limit(1))
    slots = select(func.count()).select_from(TaskSlot).where(TaskSlot.task_id == task)
    assert await db.scalar(slots) == 3  # the factory opened k slots
    for sql, said in [
        (
            "INSERT INTO task_slots (task_id, job_id, slot_no, lane, state)"
            " VALUES (:task, :job, 9, 0, 'open')",
            "refers to no task",
        ),
        (
            "INSERT INTO task_slots (task_id, job_id, slot_no, lane, state)"
            " VALUES (-1, :job, 9, 0, 'open')",
            "refers to no task",
        ),
        ("UPDATE task_slots SET job_id = :job WHERE task_id = :task", "cannot move"),
        ("UPDATE tasks SET id = -id WHERE id = :task", "has slots"),
    ]:
        await _refused(db, sql, {"task": task, "job": other}, said)
    await db.execute(text("DELETE FROM tasks WHERE id = :task"), {"task": task})
    await db.commit()
    assert await db.scalar(slots) == 0
