"""A newcomer's mistakes fail loudly, naming what to fix, and a run that loads nothing is never green.

Each test is one of issue 14's findings, as a DAG written from the README would meet it.
"""

import glob
import json
import os
import re
import tempfile
import warnings

import pytest
from task_context import task_context

from airflow_provider_jodo.compat.airflow import AirflowFailException
from airflow_provider_jodo.exceptions import JodoColumnMappingError, JodoNothingLoadedError
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator
from airflow_provider_jodo.sensors.jodo import JodoImportJobSensor

CAMPAIGN = 1
LEADS_HEADER = "Name,Mobile,Email\n"


def push(hook, **kwargs):
    return JodoImportProcessDataOperator(
        task_id="push", jodo_conn_id=hook.jodo_conn_id, media=12, update_key="mobilenumber", **kwargs
    )


def cji_records(hook, **kwargs):
    return JodoImportCJIRecordsOperator(
        task_id="import", campaign_id=CAMPAIGN, jodo_conn_id=hook.jodo_conn_id, **kwargs
    )


def test_a_column_mapping_typo_fails_before_anything_is_sent(sandbox, connect, tmp_path):
    """Was: `5 records: 0 inserted, 0 updated, 5 rejected in 0 requests`, and a green task."""
    leads = tmp_path / "leads.csv"
    leads.write_text(LEADS_HEADER + "".join(f"Lead {i},91980000000{i},l{i}@example.com\n" for i in range(5)))
    mapping = {"Name": "name", "Mobile Number": "mobilenumber", "Email": "emailid"}
    with pytest.raises(JodoColumnMappingError) as raised:
        push(connect(), source_path=str(leads), column_mapping=mapping).execute({})
    assert str(raised.value) == (
        "column_mapping names 'Mobile Number', which the input does not have (its columns: 'Name', "
        "'Mobile', 'Email'); nothing was sent"
    )
    assert sandbox.store.process_customers("VoiceProcess") == []
    with pytest.raises(JodoColumnMappingError, match=r"'mobile'.*its columns: 'name', 'phone'"):
        cji_records(
            connect(), records=[{"name": "Ana", "phone": "1"}], column_mapping={"mobile": "phone1"}
        ).execute(task_context())
    assert sandbox.store.campaign_customers(CAMPAIGN) == []


def test_a_run_whose_every_record_is_rejected_fails_naming_the_first(sandbox, connect, tmp_path):
    report = tmp_path / "report.jsonl"
    bad = [{"name": "Ana", "mobilenumber": "12ab", "emailid": "ana@example.com"}]
    with pytest.raises(JodoNothingLoadedError) as raised:
        push(connect(), records=bad, report_path=str(report)).execute({})
    assert str(raised.value) == (
        f"ImportProcessData (report: {report}): 0 of 1 records landed (first rejected: records[0]: "
        "mobilenumber '12ab' is not 3 to 16 digits (one leading + allowed)), fewer than min_loaded=1; "
        "set min_loaded=0 to let such a run succeed"
    )
    assert json.loads(report.read_text())["outcome"] == "rejected"  # the report stays, for the reasons
    with pytest.raises(JodoNothingLoadedError, match=r"0 of 1 records landed .*BackMsg_76"):
        cji_records(connect(), records=[{"name": "No phone"}]).execute(task_context())
    summary = push(connect(), records=bad, report_path=str(report), min_loaded=0).execute({})
    assert (summary["total"], summary["rejected"]) == (1, 1)


@pytest.mark.parametrize("operator", [push, cji_records])
def test_an_empty_input_is_not_a_successful_load(sandbox, connect, operator):
    with pytest.raises(JodoNothingLoadedError, match="the input held no record, fewer than min_loaded=1"):
        operator(connect(), records=[]).execute(task_context())
    assert operator(connect(), records=[], min_loaded=0).execute(task_context())["total"] == 0


def push_to_no_connection(context):
    """Run a push that fails before its first call: its connection does not exist."""
    task = JodoImportProcessDataOperator(
        task_id="push_nothing",
        jodo_conn_id="no_such_connection",
        media=12,
        update_key="mobilenumber",
        records=[],
    )
    with pytest.raises(Exception, match="no_such_connection"):
        task.execute(context)


def test_a_failed_push_leaves_no_empty_default_report(sandbox, connect):
    push_to_no_connection({})
    assert glob.glob(os.path.join(tempfile.gettempdir(), "jodo-report-push_nothing-*.jsonl")) == []


def test_a_failed_push_uploads_no_empty_default_report_under_report_base(object_store, monkeypatch):
    monkeypatch.setenv("AIRFLOW__JODO__REPORT_BASE", object_store.uri("jodo-reports"))
    monkeypatch.setenv("AIRFLOW__JODO__REPORT_CONN_ID", object_store.conn_id)
    context = task_context()
    context["ti"].__dict__.update(dag_id="d", run_id="r", task_id="push_nothing", map_index=-1, try_number=1)
    push_to_no_connection(context)
    assert object_store.keys() == []


def test_importcji_records_take_on_invalid_and_check_the_dial_list_number(sandbox, connect):
    """Was: `on_invalid="fail"` gave `TypeError: Invalid arguments`, and `12ab` landed on a dial list."""
    records = [{"name": "Ana", "phone1": "5511900000001"}, {"name": "Bob", "phone1": "12ab"}]
    reason = "phone1 (the dial list's phone_field) is not 3 to 16 digits (one leading + allowed)"
    with pytest.raises(
        AirflowFailException, match=rf"records\[1\] is invalid: {re.escape(reason)}; nothing was sent"
    ):
        cji_records(connect(), records=records, phone_field="phone1", on_invalid="fail").execute(
            task_context()
        )
    assert sandbox.store.campaign_customers(CAMPAIGN) == []
    summary = cji_records(connect(), records=records, phone_field="phone1").execute(task_context())
    assert (summary["inserted"], summary["rejections"]) == (1, [{"index": 1, "reason": reason}])
    assert [entry["phone"] for entry in sandbox.store.dial_list(CAMPAIGN)] == ["5511900000001"]


def test_a_platform_refusal_of_a_record_names_its_fields(sandbox, connect):
    summary = cji_records(connect(), records=[{"Name": "No phone", "note": "vip"}], min_loaded=0).execute(
        task_context()
    )
    (rejection,) = summary["rejections"]
    assert "BackMsg_76" in rejection["reason"]
    assert rejection["reason"].endswith("; the record's fields: 'Name', 'note'")


def test_static_arguments_that_cannot_work_fail_when_the_dag_is_parsed():
    from datetime import datetime

    with pytest.raises(ValueError, match=r"exetime=2026-11-24T02:30:00 has no time zone"):
        JodoImportCJIFileOperator(
            task_id="t",
            campaign_id=1,
            source="http",
            file_url="https://x/a.csv",
            exetime=datetime(2026, 11, 24, 2, 30),
        )
    with pytest.raises(ValueError, match="file_url=None: give the URL of the CSV to import"):
        JodoImportCJIFileOperator(task_id="t", campaign_id=1, source="http", file_url=None)
    with pytest.raises(ValueError, match=r"job_id=None names no import job: pull the id"):
        JodoImportJobSensor(task_id="wait", job_id=None)
    with pytest.warns(UserWarning, match="deferrable=True does nothing with wait_for_completion=False"):
        JodoImportCJIFileOperator(
            task_id="t",
            campaign_id=1,
            source="http",
            file_url="https://x/a.csv",
            deferrable=True,
            wait_for_completion=False,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a templated exetime is checked when it renders, not here
        JodoImportCJIFileOperator(
            task_id="t", campaign_id=1, source="http", file_url="https://x/a.csv", exetime="{{ ts }}"
        )


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


def test_a_file_job_that_lands_no_row_fails(sandbox, connect, tmp_path):
    from file_servers import http_file_server

    (tmp_path / "empty.csv").write_text("name,phone1\n")
    with http_file_server(tmp_path) as base:
        task = JodoImportCJIFileOperator(
            task_id="t",
            campaign_id=CAMPAIGN,
            source="http",
            file_url=f"{base}/empty.csv",
            delrow=1,
            poll_interval=0.05,
            jodo_conn_id=connect().jodo_conn_id,
        )
        context = task_context()
        with pytest.raises(JodoNothingLoadedError, match=r"import job 1: the input held no record"):
            task.execute(context)
    assert context["ti"].xcom["job_id"] == "1"
