"""What the API returns, as typed objects. They mirror the server's JSON (its OpenAPI document,
``/api/v1/openapi.json``) but are declared here, so the SDK needs neither the server's code nor
its dependencies. Fields the server adds later are ignored rather than refused, and open
vocabularies (statuses, formats) are plain strings so a newer server does not break older
clients; ``tests/client/test_openapi.py`` keeps these fields a subset of the server's.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")

ExportFormat = Literal[
    "jsonl",
    "coco",
    "yolo",
    "voc",
    "image_csv",
    "text_csv",
    "text_jsonl",
    "conll",
    "spacy",
    "label_studio",
]
ExportLabels = Literal["consensus", "raw"]
DatasetFormat = Literal["jsonl", "csv", "tsv", "txt", "labelstudio", "images", "zip"]
LabelKind = Literal[
    "image_classification", "image_boxes", "image_polygons", "text_classification", "text_spans"
]
JobStatus = Literal["draft", "running", "paused", "completed", "cancelled"]


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Page(Model, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class EnterpriseRef(Model):
    id: uuid.UUID
    name: str
    kind: str


class Identity(Model):
    """Who a token acts as (``GET /auth/me`` with an API token)."""

    token_id: uuid.UUID
    role: str
    enterprise: EnterpriseRef


class Job(Model):
    id: uuid.UUID
    client_id: uuid.UUID
    name: str
    domain: str
    data_kind: str
    label_schema: dict[str, Any]
    instructions: str
    overlap: int
    price_per_item: Decimal
    currency: str
    deadline: datetime | None
    status: str
    priority: int
    vendor_ids: list[uuid.UUID]
    lease_seconds: int
    gold_rate: Decimal
    qc_target: Decimal
    created_at: datetime
    updated_at: datetime


class VendorProgress(Model):
    vendor_id: uuid.UUID
    labels: int
    annotators: int
    held: int
    skips: int


class JobProgress(Model):
    job_id: uuid.UUID
    status: str
    overlap: int
    tasks: int
    items_total: int
    items_done: int
    items_in_progress: int
    items_remaining: int
    labels_needed: int
    labels_submitted: int
    leases_held: int
    gold_labels: int
    datasets_processing: int
    labels_last_hour: int
    labels_last_24h: int
    rate_per_hour: float | None
    eta: datetime | None
    vendors: list[VendorProgress]


class Tracked(Model):
    """Work the server does in the background: its ``status`` ends in one of ``FINAL``."""

    FINAL: ClassVar[frozenset[str]]
    id: uuid.UUID
    status: str

    @property
    def finished(self) -> bool:
        return self.status in self.FINAL


class Dataset(Tracked):
    """An upload and its ingest: ``status`` is queued, processing, ready or failed."""

    FINAL = frozenset({"ready", "failed"})

    job_id: uuid.UUID
    name: str
    kind: str
    format: str
    is_gold: bool
    received: int
    accepted: int
    rejected: int
    duplicates: int
    near_duplicates: int
    tasks: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class Export(Tracked):
    """An export of a job's labels: ``status`` is queued, running, done or failed."""

    FINAL = frozenset({"done", "failed"})
    job_id: uuid.UUID
    format: str
    labels: str
    filters: dict[str, Any]
    items_written: int
    labels_written: int
    file_name: str | None
    content_type: str | None
    size_bytes: int | None
    sha256: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    download_url: str | None = None
    """When done: a link to the file, valid for an hour (``download_export`` gets a fresh one)."""


class ExportFormatInfo(Model):
    name: str
    label_kinds: list[str]
    raw: bool | None = None  # whether it holds every annotator's label (None: an older server)
    content_type: str
    extension: str
    description: str
