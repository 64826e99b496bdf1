"""The pipeline that stores a big text dataset: batches cleaned in worker processes are
planned here and written by writer tasks, in order (see ``run_pipeline``)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.ingest.batch import BatchWriter, Planned
from app.ingest.pool import workers
from app.ingest.rows import Prepared
from app.ingest.sources import Problem
from app.kit.db import session_scope
from app.kit.storage import ObjectStore

# A batch being cleaned, the source's problems that came with it, and its last seq.
Cleaned = tuple[asyncio.Future[Prepared], list[Problem], int]


async def run_pipeline(
    maker: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    batch: BatchWriter,
    cleaned: Iterator[Cleaned],
) -> None:
    """Three stages at once: worker processes clean the next batches (one each in flight, so
    memory stays a few batches whatever the dataset's size), this task plans the oldest cleaned
    batch, and writer tasks store the planned ones.

    ``WRITERS`` transactions copy rows at once, on their own connections: the copying is most
    of the database's work and one backend uses one core. Each then waits for the batch before
    it to commit before it records its rejections and the checkpoint, so batches commit in
    order and a crash still resumes after the last committed one. These writers do not take
    the job's ingest lock (their transactions overlap); nothing needs it: no other dataset of
    the job had items when this ingest started, and if one gets the same content meanwhile, the
    unique (job, content) key fails one of the two batches and its retry goes the locked way.

    When another dataset of the job has items, content must be looked up under the job's lock,
    so planning and storing are done together in one transaction per batch instead."""
    async with session_scope(maker) as session:
        shared = await batch.other_datasets_have_items(session)
    in_flight: deque[Cleaned] = deque()
    planned: asyncio.Queue[tuple[int, Planned] | None] = asyncio.Queue(maxsize=1)
    turns = _Turns()
    writers = (
        []
        if shared
        else [
            asyncio.create_task(_write_planned(maker, store, batch, planned, turns))
            for _ in range(WRITERS)
        ]
    )
    handed = 0

    async def next_batch() -> None:
        nonlocal handed
        work, probs, last = in_flight.popleft()
        prepared = await work
        async with session_scope(maker) as session:
            if not writers:
                await batch.write(session, store, prepared, probs, last)
                return
            plan = await batch.plan(session, prepared, probs, last)
        await _hand_over(planned, (handed, plan), writers)
        handed += 1

    try:
        for entry in cleaned:
            in_flight.append(entry)
            if len(in_flight) > workers():
                await next_batch()
        while in_flight:
            await next_batch()
        for _ in writers:
            await _hand_over(planned, None, writers)
        await asyncio.gather(*writers)
    finally:
        for work, _, _ in in_flight:  # a batch failed: the ones after it are not stored
            work.cancel()
        for writer in writers:
            writer.cancel()
        await asyncio.gather(*writers, return_exceptions=True)


WRITERS = 2


class _Turns:
    """Batch k may commit once batch k - 1 has."""

    def __init__(self) -> None:
        self.committed = -1
        self.changed = asyncio.Condition()

    async def wait(self, k: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: self.committed == k - 1)

    async def done(self, k: int) -> None:
        async with self.changed:
            self.committed = k
            self.changed.notify_all()


async def _write_planned(
    maker: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    batch: BatchWriter,
    planned: asyncio.Queue[tuple[int, Planned] | None],
    turns: _Turns,
) -> None:
    while (entry := await planned.get()) is not None:
        k, plan = entry
        async with session_scope(maker) as session:
            await batch.store_rows(session, store, plan)
            await turns.wait(k)
            await batch.store_progress(session, plan)
        await turns.done(k)


async def _hand_over(
    queue: asyncio.Queue[tuple[int, Planned] | None],
    entry: tuple[int, Planned] | None,
    writers: list[asyncio.Task[None]],
) -> None:
    """Queue a plan (or a writer's stop mark) for the writers; if one failed, raise its error.
    (A writer that got its stop mark ends normally: the others still take entries.)"""
    put = asyncio.ensure_future(queue.put(entry))
    try:
        while not put.done():
            running = [w for w in writers if not w.done()]
            for writer in writers:
                if writer.done() and not writer.cancelled() and writer.exception():
                    await writer  # raises the batch's error
            if not running:
                raise RuntimeError("the ingest writers stopped before the last batch")
            await asyncio.wait({put, *running}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        put.cancel()
