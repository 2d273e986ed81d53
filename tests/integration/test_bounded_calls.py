"""Every call to the platform is bounded in total time and in answer size (issue: a trickling
or endless answer must not hold a task, a sensor or the triggerer; a huge one must not exhaust
memory). The sandbox's `trickle` fault sends its answer a byte at a time."""

import asyncio
import json
import threading
import time

import pytest
from hostile_platforms import oversized_platform
from task_context import TaskStateStore, task_context

from airflow_provider_jodo.compat.airflow import AirflowException, AirflowSensorTimeout
from airflow_provider_jodo.exceptions import JodoConnectionError, JodoResponseError
from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.sensors.jodo import JodoImportJobSensor
from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger
from jodo_sandbox import Fault

TRICKLING = {"timeout": 1, "retry_max_seconds": 3, "retry_backoff": 0.05}
SLACK = 1.0  # seconds a bounded call may run past its bound (thread wake-ups, a last byte)


@pytest.fixture
def trickling(sandbox):
    """Every API answer from now on comes one byte every 0.2 s (a 150-byte answer: 30 s)."""
    sandbox.faults.trickle_seconds = 0.2
    yield lambda: sandbox.faults.set_rates({Fault.TRICKLE: 1.0})
    sandbox.faults.set_rates({})


def watchdog_threads():
    return [thread for thread in threading.enumerate() if thread.name == "jodo-answer-deadlines"]


def test_a_trickling_answer_ends_the_call_by_its_time_budget(connect, trickling):
    hook = connect(extra=TRICKLING)
    # The budget is the connection's, so it bounds the platform call, not reading the connection:
    # Airflow 3.0 builds its ORM `Connection` for that, and the first one in a process configures
    # every SQLAlchemy mapper and imports every model (`airflow/models/connection.py:543`
    # `from_json` -> `airflow/models/__init__.py:57` `import_all_models`): seconds, once.
    hook.get_conn_settings()
    trickling()
    others = set(watchdog_threads())
    started = time.monotonic()
    with pytest.raises(
        JodoConnectionError, match=r"no complete answer from .* after 3 attempts: no complete"
    ):
        hook.get_import_job("1")
    elapsed = time.monotonic() - started
    assert 2.0 <= elapsed <= TRICKLING["retry_max_seconds"] + SLACK  # retried, but never past 3 s
    hook.close()
    assert set(watchdog_threads()) <= others  # closing the hook leaves no thread behind


def test_a_trickling_answer_never_holds_the_operators_wait_past_its_timeout(sandbox, connect, tmp_path):
    (tmp_path / "leads.csv").write_text("name,phone1\nAna,5511900000001\n")
    from file_servers import http_file_server

    hook = connect(extra={"timeout": 30, "retry_max_seconds": 60})
    sandbox.faults.trickle_seconds = 0.2
    sandbox.faults.script(None, None)  # the listing and the submission are answered at once
    sandbox.faults.set_rates({Fault.TRICKLE: 1.0})  # then every status answer trickles
    with http_file_server(tmp_path) as files:
        operator = JodoImportCJIFileOperator(
            task_id="import",
            campaign_id=1,
            source="http",
            file_url=f"{files}/leads.csv",
            delrow=1,
            timeout=2,
            poll_interval=0.1,
            jodo_conn_id=hook.jodo_conn_id,
        )
        started = time.monotonic()
        with pytest.raises(AirflowException, match="timed out waiting for import job 1") as raised:
            operator.execute(task_context(TaskStateStore()))
    assert time.monotonic() - started <= 2 + SLACK
    assert "no complete answer" in str(raised.value)
    sandbox.faults.set_rates({})


def test_a_trickling_answer_never_holds_the_poking_sensor_past_its_timeout(connect, trickling):
    hook = connect(extra={"timeout": 30, "retry_max_seconds": 60})
    trickling()
    sensor = JodoImportJobSensor(
        task_id="wait", job_id="1", jodo_conn_id=hook.jodo_conn_id, timeout=2, poke_interval=0.1
    )
    started = time.monotonic()
    with pytest.raises(AirflowSensorTimeout, match="timed out waiting"):
        sensor.execute(task_context())
    assert time.monotonic() - started <= 2 + SLACK


def test_a_trickling_answer_never_holds_the_trigger_past_its_deadline(connect, trickling):
    hook = connect(extra={"timeout": 30, "retry_max_seconds": 60})
    trickling()
    trigger = JodoImportJobTrigger("1", hook.jodo_conn_id, poll_interval=0.1, deadline=time.time() + 2)
    others = set(watchdog_threads())

    async def first_event():
        async for event in trigger.run():
            return event.payload

    started = time.monotonic()
    event = asyncio.run(first_event())  # also waits for the to_thread worker: none is left busy
    assert time.monotonic() - started <= 2 + SLACK
    assert event["status"] == "timeout" and "no complete answer" in event["message"]
    assert set(watchdog_threads()) <= others


@pytest.mark.parametrize("announce_length", [True, False], ids=["content-length", "until-close"])
def test_an_answer_beyond_the_cap_is_refused_unread(monkeypatch, announce_length):
    limit = 1024 * 1024
    with oversized_platform(200 * 1024 * 1024, announce_length=announce_length) as platform:
        connection = {
            "conn_type": "jodo",
            "host": platform.base_url,
            "login": "agent",
            "password": "secret-password",
            "schema": "team",
            "extra": {"max_answer_bytes": limit, "max_retries": 0},
        }
        monkeypatch.setenv("AIRFLOW_CONN_JODO_HUGE", json.dumps(connection))
        hook = JodoHook(jodo_conn_id="jodo_huge")
        with pytest.raises(JodoResponseError) as raised:
            hook.get_import_job("1")
        hook.close()
        deadline = time.monotonic() + 5
        while not platform.bytes_sent and time.monotonic() < deadline:
            time.sleep(0.02)
    message = str(raised.value)
    assert message.startswith("importStatusCJI for job 1: the platform's answer is too large (")
    assert "the limit is 1,048,576 bytes, the connection's max_answer_bytes" in message
    if announce_length:
        assert "209,715,200 bytes" in message
    # The client stopped reading at the cap: the server got out a few MB at most, not 200.
    assert platform.bytes_sent[0] < 16 * limit


def test_an_import_process_data_answer_may_grow_with_its_batch(sandbox, connect):
    records = [
        {"name": f"Lead {n}", "mobilenumber": f"9198{n:08d}", "emailid": f"l{n}@example.com"}
        for n in range(400)
    ]
    hook = connect(extra={"max_answer_bytes": 1000})  # smaller than the answer for 400 records
    result = hook.import_process_data(records, media=12, update_key="mobilenumber")
    assert len(result.records) == 400
    with pytest.raises(JodoResponseError, match="too large"):
        connect(extra={"max_answer_bytes": 1000}).get_process_data(search="daterange", **_all_dates())


def _all_dates():
    import datetime as dt

    return {"from_date": dt.date(2000, 1, 1), "to_date": dt.date(2100, 1, 1)}
