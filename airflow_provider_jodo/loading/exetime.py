"""What a DAG author may give as an import's `exetime`, resolved to an aware moment.

Accepted: None or "" (now), an aware datetime, a duration from now (`timedelta` or pendulum
`Duration`, or an ISO 8601 duration string such as `PT15M`, which a template or a run's conf
can carry), or a string with a UTC offset as a rendered template gives it (e.g.
`{{ data_interval_end }}` renders `2026-11-23 07:00:00+00:00`). A string or datetime without
a zone is refused: its zone would be a guess. Conversion to the platform's wall clock happens
later, in the hook, in the connection's time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pendulum

ExetimeInput = datetime | timedelta | str | None


def resolve_exetime(value: ExetimeInput, now: datetime, parameter: str = "exetime") -> datetime | None:
    """Return the aware moment `value` stands for (None means "now", i.e. unscheduled).

    :raises ValueError: naming `parameter` and the value, for naive or unparseable input.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise ValueError(f"{parameter}={value!r} is a negative duration; give a delay from now")
        try:
            return now + value
        except OverflowError:  # beyond year 9999
            raise ValueError(f"{parameter}={value!r} is too long a delay") from None
    if isinstance(value, str):
        try:
            parsed = pendulum.parse(value.strip(), exact=True, tz=None)
        except (ValueError, pendulum.parsing.exceptions.ParserError):
            raise ValueError(f"{parameter}={value!r} is not an ISO date-time") from None
        if isinstance(parsed, timedelta):  # an ISO 8601 duration: that long from now
            return resolve_exetime(parsed, now, parameter)
        if not isinstance(parsed, datetime):
            raise ValueError(f"{parameter}={value!r} is a date or time alone, not a date-time")
        value = parsed
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{parameter}={value.isoformat()} has no time zone; give an aware date-time")
        return value
    raise ValueError(f"{parameter} must be a datetime, a duration or a string, got {type(value).__name__}")
