"""What an export is made of: a job's facts and its items one at a time, each with its consensus
answer and (for raw exports) every annotator's label. The format writers in ``formats/`` take
these and nothing else, so they stay pure (no database, no storage) and testable with real
consumers of each format.

Answers have the label schema's shapes (``app/labeling/answers.py``):
``{"label": name}``, ``{"labels": [names]}``, ``{"boxes": [{"label", "x", "y", "w", "h"}]}``
(image pixels, top-left origin), ``{"polygons": [{"label", "points": [[x, y], ...]}]}`` and
``{"spans": [{"label", "start", "end", "text"}]}`` (character offsets into the item's text,
end exclusive).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

LabelKind = Literal[
    "image_classification", "image_boxes", "image_polygons", "text_classification", "text_spans"
]


@dataclass(frozen=True, slots=True)
class ExportJob:
    job_id: str
    name: str
    kind: LabelKind
    multi: bool  # classification with several labels per item
    labels: Sequence[str]  # class names in schema order (category ids follow this order, from 1)
    label_titles: Mapping[str, str]  # name -> what annotators saw (may equal the name)
    # How to cut Chinese (and other) text into tokens for BIO: "char" (each non-space character
    # a token, the default for Chinese) or "whitespace".
    tokenize: Literal["char", "whitespace"] = "char"
    exported_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ExportLabel:
    """One annotator's submitted label (raw exports)."""

    label_id: int
    annotator_id: str
    vendor_id: str
    answer: Mapping[str, Any]
    status: str  # pending / accepted / rejected; "imported" for labels made elsewhere
    submitted_at: datetime
    active_ms: int
    # Where it was made: by an annotator here ("brigade"), or brought in from another tool as
    # an annotation or a model's prediction (then ``annotator_id`` is that tool's author, if
    # known, ``vendor_id`` empty, and ``score`` the prediction's).
    origin: Literal["brigade", "annotation", "prediction"] = "brigade"
    score: float | None = None


@dataclass(frozen=True, slots=True)
class ExportItem:
    item_id: int
    dataset_id: str
    seq: int  # position in its dataset
    kind: Literal["image", "text"]
    source: str | None  # the uploaded file name (images) or "line 17" (texts)
    file_name: str  # a stable, unique file name for this item (images: with its extension)
    text: str | None
    object_key: str | None  # images: the stored object (content-addressed)
    url: str | None  # images: a link the consumer can fetch (may expire), else None
    width: int | None
    height: int | None
    meta: Mapping[str, Any]
    # Consensus: the decided (or reviewed) answer, None while the item is still open.
    answer: Mapping[str, Any] | None
    confidence: float | None
    agreement: float | None
    state: str  # open / decided / review / reviewed / ...
    review_action: str | None  # the last QA review's action, if any
    labels: Sequence[ExportLabel] = field(default_factory=tuple)  # raw exports only
