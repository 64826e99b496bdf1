"""The park's calendar: its days are Asia/Shanghai days, whatever the server's time zone."""

from __future__ import annotations

PARK_TIMEZONE = "Asia/Shanghai"


def park_day_sql(column: str) -> str:
    """SQL for the park day of a ``timestamptz`` column."""
    return f"({column} AT TIME ZONE '{PARK_TIMEZONE}')::date"
