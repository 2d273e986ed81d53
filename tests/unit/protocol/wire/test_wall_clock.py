from datetime import datetime, timezone

import pendulum
import pytest

from airflow_provider_jodo.protocol.wire.wall_clock import to_wall_clock


def test_converts_aware_times_to_the_platform_zone():
    moment = pendulum.datetime(2026, 11, 23, 23, 30, tz="UTC")
    assert to_wall_clock(moment, "Asia/Kolkata", "exetime") == "2026-11-24 05:00:00"
    assert (
        to_wall_clock(datetime(2026, 1, 1, 12, tzinfo=timezone.utc), "UTC", "exetime")
        == "2026-01-01 12:00:00"
    )


def test_refuses_naive_datetimes_naming_the_parameter():
    with pytest.raises(ValueError, match="exetime=2026-01-01T12:00:00 is a naive datetime"):
        to_wall_clock(datetime(2026, 1, 1, 12), "UTC", "exetime")


def test_refuses_non_datetimes():
    with pytest.raises(ValueError, match="call_datetime must be a datetime"):
        to_wall_clock("2026-01-01", "UTC", "call_datetime")
