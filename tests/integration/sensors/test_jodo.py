"""Waiting for import jobs with the sensor, in poke and deferrable modes (its trigger run on an
event loop, as the triggerer does), against real sandbox jobs; a job id that cannot name a job
fails before any call. The trigger alone: tests/integration/triggers/test_jodo.py."""

import re
import time

import pendulum
import pytest

from airflow_provider_jodo.compat.airflow import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    TaskDeferred,
)
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.sensors.jodo import JodoImportJobSensor
from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger
from tests.support.airflow_runs import run_trigger
from tests.support.file_servers import http_file_server
from tests.support.task_context import task_context

CAMPAIGN = 1


CSV = "name,phone1\nAna,5511900000001\nBia,5511900000002\n"


@pytest.fixture
def files(tmp_path):
    (tmp_path / "good.csv").write_text(CSV)
    (tmp_path / "bad.csv").write_text("shoe_size,phone1\n42,5511900000001\n")
    with http_file_server(tmp_path) as base:
        yield base


def submit(hook, url, **kwargs):
    return hook.import_cji(campaign_id=1, source="http", file_url=url, delrow=1, **kwargs).job_id


class AssetEvents(list):
    """What `context["outlet_events"][alias]` offers, keeping the assets' URIs."""

    def add(self, asset, extra):
        self.append(asset.uri)


class OutletEvents(dict):
    """The task's `outlet_events`, keyed by alias name (Airflow 3.0-3.1's `AssetAlias` is unhashable)."""

    def __getitem__(self, alias):
        return self.setdefault(alias.name, AssetEvents())


def test_sensor_pokes_until_done_and_returns_the_job(connect, files):
    hook = connect()
    job_id = submit(hook, f"{files}/good.csv", exetime=pendulum.now("UTC").add(seconds=3))
    sensor = JodoImportJobSensor(task_id="wait", job_id=job_id, jodo_conn_id=hook.jodo_conn_id)
    assert sensor.poke({}).is_done is False
    deadline = time.monotonic() + 10
    while not (result := sensor.poke({})).is_done:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert result.xcom_value["inserted"] == 2


def test_sensor_fails_fast_on_failed_and_unknown_jobs(connect, files):
    hook = connect()
    job_id = submit(hook, f"{files}/bad.csv")
    sensor = JodoImportJobSensor(task_id="wait", job_id=job_id, jodo_conn_id=hook.jodo_conn_id)
    deadline = time.monotonic() + 10
    with pytest.raises(AirflowFailException, match=f"import job {job_id} failed.*BackMsg_74"):
        while time.monotonic() < deadline:
            sensor.poke({})
            time.sleep(0.1)
    unknown = JodoImportJobSensor(task_id="wait", job_id="999", jodo_conn_id=hook.jodo_conn_id)
    with pytest.raises(AirflowFailException, match=r"import job 999: .*the platform knows no such job"):
        unknown.poke({})


def test_deferrable_sensor_hands_over_to_the_trigger_and_resumes(connect, files):
    hook = connect()
    job_id = submit(hook, f"{files}/good.csv", exetime=pendulum.now("UTC").add(seconds=3))
    sensor = JodoImportJobSensor(
        task_id="wait",
        job_id=job_id,
        jodo_conn_id=hook.jodo_conn_id,
        deferrable=True,
        poke_interval=0.1,
        timeout=60,
    )
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(task_context())
    assert deferred.value.method_name == "execute_complete"
    (event,) = run_trigger(deferred.value.trigger)
    assert sensor.execute_complete({}, event)["inserted"] == 2
    with pytest.raises(AirflowSensorTimeout):
        sensor.execute_complete({}, {**event, "status": "timeout"})
    with pytest.raises(AirflowFailException, match="boom"):
        sensor.execute_complete({}, {**event, "status": "failed", "message": "boom"})
    with pytest.raises(AirflowException, match="unreachable") as error:  # retryable
        sensor.execute_complete({}, {**event, "status": "error", "message": "unreachable"})
    assert not isinstance(error.value, AirflowFailException)


@pytest.mark.parametrize("deferrable", [False, True])
def test_the_sensor_records_the_asset_of_the_campaign_the_job_reports(sandbox, connect, files, deferrable):
    """Was: the asset of the `campaign_id` given, whichever campaign the job imported into."""
    hook = connect()
    job_id = submit(hook, f"{files}/good.csv")  # into campaign 1

    def wait(campaign_id):
        context = {**task_context(), "outlet_events": OutletEvents()}
        sensor = JodoImportJobSensor(
            task_id="wait",
            job_id=job_id,
            campaign_id=campaign_id,
            jodo_conn_id=hook.jodo_conn_id,
            deferrable=deferrable,
            poke_interval=0.1,
        )
        try:
            sensor.execute(context)
        except TaskDeferred as deferred:
            (event,) = run_trigger(deferred.trigger)
            sensor.execute_complete(context, event)
        return [uri for events in context["outlet_events"].values() for uri in events]

    authority = sandbox.base_url.removeprefix("http://")
    assert wait("01") == [f"jodo://{authority}/campaign/1"]
    if sandbox.profile.reports_job_parameters:
        expected = (
            f"import job {job_id} imports into campaign '1', but the sensor was given campaign_id='2': "
            "no asset event is recorded; give the sensor the job's campaign"
        )
        with pytest.raises(AirflowFailException, match=f"^{re.escape(expected)}$"):
            wait("2")
    else:  # the job reports no campaign: the sensor's is taken on trust, as before
        assert wait("2") == [f"jodo://{authority}/campaign/2"]


@pytest.mark.sandbox_profiles("documented-no-status")
def test_without_a_status_method_the_sensor_and_the_trigger_fail_once_naming_the_job(
    sandbox, connect, files, capfd
):
    hook = connect()
    job_id = submit(hook, f"{files}/good.csv")  # submitting needs no status method
    capfd.readouterr()  # the submitting hook's own note of the missing method
    job_page = f"{sandbox.base_url}/shelljobs/{job_id}"
    expected = (
        f"import job {job_id} was submitted (job page: {job_page}), but it cannot be waited for: "
        "the platform has no job status method (HTTP 404 at /setevent/importStatusCJI)"
    )
    for deferrable in (False, True):
        sensor = JodoImportJobSensor(
            task_id="wait", job_id=job_id, jodo_conn_id=hook.jodo_conn_id, deferrable=deferrable
        )
        with pytest.raises(AirflowFailException) as raised:  # not retryable: no retry can help
            sensor.execute(task_context())
        assert str(raised.value).startswith(expected)
    (event,) = run_trigger(JodoImportJobTrigger(job_id, hook.jodo_conn_id, poll_interval=0.1))
    assert event["status"] == "failed" and event["message"].startswith(expected)
    assert capfd.readouterr().out.count("The platform has no job status method (HTTP 404") == 3
    assert sandbox.store.import_job(job_id)["jobid"] == job_id  # the job itself is there


@pytest.mark.parametrize("job_id", ["\uff17", "\u0661\u0662", "12\u00b2", "../1", True])
def test_a_sensor_job_id_that_is_not_ascii_digits_fails_before_any_call(sandbox, connect, job_id):
    """Was: any text was sent to the platform as a job id, non-ASCII digits (U+FF17, U+0661) too."""
    sensor = JodoImportJobSensor(task_id="wait", job_id=job_id, jodo_conn_id=connect().jodo_conn_id)
    with pytest.raises(
        ValueError, match=rf"^job_id={job_id!r} is not an import job id: the platform's are ASCII"
    ):
        sensor.execute(task_context())
    assert sandbox.faults.requests_seen == 0


def test_arguments_that_render_to_nothing_fail_before_any_call(sandbox, connect):
    hook = connect()
    sensor = JodoImportJobSensor(
        task_id="wait", job_id="{{ ti.xcom_pull(key='job_id') }}", jodo_conn_id=hook.jodo_conn_id
    )
    sensor.job_id = "None"  # what the template renders when the import task pushed no job id
    with pytest.raises(ValueError, match="job_id='None' names no import job"):
        sensor.execute(task_context())
    task = JodoImportCJIFileOperator(
        task_id="t",
        campaign_id=CAMPAIGN,
        source="http",
        file_url="{{ params.url }}",
        jodo_conn_id=hook.jodo_conn_id,
    )
    task.file_url = ""  # rendered from an empty param
    context = task_context()
    with pytest.raises(ValueError, match="file_url='': give the URL of the CSV to import"):
        task.execute(context)
    assert context["ti"].xcom == {"job_url": ""}  # the link finds no job, and logs no error
    with pytest.raises(KeyError):  # nothing was submitted
        sandbox.store.import_job(1)
