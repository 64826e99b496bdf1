"""API shapes of imports from other annotation tools."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ImportReport(BaseModel):
    tasks: int = Field(description="Tasks in the file")
    matched: int = Field(description="Tasks matched to an item of the job and imported")
    unmatched: int = Field(description="Tasks with no item of this job (upload the data first)")
    rejected: int = Field(description="Tasks refused whole (see problems)")
    annotations: int = Field(description="Annotations imported (skipped ones are not)")
    predictions: int = Field(description="Predictions imported (kept apart, never an answer)")
    cancelled: int = Field(description="Skipped (cancelled) annotations, not imported")
    already_imported: int = Field(description="Annotations or predictions imported before")
    prelabeled_items: int = Field(
        description="Items now answered by their imported annotations: they get no labeling"
    )
    problems: list[str] = Field(description="What was wrong, task by task (the first 100)")
    more_problems: int = Field(description="Problems past the first 100")
