"""Items and tasks belong to their (dataset, job) by a per-statement check, not a per-row key.

A foreign key checks every inserted row on its own: on an ingest batch of 5,000 items and 5,000
tasks, all pointing at the same dataset, that was 40% of the time PostgreSQL spent on the batch
(0.42 s of 1.2 s per 100,000 items, 0.34 of 0.68 s per 100,000 tasks). The same rule is now
kept by triggers that see a whole statement's rows at once:

* after an INSERT into ``items`` or ``tasks``: every distinct (dataset_id, job_id) of the new
  rows must be a dataset of that job; those dataset rows are locked FOR KEY SHARE, as the
  foreign key did, so a concurrent delete of the dataset waits for this transaction;
* an item or task never changes dataset or job (no code does; the trigger refuses it);
* deleting a dataset deletes its tasks and items (the key's ON DELETE CASCADE), and a
  dataset's id and job never change while anything belongs to it.

Errors keep the foreign key's SQLSTATE (23503), so callers see the same class of error.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 03:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("items", "tasks")


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION brigade_rows_in_dataset() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            bad record;
        BEGIN
            PERFORM 1 FROM datasets d
             WHERE (d.id, d.job_id) IN (SELECT DISTINCT dataset_id, job_id FROM new_rows)
               FOR KEY SHARE OF d;
            SELECT n.dataset_id, n.job_id INTO bad
              FROM (SELECT DISTINCT dataset_id, job_id FROM new_rows) n
             WHERE NOT EXISTS (
                   SELECT 1 FROM datasets d WHERE d.id = n.dataset_id AND d.job_id = n.job_id)
             LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'insert into "%" refers to no dataset % of job %',
                    TG_TABLE_NAME, bad.dataset_id, bad.job_id
                    USING ERRCODE = 'foreign_key_violation';
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION brigade_rows_stay_in_dataset() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% % cannot move to another dataset or job', TG_TABLE_NAME, OLD.id
                USING ERRCODE = 'foreign_key_violation';
        END $$
        """
    )
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT fk_{table}_dataset_id_job_id_datasets")
        op.execute(
            f"CREATE TRIGGER {table}_in_dataset AFTER INSERT ON {table}"
            " REFERENCING NEW TABLE AS new_rows"
            " FOR EACH STATEMENT EXECUTE FUNCTION brigade_rows_in_dataset()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_stay_in_dataset BEFORE UPDATE OF dataset_id, job_id"
            f" ON {table} FOR EACH ROW WHEN (OLD.dataset_id IS DISTINCT FROM NEW.dataset_id"
            " OR OLD.job_id IS DISTINCT FROM NEW.job_id)"
            " EXECUTE FUNCTION brigade_rows_stay_in_dataset()"
        )
    op.execute(
        """
        CREATE FUNCTION brigade_dataset_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM tasks WHERE dataset_id IN (SELECT id FROM old_rows);
            DELETE FROM items WHERE dataset_id IN (SELECT id FROM old_rows);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER datasets_cascade AFTER DELETE ON datasets"
        " REFERENCING OLD TABLE AS old_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION brigade_dataset_deleted()"
    )
    op.execute(
        """
        CREATE FUNCTION brigade_dataset_key_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM items WHERE dataset_id = OLD.id)
               OR EXISTS (SELECT 1 FROM tasks WHERE dataset_id = OLD.id) THEN
                RAISE EXCEPTION 'dataset % has items: its id and job cannot change', OLD.id
                    USING ERRCODE = 'foreign_key_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER datasets_key_fixed BEFORE UPDATE OF id, job_id ON datasets"
        " FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.job_id IS DISTINCT FROM"
        " NEW.job_id) EXECUTE FUNCTION brigade_dataset_key_fixed()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER datasets_key_fixed ON datasets")
    op.execute("DROP FUNCTION brigade_dataset_key_fixed()")
    op.execute("DROP TRIGGER datasets_cascade ON datasets")
    op.execute("DROP FUNCTION brigade_dataset_deleted()")
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_stay_in_dataset ON {table}")
        op.execute(f"DROP TRIGGER {table}_in_dataset ON {table}")
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_dataset_id_job_id_datasets"
            " FOREIGN KEY (dataset_id, job_id) REFERENCES datasets (id, job_id)"
            " ON DELETE CASCADE"
        )
    op.execute("DROP FUNCTION brigade_rows_stay_in_dataset()")
    op.execute("DROP FUNCTION brigade_rows_in_dataset()")
