"""Autovacuum keeps up with the distribution queue and the quality tables.

The defaults (vacuum after 20% of a table changed, analyze after 10%) suit tables that grow
slowly. These change hundreds of rows a second while a job runs, and start empty: with the
defaults a job could run for minutes on plans made for empty tables (sequential scans of tables
that meanwhile grew), and dead queue entries pile up at the front of the pull queue, where every
``next`` walks them. Here analyze comes after 2% of a table changed and vacuum after 5% (and
after 50 rows, as before, for small ones).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 00:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOT_TABLES = (
    "task_slots",
    "assignments",
    "labels",
    "job_annotators",
    "qc_dirty",
    "item_consensus",
    "work_daily",
    "team_daily",
    "team_hourly",
    "annotator_months",
)
# Statistics are cheap to refresh (a sample), so after 2%. Vacuum walks every index of the
# table, so after 5%: at 2% the benchmark's 90,000-slot queue was vacuumed every few seconds,
# and each pass stalled the labeling loop for a moment (p50 100 ms for a second, every 10 s).
SETTINGS = {
    "autovacuum_vacuum_scale_factor": 0.05,
    "autovacuum_vacuum_insert_scale_factor": 0.05,
    "autovacuum_analyze_scale_factor": 0.02,
}


def upgrade() -> None:
    values = ", ".join(f"{name} = {value}" for name, value in SETTINGS.items())
    for table in HOT_TABLES:
        op.execute(f"ALTER TABLE {table} SET ({values})")


def downgrade() -> None:
    names = ", ".join(SETTINGS)
    for table in HOT_TABLES:
        op.execute(f"ALTER TABLE {table} RESET ({names})")
