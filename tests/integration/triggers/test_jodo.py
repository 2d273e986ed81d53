"""JodoImportJobTrigger: rebuilt from its serialised form and run on an event loop, as the
triggerer does, against real sandbox jobs. It yields exactly one event per wait; what each job
state and each error means is `JobWait`'s (tests/unit/protocol/test_job_verdict.py), and how the
tasks resume from the event is in tests/integration/sensors/test_jodo.py (the sensor) and
tests/integration/operators/test_cji_file.py (the file operator)."""

import time

import pendulum
import pytest

from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger
from tests.support.airflow_runs import run_trigger


def submit(hook, files, name, **kwargs):
    return hook.import_cji(
        campaign_id=1, source="http", file_url=f"{files}/{name}", delrow=1, **kwargs
    ).job_id


def scheduled_job(hook, files, sandbox):
    """A job that succeeds (two leads), due a moment later: the trigger looks more than once."""
    return submit(hook, files, "leads.csv", exetime=pendulum.now("UTC").add(seconds=1)), None


def failing_job(hook, files, sandbox):
    """A job whose file has a column the campaign form does not know."""
    return submit(hook, files, "broken.csv"), None


def cancelled_job(hook, files, sandbox):
    job_id = submit(hook, files, "leads.csv", exetime=pendulum.now("UTC").add(hours=1))
    assert sandbox.store.cancel_job(job_id)
    return job_id, None


def unknown_job(hook, files, sandbox):
    return "999", None


def job_past_its_deadline(hook, files, sandbox):
    """A job due in an hour, waited for 2 s (a loaded machine still answers the first look in time)."""
    return submit(hook, files, "leads.csv", exetime=pendulum.now("UTC").add(hours=1)), time.time() + 2.0


@pytest.mark.parametrize(
    ("job", "status", "message", "state"),
    [
        (scheduled_job, "success", "import job {} succeeded: 2 rows, 2 inserted", "succeeded"),
        (failing_job, "failed", "import job {} failed: 0 rows, 0 inserted", "failed"),
        (cancelled_job, "failed", "import job {} cancelled: 0 rows", "cancelled"),
        (unknown_job, "failed", "import job 999: ", None),
        (job_past_its_deadline, "timeout", "timed out waiting: import job {} scheduled", "scheduled"),
    ],
    ids=["succeeded", "failed", "cancelled", "unknown", "deadline passed"],
)
def test_the_trigger_yields_one_event_for_each_end_of_a_wait(
    sandbox, connect, files, job, status, message, state
):
    hook = connect()
    job_id, deadline = job(hook, files, sandbox)
    (event,) = run_trigger(
        JodoImportJobTrigger(job_id, hook.jodo_conn_id, poll_interval=0.1, deadline=deadline)
    )
    assert (event["status"], event["job_id"]) == (status, job_id)
    assert event["message"].startswith(message.format(job_id))
    assert (event["job"] or {}).get("state") == state
    if job is scheduled_job:
        assert event["job"]["inserted"] == 2
    if job is failing_job:
        assert "BackMsg_74" in event["message"]  # its first row error, readable
    if job is unknown_job:
        assert "the platform knows no such job" in event["message"]


def test_a_bad_connection_setting_is_an_error_event_not_a_crashed_trigger(connect):
    hook = connect(extra={"timeout": "soon"})
    (event,) = run_trigger(JodoImportJobTrigger("1", hook.jodo_conn_id, poll_interval=0.1))
    assert event["status"] == "error"
    assert "timeout='soon' is not a positive number" in event["message"]
