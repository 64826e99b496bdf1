"""The label schema of a job: what annotators produce. Strict: unknown fields are errors.

One job has one label kind; its data kind is implied by the kind (``image_*`` / ``text_*``).
Label names are the stable identifiers exports use; ``title`` is what annotators see.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from app.models.enums import DataKind

MAX_LABELS = 1000


class LabelDef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")
    title: str | None = Field(default=None, max_length=120, description="Shown to annotators")
    color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")
    shortcut: str | None = Field(
        default=None, pattern=r"^[0-9a-z]$", description="One key: a digit or a lowercase letter"
    )


class _SchemaBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    labels: list[LabelDef] = Field(min_length=1, max_length=MAX_LABELS)

    @field_validator("labels")
    @classmethod
    def _unique(cls, labels: list[LabelDef]) -> list[LabelDef]:
        seen: set[str] = set()
        keys: set[str] = set()
        for label in labels:
            folded = label.name.casefold()
            if folded in seen:
                raise ValueError(f"duplicate label name {label.name!r}")
            seen.add(folded)
            if label.shortcut is not None:
                if label.shortcut in keys:
                    raise ValueError(f"shortcut {label.shortcut!r} is used by two labels")
                keys.add(label.shortcut)
        return labels

    @property
    def data_kind(self) -> DataKind:
        kind: str = getattr(self, "kind")  # noqa: B009  (each subclass declares its Literal)
        return DataKind.IMAGE if kind.startswith("image_") else DataKind.TEXT


class ImageClassification(_SchemaBase):
    kind: Literal["image_classification"]
    multi: bool = False


class ImageBoxes(_SchemaBase):
    kind: Literal["image_boxes"]
    min_size_px: float = Field(default=1.0, gt=0, le=10_000)


class ImagePolygons(_SchemaBase):
    kind: Literal["image_polygons"]
    max_points: int = Field(default=500, ge=3, le=10_000)


class TextClassification(_SchemaBase):
    kind: Literal["text_classification"]
    multi: bool = False


class TextSpans(_SchemaBase):
    kind: Literal["text_spans"]
    allow_overlap: bool = False
    tokenize: Literal["char", "whitespace"] = Field(
        default="char",
        description="How token-level exports (CoNLL BIO) cut the text: each character (Chinese,"
        " Japanese) or at whitespace",
    )


LabelSchema = Annotated[
    ImageClassification | ImageBoxes | ImagePolygons | TextClassification | TextSpans,
    Field(discriminator="kind"),
]

label_schema_adapter: TypeAdapter[LabelSchema] = TypeAdapter(LabelSchema)
