"""Constant-memory intake: hash bytes while writing them to a temp file.

Content-addressed keys need the digest before the object can be named, and an upload may be
larger than RAM, so bodies are spooled to disk chunk by chunk and only then handed to a backend.
Disk writes and hashing run in a worker thread so the event loop never blocks on them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import anyio
import anyio.to_thread

from app.errors import PayloadTooLarge

READ_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class Spooled:
    """A body written to ``path`` (a temp file the spool owns) with its digest and size."""

    path: Path
    sha256: str
    size: int


def _write_and_hash(fh: BinaryIO, digest: hashlib._Hash, chunk: bytes) -> None:
    fh.write(chunk)
    digest.update(chunk)


@asynccontextmanager
async def spool(
    chunks: AsyncIterable[bytes], *, directory: Path | None = None, max_bytes: int | None = None
) -> AsyncIterator[Spooled]:
    """Write ``chunks`` to a temp file in ``directory`` and yield what was written.

    Raises ``PayloadTooLarge`` as soon as more than ``max_bytes`` arrive (nothing beyond the cap
    is written). The temp file is removed on exit unless the body consumed it (moved it away).
    """
    fd, name = tempfile.mkstemp(prefix="spool-", dir=directory)
    path = Path(name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as fh:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise PayloadTooLarge(
                        f"The upload exceeds the limit of {max_bytes} bytes; send a smaller file"
                    )
                await anyio.to_thread.run_sync(_write_and_hash, fh, digest, chunk)
        yield Spooled(path=path, sha256=digest.hexdigest(), size=size)
    finally:
        # Shielded: a cancelled upload must still remove its temp file.
        with anyio.CancelScope(shield=True):
            await anyio.Path(path).unlink(missing_ok=True)


def _hash_file_sync(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(READ_BLOCK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


async def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 hex digest and size of a file, read in blocks off the event loop."""
    return await anyio.to_thread.run_sync(_hash_file_sync, path)
