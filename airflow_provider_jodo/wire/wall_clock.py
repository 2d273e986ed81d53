"""The platforms' date-time format: wall-clock `YYYY-MM-DD hh:mm:ss` in the platform's time
zone (a connection setting). Inside the provider time is always aware; it is converted here,
at the wire boundary, and nowhere else."""

from __future__ import annotations

from datetime import datetime

import pendulum

WIRE_FORMAT = "%Y-%m-%d %H:%M:%S"
IMMEDIATELY = ""


def to_wall_clock(moment: datetime, timezone: str, parameter: str) -> str:
    """`moment` as the platform's wall-clock string in `timezone`.

    Raises ValueError naming `parameter` for a naive datetime: its zone would be a guess, and a
    guess shifts a dialing schedule by hours.
    """
    if not isinstance(moment, datetime):
        raise ValueError(f"{parameter} must be a datetime, got {type(moment).__name__} {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{parameter}={moment.isoformat()} is a naive datetime; give it a time zone")
    return pendulum.instance(moment).in_timezone(timezone).strftime(WIRE_FORMAT)


def now_wall_clock(timezone: str) -> str:
    """The current time as the platform's wall-clock string."""
    return pendulum.now(timezone).strftime(WIRE_FORMAT)
