"""What a DAG author may give as an import's `exetime` (or `call_datetime`), resolved to an aware moment.

Accepted: None or "" (now), an aware datetime, a duration from now (`timedelta` or pendulum
`Duration`, or an ISO 8601 duration string such as `PT15M`, which a template or a run's conf
can carry), or a string with a UTC offset as a rendered template gives it (e.g.
`{{ data_interval_end }}` renders `2026-11-23 07:00:00+00:00`). A string or datetime without
a zone is refused: its zone would be a guess. So is a moment more than `MAX_YEARS_AHEAD` years
from now: a typo or a wrapped number, never a schedule. A moment in the past is taken as it is
(the platform runs such a job at once). The operators and the hook take the same forms through
this module; the hook writes the moment in the connection's time zone (`wall_clock_from_now`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pendulum

from airflow_provider_jodo.protocol.wire.wall_clock import to_wall_clock

ExetimeInput = datetime | timedelta | str | None

MAX_YEARS_AHEAD = 10
"""How far ahead a moment may be. pendulum's duration parser wraps big numbers (`PT4294967296S`
reads as zero, a 20-digit count as some decades), so durations are read here and bounded."""

_NUMBER = r"[0-9]+(?:[.,][0-9]+)?"
_ISO_DURATION = re.compile(
    rf"P(?:(?P<years>[0-9]+)Y)?(?:(?P<months>[0-9]+)M)?(?:(?P<weeks>{_NUMBER})W)?(?:(?P<days>{_NUMBER})D)?"
    rf"(?:T(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?(?:(?P<seconds>{_NUMBER})S)?)?"
)
"""An ISO 8601 duration as pendulum read it: whole years and months, fractions elsewhere."""
_TIME_UNITS = ("hours", "minutes", "seconds")
_CALENDAR_UNITS = ("years", "months")
_SHOWN_LENGTH = 80


def resolve_exetime(value: ExetimeInput, now: datetime, parameter: str = "exetime") -> datetime | None:
    """Return the aware moment `value` stands for (None means "now", i.e. unscheduled).

    :param value: one of the accepted forms (see the module's docstring).
    :param now: the moment a duration counts from, and the bound `MAX_YEARS_AHEAD` too.
    :param parameter: the argument's name, as errors name it.
    :raises ValueError: naming `parameter` and the value, for naive, unparseable or too distant
        input.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, timedelta):
        return _after(now, value, value, parameter)
    if isinstance(value, str):
        return _resolve_text(value, now, parameter)
    if isinstance(value, datetime):
        return _aware_moment(value, now, parameter)
    raise ValueError(f"{parameter} must be a datetime, a duration or a string, got {type(value).__name__}")


def wall_clock_from_now(value: ExetimeInput, timezone: str, parameter: str = "exetime") -> str | None:
    """Give the platform's wall-clock text of `value`, a duration counting from now; None means now.

    :param value: one of the accepted forms (see the module's docstring).
    :param timezone: the platform's time zone (the connection's setting).
    :param parameter: the argument's name, as errors name it.
    :raises ValueError: naming `parameter` and the value, for naive, unparseable or too distant
        input.
    """
    moment = resolve_exetime(value, pendulum.now("UTC"), parameter)
    return None if moment is None else to_wall_clock(moment, timezone, parameter)


def _resolve_text(value: str, now: datetime, parameter: str) -> datetime:
    """Read a duration (`P...`, by `_iso_duration`) or a date-time with an offset (by pendulum)."""
    text = value.strip()
    if text.startswith("P"):
        return _after(now, _iso_duration(text, value, parameter), value, parameter)
    try:
        parsed = pendulum.parse(text, exact=True, tz=None)
    except (ValueError, OverflowError, pendulum.parsing.exceptions.ParserError):
        raise ValueError(f"{parameter}={_shown(value)} is not an ISO date-time or duration") from None
    if not isinstance(parsed, datetime):
        raise ValueError(f"{parameter}={_shown(value)} is a date or time alone, not a date-time")
    return _aware_moment(parsed, now, parameter)


def _aware_moment(value: datetime, now: datetime, parameter: str) -> datetime:
    """Give `value` if it is aware and within the bound."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{parameter}={value.isoformat()} has no time zone; give an aware date-time")
    return _within_bound(value, now, value.isoformat(), parameter)


def _iso_duration(text: str, value: str, parameter: str) -> timedelta | None:
    """Read an ISO 8601 duration exactly, as Python numbers: they do not wrap as pendulum's parser's do.

    None stands for a duration too large to build, which `_after` refuses as too distant.
    """
    match = _ISO_DURATION.fullmatch(text)
    parts = {unit: number for unit, number in (match.groupdict() if match else {}).items() if number}
    if not parts or ("T" in text) != any(unit in parts for unit in _TIME_UNITS):
        raise ValueError(f"{parameter}={_shown(value)} is not an ISO date-time or duration")
    try:
        return pendulum.duration(
            **{u: int(n) if u in _CALENDAR_UNITS else float(n.replace(",", ".")) for u, n in parts.items()}
        )
    except (OverflowError, ValueError):  # beyond what a timedelta holds, or digits past int()'s limit
        return None


def _after(now: datetime, delay: timedelta | None, value: object, parameter: str) -> datetime:
    """Give `now` plus `delay`, refusing a negative delay or one beyond the bound (None: too large)."""
    if delay is not None and delay < timedelta(0):
        raise ValueError(f"{parameter}={value!r} is a negative duration; give a delay from now")
    try:
        moment = None if delay is None else now + delay
    except (OverflowError, ValueError):  # beyond year 9999
        moment = None
    return _within_bound(moment, now, _shown(value), parameter)


def _within_bound(moment: datetime | None, now: datetime, shown: str, parameter: str) -> datetime:
    """Give `moment` if it is at most `MAX_YEARS_AHEAD` years after `now` (None: further still)."""
    latest = pendulum.instance(now).add(years=MAX_YEARS_AHEAD)
    if moment is None or moment > latest:
        raise ValueError(
            f"{parameter}={shown} is more than {MAX_YEARS_AHEAD} years ahead (later than "
            f"{latest.isoformat(timespec='seconds')}); give a time within {MAX_YEARS_AHEAD} years"
        )
    return moment


def _shown(value: object) -> str:
    """`value`'s repr as errors quote it, cut short: a template can render megabytes."""
    text = repr(value)
    return text if len(text) <= _SHOWN_LENGTH else f"{text[:_SHOWN_LENGTH]}..."
