"""The OpenAPI document is clean (chosen, unique operation ids; errors in the one error shape)
and the SDK cannot drift from it: every operation it calls exists with the same path
parameters, what it parses is what the server sends, and what it sends is what the server
takes."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from app.client.operations import (
    API_PREFIX,
    CHANGE_JOB_STATUS,
    CREATE_EXPORT,
    CREATE_JOB,
    ROUTES,
    UPLOAD_DATASET,
    Operations,
    Route,
    Send,
)

Spec = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@pytest.fixture(scope="module")
def spec(app: FastAPI) -> Spec:
    document: Spec = app.openapi()
    return document


def operations(spec: Spec) -> list[tuple[str, str, Spec]]:
    return [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def resolve(spec: Spec, schema: Spec) -> Spec:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_operation_has_a_chosen_unique_id(spec: Spec) -> None:
    ids = [op.get("operationId", "") for _, _, op in operations(spec)]
    # FastAPI's fallback is the function name plus the path and method: long and unstable.
    generated = [i for i in ids if "api_v1" in i or not re.fullmatch(r"[a-z][a-z0-9_]*", i)]

    assert generated == []
    assert len(ids) == len(set(ids))


def test_every_error_response_has_the_error_shape(spec: Spec) -> None:
    odd = []
    for path, method, op in operations(spec):
        for code, response in op["responses"].items():
            if code[0] in "45":
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if schema != {"$ref": "#/components/schemas/ErrorResponse"}:
                    odd.append(f"{method.upper()} {path} {code}")

    assert odd == []


def _answer_schema(spec: Spec, route: Route) -> Spec:
    op = spec["paths"][API_PREFIX + route.path][route.method.lower()]
    ok = next(r for code, r in op["responses"].items() if code.startswith("2"))
    return resolve(spec, ok["content"]["application/json"]["schema"])


def _fits(spec: Spec, model: type[BaseModel], schema: Spec) -> list[str]:
    """What ``model`` expects that ``schema`` (or one of its variants) does not promise. The
    server sends every field of its response models, those with defaults included."""
    if "anyOf" in schema:
        fits = [_fits(spec, model, resolve(spec, variant)) for variant in schema["anyOf"]]
        return min(fits, key=len)
    problems = []
    properties = schema["properties"]
    for name, field in model.model_fields.items():
        if name not in properties:
            problems.append(f"{model.__name__}.{name}: not sent")
        elif field.is_required() and not (
            name in schema.get("required", []) or "default" in properties[name]
        ):
            problems.append(f"{model.__name__}.{name}: optional on the server")
    return problems


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_the_sdk_calls_what_the_server_has(spec: Spec, route: Route) -> None:
    item = spec["paths"].get(API_PREFIX + route.path, {})
    op = item.get(route.method.lower())
    assert op is not None, f"{route.method} {route.path} is not in the API"
    params = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
    assert params == set(re.findall(r"{(\w+)}", route.path))
    if route.returns is None:
        return
    schema = _answer_schema(spec, route)
    if route.shape == "page":
        assert set(schema["required"]) >= {"items", "total", "limit", "offset"}
        schema = resolve(spec, schema["properties"]["items"]["items"])
    elif route.shape == "list":
        assert schema["type"] == "array"
        schema = resolve(spec, schema["items"])
    assert _fits(spec, route.returns, schema) == []


def _body_schema(spec: Spec, route: Route, content_type: str) -> Spec:
    op = spec["paths"][API_PREFIX + route.path][route.method.lower()]
    return resolve(spec, op["requestBody"]["content"][content_type]["schema"])


def _form_schema(spec: Spec, route: Route) -> Spec:
    op = spec["paths"][API_PREFIX + route.path][route.method.lower()]
    (content,) = op["requestBody"]["content"].values()
    return resolve(spec, content["schema"])


def test_uploads_are_documented_as_multipart(spec: Spec) -> None:
    op = spec["paths"][API_PREFIX + UPLOAD_DATASET.path]["post"]
    assert list(op["requestBody"]["content"]) == ["multipart/form-data"]


def _sent(operation: Any) -> httpx.Request:
    """The request an operation would send first (read, then the operation is dropped)."""
    step = next(operation)
    assert isinstance(step, Send)
    step.request.read()
    operation.close()
    return step.request


def test_what_the_sdk_sends_is_what_the_server_takes(spec: Spec, tmp_path: Path) -> None:
    ops = Operations("http://x", "brg_x")
    job = uuid.uuid4()
    sent = {
        CREATE_JOB: _sent(
            ops.create_job(
                name="n",
                kind="image_boxes",
                labels=["a"],
                price_per_item=1,
                label_options={"min_size_px": 2},
                vendor_ids=[uuid.uuid4()],
            )
        ),
        CHANGE_JOB_STATUS: _sent(ops.start_job(job)),
        CREATE_EXPORT: _sent(ops.create_export(job, format="coco")),
    }
    for route, request in sent.items():
        assert request.url.path == API_PREFIX + route.url(job_id=job)
        schema = _body_schema(spec, route, "application/json")
        body = json.loads(request.content)
        assert set(body) <= set(schema["properties"]), route
        assert set(schema.get("required", [])) <= set(body), route

    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "x"}\n')
    upload = _sent(ops.upload_dataset(job, path, name="x", gold=True, options={"mask_pii": True}))
    form = _form_schema(spec, UPLOAD_DATASET)
    fields = {f.decode() for f in re.findall(rb'name="(\w+)"', upload.content)}
    assert fields <= set(form["properties"])
    assert fields >= {"format", "name", "gold", "mask_pii", "file"}
    op = spec["paths"][API_PREFIX + UPLOAD_DATASET.path]["post"]
    headers = {p["name"] for p in op["parameters"] if p["in"] == "header"}
    assert "Idempotency-Key" in headers  # what makes the SDK's upload retries safe
    assert "Idempotency-Key" in upload.headers


def test_request_examples_are_valid_requests(spec: Spec) -> None:
    """The examples the document shows clients are accepted by the models behind them."""
    from app.exports.schemas import ExportRequest
    from app.jobs.schemas import JobCreate
    from app.webhooks.schemas import WebhookCreate

    for model in (JobCreate, ExportRequest):
        examples = spec["components"]["schemas"][model.__name__]["examples"]
        assert examples, model.__name__
        for example in examples:
            model.model_validate(example)
    hook = spec["components"]["schemas"]["WebhookCreate"]["properties"]
    WebhookCreate.model_validate({"url": hook["url"]["examples"][0],
                                  "events": hook["events"]["examples"][0]})  # fmt: skip
