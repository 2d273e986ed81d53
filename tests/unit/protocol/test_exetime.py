from datetime import datetime, timedelta, timezone

import pendulum
import pytest

from airflow_provider_jodo.protocol.exetime import resolve_exetime

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


@pytest.mark.parametrize(
    "value",
    [
        "PT4294967296S",  # pendulum's parser wrapped it to zero: sent as "now"
        "PT" + "9" * 20 + "S",  # wrapped to a date in 2079
        "P9999Y",  # a bare "year 12025 is out of range"
        "P10Y1D",
        "PT" + "9" * 5000 + "S",  # past int()'s digit limit
        timedelta(days=3653 + 1),
        timedelta.max,
        pendulum.duration(years=11),
        "2037-01-01T00:00:00+00:00",
        "2099-01-01 00:00:00+05:30",  # what a template renders
        pendulum.datetime(9999, 12, 31, tz="Etc/GMT+12"),
    ],
)
def test_refuses_more_than_ten_years_ahead_naming_the_parameter(value):
    with pytest.raises(ValueError, match=r"^call_datetime=.* is more than 10 years ahead \(later than "):
        resolve_exetime(value, NOW, "call_datetime")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("P10Y", NOW.add(years=10)),
        ("P1Y2M3DT4H5M6.5S", NOW.add(years=1, months=2, days=3, hours=4, minutes=5, seconds=6.5)),
        ("PT1,5H", NOW.add(minutes=90)),
        ("P1.5D", NOW.add(hours=36)),
        ("P2W", NOW.add(weeks=2)),
        ("2016-11-23T06:00:00+00:00", NOW.subtract(years=10)),  # the past is sent as it is
        (datetime(1, 1, 1, tzinfo=timezone.utc), datetime(1, 1, 1, tzinfo=timezone.utc)),
    ],
)
def test_durations_are_read_exactly_and_the_past_is_kept(value, expected):
    assert resolve_exetime(value, NOW) == expected


@pytest.mark.parametrize("value", ["PT", "P1DT", "P", "P-1D", "PT-5S", "P1.5Y", "P\uff11D", "P1D2Y"])
def test_refuses_what_is_not_a_duration(value):
    with pytest.raises(ValueError, match=rf"^exetime={value!r} is not an ISO date-time or duration$"):
        resolve_exetime(value, NOW)


def test_quotes_a_huge_value_cut_short():
    with pytest.raises(ValueError) as refused:
        resolve_exetime("P" + "1" * 100_000 + "X", NOW)
    assert len(str(refused.value)) < 200
