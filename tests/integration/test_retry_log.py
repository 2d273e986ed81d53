"""The retry log says what really happens next, and never contradicts the final error (issue 23).

A file submission whose answer is lost may have created a job: before any resend, the hook asks
the platform whether it did. The log said "connection lost; retry 1 of 1 in 0.2 s", then the error
said "It was not sent again". It now says that a check comes first, and says "sending it again"
only when the check found nothing and the call is really resent. A call that surely did not take
effect (a 503) is retried as before, and its log says so."""

from __future__ import annotations

import re

import pytest

from airflow_provider_jodo.exceptions import JodoSubmissionUnconfirmedError
from jodo_sandbox import Fault

ONE_RETRY = {"retry_backoff": 0.01, "max_retries": 1, "timeout": 0.5}
WHAT = "importCJI source=http into campaign 1"
CHECKING = re.compile(
    rf"{WHAT}: connection lost; checking in [0-9.]+ s whether the platform acted on it, before any resend"
)
RETRY = re.compile(r"retry \d+ of \d+")


def submit(connect, file_url):
    return connect(extra=ONE_RETRY).import_cji(campaign_id=1, source="http", file_url=file_url, delrow=1)


@pytest.mark.sandbox_profiles("documented")
def test_a_lost_answer_that_nothing_can_check_logs_no_retry(sandbox, connect, files, capfd):
    sandbox.faults.script(None, Fault.LOST)  # the listing probe passes; the submission's answer is lost
    with pytest.raises(JodoSubmissionUnconfirmedError, match="It was not sent again"):
        submit(connect, f"{files}/leads.csv")
    log = capfd.readouterr().out
    assert CHECKING.search(log), log
    assert not RETRY.search(log), log  # nothing was resent: no line may say it was
    assert sandbox.faults.requests_seen == 2  # the probe and the one submission


@pytest.mark.sandbox_profiles("full")
def test_a_lost_answer_whose_job_is_found_logs_no_retry(sandbox, connect, files, capfd):
    sandbox.faults.script(None, Fault.LOST)  # the listing passes; the submission's answer is lost
    result = submit(connect, f"{files}/leads.csv")
    log = capfd.readouterr().out
    assert CHECKING.search(log), log
    assert f"{WHAT}: the answer was lost, but the platform has job {result.job_id} for it" in log
    assert not RETRY.search(log), log


@pytest.mark.sandbox_profiles("full")
def test_a_submission_that_never_arrived_is_logged_as_resent_after_the_check(sandbox, connect, files, capfd):
    sandbox.faults.script(None, Fault.RESET)  # reset before processing: no job, but no way to know
    result = submit(connect, f"{files}/leads.csv")
    log = capfd.readouterr().out
    assert CHECKING.search(log), log
    assert f"{WHAT}: the platform did not act on it; sending it again (retry 1 of 1)" in log
    assert sandbox.store.import_job_ids_by_file()[(1, f"{files}/leads.csv")] == [result.job_id]


@pytest.mark.sandbox_profiles("documented")
def test_a_refusal_before_the_platform_acted_is_logged_as_a_retry(sandbox, connect, files, capfd):
    sandbox.faults.script(None, Fault.SERVER_ERROR)  # 503: not acted on, resent without a check
    submit(connect, f"{files}/leads.csv")
    log = capfd.readouterr().out
    assert re.search(rf"{WHAT}: HTTP 503[^\n]*; retry 1 of 1 in [0-9.]+ s", log), log
    assert "whether the platform acted" not in log
