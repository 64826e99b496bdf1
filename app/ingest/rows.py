"""The row every cleaner produces and the batch writer stores, for texts and images alike."""

from __future__ import annotations

from typing import NamedTuple


class ItemRow(NamedTuple):
    seq: int
    source: str
    sha256: str  # of the stored content: the exact-duplicate key
    text: str | None
    object_key: str | None
    thumb_key: str | None
    width: int | None
    height: int | None
    phash: int | None
    meta: str  # JSON
    cleaning: str  # JSON: what cleaning did
    answer: str | None  # JSON: the known answer of a gold item
