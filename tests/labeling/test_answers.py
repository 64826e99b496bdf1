"""Validation of annotators' answers against label schemas: every rule, good and bad, no DB."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.errors import InvalidInput
from app.labeling.answers import (
    MAX_PROBLEMS,
    ItemFacts,
    LabelSchemaModel,
    parse_schema,
    validate_answer,
)

# The autouse DB fixture of tests/conftest.py is function-scoped; these tests do not use it.
hsettings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)

IMAGE = ItemFacts(width=640, height=480, text=None)
NO_SIZE = ItemFacts(width=None, height=None, text=None)
F = "labels[0].answer"


def schema(kind: str, names: tuple[str, ...] = ("cat", "dog"), **options: Any) -> LabelSchemaModel:
    return parse_schema({"kind": kind, "labels": [{"name": n} for n in names], **options})


def text_item(text: str) -> ItemFacts:
    return ItemFacts(width=None, height=None, text=text)


def problems(s: LabelSchemaModel, answer: object, item: ItemFacts = IMAGE) -> dict[str, str]:
    """Field -> message of the InvalidInput the answer must raise."""
    with pytest.raises(InvalidInput) as info:
        validate_answer(s, answer, item, field=F)
    assert info.value.fields
    return {e.field: e.message for e in info.value.fields}


def ok(s: LabelSchemaModel, answer: object, item: ItemFacts = IMAGE) -> dict[str, Any]:
    return validate_answer(s, answer, item, field=F)


# --- schema parsing ---------------------------------------------------------------------------


def test_parse_schema_caches_equal_schemas_whatever_their_key_order() -> None:
    a = parse_schema({"kind": "image_boxes", "labels": [{"name": "car"}], "min_size_px": 4})
    b = parse_schema({"min_size_px": 4, "labels": [{"name": "car"}], "kind": "image_boxes"})
    assert a is b
    assert a.kind == "image_boxes"


def test_parse_schema_refuses_an_invalid_schema() -> None:
    with pytest.raises(ValidationError):
        parse_schema({"kind": "image_boxes", "labels": []})


# --- the answer's outer shape and the error report --------------------------------------------


@pytest.mark.parametrize("answer", ["cat", ["cat"], None, 3, True])
def test_an_answer_must_be_an_object(answer: object) -> None:
    found = problems(schema("image_classification"), answer)
    assert found[F].startswith('must be an object like {"label": "<name>"}')


def test_unexpected_keys_are_named_and_missing_ones_required() -> None:
    found = problems(schema("image_classification"), {"labels": ["cat"], "note x": 1})
    assert found == {
        f"{F}.labels": "unexpected key (allowed: label)",
        f'{F}["note x"]': "unexpected key (allowed: label)",
        f"{F}.label": "is required",
    }


def test_detail_summarizes_the_first_three_problems() -> None:
    answer = {"boxes": [{"label": "cat", "x": 0, "y": 0, "w": 0, "h": 0}] * 2}
    with pytest.raises(InvalidInput) as info:
        validate_answer(schema("image_boxes"), answer, IMAGE, field=F)
    assert info.value.detail == (
        f"Invalid answer — {F}.boxes[0].w: zero area: the size must be greater than 0; "
        f"{F}.boxes[0].h: zero area: the size must be greater than 0; "
        f"{F}.boxes[1].w: zero area: the size must be greater than 0; and 1 more"
    )
    assert info.value.status_code == 422


def test_problems_are_capped() -> None:
    answer = {"boxes": [{"label": "owl", "x": -1, "y": 0, "w": 5, "h": 5}] * 200}
    with pytest.raises(InvalidInput) as info:
        validate_answer(schema("image_boxes"), answer, IMAGE, field=F)
    assert info.value.fields is not None
    assert len(info.value.fields) == MAX_PROBLEMS
    assert info.value.detail.endswith(f"and more (the first {MAX_PROBLEMS} are listed)")


# --- classification ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["image_classification", "text_classification"])
def test_single_label(kind: str) -> None:
    item = text_item("一只猫") if kind.startswith("text") else IMAGE
    assert ok(schema(kind), {"label": "dog"}, item) == {"label": "dog"}
    assert problems(schema(kind), {"label": 1}, item) == {
        f"{F}.label": "must be a label name (a string), not an integer"
    }


def test_unknown_label_lists_the_schema_labels() -> None:
    found = problems(schema("image_classification"), {"label": "horse"})
    assert found[f"{F}.label"] == "'horse' is not one of this job's labels: 'cat', 'dog'"


def test_unknown_label_lists_at_most_ten_names() -> None:
    names = tuple(f"l{i}" for i in range(25))
    message = problems(schema("image_classification", names), {"label": "x"})[f"{F}.label"]
    assert "'l9', … (25 in all)" in message
    assert "'l10'" not in message


def test_label_names_are_case_sensitive_with_a_hint() -> None:
    found = problems(schema("image_classification", ("Cat", "dog")), {"label": "cat"})
    assert found[f"{F}.label"] == "'cat' is not a label of this job; did you mean 'Cat'?"


def test_multi_label_in_schema_order_and_empty_allowed() -> None:
    s = schema("image_classification", ("a", "b", "c"), multi=True)
    assert ok(s, {"labels": ["c", "a"]}) == {"labels": ["a", "c"]}
    assert ok(s, {"labels": []}) == {"labels": []}


def test_multi_label_refuses_duplicates_unknown_names_and_non_lists() -> None:
    s = schema("text_classification", ("a", "b", "c"), multi=True)
    item = text_item("文本")
    found = problems(s, {"labels": ["a", "z", "a"]}, item)
    assert found[f"{F}.labels[2]"] == "'a' is already chosen at labels[0]"
    assert found[f"{F}.labels[1]"].startswith("'z' is not one of this job's labels")
    assert problems(s, {"labels": "a"}, item) == {f"{F}.labels": "expected a list, not a string"}
    assert f"{F}.label" in problems(s, {"label": "a"}, item)


def test_text_kinds_need_the_item_text() -> None:
    with pytest.raises(ValueError, match=r"ItemFacts\.text"):
        validate_answer(schema("text_classification"), {"label": "cat"}, IMAGE, field=F)


# --- boxes ------------------------------------------------------------------------------------


def box(**fields: Any) -> dict[str, Any]:
    return {"label": "cat", "x": 10, "y": 20, "w": 30, "h": 40, **fields}


def test_boxes_are_normalized_to_floats_with_three_decimals() -> None:
    answer = {"boxes": [box(), box(label="dog", x=1.23456, y=-0.0001, w=5.5, h=2)]}
    assert ok(schema("image_boxes"), answer) == {
        "boxes": [
            {"label": "cat", "x": 10.0, "y": 20.0, "w": 30.0, "h": 40.0},
            {"label": "dog", "x": 1.235, "y": 0.0, "w": 5.5, "h": 2.0},
        ]
    }
    assert ok(schema("image_boxes"), {"boxes": []}) == {"boxes": []}


def test_a_box_may_touch_the_far_edges_and_sub_thousandths_round_away() -> None:
    s = schema("image_boxes")
    answer = {"boxes": [box(x=33.333, w=606.667, y=0, h=480), box(x=600, w=40.0004)]}
    assert [b["w"] for b in ok(s, answer)["boxes"]] == [606.667, 40.0]
    assert f"{F}.boxes[0].w" in problems(s, {"boxes": [box(x=600, w=40.0006)]})


@pytest.mark.parametrize(
    ("fields", "key", "message"),
    [
        ({"w": 0}, "w", "zero area: the size must be greater than 0"),
        ({"h": 0.0001}, "h", "zero area: the size must be greater than 0"),
        ({"w": -5}, "w", "must be greater than 0 (x, y is the top-left corner)"),
        ({"h": 2.5}, "h", "2.5 px is under this job's minimum box size of 3 px"),
        ({"x": -1}, "x", "must be >= 0 (the origin is the image's top-left corner)"),
        ({"x": 600, "w": 41}, "w", "x + w = 641 is past the width of the image (640x480 px)"),
        ({"y": 470, "h": 10.5}, "h", "y + h = 480.5 is past the height of the image (640x480 px)"),
        ({"x": math.nan}, "x", "must be a finite number"),
        ({"y": -math.inf}, "y", "must be a finite number"),
        ({"w": 10**400}, "w", "must be a finite number"),
        ({"h": True}, "h", "must be a number, not a boolean"),
        ({"x": "10"}, "x", "must be a number, not a string"),
        ({"label": None}, "label", "must be a label name (a string), not null"),
        ({"angle": 0}, "angle", "unexpected key (allowed: label, x, y, w, h)"),
    ],
)
def test_box_problems(fields: dict[str, Any], key: str, message: str) -> None:
    s = schema("image_boxes", min_size_px=3)
    assert problems(s, {"boxes": [box(), box(**fields)]}) == {f"{F}.boxes[1].{key}": message}


def test_box_shape_problems() -> None:
    s = schema("image_boxes")
    partial = {"label": "cat", "x": 1, "y": 1}
    assert problems(s, {"boxes": [partial]}) == {
        f"{F}.boxes[0].w": "is required",
        f"{F}.boxes[0].h": "is required",
    }
    assert problems(s, {"boxes": [[1, 2, 3, 4]]})[f"{F}.boxes[0]"].startswith("must be an object")
    assert problems(s, {"boxes": {"0": box()}}) == {f"{F}.boxes": "expected a list, not an object"}
    assert problems(s, {"boxes": [box()] * 1001}) == {
        f"{F}.boxes": "at most 1000 boxes per answer (got 1001)"
    }


def test_boxes_without_a_known_image_size_only_check_the_origin() -> None:
    s = schema("image_boxes")
    assert ok(s, {"boxes": [box(x=5000, w=100000)]}, NO_SIZE)["boxes"][0]["w"] == 100000.0
    assert f"{F}.boxes[0].x" in problems(s, {"boxes": [box(x=-3)]}, NO_SIZE)


@hsettings
@given(st.data())
def test_in_bounds_boxes_are_accepted_and_round_trip(data: st.DataObject) -> None:
    width, height = data.draw(st.integers(1, 5000)), data.draw(st.integers(1, 5000))
    boxes = []
    for _ in range(data.draw(st.integers(0, 20))):
        x = data.draw(st.integers(0, width * 1000 - 1000)) / 1000
        y = data.draw(st.integers(0, height * 1000 - 1000)) / 1000
        w = data.draw(st.integers(1000, round((width - x) * 1000))) / 1000
        h = data.draw(st.integers(1000, round((height - y) * 1000))) / 1000
        boxes.append(
            {"label": data.draw(st.sampled_from(["cat", "dog"])), "x": x, "y": y, "w": w, "h": h}
        )
    item = ItemFacts(width=width, height=height, text=None)
    assert ok(schema("image_boxes"), {"boxes": boxes}, item) == {"boxes": boxes}


# --- polygons ---------------------------------------------------------------------------------


def polygon(*points: tuple[float, float], label: str = "cat") -> dict[str, Any]:
    return {"polygons": [{"label": label, "points": [list(p) for p in points]}]}


SQUARE = ((10, 10), (110, 10), (110, 110), (10, 110))
PATH = f"{F}.polygons[0].points"


def test_simple_polygons_are_accepted_with_rounded_points() -> None:
    s = schema("image_polygons")
    assert ok(s, polygon(*SQUARE)) == polygon(*((float(x), float(y)) for x, y in SQUARE))
    u_shape = ((0, 0), (30, 0), (30, 30), (20, 30), (20, 10), (10, 10), (10, 30), (0, 30))
    assert ok(s, polygon(*u_shape))
    assert ok(s, polygon((0.12345, 0), (640, 0), (640, 480)))["polygons"][0]["points"][0] == [
        0.123,
        0.0,
    ]
    # A straight-through vertex is redundant, not wrong.
    assert ok(s, polygon((0, 0), (50, 0), (100, 0), (100, 100)))


@pytest.mark.parametrize(
    ("points", "field", "message"),
    [
        ([(0, 0), (1, 1)], PATH, "a polygon needs at least 3 points (got 2)"),
        ([], PATH, "a polygon needs at least 3 points (got 0)"),
        (
            [(0, 0), (10, 0), (10, 10), (5, 12), (0, 10), (0, 5)],
            PATH,
            "at most 5 points in a polygon of this job (got 6)",
        ),
        ([(0, 0), (641, 0), (0, 10)], f"{PATH}[1]", "(641, 0) lies outside the image (640x480 px)"),
        (
            [(0, 0), (10, -0.5), (0, 10)],
            f"{PATH}[1]",
            "(10, -0.5) lies outside the image (640x480 px)",
        ),
        ([(0, 0), (10, 0), (10, 0), (0, 10)], f"{PATH}[2]", "repeats the previous point"),
        (
            [(0, 0), (10, 0), (0, 10), (0, 0)],
            f"{PATH}[3]",
            "repeats the first point; a polygon closes by itself, leave the last point out",
        ),
        ([(0, 0), (5, 5), (10, 10)], PATH, "zero area: all its points lie on one line"),
        (
            [(0, 0), (10, 10), (10, 0), (0, 10)],  # a bow-tie
            PATH,
            "self-intersecting: the edge from point 0 to 1 meets the edge from point 2 to 3",
        ),
        (
            [(0, 0), (20, 0), (20, 20), (10, 0.0001), (0, 20)],  # touches edge 0 once rounded
            PATH,
            "self-intersecting: the edge from point 0 to 1 meets the edge from point 2 to 3",
        ),
        (
            [(0, 0), (20, 0), (10, 0), (10, 10)],
            PATH,
            "the outline doubles back on itself at point 1",
        ),
    ],
)
def test_polygon_problems(points: list[tuple[float, float]], field: str, message: str) -> None:
    s = schema("image_polygons", max_points=5)
    assert problems(s, polygon(*points)) == {field: message}


def test_a_pinched_outline_self_intersects() -> None:
    # Two triangles meeting at (10, 10): the vertex is visited twice.
    pinch = ((0, 0), (10, 10), (20, 0), (20, 20), (10, 10), (0, 20))
    message = problems(schema("image_polygons"), polygon(*pinch))[PATH]
    assert message.startswith("self-intersecting")


@pytest.mark.parametrize(
    ("point", "key", "message"),
    [
        ([1], "[2]", "expected a point [x, y], not a list"),
        ({"x": 1, "y": 2}, "[2]", "expected a point [x, y], not an object"),
        ([1, "2"], "[2][1]", "must be a number, not a string"),
        ([math.inf, 2], "[2][0]", "must be a finite number"),
        ([False, 2], "[2][0]", "must be a number, not a boolean"),
    ],
)
def test_malformed_points(point: object, key: str, message: str) -> None:
    answer = {"polygons": [{"label": "cat", "points": [[0, 0], [10, 0], point]}]}
    assert problems(schema("image_polygons"), answer) == {f"{PATH}{key}": message}


def test_polygon_shape_problems() -> None:
    s = schema("image_polygons")
    assert problems(s, {"polygons": [{"label": "cat", "points": None}]}) == {
        PATH: "expected a list, not null"
    }
    assert problems(s, {"polygons": [{"label": "cat"}]}) == {PATH: "is required"}
    too_many = {"polygons": polygon(*SQUARE)["polygons"] * 1001}
    assert problems(s, too_many) == {f"{F}.polygons": "at most 1000 polygons per answer (got 1001)"}


def test_polygons_far_beyond_int64_safe_extents_still_use_exact_geometry() -> None:
    # Extents over 2**31 thousandths of a pixel take the Python-int path.
    s = schema("image_polygons")
    big = 5e7
    assert ok(s, polygon((0, 0), (big, 0), (big, big), (0, big)), NO_SIZE)
    bow_tie = polygon((0, 0), (big, big), (big, 0), (0, big))
    assert problems(s, bow_tie, NO_SIZE)[PATH].startswith("self-intersecting")
    assert PATH + "[1]" in problems(s, polygon((0, 0), (2e9, 0), (0, 5)), NO_SIZE)


def test_a_large_round_polygon_is_accepted() -> None:
    n = 5000
    ring = [
        (320 + 200 * math.cos(2 * math.pi * k / n), 240 + 200 * math.sin(2 * math.pi * k / n))
        for k in range(n)
    ]
    s = schema("image_polygons", max_points=n)
    assert len(ok(s, polygon(*ring))["polygons"][0]["points"]) == n
    ring[2500] = (600, 240)  # a spike out through the rim far away
    assert problems(s, polygon(*ring))[PATH].startswith("self-intersecting")


# A reference written from the definition: a polygon is simple when non-adjacent edges do not
# meet at all and adjacent edges meet only at their shared point.
def _orient(p: tuple[int, int], q: tuple[int, int], r: tuple[int, int]) -> int:
    value = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    return (value > 0) - (value < 0)


def _on_segment(p: tuple[int, int], q: tuple[int, int], r: tuple[int, int]) -> bool:
    """r lies on the closed segment pq."""
    inside = min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and min(p[1], q[1]) <= r[1] <= max(
        p[1], q[1]
    )
    return _orient(p, q, r) == 0 and inside


def _meet(a: tuple[int, int], b: tuple[int, int], c: tuple[int, int], d: tuple[int, int]) -> bool:
    o1, o2, o3, o4 = _orient(a, b, c), _orient(a, b, d), _orient(c, d, a), _orient(c, d, b)
    if o1 != o2 and o3 != o4 and 0 not in (o1, o2, o3, o4):
        return True
    return (
        _on_segment(a, b, c) or _on_segment(a, b, d) or _on_segment(c, d, a) or _on_segment(c, d, b)
    )


def _is_simple(points: list[tuple[int, int]]) -> bool:
    n = len(points)
    edges = [(points[k], points[(k + 1) % n]) for k in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            (a, b), (c, d) = edges[i], edges[j]
            if j == i + 1 and (_on_segment(a, b, d) or _on_segment(c, d, a)):
                return False  # the far end of one lies on the other: they overlap
            if i == 0 and j == n - 1 and (_on_segment(a, b, c) or _on_segment(c, d, b)):
                return False
            if j - i >= 2 and not (i == 0 and j == n - 1) and _meet(a, b, c, d):
                return False
    return True


@hsettings
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=3, max_size=9))
def test_polygons_are_accepted_exactly_when_simple(points: list[tuple[int, int]]) -> None:
    assume(all(points[k] != points[k - 1] for k in range(len(points))))
    s = schema("image_polygons")
    item = ItemFacts(width=4, height=4, text=None)
    if _is_simple(points):
        ok(s, polygon(*points), item)
    else:
        assert problems(s, polygon(*points), item).keys() == {PATH}


# --- text spans -------------------------------------------------------------------------------

# Code points: 我0 爱1 🐼2 熊3 猫4 ，5 😀6 好7 ！8 — the emoji are astral (two UTF-16 units each).
ZH = "我爱🐼熊猫，😀好！"


def span(label: str, start: int, end: int, **extra: Any) -> dict[str, Any]:
    return {"label": label, "start": start, "end": end, **extra}


def test_spans_use_code_point_offsets_and_are_sorted_with_their_text() -> None:
    answer = {"spans": [span("dog", 6, 9, text="😀好！"), span("cat", 2, 5), span("cat", 0, 2)]}
    assert ok(schema("text_spans"), answer, text_item(ZH)) == {
        "spans": [
            span("cat", 0, 2, text="我爱"),
            span("cat", 2, 5, text="🐼熊猫"),
            span("dog", 6, 9, text="😀好！"),
        ]
    }
    assert ok(schema("text_spans"), {"spans": [span("cat", 0, 1, text=None)]}, text_item(ZH))
    assert ok(schema("text_spans"), {"spans": []}, text_item(ZH)) == {"spans": []}


def test_utf16_offsets_are_caught_by_the_text_check() -> None:
    # A JavaScript client counts "熊猫" as [3, 5) in UTF-16 units... of "我爱🐼": 🐼 is 2 units.
    found = problems(
        schema("text_spans"), {"spans": [span("cat", 4, 6, text="熊猫")]}, text_item(ZH)
    )
    assert found == {
        f"{F}.spans[0].text": "does not match the item's text (text[4:6] is '猫，'; offsets count "
        "Unicode code points, not UTF-16 units or bytes); read as UTF-16 offsets they match: "
        "in code points that is [3, 5)"
    }
    # At the end of the text UTF-16 offsets overshoot: still explained.
    found = problems(
        schema("text_spans"), {"spans": [span("cat", 9, 11, text="好！")]}, text_item(ZH)
    )
    assert found[f"{F}.spans[0].end"] == "is past the end of the text (9 code points)"
    assert found[f"{F}.spans[0].text"].endswith("in code points that is [7, 9)")


@pytest.mark.parametrize(
    ("fields", "key", "message"),
    [
        ({"start": -1}, ".start", "must be >= 0"),
        ({"end": 10}, ".end", "is past the end of the text (9 code points)"),
        ({"start": 3, "end": 3}, "", "is empty (start == end)"),
        ({"start": 4, "end": 3}, "", "start must be before end"),
        (
            {"start": 1.0},
            ".start",
            "must be an integer offset in code points, not a number with a fraction",
        ),
        ({"end": True}, ".end", "must be an integer offset in code points, not a boolean"),
        ({"text": 5}, ".text", "must be a string, not an integer"),
        ({"label": "bird"}, ".label", "'bird' is not one of this job's labels: 'cat', 'dog'"),
        ({"note": ""}, ".note", "unexpected key (allowed: label, start, end, text)"),
    ],
)
def test_span_problems(fields: dict[str, Any], key: str, message: str) -> None:
    answer = {"spans": [span("cat", 0, 2), {**span("dog", 2, 4), **fields}]}
    assert problems(schema("text_spans"), answer, text_item(ZH)) == {f"{F}.spans[1]{key}": message}


def test_overlapping_spans_need_the_schema_to_allow_them() -> None:
    answer = {"spans": [span("cat", 0, 5), span("dog", 4, 6), span("dog", 1, 2)]}
    found = problems(schema("text_spans"), answer, text_item(ZH))
    overlap = "; this job does not allow overlapping spans"
    assert found == {
        f"{F}.spans[2]": f"overlaps spans[0]{overlap}",
        f"{F}.spans[1]": f"overlaps spans[0]{overlap}",
    }
    result = ok(schema("text_spans", allow_overlap=True), answer, text_item(ZH))
    assert [(s["start"], s["end"]) for s in result["spans"]] == [(0, 5), (1, 2), (4, 6)]
    # Adjacent spans do not overlap.
    assert ok(
        schema("text_spans"), {"spans": [span("cat", 0, 2), span("cat", 2, 4)]}, text_item(ZH)
    )


def test_duplicate_spans_are_refused_even_when_overlap_is_allowed() -> None:
    answer = {"spans": [span("cat", 1, 3), span("dog", 1, 3), span("cat", 1, 3)]}
    found = problems(schema("text_spans", allow_overlap=True), answer, text_item(ZH))
    assert found == {f"{F}.spans[2]": "repeats spans[0] (same label and offsets)"}


def test_span_count_is_capped() -> None:
    answer = {"spans": [span("cat", 0, 1)] * 5001}
    found = problems(schema("text_spans"), answer, text_item(ZH))
    assert found == {f"{F}.spans": "at most 5000 spans per answer (got 5001)"}


texts = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=60)


@hsettings
@given(texts, st.data())
def test_disjoint_spans_are_accepted_and_round_trip_sorted(text: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(0, len(text)), max_size=12)))
    spans = [
        span(data.draw(st.sampled_from(["cat", "dog"])), a, b, text=text[a:b])
        for a, b in zip(cuts[::2], cuts[1::2], strict=False)
        if a < b
    ]
    shuffled = data.draw(st.permutations(spans))
    assert ok(schema("text_spans"), {"spans": shuffled}, text_item(text)) == {"spans": spans}
