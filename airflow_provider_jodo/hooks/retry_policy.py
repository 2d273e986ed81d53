"""When the hook tries a call again: which failures are transient, and how long to wait.

Only failures that say nothing about the request itself are retried: the platform could not be
reached or did not answer in time (connection errors, timeouts, a lost or cut answer), asked us
to slow down (429) or failed on its side (5xx). A vendor answer, "failed" or an authentication
refusal included, is never retried: sending it again cannot change it.

Some transient failures may come after the platform acted on the request (a timeout, a lost
answer, a 500): `TransientFailure.maybe_processed` tells the hook so, and a call that must not
be repeated blindly (submitting an import job) checks first whether the earlier attempt took.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import pendulum
import requests

from airflow_provider_jodo.enums import UNPROCESSED_HTTP_STATUSES
from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits

THROTTLED = 429
_RETRY_AFTER_DIGITS = 9
"""The longest Retry-After in seconds read (about 31 years); a longer one reads as absent."""


@dataclass(frozen=True)
class TransientFailure:
    """A failure worth another attempt. `retry_after` is the platform's own wait (seconds)."""

    description: str
    maybe_processed: bool
    retry_after: float | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by attempts and by total time.

    :param max_retries: attempts after the first (0 disables retries).
    :param backoff: seconds before the first retry; doubled for each further one.
    :param max_backoff: the longest single wait (a Retry-After beyond it is honoured up to
        the time left).
    :param max_seconds: the time budget of one call, its retries and waits included.
    """

    max_retries: int = 5
    backoff: float = 1.0
    max_backoff: float = 30.0
    max_seconds: float = 120.0

    def wait_before_retry(self, retry: int, elapsed: float, failure: TransientFailure) -> float | None:
        """Say how many seconds to wait before a retry, or None to give up.

        None when no retries are left, or when the wait would end past the time budget.

        :param retry: the retry's number, from 1.
        :param elapsed: seconds the call has taken so far.
        :param failure: what went wrong; its `retry_after` is a floor for the wait.
        """
        if retry > self.max_retries:
            return None
        ceiling = min(self.max_backoff, self.backoff * 2 ** (retry - 1))
        wait = ceiling / 2 + random.uniform(0, ceiling / 2)  # "equal jitter": spread, never zero
        if failure.retry_after is not None:
            wait = max(wait, failure.retry_after)
        if elapsed + wait > self.max_seconds:
            return None
        return wait


def failure_of_exception(error: requests.RequestException) -> TransientFailure | None:
    """Tell which transient failure a `requests` exception stands for.

    None for a failure another attempt cannot fix (e.g. a TLS or URL error).

    :param error: what requests raised.
    """
    if isinstance(error, requests.exceptions.SSLError):
        return None
    if isinstance(error, requests.ConnectTimeout):
        return TransientFailure("connect timeout", maybe_processed=False)
    if isinstance(error, requests.Timeout):
        return TransientFailure("no answer in time", maybe_processed=True)
    if isinstance(error, requests.ConnectionError):
        refused = "NewConnectionError" in repr(error) or "Connection refused" in str(error)
        return TransientFailure(
            "connection refused" if refused else "connection lost", maybe_processed=not refused
        )
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return TransientFailure("answer cut short", maybe_processed=True)
    return None


def failure_of_status(status: int, headers: Any) -> TransientFailure | None:
    """Tell which transient failure an HTTP status stands for (429 and 5xx), or None.

    :param status: the answer's HTTP status.
    :param headers: the answer's headers (for Retry-After).
    """
    if status != THROTTLED and not 500 <= status <= 599:
        return None
    return TransientFailure(
        f"HTTP {status}",
        maybe_processed=status not in UNPROCESSED_HTTP_STATUSES,
        retry_after=_retry_after_seconds(headers.get("Retry-After")),
    )


def _retry_after_seconds(value: str | None) -> float | None:
    """Read Retry-After as seconds; None if absent or unreadable.

    RFC 9110 allows a number of seconds (ASCII digits: `str.isdigit` also takes `²`, which
    `float` refuses) or an HTTP date. A number too long for any retry budget, or a date beyond
    what datetime holds, is unreadable too: the hook's own backoff applies.

    :param value: the header's value.
    """
    if not value:
        return None
    text = value.strip()
    if is_ascii_digits(text):
        return float(text) if len(text) <= _RETRY_AFTER_DIGITS else None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (pendulum.instance(moment) - pendulum.now("UTC")).total_seconds())
