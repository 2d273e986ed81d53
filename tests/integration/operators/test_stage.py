"""JodoStageAndImportOperator against the sandbox and a local FTP server: records from a list,
a file or a SQL query (Airflow's SQLite provider) become one CSV upload and one ftp job."""

import csv
import json
import re
import sqlite3
from datetime import date, datetime

import pendulum
import pytest

from airflow_provider_jodo.compat.airflow import AirflowFailException, AirflowSkipException, TaskDeferred
from airflow_provider_jodo.exceptions import (
    JodoColumnMappingError,
    JodoNothingLoadedError,
    JodoObjectStorageError,
)
from airflow_provider_jodo.operators.stage import STAGING_XCOM_KEY, JodoStageAndImportOperator
from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger
from tests.support.airflow_runs import run_dag, xcom_values
from tests.support.file_servers import ftp_file_server
from tests.support.lead_file_samples import BIG_CELL_CHARACTERS, LEAD_HEADER, UNREADABLE_LEAD_FILES, lead_rows
from tests.support.task_context import task_context

CAMPAIGN = 1
COLUMNS = ["name", "phone1", "email", "priority", "dialtime"]
FTP_USER, FTP_PASSWORD = "stager", "ftp-secret-9"
LEAD_FILE_COLUMNS = {
    "columns": ["name", "phone1", "email", "note"],
    "column_mapping": {"mobilenumber": "phone1", "emailid": "email"},
}
"""How the lead files of `lead_file_samples` are staged."""


@pytest.fixture
def ftp(sandbox, request, tmp_path, monkeypatch):
    """A writable FTP server as Airflow connection `ftp_stage`; yields its directory. Its
    password joins the secrets that must never reach a log line."""
    request.node.sandbox_secrets = [*request.node.sandbox_secrets, FTP_PASSWORD]
    directory = tmp_path / "ftp"
    directory.mkdir()
    with ftp_file_server(directory, FTP_USER, FTP_PASSWORD, writable=True) as base:
        port = int(base.rsplit(":", 1)[1])
        conn = {
            "conn_type": "ftp",
            "host": "127.0.0.1",
            "port": port,
            "login": FTP_USER,
            "password": FTP_PASSWORD,
        }
        monkeypatch.setenv("AIRFLOW_CONN_FTP_STAGE", json.dumps(conn))
        yield directory


def stage(hook, **kwargs):
    kwargs.setdefault("columns", COLUMNS)
    kwargs.setdefault("remote_path", "leads.csv")
    return JodoStageAndImportOperator(
        task_id="stage",
        campaign_id=CAMPAIGN,
        jodo_conn_id=hook.jodo_conn_id,
        ftp_conn_id="ftp_stage",
        phone_field="phone1",
        poll_interval=0.05,
        **kwargs,
    )


def only_job_id(sandbox, job_id):
    """The sandbox holds this one import job and no other."""
    assert job_id == "1"
    with pytest.raises(KeyError):
        sandbox.store.import_job(2)


@pytest.mark.timeout(600)
def test_a_100k_row_sql_result_lands_as_one_job(sandbox, connect, ftp, tmp_path, monkeypatch):
    database = tmp_path / "warehouse.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE leads (full_name TEXT, mobile TEXT, mail TEXT, score INTEGER)")
        db.executemany(
            "INSERT INTO leads VALUES (?, ?, ?, ?)",
            ((f"Lead {n}", f"55119{n:08d}", f"lead{n}@example.com", n % 5) for n in range(100_000)),
        )
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(database)}))
    ctx = task_context()
    job = stage(
        connect(),
        sql="SELECT full_name, mobile, mail, score FROM leads WHERE score >= ? ORDER BY mobile",
        sql_parameters=[0],
        sql_conn_id="warehouse",
        fetch_size=5_000,
        column_mapping={"full_name": "name", "mobile": "phone1", "mail": "email", "score": "priority"},
    ).execute(ctx)
    assert job["state"] == "succeeded"
    assert (job["total"], job["inserted"], job["failed"]) == (100_000, 100_000, 0)
    only_job_id(sandbox, job["job_id"])
    staging = ctx["ti"].xcom[STAGING_XCOM_KEY]
    assert staging["file_url"].startswith("ftp://127.0.0.1:") and staging["file_url"].endswith("/leads.csv")
    assert (staging["total"], staging["staged"], staging["rejected"]) == (100_000, 100_000, 0)
    customers = sandbox.store.campaign_customers(CAMPAIGN)
    assert {c["phone1"] for c in customers} == {f"55119{n:08d}" for n in range(100_000)}
    assert customers[7]["name"] == "Lead 7" and customers[7]["priority"] == "2"


def test_records_the_csv_cannot_carry_are_rejected_with_their_reason(sandbox, connect, ftp):
    records = [
        {"name": "Ana", "phone1": "5511900000001", "dialtime": pendulum.datetime(2026, 11, 23, 9, tz="UTC")},
        {"name": "Line\nbreak", "phone1": "5511900000002"},
        {"name": "Shoe", "phone1": "5511900000003", "shoe_size": 42},
        {"name": "Nested", "phone1": "5511900000004", "email": {"home": "n@example.com"}},
        {"name": "Naive", "phone1": "5511900000005", "dialtime": datetime(2026, 11, 23, 9)},
        "not a record",
        {"name": "Bia", "phone1": 5511900000006, "priority": 2.5, "email": None},
        {"name": "Cy", "phone1": "5511900000007", "dialtime": date(2026, 11, 24)},
    ]
    ctx = task_context()
    hook = connect(extra={"timezone": "Asia/Kolkata"})
    job = stage(hook, records=records).execute(ctx)
    staging = ctx["ti"].xcom[STAGING_XCOM_KEY]
    assert (staging["total"], staging["staged"], staging["rejected"]) == (8, 3, 5)
    reasons = {r["index"]: r["reason"] for r in staging["rejections"]}
    assert set(reasons) == {1, 2, 3, 4, 5}
    assert "field 'name' holds a line break" in reasons[1]
    assert "['shoe_size'] are not among the columns" in reasons[2]
    assert "field 'email' holds a dict" in reasons[3]
    assert "naive datetime" in reasons[4]
    assert reasons[5] == "not a dict but str"
    assert job["inserted"] == 3
    uploaded = list(csv.reader((ftp / "leads.csv").open()))
    assert uploaded == [
        COLUMNS,
        ["Ana", "5511900000001", "", "", "2026-11-23 14:30:00"],  # the platform's wall clock
        ["Bia", "5511900000006", "", "2.5", ""],
        ["Cy", "5511900000007", "", "", "2026-11-24"],
    ]


def test_a_csv_or_json_lines_file_is_staged_and_waited_for_in_the_triggerer(sandbox, connect, ftp, tmp_path):
    source = tmp_path / "export.csv"
    source.write_text("Name,Mobile number\nAna,5511900000001\nBia,5511900000002\n")
    ctx = task_context()
    operator = stage(
        connect(),
        source_path=str(source),
        columns=["name", "phone1"],
        column_mapping={"Name": "name", "Mobile number": "phone1"},
        deferrable=True,
        exetime="PT3S",  # still scheduled at the operator's first look, however fast the sandbox
    )
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(ctx)
    assert isinstance(deferred.value.trigger, JodoImportJobTrigger)
    assert ctx["ti"].xcom[STAGING_XCOM_KEY]["staged"] == 2  # pushed before the deferral
    lines = tmp_path / "more.jsonl"
    lines.write_text(json.dumps({"name": "Cy", "phone1": "5511900000003"}) + "\n")
    job = stage(
        connect(), source_path=str(lines), columns=["name", "phone1"], remote_path="more.csv"
    ).execute(task_context())
    assert job["inserted"] == 1
    phones = sorted(c["phone1"] for c in sandbox.store.campaign_customers(CAMPAIGN))
    assert phones[-1] == "5511900000003"


def test_a_lead_file_on_s3_is_staged(sandbox, connect, ftp, object_store):
    source = object_store.put(
        "exports/leads.jsonl", json.dumps({"name": "Ana", "phone1": "5511900000001"}) + "\n"
    )
    ctx = task_context()
    job = stage(
        connect(), source_path=source, storage_conn_id=object_store.conn_id, columns=["name", "phone1"]
    ).execute(ctx)
    assert job["inserted"] == 1
    assert ctx["ti"].xcom[STAGING_XCOM_KEY]["staged"] == 1
    assert list(csv.reader((ftp / "leads.csv").open())) == [["name", "phone1"], ["Ana", "5511900000001"]]
    assert [c["phone1"] for c in sandbox.store.campaign_customers(CAMPAIGN)] == ["5511900000001"]


def test_a_missing_object_fails_naming_source_path_and_stages_nothing(sandbox, connect, ftp, object_store):
    source = object_store.uri("exports/missing.csv")
    operator = stage(connect(), source_path=source, storage_conn_id=object_store.conn_id)
    with pytest.raises(
        JodoObjectStorageError, match=f"^source_path={source!r} cannot be read: FileNotFoundError"
    ):
        operator.execute(task_context())
    assert list(ftp.iterdir()) == []
    with pytest.raises(KeyError):
        sandbox.store.import_job(1)


def test_in_a_dag_run_the_default_remote_path_is_per_run_and_task(airflow_db, sandbox, connect, ftp):
    from airflow.sdk import DAG

    with DAG(dag_id="jodo_stage_test", schedule=None, start_date=pendulum.datetime(2026, 1, 1)) as dag:
        stage(connect(), records=[{"name": "Ana", "phone1": "5511900000001"}], remote_path=None)
    run = run_dag(dag)
    assert run.state == "success"
    (uploaded,) = ftp.iterdir()
    assert uploaded.name.startswith("jodo-jodo_stage_test-stage-manual__") and ":" not in uploaded.name
    assert xcom_values(run, STAGING_XCOM_KEY)["stage"]["file_url"].endswith("/" + uploaded.name)
    assert [c["phone1"] for c in sandbox.store.campaign_customers(CAMPAIGN)] == ["5511900000001"]


def test_a_retry_reuses_the_job_of_an_earlier_try_without_staging_again(sandbox, connect, ftp):
    store = task_context()["task_state_store"]
    records = [{"name": "Ana", "phone1": "5511900000001"}]
    # Scheduled an hour ahead: the platform fetches the file only then, so removing it below
    # cannot fail the first try's job, which the retry must find still scheduled.
    options = {"records": records, "wait_for_completion": False, "exetime": "PT1H"}
    first = stage(connect(), **options).execute(task_context(store))
    (ftp / "leads.csv").unlink()
    again = task_context(store)
    assert stage(connect(), **options).execute(again) == first
    assert not (ftp / "leads.csv").exists()  # nothing uploaded on the retry
    assert STAGING_XCOM_KEY not in again["ti"].xcom


def test_on_invalid_fail_and_nothing_to_stage_upload_nothing(sandbox, connect, ftp):
    bad = [{"name": "Ana", "phone1": "5511900000001"}, {"name": "x", "phone1": "1", "shoe_size": 1}]
    with pytest.raises(
        AirflowFailException, match=r"records\[1\] is invalid: .*shoe_size.*nothing was uploaded"
    ):
        stage(connect(), records=bad, on_invalid="fail").execute(task_context())
    with pytest.raises(JodoNothingLoadedError, match=r"0 of 1 records landed \(first rejected: records\[0\]"):
        stage(connect(), records=bad[1:]).execute(task_context())
    with pytest.raises(JodoNothingLoadedError, match="the input held no record, fewer than min_loaded=1"):
        stage(connect(), records=[]).execute(task_context())
    with pytest.raises(AirflowSkipException, match="no records"):
        stage(connect(), records=[], min_loaded=0).execute(task_context())
    assert list(ftp.iterdir()) == []
    with pytest.raises(KeyError):
        sandbox.store.import_job(1)


@pytest.mark.parametrize(("name", "content", "message"), UNREADABLE_LEAD_FILES)
def test_a_file_that_cannot_be_read_whole_fails_before_anything_is_staged(
    sandbox, connect, ftp, tmp_path, name, content, message
):
    export = tmp_path / name
    export.write_bytes(content)
    with pytest.raises(AirflowFailException, match=re.escape(message) + ".*; nothing was sent$"):
        stage(connect(), source_path=str(export), **LEAD_FILE_COLUMNS).execute(task_context())
    assert list(ftp.iterdir()) == []
    with pytest.raises(KeyError):
        sandbox.store.import_job(1)


def test_a_row_with_more_cells_than_the_header_is_rejected_naming_its_line(sandbox, connect, ftp, tmp_path):
    export = tmp_path / "leads.csv"
    export.write_bytes(LEAD_HEADER + b"Ana,919999000001,a@x.com,EXTRA-CELL\n" + b"".join(lead_rows(2)))
    with pytest.raises(
        AirflowFailException,
        match=r"records\[0\] is invalid: line 2 has 4 cells, the header 3; nothing was uploaded",
    ):
        stage(connect(), source_path=str(export), on_invalid="fail", **LEAD_FILE_COLUMNS).execute(
            task_context()
        )
    assert list(ftp.iterdir()) == []
    ctx = task_context()
    job = stage(connect(), source_path=str(export), **LEAD_FILE_COLUMNS).execute(ctx)
    staging = ctx["ti"].xcom[STAGING_XCOM_KEY]
    assert (staging["total"], staging["staged"], staging["rejected"]) == (3, 2, 1)
    assert staging["rejections"] == [{"index": 0, "reason": "line 2 has 4 cells, the header 3"}]
    assert job["inserted"] == 2
    assert [c["phone1"] for c in sandbox.store.campaign_customers(CAMPAIGN)] == [
        "910000000001",
        "910000000002",
    ]


def test_a_cell_of_a_million_and_a_half_characters_lands(sandbox, connect, ftp, tmp_path):
    export = tmp_path / "leads.csv"
    export.write_bytes(
        b"name,mobilenumber,emailid,note\nAna,919999000001,a@x.com," + b"x" * BIG_CELL_CHARACTERS + b"\n"
    )
    job = stage(connect(), source_path=str(export), **LEAD_FILE_COLUMNS).execute(task_context())
    assert job["inserted"] == 1
    (customer,) = sandbox.store.campaign_customers(CAMPAIGN)
    assert customer["note"] == "x" * BIG_CELL_CHARACTERS


@pytest.mark.parametrize(
    ("remote_path", "message"),
    [("leads.txt", "must end in .csv"), ("/srv/leads.csv", "relative to the FTP login directory")],
)
def test_bad_remote_path_fails_before_anything_is_staged(sandbox, connect, ftp, remote_path, message):
    with pytest.raises(ValueError, match=f"remote_path=.*{message}"):
        stage(connect(), records=[{"phone1": "5511900000001"}], remote_path=remote_path).execute(
            task_context()
        )


def test_a_remote_path_ending_in_csv_in_any_case_is_staged(sandbox, connect, ftp):
    job = stage(
        connect(), records=[{"name": "Ana", "phone1": "5511900000001"}], remote_path="LEADS.CSV"
    ).execute(task_context())
    assert job["inserted"] == 1 and (ftp / "LEADS.CSV").exists()


def test_sql_conn_id_must_name_a_sql_connection(sandbox, connect, ftp):
    hook = connect()
    with pytest.raises(
        ValueError, match=f"sql_conn_id='{hook.jodo_conn_id}' has a JodoHook, not an Airflow SQL hook"
    ):
        stage(hook, sql="SELECT 1", sql_conn_id=hook.jodo_conn_id).execute(task_context())


def test_a_column_mapping_typo_fails_before_anything_is_staged(sandbox, connect, ftp, tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("Name,Mobile\nAna,5511900000001\n")
    mapping = {"Name": "name", "Mobile Number": "phone1"}  # the header says Mobile
    with pytest.raises(JodoColumnMappingError, match=r"'Mobile Number'.*its columns: 'Name', 'Mobile'"):
        stage(connect(), source_path=str(leads), column_mapping=mapping).execute(task_context())
    assert list(ftp.iterdir()) == []


def test_a_dial_list_number_that_is_not_digits_is_rejected_naming_its_field(sandbox, connect, ftp):
    records = [{"name": "Ana", "phone1": "5511900000001"}, {"name": "Bob", "phone1": "12ab"}]
    task = stage(connect(), records=records)
    context = task_context()
    job = task.execute(context)
    assert job["inserted"] == 1
    staging = context["ti"].xcom[STAGING_XCOM_KEY]
    assert staging["staged"] == 1 and staging["rejections"] == [
        {
            "index": 1,
            "reason": "phone1 (the dial list's phone_field) is not 3 to 16 digits (one leading + allowed)",
        }
    ]
    assert [entry["phone"] for entry in sandbox.store.dial_list(CAMPAIGN)] == ["5511900000001"]


def test_delete_staged_file_removes_it_once_its_job_succeeded(sandbox, connect, ftp):
    records = [{"name": "Ana", "phone1": "5511900000001"}]
    stage(connect(), records=records, remote_path="kept.csv").execute(task_context())
    stage(connect(), records=records, remote_path="gone.csv", delete_staged_file=True).execute(task_context())
    assert sorted(path.name for path in ftp.iterdir()) == ["kept.csv"]
    with pytest.raises(ValueError, match="delete_staged_file=True needs wait_for_completion=True"):
        stage(connect(), records=records, delete_staged_file=True, wait_for_completion=False)
