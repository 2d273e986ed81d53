"""The transport under the hook, against a flaky sandbox and hostile platforms: transient faults
are retried with backoff, vendor answers never are; every call is bounded in total time and in
answer size (a trickling or endless answer holds no task, sensor or triggerer; the sandbox's
`trickle` fault sends its answer a byte at a time); and redirects, answers that are not HTTP and
hostile headers end a call with a JodoError naming what happened, never a secret. The exactly-once
file submission: tests/integration/hooks/test_file_job_submission.py."""

import asyncio
import contextlib
import json
import re
import threading
import time
import tracemalloc
import zlib

import pytest

from airflow_provider_jodo.compat.airflow import AirflowException, AirflowSensorTimeout
from airflow_provider_jodo.exceptions import (
    JodoAuthenticationError,
    JodoConnectionError,
    JodoError,
    JodoResponseError,
    JodoSubmissionUnconfirmedError,
    may_have_taken_effect,
)
from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.sensors.jodo import JodoImportJobSensor
from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger
from jodo_sandbox import Fault
from tests.support.file_servers import http_file_server
from tests.support.hostile_platforms import oversized_platform, raw_platform
from tests.support.sandbox_fixtures import reported
from tests.support.task_context import TaskStateStore, task_context

FAST_RETRIES = {"retry_backoff": 0.01, "max_retries": 4, "timeout": 0.5}


LEADS = [
    {"name": "Ana Lima", "mobilenumber": "919800000001", "emailid": "ana@example.com"},
    {"name": "Ravi Kumar", "mobilenumber": "919800000002", "emailid": "ravi@example.com"},
]


def push(hook, records=LEADS):
    return hook.import_process_data(records, media=12, update_key="mobilenumber")


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


def _all_dates():
    import datetime as dt

    return {"from_date": dt.date(2000, 1, 1), "to_date": dt.date(2100, 1, 1)}


PASSWORD, API_KEY = "secret-password-42", "api-key-secret-77"


JOB_ANSWER = (
    b'airflowJodo({code:1,message:{jobid:"1",state:"running",total:0,inserted:0,updated:0,'
    b'skipped:0,failed:0,errors:[],exetime:"",started:"",finished:""}})'
)


@pytest.fixture
def hook_on(monkeypatch):
    """A hook on a connection to `base_url`, with one attempt per call unless `extra` says."""
    counter = iter(range(100))

    def connect(base_url: str, **extra) -> JodoHook:
        conn_id = f"jodo_hostile_{next(counter)}"
        connection = {
            "conn_type": "jodo",
            "host": base_url,
            "login": "agent",
            "password": PASSWORD,
            "schema": "team",
            "extra": {"apikey": API_KEY, "servicekey": "VoiceProcess", "max_retries": 0, **extra},
        }
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))
        return JodoHook(jodo_conn_id=conn_id)

    return connect


def answer(status_line: str, *headers: str, body: bytes = b"") -> bytes:
    head = "\r\n".join([status_line, *headers, f"Content-Length: {len(body)}", "", ""])
    return head.encode("latin-1") + body


CALLS = {
    "importStatusCJI (GET, password in the query)": lambda hook: hook.get_import_job("1"),
    "ImportProcessData (POST, API key in the body)": lambda hook: hook.import_process_data(
        [{"name": "Ana", "mobilenumber": "919800000001", "emailid": "ana@example.com"}],
        media=12,
        update_key="mobilenumber",
    ),
}


def gzip_twice_bomb(gibibytes: int) -> bytes:
    """A body of a few KB that `Content-Encoding: gzip, gzip` inflates to `gibibytes` GiB of
    zeros (the inner layer is a run of gzip members of 64 MiB each)."""

    def gzip(data: bytes) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        return compressor.compress(data) + compressor.flush()

    return gzip(gzip(bytes(64 << 20)) * (16 * gibibytes))


NOT_HTTP = {
    "a status line that is not HTTP": (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "BadStatusLine"),
    "10,000 headers": (
        b"HTTP/1.1 200 OK\r\n" + b"X-Padding: x\r\n" * 10_000 + b"\r\n",
        "more than 100 headers",
    ),
    "a header line over 64 KiB": (
        b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 70_000 + b"\r\n\r\n",
        "LineTooLong",
    ),
    "a status with a non-ASCII digit": ("HTTP/1.1 ²00 OK\r\n\r\n".encode("latin-1"), "BadStatusLine"),
}


HOSTILE_HEADERS = {
    "Content-Length with a non-ASCII digit": answer("HTTP/1.1 200 OK", body=JOB_ANSWER).replace(
        f"Content-Length: {len(JOB_ANSWER)}".encode(), "Content-Length: ²".encode("latin-1")
    ),
    "Content-Length of 5,000 digits": answer("HTTP/1.1 200 OK", body=JOB_ANSWER).replace(
        f"Content-Length: {len(JOB_ANSWER)}".encode(), b"Content-Length: " + b"9" * 5000
    ),
    "a charset Python does not know, on a body that is not UTF-8": answer(
        "HTTP/1.1 200 OK", "Content-Type: text/javascript; charset=x-no-such", body=b"\xff\xfe" + JOB_ANSWER
    ),
}


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


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_names_only_its_host(hook_on, status, call, caplog):
    with raw_platform(answer("HTTP/1.1 200 OK", body=JOB_ANSWER)) as elsewhere:
        # What a 301 that keeps the query string would carry: the password, to another host.
        location = f"{elsewhere.base_url}/setevent/importStatusCJI?password={PASSWORD}&apikey={API_KEY}"
        redirect = answer(f"HTTP/1.1 {status} Moved", f"Location: {location}")
        with raw_platform(redirect) as platform, pytest.raises(JodoResponseError) as raised:
            call(hook_on(platform.base_url))
    assert elsewhere.received == []  # nothing reached the other host
    assert len(platform.received) == 1  # and a redirect is not retried
    error = raised.value
    message = str(error)
    port = elsewhere.base_url.rsplit(":", 1)[1]
    assert f"the platform answered HTTP {status}, a redirect to host 127.0.0.1:{port}. " in message
    assert (
        f"if {elsewhere.base_url} is where the platform now answers, set it as the connection's host"
        in message
    )
    assert "/setevent/" not in message and "password=" not in message
    assert not [secret for secret in (PASSWORD, API_KEY) if secret in f"{message}{caplog.text}"]
    assert error.http_status == status
    assert may_have_taken_effect(error)  # the platform may have acted before redirecting


def test_the_connection_test_says_what_to_set_instead_of_a_redirecting_host(hook_on):
    final = "https://jodo.example.com:9443"
    with raw_platform(answer("HTTP/1.1 301 Moved Permanently", f"Location: {final}/x?y=z")) as platform:
        passed, message = hook_on(platform.base_url).test_connection()
    assert not passed
    assert "HTTP 301, a redirect to host jodo.example.com:9443" in message
    assert f"if {final} is where the platform now answers, set it as the connection's host" in message


def test_a_redirect_without_a_usable_location_says_so(hook_on):
    redirect = answer(
        "HTTP/1.1 302 Found", "Location: http://[::1"
    )  # requests' own parsing raised ValueError
    with raw_platform(redirect) as platform, pytest.raises(JodoResponseError) as raised:
        hook_on(platform.base_url).get_import_job("1")
    assert "HTTP 302, a redirect without a usable Location" in str(raised.value)


def test_the_body_of_a_redirect_is_never_read_not_even_a_compression_bomb(hook_on):
    bomb = gzip_twice_bomb(2)
    assert len(bomb) < 8 * 1024
    redirect = answer(
        "HTTP/1.1 307 Temporary Redirect", "Location: /elsewhere", "Content-Encoding: gzip, gzip", body=bomb
    )
    with raw_platform(redirect) as platform:
        hook = hook_on(platform.base_url, timeout=3)
        hook.get_conn_settings()
        tracemalloc.start()
        started = time.monotonic()
        try:
            with pytest.raises(JodoResponseError, match=r"HTTP 307, a redirect to host 127\.0\.0\.1:"):
                hook.get_import_job("1")
            elapsed = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert elapsed < 3 + SLACK
    assert peak < 4 * 1024 * 1024  # not one of its 2 GiB was inflated


@pytest.mark.parametrize(("raw", "detail"), NOT_HTTP.values(), ids=NOT_HTTP.keys())
def test_an_answer_that_is_not_http_says_so_not_wrong_host_or_port(hook_on, raw, detail):
    with raw_platform(raw) as platform, pytest.raises(JodoResponseError) as raised:
        hook_on(platform.base_url, max_retries=2, retry_backoff=0.01).get_import_job("1")
    message = str(raised.value)
    assert f"importStatusCJI for job 1: the answer from {platform.base_url} is not valid HTTP (" in message
    assert detail in message and "check that the connection's host and port" in message
    assert "wrong host or port" not in message
    assert len(platform.received) == 1  # the same answer again would not read better
    assert may_have_taken_effect(raised.value)  # the request was sent


@pytest.mark.parametrize("raw", HOSTILE_HEADERS.values(), ids=HOSTILE_HEADERS.keys())
def test_hostile_headers_end_a_call_with_a_jodo_error_or_an_answer(hook_on, raw):
    with raw_platform(raw) as platform, contextlib.suppress(JodoError):  # anything else escaping is the bug
        hook_on(platform.base_url).get_import_job("1")


def test_a_retry_after_with_a_non_ascii_digit_is_ignored_not_raised(hook_on):
    throttled = answer("HTTP/1.1 429 Too Many Requests", "Retry-After: ²")
    with raw_platform(throttled) as platform:
        hook = hook_on(platform.base_url, max_retries=1, retry_backoff=0.01)
        with pytest.raises(JodoResponseError, match="HTTP 429"):
            hook.get_import_job("1")
    assert len(platform.received) == 2  # retried after the hook's own backoff


# The retry log says what really happens next, and never contradicts the final error (issue 23).
#
# A file submission whose answer is lost may have created a job: before any resend, the hook asks
# the platform whether it did. The log said "connection lost; retry 1 of 1 in 0.2 s", then the error
# said "It was not sent again". It now says that a check comes first, and says "sending it again"
# only when the check found nothing and the call is really resent. A call that surely did not take
# effect (a 503) is retried as before, and its log says so.


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
