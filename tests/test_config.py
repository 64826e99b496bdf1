"""Production refuses settings that are only safe on a developer's machine."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from app.config import AuthSettings, Settings

GOOD_KEY = SecretStr("k" * 40)


def _production(**kw: object) -> Settings:
    defaults: dict[str, object] = {
        "environment": "production",
        "database_url": "postgresql://brigade@db/brigade",
        "auth": AuthSettings(secret_key=GOOD_KEY, cookie_secure=True),
    }
    return Settings(**{**defaults, **kw})  # type: ignore[arg-type]


def test_a_complete_production_configuration_is_accepted() -> None:
    settings = _production()
    assert settings.db.url == "postgresql://brigade@db/brigade"
    assert not settings.embedded_database


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"auth": AuthSettings(secret_key=None, cookie_secure=True)}, "SECRET_KEY"),
        ({"auth": AuthSettings(secret_key=SecretStr("short"), cookie_secure=True)}, "SECRET_KEY"),
        ({"database_url": None}, "DATABASE_URL"),
        ({"auth": AuthSettings(secret_key=GOOD_KEY, cookie_secure=False)}, "COOKIE_SECURE"),
    ],
)
def test_production_refuses_unsafe_settings(override: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _production(**override)


def test_development_runs_on_defaults() -> None:
    settings = Settings(environment="development")
    assert settings.embedded_database
