"""Spans: character voting, merged runs, span-F1 and character-F1."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.quality.consensus import Span, span_consensus, spans_from_answer

TEXT = "Alice met Bob in Paris."  # Alice 0-5, Bob 10-13, Paris 17-22


def test_vote_by_hand() -> None:
    answers = {
        "a": [Span(0, 5, "PER"), Span(17, 22, "LOC")],
        "b": [Span(0, 5, "PER"), Span(10, 13, "PER")],
        "c": [Span(1, 5, "PER"), Span(17, 22, "LOC")],
    }
    result = span_consensus(answers, text=TEXT)
    got = [(f.span, f.text) for f in result.spans]
    # PER: char 0 has 2 of 3 votes, 1-4 have 3: span 0-5. Bob: 1 of 3, out. LOC: 2 of 3.
    assert got == [(Span(0, 5, "PER"), "Alice"), (Span(17, 22, "LOC"), "Paris")]
    assert result.spans[0].support == pytest.approx((2 / 3 + 4) / 5)
    # Exact span-F1 per pair: a-b 2*1/4, a-c 2*1/4 (LOC), b-c 0 -> mean 1/3.
    assert result.agreement.span_f1 == pytest.approx(1 / 3)
    # Characters: a 10, b 8, c 9. a-b share 5 (Alice), a-c 4+5, b-c 4.
    # F1: 10/18, 18/19, 8/17.
    assert result.agreement.char_f1 == pytest.approx((10 / 18 + 18 / 19 + 8 / 17) / 3)


def test_runs_merge_across_annotators_and_labels_are_voted_apart() -> None:
    # a: 0-5 and 5-9 (adjacent); b: 0-9 -> one run 0-9. An ORG nested in 0-3 by both survives.
    answers = {
        "a": [Span(0, 5, "X"), Span(5, 9, "X"), Span(0, 3, "ORG")],
        "b": [Span(0, 9, "X"), Span(0, 3, "ORG")],
    }
    result = span_consensus(answers)
    assert [f.span for f in result.spans] == [Span(0, 3, "ORG"), Span(0, 9, "X")]
    assert result.as_answer() == {
        "spans": [{"start": 0, "end": 3, "label": "ORG"}, {"start": 0, "end": 9, "label": "X"}]
    }


def test_threshold_and_weights() -> None:
    answers = {"a": [Span(0, 4, "X")], "b": [], "c": []}
    assert span_consensus(answers).spans == ()
    assert [f.span for f in span_consensus(answers, threshold=0.3).spans] == [Span(0, 4, "X")]
    weighted = span_consensus(answers, weights={"a": 5.0})
    assert [f.span for f in weighted.spans] == [Span(0, 4, "X")]


def test_empty_single_and_invalid() -> None:
    nothing = span_consensus({"a": [], "b": []})
    assert nothing.spans == ()
    assert (nothing.agreement.span_f1, nothing.agreement.char_f1) == (1.0, 1.0)
    solo = span_consensus({"a": [Span(2, 4, "X")]})
    assert [f.span for f in solo.spans] == [Span(2, 4, "X")]
    assert solo.agreement.span_f1 is None
    with pytest.raises(ValueError, match="outside the text"):
        span_consensus({"a": [Span(0, 99, "X")]}, text="short")
    with pytest.raises(ValueError, match="empty"):
        span_consensus({"a": [Span(3, 3, "X")]})


def test_from_answer() -> None:
    answer = {"spans": [{"start": 0, "end": 5, "label": "PER", "text": "Alice"}]}
    assert spans_from_answer(answer) == [Span(0, 5, "PER")]


span = st.builds(
    lambda s, n, label: Span(s, s + n, label),
    st.integers(0, 200),
    st.integers(1, 30),
    st.sampled_from(["A", "B"]),
)


@settings(deadline=None)  # timing varies on a loaded machine; size is bounded
@given(spans=st.lists(span, max_size=6, unique=True), annotators=st.integers(2, 4))
def test_identical_answers_agree_fully(spans: list[Span], annotators: int) -> None:
    result = span_consensus({n: spans for n in range(annotators)})
    assert result.agreement.span_f1 == 1.0
    assert result.agreement.char_f1 == 1.0
    # The consensus covers exactly the characters they covered, per label.
    covered = {(c, s.label) for s in spans for c in range(s.start, s.end)}
    fused = {(c, f.span.label) for f in result.spans for c in range(f.span.start, f.span.end)}
    assert fused == covered
