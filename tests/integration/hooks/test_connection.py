"""`test_connection` and `airflow connections test` against the sandbox."""

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest

from airflow_provider_jodo.exceptions import JodoConnectionError
from airflow_provider_jodo.hooks.jodo import JodoHook
from jodo_sandbox import JodoSandbox
from tests.support.sandbox_fixtures import POLL_SECONDS, sandbox_secrets
from tests.support.tls_server import self_signed_https_server


def test_a_good_connection_passes_for_both_platforms(connect, sandbox):
    ok, message = connect().test_connection()
    assert ok, message
    assert "Jodo API key and service key accepted" in message
    assert "astercc account" in message and sandbox.base_url in message


@pytest.mark.parametrize(
    "unknown_job_answer",
    ["BackMsg_91", "job not found", "", "no such jobid", "BackMsg_01"],
)
def test_any_refusal_of_an_unknown_job_but_a_credential_code_proves_the_login(
    connect, sandbox, monkeypatch, unknown_job_answer
):
    from jodo_sandbox.cji_api import FAILURE, CjiAnswer, CjiApi

    real = CjiApi.import_status

    def answer(self, params):
        checked = real(self, params)  # the sandbox checks the login as ever
        return (
            checked
            if "BackMsg_" in str(checked.message)[:8] and checked.message != "BackMsg_91"
            else (CjiAnswer(FAILURE, unknown_job_answer))
        )

    monkeypatch.setattr(CjiApi, "import_status", answer)
    ok, message = connect().test_connection()
    assert ok, message
    assert "astercc account" in message and "logged in" in message
    ok, message = connect(password="wrong-password-1").test_connection()
    assert not ok and "BackMsg_63" in message


@pytest.mark.sandbox_profiles("documented-no-status")
def test_without_a_status_method_the_login_is_checked_by_an_import_of_nothing(connect, sandbox):
    ok, message = connect().test_connection()
    assert ok, message
    assert "Jodo API key and service key accepted" in message
    assert "astercc account" in message and "logged in (importCJI for campaign 0" in message
    assert "refused for the campaign, not the login" in message
    assert "no job status method (HTTP 404 at /setevent/importStatusCJI)" in message
    assert "import jobs cannot be waited for" in message
    assert sandbox.store.import_job_ids_by_file() == {}  # nothing was imported
    ok, message = connect(password="wrong-password-1").test_connection()
    assert not ok and "BackMsg_63 (account login failed)" in message


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"host": "http://127.0.0.1:9"}, "cannot reach http://127.0.0.1:9: connection failed"),
        ({"extra": {"process_data_path": "/nowhere"}}, "HTTP 404"),
        ({"extra": {"apikey": "wrong-api-key"}}, "Jodo status 1107 (API key not found)"),
        ({"extra": {"servicekey": "NoSuchProcess"}}, "Jodo status 1108 (service key not found)"),
        ({"password": "wrong-password-1"}, "BackMsg_63 (account login failed)"),
        ({"login": "nobody"}, "BackMsg_15 (account does not exist)"),
        ({"schema": "no-such-team"}, "BackMsg_02 (wrong or missing organisation identity)"),
    ],
)
def test_each_kind_of_mistake_gets_its_own_message(connect, overrides, expected):
    ok, message = connect(**overrides).test_connection()
    assert not ok
    assert expected in message


HANDSHAKE_FAILED = "TLS handshake failed: the platform does not speak TLS at this port"
VERIFICATION_FAILED = "TLS verification failed"


@pytest.mark.parametrize("verify_ssl", [True, False])
def test_an_https_url_to_a_plain_http_platform_is_a_handshake_failure(connect, sandbox, verify_ssl):
    """Whether certificates are verified or not, a platform that does not speak TLS fails the
    handshake: the message must not send the user off to switch verification off."""
    https_url = sandbox.base_url.replace("http://", "https://")
    ok, message = connect(host=https_url, extra={"verify_ssl": verify_ssl}).test_connection()
    assert not ok
    assert f"cannot reach {https_url}: {HANDSHAKE_FAILED} (an http:// platform?)" in message
    assert VERIFICATION_FAILED not in message


@pytest.mark.sandbox_profiles("full")  # the sandbox only lends its credentials
def test_a_self_signed_certificate_fails_verification_unless_it_is_off(connect, tmp_path):
    with self_signed_https_server(tmp_path) as https_url:
        ok, message = connect(host=https_url).test_connection()
        assert not ok
        assert f"cannot reach {https_url}: {VERIFICATION_FAILED}: the platform's certificate" in message
        assert "verify_ssl=false only for a self-signed test platform" in message
        ok, message = connect(host=https_url, extra={"verify_ssl": False}).test_connection()
        assert not ok
        assert "HTTP 404" in message  # past TLS: the server answered


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_ca_bundle_variable_naming_no_file_fails_every_call_clearly(
    connect, sandbox, monkeypatch, tmp_path, variable
):
    missing = str(tmp_path / "no-such-ca.pem")
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, missing)
    https_url = sandbox.base_url.replace("http://", "https://")
    expected = f"cannot reach {https_url}: {variable}={missing!r} names no CA bundle file"
    hook = connect(host=https_url)
    with pytest.raises(JodoConnectionError, match=re.escape(expected)):
        hook.get_process_data(search="mobilenumber", value="919800000001")
    with pytest.raises(JodoConnectionError, match=re.escape(expected)):
        hook.get_import_job("1")
    ok, message = hook.test_connection()
    assert not ok and expected in message
    # Where requests would not read the bundle, nothing changes.
    ok, message = connect().test_connection()
    assert ok, message
    ok, message = connect(host=https_url, extra={"verify_ssl": False}).test_connection()
    assert not ok and HANDSHAKE_FAILED in message


@pytest.fixture
def ipv6_sandbox(request) -> Iterator[JodoSandbox]:
    """A sandbox on the IPv6 loopback, or a skip where the machine has none."""
    if not socket.has_ipv6:
        pytest.skip("this Python is built without IPv6 (socket.has_ipv6 is false)")
    sandbox = JodoSandbox(host="::1", job_poll_interval=POLL_SECONDS)
    try:
        sandbox.start()
    except OSError as error:
        pytest.skip(f"cannot listen on the IPv6 loopback [::1]: {error}")
    request.node.sandbox_secrets = sandbox_secrets(sandbox)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def test_an_ipv6_platform_in_both_connection_forms(ipv6_sandbox, monkeypatch):
    """The URI form loses the address's brackets in Airflow's parsing; the JSON form keeps them."""
    conn = ipv6_sandbox.connection_dict()
    base_url = ipv6_sandbox.base_url
    assert base_url.startswith("http://[::1]:")
    credentials = f"{quote(conn['login'], safe='')}:{quote(conn['password'], safe='')}"
    uri = f"jodo://http://{credentials}@[::1]:{urlsplit(base_url).port}/{conn['schema']}?{urlencode(conn['extra'])}"
    monkeypatch.setenv("AIRFLOW_CONN_JODO_IPV6_URI", uri)
    monkeypatch.setenv("AIRFLOW_CONN_JODO_IPV6_JSON", json.dumps(conn))
    for conn_id, mobile_number in (("jodo_ipv6_uri", "919800000001"), ("jodo_ipv6_json", "919800000002")):
        hook = JodoHook(jodo_conn_id=conn_id)
        ok, message = hook.test_connection()
        assert ok, message
        assert f"Connected to {base_url}: Jodo API key and service key accepted; astercc account" in message
        lead = {"name": "Ana Lima", "mobilenumber": mobile_number, "emailid": "ana@example.com"}
        hook.import_process_data([lead], media=12, update_key="mobilenumber")
    stored = sorted(c["mobilenumber"] for c in ipv6_sandbox.store.process_customers("VoiceProcess"))
    assert stored == ["919800000001", "919800000002"]


def test_airflow_cli_connections_test(sandbox, tmp_path):
    """What a user runs: `airflow connections test jodo_default`, with testing enabled."""
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        "AIRFLOW_CONN_JODO_DEFAULT": json.dumps(sandbox.connection_dict()),
    }
    airflow = str(Path(sys.executable).with_name("airflow"))
    good = subprocess.run(
        [airflow, "connections", "test", "jodo_default"], env=env, capture_output=True, text=True
    )
    assert "Connection success!" in good.stdout, good.stdout + good.stderr

    wrong = {**sandbox.connection_dict(), "password": "wrong-password-1"}
    env["AIRFLOW_CONN_JODO_DEFAULT"] = json.dumps(wrong)
    bad = subprocess.run(
        [airflow, "connections", "test", "jodo_default"], env=env, capture_output=True, text=True
    )
    output = bad.stdout + bad.stderr
    assert "Connection failed!" in output
    assert "account login failed" in output
    assert sandbox.connection_dict()["password"] not in output


def test_the_connection_test_leaves_the_hooks_own_retries_alone(connect):
    hook = connect(extra={"max_retries": 3})
    ok, message = hook.test_connection()
    assert ok, message
    assert hook.retry_policy.max_retries == 3  # the test's one attempt was its own hook's
