"""The label schema on its own: strict, one kind per job, data kind implied by the kind."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.jobs.label_schema import MAX_LABELS, ImageBoxes, TextSpans, label_schema_adapter
from app.models import DataKind


def _schema(kind: str = "image_boxes", **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "labels": [{"name": "car"}, {"name": "person"}], **extra}


def _errors(data: Any) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        label_schema_adapter.validate_python(data)
    return [(tuple(e["loc"]), e["msg"]) for e in caught.value.errors()]


@pytest.mark.parametrize(
    ("kind", "data_kind"),
    [
        ("image_classification", DataKind.IMAGE),
        ("image_boxes", DataKind.IMAGE),
        ("image_polygons", DataKind.IMAGE),
        ("text_classification", DataKind.TEXT),
        ("text_spans", DataKind.TEXT),
    ],
)
def test_each_kind_implies_its_data_kind(kind: str, data_kind: DataKind) -> None:
    schema = label_schema_adapter.validate_python(_schema(kind))

    assert schema.kind == kind
    assert schema.data_kind is data_kind


def test_a_valid_schema_keeps_titles_colors_shortcuts_and_defaults() -> None:
    schema = label_schema_adapter.validate_python(
        {
            "kind": "text_spans",
            "labels": [
                {"name": "brand", "title": "品牌", "color": "#8e44ad", "shortcut": "1"},
                {"name": "place", "shortcut": "p"},
            ],
        }
    )

    assert isinstance(schema, TextSpans)
    assert schema.allow_overlap is False
    assert schema.labels[0].title == "品牌"
    assert schema.model_dump(mode="json")["labels"][1] == {
        "name": "place",
        "title": None,
        "color": None,
        "shortcut": "p",
    }


def test_unknown_top_level_field_is_an_error() -> None:
    [(loc, _)] = _errors(_schema(colour_mode="dark"))

    assert loc == ("image_boxes", "colour_mode")


def test_unknown_label_field_is_an_error() -> None:
    [(loc, _)] = _errors({"kind": "image_boxes", "labels": [{"name": "car", "hotkey": "c"}]})

    assert loc == ("image_boxes", "labels", 0, "hotkey")


def test_option_of_another_kind_is_an_error() -> None:
    # ``multi`` belongs to the classification kinds, not to boxes.
    [(loc, _)] = _errors(_schema("image_boxes", multi=True))

    assert loc == ("image_boxes", "multi")


def test_unknown_kind_is_an_error() -> None:
    [(loc, msg)] = _errors(_schema("video_tracks"))

    assert loc == ()
    assert "video_tracks" in msg


def test_missing_kind_is_an_error() -> None:
    [(_, msg)] = _errors({"labels": [{"name": "car"}]})

    assert "kind" in msg


@pytest.mark.parametrize("second", ["car", "CAR", "Car"])
def test_label_names_are_unique_ignoring_case(second: str) -> None:
    [(loc, msg)] = _errors({"kind": "image_boxes", "labels": [{"name": "car"}, {"name": second}]})

    assert loc == ("image_boxes", "labels")
    assert "duplicate label name" in msg


def test_empty_label_set_is_an_error() -> None:
    [(loc, _)] = _errors({"kind": "image_boxes", "labels": []})

    assert loc == ("image_boxes", "labels")


def test_too_many_labels_is_an_error() -> None:
    labels = [{"name": f"l{i}"} for i in range(MAX_LABELS + 1)]

    [(loc, _)] = _errors({"kind": "image_boxes", "labels": labels})

    assert loc == ("image_boxes", "labels")


def test_two_labels_cannot_share_a_shortcut() -> None:
    labels = [{"name": "car", "shortcut": "c"}, {"name": "cat", "shortcut": "c"}]

    [(loc, msg)] = _errors({"kind": "image_boxes", "labels": labels})

    assert loc == ("image_boxes", "labels")
    assert "shortcut 'c'" in msg


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ({"name": "car", "color": "red"}, "color"),
        ({"name": "car", "color": "#12345"}, "color"),
        ({"name": "car", "color": "#12345g"}, "color"),
        ({"name": "car", "shortcut": "C"}, "shortcut"),
        ({"name": "car", "shortcut": "ab"}, "shortcut"),
        ({"name": " car"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 65}, "name"),
    ],
)
def test_label_fields_are_checked(label: dict[str, Any], field: str) -> None:
    [(loc, _)] = _errors({"kind": "image_boxes", "labels": [label]})

    assert loc == ("image_boxes", "labels", 0, field)


def test_schemas_are_immutable() -> None:
    schema = ImageBoxes.model_validate(_schema())

    with pytest.raises(ValidationError):
        schema.min_size_px = 5  # type: ignore[misc]
