"""Records as rows of the CSV file an importCJI http/ftp job reads.

The platform reads the file line by line (`delrow` counts lines), matches the header against
the campaign form and stores each cell as text. A value that cannot survive that trip is
refused here, with the field and the reason, rather than written mangled or dropped: a line
break would split the record in two, a nested object or a byte string has no text form the
platform understands, and a naive date-time would land in the wrong hour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from airflow_provider_jodo.loading.record_sources import not_a_record_reason
from airflow_provider_jodo.protocol.wire.wall_clock import to_wall_clock

_LINE_BREAKS = ("\r", "\n", "\x00")


def campaign_row(record: Any, columns: Sequence[str], timezone: str) -> list[str]:
    """Return the record's cells in `columns` order (absent fields empty).

    Date-times are written as the platform's wall clock in `timezone` (the connection's), dates
    as `YYYY-MM-DD`, numbers as Python writes them.

    :raises ValueError: the record is not a dict (for a file's unreadable record, its reason),
        has a field outside `columns`, or holds a value a CSV cell cannot carry; the message
        names the field.
    """
    if not isinstance(record, Mapping):
        raise ValueError(not_a_record_reason(record))
    unknown = sorted(str(name) for name in record if name not in columns)
    if unknown:
        raise ValueError(f"field(s) {unknown} are not among the columns {list(columns)}")
    return [_cell(record.get(column), column, timezone) for column in columns]


def _cell(value: Any, field: str, timezone: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        if any(mark in value for mark in _LINE_BREAKS):
            raise ValueError(
                f"field {field!r} holds a line break or NUL, which the line-based CSV import cannot carry"
            )
        return value
    if isinstance(value, bool):  # before int: bool is an int subclass
        raise ValueError(f"field {field!r} is a boolean; give the text the campaign expects")
    if isinstance(value, (int, float, Decimal)):
        if not isinstance(value, int) and not math.isfinite(value):
            raise ValueError(f"field {field!r} is {value}, not a number the platform can store")
        return str(value)
    if isinstance(value, datetime):
        return to_wall_clock(value, timezone, f"field {field!r}")
    if isinstance(value, date):
        return value.isoformat()
    raise ValueError(f"field {field!r} holds a {type(value).__name__}, which a CSV cell cannot carry")
