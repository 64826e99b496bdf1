"""The park's calendar: its days are Asia/Shanghai days, whatever the server's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARK_TIMEZONE = "Asia/Shanghai"


def park_day_sql(column: str) -> str:
    """SQL for the park day of a ``timestamptz`` column."""
    return f"({column} AT TIME ZONE '{PARK_TIMEZONE}')::date"


def park_today() -> date:
    return datetime.now(ZoneInfo(PARK_TIMEZONE)).date()
