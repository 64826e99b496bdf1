"""Vacuum never truncates the quality-control inbox.

``qc_dirty`` is a queue: every label inserts a row and the sweep deletes it seconds later, so
its last pages are empty whenever vacuum comes by. Vacuum then truncates them, which takes an
ACCESS EXCLUSIVE lock on the table: every submit (whose trigger inserts into the inbox) waits
for it. The pages are reused within seconds anyway.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 02:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE qc_dirty SET (vacuum_truncate = false)")


def downgrade() -> None:
    op.execute("ALTER TABLE qc_dirty RESET (vacuum_truncate)")
