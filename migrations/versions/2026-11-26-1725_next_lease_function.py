"""brigade_next(): an annotator's next lease in one statement; brigade_expire_slots().

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 17:25:00+00:00

The rules are those of ``app/labeling/service.py`` before this function took them over; see
docs/architecture.md ("Distribution and labeling"). Changing it means a new migration with
``CREATE OR REPLACE FUNCTION``.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each statement of a VOLATILE PL/pgSQL function takes a fresh snapshot: the shared job lock
# taken while listing the jobs is held before any lease is taken, and every leasing statement
# re-checks that the job still runs, so a status change (which takes the lock exclusively,
# app/jobs/lifecycle.py) either takes a lease back or prevents it. The lock key must match
# app.labeling.repository.job_lock_key.
# Leases that ran out give their slots back to the pool (or retire them when no longer needed,
# see brigade_task_k): used by brigade_next and by the periodic sweep (app.labeling.repository).
EXPIRE_FUNCTION = r"""
CREATE FUNCTION brigade_expire_slots(p_job uuid, p_limit integer) RETURNS integer
LANGUAGE sql VOLATILE AS $fn$
WITH s AS (
    SELECT ts.id, ts.assignment_id FROM task_slots ts
    WHERE ts.state = 'leased' AND ts.lease_until < clock_timestamp()
      AND (p_job IS NULL OR ts.job_id = p_job)
    ORDER BY ts.lease_until
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED
), freed AS (
    UPDATE task_slots t SET assignment_id = NULL, lease_until = NULL,
           state = CASE WHEN t.slot_no <= brigade_task_k(t.task_id) THEN 'open' ELSE 'retired' END
    FROM s WHERE t.id = s.id
    RETURNING s.assignment_id
), expired AS (
    UPDATE assignments a SET state = 'expired', finished_at = a.lease_until
    FROM freed WHERE a.id = freed.assignment_id AND a.state = 'leased'
    RETURNING a.id
)
SELECT count(*)::integer FROM expired
$fn$
"""

NEXT_FUNCTION = r"""
CREATE FUNCTION brigade_next(
    p_me uuid, p_vendor uuid, p_job uuid, p_holding bigint[], p_draw double precision,
    p_max_holding integer
) RETURNS TABLE (
    outcome text, assignment_id bigint, job_id uuid, task_id bigint, lease_until timestamptz,
    draft jsonb, blind boolean, lease_seconds integer, item_id bigint, item_kind text,
    item_text text, object_key text, width integer, height integer, meta jsonb
) LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
    v_ids uuid[] := '{}';
    v_lease integer[] := '{}';
    v_gold double precision[] := '{}';
    v_blind boolean[] := '{}';
    v_lo integer[] := '{}';
    v_hi integer[] := '{}';
    v_held bigint;
    v_held_n integer;
    v_aid bigint;
    v_freed integer;
    r record;
    n integer;
BEGIN
    -- The running jobs this annotator may work on, most urgent first, with their vendor's lanes
    -- and any live lease not shown yet; each job's lock is taken shared.
    FOR r IN
        WITH shares AS (
            SELECT jv.job_id, jv.vendor_id, jv.share,
                   sum(jv.share) OVER (PARTITION BY jv.job_id
                                       ORDER BY jv.admitted_at, jv.vendor_id) AS upto,
                   sum(jv.share) OVER (PARTITION BY jv.job_id) AS total
            FROM job_vendors jv
            WHERE jv.job_id IN (SELECT x.job_id FROM job_vendors x WHERE x.vendor_id = p_vendor)
        )
        SELECT j.id, j.lease_seconds AS secs, j.gold_rate::double precision AS gold,
               j.blind AS is_blind,
               (1000 * (s.upto - s.share) / s.total)::integer AS lo,
               (1000 * s.upto / s.total)::integer AS hi,
               pg_advisory_xact_lock_shared(hashtextextended('job:' || j.id::text, 0)) AS locked,
               (SELECT min(a.id) FROM assignments a
                 WHERE a.annotator_id = p_me AND a.job_id = j.id AND a.state = 'leased'
                   AND a.lease_until > clock_timestamp() AND a.id <> ALL(p_holding)) AS held
        FROM labeling_jobs j
        JOIN shares s ON s.job_id = j.id AND s.vendor_id = p_vendor
        WHERE j.status = 'running'
          AND (p_job IS NULL OR j.id = p_job)
          AND (j.required_skill IS NULL
               OR EXISTS (SELECT 1 FROM users u
                          WHERE u.id = p_me AND j.required_skill = ANY(u.skills)))
          AND NOT EXISTS (SELECT 1 FROM job_annotators ja
                          WHERE ja.job_id = j.id AND ja.annotator_id = p_me AND ja.paused)
        ORDER BY j.priority DESC, j.deadline ASC NULLS LAST, j.created_at, j.id
    LOOP
        v_ids := v_ids || r.id;
        v_lease := v_lease || r.secs;
        v_gold := v_gold || r.gold;
        v_blind := v_blind || r.is_blind;
        v_lo := v_lo || r.lo;
        v_hi := v_hi || r.hi;
        IF r.held IS NOT NULL AND (v_held IS NULL OR r.held < v_held) THEN
            v_held := r.held;
            v_held_n := cardinality(v_ids);
        END IF;
    END LOOP;

    IF cardinality(v_ids) = 0 THEN
        RETURN QUERY SELECT 'no_jobs', NULL::bigint, NULL::uuid, NULL::bigint,
            NULL::timestamptz, NULL::jsonb, NULL::boolean, NULL::integer, NULL::bigint,
            NULL::text, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb;
        RETURN;
    END IF;

    -- Finish what was started: a lease the workstation does not show (reload, crash).
    IF v_held IS NOT NULL THEN
        RETURN QUERY
        SELECT 'held', a.id, a.job_id, a.task_id, a.lease_until, a.draft, v_blind[v_held_n],
               v_lease[v_held_n], i.id, i.kind::text, i.text, i.object_key::text, i.width,
               i.height, i.meta
        FROM assignments a LEFT JOIN items i ON i.id = ANY(a.item_ids)
        WHERE a.id = v_held ORDER BY i.id;
        RETURN;
    END IF;

    IF coalesce(cardinality(p_holding), 0) >= p_max_holding THEN
        RETURN QUERY SELECT 'holding_max', NULL::bigint, NULL::uuid, NULL::bigint,
            NULL::timestamptz, NULL::jsonb, NULL::boolean, NULL::integer, NULL::bigint,
            NULL::text, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb;
        RETURN;
    END IF;

    FOR n IN 1 .. cardinality(v_ids) LOOP
        v_aid := NULL;
        -- Gold at the job's rate: a random gold item this annotator has not seen.
        IF v_gold[n] > 0 AND p_draw < v_gold[n] THEN
            WITH g AS (
                SELECT i.id FROM items i
                JOIN datasets d ON d.id = i.dataset_id AND d.status = 'ready'
                WHERE i.job_id = v_ids[n] AND i.is_gold AND NOT i.excluded
                  AND NOT EXISTS (SELECT 1 FROM assignments a
                                  WHERE a.item_id = i.id AND a.annotator_id = p_me)
                  AND EXISTS (SELECT 1 FROM labeling_jobs x
                              WHERE x.id = v_ids[n] AND x.status = 'running')
                ORDER BY random()
                LIMIT 1
            ), ins AS (
                INSERT INTO assignments (job_id, annotator_id, vendor_id, item_id, is_gold,
                                         item_ids, state, leased_at, lease_until)
                SELECT v_ids[n], p_me, p_vendor, g.id, true, ARRAY[g.id], 'leased',
                       clock_timestamp(), clock_timestamp() + make_interval(secs => v_lease[n])
                FROM g
                ON CONFLICT DO NOTHING
                RETURNING id
            )
            SELECT ins.id INTO v_aid FROM ins;
        END IF;
        -- Otherwise the oldest free slot: the vendor's own lanes first, then anyone's, then
        -- once more after returning this job's expired leases to the pool.
        FOR v_pass IN 1 .. 3 LOOP
            EXIT WHEN v_aid IS NOT NULL;
            IF v_pass = 2 AND v_lo[n] = 0 AND v_hi[n] = 1000 THEN
                CONTINUE;  -- the own lanes were already all lanes
            END IF;
            IF v_pass = 3 THEN
                v_freed := brigade_expire_slots(v_ids[n], 1000);
                EXIT WHEN v_freed = 0;
            END IF;
            WITH s AS (
                SELECT ts.id, ts.task_id FROM task_slots ts
                WHERE ts.job_id = v_ids[n] AND ts.state = 'open'
                  AND (v_pass > 1 OR (ts.lane >= v_lo[n] AND ts.lane < v_hi[n]))
                  AND NOT EXISTS (SELECT 1 FROM assignments a
                                  WHERE a.task_id = ts.task_id AND a.annotator_id = p_me)
                  AND EXISTS (SELECT 1 FROM labeling_jobs x
                              WHERE x.id = v_ids[n] AND x.status = 'running')
                ORDER BY ts.task_id * 64 + ts.slot_no
                LIMIT 1
                FOR UPDATE SKIP LOCKED
            ), ins AS (
                INSERT INTO assignments (job_id, annotator_id, vendor_id, task_id, slot_id,
                                         is_gold, item_ids, state, leased_at, lease_until)
                SELECT v_ids[n], p_me, p_vendor, s.task_id, s.id, false,
                       (SELECT coalesce(array_agg(i.id ORDER BY i.id), '{}')
                          FROM tasks t JOIN items i ON i.dataset_id = t.dataset_id
                           AND i.id BETWEEN t.first_item_id AND t.last_item_id
                         WHERE t.id = s.task_id AND NOT i.is_gold AND NOT i.excluded),
                       'leased', clock_timestamp(),
                       clock_timestamp() + make_interval(secs => v_lease[n])
                FROM s
                ON CONFLICT DO NOTHING
                RETURNING id, slot_id, lease_until
            ), upd AS (
                UPDATE task_slots t SET state = 'leased', assignment_id = ins.id,
                       lease_until = ins.lease_until
                FROM ins WHERE t.id = ins.slot_id
            )
            SELECT ins.id INTO v_aid FROM ins;
        END LOOP;
        IF v_aid IS NOT NULL THEN
            RETURN QUERY
            SELECT 'new', a.id, a.job_id, a.task_id, a.lease_until, a.draft, v_blind[n],
                   v_lease[n], i.id, i.kind::text, i.text, i.object_key::text, i.width,
                   i.height, i.meta
            FROM assignments a LEFT JOIN items i ON i.id = ANY(a.item_ids)
            WHERE a.id = v_aid ORDER BY i.id;
            RETURN;
        END IF;
    END LOOP;

    RETURN QUERY SELECT 'all_done', NULL::bigint, NULL::uuid, NULL::bigint,
        NULL::timestamptz, NULL::jsonb, NULL::boolean, NULL::integer, NULL::bigint,
        NULL::text, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb;
END
$fn$
"""


def upgrade() -> None:
    op.execute(EXPIRE_FUNCTION)
    op.execute(NEXT_FUNCTION)


def downgrade() -> None:
    op.execute("DROP FUNCTION brigade_next(uuid, uuid, uuid, bigint[], double precision, integer)")
    op.execute("DROP FUNCTION brigade_expire_slots(uuid, integer)")
