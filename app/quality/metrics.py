"""A job's agreement metrics, computed at each refit from all its counted labels.

Classification (single label): Krippendorff's alpha (nominal), Fleiss' kappa, observed
agreement, per-class specific agreement and one-vs-rest kappa, pairwise Cohen's kappa between
annotators with enough shared items. Multi-label: the same per class, each a yes/no question.
Shapes and spans: per-item agreement lives on ``item_consensus``; the job figure is its mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from app.jobs.label_schema import ImageClassification, TextClassification
from app.labeling.answers import LabelSchemaModel
from app.quality.consensus import (
    PairwiseKappa,
    Votes,
    class_agreement,
    encode_votes,
    fleiss_kappa,
    krippendorff_alpha,
    observed_agreement,
    pairwise_cohen_kappa,
)

Row = tuple[int, str, Any]  # item, annotator, stored answer


def _num(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 6)


def _nominal(votes: Votes) -> dict[str, Any]:
    per_class = class_agreement(votes)
    cohen = pairwise_cohen_kappa(votes)
    return {
        "krippendorff_alpha": _num(krippendorff_alpha(votes)),
        "fleiss_kappa": _num(fleiss_kappa(votes)),
        "observed_agreement": _num(observed_agreement(votes)),
        "per_class": [
            {"label": c, "specific_agreement": _num(sa), "kappa": _num(k)}
            for c, sa, k in zip(per_class.classes, per_class.specific, per_class.kappa, strict=True)
        ],
        "cohen_kappa": _cohen(votes, cohen),
        "labels": votes.n_votes,
        "items": len(votes.items),
        "annotators": len(votes.annotators),
    }


# The pairwise kappa matrix is kept for the most active annotators only: a park-sized job has
# a thousand annotators, a million pairs, most of them sharing no item.
COHEN_ANNOTATORS = 50


def _cohen(votes: Votes, cohen: PairwiseKappa) -> dict[str, Any]:
    counts = np.bincount(votes.annotator, minlength=len(votes.annotators))
    keep = np.sort(np.argsort(-counts, kind="stable")[:COHEN_ANNOTATORS])
    return {
        "annotators": [str(cohen.annotators[i]) for i in keep],
        "kappa": [[_num(v) for v in row] for row in cohen.kappa[np.ix_(keep, keep)].tolist()],
        "shared": cohen.shared[np.ix_(keep, keep)].tolist(),
        "of": len(votes.annotators),
    }


def job_metrics(schema: LabelSchemaModel, rows: Sequence[Row]) -> dict[str, Any]:
    if not isinstance(schema, ImageClassification | TextClassification):
        return {"labels": len(rows)}  # per-item agreement: see item_consensus.agreement
    classes = [label.name for label in schema.labels]
    if not schema.multi:
        return _nominal(encode_votes(((i, a, ans["label"]) for i, a, ans in rows), classes))
    per_class = []
    for name in classes:
        votes = encode_votes(
            ((i, a, "yes" if name in ans["labels"] else "no") for i, a, ans in rows),
            ["no", "yes"],
        )
        per_class.append(
            {
                "label": name,
                "krippendorff_alpha": _num(krippendorff_alpha(votes)),
                "observed_agreement": _num(observed_agreement(votes)),
            }
        )
    return {"per_class": per_class, "labels": len(rows)}
