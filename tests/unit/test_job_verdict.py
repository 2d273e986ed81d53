import pytest

from airflow_provider_jodo.enums import JobState
from airflow_provider_jodo.protocol.job_verdict import JobVerdict, describe_job_failure, judge_job
from airflow_provider_jodo.protocol.models import ImportJob, JobRowError


def job(state, errors=()):
    return ImportJob("7", state, 10, 6, 1, 1, 2, tuple(errors), "2026-11-23 06:00:00", "", "")


@pytest.mark.parametrize(
    ("state", "verdict"),
    [
        (JobState.SCHEDULED, JobVerdict.IN_PROGRESS),
        (JobState.RUNNING, JobVerdict.IN_PROGRESS),
        (JobState.SUCCEEDED, JobVerdict.SUCCEEDED),
        (JobState.FAILED, JobVerdict.FAILED),
        (JobState.CANCELLED, JobVerdict.FAILED),
    ],
)
def test_every_state_has_a_verdict(state, verdict):
    assert judge_job(job(state)) is verdict


def test_failure_message_names_the_job_counts_and_first_errors():
    errors = [JobRowError(row=n, code="76", message="phone1 is empty") for n in range(2, 10)]
    message = describe_job_failure(job(JobState.FAILED, errors))
    assert message.startswith("import job 7 failed: 10 rows, 6 inserted, 1 updated, 1 skipped, 2 failed")
    assert "row 2: BackMsg_76 (required field missing) phone1 is empty" in message
    assert "row 6:" in message and "row 7:" not in message
    assert message.endswith("and 3 more")
