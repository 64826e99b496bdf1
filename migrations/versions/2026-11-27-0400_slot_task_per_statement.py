"""A slot belongs to its task (and the task's job) by a per-statement check, not a per-row key.

A big dataset's queue is opened after its ready mark, k slot rows per task, 60,000 rows per
statement; the foreign key to ``tasks`` looked each one up on its own, about 40% of that work
(100,000 tasks x 3: 2.3 s with it, 1.5 s without). As for items and tasks in migration 0019,
triggers keep the rule for a whole statement at once, and now also the copied ``job_id``
(before, only the invariant checker compared it with the task's):

* after an INSERT into ``task_slots``: every distinct (task_id, job_id) of the new rows is a
  task of that job; those tasks are locked FOR KEY SHARE, as the key did;
* a slot never changes task or job;
* deleting tasks deletes their slots (the key's ON DELETE CASCADE), and a task's id never
  changes while it has slots.

Errors keep the foreign key's SQLSTATE (23503).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 04:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE task_slots DROP CONSTRAINT fk_task_slots_task_id_tasks")
    op.execute(
        """
        CREATE FUNCTION brigade_slots_of_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            bad record;
        BEGIN
            PERFORM 1 FROM tasks t
             WHERE t.id IN (SELECT DISTINCT task_id FROM new_rows)
               FOR KEY SHARE OF t;
            SELECT n.task_id, n.job_id INTO bad
              FROM (SELECT DISTINCT task_id, job_id FROM new_rows) n
             WHERE NOT EXISTS (
                   SELECT 1 FROM tasks t WHERE t.id = n.task_id AND t.job_id = n.job_id)
             LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'insert into "task_slots" refers to no task % of job %',
                    bad.task_id, bad.job_id
                    USING ERRCODE = 'foreign_key_violation';
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER task_slots_of_tasks AFTER INSERT ON task_slots"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION brigade_slots_of_tasks()"
    )
    op.execute(
        """
        CREATE FUNCTION brigade_slots_stay() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'slot % cannot move to another task or job', OLD.id
                USING ERRCODE = 'foreign_key_violation';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER task_slots_stay BEFORE UPDATE OF task_id, job_id ON task_slots"
        " FOR EACH ROW WHEN (OLD.task_id IS DISTINCT FROM NEW.task_id"
        " OR OLD.job_id IS DISTINCT FROM NEW.job_id) EXECUTE FUNCTION brigade_slots_stay()"
    )
    op.execute(
        """
        CREATE FUNCTION brigade_tasks_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM task_slots WHERE task_id IN (SELECT id FROM old_rows);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER tasks_cascade_slots AFTER DELETE ON tasks"
        " REFERENCING OLD TABLE AS old_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION brigade_tasks_deleted()"
    )
    op.execute(
        """
        CREATE FUNCTION brigade_task_id_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM task_slots WHERE task_id = OLD.id) THEN
                RAISE EXCEPTION 'task % has slots: its id cannot change', OLD.id
                    USING ERRCODE = 'foreign_key_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER tasks_id_fixed BEFORE UPDATE OF id ON tasks"
        " FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)"
        " EXECUTE FUNCTION brigade_task_id_fixed()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER tasks_id_fixed ON tasks")
    op.execute("DROP FUNCTION brigade_task_id_fixed()")
    op.execute("DROP TRIGGER tasks_cascade_slots ON tasks")
    op.execute("DROP FUNCTION brigade_tasks_deleted()")
    op.execute("DROP TRIGGER task_slots_stay ON task_slots")
    op.execute("DROP FUNCTION brigade_slots_stay()")
    op.execute("DROP TRIGGER task_slots_of_tasks ON task_slots")
    op.execute("DROP FUNCTION brigade_slots_of_tasks()")
    op.execute(
        "ALTER TABLE task_slots ADD CONSTRAINT fk_task_slots_task_id_tasks"
        " FOREIGN KEY (task_id) REFERENCES tasks (id) ON DELETE CASCADE"
    )
