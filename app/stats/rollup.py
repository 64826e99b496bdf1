"""Deltas to the roll-up tables, collected while labels are judged and written in the same
transaction (the labels' own flags and amounts are the truth; these rows follow them).

Deltas are collected per annotator, vendor and hour; one call to ``save_rollups`` moves
``work_daily`` (per annotator and day), ``work_hourly`` (per annotator and hour),
``team_daily`` (per vendor and day), ``team_hourly`` (per vendor and hour) and
``annotator_months`` (active days) by the same amounts, so the levels cannot disagree with each
other.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import DriverSQL, fetch, json_rows
from app.models.stats import COUNTS
from app.stats.periods import park_day_sql

Key = tuple[uuid.UUID, datetime, uuid.UUID]  # annotator, hour (its start), vendor


def hour_of(at: datetime) -> datetime:
    """The start of ``at``'s hour (the park's hours are whole UTC hours: UTC+8)."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


class WorkDeltas:
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
            {"annotator_id": a, "hour": h, "vendor_id": v, **counts}
            for (a, h, v), counts in sorted(self._rows.items())
            if any(counts[c] for c in COUNTS) or counts["earned"]
        ]


_RECORDS = f"""
WITH r AS (
    SELECT r.*, {park_day_sql("r.hour")} AS day
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
        annotator_id uuid, hour timestamptz, vendor_id uuid,
        {", ".join(f"{c} bigint" for c in COUNTS)}, earned numeric)
)"""

# Rows first (a CHECK is tested on the row an INSERT proposes, before ON CONFLICT turns it
# into an update, so negative deltas cannot ride on the insert), then the deltas. Rows are
# proposed in key order, so concurrent writers (a skip, a review, the sweep) lock them in the
# same order.
_ENSURE = DriverSQL(f"""{_RECORDS},
w AS (
    INSERT INTO work_daily (job_id, annotator_id, day, vendor_id)
    SELECT DISTINCT ON (annotator_id, day) :job, annotator_id, day, vendor_id FROM r
    ORDER BY annotator_id, day
    ON CONFLICT (job_id, annotator_id, day) DO NOTHING
), wh AS (
    INSERT INTO work_hourly (job_id, annotator_id, hour, vendor_id)
    SELECT DISTINCT ON (annotator_id, hour) :job, annotator_id, hour, vendor_id FROM r
    ORDER BY annotator_id, hour
    ON CONFLICT (job_id, annotator_id, hour) DO NOTHING
), t AS (
    INSERT INTO team_daily (job_id, vendor_id, day)
    SELECT DISTINCT :job, vendor_id, day FROM r ORDER BY 2, 3
    ON CONFLICT (job_id, vendor_id, day) DO NOTHING
), h AS (
    INSERT INTO team_hourly (job_id, vendor_id, hour)
    SELECT DISTINCT :job, vendor_id, hour FROM r ORDER BY 2, 3
    ON CONFLICT (job_id, vendor_id, hour) DO NOTHING
)
INSERT INTO annotator_months (month, vendor_id, annotator_id, days)
SELECT date_trunc('month', day)::date, vendor_id, annotator_id,
       bit_or(1 << (extract(day FROM day)::int - 1))
FROM r WHERE labels > 0 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
ON CONFLICT (month, vendor_id, annotator_id) DO UPDATE
SET days = annotator_months.days | excluded.days
WHERE annotator_months.days | excluded.days <> annotator_months.days
""")


def _update(table: str, keys: tuple[str, ...]) -> str:
    sums = ", ".join(f"sum({c}) AS {c}" for c in (*COUNTS, "earned"))
    sets = ", ".join(f"{c} = x.{c} + d.{c}" for c in (*COUNTS, "earned"))
    match = " AND ".join(f"x.{k} = d.{k}" for k in keys)
    return f"""UPDATE {table} x SET {sets}
    FROM (SELECT {", ".join(keys)}, {sums} FROM r GROUP BY {", ".join(keys)}) d
    WHERE x.job_id = :job AND {match}"""


_ADD = DriverSQL(f"""{_RECORDS},
w AS ({_update("work_daily", ("annotator_id", "day"))}),
wh AS ({_update("work_hourly", ("annotator_id", "hour"))}),
t AS ({_update("team_daily", ("vendor_id", "day"))})
{_update("team_hourly", ("vendor_id", "hour"))}
""")


async def save_rollups(
    session: AsyncSession, job_id: uuid.UUID, rows: Sequence[dict[str, Any]]
) -> None:
    """``rows``: ``WorkDeltas.rows()`` of one job."""
    if not rows:
        return
    params = {"job": job_id, "rows": json_rows(rows)}
    await fetch(session, _ENSURE, params)
    await fetch(session, _ADD, params)


async def count_skip(
    session: AsyncSession,
    job_id: uuid.UUID,
    who: uuid.UUID,
    vendor_id: uuid.UUID,
    at: datetime | None,
) -> None:
    """One skip, in the hour the assignment ended (in the skip's own transaction)."""
    deltas = WorkDeltas()
    deltas.add((who, hour_of(at or datetime.now(UTC)), vendor_id), skips=1)
    await save_rollups(session, job_id, deltas.rows())
