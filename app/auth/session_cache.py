"""A per-process cache of who is behind a browser session, kept honest by the database.

Every request of an annotator's workstation carries the session cookie; looking the session up
in PostgreSQL each time is a round trip (and a transaction) per request at hundreds of requests
a second. So each process keeps the lookups, and PostgreSQL tells it when one goes stale:
triggers (migration 0015) send ``NOTIFY brigade_principals`` with the user's id when a session
is revoked or its expiry moves, when a user's role, team, enterprise or active flag changes, and
``*`` when an enterprise is (de)activated. ``watch()`` listens and evicts.

While the listener is connected an entry lives ``ttl`` seconds (default 300) or until its
session expires, whichever is first. While it is not (startup, a lost connection), changes
could be missed, so entries live ``unwatched_ttl`` seconds (5) at most, and the cache is
emptied whenever the listener (re)connects. ``ttl = 0`` turns the cache off.

A lookup that raced an invalidation is not kept: ``put`` takes the ``epoch`` read before the
lookup, and every invalidation moves it on.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import psycopg
import structlog

from app.auth.principal import Principal

MAX_ENTRIES = 50_000  # sessions of a whole park fit; beyond that the cache starts over
CHANNEL = "brigade_principals"
EVERYONE = "*"
_PING_SECONDS = 30.0  # a listener that hears nothing checks its connection this often

log = structlog.get_logger(__name__)


class PrincipalCache:
    def __init__(self, ttl: float, unwatched_ttl: float = 5.0) -> None:
        self.ttl = ttl
        self.unwatched_ttl = min(ttl, unwatched_ttl)
        self.watched = False
        self.epoch = 0
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._by_user: dict[uuid.UUID, set[str]] = {}

    def get(self, secret_hash: str) -> Principal | None:
        entry = self._entries.get(secret_hash)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self.evict(secret_hash)
            return None
        return entry[1]

    def put(
        self,
        secret_hash: str,
        principal: Principal,
        *,
        epoch: int,
        session_expires_at: datetime | None = None,
    ) -> None:
        """Keep a lookup begun at ``epoch``, unless something was invalidated since."""
        if self.ttl <= 0 or epoch != self.epoch:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self.clear()
        life = self.ttl if self.watched else self.unwatched_ttl
        if session_expires_at is not None:
            life = min(life, (session_expires_at - datetime.now(UTC)).total_seconds())
        if life <= 0:
            return
        self._entries[secret_hash] = (time.monotonic() + life, principal)
        if principal.user_id is not None:
            self._by_user.setdefault(principal.user_id, set()).add(secret_hash)

    def evict(self, secret_hash: str) -> None:
        entry = self._entries.pop(secret_hash, None)
        if entry is not None and (user := entry[1].user_id) is not None:
            hashes = self._by_user.get(user)
            if hashes is not None:
                hashes.discard(secret_hash)
                if not hashes:
                    del self._by_user[user]

    def invalidate(self, payload: str) -> None:
        """A notification: ``*`` (everyone) or a user id whose lookups are stale."""
        self.epoch += 1
        if payload == EVERYONE:
            self.clear()
            return
        try:
            user = uuid.UUID(payload)
        except ValueError:
            self.clear()  # not ours to read: safest to forget everything
            return
        for secret_hash in list(self._by_user.pop(user, ())):
            self._entries.pop(secret_hash, None)

    def clear(self) -> None:
        self.epoch += 1
        self._entries.clear()
        self._by_user.clear()

    def set_watched(self, watched: bool) -> None:
        """The listener came up (anything cached before may have missed a change) or went down
        (later entries must not outlive the short TTL)."""
        self.watched = watched
        self.clear()

    def __len__(self) -> int:
        return len(self._entries)


async def watch(cache: PrincipalCache, libpq_url: str, *, retry_max: float = 30.0) -> None:
    """Listen for invalidations until cancelled, reconnecting with backoff."""
    delay = 0.5
    while True:
        try:
            conn = await psycopg.AsyncConnection.connect(libpq_url, autocommit=True)
            async with conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                cache.set_watched(True)
                delay = 0.5
                while True:
                    async for note in conn.notifies(timeout=_PING_SECONDS):
                        cache.invalidate(note.payload)
                    await conn.execute("SELECT 1")  # a quiet half-open connection shows here
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any failure: fall back to the short TTL, log, retry
            log.warning("session_watch_lost", error=str(exc), retry_in_s=delay)
        finally:
            cache.set_watched(False)
        await asyncio.sleep(delay)
        delay = min(delay * 2, retry_max)
