"""Hourly work per annotator (``work_hourly``): the roll-up behind an annotator's own hours and
a team lead's view of a shift, kept by the same deltas as the other roll-ups.

Existing work is counted from the labels and skips, as migration 0010 did for the others
(labels still in the quality inbox are counted by the sweep when it takes them).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27 05:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = (
    "labels",
    "gold_labels",
    "gold_judged",
    "gold_correct",
    "judged",
    "agreed",
    "accepted",
    "rejected",
    "active_ms",
    "lease_ms",
    "skips",
)
BIG = ("active_ms", "lease_ms")
SUMS = ", ".join(f"sum({c}) AS {c}" for c in (*COUNTS, "earned"))
COLUMNS = ", ".join((*COUNTS, "earned"))

BACKFILL = f"""
INSERT INTO work_hourly (job_id, annotator_id, hour, vendor_id, {COLUMNS})
SELECT job_id, annotator_id, hour, min(vendor_id::text)::uuid, {SUMS}
FROM (
    SELECT l.job_id, l.annotator_id, l.vendor_id, date_trunc('hour', l.submitted_at) AS hour,
           1 AS labels, l.is_gold::int AS gold_labels,
           (l.is_gold AND l.counted AND l.agrees IS NOT NULL)::int AS gold_judged,
           (l.is_gold AND l.counted AND coalesce(l.agrees, false))::int AS gold_correct,
           (NOT l.is_gold AND l.counted AND l.agrees IS NOT NULL)::int AS judged,
           (NOT l.is_gold AND l.counted AND coalesce(l.agrees, false))::int AS agreed,
           (l.status = 'accepted')::int AS accepted, (l.status = 'rejected')::int AS rejected,
           l.active_ms::bigint AS active_ms, l.lease_ms::bigint AS lease_ms, 0 AS skips,
           l.amount AS earned
    FROM labels l
    WHERE NOT EXISTS (SELECT 1 FROM qc_dirty d WHERE d.label_id = l.id)
    UNION ALL
    SELECT a.job_id, a.annotator_id, a.vendor_id, date_trunc('hour', a.finished_at),
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    FROM assignments a WHERE a.state = 'skipped'
) x GROUP BY job_id, annotator_id, hour
"""


def _count(name: str) -> sa.Column[int]:
    kind = sa.BigInteger() if name in BIG else sa.Integer()
    return sa.Column(name, kind, server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "work_hourly",
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("annotator_id", sa.UUID(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vendor_id", sa.UUID(), nullable=False),
        *(_count(c) for c in COUNTS),
        sa.Column("earned", sa.Numeric(precision=16, scale=4), server_default="0", nullable=False),
        sa.CheckConstraint(
            " AND ".join(f"{c} >= 0" for c in (*COUNTS, "earned")),
            name=op.f("ck_work_hourly_counts"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["labeling_jobs.id"],
            name=op.f("fk_work_hourly_job_id_labeling_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["annotator_id"],
            ["users.id"],
            name=op.f("fk_work_hourly_annotator_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "annotator_id", "hour", name=op.f("pk_work_hourly")),
    )
    op.create_index("ix_work_hourly_annotator_hour", "work_hourly", ["annotator_id", "hour"])
    op.create_index("ix_work_hourly_vendor_hour", "work_hourly", ["vendor_id", "hour"])
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("work_hourly")
