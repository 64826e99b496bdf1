"""brigade_task_k() finds its task by primary key.

Same answer as in 0013 (a task whose items are all excluded, gold or prelabeled needs no
slots; otherwise the job's overlap plus the task's extra slots, at most 63). The 0013 body
looked the task up inside ``EXISTS (…)``; planned generically, PostgreSQL chose a sequential
scan of ``tasks`` that stops at the first match (cheap for the first tasks of a table, a scan
of every earlier task for later ones). It is called for every slot returned, every lease that
runs out and every item quality control judges, so its cost grew with the park's task count.
Now the task row is read by its key and only the item check is inside ``EXISTS``.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 00:45:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TASK_K = """
CREATE OR REPLACE FUNCTION brigade_task_k(p_task bigint) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT coalesce((
    SELECT CASE WHEN EXISTS (
        SELECT 1 FROM items i
        WHERE i.dataset_id = t.dataset_id AND i.id BETWEEN t.first_item_id AND t.last_item_id
          AND NOT i.excluded AND NOT i.is_gold AND NOT i.prelabeled)
    THEN least(63, greatest(0, j.overlap + t.extra_slots)) ELSE 0 END
    FROM tasks t JOIN labeling_jobs j ON j.id = t.job_id
    WHERE t.id = p_task), 0) $$
"""

# 0013's body, restored on downgrade.
OLD_TASK_K = """
CREATE OR REPLACE FUNCTION brigade_task_k(p_task bigint) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT CASE WHEN EXISTS (
    SELECT 1 FROM tasks t JOIN items i ON i.dataset_id = t.dataset_id
     AND i.id BETWEEN t.first_item_id AND t.last_item_id
    WHERE t.id = p_task AND NOT i.excluded AND NOT i.is_gold AND NOT i.prelabeled)
THEN (SELECT least(63, greatest(0, j.overlap + t.extra_slots))
      FROM tasks t JOIN labeling_jobs j ON j.id = t.job_id WHERE t.id = p_task)
ELSE 0 END $$
"""


def upgrade() -> None:
    op.execute(TASK_K)


def downgrade() -> None:
    op.execute(OLD_TASK_K)
