"""The transport's retry timing, without a platform: backoff with jitter, the retry budget, and
`Retry-After` read only where it is a plain number or an HTTP date. Retries against a flaky
platform: tests/integration/hooks/test_transport.py."""

import pendulum
import pytest

from airflow_provider_jodo.hooks.connection import RetryPolicy
from airflow_provider_jodo.hooks.transport import TransientFailure, failure_of_status


def test_backoff_grows_with_jitter_and_honours_retry_after():
    policy = RetryPolicy(max_retries=4, backoff=1.0, max_backoff=30.0, max_seconds=120.0)
    lost = TransientFailure("connection lost", maybe_processed=True)
    for retry, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0)]:
        wait = policy.wait_before_retry(retry, 0.0, lost.retry_after)
        assert ceiling / 2 <= wait <= ceiling
    assert policy.wait_before_retry(5, 0.0, lost.retry_after) is None  # no retries left
    assert policy.wait_before_retry(1, 119.9, lost.retry_after) is None  # past the budget
    throttled = failure_of_status(429, {"Retry-After": "12"})
    assert throttled.retry_after == 12 and not throttled.maybe_processed
    assert policy.wait_before_retry(1, 0.0, throttled.retry_after) == 12
    assert failure_of_status(500, {}).maybe_processed and not failure_of_status(503, {}).maybe_processed
    assert failure_of_status(404, {}) is None
    dated = failure_of_status(429, {"Retry-After": pendulum.now("UTC").add(seconds=30).to_rfc1123_string()})
    assert 25 <= dated.retry_after <= 31


@pytest.mark.parametrize(
    "retry_after",
    [
        "\u00b2",  # '²'.isdigit() is True, float('²') raises
        "\u00b9\u00b2",
        "\uff11\uff12",  # full-width digits
        "9" * 10,  # over 31 years: no retry budget is that long
        "9" * 5000,  # beyond int()'s 4,300 digits
        "Mon, 01 Jan 99999999999 00:00:00 GMT",  # OverflowError inside the date parser
        "Mon, 01 Jan 2026 99999999999999999999:00:00 GMT",
        "Mon, 01 Jan 9999 00:00:00 +9999",
    ],
)
def test_a_retry_after_that_is_no_plain_number_or_date_reads_as_absent(retry_after):
    assert failure_of_status(429, {"Retry-After": retry_after}).retry_after is None
