"""Progress of a long import in the task log, shared by both import operators.

A line every `records` records or `seconds` seconds, whichever comes first: records done,
the rate so far, the time left when the total is known, and the records rejected so far.
Time is read from a monotonic clock, once per `advance`, so the check costs nothing next to
a platform call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_provider_jodo.loading.checks import positive_int

DEFAULT_PROGRESS_EVERY_RECORDS = 100_000
DEFAULT_PROGRESS_EVERY_SECONDS = 10.0


@dataclass(frozen=True)
class ProgressInterval:
    """How often a progress line is logged.

    It is checked when the operator is built, so that a bad value fails the DAG, naming the
    operator's parameter.
    """

    records: int = DEFAULT_PROGRESS_EVERY_RECORDS
    seconds: float = DEFAULT_PROGRESS_EVERY_SECONDS

    def __post_init__(self) -> None:
        """Refuse a number of records or seconds that is not positive, naming the operator's parameter."""
        positive_int(self.records, "progress_every_records")
        if (
            not isinstance(self.seconds, (int, float))
            or isinstance(self.seconds, bool)
            or not self.seconds > 0
        ):
            raise ValueError(f"progress_every_seconds={self.seconds!r} must be a number of seconds > 0")


class ImportProgress:
    """Count records as their outcomes arrive and log progress lines on `log` (the task's logger).

    `total` is the number of input records when known without reading them (a list), None for
    a file: then the line says so instead of guessing the time left.
    """

    def __init__(
        self,
        log: Any,
        what: str,
        total: int | None,
        interval: ProgressInterval,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Start counting now; `what` names the records in the lines, `clock` is for tests."""
        self._log = log
        self._what = what
        self._total = total
        self._interval = interval
        self._clock = clock
        self._started = clock()
        self._last_line_at = self._started
        self._done_at_last_line = 0
        self.done = 0
        self.rejected = 0
        self.accepted = 0

    def advance(self, records: int, rejected: int = 0, accepted: int = 0) -> None:
        """Count `records` more records that have their final outcome.

        `rejected` of them were rejected and `accepted` of them taken by a platform that did
        not say whether it inserted or updated them.
        """
        self.done += records
        self.rejected += rejected
        self.accepted += accepted
        now = self._clock()
        if (
            self.done - self._done_at_last_line >= self._interval.records
            or now - self._last_line_at >= self._interval.seconds
        ):
            self._log.info("%s", self.describe(now))
            self._last_line_at = now
            self._done_at_last_line = self.done

    def finish(self) -> None:
        """Log the last line: all records done, in how long, and how many were rejected."""
        elapsed = self._clock() - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        self._log.info(
            "%s: all %d records done in %.1f s (%.0f records/s), %d rejected%s",
            self._what,
            self.done,
            elapsed,
            rate,
            self.rejected,
            self._accepted_note(),
        )

    def describe(self, now: float | None = None) -> str:
        """Return the progress line: done, rate, time left (or that it is unknown), rejected."""
        elapsed = (self._clock() if now is None else now) - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self._total is None:
            position = f"{self.done} records done (total unknown, so no time estimate)"
            remaining = ""
        else:
            share = 100.0 * self.done / self._total if self._total else 100.0
            position = f"{self.done} of {self._total} records done ({share:.0f}%)"
            left = self._total - self.done
            if left <= 0:
                remaining = ""
            elif rate > 0:
                remaining = f", about {_duration(left / rate)} left"
            else:
                remaining = ", time left unknown"
        return (
            f"{self._what}: {position}, {rate:.0f} records/s{remaining}, {self.rejected} rejected so far"
            f"{self._accepted_note()}"
        )

    def _accepted_note(self) -> str:
        if not self.accepted:
            return ""
        return f", {self.accepted} accepted (the platform does not say inserted or updated)"


def _duration(seconds: float) -> str:
    """Return a short human duration: `42 s`, `3 min 20 s`, `2 h 05 min`."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
