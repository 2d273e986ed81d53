"""The platform's clock: wall-clock `YYYY-MM-DD hh:mm:ss` in the platform's time zone.

Both vendors speak naive wall-clock strings and mean their own time zone, so the sandbox keeps
one zone (a constructor setting, default UTC) and formats and compares every time in it. The
fixed-width format also sorts as text, which the job scheduler relies on.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from airflow_provider_jodo.protocol.wire.protocol import WIRE_FORMAT

WALL_CLOCK_FORMAT = WIRE_FORMAT
_DATE_FORMAT = "%Y-%m-%d"
_TIME_FORMAT = "%H:%M:%S"
_FIXED_WIDTH = {WALL_CLOCK_FORMAT: 19, _DATE_FORMAT: 10, _TIME_FORMAT: 8}


def is_wall_clock(value: object) -> bool:
    """Tell whether `value` is a real date-time written `YYYY-MM-DD hh:mm:ss`.

    This is the sandbox's own reading, apart from the hook's: a shared bug would pass both sides.
    """
    return _parses(value, WALL_CLOCK_FORMAT)


def is_date(value: object) -> bool:
    """Whether `value` is a real date written `YYYY-MM-DD`."""
    return _parses(value, _DATE_FORMAT)


def is_time(value: object) -> bool:
    """Whether `value` is a real time of day written `hh:mm:ss`."""
    return _parses(value, _TIME_FORMAT)


def _parses(value: object, layout: str) -> bool:
    # strptime alone takes "2024-5-1" and non-ASCII digits: the width and ASCII checks refuse them.
    if not isinstance(value, str) or len(value) != _FIXED_WIDTH[layout] or not value.isascii():
        return False
    try:
        datetime.strptime(value, layout)
    except ValueError:
        return False
    return True


class PlatformClock:
    """Current time in the platform's time zone, as aware datetimes or wire strings."""

    def __init__(self, timezone: str) -> None:
        """Keep the IANA time zone `timezone`; ValueError names an unknown one."""
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"timezone={timezone!r} is not a known IANA time zone") from error
        self.timezone = timezone

    def now(self) -> datetime:
        """Return the current aware time in the platform's zone."""
        return datetime.now(self.zone)

    def now_text(self) -> str:
        """Return the current time as the platform writes it (`YYYY-MM-DD hh:mm:ss`, its own zone)."""
        return self.now().strftime(WALL_CLOCK_FORMAT)
