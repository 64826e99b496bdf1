"""Ingest: datasets, items (unique content per job), gold answers, rejections, tasks.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 14:59:09.689206+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "image",
                "text",
                name="dataset_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("options", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("is_gold", sa.Boolean(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("raw_key", sa.String(length=512), nullable=True),
        sa.Column("raw_size", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "processing",
                "ready",
                "failed",
                name="dataset_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("near_duplicates", sa.Integer(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("checkpoint", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "received >= 0 AND accepted >= 0 AND rejected >= 0", name=op.f("ck_datasets_counts")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["enterprises.id"],
            name=op.f("fk_datasets_client_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_datasets_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["labeling_jobs.id"],
            name=op.f("fk_datasets_job_id_labeling_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
        sa.UniqueConstraint(
            "client_id", "idempotency_key", name=op.f("uq_datasets_client_id_idempotency_key")
        ),
        sa.UniqueConstraint("id", "job_id", name=op.f("uq_datasets_id_job_id")),
    )
    op.create_index("ix_datasets_job", "datasets", ["job_id"], unique=False)
    op.create_table(
        "ingest_rejections",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dataset_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=512), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("duplicate_of", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_ingest_rejections_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_rejections")),
        sa.UniqueConstraint("dataset_id", "seq", name=op.f("uq_ingest_rejections_dataset_id_seq")),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, increment=1024), nullable=False),
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("dataset_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "image",
                "text",
                name="item_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=512), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("object_key", sa.String(length=512), nullable=True),
        sa.Column("thumb_key", sa.String(length=512), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("phash", sa.BigInteger(), nullable=True),
        sa.Column(
            "meta",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "cleaning",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("is_gold", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("near_dup_of", sa.BigInteger(), nullable=True),
        sa.Column("excluded", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'text' AND text IS NOT NULL) OR (kind = 'image' AND object_key IS NOT NULL)",
            name=op.f("ck_items_payload_matches_kind"),
        ),
        sa.CheckConstraint("char_length(content_sha256) = 64", name=op.f("ck_items_sha256_hex")),
        sa.ForeignKeyConstraint(
            ["dataset_id", "job_id"],
            ["datasets.id", "datasets.job_id"],
            name=op.f("fk_items_dataset_id_job_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("dataset_id", "seq", name=op.f("uq_items_dataset_id_seq")),
        sa.UniqueConstraint(
            "job_id", "content_sha256", name=op.f("uq_items_job_id_content_sha256")
        ),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False, increment=1024), nullable=False),
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("dataset_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("first_item_id", sa.BigInteger(), nullable=False),
        sa.Column("last_item_id", sa.BigInteger(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("manifest_shard", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "first_item_id <= last_item_id AND item_count > 0", name=op.f("ck_tasks_range")
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id", "job_id"],
            ["datasets.id", "datasets.job_id"],
            name=op.f("fk_tasks_dataset_id_job_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("dataset_id", "seq", name=op.f("uq_tasks_dataset_id_seq")),
    )
    op.create_index("ix_tasks_job", "tasks", ["job_id", "id"], unique=False)
    op.create_table(
        "gold_answers",
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("answer", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_gold_answers_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_gold_answers")),
    )
    # Existing jobs get one item per task.
    op.add_column(
        "labeling_jobs",
        sa.Column("task_size", sa.Integer(), server_default="1", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_labeling_jobs_task_size_range"), "labeling_jobs", "task_size BETWEEN 1 AND 500"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_labeling_jobs_task_size_range"), "labeling_jobs", type_="check")
    op.drop_column("labeling_jobs", "task_size")
    op.drop_table("gold_answers")
    op.drop_index("ix_tasks_job", table_name="tasks")
    op.drop_table("tasks")
    op.drop_table("items")
    op.drop_table("ingest_rejections")
    op.drop_index("ix_datasets_job", table_name="datasets")
    op.drop_table("datasets")
