"""The hook against a flaky sandbox: transient faults are retried with backoff, vendor answers
never are, and a file-job submission whose answer is lost creates exactly one job."""

import pendulum
import pytest
from conftest import reported
from file_servers import http_file_server

from airflow_provider_jodo.exceptions import (
    JodoAuthenticationError,
    JodoConnectionError,
    JodoResponseError,
    JodoSubmissionUnconfirmedError,
)
from airflow_provider_jodo.hooks.connection import RetryPolicy
from airflow_provider_jodo.hooks.transport import TransientFailure, failure_of_status
from jodo_sandbox import Fault

FAST_RETRIES = {"retry_backoff": 0.01, "max_retries": 4, "timeout": 0.5}
LEADS = [
    {"name": "Ana Lima", "mobilenumber": "919800000001", "emailid": "ana@example.com"},
    {"name": "Ravi Kumar", "mobilenumber": "919800000002", "emailid": "ravi@example.com"},
]


def push(hook, records=LEADS):
    return hook.import_process_data(records, media=12, update_key="mobilenumber")


@pytest.fixture
def leads_file(tmp_path):
    (tmp_path / "leads.csv").write_text("name,phone1\nAna,5511900000001\nBia,5511900000002\n")
    with http_file_server(tmp_path) as base:
        yield f"{base}/leads.csv"


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.THROTTLED, Fault.RESET, Fault.SLOW])
def test_transient_faults_are_retried_until_the_push_lands(sandbox, connect, fault):
    sandbox.faults.retry_after = 0.05
    sandbox.faults.slow_seconds = 1.0
    sandbox.faults.script(fault, fault)
    result = push(connect(extra=FAST_RETRIES))
    assert len(result.records) == 2
    assert sandbox.faults.requests_seen == 3  # two faulty attempts, then the one answered
    stored = sorted(c["mobilenumber"] for c in sandbox.store.process_customers("VoiceProcess"))
    assert stored == ["919800000001", "919800000002"]


def test_a_lost_answer_is_retried_and_the_upsert_makes_it_safe(sandbox, connect):
    sandbox.faults.script(Fault.LOST)
    result = push(connect(extra=FAST_RETRIES))
    # The lost attempt had inserted them: the retry updates, nothing is doubled or lost.
    assert [r.outcome.value for r in result.records] == [reported(sandbox, "updated")] * 2
    assert len(sandbox.store.process_customers("VoiceProcess")) == 2


def test_vendor_refusals_are_never_retried(sandbox, connect):
    hook = connect(extra={**FAST_RETRIES, "apikey": "wrong-key"})
    with pytest.raises(JodoAuthenticationError):
        push(hook)
    assert sandbox.faults.requests_seen == 1


def test_a_malformed_answer_is_a_clear_error_not_a_retry(sandbox, connect):
    sandbox.faults.script(Fault.MALFORMED)
    with pytest.raises(JodoResponseError, match="ImportProcessData: the answer is not JSON"):
        push(connect(extra=FAST_RETRIES))
    assert sandbox.faults.requests_seen == 1


def test_retries_are_bounded_by_attempts_and_name_the_last_failure(sandbox, connect):
    sandbox.faults.script(*[Fault.SERVER_ERROR] * 3, *[Fault.RESET] * 3)
    hook = connect(extra={**FAST_RETRIES, "max_retries": 2})
    with pytest.raises(JodoResponseError, match="HTTP 503"):
        push(hook)
    assert sandbox.faults.requests_seen == 3
    with pytest.raises(JodoConnectionError, match="after 3 attempts"):
        push(hook)
    assert sandbox.faults.requests_seen == 6


def test_retries_are_bounded_by_the_time_budget(sandbox, connect):
    sandbox.faults.retry_after = 30  # longer than the budget: give up at once rather than wait
    sandbox.faults.script(Fault.THROTTLED)
    with pytest.raises(JodoResponseError, match="HTTP 429"):
        push(connect(extra={**FAST_RETRIES, "retry_max_seconds": 5}))
    assert sandbox.faults.requests_seen == 1


def jobs_of_file(sandbox, file_url, campaign_id=1):
    """The ids of the jobs the sandbox holds for a file, counted in its store (not inferred)."""
    return sandbox.store.import_job_ids_by_file().get((campaign_id, file_url), [])


@pytest.mark.sandbox_profiles("full")
@pytest.mark.parametrize("fault", [Fault.LOST, Fault.TRUNCATED, Fault.SLOW, Fault.RESET, Fault.SERVER_ERROR])
def test_a_file_job_is_submitted_exactly_once_whatever_happens_to_the_answer(
    sandbox, connect, leads_file, fault
):
    sandbox.faults.slow_seconds = 1.0
    sandbox.faults.script(None, fault)  # the listing passes; the submission's answer is hit
    hook = connect(extra=FAST_RETRIES)
    result = hook.import_cji(campaign_id=1, source="http", file_url=leads_file, delrow=1)
    assert sandbox.faults.injected[fault] == 1
    assert jobs_of_file(sandbox, leads_file) == [result.job_id]


@pytest.mark.sandbox_profiles("documented")
@pytest.mark.parametrize(
    ("fault", "jobs_created"),
    [(Fault.LOST, 1), (Fault.TRUNCATED, 1), (Fault.SLOW, 1), (Fault.RESET, 0)],
)
def test_without_a_job_listing_an_unconfirmed_submission_is_never_sent_again(
    sandbox, connect, leads_file, fault, jobs_created, capfd
):
    sandbox.faults.slow_seconds = 1.0
    sandbox.faults.script(None, fault)  # the listing probe passes; the submission's answer is hit
    hook = connect(extra=FAST_RETRIES)
    with pytest.raises(JodoSubmissionUnconfirmedError) as raised:
        hook.import_cji(campaign_id=1, source="http", file_url=leads_file, delrow=1)
    message = str(raised.value)
    assert "into campaign 1" in message and "a job may have been created" in message
    assert leads_file in message and "submitted at 20" in message
    assert f"job pages: {sandbox.base_url}/shelljobs/{{job_id}}" in message
    assert len(jobs_of_file(sandbox, leads_file)) == jobs_created  # never a second one
    assert sandbox.faults.requests_seen == 2  # the probe, then one submission, no resend
    assert capfd.readouterr().out.count("The platform has no listing of a campaign's import jobs") == 1


@pytest.mark.sandbox_profiles("documented")
def test_without_a_job_listing_a_submission_refused_before_processing_is_resent(sandbox, connect, leads_file):
    sandbox.faults.script(None, Fault.SERVER_ERROR, Fault.THROTTLED)  # 503 and 429: not acted on
    sandbox.faults.retry_after = 0.05
    hook = connect(extra=FAST_RETRIES)
    result = hook.import_cji(campaign_id=1, source="http", file_url=leads_file, delrow=1)
    assert jobs_of_file(sandbox, leads_file) == [result.job_id]
    assert hook.find_import_jobs(campaign_id=1, file_url=leads_file) is None  # learned, not asked again
    assert sandbox.faults.requests_seen == 4


@pytest.mark.sandbox_profiles("full")
def test_find_import_jobs_by_campaign_and_file(sandbox, connect, leads_file):
    hook = connect()
    later = pendulum.now("UTC").add(hours=1)
    first = hook.import_cji(campaign_id=1, source="http", file_url=leads_file, exetime=later).job_id
    second = hook.import_cji(campaign_id=1, source="http", file_url=leads_file).job_id
    assert [j.job_id for j in hook.find_import_jobs(campaign_id=1, file_url=leads_file)] == [second, first]
    assert hook.find_import_jobs(campaign_id=2, file_url=leads_file) == []
    assert hook.find_import_jobs(campaign_id=1, file_url=leads_file + "?other") == []


@pytest.mark.sandbox_profiles("full")
@pytest.mark.platform_timezone("Asia/Kolkata")
def test_a_lost_answer_finds_the_new_job_even_beside_older_jobs_of_the_same_file(
    sandbox, connect, leads_file
):
    hook = connect(extra=FAST_RETRIES)
    older = hook.import_cji(campaign_id=1, source="http", file_url=leads_file).job_id
    sandbox.faults.script(Fault.LOST)
    new = hook.import_cji(campaign_id=1, source="http", file_url=leads_file).job_id
    assert int(new) == int(older) + 1
    with pytest.raises(KeyError):
        sandbox.store.import_job(int(new) + 1)


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
