"""Storing cleaned batches: decide (duplicates, ids, near-duplicate links, tasks), then write.

The two halves are separate so a big dataset can be pipelined: while one batch's rows are being
copied into PostgreSQL, the next batch is planned in this process (and the ones after it are
cleaned in worker processes). Planning only touches in-memory state and takes ids from the
sequences; writing is one transaction per batch, under the job's ingest lock, in batch order,
ending with the dataset's checkpoint. A batch that fails to write leaves the plans after it
unused: the retry rebuilds the in-memory state from what committed (``resume``).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.ingest import repository as repo
from app.ingest.digests import DigestSet, digests
from app.ingest.near_dup import NearDupIndex, Sketches
from app.ingest.phash_index import PhashIndex
from app.ingest.rows import Prepared
from app.ingest.sources import Problem
from app.ingest.tasks import Cut, PendingItem, TaskCutter, manifest_body, manifest_key, task_lines
from app.kit.db import session_scope
from app.kit.jobs import defer_job
from app.kit.storage import ObjectStore
from app.labeling.repository import INLINE_TASKS, open_slots_chunk
from app.models import DataKind, Dataset, DatasetStatus

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Planned:
    """One batch, decided: everything its transaction writes."""

    item_lines: list[str]  # COPY items
    gold: list[tuple[int, str]]  # (item id, answer)
    problems: list[Problem]
    # Repeats: (seq, source, content hash); ``ids`` resolves those first stored in this batch,
    # the writer asks the database for the others (earlier batches, other datasets).
    repeats: list[tuple[int, str, str]]
    ids: dict[str, int]
    task_lines: list[str]  # COPY tasks
    manifest: tuple[str, bytes] | None  # (key, body)
    received: int
    accepted: int
    near_duplicates: int
    tasks: int
    checkpoint: int


@dataclass
class BatchWriter:
    """One dataset's ingest state across batches: what is stored, near-duplicate index, tasks."""

    job_id: uuid.UUID
    dataset_id: uuid.UUID
    kind: DataKind
    gold: bool
    near: NearDupIndex | PhashIndex | None
    cutter: TaskCutter
    # Content already in this dataset (a million digests take 32 MB): repeats inside the
    # upload are found here; the database is asked only about other datasets.
    seen: DigestSet = field(default_factory=DigestSet)

    def reserve(self, items: int) -> None:
        """Size the in-memory indexes for about ``items`` more items up front (see
        ``NearDupIndex.reserve``)."""
        self.seen.reserve(items)
        if isinstance(self.near, NearDupIndex):
            self.near.reserve(items)

    def near_value(self, text: str | None, phash: int | None) -> Any:
        """What the near-duplicate index compares: the text, or the image's perceptual hash."""
        return phash if self.kind is DataKind.IMAGE else (text or "")

    async def resume(self, maker: async_sessionmaker[AsyncSession]) -> None:
        async with session_scope(maker) as session:
            stored = await repo.stored_items(session, self.dataset_id)
            self.seen.add(*digests([sha for _, sha, _, _ in stored]))
            if self.near is not None:
                self.near.add_many((i, self.near_value(t, p)) for i, _, t, p in stored)
            self.cutter.next_seq = await repo.next_task_seq(session, self.dataset_id)
            self.cutter.pending = await repo.pending_for_tasks(session, self.dataset_id)

    async def other_datasets_have_items(self, session: AsyncSession) -> bool:
        return await repo.job_has_other_items(session, self.job_id, self.dataset_id)

    async def write(
        self,
        session: AsyncSession,
        store: ObjectStore,
        batch: Prepared,
        probs: list[Problem],
        last_seq: int,
    ) -> None:
        """Plan and store in one transaction, under the job's lock from the start: the way when
        other datasets of the job may hold the same content (their hashes are read here)."""
        await repo.lock_job(session, self.job_id)
        known: dict[str, int] = {}
        if await self.other_datasets_have_items(session):
            known = await repo.existing_hashes(session, self.job_id, batch.shas)
        planned = await self.plan(session, batch, probs, last_seq, known)
        await self.store_rows(session, store, planned)
        await self.store_progress(session, planned)

    async def plan(
        self,
        session: AsyncSession,
        batch: Prepared,
        probs: list[Problem],
        last_seq: int,
        known: dict[str, int] | None = None,
    ) -> Planned:
        """Decide a batch. ``session`` is only used to take ids from the sequences (which is not
        transactional); ``known`` maps content hashes already in other datasets to their item.

        The CPU-bound steps run in a thread: this event loop also drives the writer of the
        previous batch, whose next statement would otherwise wait for the whole plan (a third
        of a batch's time). Plans still run one at a time, so the state needs no lock."""
        known = known or {}
        fresh, repeats = await asyncio.to_thread(self._split, batch, known)
        ids = await repo.take_ids(session, "items", len(fresh))
        item_lines, gold, near, pending = await asyncio.to_thread(self._items, batch, fresh, ids)
        task_rows: list[str] = []
        manifest = None
        tasks = 0
        if not self.gold:
            task_rows, manifest, tasks = await self._cut(session, pending)
        return Planned(
            item_lines=item_lines,
            gold=gold,
            problems=[*probs, *batch.rejected],
            repeats=repeats,
            ids={**known, **{batch.shas[n]: i for n, i in zip(fresh, ids, strict=True)}},
            task_lines=task_rows,
            manifest=manifest,
            received=len(batch.shas) + len(probs) + len(batch.rejected),
            accepted=len(fresh),
            near_duplicates=near,
            tasks=tasks,
            checkpoint=last_seq,
        )

    def _split(
        self, batch: Prepared, known: dict[str, int]
    ) -> tuple[list[int], list[tuple[int, str, str]]]:
        """Positions of the batch's new content, and its repeats as (seq, source, hash)."""
        shas = batch.shas
        hi, lo = digests(shas)
        if known:  # content of other datasets: a repeat, and not this dataset's
            new = np.zeros(len(shas), dtype=bool)
            mine = np.flatnonzero([sha not in known for sha in shas])
            new[mine] = self.seen.add(hi[mine], lo[mine])
        else:
            new = self.seen.add(hi, lo)
        fresh: list[int] = np.flatnonzero(new).tolist()
        repeats = [
            (batch.seqs[n], batch.sources[n], shas[n]) for n in np.flatnonzero(~new).tolist()
        ]
        return fresh, repeats

    def _items(
        self, batch: Prepared, fresh: list[int], ids: list[int]
    ) -> tuple[list[str], list[tuple[int, str]], int, list[PendingItem]]:
        """The new items' COPY lines (near-duplicate links decided), gold answers, how many are
        near-duplicates, and the items in task order."""
        near_of = self._near(batch, fresh, ids)
        lines = batch.lines
        links = ["\\N" if near is None else str(near) for near in near_of]
        item_lines = [
            f"{i}\t{lines[n]}\t{link}" for n, i, link in zip(fresh, ids, links, strict=True)
        ]
        gold = [
            (i, answer)
            for n, i in zip(fresh, ids, strict=True)
            if (answer := batch.answers[n]) is not None
        ]
        pending = [
            (i, batch.shas[n], batch.object_keys[n]) for n, i in zip(fresh, ids, strict=True)
        ]
        return item_lines, gold, sum(1 for n in near_of if n is not None), pending

    async def store_rows(self, session: AsyncSession, store: ObjectStore, planned: Planned) -> None:
        """The bulk of a planned batch, in the caller's transaction: items, gold answers, tasks
        and the manifest. Needs nothing of the batches before it, so two of these can run at
        once (on two connections)."""
        await repo.copy_lines(session, "items", repo.ITEM_COLUMNS, planned.item_lines)
        if planned.gold:
            await repo.copy_rows(session, "gold_answers", ("item_id", "answer"), planned.gold)
        if planned.task_lines:
            await repo.copy_lines(session, "tasks", repo.TASK_COLUMNS, planned.task_lines)
        if planned.manifest is not None:
            # Written before the commit: a retried batch cuts the same seqs into the same object.
            key, body = planned.manifest
            await store.put_at(key, body, "application/x-ndjson")

    async def store_progress(self, session: AsyncSession, planned: Planned) -> None:
        """Rejections and the dataset's counters and checkpoint: once every earlier batch has
        committed (repeats of their content are looked up; the checkpoint only moves forward)."""
        ids = planned.ids
        missing = [sha for _, _, sha in planned.repeats if sha not in ids]
        if missing:  # first stored by an earlier batch, committed before this one
            ids = {**ids, **await repo.existing_hashes(session, self.job_id, missing)}
        duplicates = [
            (Problem(seq, source, "duplicate", f"same content as item {ids[sha]}"), ids[sha])
            for seq, source, sha in planned.repeats
        ]
        await repo.write_problems(session, self.dataset_id, planned.problems, duplicates)
        await repo.advance(
            session,
            self.dataset_id,
            received=planned.received,
            accepted=planned.accepted,
            rejected=len(planned.problems),
            duplicates=len(planned.repeats),
            near_duplicates=planned.near_duplicates,
            tasks=planned.tasks,
            checkpoint=planned.checkpoint,
        )

    def _near(self, batch: Prepared, fresh: list[int], ids: list[int]) -> list[int | None]:
        """Each fresh row's near-duplicate (an earlier item's id), indexing the others."""
        if self.near is None or batch.near is None:
            return [None] * len(fresh)
        if isinstance(self.near, NearDupIndex):
            assert isinstance(batch.near, Sketches)
            return self.near.add_sketched(ids, batch.near.take(fresh))
        assert isinstance(batch.near, list)
        hashes = batch.near
        return self.near.add_many((i, hashes[n]) for n, i in zip(fresh, ids, strict=True))

    async def _cut(
        self, session: AsyncSession, items: list[tuple[int, str, str | None]], final: bool = False
    ) -> tuple[list[str], tuple[str, bytes] | None, int]:
        cut = self.cutter.cut(items, final=final)
        if not cut.count:
            return [], None, 0
        task_ids = await repo.take_ids(session, "tasks", cut.count)
        lines, body = await asyncio.to_thread(self._render_tasks, cut, task_ids)
        return lines, (manifest_key(self.job_id, self.dataset_id, cut.first_seq), body), cut.count

    def _render_tasks(self, cut: Cut, task_ids: list[int]) -> tuple[list[str], bytes]:
        return task_lines(cut, task_ids, self.job_id, self.dataset_id), manifest_body(cut, task_ids)

    async def close(self, session: AsyncSession, store: ObjectStore) -> None:
        """The last, short task; then the dataset is ready."""
        await repo.lock_job(session, self.job_id)
        tasks = 0
        if not self.gold:
            lines, manifest, tasks = await self._cut(session, [], final=True)
            if lines:
                await repo.copy_lines(session, "tasks", repo.TASK_COLUMNS, lines)
            if manifest is not None:
                await store.put_at(manifest[0], manifest[1], "application/x-ndjson")
        ds = await session.get_one(Dataset, self.dataset_id, with_for_update=True)
        ds.tasks += tasks
        # Its tasks join the job's queue only now (annotators never see a dataset that might
        # still fail): the first ones in this transaction, the rest by a job in chunks, so a
        # million-item dataset does not end in one huge insert. The job lock keeps k fixed.
        last = await open_slots_chunk(session, self.dataset_id, 0, INLINE_TASKS)
        if last is not None and last == await repo.last_task_id(session, self.dataset_id):
            last = None  # all opened
        if last is not None:
            await defer_job(
                session, "brigade.open_dataset_slots", dataset_id=str(self.dataset_id), after=last
            )
        ds.status = DatasetStatus.READY
        ds.finished_at = datetime.now(UTC)
        log.info("dataset_ready", dataset_id=str(self.dataset_id), tasks=ds.tasks)
