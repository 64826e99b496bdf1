"""Process-level startup shared by the API server, the worker and the CLI."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from app.config import Settings
from app.kit.embedded_pg import start_embedded

ROOT = Path(__file__).resolve().parent.parent
ALEMBIC_INI = ROOT / "alembic.ini"


def database_url(settings: Settings) -> str:
    """The configured URL, or the embedded server's (started on first use in this process)."""
    if settings.db.url:
        return settings.db.url
    return start_embedded(Path(settings.data_dir))


def alembic_config(url: str) -> Config:
    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
