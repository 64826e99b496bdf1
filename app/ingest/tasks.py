"""Splitting a dataset's items into labeling tasks as they arrive, with their manifests.

A task is ``size`` consecutive items (the last one may be shorter). Tasks are cut per ingest
batch; items that do not fill a task wait for the next batch (or the end). Each batch's tasks
share one manifest shard, named by its first task's ``seq``, so a retried batch rewrites the
same object and a dataset of a million items is a few dozen objects, not a million.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson

PendingItem = tuple[int, str, str | None]  # item id, content sha256, object key


def manifest_key(job_id: uuid.UUID, dataset_id: uuid.UUID, shard: int) -> str:
    return f"manifests/{job_id}/{dataset_id}/tasks-{shard:08d}.jsonl"


@dataclass
class Cut:
    """Tasks cut from one batch: ``items`` in order, ``size`` to a task (the last may have
    fewer). Kept flat: a million one-item tasks should not be a million small lists."""

    items: list[PendingItem]
    size: int
    first_seq: int

    @property
    def count(self) -> int:
        return -(-len(self.items) // self.size)

    def bounds(self) -> Iterator[tuple[int, int]]:
        """(start, end) positions in ``items`` of each task."""
        n, size = len(self.items), self.size
        return ((start, min(start + size, n)) for start in range(0, n, size))


@dataclass
class TaskCutter:
    size: int
    next_seq: int = 0
    pending: list[PendingItem] = field(default_factory=list)

    def cut(self, items: list[PendingItem], *, final: bool = False) -> Cut:
        self.pending.extend(items)
        whole = len(self.pending) if final else len(self.pending) // self.size * self.size
        cut = Cut(self.pending[:whole], self.size, self.next_seq)
        self.pending = self.pending[whole:]
        self.next_seq += cut.count
        return cut


def task_lines(
    cut: Cut, task_ids: list[int], job_id: uuid.UUID, dataset_id: uuid.UUID
) -> list[str]:
    """The cut's rows for ``COPY tasks`` (``TASK_COLUMNS``): numbers and uuids, nothing to
    escape."""
    head, shard, items = f"{job_id}\t{dataset_id}\t", cut.first_seq, cut.items
    if cut.size == 1:
        return [
            f"{tid}\t{head}{shard + n}\t{item[0]}\t{item[0]}\t1\t{shard}"
            for n, (tid, item) in enumerate(zip(task_ids, items, strict=True))
        ]
    return [
        f"{tid}\t{head}{shard + n}\t{items[a][0]}\t{items[b - 1][0]}\t{b - a}\t{shard}"
        for n, (tid, (a, b)) in enumerate(zip(task_ids, cut.bounds(), strict=True))
    ]


def manifest_body(cut: Cut, task_ids: list[int]) -> bytes:
    """One JSON line per task: ``{"task_id":…,"seq":…,"items":[{"id":…,"sha256":…,"key":…}]}``
    (``key`` for images). Written as text: ids and hex digests need no escaping, and building
    a dict per task and item cost more than the rest of cutting."""
    entries = [
        f'{{"id":{i},"sha256":"{sha}","key":{orjson.dumps(key).decode()}}}'
        if key
        else f'{{"id":{i},"sha256":"{sha}"}}'
        for i, sha, key in cut.items
    ]
    seq = cut.first_seq
    lines = [
        f'{{"task_id":{tid},"seq":{seq + n},"items":[{",".join(entries[a:b])}]}}\n'
        for n, (tid, (a, b)) in enumerate(zip(task_ids, cut.bounds(), strict=True))
    ]
    return "".join(lines).encode()
