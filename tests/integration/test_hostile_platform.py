"""A platform, or whatever answers in its place, that redirects, does not speak HTTP or sends
hostile headers (issue 21, cases 2, 3, 6 and 10). The hook follows no redirect: nothing reaches
the other host, no secret leaves, a redirect's body is never read; and every such answer ends
the call with a `JodoError` that says what happened, never another exception."""

from __future__ import annotations

import contextlib
import json
import time
import tracemalloc
import zlib

import pytest
from hostile_platforms import raw_platform

from airflow_provider_jodo.exceptions import JodoError, JodoResponseError, may_have_taken_effect
from airflow_provider_jodo.hooks.jodo import JodoHook

PASSWORD, API_KEY = "secret-password-42", "api-key-secret-77"
JOB_ANSWER = (
    b'airflowJodo({code:1,message:{jobid:"1",state:"running",total:0,inserted:0,updated:0,'
    b'skipped:0,failed:0,errors:[],exetime:"",started:"",finished:""}})'
)
SLACK = 1.0  # seconds a bounded call may run past its bound


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


def gzip_twice_bomb(gibibytes: int) -> bytes:
    """A body of a few KB that `Content-Encoding: gzip, gzip` inflates to `gibibytes` GiB of
    zeros (the inner layer is a run of gzip members of 64 MiB each)."""

    def gzip(data: bytes) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        return compressor.compress(data) + compressor.flush()

    return gzip(gzip(bytes(64 << 20)) * (16 * gibibytes))


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
