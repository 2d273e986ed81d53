"""astercc importCJI with `source=http|ftp`: background jobs, their CSV layout, scheduling and
the importStatusCJI answer."""

from __future__ import annotations

import socket
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_jodo.protocol.wire.cji_parameters import REPORTED_JOB_PARAMETERS
from jodo_sandbox.job_page import job_page_html

HEADER = "Name,Phone,Mobile,E-mail,Priority\n"
STATUS_KEYS = {
    "jobid",
    "state",
    "total",
    "inserted",
    "updated",
    "skipped",
    "failed",
    "errors",
    "exetime",
    "started",
    "finished",
    *REPORTED_JOB_PARAMETERS,
}


def write_csv(server, name: str, text: str) -> str:
    (server.root / name).write_text(text, encoding="utf-8")
    return server.url(name)


def submit(cji, server, url: str, **parameters: str) -> str:
    answer = cji(
        source="ftp" if url.startswith("ftp:") else "http",
        context=url,
        source_user=server.user,
        source_pwd=server.password,
        **{"delrow": "1", **parameters},
    )
    assert answer["code"] == 1, answer
    assert answer["message"].isdigit()
    return answer["message"]


def test_http_job_imports_rows_and_reports_status(sandbox, cji, http_files, wait_for_job):
    url = write_csv(
        http_files,
        "customers.csv",
        HEADER + "Ravi,5550101,5550191,ravi@example.com,2\nMeena,5550102,,meena@example.com,\n",
    )
    job_id = submit(cji, http_files, url, phone_field="phone1", priority_field="Priority")
    status = wait_for_job(job_id)
    assert set(status) == STATUS_KEYS
    assert status["jobid"] == job_id
    assert status["state"] == "succeeded"
    assert (status["total"], status["inserted"], status["updated"], status["skipped"], status["failed"]) == (
        2,
        2,
        0,
        0,
        0,
    )
    assert status["errors"] == []
    assert status["started"] >= status["exetime"]
    assert status["finished"] >= status["started"]
    customers = sandbox.store.campaign_customers(1)
    assert [(c["name"], c["phone1"], c["phone2"]) for c in customers] == [
        ("Ravi", "5550101", "5550191"),
        ("Meena", "5550102", ""),
    ]
    assert [(entry["phone"], entry["priority"]) for entry in sandbox.store.dial_list(1)] == [
        ("5550101", "2"),
        ("5550102", None),
    ]
    assert sandbox.store.import_job(job_id) == status


def test_http_job_with_basic_auth(sandbox, cji, http_files_with_auth, wait_for_job):
    url = write_csv(http_files_with_auth, "secured.csv", HEADER + "Ravi,5550101,,,\n")
    assert wait_for_job(submit(cji, http_files_with_auth, url))["state"] == "succeeded"
    assert len(sandbox.store.campaign_customers(1)) == 1

    wrong = cji(
        source="http", context=url, source_user=http_files_with_auth.user, source_pwd="wrong", delrow="1"
    )
    status = wait_for_job(wrong["message"])
    assert status["state"] == "failed"
    assert status["errors"][0]["code"] == "89"
    assert "401" in status["errors"][0]["message"]


def test_ftp_job_with_login_and_delrow(sandbox, cji, ftp_files, wait_for_job):
    url = write_csv(
        ftp_files, "from-ftp.csv", "phone1,name\n# exported 2024-05-01,\n5550101,Ravi\n5550102,Meena\n"
    )
    status = wait_for_job(submit(cji, ftp_files, url, delrow="2", model_id="2"))
    assert (status["state"], status["inserted"]) == ("succeeded", 2)
    assert [c["name"] for c in sandbox.store.campaign_customers(2)] == ["Ravi", "Meena"]
    assert {c["package"] for c in sandbox.store.campaign_customers(2)} == {"package-2"}


def test_ftp_anonymous_and_wrong_password(sandbox, cji, ftp_files, wait_for_job):
    url = write_csv(ftp_files, "anon.csv", "Phone\n5550101\n")
    anonymous = cji(source="ftp", context=url, delrow="1")
    assert wait_for_job(anonymous["message"])["state"] == "succeeded"
    wrong = cji(source="ftp", context=url, source_user=ftp_files.user, source_pwd="wrong", delrow="1")
    status = wait_for_job(wrong["message"])
    assert (status["state"], status["errors"][0]["code"]) == ("failed", "89")


def test_without_header_columns_follow_the_form(sandbox, cji, http_files, wait_for_job):
    url = write_csv(http_files, "plain.csv", "Ravi,5550101,5550191,ravi@example.com,Park St,1,,VIP\n")
    status = wait_for_job(submit(cji, http_files, url, delrow=""))
    assert status["inserted"] == 1
    [customer] = sandbox.store.campaign_customers(1)
    assert (customer["name"], customer["phone1"], customer["address"], customer["note"]) == (
        "Ravi",
        "5550101",
        "Park St",
        "VIP",
    )


def test_row_errors_are_counted_with_their_line_numbers(sandbox, cji, http_files, wait_for_job):
    url = write_csv(
        http_files,
        "mixed.csv",
        HEADER + "Ravi,5550101,,,\nNo Phone,,,,\nToo,5550103,,,,many\n\nMeena,5550104,,,\n,,,,\n",
    )
    status = wait_for_job(submit(cji, http_files, url))
    assert status["state"] == "succeeded"
    assert (status["total"], status["inserted"], status["failed"]) == (4, 2, 2)
    assert [(error["row"], error["code"]) for error in status["errors"]] == [(3, "76"), (4, "75")]


def test_duplicate_policies_apply_to_file_rows(sandbox, cji, http_files, wait_for_job):
    cji(context="name=Ravi||phone1=5550101")
    cji(context="name=Meena||phone1=5550102")
    sandbox.store.assign_agent(1, "5550102", "8001")
    url = write_csv(
        http_files,
        "dups.csv",
        HEADER + "Ravi K,5550101,,,\nMeena,5550102,,,\nNew,5550103,,,\nNew Again,5550103,,,\n",
    )
    status = wait_for_job(submit(cji, http_files, url, dupway="update", emptyagent="yes"))
    assert (status["inserted"], status["updated"], status["skipped"], status["total"]) == (1, 3, 0, 4)
    names = {c["phone1"]: (c["name"], c["agent"]) for c in sandbox.store.campaign_customers(1)}
    assert names == {"5550101": ("Ravi K", None), "5550102": ("Meena", None), "5550103": ("New Again", None)}

    again = wait_for_job(submit(cji, http_files, url))
    assert (again["inserted"], again["updated"], again["skipped"]) == (0, 0, 4)


def test_header_mismatch_fails_the_job_with_74(sandbox, cji, http_files, wait_for_job):
    url = write_csv(http_files, "bad-header.csv", "Name,Phone,Fax\nRavi,5550101,123\n")
    status = wait_for_job(submit(cji, http_files, url))
    assert status["state"] == "failed"
    assert status["total"] == 0
    [error] = status["errors"]
    assert (error["row"], error["code"]) == (1, "74")
    assert "Fax" in error["message"]
    assert sandbox.store.campaign_customers(1) == []


def test_a_file_that_is_not_utf8_text_fails_the_job_with_86(cji, http_files, wait_for_job):
    (http_files.root / "latin1.csv").write_bytes("Name,Phone\nZo\xeb,5550101\n".encode("latin-1"))
    status = wait_for_job(submit(cji, http_files, http_files.url("latin1.csv")))
    assert status["state"] == "failed"
    assert [(error["row"], error["code"]) for error in status["errors"]] == [(None, "86")]


@pytest.mark.parametrize("missing", ["closed-port", "not-found"])
def test_unreachable_file_fails_the_job_with_89(sandbox, cji, http_files, wait_for_job, missing):
    if missing == "closed-port":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}/customers.csv"
    else:
        url = http_files.url("no-such-file.csv")
    status = wait_for_job(cji(source="http", context=url, delrow="1")["message"])
    assert status["state"] == "failed"
    assert [(error["row"], error["code"]) for error in status["errors"]] == [(None, "89")]


@pytest.mark.sandbox(timezone="Asia/Kolkata")
def test_future_exetime_keeps_the_job_scheduled_until_then(sandbox, cji, http_files, wait_for_job):
    # A zone far from UTC: comparing exetime against UTC instead would run it hours off.
    url = write_csv(http_files, "later.csv", "Phone\n5550101\n")
    exetime = (datetime.now(ZoneInfo("Asia/Kolkata")) + timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S")
    job_id = submit(cji, http_files, url, exetime=exetime)
    time.sleep(0.5)
    assert sandbox.store.import_job(job_id)["state"] == "scheduled"
    assert sandbox.store.campaign_customers(1) == []
    status = wait_for_job(job_id, timeout=5)
    assert status["state"] == "succeeded"
    assert status["exetime"] == exetime
    assert status["started"] >= exetime
    assert len(sandbox.store.campaign_customers(1)) == 1


@pytest.mark.parametrize("exetime", ["", "0000-00-00 00:00:00", "2000-01-01 00:00:00"])
def test_empty_zero_or_past_exetime_runs_at_once(cji, http_files, wait_for_job, exetime):
    url = write_csv(http_files, "now.csv", "Phone\n5550101\n")
    assert wait_for_job(submit(cji, http_files, url, exetime=exetime), timeout=2)["state"] == "succeeded"


def test_cancelled_job_never_runs(sandbox, cji, http_files, job_status):
    url = write_csv(http_files, "later.csv", "Phone\n5550101\n")
    job_id = submit(cji, http_files, url, exetime="2999-01-01 00:00:00")
    assert sandbox.store.cancel_job(job_id) is True
    assert sandbox.store.cancel_job(job_id) is False
    time.sleep(0.2)
    status = job_status(job_id)["message"]
    assert status["state"] == "cancelled"
    assert status["finished"] is not None and status["started"] is None
    assert sandbox.store.campaign_customers(1) == []
    with pytest.raises(KeyError):
        sandbox.store.cancel_job(999)


def test_status_reports_the_parameters_the_job_was_submitted_with(sandbox, cji, http_files, job_status):
    url = write_csv(http_files, "sent.csv", HEADER + "Ravi,5550101,,,\n")
    job_id = cji(
        source="http",
        context=url,
        delrow="1",
        exetime="2999-01-01 00:00:00",
        phone_field="Phone",  # a display name stays as sent
        dupway="update",
        emptyagent="yes",
        source_user="files",
        source_pwd="file-server-secret",
    )["message"]
    status = job_status(job_id)["message"]
    assert {name: status[name] for name in REPORTED_JOB_PARAMETERS} == {
        "model_id": "1",
        "source": "http",
        "context": url,
        "delrow": "1",
        "phone_field": "Phone",
        "priority_field": "",
        "dialtime_field": "",
        "emptyagent": "yes",
        "resetstatus": "",  # sent empty: the platform's default applies, and the answer says ""
        "dupway": "update",
        "dupdiallist": "",
        "changepackage": "",
    }
    assert "file-server-secret" not in str(status) and "source_pwd" not in status
    assert job_status("", model_id="1", context=url)["message"] == [status]  # the listing says the same


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"jobid": "424242"}, "91"),
        ({"jobid": "abc"}, "91"),
        ({"jobid": ""}, "01"),
        ({"password": "wrong-password"}, "63"),
        ({"orgidentity": "nowhere"}, "02"),
    ],
)
def test_status_failures(cji, http_files, job_status, overrides, code):
    url = write_csv(http_files, "any.csv", "Phone\n5550101\n")
    job_id = submit(cji, http_files, url, exetime="2999-01-01 00:00:00")
    assert job_status(job_id, **overrides) == {"code": 2, "message": f"BackMsg_{code}"}


def test_status_answer_is_jsonp_with_unquoted_keys(sandbox, session, cji, http_files, credentials):
    url = write_csv(http_files, "raw.csv", "Phone\n5550101\n")
    job_id = submit(cji, http_files, url, exetime="2999-01-01 00:00:00")
    query = {"callback": "cb", **credentials, "jobid": job_id}
    body = session.get(sandbox.base_url + "/setevent/importStatusCJI", params=query).text
    assert body.startswith(f'cb({{code:1,message:{{jobid:"{job_id}",state:"scheduled",total:0,')
    assert 'exetime:"2999-01-01 00:00:00",started:null,finished:null,model_id:"1",source:"http",' in body
    assert body.endswith('changepackage:""}})')
    assert '"code"' not in body


def test_console_job_page_shows_state_counts_and_escaped_row_errors(
    sandbox, session, cji, http_files, wait_for_job
):
    url = write_csv(http_files, "page.csv", HEADER + "Ravi,5550101,,,\nNo Phone,,,,\n")
    job_id = wait_for_job(submit(cji, http_files, url))["jobid"]
    page = session.get(f"{sandbox.base_url}/shelljobs/{job_id}")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f"<title>Import job {job_id}</title>" in page.text
    assert "<th>state</th><td>succeeded</td>" in page.text
    assert "<th>inserted</th><td>1</td>" in page.text
    assert "<li>row 3: 76 " in page.text
    for unknown in ("999999", "abc", ""):
        assert session.get(f"{sandbox.base_url}/shelljobs/{unknown}").status_code == 404


def test_console_job_page_escapes_what_the_file_put_in_it():
    job = {"jobid": "7", "state": "failed", "exetime": None, "started": None, "finished": None}
    job |= {"total": 1, "inserted": 0, "updated": 0, "skipped": 0, "failed": 1}
    job["errors"] = [{"row": 2, "code": "75", "message": "bad <script>alert(1)</script>"}]
    html = job_page_html(job)
    assert "&lt;script&gt;" in html and "<script>" not in html
