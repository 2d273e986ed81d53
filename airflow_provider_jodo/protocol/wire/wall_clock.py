"""The platforms' date-time format: wall-clock `YYYY-MM-DD hh:mm:ss` in the platform's time zone.

The time zone is a connection setting. Inside the provider time is always aware; it is
converted here, at the wire boundary, and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time

import pendulum

from airflow_provider_jodo.protocol.wire.protocol import IMMEDIATELY, IMMEDIATELY_AS_ZEROS, WIRE_FORMAT

__all__ = ["IMMEDIATELY", "IMMEDIATELY_AS_ZEROS", "WIRE_FORMAT", "is_date", "is_time", "is_wall_clock"]


def to_wall_clock(moment: datetime, timezone: str, parameter: str) -> str:
    """`moment` as the platform's wall-clock string in `timezone`.

    Raises ValueError naming `parameter` for a naive datetime: its zone would be a guess, and a
    guess shifts a dialing schedule by hours.
    """
    if not isinstance(moment, datetime):
        raise ValueError(f"{parameter} must be a datetime, got {type(moment).__name__} {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{parameter}={moment.isoformat()} is a naive datetime; give it a time zone")
    try:
        local = pendulum.instance(moment).in_timezone(timezone)
    except (OverflowError, ValueError):  # e.g. year 1 at +14:00 is before year 1 in UTC
        raise ValueError(f"{parameter}={moment.isoformat()} is out of the range of dates") from None
    # isoformat, not strftime: "%Y" writes year 999 as "999", which is not YYYY.
    return local.isoformat(sep=" ", timespec="seconds")[: len("YYYY-MM-DD hh:mm:ss")]


def now_wall_clock(timezone: str) -> str:
    """Return the current time as the platform's wall-clock string."""
    return pendulum.now(timezone).strftime(WIRE_FORMAT)


_DATE = r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
_TIME = r"([0-9]{2}):([0-9]{2}):([0-9]{2})"
_WALL_CLOCK_PATTERN = re.compile(f"{_DATE} {_TIME}")
_DATE_PATTERN = re.compile(_DATE)
_TIME_PATTERN = re.compile(_TIME)


def _matches(value: object, pattern: re.Pattern[str], build: Callable[..., object]) -> bool:
    # The pattern pins the exact width ("2024-1-5" is refused); building the value then refuses
    # impossible ones such as month 13. Much faster than strptime, which matters for 500
    # records per request.
    match = pattern.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return False
    try:
        build(*(int(part) for part in match.groups()))
    except ValueError:
        return False
    return True


def is_wall_clock(value: object) -> bool:
    """Tell whether `value` is a real date-time written exactly `YYYY-MM-DD hh:mm:ss`."""
    return _matches(value, _WALL_CLOCK_PATTERN, datetime)


def is_date(value: object) -> bool:
    """Tell whether `value` is a real date written exactly `YYYY-MM-DD`."""
    return _matches(value, _DATE_PATTERN, date)


def is_time(value: object) -> bool:
    """Tell whether `value` is a time of day written exactly `hh:mm:ss`."""
    return _matches(value, _TIME_PATTERN, time)
