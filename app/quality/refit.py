"""Refit a job's consensus model on all its labels and recompute the agreement metrics.

Runs as the ``brigade.qc_refit`` job: when a QA lead asks, and when the sweep sees the job's
labels grow by a quarter since the last fit. Afterwards every undecided or not yet reviewed
item is queued for the sweep, which judges it again with the new parameters.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.jobs.label_schema import ImageClassification, TextClassification
from app.kit.db import json_rows
from app.labeling.answers import parse_schema
from app.models import JobQuality, LabelingJob
from app.quality.consensus.dawid_skene import dawid_skene
from app.quality.consensus.encoding import encode_votes
from app.quality.metrics import job_metrics
from app.quality.model import ClassModel

# Refit when the job has this many more labels than at the last fit (and at least MIN_LABELS),
# and not more often than every MIN_INTERVAL seconds: a refit reads all the job's labels.
GROWTH = 1.25
MIN_LABELS = 30
MIN_INTERVAL = 60

_LABELS = text("""
SELECT l.item_id, l.annotator_id, l.answer FROM labels l
WHERE l.job_id = :job AND l.counted AND NOT l.is_gold
ORDER BY l.item_id, l.id
""")
_GOLD_VOTES = text("""
SELECT l.item_id, l.annotator_id, l.answer, g.answer AS truth FROM labels l
JOIN gold_answers g ON g.item_id = l.item_id
WHERE l.job_id = :job AND l.is_gold AND l.counted
ORDER BY l.item_id, l.id
""")
# Only undecided items are judged again: a decided item keeps its decision (and its labels
# their accepted/rejected status) unless a QA lead reviews it.
_REQUEUE = text("""
INSERT INTO qc_dirty (job_id, item_id)
SELECT job_id, item_id FROM item_consensus
WHERE job_id = :job AND state IN ('open', 'review')
""")
# Annotators the model did not measure (no cross-checked or gold label) get no estimate.
_EST_ACCURACY = text("""
UPDATE job_annotators ja SET est_accuracy = r.accuracy
FROM job_annotators j
LEFT JOIN jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(annotator_id uuid, accuracy float8)
  ON r.annotator_id = j.annotator_id
WHERE j.job_id = :job AND ja.job_id = j.job_id AND ja.annotator_id = j.annotator_id
  AND ja.est_accuracy IS DISTINCT FROM r.accuracy
""")


def needs_refit(labels_now: int, labels_at_fit: int) -> bool:
    return labels_now >= MIN_LABELS and labels_now >= labels_at_fit * GROWTH


async def refit(session: AsyncSession, job_id: uuid.UUID) -> dict[str, Any] | None:
    """Fit and store; returns the metrics (None if the job is gone)."""
    job = await session.get(LabelingJob, job_id)
    if job is None:
        return None
    schema = parse_schema(job.label_schema)
    classes = [label.name for label in schema.labels]
    rows = (await session.execute(_LABELS, {"job": job_id})).all()
    single = isinstance(schema, ImageClassification | TextClassification) and not schema.multi
    model_json: dict[str, Any] | None = None
    if single and rows:
        gold_rows = (await session.execute(_GOLD_VOTES, {"job": job_id})).all()
        # CPU work off the event loop (the worker may share its process with the API).
        model = await asyncio.to_thread(
            fit_class_model,
            [(r.item_id, str(r.annotator_id), r.answer["label"]) for r in rows]
            + [(r.item_id, str(r.annotator_id), r.answer["label"]) for r in gold_rows],
            classes,
            {int(r.item_id): str(r.truth["label"]) for r in gold_rows},
        )
        model_json = model.to_json() if model is not None else None
        measured = model.accuracy if model is not None else {}
        accuracy = [{"annotator_id": w, "accuracy": a} for w, a in measured.items()]
        await session.execute(_EST_ACCURACY, {"job": job_id, "rows": json_rows(accuracy)})
    metrics = await asyncio.to_thread(
        job_metrics, schema, [(r.item_id, str(r.annotator_id), r.answer) for r in rows]
    )
    if model_json is not None:
        metrics["confusion"] = model_json["confusion"]
    now = await session.scalar(text("SELECT clock_timestamp()"))
    row = await session.get(JobQuality, job_id, with_for_update=True)
    if row is None:
        row = JobQuality(job_id=job_id)
        session.add(row)
    row.model = model_json
    row.fitted_at = now
    row.labels_at_fit = (
        await session.scalar(
            text("SELECT coalesce(sum(labels), 0) FROM job_annotators WHERE job_id = :job"),
            {"job": job_id},
        )
        or 0
    )
    row.metrics = metrics
    row.metrics_at = now
    await session.execute(_REQUEUE, {"job": job_id})
    return metrics


def fit_class_model(
    rows: list[tuple[int, str, str]], classes: list[str], gold: Mapping[Hashable, str]
) -> ClassModel | None:
    """The job's model, or None while no item is cross-checked or gold (nothing to learn from).

    Only annotators with labels on such items get a matrix and an accuracy estimate; the others
    are judged with the average measured annotator's matrix, like newcomers.
    """
    votes = encode_votes(rows, classes)
    fit = dawid_skene(votes, gold=gold)
    weights = fit.evidence.astype(np.float64)
    if weights.sum() == 0:
        return None
    log_conf = np.log(np.maximum(fit.confusion, 1e-12))
    default = np.einsum("w,wkl->kl", weights / weights.sum(), fit.confusion)
    measured = [(i, str(w)) for i, w in enumerate(fit.annotators) if fit.evidence[i]]
    return ClassModel(
        classes=tuple(classes),
        log_prior=np.log(np.maximum(fit.class_prior, 1e-12)),
        log_confusion={w: log_conf[i] for i, w in measured},
        log_default=np.log(np.maximum(default, 1e-12)),
        accuracy={w: float(fit.accuracy[i]) for i, w in measured},
    )
