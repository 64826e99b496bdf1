"""The roll-up tables recomputed from scratch from the labels and skips: the truth the
incremental roll-ups must equal (``brigade check`` and the tests compare them).

Everything is derived from one hourly recount per job, annotator and vendor (``HOURLY_SQL``),
the same grain the deltas are collected at (``rollup.WorkDeltas``).
"""

from __future__ import annotations

from app.models.stats import COUNTS
from app.stats.periods import park_day_sql

SUMS = (*COUNTS, "earned")

# {where_labels} / {where_skips}: extra conditions (e.g. one job), "" for everything.
HOURLY_SQL = """
SELECT job_id, annotator_id, vendor_id, hour, {sums}
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
    FROM labels l WHERE true {{where_labels}}
    UNION ALL
    SELECT a.job_id, a.annotator_id, a.vendor_id, date_trunc('hour', a.finished_at),
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    FROM assignments a WHERE a.state = 'skipped' {{where_skips}}
) x GROUP BY job_id, annotator_id, vendor_id, hour
""".format(sums=", ".join(f"sum({c}) AS {c}" for c in SUMS))

DAY = park_day_sql("hour")

# Each counter table: its key columns, as computed from the hourly recount.
TABLES: dict[str, dict[str, str]] = {
    "work_daily": {"job_id": "job_id", "annotator_id": "annotator_id", "day": DAY},
    "work_hourly": {"job_id": "job_id", "annotator_id": "annotator_id", "hour": "hour"},
    "team_daily": {"job_id": "job_id", "vendor_id": "vendor_id", "day": DAY},
    "team_hourly": {"job_id": "job_id", "vendor_id": "vendor_id", "hour": "hour"},
}


def truth_sql(table: str) -> str:
    """The rows ``table`` should hold (``{where_labels}``/``{where_skips}`` left to fill)."""
    keys = TABLES[table]
    select_keys = ", ".join(f"{expr} AS {name}" for name, expr in keys.items())
    vendor = ", min(vendor_id::text)::uuid AS vendor_id" if "vendor_id" not in keys else ""
    return (
        f"SELECT {select_keys}{vendor}, {', '.join(f'sum({c}) AS {c}' for c in SUMS)}"
        f" FROM ({HOURLY_SQL}) h GROUP BY {', '.join(keys.values())}"
    )


def drift_sql(table: str) -> str:
    """Rows of ``table`` that differ from the recount (either side), for jobs whose labels
    the quality sweep has all counted (labels still in its inbox are not rolled up yet).
    ``{where_labels}``, ``{where_skips}`` and ``{where_stored}`` (on alias ``w``) to fill."""
    keys = list(TABLES[table])
    on = " AND ".join(f"s.{k} = t.{k}" for k in keys)
    t_sums = ", ".join(f"t.{c}" for c in SUMS)
    s_sums = ", ".join(f"s.{c}" for c in SUMS)
    zeros = ", ".join("0" for _ in SUMS)
    return f"""
WITH truth AS ({truth_sql(table)}),
stored AS (SELECT {", ".join(keys)}, {", ".join(SUMS)} FROM {table} w WHERE true {{where_stored}})
SELECT '{table}' AS roll_up, coalesce(t.job_id, s.job_id) AS job_id,
       concat_ws(' ', {", ".join(f"coalesce(t.{k}, s.{k})" for k in keys[1:])}) AS row_key
FROM truth t FULL JOIN stored s ON {on}
WHERE ({t_sums}) IS DISTINCT FROM ({s_sums})
  AND NOT (t.job_id IS NULL AND ({s_sums}) = ({zeros}))
  AND NOT EXISTS (SELECT 1 FROM qc_dirty d WHERE d.job_id = coalesce(t.job_id, s.job_id)
                  AND d.label_id IS NOT NULL)
"""


# Days with labels, as a bitmask per month (bit d-1 for day d), from the daily recount.
MONTHS_TRUTH_SQL = f"""
SELECT date_trunc('month', day)::date AS month, vendor_id, annotator_id,
       bit_or(1 << (extract(day FROM day)::int - 1)) AS days
FROM (SELECT {DAY} AS day, vendor_id, annotator_id FROM ({HOURLY_SQL}) h
      WHERE labels > 0) d
GROUP BY 1, 2, 3
"""

# annotator_months is not per job: compared for the annotators of the checked jobs, once the
# sweep has counted every label.
MONTHS_DRIFT_SQL = f"""
WITH truth AS ({MONTHS_TRUTH_SQL}),
stored AS (SELECT month, vendor_id, annotator_id, days FROM annotator_months
           WHERE annotator_id IN (SELECT annotator_id FROM truth))
SELECT 'annotator_months' AS roll_up, NULL::uuid AS job_id,
       concat_ws(' ', coalesce(t.annotator_id, s.annotator_id), coalesce(t.month, s.month))
FROM truth t FULL JOIN stored s
  ON s.month = t.month AND s.vendor_id = t.vendor_id AND s.annotator_id = t.annotator_id
WHERE t.days IS DISTINCT FROM s.days
  AND NOT EXISTS (SELECT 1 FROM qc_dirty d WHERE d.label_id IS NOT NULL)
"""


def all_drift_sql(where_job: str) -> str:
    """Every roll-up against the recount; ``where_job``: a condition on ``{col}`` (the job)."""
    where = {
        "where_labels": f"AND {where_job.format(col='l.job_id')}",
        "where_skips": f"AND {where_job.format(col='a.job_id')}",
        "where_stored": f"AND {where_job.format(col='w.job_id')}",
    }
    parts = [drift_sql(table).format(**where) for table in TABLES]
    # Months: only for annotators with labels in the checked jobs; the truth must then cover
    # all their jobs, so it is recounted unfiltered for those annotators.
    months = MONTHS_DRIFT_SQL.format(where_labels="", where_skips="")
    parts.append(months)
    return "\nUNION ALL\n".join(f"({p})" for p in parts)
