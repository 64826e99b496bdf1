from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from app.kit.validation import LongName
from app.models.enums import DataKind, DatasetStatus

DatasetFormat = Literal["jsonl", "csv", "tsv", "txt", "labelstudio", "images", "zip"]


class IngestOptions(BaseModel):
    """How to read and clean an upload. Unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    format: DatasetFormat = Field(
        description="Text jobs: jsonl (one JSON object per line), csv/tsv (header row), txt (one "
        "item per line), labelstudio (Label Studio task list). Image jobs: images (the files of "
        "this multipart request, field 'files') or zip (one archive in 'file')."
    )
    name: LongName | None = Field(default=None, description="Defaults to the file name")
    text_field: str = Field(
        default="text", min_length=1, max_length=200, description="JSON key or CSV column"
    )
    gold: bool = Field(default=False, description="Known-answer items for quality control")
    answer_field: str | None = Field(
        default=None, min_length=1, max_length=200, description="Gold datasets: the answer key"
    )
    mask_pii: bool = Field(
        default=False, description="Mask ID numbers, phones, emails and bank cards"
    )
    near_duplicates: bool = Field(default=True, description="Flag near-duplicate texts")
    max_chars: int = Field(default=100_000, ge=1, le=1_000_000)
    max_pixels: int = Field(
        default=100_000_000, ge=1, le=1_000_000_000, description="Images over it are refused"
    )
    max_phash_distance: int = Field(
        default=6, ge=0, le=7, description="Images this close (of 64 hash bits) are flagged"
    )


class UploadForm(IngestOptions):
    """The multipart form of an upload: the file plus the options as form fields."""

    file: UploadFile | None = Field(default=None, description="The dataset file (or archive)")
    files: list[UploadFile] = Field(
        default_factory=list, max_length=10_000, description="Image files (format=images)"
    )


class FromUpload(IngestOptions):
    upload_key: str = Field(min_length=1, max_length=512, description="From POST /uploads")


class S3Source(BaseModel):
    """A client's bucket to import from. The keys are kept sealed only until the copy has run."""

    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(
        min_length=3,
        max_length=255,
        pattern=r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$",
        examples=["s3.cn-north-1.amazonaws.com.cn"],
    )
    bucket: str = Field(min_length=3, max_length=63, pattern=r"^[a-z0-9][a-z0-9.-]+$")
    prefix: str = Field(
        default="",
        max_length=1024,
        description="Images: every object under it. Other formats: the key of the one file.",
    )
    access_key: SecretStr
    secret_key: SecretStr
    region: str = Field(default="us-east-1", max_length=64)
    secure: bool = True


class FromS3(IngestOptions):
    source: S3Source


class UploadTicket(BaseModel):
    key: str
    url: str
    method: Literal["PUT"] = "PUT"
    expires_in: int


class DatasetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    job_id: uuid.UUID
    name: str
    kind: DataKind
    format: str
    is_gold: bool
    status: DatasetStatus
    received: int
    accepted: int
    rejected: int
    duplicates: int
    near_duplicates: int
    tasks: int
    error: str | None
    options: dict[str, Any]
    created_at: datetime

    @field_validator("options")
    @classmethod
    def _no_credentials(cls, options: dict[str, Any]) -> dict[str, Any]:
        # An S3 import keeps sealed keys until its copy has run; they never leave the server.
        source = options.get("source")
        if isinstance(source, dict):
            kept = {k: v for k, v in source.items() if k not in ("access_key", "secret_key")}
            return {**options, "source": kept}
        return options

    started_at: datetime | None
    finished_at: datetime | None


class RejectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    source: str | None
    code: str
    detail: str
    duplicate_of: int | None


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int
    source: str | None
    content_sha256: str
    text: str | None
    meta: dict[str, Any]
    cleaning: dict[str, Any]
    near_dup_of: int | None
    excluded: bool


class ItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    excluded: bool = Field(description="Keep this item out of labeling (e.g. a near-duplicate)")
