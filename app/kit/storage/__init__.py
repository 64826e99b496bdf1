"""Object storage: one async ``ObjectStore`` API over local disk or S3.

The app builds one store at startup (``create_store``), keeps it on ``app.state.store`` and
endpoints receive it through the ``Store`` dependency. See ``base`` for the contract.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.config import Settings
from app.kit.storage.base import ObjectInfo, ObjectStore, StoredObject
from app.kit.storage.keys import content_key, validate_key
from app.kit.storage.local import LocalObjectStore
from app.kit.storage.s3 import S3ObjectStore

__all__ = [
    "LocalObjectStore",
    "ObjectInfo",
    "ObjectStore",
    "S3ObjectStore",
    "Store",
    "StoredObject",
    "content_key",
    "create_store",
    "get_store",
    "validate_key",
]


def create_store(settings: Settings, signing_key: bytes) -> ObjectStore:
    """The configured backend; call ``await store.ensure_ready()`` before serving.

    ``signing_key`` signs local download/upload URLs (unused by S3, which signs with its keys)."""
    cfg = settings.storage
    if cfg.backend == "s3":
        return S3ObjectStore(
            cfg.s3_endpoint,
            cfg.s3_access_key.get_secret_value(),
            cfg.s3_secret_key.get_secret_value(),
            cfg.s3_bucket,
            secure=cfg.s3_secure,
            region=cfg.s3_region,
            default_ttl_seconds=cfg.presign_ttl_seconds,
            public_endpoint=cfg.s3_public_endpoint,
            public_secure=cfg.s3_public_secure,
        )
    return LocalObjectStore(
        settings.storage_root,
        signing_key=signing_key,
        public_url=settings.server.public_url,
        default_ttl_seconds=cfg.presign_ttl_seconds,
    )


async def get_store(request: Request) -> ObjectStore:
    store: ObjectStore = request.app.state.store
    return store


Store = Annotated[ObjectStore, Depends(get_store)]
