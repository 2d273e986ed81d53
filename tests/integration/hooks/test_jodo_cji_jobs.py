"""JodoHook.import_cji with http/ftp sources and get_import_job: real background jobs that fetch
CSV files from local HTTP and FTP servers."""

import json
import re
import time
from datetime import datetime, timedelta

import pendulum
import pytest

from airflow_provider_jodo.enums import JobState
from airflow_provider_jodo.exceptions import (
    JodoInvalidRequestError,
    JodoNotFoundError,
    JodoResponseError,
    JodoSubmissionUnconfirmedError,
)
from airflow_provider_jodo.protocol.exetime import resolve_exetime
from jodo_sandbox import SandboxProfile
from tests.support.file_servers import ftp_file_server, http_file_server

CAMPAIGN = 1
HEADER = "name,phone1,email,priority\n"
ROWS = "Ana,5511900000001,ana@example.com,3\nBia,5511900000002,bia@example.com,1\nCai,5511900000003,,2\n"


def wait_for_job(hook, job_id, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        job = hook.get_import_job(job_id)
        if job.state in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.state.value}"
        time.sleep(0.05)


def phones(sandbox):
    return sorted(c["phone1"] for c in sandbox.store.campaign_customers(CAMPAIGN))


def test_http_import_with_header_and_dial_list(sandbox, connect, tmp_path):
    (tmp_path / "leads.csv").write_text(HEADER + ROWS)
    hook = connect()
    with http_file_server(tmp_path) as base:
        submitted = hook.import_cji(
            campaign_id=CAMPAIGN,
            source="http",
            file_url=f"{base}/leads.csv",
            delrow=1,
            phone_field="phone1",
            priority_field="priority",
        )
        assert submitted.job_id
        job = wait_for_job(hook, submitted.job_id)
    assert job.state is JobState.SUCCEEDED
    assert (job.total, job.inserted, job.updated, job.skipped, job.failed) == (3, 3, 0, 0, 0)
    assert job.started and job.finished
    assert phones(sandbox) == ["5511900000001", "5511900000002", "5511900000003"]
    assert sorted(e["phone"] for e in sandbox.store.dial_list(CAMPAIGN)) == phones(sandbox)


def test_http_import_with_basic_auth_and_duplicates(sandbox, connect, tmp_path):
    (tmp_path / "leads.csv").write_text(
        HEADER + ROWS + "Ana Again,5511900000001,,9\n,,nobody@example.com,1\n"
    )
    hook = connect()
    with http_file_server(tmp_path, credentials=("files", "file-secret-9")) as base:
        url = f"{base}/leads.csv"
        denied = wait_for_job(
            hook, hook.import_cji(campaign_id=CAMPAIGN, source="http", file_url=url, delrow=1).job_id
        )
        assert denied.state is JobState.FAILED
        assert denied.errors[0].code == "89"
        job = wait_for_job(
            hook,
            hook.import_cji(
                campaign_id=CAMPAIGN,
                source="http",
                file_url=url,
                delrow=1,
                source_user="files",
                source_pwd="file-secret-9",
                duplicate_way="update",
            ).job_id,
        )
    assert job.state is JobState.SUCCEEDED
    assert (job.total, job.inserted, job.updated, job.failed) == (5, 3, 1, 1)
    assert job.errors[0].row == 6 and job.errors[0].code == "76"
    names = {c["phone1"]: c["name"] for c in sandbox.store.campaign_customers(CAMPAIGN)}
    assert names["5511900000001"] == "Ana Again"


def test_ftp_import_with_credentials_and_delrow(sandbox, connect, tmp_path):
    (tmp_path / "nightly.csv").write_text("exported 2026-11-23\n" + HEADER + ROWS)
    hook = connect()
    with ftp_file_server(tmp_path, "leads", "ftp-secret-7") as base:
        wrong = hook.import_cji(
            campaign_id=CAMPAIGN,
            source="ftp",
            file_url=f"{base}/nightly.csv",
            delrow=2,
            source_user="leads",
            source_pwd="not-the-password",
        )
        assert wait_for_job(hook, wrong.job_id).state is JobState.FAILED
        # The first line is a comment, so the header is not the first line: expect a mismatch.
        mismatch = hook.import_cji(
            campaign_id=CAMPAIGN,
            source="ftp",
            file_url=f"{base}/nightly.csv",
            delrow=2,
            source_user="leads",
            source_pwd="ftp-secret-7",
        )
        failed = wait_for_job(hook, mismatch.job_id)
        assert failed.state is JobState.FAILED and failed.errors[0].code == "74"
        (tmp_path / "clean.csv").write_text(HEADER + ROWS)
        job = wait_for_job(
            hook,
            hook.import_cji(
                campaign_id=CAMPAIGN,
                source="ftp",
                file_url=f"{base}/clean.csv",
                delrow=1,
                source_user="leads",
                source_pwd="ftp-secret-7",
            ).job_id,
        )
    assert job.state is JobState.SUCCEEDED and job.inserted == 3
    assert phones(sandbox) == ["5511900000001", "5511900000002", "5511900000003"]


def test_headerless_file_follows_the_form_order(sandbox, connect, tmp_path):
    (tmp_path / "plain.csv").write_text("Dora,5511900000004\n")
    hook = connect()
    with http_file_server(tmp_path) as base:
        job = wait_for_job(
            hook, hook.import_cji(campaign_id=CAMPAIGN, source="http", file_url=f"{base}/plain.csv").job_id
        )
    assert job.state is JobState.SUCCEEDED
    assert [(c["name"], c["phone1"]) for c in sandbox.store.campaign_customers(CAMPAIGN)] == [
        ("Dora", "5511900000004")
    ]


@pytest.mark.platform_timezone("America/Sao_Paulo")
def test_exetime_in_the_future_keeps_the_job_scheduled(sandbox, connect, tmp_path):
    (tmp_path / "later.csv").write_text(HEADER + ROWS)
    hook = connect()
    assert hook.settings.timezone == "America/Sao_Paulo"
    run_at = pendulum.now("UTC").add(seconds=2)
    with http_file_server(tmp_path) as base:
        job_id = hook.import_cji(
            campaign_id=CAMPAIGN, source="http", file_url=f"{base}/later.csv", delrow=1, exetime=run_at
        ).job_id
        first = hook.get_import_job(job_id)
        assert first.state is JobState.SCHEDULED
        assert first.exetime == run_at.in_timezone("America/Sao_Paulo").strftime("%Y-%m-%d %H:%M:%S")
        time.sleep(1.0)
        assert hook.get_import_job(job_id).state is JobState.SCHEDULED
        assert phones(sandbox) == []
        job = wait_for_job(hook, job_id)
    assert job.state is JobState.SUCCEEDED
    assert pendulum.now("UTC") >= run_at.replace(microsecond=0)  # the wire has whole seconds


def wall_clock(moment, timezone):
    return moment.in_timezone(timezone).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.platform_timezone("Asia/Kolkata")
@pytest.mark.parametrize("exetime", ["PT5M", timedelta(minutes=5), pendulum.duration(minutes=5)])
def test_exetime_takes_a_duration_from_now_as_the_operators_do(sandbox, connect, exetime):
    hook = connect()
    before = pendulum.now("UTC").replace(microsecond=0)
    job_id = hook.import_cji(
        campaign_id=CAMPAIGN, source="http", file_url="http://127.0.0.1:9/x.csv", exetime=exetime
    ).job_id
    after = pendulum.now("UTC")
    job = hook.get_import_job(job_id)
    assert job.state is JobState.SCHEDULED
    five_minutes = timedelta(minutes=5)
    assert wall_clock(before + five_minutes, "Asia/Kolkata") <= job.exetime
    assert job.exetime <= wall_clock(after + five_minutes, "Asia/Kolkata")


@pytest.mark.platform_timezone("America/Sao_Paulo")
def test_exetime_takes_a_string_with_a_utc_offset_as_the_operators_do(sandbox, connect):
    hook = connect()
    exetime = "2026-12-31T10:00:00+05:30"  # 01:30 in Sao Paulo (UTC-3)
    assert hook.submission_options(source="http", exetime=exetime)["exetime"] == "2026-12-31 01:30:00"
    job_id = hook.import_cji(
        campaign_id=CAMPAIGN, source="http", file_url="http://127.0.0.1:9/x.csv", exetime=exetime
    ).job_id
    job = hook.get_import_job(job_id)
    assert (job.state, job.exetime) == (JobState.SCHEDULED, "2026-12-31 01:30:00")


@pytest.mark.parametrize("naive", [datetime(2026, 11, 23, 7), "2026-11-23 07:00:00"])
def test_a_naive_exetime_is_refused_in_the_operators_words_at_every_entry_point(sandbox, connect, naive):
    hook = connect()
    expected = "exetime=2026-11-23T07:00:00 has no time zone; give an aware date-time"
    with pytest.raises(ValueError) as by_the_operators:  # what the file operators call
        resolve_exetime(naive, pendulum.now("UTC"))
    with pytest.raises(ValueError) as by_import_cji:
        hook.import_cji(
            campaign_id=CAMPAIGN, source="http", file_url="http://127.0.0.1:9/x.csv", exetime=naive
        )
    with pytest.raises(ValueError) as by_submission_options:
        hook.submission_options(source="http", exetime=naive)
    with pytest.raises(ValueError) as by_prepare_import:
        hook.prepare_import(
            [{"mobilenumber": "919800000001"}], media=12, update_key="mobilenumber", call_datetime=naive
        )
    assert [str(e.value) for e in (by_the_operators, by_import_cji, by_submission_options)] == [expected] * 3
    assert str(by_prepare_import.value) == expected.replace("exetime", "call_datetime")
    assert sandbox.store.import_job_ids_by_file() == {}


@pytest.mark.parametrize(
    "too_far", ["PT4294967296S", "PT" + "9" * 20 + "S", "P9999Y", "2099-01-01T00:00:00+00:00"]
)
def test_an_exetime_beyond_ten_years_is_refused_before_any_call_at_every_entry_point(
    sandbox, connect, too_far
):
    """Was: `PT4294967296S` sent as now, 20 digits as a date in 2079, `P9999Y` a bare ValueError."""
    from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator

    hook = connect()
    expected = "is more than 10 years ahead"
    with pytest.raises(ValueError, match=f"^exetime=.*{expected}"):  # when the DAG is parsed
        JodoImportCJIFileOperator(
            task_id="t", campaign_id=CAMPAIGN, source="http", file_url="http://x/a.csv", exetime=too_far
        )
    with pytest.raises(ValueError, match=f"^exetime=.*{expected}"):
        hook.import_cji(
            campaign_id=CAMPAIGN, source="http", file_url="http://127.0.0.1:9/x.csv", exetime=too_far
        )
    with pytest.raises(ValueError, match=f"^call_datetime=.*{expected}"):
        hook.prepare_import(
            [{"mobilenumber": "919800000001"}], media=12, update_key="mobilenumber", call_datetime=too_far
        )
    assert sandbox.store.import_job_ids_by_file() == {}


def test_unreachable_file_fails_the_job_with_89(connect):
    hook = connect()
    job = wait_for_job(
        hook,
        hook.import_cji(campaign_id=CAMPAIGN, source="http", file_url="http://127.0.0.1:9/none.csv").job_id,
    )
    assert job.state is JobState.FAILED
    assert job.errors[0].code == "89"


def test_cancelled_job(sandbox, connect):
    hook = connect()
    job_id = hook.import_cji(
        campaign_id=CAMPAIGN,
        source="http",
        file_url="http://127.0.0.1:9/x.csv",
        exetime=pendulum.now("UTC").add(hours=1),
    ).job_id
    sandbox.store.cancel_job(job_id)
    assert hook.get_import_job(job_id).state is JobState.CANCELLED


@pytest.mark.parametrize(
    "file_url",
    [
        "http://127.0.0.1:9/leads.xlsx",
        "http://127.0.0.1:9/leads",
        "https://127.0.0.1:9/leads.csv.gz?name=leads.csv",  # the query is not the file's name
        "ftp://127.0.0.1:9/exports/leads.txt",
    ],
)
def test_a_file_url_not_naming_a_csv_is_refused_before_any_call(sandbox, connect, file_url):
    """Was: sent, for the platform to refuse with BackMsg_86 (the README says it imports CSV only)."""
    source = file_url.split(":", 1)[0].removesuffix("s")
    expected = (
        f"file_url {file_url!r} does not name a .csv file: the platform imports CSV files only "
        "(BackMsg_86). If yours takes other files, set the jodo connection's extra csv_only to false"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        connect().import_cji(campaign_id=CAMPAIGN, source=source, file_url=file_url)
    assert sandbox.faults.requests_seen == 0


def test_a_csv_file_url_may_be_signed_and_in_any_case(connect):
    hook = connect()
    for file_url in ("http://127.0.0.1:9/LEADS.CSV", "https://127.0.0.1:9/leads.csv?token=a.b&sig=x.xlsx"):
        submitted = hook.import_cji(
            campaign_id=CAMPAIGN, source="http", file_url=file_url, exetime=pendulum.duration(hours=1)
        )
        assert submitted.job_id


def test_only_csv_files_and_unknown_jobs(sandbox, connect):
    hook = connect(extra={"csv_only": False})  # the platform's own refusal, BackMsg_86
    with pytest.raises(JodoInvalidRequestError) as raised:
        hook.import_cji(campaign_id=CAMPAIGN, source="http", file_url="http://127.0.0.1:9/leads.xlsx")
    assert raised.value.code == "86"
    with pytest.raises(JodoNotFoundError, match="job 424242: the platform knows no such job") as raised:
        hook.get_import_job("424242")
    # Our code where the platform has it; any plain-text refusal means the same.
    full = sandbox.profile is SandboxProfile.FULL
    assert (raised.value.code, raised.value.vendor_message) == (
        ("91", "BackMsg_91") if full else (None, "job not found")
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"file_url": "ftp://h/a.csv"}, "not a http/https URL"),
        ({"file_url": "http://h/a.csv", "delrow": -1}, "delrow=-1"),
        (
            {"file_url": "http://h/a.csv", "exetime": pendulum.naive(2026, 1, 1)},
            "exetime=.* has no time zone",
        ),
        ({"record": {"phone1": "1"}}, "takes a file_url"),
    ],
)
def test_bad_job_arguments(connect, kwargs, message):
    with pytest.raises(ValueError, match=message):
        connect().import_cji(campaign_id=CAMPAIGN, source="http", **kwargs)


@pytest.mark.parametrize(
    "file_url",
    ["http://127.0.0.1:9/exports/f\u00efle.csv", "http://127.0.0.1:abc/x.csv", "ftp://127.0.0.1:abc/x.csv"],
)
def test_odd_urls_fail_the_job_instead_of_leaving_it_running(connect, file_url):
    hook = connect()
    source = "ftp" if file_url.startswith("ftp") else "http"
    job = wait_for_job(hook, hook.import_cji(campaign_id=CAMPAIGN, source=source, file_url=file_url).job_id)
    assert job.state is JobState.FAILED and job.errors


@pytest.mark.parametrize(
    "file_url", ["http://files:S3cret%40Pw@127.0.0.1:9/leads.csv", "ftp://files@127.0.0.1:21/leads.csv"]
)
def test_a_login_inside_the_file_url_is_refused_before_anything_is_sent(sandbox, connect, file_url):
    """A login in the URL would be stored with the task (rendered fields, state): refused, naming
    the URL without it and where the login goes instead."""
    source = file_url.partition(":")[0]
    with pytest.raises(ValueError, match=r"carries a login.*source_conn_id") as raised:
        connect().import_cji(campaign_id=CAMPAIGN, source=source, file_url=file_url)
    assert f"'{source}://127.0.0.1:" in str(raised.value) and "S3cret" not in str(raised.value)
    assert sandbox.store.import_job_ids_by_file() == {}


def test_a_jobs_status_says_what_it_was_submitted_with_where_the_platform_reports_it(sandbox, connect):
    hook = connect()
    url = "http://127.0.0.1:9/leads.csv"
    later = pendulum.now("UTC").add(hours=1)
    job_id = hook.import_cji(
        campaign_id=CAMPAIGN, source="http", file_url=url, exetime=later, delrow=1, duplicate_way="update"
    ).job_id
    job = hook.get_import_job(job_id)
    assert job.exetime == later.strftime("%Y-%m-%d %H:%M:%S")
    if sandbox.profile.reports_job_parameters:
        assert job.submitted_with == {
            "model_id": str(CAMPAIGN),
            "source": "http",
            "context": "http://127.0.0.1:9/leads.csv",
            **dict.fromkeys(("phone_field", "priority_field", "dialtime_field"), ""),
            "delrow": "1",
            **dict.fromkeys(("emptyagent", "resetstatus", "dupdiallist", "changepackage"), ""),
            "dupway": "update",
        }
    else:
        assert job.submitted_with == {}  # a platform that reports none of it
    assert json.loads(json.dumps(job.to_dict()))["submitted_with"] == job.submitted_with


# Issue 21: answers of the wrong shape, from a platform scripted to give them.
NOTICE = (
    "<br />\n<b>Notice</b>:  Undefined index: pw scripted-password in <b>/var/www/status.php</b> "
    "on line <b>12</b><br />\n"
)
RUNNING_JOB_7 = "airflowJodo({code:1,message:{jobid:'7',state:'running',total:3}})"


def test_php_notices_before_every_answer_are_read_past_and_logged_once_redacted(scripted, caplog):
    platform, hook = scripted
    platform.body = NOTICE + RUNNING_JOB_7
    assert hook.get_import_job("7").total == 3
    assert hook.get_import_job("7").state is JobState.RUNNING
    warned = [
        r.getMessage() for r in caplog.records if "PHP notices" in r.getMessage() and r.levelname == "WARNING"
    ]
    assert len(warned) == 1 and "Undefined index: pw ***" in warned[0]
    assert "scripted-password" not in caplog.text


def test_other_text_before_an_answer_is_still_a_response_error(scripted):
    platform, hook = scripted
    platform.body = "Hello from the proxy\n" + RUNNING_JOB_7
    with pytest.raises(JodoResponseError, match="the answer is not JSON or JSONP"):
        hook.get_import_job("7")


def test_an_answer_under_another_callback_is_a_response_error(scripted):
    platform, hook = scripted
    platform.body = RUNNING_JOB_7.replace("airflowJodo", "stealData")
    with pytest.raises(
        JodoResponseError, match="JSONP callback 'stealData': not the 'airflowJodo' the call sent"
    ):
        hook.get_import_job("7")


def test_a_status_answer_about_another_job_is_a_response_error(scripted):
    platform, hook = scripted
    platform.body = RUNNING_JOB_7.replace("jobid:'7'", "jobid:'8'")
    with pytest.raises(JodoResponseError, match="about job 8, not the one asked about"):
        hook.get_import_job("7")


@pytest.mark.parametrize("count", ["-1", "true", "2.5", "'\u00b2'", "9" * 4_301])
def test_a_status_answer_with_a_count_that_is_no_count_is_a_response_error(scripted, count):
    platform, hook = scripted
    platform.body = RUNNING_JOB_7.replace("total:3", f"total:{count}")
    with pytest.raises(JodoResponseError) as raised:
        hook.get_import_job("7")
    assert len(str(raised.value)) < 800


@pytest.mark.parametrize("job_id", ["'../x'", "true", "-1", "2.5", "'BackMsg_87'", "'47\\r\\n11'"])
def test_a_submission_answered_with_no_job_id_may_have_made_a_job(scripted, job_id):
    # A success code with no job id: the platform may have made the job, and this one cannot
    # list its jobs to tell, so the submission is not sent again (`may_have_taken_effect`).
    platform, hook = scripted
    platform.body = f"airflowJodo({{code:1,message:{job_id}}})"
    with pytest.raises(JodoSubmissionUnconfirmedError, match="a job may have been created") as raised:
        hook.import_cji(campaign_id=CAMPAIGN, source="http", file_url="http://127.0.0.1:9/leads.csv")
    assert "could not be read (expected a job id (1 to 20 digits), got " in str(raised.value)
    assert [path.split("?")[0] for path in platform.requests] == [
        "/setevent/importStatusCJI",
        "/setevent/importCJI",
    ]


def test_a_submission_answered_with_a_100_000_digit_id_quotes_300_characters_of_it(scripted):
    platform, hook = scripted
    platform.body = "airflowJodo({code:1,message:'" + "7" * 100_000 + "'})"
    with pytest.raises(JodoSubmissionUnconfirmedError, match="expected a job id") as raised:
        hook.import_cji(campaign_id=CAMPAIGN, source="http", file_url="http://127.0.0.1:9/leads.csv")
    assert "7" * 290 in str(raised.value) and "7" * 300 not in str(raised.value)  # cut to 300 characters
