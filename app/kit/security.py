"""Secrets: password hashing (argon2id), random credentials, and the server's signing key."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.config import Settings

_hasher = PasswordHasher()  # argon2id with the library's OWASP-aligned defaults

# Verifying against this keeps a login for an unknown email as slow as one with a wrong password,
# so response time does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("brigade-timing-equaliser")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


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
