"""Quality-control algorithms on stored answers: pure functions, no database, no I/O.

Classification answers are encoded once (``encode_votes``) into integer arrays; every estimator
then works vectorized. Shapes and spans are fused one item at a time. See docs/quality.md.
"""

from app.quality.consensus.agreement import (
    AnnotatorAgreement,
    ClassAgreement,
    PairwiseKappa,
    agreement_with_consensus,
    class_agreement,
    fleiss_kappa,
    krippendorff_alpha,
    observed_agreement,
    pairwise_cohen_kappa,
)
from app.quality.consensus.boxes import (
    Box,
    BoxConsensus,
    FusedBox,
    box_consensus,
    box_iou,
    boxes_from_answer,
)
from app.quality.consensus.classification import VoteResult, majority_vote
from app.quality.consensus.dawid_skene import DawidSkeneResult, dawid_skene
from app.quality.consensus.encoding import Votes, encode_truth, encode_votes
from app.quality.consensus.gold import GoldAccuracy, gold_accuracy, wilson_interval
from app.quality.consensus.matching import ShapeAgreement
from app.quality.consensus.multilabel import MultiLabelResult, multilabel_consensus
from app.quality.consensus.online import ItemPosterior, OnlineDawidSkene
from app.quality.consensus.polygons import (
    FusedPolygon,
    PolygonConsensus,
    PolygonShape,
    polygon_consensus,
    polygons_from_answer,
)
from app.quality.consensus.spans import (
    FusedSpan,
    Span,
    SpanAgreement,
    SpanConsensus,
    span_consensus,
    spans_from_answer,
)

__all__ = [
    "AnnotatorAgreement",
    "Box",
    "BoxConsensus",
    "ClassAgreement",
    "DawidSkeneResult",
    "FusedBox",
    "FusedPolygon",
    "FusedSpan",
    "GoldAccuracy",
    "ItemPosterior",
    "MultiLabelResult",
    "OnlineDawidSkene",
    "PairwiseKappa",
    "PolygonConsensus",
    "PolygonShape",
    "ShapeAgreement",
    "Span",
    "SpanAgreement",
    "SpanConsensus",
    "VoteResult",
    "Votes",
    "agreement_with_consensus",
    "box_consensus",
    "box_iou",
    "boxes_from_answer",
    "class_agreement",
    "dawid_skene",
    "encode_truth",
    "encode_votes",
    "fleiss_kappa",
    "gold_accuracy",
    "krippendorff_alpha",
    "majority_vote",
    "multilabel_consensus",
    "observed_agreement",
    "pairwise_cohen_kappa",
    "polygon_consensus",
    "polygons_from_answer",
    "span_consensus",
    "spans_from_answer",
    "wilson_interval",
]
