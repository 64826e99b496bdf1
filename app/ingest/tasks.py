"""Splitting a dataset's items into labeling tasks as they arrive, with their manifests.

A task is ``size`` consecutive items (the last one may be shorter). Tasks are cut per ingest
batch; items that do not fill a task wait for the next batch (or the end). Each batch's tasks
share one manifest shard, named by its first task's ``seq``, so a retried batch rewrites the
same object and a dataset of a million items is a few dozen objects, not a million.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import orjson

PendingItem = tuple[int, str, str | None]  # item id, content sha256, object key


def manifest_key(job_id: uuid.UUID, dataset_id: uuid.UUID, shard: int) -> str:
    return f"manifests/{job_id}/{dataset_id}/tasks-{shard:08d}.jsonl"


@dataclass
class Cut:
    """Tasks cut from one batch: their rows (ids still to assign) and manifest lines."""

    groups: list[list[PendingItem]]
    first_seq: int


@dataclass
class TaskCutter:
    size: int
    next_seq: int = 0
    pending: list[PendingItem] = field(default_factory=list)

    def cut(self, items: list[PendingItem], *, final: bool = False) -> Cut:
        self.pending.extend(items)
        whole = len(self.pending) // self.size * self.size
        if final:
            whole = len(self.pending)
        groups = [self.pending[i : i + self.size] for i in range(0, whole, self.size)]
        self.pending = self.pending[whole:]
        cut = Cut(groups=groups, first_seq=self.next_seq)
        self.next_seq += len(groups)
        return cut


def task_lines(
    cut: Cut, task_ids: list[int], job_id: uuid.UUID, dataset_id: uuid.UUID
) -> list[str]:
    """The cut's rows for ``COPY tasks`` (``TASK_COLUMNS``): numbers and uuids, nothing to
    escape."""
    head, shard = f"{job_id}\t{dataset_id}\t", cut.first_seq
    return [
        f"{tid}\t{head}{shard + n}\t{g[0][0]}\t{g[-1][0]}\t{len(g)}\t{shard}"
        for n, (tid, g) in enumerate(zip(task_ids, cut.groups, strict=True))
    ]


def manifest_body(cut: Cut, task_ids: list[int]) -> bytes:
    lines = []
    for n, (tid, group) in enumerate(zip(task_ids, cut.groups, strict=True)):
        items = [
            {"id": i, "sha256": sha, "key": key} if key else {"id": i, "sha256": sha}
            for i, sha, key in group
        ]
        lines.append(orjson.dumps({"task_id": tid, "seq": cut.first_seq + n, "items": items}))
    lines.append(b"")
    return b"\n".join(lines)
