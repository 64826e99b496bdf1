"""Secrets: password hashing (argon2id), random credentials, and the server's signing key."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.config import Settings

MIN_PASSWORD_LENGTH = 10


class _Hashing:
    """argon2id; cost comes from settings (the test suite turns it down, production never)."""

    def __init__(self, time_cost: int, memory_kib: int) -> None:
        self.hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        # Verifying against this keeps a login for an unknown email as slow as one with a wrong
        # password, so response time does not reveal which emails exist.
        self.dummy = self.hasher.hash("brigade-timing-equaliser")


_hashing = _Hashing(time_cost=2, memory_kib=19456)  # OWASP; settings may raise it


def configure_password_hashing(time_cost: int, memory_kib: int) -> None:
    global _hashing
    current = _hashing.hasher
    if (current.time_cost, current.memory_cost) != (time_cost, memory_kib):
        _hashing = _Hashing(time_cost, memory_kib)


def hash_password(password: str) -> str:
    return _hashing.hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        ok = _hashing.hasher.verify(password_hash or _hashing.dummy, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


def password_needs_rehash(password_hash: str) -> bool:
    return _hashing.hasher.check_needs_rehash(password_hash)


async def hash_password_async(password: str) -> str:
    """Off the event loop: one argon2 hash takes tens of milliseconds of CPU by design."""
    return await anyio.to_thread.run_sync(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await anyio.to_thread.run_sync(verify_password, password_hash, password)


def new_secret(prefix: str) -> str:
    """A credential like ``brg_…``: 256 bits of randomness, URL-safe."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    """SHA-256 suffices for 256-bit random secrets (no dictionary to attack), and is indexable."""
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def resolve_signing_key(settings: Settings) -> bytes:
    """The configured key, or (development and test only) one generated once per data dir."""
    if settings.auth.secret_key is not None:
        return settings.auth.secret_key.get_secret_value().encode()
    if settings.environment == "production":  # Settings refuses this too; belt and braces
        raise RuntimeError("BRIGADE_AUTH__SECRET_KEY is required in production")
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
