import asyncio
import json
import time
from datetime import timedelta

import pytest

from airflow_provider_jodo.compat.airflow import AirflowException, AirflowFailException
from airflow_provider_jodo.enums import JobState
from airflow_provider_jodo.exceptions import (
    JodoApiError,
    JodoCapabilityMissingError,
    JodoConnectionError,
    JodoNotFoundError,
    JodoResponseError,
)
from airflow_provider_jodo.protocol.job_verdict import (
    JobVerdict,
    JobWait,
    WaitOutcome,
    WaitStep,
    describe_job_failure,
    judge_job,
)
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


# The wait step shared by the operator's in-worker wait, the sensor and the trigger (`JobWait`).

POLL = 30.0
NOT_FOUND = JodoNotFoundError(
    "job 7: the platform knows no such job", api="astercc", code="91", vendor_message="BackMsg_91"
)
NO_STATUS_METHOD = JodoCapabilityMissingError(
    "the platform has no job status method", capability="job status"
)
UNREACHABLE = JodoConnectionError("no answer from 127.0.0.1")
REFUSED = JodoApiError(
    "importStatusCJI failed: BackMsg_02", api="astercc", code="02", vendor_message="BackMsg_02"
)
UNREADABLE = JodoResponseError("HTTP 503", http_status=503)
PAGE = "http://platform/shelljobs/7"

BEFORE, PAST, NONE = "before the deadline", "past the deadline", "no deadline"
WAIT_STEPS = [
    # the platform's answer, when it came, the wait's next step, the start of its message
    (JobState.SCHEDULED, BEFORE, WaitOutcome.LOOK_AGAIN, "import job 7 scheduled: 10 rows"),
    (JobState.RUNNING, BEFORE, WaitOutcome.LOOK_AGAIN, "import job 7 running: 10 rows"),
    (JobState.RUNNING, NONE, WaitOutcome.LOOK_AGAIN, "import job 7 running: 10 rows"),
    (JobState.SCHEDULED, PAST, WaitOutcome.TIMED_OUT, "timed out waiting: import job 7 scheduled"),
    (JobState.RUNNING, PAST, WaitOutcome.TIMED_OUT, "timed out waiting: import job 7 running"),
    (JobState.SUCCEEDED, BEFORE, WaitOutcome.SUCCEEDED, "import job 7 succeeded: 10 rows, 6 inserted"),
    (JobState.SUCCEEDED, PAST, WaitOutcome.SUCCEEDED, "import job 7 succeeded"),  # the last look counts
    (JobState.FAILED, BEFORE, WaitOutcome.FAILED, "import job 7 failed: 10 rows"),
    (JobState.FAILED, PAST, WaitOutcome.FAILED, "import job 7 failed"),
    (JobState.CANCELLED, BEFORE, WaitOutcome.FAILED, "import job 7 cancelled: 10 rows"),
    (JobState.CANCELLED, PAST, WaitOutcome.FAILED, "import job 7 cancelled"),
    # a vanished job: no wait and no retry can make it appear
    (NOT_FOUND, BEFORE, WaitOutcome.FAILED, "import job 7: job 7: the platform knows no such job"),
    (NOT_FOUND, PAST, WaitOutcome.FAILED, "import job 7: job 7: the platform knows no such job"),
    # no status method: the job exists, but cannot be waited for
    (NO_STATUS_METHOD, BEFORE, WaitOutcome.FAILED, f"import job 7 was submitted (job page: {PAGE}), but"),
    (NO_STATUS_METHOD, PAST, WaitOutcome.FAILED, f"import job 7 was submitted (job page: {PAGE}), but"),
    # any other error: retryable before the deadline, a timeout past it
    (UNREACHABLE, BEFORE, WaitOutcome.ERROR, "import job 7: no answer from 127.0.0.1"),
    (UNREACHABLE, NONE, WaitOutcome.ERROR, "import job 7: no answer from 127.0.0.1"),
    (UNREACHABLE, PAST, WaitOutcome.TIMED_OUT, "timed out waiting for import job 7: no answer from"),
    (REFUSED, BEFORE, WaitOutcome.ERROR, "import job 7: importStatusCJI failed: BackMsg_02"),
    (REFUSED, PAST, WaitOutcome.TIMED_OUT, "timed out waiting for import job 7: importStatusCJI failed"),
    (UNREADABLE, BEFORE, WaitOutcome.ERROR, "import job 7: HTTP 503"),
    (UNREADABLE, PAST, WaitOutcome.TIMED_OUT, "timed out waiting for import job 7: HTTP 503"),
]


def job_wait(when):
    deadline = {BEFORE: time.time() + 3600, PAST: time.time() - 1, NONE: None}[when]
    return JobWait("7", POLL, deadline, lambda job_id: f"http://platform/shelljobs/{job_id}")


def answering(answer):
    """The hook's `get_import_job`, answering `answer` (a job state, or an error it raises)."""
    asked = []

    def get_import_job(job_id, deadline):
        asked.append((job_id, deadline))
        if isinstance(answer, Exception):
            raise answer
        return job(answer)

    get_import_job.asked = asked
    return get_import_job


@pytest.mark.parametrize(
    ("answer", "when", "outcome", "message"),
    WAIT_STEPS,
    ids=[f"{getattr(answer, 'value', type(answer).__name__)}, {when}" for answer, when, *_ in WAIT_STEPS],
)
def test_each_state_and_each_error_gives_one_next_step(answer, when, outcome, message):
    wait = job_wait(when)
    get_import_job = answering(answer)
    step = wait.look(get_import_job)
    assert get_import_job.asked == [("7", wait.deadline)]  # never held past the deadline
    assert step.outcome is outcome
    assert step.message.startswith(message)
    assert step.job == (job(answer).to_dict() if isinstance(answer, JobState) else None)
    assert step.look_again_in == (POLL if outcome is WaitOutcome.LOOK_AGAIN else 0.0)
    assert asyncio.run(wait.alook(async_of(answer))) == step  # the trigger's look: the same step


def async_of(answer):
    get_import_job = answering(answer)

    async def aget_import_job(job_id, deadline):
        return get_import_job(job_id, deadline)

    return aget_import_job


def test_the_last_look_comes_at_the_deadline_not_a_poll_interval_after():
    wait = JobWait("7", POLL, time.time() + 2, lambda job_id: PAGE)
    step = wait.look(answering(JobState.RUNNING))
    assert step.outcome is WaitOutcome.LOOK_AGAIN and 0 < step.look_again_in <= 2
    assert timedelta(0) < wait.time_left() <= timedelta(seconds=2)
    assert job_wait(PAST).time_left() == timedelta(0) and job_wait(NONE).time_left() is None


def test_an_error_the_step_does_not_handle_is_not_swallowed():
    with pytest.raises(KeyError):
        job_wait(BEFORE).look(answering(KeyError("not a platform error")))


@pytest.mark.parametrize("outcome", [o for o in WaitOutcome if o is not WaitOutcome.LOOK_AGAIN])
def test_a_step_crosses_to_the_triggerer_and_back_unchanged(outcome):
    step = WaitStep(outcome, "import job 7 ...", job(JobState.SUCCEEDED).to_dict())
    event = step.to_event("7")
    assert event == {"status": outcome.value, "job_id": "7", "message": "import job 7 ...", "job": step.job}
    assert json.loads(json.dumps(event)) == event  # the triggerer stores it as JSON
    assert WaitStep.from_event(event) == step


class _Log:
    def __init__(self):
        self.lines = []

    def info(self, template, *args):
        self.lines.append(template % args)


def test_a_wait_that_succeeded_returns_its_job_and_logs_its_counts():
    log = _Log()
    step = WaitStep(WaitOutcome.SUCCEEDED, "import job 7 succeeded", job(JobState.SUCCEEDED).to_dict())
    assert step.job_or_raise(log)["job_id"] == "7"
    assert log.lines == ["import job 7 succeeded"]


def test_an_unreachable_platform_before_the_deadline_raises_its_own_typed_error():
    # The error's type and vendor code reach the task's failure, as they did before the shared step.
    error = JodoApiError("refused", api="astercc", code="63", vendor_message="BackMsg_63")
    step = JobWait("7", 5.0, time.time() + 60, lambda job_id: "").after(error)
    with pytest.raises(JodoApiError) as raised:
        step.job_or_raise(_Log())
    assert raised.value is error and raised.value.code == "63"


@pytest.mark.parametrize(
    ("outcome", "raised"),
    [
        (WaitOutcome.FAILED, AirflowFailException),
        (WaitOutcome.TIMED_OUT, TimeoutError),  # the caller's kind of timeout (a sensor's)
        (WaitOutcome.ERROR, AirflowException),  # an event's error: the triggerer kept no object
    ],
)
def test_every_other_end_of_a_wait_raises_what_its_retry_needs(outcome, raised):
    with pytest.raises(raised, match="the message"):
        WaitStep(outcome, "the message").job_or_raise(_Log(), timed_out=TimeoutError)
