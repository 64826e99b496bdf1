"""A short-lived, per-process cache of who is behind a browser session.

Every request of an annotator's workstation carries the session cookie; looking the session up
in PostgreSQL each time is a round trip per request at hundreds of requests a second. Entries
live ``ttl`` seconds (default 5): a logout in this process takes effect at once (the entry is
evicted), a revocation elsewhere (logout in another process, deactivation, password change)
within ``ttl``. ``ttl = 0`` turns the cache off.
"""

from __future__ import annotations

import time

from app.auth.principal import Principal

MAX_ENTRIES = 50_000  # sessions of a whole park fit; beyond that the cache starts over


class PrincipalCache:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, secret_hash: str) -> Principal | None:
        entry = self._entries.get(secret_hash)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._entries.pop(secret_hash, None)
            return None
        return entry[1]

    def put(self, secret_hash: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[secret_hash] = (time.monotonic() + self.ttl, principal)

    def evict(self, secret_hash: str) -> None:
        self._entries.pop(secret_hash, None)
