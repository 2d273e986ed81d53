"""Checks that make an import that loads nothing fail loudly instead of going green.

Two mistakes cost a newcomer a silent empty load: a `column_mapping` that names a column the
input does not have (every record then lacks the field and is rejected), and a run where every
record is rejected or the input is empty. The first is caught on the first record, before
anything is sent; the second when the counts are in, by `min_loaded`, the same in every import
operator.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from airflow_provider_jodo.exceptions import JodoColumnMappingError, JodoNothingLoadedError

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
