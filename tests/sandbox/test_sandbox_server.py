"""The sandbox as a server: keep-alive, content types, JSONP, lifecycle, seed and connection."""

from __future__ import annotations

import http.client
import json
import logging
import sqlite3
import threading
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from jodo_sandbox import JodoSandbox, SandboxSeed
from jodo_sandbox import store as store_module


def test_keep_alive_serves_many_requests_on_one_connection(sandbox):
    address = urlsplit(sandbox.base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=5)
    try:
        for _ in range(3):
            connection.request(
                "POST",
                "/CustomerWebServices/handleCustomerWS",
                body=urlencode({"data": "{}"}),
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
            )
            response = connection.getresponse()
            body = response.read()
            assert response.version == 11
            assert response.getheader("Connection") != "close"
            assert int(response.getheader("Content-Length")) == len(body)
            assert json.loads(body)["status"] == 1302
        first_socket = connection.sock
        connection.request("GET", "/setevent/importCJI?callback=cb")
        assert connection.getresponse().read() == b'cb({code:2,message:"BackMsg_01"})'
        assert connection.sock is first_socket
    finally:
        connection.close()


def test_jsonp_raw_body_has_unquoted_keys_and_javascript_type(sandbox, cji_raw):
    response = cji_raw(context="name=Ravi||phone1=5550100")
    assert response.headers["Content-Type"] == "text/javascript;charset=UTF-8"
    assert response.text == 'jQuery1124_1700000000({code:1,message:"BackMsg_84"})'


def test_without_callback_the_bare_object_is_returned(cji_raw):
    assert cji_raw(callback="", context="phone1=5550100").text == '{code:1,message:"BackMsg_84"}'


def test_non_ascii_values_survive_the_round_trip(sandbox, cji):
    assert cji(context="name=Zoë Ñúñez||phone1=5550100")["code"] == 1
    assert sandbox.store.campaign_customers(1)[0]["name"] == "Zoë Ñúñez"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nothing/here", 404),
        ("POST", "/setevent/importCJI", 405),
        ("GET", "/setevent/importCJI?callback=alert(1)//", 400),
    ],
)
def test_other_requests_get_plain_http_errors(sandbox, session, method, path, status):
    assert session.request(method, sandbox.base_url + path, timeout=5).status_code == status


def test_stop_ends_keep_alive_connections_and_threads(session):
    before = {thread.ident for thread in threading.enumerate()}
    with JodoSandbox() as sandbox:
        session.get(sandbox.base_url + "/setevent/importCJI", timeout=5)  # leaves a keep-alive connection
        base_url = sandbox.base_url
    leftover = [thread for thread in threading.enumerate() if thread.ident not in before]
    assert leftover == []
    with pytest.raises(requests.ConnectionError):
        session.get(base_url + "/setevent/importCJI", timeout=2)
    with pytest.raises(RuntimeError):
        sandbox.base_url  # noqa: B018 - the property raises once stopped


def test_storage_failure_answers_85(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_SECONDS", 0.05)
    db_path = tmp_path / "platform.db"
    with JodoSandbox(db_path=str(db_path)) as sandbox, requests.Session() as http:
        blocker = sqlite3.connect(db_path)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            query = {
                "callback": "cb",
                "orgidentity": sandbox.seed.orgidentity,
                "usertype": "account",
                "user": sandbox.seed.account_user,
                "pwdtype": "plaintext",
                "password": sandbox.seed.account_password,
                "modeltype": "Campaign",
                "model_id": "1",
                "source": "data",
                "context": "phone1=5550100",
                **dict.fromkeys(("source_user", "source_pwd", "exetime", "delrow", "phone_field"), ""),
                **dict.fromkeys(("priority_field", "dialtime_field", "emptyagent", "resetstatus"), ""),
                **dict.fromkeys(("dupway", "dupdiallist", "changepackage"), ""),
            }
            body = http.get(sandbox.base_url + "/setevent/importCJI", params=query, timeout=5).text
            assert body == 'cb({code:2,message:"BackMsg_85"})'
        finally:
            blocker.rollback()
            blocker.close()
        assert sandbox.store.campaign_customers(1) == []


def test_database_file_keeps_state_across_runs_with_fresh_secrets(tmp_path):
    db_path = str(tmp_path / "platform.db")
    with JodoSandbox(db_path=db_path) as first, requests.Session() as http:
        request = {
            "Method": "ImportProcessData",
            "apikey": first.seed.apikey,
            "servicekey": "VoiceProcess",
            "Media": 12,
            "Data": [{"name": "A", "mobilenumber": "9876543210", "emailid": "a@b.c"}],
            "updateparam": "mobilenumber",
            "reqdatetime": "2024-05-01 09:30:00",
        }
        http.post(
            first.base_url + "/CustomerWebServices/handleCustomerWS", data={"data": json.dumps(request)}
        )
    with JodoSandbox(db_path=db_path) as second:
        assert second.seed.apikey != first.seed.apikey
        assert len(second.store.process_customers("VoiceProcess")) == 1


def test_seed_secrets_are_random_unless_given():
    first, second = SandboxSeed(), SandboxSeed()
    for name in ("apikey", "other_apikey", "account_password", "agent_password", "disabled_agent_password"):
        assert getattr(first, name) != getattr(second, name)
        assert len(getattr(first, name)) >= 8
        assert getattr(first, name) not in repr(first)
    given = "x" * 8 + "-given"
    assert SandboxSeed(apikey=given).apikey == given
    with pytest.raises(ValueError, match="account_password"):
        SandboxSeed(account_password="short")


def test_invalid_settings_fail_early():
    with pytest.raises(ValueError, match="timezone"):
        JodoSandbox(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="max_records_per_request"):
        JodoSandbox(max_records_per_request=0)
    with pytest.raises(ValueError, match="job_poll_interval"):
        JodoSandbox(job_poll_interval=0)
    with pytest.raises(ValueError, match="latency"):
        JodoSandbox(latency=-1)


@pytest.mark.sandbox(latency=0.3)
def test_latency_holds_answers_back_and_overlapping_requests_are_counted(sandbox, cji_raw):
    assert cji_raw(context="phone1=5550100").status_code == 200
    assert sandbox.peak_concurrent_requests == 1
    url = sandbox.base_url + "/CustomerWebServices/handleCustomerWS"
    threads = [
        threading.Thread(target=requests.post, args=(url,), kwargs={"data": {"data": "{}"}}) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sandbox.peak_concurrent_requests == 3  # each held 0.3 s: the three overlapped


@pytest.mark.sandbox(timezone="Europe/Berlin")
@pytest.mark.parametrize("usertype", ["account", "agent"])
def test_connection_dict_logs_in(sandbox, session, usertype):
    connection = sandbox.connection_dict(usertype=usertype)
    seed = sandbox.seed
    login, password = (
        (seed.account_user, seed.account_password)
        if usertype == "account"
        else (seed.agent_number, seed.agent_password)
    )
    assert connection == {
        "conn_type": "jodo",
        "host": sandbox.base_url,
        "login": login,
        "password": password,
        "schema": "demo",
        "extra": {
            "apikey": seed.apikey,
            "servicekey": "VoiceProcess",
            "usertype": usertype,
            "pwdtype": "plaintext",
            "timezone": "Europe/Berlin",
        },
    }
    query = {
        "orgidentity": connection["schema"],
        "usertype": usertype,
        "user": connection["login"],
        "pwdtype": "plaintext",
        "password": connection["password"],
        "jobid": "1",
    }
    body = session.get(connection["host"] + "/setevent/importStatusCJI", params=query, timeout=5).text
    assert body == '{code:2,message:"BackMsg_91"}'  # logged in; there is no job 1


def test_request_logging_never_carries_the_query_string_secrets(sandbox, cji, caplog):
    caplog.set_level(logging.DEBUG, logger="jodo_sandbox")
    assert cji(context="phone1=5550100")["code"] == 1
    assert "/setevent/importCJI" in caplog.text
    assert sandbox.seed.account_password not in caplog.text


def test_serves_csv_exports_from_its_files_directory(tmp_path):
    (tmp_path / "leads.csv").write_text("name,phone1\nAna,5511900000001\n")
    with JodoSandbox(files_dir=tmp_path) as running:
        answer = requests.get(running.file_url("leads.csv"), timeout=5)
        assert answer.status_code == 200 and answer.text.startswith("name,phone1")
        assert requests.get(running.file_url("missing.csv"), timeout=5).status_code == 404
        assert requests.get(f"{running.base_url}/files/..%2Fsecret.csv", timeout=5).status_code == 404
    with JodoSandbox() as running:
        assert requests.get(running.file_url("leads.csv"), timeout=5).status_code == 404
