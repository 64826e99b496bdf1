"""Distribution: task slots, assignments (leases), labels, per-annotator job standing.

Also the job's distribution settings, vendor shares, annotator skills, the lane function that
spreads slots over vendors, and slots for the tasks of datasets that were ready before this.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 15:59:27.276223+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_annotators",
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("annotator_id", sa.UUID(), nullable=False),
        sa.Column("skip_streak", sa.Integer(), nullable=False),
        sa.Column("skips", sa.Integer(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flag_reason", sa.Text(), nullable=True),
        sa.Column("paused", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("pause_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "skip_streak >= 0 AND skips >= 0", name=op.f("ck_job_annotators_counts")
        ),
        sa.ForeignKeyConstraint(
            ["annotator_id"],
            ["users.id"],
            name=op.f("fk_job_annotators_annotator_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["labeling_jobs.id"],
            name=op.f("fk_job_annotators_job_id_labeling_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "annotator_id", name=op.f("pk_job_annotators")),
    )
    op.create_table(
        "task_slots",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("task_id", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("slot_no", sa.SmallInteger(), nullable=False),
        sa.Column("lane", sa.SmallInteger(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "leased",
                "done",
                "retired",
                name="slot_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("assignment_id", sa.BigInteger(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(state IN ('open', 'retired')) = (assignment_id IS NULL)",
            name=op.f("ck_task_slots_holder_iff_taken"),
        ),
        sa.CheckConstraint(
            "state <> 'leased' OR lease_until IS NOT NULL", name=op.f("ck_task_slots_lease_has_end")
        ),
        sa.CheckConstraint("lane >= 0 AND lane < 1000", name=op.f("ck_task_slots_lane_range")),
        sa.CheckConstraint("slot_no BETWEEN 1 AND 63", name=op.f("ck_task_slots_slot_no_range")),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_slots_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_slots")),
        sa.UniqueConstraint("task_id", "slot_no", name=op.f("uq_task_slots_task_id_slot_no")),
    )
    op.create_index(
        "ix_task_slots_leased",
        "task_slots",
        ["lease_until"],
        unique=False,
        postgresql_where=sa.text("state = 'leased'"),
    )
    op.create_index(
        "ix_task_slots_open",
        "task_slots",
        ["job_id", sa.text("(task_id * 64 + slot_no)")],
        unique=False,
        postgresql_where=sa.text("state = 'open'"),
        postgresql_include=["lane"],
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("annotator_id", sa.UUID(), nullable=False),
        sa.Column("vendor_id", sa.UUID(), nullable=False),
        sa.Column("task_id", sa.BigInteger(), nullable=True),
        sa.Column("slot_id", sa.BigInteger(), nullable=True),
        sa.Column("item_id", sa.BigInteger(), nullable=True),
        sa.Column("is_gold", sa.Boolean(), nullable=False),
        sa.Column("item_ids", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "leased",
                "submitted",
                "skipped",
                "expired",
                "released",
                name="assignment_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "leased_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submission_id", sa.UUID(), nullable=True),
        sa.Column("draft", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("draft_saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("skip_reason", sa.String(length=32), nullable=True),
        sa.Column("skip_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(state = 'submitted') = (submission_id IS NOT NULL)",
            name=op.f("ck_assignments_submitted_has_id"),
        ),
        sa.CheckConstraint(
            "state = 'leased' OR finished_at IS NOT NULL",
            name=op.f("ck_assignments_finished_has_time"),
        ),
        sa.CheckConstraint(
            "(task_id IS NULL) <> (item_id IS NULL)", name=op.f("ck_assignments_task_xor_gold_item")
        ),
        sa.CheckConstraint(
            "(task_id IS NULL) = (slot_id IS NULL)", name=op.f("ck_assignments_task_has_slot")
        ),
        sa.CheckConstraint(
            "is_gold = (item_id IS NOT NULL)", name=op.f("ck_assignments_gold_is_item")
        ),
        sa.ForeignKeyConstraint(
            ["annotator_id"],
            ["users.id"],
            name=op.f("fk_assignments_annotator_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_assignments_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["labeling_jobs.id"],
            name=op.f("fk_assignments_job_id_labeling_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["task_slots.id"],
            name=op.f("fk_assignments_slot_id_task_slots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_assignments_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["enterprises.id"],
            name=op.f("fk_assignments_vendor_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint("id", "annotator_id", name=op.f("uq_assignments_id_annotator_id")),
        sa.UniqueConstraint(
            "item_id", "annotator_id", name=op.f("uq_assignments_item_id_annotator_id")
        ),
        sa.UniqueConstraint("submission_id", name=op.f("uq_assignments_submission_id")),
        sa.UniqueConstraint(
            "task_id", "annotator_id", name=op.f("uq_assignments_task_id_annotator_id")
        ),
    )
    op.create_index(
        "ix_assignments_held",
        "assignments",
        ["annotator_id"],
        unique=False,
        postgresql_where=sa.text("state = 'leased'"),
    )
    op.create_index(
        "ix_assignments_job_annotator", "assignments", ["job_id", "annotator_id"], unique=False
    )
    op.create_index("ix_assignments_slot", "assignments", ["slot_id", "leased_at"], unique=False)
    op.create_table(
        "labels",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("assignment_id", sa.BigInteger(), nullable=False),
        sa.Column("slot_id", sa.BigInteger(), nullable=True),
        sa.Column("annotator_id", sa.UUID(), nullable=False),
        sa.Column("vendor_id", sa.UUID(), nullable=False),
        sa.Column("is_gold", sa.Boolean(), nullable=False),
        sa.Column("answer", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "accepted",
                "rejected",
                name="label_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("active_ms", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("active_ms >= 0", name=op.f("ck_labels_active_ms_not_negative")),
        sa.CheckConstraint("is_gold = (slot_id IS NULL)", name=op.f("ck_labels_gold_has_no_slot")),
        sa.ForeignKeyConstraint(
            ["assignment_id", "annotator_id"],
            ["assignments.id", "assignments.annotator_id"],
            name=op.f("fk_labels_assignment_id_annotator_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_labels_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["labeling_jobs.id"],
            name=op.f("fk_labels_job_id_labeling_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
        sa.UniqueConstraint("item_id", "annotator_id", name=op.f("uq_labels_item_id_annotator_id")),
        sa.UniqueConstraint("slot_id", "item_id", name=op.f("uq_labels_slot_id_item_id")),
    )
    op.create_index(
        "ix_labels_annotator_submitted", "labels", ["annotator_id", "submitted_at"], unique=False
    )
    op.create_index("ix_labels_assignment", "labels", ["assignment_id"], unique=False)
    op.create_index("ix_labels_job_submitted", "labels", ["job_id", "submitted_at"], unique=False)
    op.add_column(
        "job_vendors", sa.Column("share", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column(
        "labeling_jobs",
        sa.Column("lease_seconds", sa.Integer(), server_default="300", nullable=False),
    )
    op.add_column(
        "labeling_jobs",
        sa.Column(
            "gold_rate", sa.Numeric(precision=4, scale=3), server_default="0.05", nullable=False
        ),
    )
    op.add_column("labeling_jobs", sa.Column("required_skill", sa.String(length=64), nullable=True))
    op.add_column(
        "labeling_jobs",
        sa.Column("max_skip_streak", sa.Integer(), server_default="10", nullable=False),
    )
    op.add_column(
        "labeling_jobs",
        sa.Column("blind", sa.Boolean(), server_default=sa.text("true"), nullable=False),
    )
    op.add_column(
        "users",
        sa.Column(
            "skills", postgresql.ARRAY(sa.String(length=64)), server_default="{}", nullable=False
        ),
    )
    op.create_check_constraint("lease_range", "labeling_jobs", "lease_seconds BETWEEN 30 AND 14400")
    op.create_check_constraint(
        "gold_rate_range", "labeling_jobs", "gold_rate >= 0 AND gold_rate <= 0.5"
    )
    op.create_check_constraint("skip_streak_positive", "labeling_jobs", "max_skip_streak >= 1")
    op.create_check_constraint("share_range", "job_vendors", "share BETWEEN 1 AND 100")
    # A slot's lane: a fixed hash of (task, slot number) in [0, 1000), so the k slots of one task
    # fall into different vendors' lane ranges and one item is labeled across vendors.
    op.execute(
        "CREATE FUNCTION brigade_slot_lane(task_id bigint, slot_no integer) RETURNS smallint"
        " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS"
        " $$ SELECT ((hashint8(task_id * 64 + slot_no)::bigint % 1000 + 1000) % 1000)::smallint $$"
    )
    op.create_index(
        "ix_items_gold", "items", ["job_id"], unique=False, postgresql_where=sa.text("is_gold")
    )
    # How many slots a task should have now: the job's overlap, or none when every item of the
    # task is excluded. Decides whether a slot handed back goes to the pool or retires.
    op.execute(
        "CREATE FUNCTION brigade_task_k(p_task bigint) RETURNS integer"
        " LANGUAGE sql STABLE PARALLEL SAFE AS $$"
        " SELECT CASE WHEN EXISTS ("
        "   SELECT 1 FROM tasks t JOIN items i ON i.dataset_id = t.dataset_id"
        "    AND i.id BETWEEN t.first_item_id AND t.last_item_id"
        "   WHERE t.id = p_task AND NOT i.excluded AND NOT i.is_gold)"
        " THEN (SELECT j.overlap FROM tasks t JOIN labeling_jobs j ON j.id = t.job_id"
        "       WHERE t.id = p_task) ELSE 0 END $$"
    )
    op.execute(
        "INSERT INTO task_slots (task_id, job_id, slot_no, lane, state)"
        " SELECT t.id, t.job_id, n, brigade_slot_lane(t.id, n), 'open'"
        " FROM tasks t JOIN datasets d ON d.id = t.dataset_id AND d.status = 'ready'"
        " JOIN labeling_jobs j ON j.id = t.job_id, generate_series(1, j.overlap) AS n"
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION brigade_slot_lane(bigint, integer)")
    op.execute("DROP FUNCTION brigade_task_k(bigint)")
    op.drop_index("ix_items_gold", table_name="items", postgresql_where=sa.text("is_gold"))
    op.drop_constraint(op.f("ck_job_vendors_share_range"), "job_vendors")
    op.drop_constraint(op.f("ck_labeling_jobs_skip_streak_positive"), "labeling_jobs")
    op.drop_constraint(op.f("ck_labeling_jobs_gold_rate_range"), "labeling_jobs")
    op.drop_constraint(op.f("ck_labeling_jobs_lease_range"), "labeling_jobs")
    op.drop_column("users", "skills")
    op.drop_column("labeling_jobs", "blind")
    op.drop_column("labeling_jobs", "max_skip_streak")
    op.drop_column("labeling_jobs", "required_skill")
    op.drop_column("labeling_jobs", "gold_rate")
    op.drop_column("labeling_jobs", "lease_seconds")
    op.drop_column("job_vendors", "share")
    op.drop_index("ix_labels_job_submitted", table_name="labels")
    op.drop_index("ix_labels_assignment", table_name="labels")
    op.drop_index("ix_labels_annotator_submitted", table_name="labels")
    op.drop_table("labels")
    op.drop_index("ix_assignments_slot", table_name="assignments")
    op.drop_index("ix_assignments_job_annotator", table_name="assignments")
    op.drop_index(
        "ix_assignments_held",
        table_name="assignments",
        postgresql_where=sa.text("state = 'leased'"),
    )
    op.drop_table("assignments")
    op.drop_index(
        "ix_task_slots_open",
        table_name="task_slots",
        postgresql_where=sa.text("state = 'open'"),
        postgresql_include=["lane"],
    )
    op.drop_index(
        "ix_task_slots_leased",
        table_name="task_slots",
        postgresql_where=sa.text("state = 'leased'"),
    )
    op.drop_table("task_slots")
    op.drop_table("job_annotators")
