"""Sealing short secrets that must be kept for a while (e.g. a client's S3 credentials until its
import job has run): AES-256-GCM under a key derived from the server's secret for one purpose.
Sealed values are useless without the server secret and fail loudly when tampered with."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _key(server_secret: bytes, purpose: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
    return hkdf.derive(server_secret)


def seal(server_secret: bytes, purpose: str, plaintext: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(server_secret, purpose)).encrypt(nonce, plaintext.encode(), None)
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(server_secret: bytes, purpose: str, token: str) -> str:
    raw = base64.urlsafe_b64decode(token.encode())
    try:
        plain = AESGCM(_key(server_secret, purpose)).decrypt(raw[:12], raw[12:], None)
    except InvalidTag:
        raise ValueError("sealed value does not open with this server's secret") from None
    return plain.decode()
