"""The Label Studio import parser: a Label Studio export read into answers the labeling
validation accepts, our own Label Studio export read back label for label, and clear per-task
problems for what a job cannot hold."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any

import pytest

from app.exports.formats.label_studio_import import (
    ImportedTask,
    LabelStudioFileError,
    TaskProblem,
    read_tasks,
)
from app.exports.records import ExportItem, LabelKind
from app.jobs.label_schema import label_schema_adapter
from app.labeling.answers import ItemFacts, validate_answer
from tests.exports.formats.records import export_job, image_item, label, run, text_item


def read(
    tasks: Any, kind: LabelKind, labels: tuple[str, ...], **options: Any
) -> list[ImportedTask | TaskProblem]:
    raw = tasks if isinstance(tasks, bytes) else json.dumps(tasks, ensure_ascii=False).encode()
    return list(read_tasks(io.BytesIO(raw), kind=kind, labels=labels, **options))


def only(results: list[ImportedTask | TaskProblem]) -> list[ImportedTask]:
    problems = [r.message() for r in results if isinstance(r, TaskProblem)]
    assert problems == []
    return [r for r in results if isinstance(r, ImportedTask)]


def problems(results: list[ImportedTask | TaskProblem]) -> list[str]:
    return [r.message() for r in results if isinstance(r, TaskProblem)]


# A task as Label Studio 1.x exports it (ids, users and region ids its own).
LS_BOX_TASK: dict[str, Any] = {
    "id": 1501,
    "annotations": [
        {
            "id": 9001,
            "completed_by": 3,
            "result": [
                {
                    "original_width": 800,
                    "original_height": 600,
                    "image_rotation": 0,
                    "value": {
                        "x": 12.5,
                        "y": 10.0,
                        "width": 25.0,
                        "height": 33.333333333333336,
                        "rotation": 0,
                        "rectanglelabels": ["Car"],
                    },
                    "id": "Xk2_9aQpLm",
                    "from_name": "label",
                    "to_name": "image",
                    "type": "rectanglelabels",
                    "origin": "manual",
                }
            ],
            "was_cancelled": False,
            "ground_truth": False,
            "created_at": "2024-05-02T08:13:11.512000Z",
            "updated_at": "2024-05-02T08:13:11.512000Z",
            "lead_time": 14.2,
            "prediction": {},
            "result_count": 0,
            "task": 1501,
            "project": 12,
        },
        {"id": 9002, "completed_by": 4, "result": [], "was_cancelled": True},
    ],
    "predictions": [
        {
            "id": 77,
            "model_version": "yolo-v8",
            "score": 0.61,
            "result": [
                {
                    "original_width": 800,
                    "original_height": 600,
                    "value": {
                        "x": 12.0,
                        "y": 9.5,
                        "width": 26.0,
                        "height": 34.0,
                        "rotation": 0,
                        "rectanglelabels": ["Person"],
                    },
                    "from_name": "label",
                    "to_name": "image",
                    "type": "rectanglelabels",
                }
            ],
        }
    ],
    "data": {"image": "/data/upload/12/8c1f2a-street.jpg"},
    "meta": {},
    "created_at": "2024-05-02T08:00:00.000000Z",
    "updated_at": "2024-05-02T08:13:11.512000Z",
    "inner_id": 1,
    "total_annotations": 1,
    "cancelled_annotations": 1,
    "project": 12,
}


def schema(kind: LabelKind, labels: tuple[str, ...], multi: bool = False) -> Any:
    raw: dict[str, Any] = {"kind": kind, "labels": [{"name": n} for n in labels]}
    if kind.endswith("classification"):
        raw["multi"] = multi
    return label_schema_adapter.validate_python(raw)


def test_a_label_studio_export_becomes_answers_the_labeling_accepts() -> None:
    (task,) = only(read([LS_BOX_TASK], "image_boxes", ("Car", "Person")))

    assert (task.task_id, task.image, task.width, task.height) == (
        1501,
        "/data/upload/12/8c1f2a-street.jpg",
        800,
        600,
    )
    (annotation,) = task.annotations
    assert annotation.answer == {
        "boxes": [{"label": "Car", "x": 100.0, "y": 60.0, "w": 200.0, "h": 200.0}]
    }
    assert (annotation.ref, annotation.author, annotation.lead_time) == (9001, "3", 14.2)
    assert task.cancelled == 1
    (prediction,) = task.predictions
    assert (prediction.author, prediction.score) == ("yolo-v8", 0.61)
    assert prediction.answer["boxes"][0]["label"] == "Person"

    facts = ItemFacts(width=800, height=600, text=None)
    checked = schema("image_boxes", ("Car", "Person"))
    for answer in (annotation.answer, prediction.answer):
        assert validate_answer(checked, answer, facts, field="answer") == answer


def items_of_every_kind() -> list[tuple[LabelKind, tuple[str, ...], bool, list[ExportItem]]]:
    text = "张三在北京大学读书 😀 then New York"
    boxes = [{"label": "car", "x": 0.001, "y": 479.999 - 100, "w": 639.999, "h": 100.0}]
    polygon = {"label": "dog", "points": [[10.5, 10.0], [200.0, 15.25], [220.0, 140.0]]}
    return [
        ("image_classification", ("cat", "dog"), False, [image_item(1, {"label": "dog"})]),
        ("image_classification", ("cat", "dog"), True, [image_item(1, {"labels": ["cat", "dog"]})]),
        ("image_boxes", ("car", "dog"), False, [image_item(1, {"boxes": boxes})]),
        ("image_polygons", ("car", "dog"), False, [image_item(1, {"polygons": [polygon]})]),
        ("text_classification", ("正面", "负面"), False, [text_item(1, text, {"label": "负面"})]),
        (
            "text_spans",
            ("PER", "ORG", "LOC"),
            False,
            [
                text_item(
                    1,
                    text,
                    {
                        "spans": [
                            {"label": "PER", "start": 0, "end": 2, "text": "张三"},
                            {"label": "ORG", "start": 3, "end": 7, "text": "北京大学"},
                            {"label": "LOC", "start": 17, "end": 25, "text": "New York"},
                        ]
                    },
                )
            ],
        ),
    ]


@pytest.mark.parametrize(
    ("kind", "labels", "multi", "items"),
    items_of_every_kind(),
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_our_export_reads_back_label_for_label(
    kind: LabelKind, labels: tuple[str, ...], multi: bool, items: list[ExportItem]
) -> None:
    (item,) = items
    assert item.answer is not None
    other = item.answer  # a second annotator who agreed, and one with a different answer
    different = {"labels": []} if multi else dict(item.answer)
    model = label(3, other, annotator="yolo-v8", status="imported", origin="prediction", score=0.5)
    with_labels = replace(
        item, labels=(label(1, other), label(2, different, annotator="ann-2"), model)
    )
    job = export_job(kind, labels, multi=multi)

    data, _ = run("label_studio", job, [with_labels], raw=True)
    (task,) = only(read(data, kind, labels, multi=multi))
    assert [a.answer for a in task.annotations] == [other, different]
    # an imported prediction goes back as one, before the consensus
    assert [(p.answer, p.author, p.score) for p in task.predictions] == [
        (other, "yolo-v8", 0.5),
        (item.answer, "brigade-consensus", 0.875 if item.kind == "image" else 0.9),
    ]

    # and once more through the writer, in consensus mode this time
    data, _ = run("label_studio", job, [item])
    (task,) = only(read(data, kind, labels, multi=multi))
    assert [a.answer for a in task.annotations] == [item.answer]
    facts = ItemFacts(width=item.width, height=item.height, text=item.text)
    assert validate_answer(
        schema(kind, labels, multi), task.annotations[0].answer, facts, field="a"
    )


def box_task(value: dict[str, Any], **result: Any) -> dict[str, Any]:
    entry = {
        "type": "rectanglelabels",
        "from_name": "label",
        "to_name": "image",
        "original_width": 100,
        "original_height": 50,
        "value": {"x": 10, "y": 10, "width": 20, "height": 20, **value},
        **result,
    }
    return {"id": 5, "data": {"image": "a.jpg"}, "annotations": [{"result": [entry]}]}


def test_problems_name_the_task_and_the_result() -> None:
    tasks = [
        box_task({"rectanglelabels": ["car"]}),
        box_task({"rectanglelabels": ["bus"]}),
        box_task({"rectanglelabels": ["Car"], "rotation": 15}),
        box_task({"rectanglelabels": ["Car"]}, original_width=None),
        box_task({"polygonlabels": ["Car"]}, type="polygonlabels"),
        {"id": 6, "data": {"img": "x.jpg", "caption": "y"}, "annotations": []},
    ]
    assert problems(read(tasks, "image_boxes", ("Car", "Person"))) == [
        "task 0 (id 5): annotations[0].result[0].value.rectanglelabels[0]: 'car' is not a label"
        " of this job; did you mean 'Car'?",
        "task 1 (id 5): annotations[0].result[0].value.rectanglelabels[0]: 'bus' is not one of"
        " this job's labels: 'Car', 'Person'",
        "task 2 (id 5): annotations[0].result[0].value.rotation: rotated rectangles cannot be"
        " imported (boxes are axis-aligned)",
        "task 3 (id 5): annotations[0].result[0]: needs original_width and original_height to"
        " turn percents into pixels",
        "task 4 (id 5): annotations[0].result[0]: type 'polygonlabels' cannot be imported into"
        " a image_boxes job (expected 'rectanglelabels' results)",
        "task 5 (id 6): data: has no 'image' (keys: 'img', 'caption'); name the field holding"
        " the image",
    ]
    (task,) = only(read(tasks[5:], "image_boxes", ("Car",), key="img"))
    assert task.image == "x.jpg"


def span_task(text: str, start: int, end: int, covered: str) -> dict[str, Any]:
    value = {"start": start, "end": end, "text": covered, "labels": ["LOC"]}
    result = {"type": "labels", "from_name": "label", "to_name": "text", "value": value}
    return {"data": {"text": text}, "annotations": [{"result": [result]}]}


def test_span_offsets_must_fit_the_text_and_utf16_ones_are_converted() -> None:
    text = "😀😀 去北京"
    tasks = [
        span_task(text, 4, 6, "北京"),  # code points: as Label Studio writes them now
        span_task(text, 6, 8, "北京"),  # UTF-16 units (each emoji counts two): converted
        span_task(text, 1, 3, "北京"),
    ]
    results = read(tasks, "text_spans", ("LOC",))
    first, second = (r for r in results if isinstance(r, ImportedTask))
    assert first.annotations[0].answer == second.annotations[0].answer
    assert first.annotations[0].answer["spans"][0] == {
        "label": "LOC",
        "start": 4,
        "end": 6,
        "text": "北京",
    }
    assert problems(results) == [
        "task 2: annotations[0].result[0]: text[1:3] is '😀 ', not '北京': the offsets do not"
        " fit this task's text"
    ]


def test_a_single_choice_job_takes_one_choice() -> None:
    choice = {"type": "choices", "from_name": "c", "to_name": "t", "value": {"choices": []}}
    two = {**choice, "value": {"choices": ["a", "b"]}}
    tasks = [
        {"data": {"text": "x"}, "annotations": [{"result": [two]}]},
        {"data": {"text": "y"}, "completions": [{"result": [choice]}]},  # the old key
    ]
    assert problems(read(tasks, "text_classification", ("a", "b"))) == [
        "task 0: annotations[0]: chooses 2 labels; this job takes exactly one per item",
        "task 1: annotations[0]: chooses 0 labels; this job takes exactly one per item",
    ]
    (task, _) = only(read(tasks, "text_classification", ("a", "b"), multi=True))
    assert task.annotations[0].answer == {"labels": ["a", "b"]}


def test_a_task_without_data_is_its_own_data() -> None:
    (task,) = only(read([{"text": "只有文本"}], "text_spans", ("LOC",)))
    assert (task.text, task.annotations) == ("只有文本", ())


def test_files_that_are_not_a_task_list_are_refused() -> None:
    with pytest.raises(LabelStudioFileError, match="expected a JSON list of tasks"):
        read({"data": {}}, "text_spans", ("LOC",))
    with pytest.raises(LabelStudioFileError, match="an empty file"):
        read(b"  \n", "text_spans", ("LOC",))
    broken = b'\xef\xbb\xbf[{"data": {"text": "ok"}}, {"data": '
    tasks = read_tasks(io.BytesIO(broken), kind="text_spans", labels=("LOC",))
    first = next(tasks)  # the tasks before the break are read
    assert isinstance(first, ImportedTask)
    assert first.text == "ok"
    with pytest.raises(LabelStudioFileError, match="not valid JSON after task 0"):
        next(tasks)
