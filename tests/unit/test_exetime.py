from datetime import datetime, timedelta, timezone

import pendulum
import pytest

from airflow_provider_jodo.vendor.exetime import resolve_exetime

NOW = pendulum.datetime(2026, 11, 23, 6, 0, tz="UTC")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        (
            pendulum.datetime(2026, 11, 23, 9, tz="Asia/Kolkata"),
            pendulum.datetime(2026, 11, 23, 9, tz="Asia/Kolkata"),
        ),
        (timedelta(minutes=30), NOW.add(minutes=30)),
        (pendulum.duration(hours=2), NOW.add(hours=2)),
        ("2026-11-23 07:38:37+00:00", datetime(2026, 11, 23, 7, 38, 37, tzinfo=timezone.utc)),
        ("2026-11-23T10:00:00+05:30", pendulum.datetime(2026, 11, 23, 4, 30, tz="UTC")),
        ("PT15M", NOW.add(minutes=15)),  # an ISO 8601 duration, as a template or a run's conf gives it
        (" P1DT2H ", NOW.add(days=1, hours=2)),
    ],
)
def test_resolves_every_accepted_form(value, expected):
    assert resolve_exetime(value, NOW) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-11-23 07:00:00", "has no time zone"),
        (datetime(2026, 11, 23, 7), "has no time zone"),
        ("tomorrow morning", "not an ISO date-time"),
        ("-PT5M", "not an ISO date-time"),
        ("2026-11-23", "a date or time alone"),
        (timedelta(minutes=-5), "negative duration"),
        (42, "got int"),
    ],
)
def test_refuses_what_would_be_a_guess(value, message):
    with pytest.raises(ValueError, match=message):
        resolve_exetime(value, NOW)
