"""ImportProgress: a line every N records or T seconds with done, rate, time left and rejected."""

import pytest

from airflow_provider_jodo.loading.progress import ImportProgress, ProgressInterval


class RecordingLog:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str, *args: object) -> None:
        self.lines.append(message % args)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_line_every_n_records_with_rate_time_left_and_rejections():
    log, clock = RecordingLog(), Clock()
    progress = ImportProgress(
        log, "ImportProcessData", 1000, ProgressInterval(records=500, seconds=60), clock
    )
    clock.now += 10
    progress.advance(400, rejected=3)
    assert log.lines == []
    clock.now += 2.5
    progress.advance(100, rejected=1)
    assert log.lines == [
        "ImportProcessData: 500 of 1000 records done (50%), 40 records/s, about 12 s left, 4 rejected so far"
    ]
    clock.now += 12.5
    progress.advance(500)
    progress.finish()
    assert log.lines[1:] == [
        "ImportProcessData: 1000 of 1000 records done (100%), 40 records/s, 4 rejected so far",
        "ImportProcessData: all 1000 records done in 25.0 s (40 records/s), 4 rejected",
    ]


def test_a_line_every_t_seconds_and_no_guess_without_a_total():
    log, clock = RecordingLog(), Clock()
    progress = ImportProgress(
        log, "importCJI into campaign 1", None, ProgressInterval(records=10**6, seconds=5), clock
    )
    clock.now += 4
    progress.advance(20)
    assert log.lines == []
    clock.now += 1
    progress.advance(30, rejected=2)
    clock.now += 1
    progress.advance(10)
    assert log.lines == [
        "importCJI into campaign 1: 50 records done (total unknown, so no time estimate), 10 records/s, "
        "2 rejected so far"
    ]


def test_long_times_left_read_in_minutes_and_hours():
    log, clock = RecordingLog(), Clock()
    progress = ImportProgress(log, "push", 100_000, ProgressInterval(records=1, seconds=60), clock)
    clock.now += 1
    progress.advance(10)
    clock.now += 9
    progress.advance(490)
    assert "about 2 h 46 min left" in log.lines[0]
    assert "about 33 min 10 s left" in log.lines[1]


@pytest.mark.parametrize(
    ("records", "seconds", "message"),
    [
        (0, 10, "progress_every_records=0"),
        (True, 10, "progress_every_records=True"),
        (10, 0, "progress_every_seconds=0"),
        (10, "10", "progress_every_seconds='10'"),
    ],
)
def test_intervals_are_checked_naming_the_parameter(records, seconds, message):
    with pytest.raises(ValueError, match=message):
        ProgressInterval(records=records, seconds=seconds)
