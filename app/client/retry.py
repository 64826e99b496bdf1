"""When to try a request again, and how long to wait first.

A request is retried only where a repeat cannot do the work twice:

* safe and idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE) and requests carrying an
  ``Idempotency-Key`` (the server answers a repeat with the first result): on 429, 502, 503,
  504 and on any transport error, including a connection that broke after sending;
* anything else (a POST without a key): only when the server certainly did not act on it, i.e.
  the connection could not be opened, or the server refused it with 429.

Waits grow exponentially with full jitter (so many clients that failed together do not come
back together) and honour ``Retry-After``; a ``Retry-After`` longer than ``max_wait`` is not
waited for: the error goes to the caller, who can decide.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import httpx

from app.client.errors import retry_after

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def replayable(request: httpx.Request) -> bool:
    return request.method in _IDEMPOTENT or "idempotency-key" in request.headers


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    """Tries in all, the first included (1: never retry)."""
    backoff: float = 0.5
    """Upper bound of the first wait in seconds; doubles each try."""
    max_wait: float = 30.0
    statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def _wait(self, attempt: int, hinted: float | None) -> float | None:
        if attempt >= self.attempts:
            return None
        if hinted is not None:
            return hinted if hinted <= self.max_wait else None
        return self.rng.uniform(0, min(self.max_wait, self.backoff * 2 ** (attempt - 1)))

    def after_response(
        self, request: httpx.Request, response: httpx.Response, attempt: int
    ) -> float | None:
        """Seconds to wait before trying ``request`` again, or None to give up."""
        status = response.status_code
        if status not in self.statuses or not (replayable(request) or status == 429):
            return None
        return self._wait(attempt, retry_after(response))

    def after_error(
        self, request: httpx.Request, error: httpx.TransportError, attempt: int
    ) -> float | None:
        never_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
        if not (never_sent or replayable(request)):
            return None
        return self._wait(attempt, None)


NO_RETRIES = RetryPolicy(attempts=1)
