"""Reusable input types: names are trimmed and may not be blank."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
LongName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
