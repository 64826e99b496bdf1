"""The invariant checker: scan the database for anything distribution must never produce.

Used by ``brigade check``, the concurrency tests and the labeling benchmark. Each check is one
query returning offending rows; an empty report means the database is consistent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.stats.recount import all_drift_sql

_JOB = "(CAST(:job AS uuid) IS NULL OR {col} = CAST(:job AS uuid))"

CHECKS: dict[str, str] = {
    # More labels on an item than its task has slots (k).
    "item_over_overlap": f"""
        SELECT l.item_id, count(*) AS labels, max(k.n) AS slots
        FROM labels l
        JOIN (SELECT task_id, count(*) AS n FROM task_slots GROUP BY task_id) k
          ON k.task_id = (SELECT task_id FROM task_slots WHERE id = l.slot_id)
        WHERE NOT l.is_gold AND {_JOB.format(col="l.job_id")}
        GROUP BY l.item_id HAVING count(*) > max(k.n)""",
    # One annotator, two labels on one item.
    "annotator_twice_on_item": f"""
        SELECT item_id, annotator_id, count(*) FROM labels
        WHERE {_JOB.format(col="job_id")}
        GROUP BY item_id, annotator_id HAVING count(*) > 1""",
    # Two leases on the same slot whose holding times overlap.
    "overlapping_leases": f"""
        SELECT slot_id, prev_id, id FROM (
            SELECT slot_id, id, leased_at,
                   lag(id) OVER w AS prev_id,
                   lag(CASE WHEN state IN ('leased', 'expired') THEN lease_until
                            ELSE finished_at END) OVER w AS prev_end
            FROM assignments WHERE slot_id IS NOT NULL AND {_JOB.format(col="job_id")}
            WINDOW w AS (PARTITION BY slot_id ORDER BY leased_at, id)
        ) x WHERE prev_end > leased_at""",
    # Acknowledged submissions must have their labels, one per item of the task.
    "submission_without_labels": f"""
        SELECT a.id FROM assignments a
        WHERE a.state = 'submitted' AND {_JOB.format(col="a.job_id")}
          AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.assignment_id = a.id)""",
    "labels_without_submission": f"""
        SELECT l.id FROM labels l JOIN assignments a ON a.id = l.assignment_id
        WHERE a.state <> 'submitted' AND {_JOB.format(col="l.job_id")}""",
    "label_slot_mismatch": f"""
        SELECT l.id FROM labels l JOIN assignments a ON a.id = l.assignment_id
        WHERE l.slot_id IS DISTINCT FROM a.slot_id AND {_JOB.format(col="l.job_id")}""",
    # A done slot must have been done by a submitted assignment of that slot, and vice versa.
    "slot_state_mismatch": f"""
        SELECT s.id FROM task_slots s LEFT JOIN assignments a ON a.id = s.assignment_id
        WHERE {_JOB.format(col="s.job_id")} AND (
              (s.state = 'done' AND (a.state IS DISTINCT FROM 'submitted'
                                     OR a.slot_id IS DISTINCT FROM s.id))
           OR (s.state = 'leased' AND (a.state IS DISTINCT FROM 'leased'
                                       OR a.slot_id IS DISTINCT FROM s.id)))""",
    "submitted_slot_not_done": f"""
        SELECT a.id FROM assignments a JOIN task_slots s ON s.id = a.slot_id
        WHERE a.state = 'submitted' AND {_JOB.format(col="a.job_id")}
          AND (s.state <> 'done' OR s.assignment_id IS DISTINCT FROM a.id)""",
    # A slot of no task, or of another job than its task's (triggers refuse both: migration
    # 0020; checked here too, as the rest is).
    "slot_job_mismatch": f"""
        SELECT s.id FROM task_slots s LEFT JOIN tasks t ON t.id = s.task_id
        WHERE s.job_id IS DISTINCT FROM t.job_id AND {_JOB.format(col="s.job_id")}""",
    # Quality counters must equal a recount of the labels' flags: both change in one
    # transaction (app/quality/outcomes.py), so this holds at every commit.
    "quality_counters_drift": f"""
        SELECT ja.job_id, ja.annotator_id FROM job_annotators ja
        LEFT JOIN LATERAL (
            SELECT count(*) FILTER (WHERE l.is_gold AND l.counted AND l.agrees IS NOT NULL) AS gt,
                   count(*) FILTER (WHERE l.is_gold AND l.counted AND l.agrees) AS gc,
                   count(*) FILTER (WHERE NOT l.is_gold AND l.counted
                                    AND l.agrees IS NOT NULL) AS dc,
                   count(*) FILTER (WHERE NOT l.is_gold AND l.counted AND l.agrees) AS ag
            FROM labels l WHERE l.job_id = ja.job_id AND l.annotator_id = ja.annotator_id
        ) r ON true
        WHERE {_JOB.format(col="ja.job_id")}
          AND (ja.gold_total, ja.gold_correct, ja.decided, ja.agreed)
              IS DISTINCT FROM (r.gt, r.gc, r.dc, r.ag)""",
    # The roll-ups must equal a recount of labels and skips (app/stats), for jobs whose
    # labels the quality sweep has all seen: (table, job, row's key) of each difference.
    "rollup_drift": all_drift_sql(_JOB),
    # An annotator handed the same task twice (the unique constraint makes this impossible).
    "task_twice_to_annotator": f"""
        SELECT task_id, annotator_id FROM assignments
        WHERE task_id IS NOT NULL AND {_JOB.format(col="job_id")}
        GROUP BY task_id, annotator_id HAVING count(*) > 1""",
}

_LOST = """
SELECT s.sid FROM unnest(CAST(:ids AS uuid[])) AS s(sid)
WHERE NOT EXISTS (
    SELECT 1 FROM assignments a JOIN labels l ON l.assignment_id = a.id
    WHERE a.submission_id = s.sid AND a.state = 'submitted')
"""


@dataclass
class Report:
    violations: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        if self.ok:
            return "no violations"
        return "; ".join(
            f"{name}: {len(rows)} (e.g. {rows[:3]})" for name, rows in self.violations.items()
        )


async def check(
    session: AsyncSession,
    job_id: uuid.UUID | None = None,
    acknowledged: list[uuid.UUID] | None = None,
    limit: int = 100,
) -> Report:
    """Run every check (for one job, or all); ``acknowledged`` submission ids must exist."""
    report = Report()
    for name, sql in CHECKS.items():
        rows = (await session.execute(text(f"{sql} LIMIT {limit}"), {"job": job_id})).all()
        if rows:
            report.violations[name] = [tuple(r) for r in rows]
    if acknowledged:
        lost = (await session.execute(text(_LOST), {"ids": acknowledged})).all()
        if lost:
            report.violations["acknowledged_submission_lost"] = [tuple(r) for r in lost]
    return report
