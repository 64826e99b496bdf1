"""``work_daily`` recomputed from scratch from the labels and skips: the truth the incremental
roll-ups must equal (``brigade check`` and the tests compare them)."""

from __future__ import annotations

from app.stats.periods import park_day_sql

# {where_labels} / {where_skips}: extra conditions (e.g. one job), "" for everything.
RECOUNT_SQL = f"""
SELECT job_id, annotator_id, day, sum(labels) AS labels, sum(gold_labels) AS gold_labels,
       sum(accepted) AS accepted, sum(rejected) AS rejected, sum(active_ms) AS active_ms,
       sum(lease_ms) AS lease_ms, sum(skips) AS skips, sum(earned) AS earned
FROM (
    SELECT l.job_id, l.annotator_id, {park_day_sql("l.submitted_at")} AS day, 1 AS labels,
           l.is_gold::int AS gold_labels, (l.status = 'accepted')::int AS accepted,
           (l.status = 'rejected')::int AS rejected, l.active_ms::bigint AS active_ms,
           l.lease_ms::bigint AS lease_ms, 0 AS skips, l.amount AS earned
    FROM labels l WHERE true {{where_labels}}
    UNION ALL
    SELECT a.job_id, a.annotator_id, {park_day_sql("a.finished_at")}, 0, 0, 0, 0, 0, 0, 1, 0
    FROM assignments a WHERE a.state = 'skipped' {{where_skips}}
) x GROUP BY job_id, annotator_id, day
"""

# Rows of work_daily that differ from the recount (either side), once the quality inbox has
# counted every label (labels still in it are not in work_daily yet).
DRIFT_SQL = f"""
WITH truth AS ({RECOUNT_SQL}),
stored AS (
    SELECT job_id, annotator_id, day, labels, gold_labels, accepted, rejected, active_ms,
           lease_ms, skips, earned FROM work_daily w WHERE true {{where_stored}}
)
SELECT coalesce(t.job_id, s.job_id) AS job_id, coalesce(t.annotator_id, s.annotator_id),
       coalesce(t.day, s.day)
FROM truth t FULL JOIN stored s
  ON s.job_id = t.job_id AND s.annotator_id = t.annotator_id AND s.day = t.day
WHERE (t.labels, t.gold_labels, t.accepted, t.rejected, t.active_ms, t.lease_ms, t.skips,
       t.earned)
      IS DISTINCT FROM
      (s.labels, s.gold_labels, s.accepted, s.rejected, s.active_ms, s.lease_ms, s.skips,
       s.earned)
  AND NOT (t.job_id IS NULL AND (s.labels, s.gold_labels, s.accepted, s.rejected, s.active_ms,
                                 s.lease_ms, s.skips, s.earned) = (0, 0, 0, 0, 0, 0, 0, 0))
  AND NOT EXISTS (SELECT 1 FROM qc_dirty d WHERE d.job_id = coalesce(t.job_id, s.job_id)
                  AND d.label_id IS NOT NULL)
"""
