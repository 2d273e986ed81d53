"""The platform's clock: wall-clock `YYYY-MM-DD hh:mm:ss` in the platform's time zone.

Both vendors speak naive wall-clock strings and mean their own time zone, so the sandbox keeps
one zone (a constructor setting, default UTC) and formats and compares every time in it. The
fixed-width format also sorts as text, which the job scheduler relies on.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from airflow_provider_jodo.wire.wall_clock import WIRE_FORMAT, is_date, is_wall_clock

__all__ = ["WALL_CLOCK_FORMAT", "PlatformClock", "is_date", "is_wall_clock"]

WALL_CLOCK_FORMAT = WIRE_FORMAT


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
