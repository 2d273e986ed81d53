"""Checks of operator arguments shared by the import operators; each error names the parameter.

They run in `__init__` so that a typo fails when the DAG file is parsed rather than at 6 a.m.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

ON_INVALID_CHOICES = ("reject", "fail")
"""`reject`: report invalid records with their reason and import the others; `fail`: fail the
task before anything is sent if one record is invalid."""


def positive_int(value: Any, parameter: str) -> int:
    """`value` once checked to be an integer >= 1 (a bool is not one)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{parameter}={value!r} must be an integer >= 1")
    return value


def positive_seconds(value: Any, parameter: str) -> float:
    """Return `value` once it is a positive, finite number of seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise ValueError(f"{parameter}={value!r} must be a positive number of seconds")
    return float(value)


def on_invalid_policy(value: Any) -> str:
    """`on_invalid` once checked to be one of `ON_INVALID_CHOICES`."""
    if value not in ON_INVALID_CHOICES:
        raise ValueError(f"on_invalid={value!r} is not one of {', '.join(map(repr, ON_INVALID_CHOICES))}")
    return value


def column_mapping(value: Any) -> dict[str, str]:
    """`column_mapping` (source column name -> Jodo field name) as a dict; None is no mapping."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(name, str) and isinstance(field, str) for name, field in value.items()
    ):
        raise ValueError(f"column_mapping={value!r} must map column names to Jodo field names")
    return dict(value)
