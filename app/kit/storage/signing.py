"""Expiring signed URLs for the local backend, the stand-in for S3 presigned URLs.

URL shape: ``{public_url}/api/v1/storage/objects/{key}?expires=<unix>&sig=<hex>`` (plus
``&filename=`` for downloads). ``sig`` is HMAC-SHA256 over ``METHOD\\nkey\\nexpires`` and, when a
filename is given, ``\\nfilename`` too, so the download name cannot be swapped either. Keys cannot
contain a newline, so the message is unambiguous. A URL grants one method on one object.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from urllib.parse import quote, urlencode

from app.errors import PermissionDenied

OBJECTS_PATH = "/api/v1/storage/objects/"
_PLAIN = re.compile(r"[A-Za-z0-9/_.~-]+")  # what quote(key, safe="/") leaves as it is


class UrlSigner:
    """Signs and verifies object URLs with ``signing_key`` (keep it secret, >= 32 bytes)."""

    def __init__(self, signing_key: bytes, public_url: str) -> None:
        if len(signing_key) < 16:
            raise ValueError("the URL signing key must be at least 16 bytes")
        # Keyed once: each signature copies this state instead of hashing the key again (an
        # export signs a URL per image, a million of them for a large job).
        self._mac = hmac.new(signing_key, digestmod=hashlib.sha256)
        self._base = public_url.rstrip("/") + OBJECTS_PATH

    def signature(self, method: str, key: str, expires: int, filename: str | None = None) -> str:
        message = f"{method.upper()}\n{key}\n{expires}"
        if filename is not None:
            message += f"\n{filename}"
        mac = self._mac.copy()
        mac.update(message.encode())
        return mac.hexdigest()

    def url(
        self,
        method: str,
        key: str,
        ttl_seconds: int,
        filename: str | None = None,
        *,
        now: float | None = None,
    ) -> str:
        """A URL for ``method`` on ``key`` valid for ``ttl_seconds`` from ``now``."""
        expires = int(time.time() if now is None else now) + ttl_seconds
        sig = self.signature(method, key, expires, filename)
        path = key if _PLAIN.fullmatch(key) else quote(key, safe="/")
        if filename is None:  # the common case, built directly (urlencode costs more than HMAC)
            return f"{self._base}{path}?expires={expires}&sig={sig}"
        query = urlencode({"expires": expires, "filename": filename, "sig": sig})
        return f"{self._base}{path}?{query}"

    def get_urls(self, keys: list[str], ttl_seconds: int) -> list[str]:
        """GET URLs for many keys at once (an export signs one per image), expiring together."""
        now = time.time()
        return [self.url("GET", key, ttl_seconds, now=now) for key in keys]

    def verify(
        self,
        method: str,
        key: str,
        expires: int | None,
        sig: str | None,
        filename: str | None = None,
        *,
        now: float | None = None,
    ) -> None:
        """Raise ``PermissionDenied`` unless ``sig`` is valid for these values and unexpired."""
        if expires is None or sig is None:
            raise PermissionDenied(
                "This storage URL is not signed; ask the API for a fresh download/upload link"
            )
        expected = self.signature(method, key, expires, filename)
        # Compare before looking at expiry so timing does not reveal which check failed first.
        valid = hmac.compare_digest(expected.encode(), sig.encode())
        if not valid:
            raise PermissionDenied(
                "This storage URL's signature is invalid (altered or for another object/method);"
                " ask the API for a fresh link"
            )
        if (time.time() if now is None else now) > expires:
            raise PermissionDenied("This storage URL has expired; ask the API for a fresh link")
