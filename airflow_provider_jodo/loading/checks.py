"""The checks every import operator shares: its arguments, its first record, what it loaded.

Arguments are checked in `__init__` (each error names the parameter), so that a typo fails
when the DAG file is parsed rather than at 6 a.m. Two mistakes cost a newcomer a silent empty
load: a `column_mapping` that names a column the input does not have (every record then lacks
the field and is rejected), and a run where every record is rejected or the input is empty.
The first is caught on the first record, before anything is sent; the second when the counts
are in, by `min_loaded`, the same in every import operator.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from airflow_provider_jodo.exceptions import JodoColumnMappingError, JodoNothingLoadedError

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


DEFAULT_MIN_LOADED = 1
"""Every import operator fails by default when not one input record landed."""


def min_loaded_argument(value: Any) -> int:
    """Return `min_loaded` once it is a whole number >= 0 (0 lets an empty load succeed).

    :param value: the operator's `min_loaded` argument.
    :raises ValueError: naming `min_loaded`.
    """
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"min_loaded={value!r} must be an integer >= 0")
    return value


def records_with_known_columns(records: Iterator[Any], mapping: Mapping[str, str]) -> Iterator[Any]:
    """Yield `records` as they are, once the first record has every column `mapping` renames.

    The first record stands for the input's columns: a CSV's header, a query's columns, or the
    keys of a list's first dict. Nothing is sent before it is read, so a typo fails the task
    before any call.

    :param records: the input records, in order (items that are not dicts pass unchecked).
    :param mapping: the operator's `column_mapping` (source column -> platform field).
    :raises JodoColumnMappingError: listing the unknown names and the input's columns.
    """
    checked = not mapping
    for record in records:
        if not checked and isinstance(record, Mapping):
            checked = True
            unknown = [name for name in mapping if name not in record]
            if unknown:
                columns = ", ".join(repr(name) for name in record) or "none"
                raise JodoColumnMappingError(
                    f"column_mapping names {', '.join(map(repr, unknown))}, which the input does not have "
                    f"(its columns: {columns}); nothing was sent"
                )
        yield record


def check_loaded(
    loaded: int, total: int, min_loaded: int, what: str, first_rejection: str | None = None
) -> None:
    """Fail unless at least `min_loaded` of the `total` input records landed.

    :param loaded: how many landed: inserted, updated, accepted, or skipped as a duplicate the
        platform already held (for a staged file: how many were staged).
    :param total: how many records the input held.
    :param min_loaded: the operator's `min_loaded`.
    :param what: the import, for the message (e.g. "ImportProcessData").
    :param first_rejection: the first rejected record's index and reason, if any, to point at the
        cause.
    :raises JodoNothingLoadedError: saying how many records came and what became of them.
    """
    if loaded >= min_loaded:
        return
    if total == 0:
        happened = "the input held no record"
    else:
        happened = f"{loaded} of {total} records landed"
        if first_rejection:
            happened += f" (first rejected: {first_rejection})"
    raise JodoNothingLoadedError(
        f"{what}: {happened}, fewer than min_loaded={min_loaded}; set min_loaded=0 to let such a run succeed"
    )
