"""Consensus and agreement for text spans (code-point offsets, ``end`` exclusive).

Voting is per character and per label: a character is in a consensus span of label L when the
annotators who covered it with L carry more than ``threshold`` of all annotators' weight (default
one half: a strict majority). Runs of such characters become spans. Labels are voted
independently, so nested or overlapping spans of different labels survive when a majority drew
them. The work is done on segments between span boundaries, not on characters, so a long text
costs no more than its spans.

Agreement is reported twice: ``span_f1`` counts a span only when start, end and label all match
(what an exact-match NER evaluation does); ``char_f1`` credits partial overlaps per character and
label, which is kinder to off-by-one boundaries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from app.quality.consensus.encoding import FloatArray, Key, annotator_weights


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    label: str


@dataclass(frozen=True)
class FusedSpan:
    span: Span
    support: float  # mean over its characters of the voting weight share for its label
    text: str | None


@dataclass(frozen=True)
class SpanAgreement:
    """Means over annotator pairs; 1.0 when both drew nothing; None with under two annotators."""

    annotators: int
    pairs: int
    span_f1: float | None
    char_f1: float | None


@dataclass(frozen=True)
class SpanConsensus:
    spans: tuple[FusedSpan, ...]
    agreement: SpanAgreement

    def as_answer(self) -> dict[str, Any]:
        """The consensus in the stored answer shape (``text`` only when it was given)."""
        return {
            "spans": [
                {"start": f.span.start, "end": f.span.end, "label": f.span.label}
                | ({} if f.text is None else {"text": f.text})
                for f in self.spans
            ]
        }


def spans_from_answer(answer: Mapping[str, Any]) -> list[Span]:
    """The spans of a stored (validated) answer."""
    return [Span(int(s["start"]), int(s["end"]), str(s["label"])) for s in answer.get("spans", [])]


def span_consensus(
    answers: Mapping[Key, Sequence[Span]],
    *,
    text: str | None = None,
    weights: Mapping[Key, float] | None = None,
    threshold: float = 0.5,
) -> SpanConsensus:
    """Character-level weighted vote over one item's spans from every annotator who answered."""
    if not 0 <= threshold < 1:
        raise ValueError("threshold is a share of the weight in [0, 1)")
    annotators = list(answers)
    w = annotator_weights(annotators, weights)
    sets = [set(spans) for spans in answers.values()]
    for spans in sets:
        for s in spans:
            if not 0 <= s.start < s.end or (text is not None and s.end > len(text)):
                raise ValueError(f"span {s} is empty or outside the text")
    total = w.sum() if w.sum() > 0 else 1.0
    fused: list[FusedSpan] = []
    overlap = np.zeros((len(sets), len(sets)))  # characters (per label) covered by both
    for label in sorted({s.label for spans in sets for s in spans}):
        cuts, cover = _coverage([[s for s in spans if s.label == label] for spans in sets])
        lengths = np.diff(cuts).astype(np.float64)
        overlap += (cover * lengths) @ cover.T
        share = (w @ cover) / total
        fused.extend(_runs(cuts, share, share > threshold, label, text))
    fused.sort(key=lambda f: f.span)
    return SpanConsensus(tuple(fused), _agreement(sets, overlap))


def _coverage(per_annotator: list[list[Span]]) -> tuple[np.ndarray, FloatArray]:
    """Segment boundaries and, per annotator, 1.0 where their spans cover a segment."""
    cuts = np.unique([x for spans in per_annotator for s in spans for x in (s.start, s.end)])
    cover = np.zeros((len(per_annotator), max(len(cuts), 1)))
    for a, spans in enumerate(per_annotator):
        for s in spans:  # overlapping spans of one annotator still count once
            cover[a, np.searchsorted(cuts, s.start)] += 1
            cover[a, np.searchsorted(cuts, s.end)] -= 1
    return cuts, (np.cumsum(cover, axis=1)[:, :-1] > 0).astype(np.float64)


def _runs(
    cuts: np.ndarray, share: FloatArray, keep: np.ndarray, label: str, text: str | None
) -> list[FusedSpan]:
    """Merge adjacent kept segments into spans (segments are contiguous by construction)."""
    out: list[FusedSpan] = []
    lengths = np.diff(cuts)
    flags = np.concatenate(([False], keep, [False])).astype(np.int8)
    starts = np.flatnonzero(np.diff(flags) == 1)
    ends = np.flatnonzero(np.diff(flags) == -1)
    for s0, s1 in zip(starts.tolist(), ends.tolist(), strict=True):
        start, end = int(cuts[s0]), int(cuts[s1])
        support = float(np.average(share[s0:s1], weights=lengths[s0:s1]))
        out.append(
            FusedSpan(Span(start, end, label), support, None if text is None else text[start:end])
        )
    return out


def _agreement(sets: list[set[Span]], overlap: FloatArray) -> SpanAgreement:
    n = len(sets)
    if n < 2:
        return SpanAgreement(n, 0, None, None)
    chars = np.diag(overlap)
    span_f1: list[float] = []
    char_f1: list[float] = []
    for a, b in combinations(range(n), 2):
        span_f1.append(_f1(len(sets[a] & sets[b]), len(sets[a]), len(sets[b])))
        char_f1.append(_f1(float(overlap[a, b]), float(chars[a]), float(chars[b])))
    return SpanAgreement(n, len(span_f1), float(np.mean(span_f1)), float(np.mean(char_f1)))


def _f1(both: float, in_a: float, in_b: float) -> float:
    """2|A∩B| / (|A|+|B|); two empty sets agree perfectly."""
    return 1.0 if in_a + in_b == 0 else 2.0 * both / (in_a + in_b)
