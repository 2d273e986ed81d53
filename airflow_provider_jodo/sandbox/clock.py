"""The platform's clock: wall-clock `YYYY-MM-DD hh:mm:ss` in the platform's time zone.

Both vendors speak naive wall-clock strings and mean their own time zone, so the sandbox keeps
one zone (a constructor setting, default UTC) and formats and compares every time in it. The
fixed-width format also sorts as text, which the job scheduler relies on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WALL_CLOCK_FORMAT = "%Y-%m-%d %H:%M:%S"
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
    """True for a real date-time written exactly `YYYY-MM-DD hh:mm:ss`."""
    return _matches(value, _WALL_CLOCK_PATTERN, datetime)


def is_date(value: object) -> bool:
    """True for a real date written exactly `YYYY-MM-DD`."""
    return _matches(value, _DATE_PATTERN, date)


def is_time(value: object) -> bool:
    """True for a time of day written exactly `hh:mm:ss`."""
    return _matches(value, _TIME_PATTERN, time)


class PlatformClock:
    """Current time in the platform's time zone, as aware datetimes or wire strings."""

    def __init__(self, timezone: str) -> None:
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"timezone={timezone!r} is not a known IANA time zone") from error
        self.timezone = timezone

    def now(self) -> datetime:
        """The current aware time in the platform's zone."""
        return datetime.now(self.zone)

    def now_text(self) -> str:
        """The current time as the platform writes it (`YYYY-MM-DD hh:mm:ss`, its own zone)."""
        return self.now().strftime(WALL_CLOCK_FORMAT)
