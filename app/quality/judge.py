"""From an item's labels to its consensus, per label kind (the DB-free core is ``consensus/``).

* single-label classification: the posterior of the job's Dawid-Skene model (``model.py``);
  before the first fit, the same computation with every annotator assumed right
  ``PRIOR_ACCURACY`` of the time, so two agreeing labels already outweigh one dissent. An item
  only one annotator has labeled keeps their answer, with the posterior as its confidence
  (``consensus/dawid_skene.py`` says why);
* multi-label classification: each class an independent yes/no decision the same way;
  confidence is that of the least certain class;
* boxes, polygons: matched across annotators by IoU and fused (``consensus.boxes`` /
  ``consensus.polygons``); confidence is the agreement (mean F1 at IoU 0.5);
* text spans: character-level voting (``consensus.spans``); confidence is the span-F1 agreement.

``agrees`` says whether one label matches a decided answer; gold checks use it too.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.jobs.label_schema import (
    ImageBoxes,
    ImageClassification,
    ImagePolygons,
    TextClassification,
    TextSpans,
)
from app.labeling.answers import LabelSchemaModel
from app.quality.consensus import (
    box_consensus,
    boxes_from_answer,
    polygon_consensus,
    polygons_from_answer,
    span_consensus,
    spans_from_answer,
)
from app.quality.consensus.encoding import class_index, lone_answer
from app.quality.model import ClassModel

# Before a model is fitted: how often an annotator is assumed right (the rest spread evenly).
PRIOR_ACCURACY = 0.75
# A drawn answer agrees with the decided one when their matching F1 (boxes, polygons at IoU
# 0.5; spans exact) reaches this: most shapes found, few extra.
AGREE_F1 = 0.8


@dataclass(frozen=True)
class Vote:
    label_id: int
    annotator_id: uuid.UUID
    answer: Any


@dataclass(frozen=True)
class Verdict:
    answer: Any
    confidence: float
    agreement: float | None  # observed agreement among the item's labels
    method: str
    agrees: dict[int, bool]  # label id → matches ``answer``


def method_of(schema: LabelSchemaModel) -> str:
    if isinstance(schema, ImageClassification | TextClassification):
        return "per_class_vote" if schema.multi else "dawid_skene"
    if isinstance(schema, ImageBoxes):
        return "box_fusion"
    if isinstance(schema, ImagePolygons):
        return "polygon_fusion"
    return "span_vote"


def uses_model(schema: LabelSchemaModel) -> bool:
    """Classification: annotators are weighed by the consensus model, not by agreement."""
    return isinstance(schema, ImageClassification | TextClassification)


def symmetric_model(classes: Sequence[str], accuracy: float = PRIOR_ACCURACY) -> ClassModel:
    k = len(classes)
    off = (1 - accuracy) / (k - 1) if k > 1 else 0.0
    matrix = np.full((k, k), off) + np.eye(k) * (accuracy - off)
    log_m = np.log(np.maximum(matrix, 1e-12))
    return ClassModel(
        classes=tuple(classes),
        log_prior=np.full(k, -np.log(k)),
        log_confusion={},
        log_default=log_m,
        accuracy={},
    )


def _pairwise_agreement(values: Sequence[Any]) -> float | None:
    pairs = list(itertools.combinations(values, 2))
    if not pairs:
        return None
    agreeing: int = sum(a == b for a, b in pairs)
    return agreeing / len(pairs)


class Judge:
    def __init__(
        self,
        schema: LabelSchemaModel,
        model: ClassModel | None,
        reliability: dict[uuid.UUID, float] | None = None,
    ) -> None:
        """``reliability``: weights of annotators when fusing shapes and spans (their agreement
        with decided consensus so far); unknown annotators weigh 1."""
        self.schema = schema
        self.classes = [label.name for label in schema.labels]
        self._index = class_index(self.classes)
        self.model = model if model is not None and list(model.classes) == self.classes else None
        # Before a fit, every annotator is the same 75% one (built once per batch, not per item).
        self._posterior_model = self.model or symmetric_model(self.classes)
        self._binary = symmetric_model(["no", "yes"])
        self.reliability = reliability or {}

    @property
    def method(self) -> str:
        name = method_of(self.schema)
        return "vote" if name == "dawid_skene" and self.model is None else name

    def item(self, votes: Sequence[Vote]) -> Verdict:
        s = self.schema
        if isinstance(s, ImageClassification | TextClassification):
            return self._multi(votes) if s.multi else self._single(votes)
        return self._geometric(votes)

    def agrees(self, answer: Any, decided: Any) -> bool:
        s = self.schema
        if isinstance(s, ImageClassification | TextClassification):
            key = "labels" if s.multi else "label"
            return bool(answer.get(key) == decided.get(key))
        return self._geometric_agrees(answer, decided)

    def gold(self, answer: Any, gold: Any) -> bool:
        return self.agrees(answer, gold)

    # ---------------------------------------------------------------- classification

    def _single(self, votes: Sequence[Vote]) -> Verdict:
        posterior = self._posterior_model.posterior(
            [(v.annotator_id, v.answer["label"]) for v in votes]
        )
        best = int(np.argmax(posterior))  # ties: the class listed first in the schema
        if len({v.annotator_id for v in votes}) == 1:
            # Not cross-checked: the answer stands, the posterior says how far to trust it.
            best = lone_answer(self._index, [v.answer["label"] for v in votes])
        label = self.classes[best]
        return Verdict(
            answer={"label": label},
            confidence=float(posterior[best]),
            agreement=_pairwise_agreement([v.answer["label"] for v in votes]),
            method=self.method,
            agrees={v.label_id: v.answer["label"] == label for v in votes},
        )

    def _multi(self, votes: Sequence[Vote]) -> Verdict:
        binary = self._binary
        chosen: list[str] = []
        confidence = 1.0
        for name in self.classes:
            p_yes = float(
                binary.posterior(
                    [(v.annotator_id, "yes" if name in v.answer["labels"] else "no") for v in votes]
                )[1]
            )
            if p_yes > 0.5:
                chosen.append(name)
            confidence = min(confidence, max(p_yes, 1 - p_yes))
        sets = [tuple(v.answer["labels"]) for v in votes]
        return Verdict(
            answer={"labels": chosen},
            confidence=confidence,
            agreement=_pairwise_agreement(sets),
            method=self.method,
            agrees={v.label_id: list(v.answer["labels"]) == chosen for v in votes},
        )

    # ---------------------------------------------------------------- shapes and spans

    def _fuse(self, answers: dict[Any, Any], weights: dict[Any, float] | None) -> Any:
        """Consensus of ``answers`` (key → stored answer) with this job's label kind."""
        s = self.schema
        if isinstance(s, ImageBoxes):
            return box_consensus(
                {k: boxes_from_answer(a) for k, a in answers.items()}, weights=weights
            )
        if isinstance(s, ImagePolygons):
            return polygon_consensus(
                {k: polygons_from_answer(a) for k, a in answers.items()}, weights=weights
            )
        assert isinstance(s, TextSpans)
        return span_consensus(
            {k: spans_from_answer(a) for k, a in answers.items()}, weights=weights
        )

    @staticmethod
    def _f1(agreement: Any) -> float | None:
        value: float | None = getattr(agreement, "mean_f1", None)
        if value is None:
            value = getattr(agreement, "span_f1", None)
        return None if value is None else float(value)

    def _geometric(self, votes: Sequence[Vote]) -> Verdict:
        weights = {v.label_id: self.reliability.get(v.annotator_id, 1.0) for v in votes}
        fused = self._fuse({v.label_id: v.answer for v in votes}, weights)
        answer = fused.as_answer()
        agreement = self._f1(fused.agreement)
        return Verdict(
            answer=answer,
            # One drawing alone has nothing to agree with: no confidence from it.
            confidence=max(0.0, min(1.0, agreement)) if agreement is not None else 0.0,
            agreement=agreement,
            method=self.method,
            agrees={v.label_id: self._geometric_agrees(v.answer, answer) for v in votes},
        )

    def _geometric_agrees(self, answer: Any, decided: Any) -> bool:
        f1 = self._f1(self._fuse({0: answer, 1: decided}, None).agreement)
        return f1 is not None and f1 >= AGREE_F1
