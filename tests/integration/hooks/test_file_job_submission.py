"""A file job is submitted exactly once against a flaky sandbox: a lost, cut or slow answer is
resolved through the campaign's job listing, and without a listing an unconfirmed submission is
never sent again. The submission's decisions alone: tests/unit/hooks/test_file_job_submission.py."""

import pendulum
import pytest

from airflow_provider_jodo.exceptions import (
    JodoSubmissionUnconfirmedError,
)
from jodo_sandbox import Fault
from tests.support.file_servers import http_file_server

FAST_RETRIES = {"retry_backoff": 0.01, "max_retries": 4, "timeout": 0.5}


@pytest.fixture
def leads_file(tmp_path):
    (tmp_path / "leads.csv").write_text("name,phone1\nAna,5511900000001\nBia,5511900000002\n")
    with http_file_server(tmp_path) as base:
        yield f"{base}/leads.csv"


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
    assert f"in the console of the platform at {sandbox.base_url} before importing again" in message
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
