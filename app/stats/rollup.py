"""Deltas to ``work_daily``, collected while labels are judged and written in the same
transaction (the labels' own flags and amounts are the truth; these rows follow them)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import DriverSQL, fetch, json_rows
from app.stats.periods import park_day_sql

COUNTS = ("labels", "gold_labels", "accepted", "rejected", "active_ms", "lease_ms", "skips")
Key = tuple[uuid.UUID, date, uuid.UUID]  # annotator, park day, vendor


class DailyDeltas:
    def __init__(self) -> None:
        self._rows: dict[Key, dict[str, Any]] = defaultdict(
            lambda: {**dict.fromkeys(COUNTS, 0), "earned": Decimal(0)}
        )

    def add(self, key: Key, **deltas: Any) -> None:
        row = self._rows[key]
        for name, value in deltas.items():
            row[name] += value

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"annotator_id": a, "day": d, "vendor_id": v, **counts}
            for (a, d, v), counts in sorted(self._rows.items())
            if any(counts[c] for c in COUNTS) or counts["earned"]
        ]


# Rows first (the CHECK is tested on the row an INSERT proposes, before ON CONFLICT turns it
# into an update, so negative deltas cannot ride on the insert), then the deltas.
_ENSURE = DriverSQL("""
INSERT INTO work_daily (job_id, annotator_id, day, vendor_id, labels, gold_labels, accepted,
                        rejected, active_ms, lease_ms, skips, earned)
SELECT :job, r.annotator_id, r.day, r.vendor_id, 0, 0, 0, 0, 0, 0, 0, 0
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(annotator_id uuid, day date, vendor_id uuid)
ORDER BY r.annotator_id, r.day
ON CONFLICT (job_id, annotator_id, day) DO NOTHING
""")
_ADD = DriverSQL(f"""
UPDATE work_daily w SET
    {", ".join(f"{c} = w.{c} + r.{c}" for c in COUNTS)}, earned = w.earned + r.earned
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
    annotator_id uuid, day date, {", ".join(f"{c} bigint" for c in COUNTS)}, earned numeric)
WHERE w.job_id = :job AND w.annotator_id = r.annotator_id AND w.day = r.day
""")


async def save_daily(
    session: AsyncSession, job_id: uuid.UUID, rows: Sequence[dict[str, Any]]
) -> None:
    if not rows:
        return
    params = {"job": job_id, "rows": json_rows(rows)}
    await fetch(session, _ENSURE, params)
    await fetch(session, _ADD, params)


_SKIP = text(f"""
INSERT INTO work_daily (job_id, annotator_id, day, vendor_id, labels, gold_labels, accepted,
                        rejected, active_ms, skips, earned)
VALUES (:job, :who, {park_day_sql("CAST(:at AS timestamptz)")}, :vendor, 0, 0, 0, 0, 0, 1, 0)
ON CONFLICT (job_id, annotator_id, day) DO UPDATE SET skips = work_daily.skips + 1
""")


async def count_skip(
    session: AsyncSession,
    job_id: uuid.UUID,
    who: uuid.UUID,
    vendor_id: uuid.UUID,
    at: datetime | None,
) -> None:
    """One skip, on the park day the assignment ended (in the skip's own transaction)."""
    await session.execute(
        _SKIP, {"job": job_id, "who": who, "vendor": vendor_id, "at": at or datetime.now(UTC)}
    )
