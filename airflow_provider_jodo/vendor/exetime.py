"""What a DAG author may give as an import's `exetime` (or `call_datetime`), resolved to an aware moment.

Accepted: None or "" (now), an aware datetime, a duration from now (`timedelta` or pendulum
`Duration`, or an ISO 8601 duration string such as `PT15M`, which a template or a run's conf
can carry), or a string with a UTC offset as a rendered template gives it (e.g.
`{{ data_interval_end }}` renders `2026-11-23 07:00:00+00:00`). A string or datetime without
a zone is refused: its zone would be a guess. The operators and the hook take the same forms
through this module; the hook writes the moment in the connection's time zone
(`wall_clock_from_now`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pendulum

from airflow_provider_jodo.vendor.wire.wall_clock import to_wall_clock

ExetimeInput = datetime | timedelta | str | None


def resolve_exetime(value: ExetimeInput, now: datetime, parameter: str = "exetime") -> datetime | None:
    """Return the aware moment `value` stands for (None means "now", i.e. unscheduled).

    :param value: one of the accepted forms (see the module's docstring).
    :param now: the moment a duration counts from.
    :param parameter: the argument's name, as errors name it.
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


def wall_clock_from_now(value: ExetimeInput, timezone: str, parameter: str = "exetime") -> str | None:
    """Give the platform's wall-clock text of `value`, a duration counting from now; None means now.

    :param value: one of the accepted forms (see the module's docstring).
    :param timezone: the platform's time zone (the connection's setting).
    :param parameter: the argument's name, as errors name it.
    :raises ValueError: naming `parameter` and the value, for naive or unparseable input.
    """
    moment = resolve_exetime(value, pendulum.now("UTC"), parameter)
    return None if moment is None else to_wall_clock(moment, timezone, parameter)
