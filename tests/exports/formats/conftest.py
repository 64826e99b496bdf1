"""The format writers are pure: these tests need no database, S3 or app.

The suite's autouse ``_clean_tables`` (tests/conftest.py) truncates tables after every test and
so starts PostgreSQL and the app for it; shadowing it here keeps this folder fast.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clean_tables() -> None:
    return None
