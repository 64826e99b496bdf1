"""A job's fitted Dawid-Skene model: stored as JSON in ``job_quality``, used per item.

The refit (``refit.py``) estimates class priors and one confusion matrix per annotator from all
of the job's labels; between refits the sweep judges each changed item with those parameters,
which is the E-step for that one item: microseconds, whatever the job's size. Annotators who
joined after the fit get the average annotator's matrix until the next refit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import JobQuality
from app.quality.consensus.encoding import FloatArray


@dataclass(frozen=True, eq=False)
class ClassModel:
    classes: tuple[str, ...]
    log_prior: FloatArray  # (K,)
    log_confusion: dict[str, FloatArray]  # annotator id → (K true, K answered)
    log_default: FloatArray  # for annotators the fit has not seen
    accuracy: dict[str, float]

    def posterior(self, votes: Sequence[tuple[uuid.UUID, str]]) -> FloatArray:
        """P(true class | these (annotator, answered class) votes) for one item."""
        index = {c: k for k, c in enumerate(self.classes)}
        log_p = self.log_prior.copy()
        for who, label in votes:
            matrix = self.log_confusion.get(str(who), self.log_default)
            log_p += matrix[:, index[label]]
        log_p -= log_p.max()
        p = np.exp(log_p)
        normalized: FloatArray = p / p.sum()
        return normalized

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "dawid_skene",
            "classes": list(self.classes),
            "prior": np.exp(self.log_prior).tolist(),
            "confusion": {w: np.exp(m).round(6).tolist() for w, m in self.log_confusion.items()},
            "default": np.exp(self.log_default).round(6).tolist(),
            "accuracy": self.accuracy,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ClassModel:
        def log(matrix: Any) -> FloatArray:
            arr: FloatArray = np.log(np.maximum(np.asarray(matrix, dtype=np.float64), 1e-12))
            return arr

        return cls(
            classes=tuple(raw["classes"]),
            log_prior=log(raw["prior"]),
            log_confusion={w: log(m) for w, m in raw["confusion"].items()},
            log_default=log(raw["default"]),
            accuracy={w: float(a) for w, a in raw["accuracy"].items()},
        )


# Parsed models by job, with the fit time they came from: a sweep batch every few seconds
# would otherwise re-read and re-parse a thousand annotators' matrices each time.
_CACHE: dict[uuid.UUID, tuple[datetime, ClassModel | None]] = {}
_CACHE_SIZE = 256
_FITTED_AT = select(JobQuality.fitted_at)


async def load_model(session: AsyncSession, job_id: uuid.UUID) -> ClassModel | None:
    fitted_at = await session.scalar(_FITTED_AT.where(JobQuality.job_id == job_id))
    if fitted_at is None:
        return None
    cached = _CACHE.get(job_id)
    if cached is not None and cached[0] == fitted_at:
        return cached[1]
    row = await session.get(JobQuality, job_id)
    raw = row.model if row is not None else None
    model = ClassModel.from_json(raw) if raw and raw.get("kind") == "dawid_skene" else None
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[job_id] = (row.fitted_at if row and row.fitted_at else fitted_at, model)
    return model
