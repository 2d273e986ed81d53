"""Where the operators read their input and write their report (`loading/storage.py`): local
paths and `file://` URIs, object storage through Airflow's `ObjectStoragePath` (an S3 double), and
the default report under `[jodo] report_base` in a DAG run. Airflow's object storage differs
between minors (its file wrapper, universal-pathlib), so every minor runs these
(`scripts/test_matrix.py`)."""

import glob
import json
import os
import tempfile

import pendulum
import pytest

from airflow_provider_jodo.exceptions import JodoObjectStorageError
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator
from tests.support.airflow_runs import run_dag, xcom_values
from tests.support.airflow_versions import OPENED_OBJECT_STORAGE_FILES_ITERATE
from tests.support.lead_file_samples import lead, push
from tests.support.sandbox_fixtures import landed_counts, stored, summary_counts
from tests.support.task_context import task_context


def local_location(path, form):
    """`path` as a plain path or as a `file://` URI: both name a local file."""
    return str(path) if form == "path" else path.as_uri()


LEADS_CSV = (
    "name,mobilenumber,emailid\n"
    "Ana,5511900000001,ana@example.com\n"
    "Bia,5511900000002,\n"
    "Cai,12,cai@example.com\n"
)
"""Three leads: Bia has no e-mail and Cai's number is too short, so both are rejected."""


def leads_jsonl():
    rows = [
        {"name": "Ana", "mobilenumber": "5511900000001", "emailid": "ana@example.com", "extrafield1": "s3"}
    ]
    rows += [
        {"name": "Bia", "mobilenumber": "5511900000002"},
        {"name": "Cai", "mobilenumber": "12", "emailid": "cai@example.com"},
    ]
    return "".join(json.dumps(row) + "\n" for row in rows)


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


@pytest.mark.parametrize("form", ["path", "file-uri"])
def test_a_report_path_in_a_folder_not_made_yet_is_written(sandbox, connect, tmp_path, form):
    """Was: FileNotFoundError, the task failed before sending anything."""
    report = tmp_path / "reports" / "2026-11-30" / "push.jsonl"
    operator = JodoImportProcessDataOperator(
        task_id="push",
        jodo_conn_id=connect().jodo_conn_id,
        media=12,
        update_key="mobilenumber",
        records=[lead("919800000001"), lead("12")],
        report_path=local_location(report, form),
        min_loaded=0,
    )
    assert operator.execute({})["report_path"] == local_location(report, form)
    assert [json.loads(line)["index"] for line in report.read_text().splitlines()] == [0, 1]


@pytest.mark.parametrize("form", ["path", "file-uri"])
def test_in_a_dag_run_the_default_report_goes_under_a_local_report_base(
    airflow_db, sandbox, connect, tmp_path, monkeypatch, form
):
    """Was: every run failed with FileNotFoundError: nothing made `<report_base>/<dag>/<run>/`."""
    from airflow.sdk import DAG

    base = tmp_path / "shared-mount" / "jodo-reports"
    monkeypatch.setenv("AIRFLOW__JODO__REPORT_BASE", local_location(base, form))
    monkeypatch.delenv("AIRFLOW__JODO__REPORT_CONN_ID", raising=False)
    dag_id = f"jodo_local_report_base_{form.replace('-', '_')}"
    with DAG(dag_id=dag_id, schedule=None, start_date=pendulum.datetime(2026, 1, 1)) as dag:
        JodoImportProcessDataOperator(
            task_id="push",
            jodo_conn_id=connect().jodo_conn_id,
            media=12,
            update_key="mobilenumber",
            records=[lead("919800000001"), lead("919800000002")],
            retries=0,
        )
    run = run_dag(dag)
    assert run.get_task_instance("push").state == "success"
    run_folder = f"{dag_id}/{run.run_id.replace(':', '_').replace('+', '_')}"
    summary = xcom_values(run, "return_value")["push"]
    assert summary["report_path"] == f"{local_location(base, form)}/{run_folder}/push-try1.jsonl"
    lines = (base / run_folder / "push-try1.jsonl").read_text().splitlines()
    assert [json.loads(line)["index"] for line in lines] == [0, 1]


@pytest.mark.parametrize(("key", "body"), [("in/leads.csv", LEADS_CSV), ("in/leads.jsonl", leads_jsonl())])
def test_a_lead_file_on_s3_lands_and_its_report_goes_to_s3(sandbox, connect, object_store, key, body):
    source = object_store.put(key, body)
    report = object_store.uri("reports/push.jsonl")
    summary = push(
        connect(), source_path=source, report_path=report, storage_conn_id=object_store.conn_id
    ).execute({})
    assert (summary["total"], summary["rejected"]) == (3, 2)
    assert summary_counts(summary) == landed_counts(sandbox, inserted=1)
    assert summary["report_path"] == report
    assert list(stored(sandbox)) == ["5511900000001"]
    assert stored(sandbox)["5511900000001"]["name"] == "Ana"
    lines = [json.loads(line) for line in object_store.text("reports/push.jsonl").splitlines()]
    assert [line["index"] for line in lines] == [0, 1, 2]  # one line per record, in input order
    assert [line["outcome"] for line in lines][1:] == ["rejected", "rejected"]
    assert "emailid" in lines[1]["reason"] and "mobilenumber" in lines[2]["reason"]
    assert lines[0]["key"] == "5511900000001" and lines[0]["request_id"] == summary["request_ids"][0]


def test_a_downstream_task_opens_the_report_with_object_storage_path(sandbox, connect, object_store):
    from airflow.sdk import ObjectStoragePath

    source = object_store.put("leads.csv", LEADS_CSV)
    report = object_store.uri("report.jsonl")
    push(connect(), source_path=source, report_path=report, storage_conn_id=object_store.conn_id).execute({})
    with ObjectStoragePath(report, conn_id=object_store.conn_id).open("r") as opened:
        if OPENED_OBJECT_STORAGE_FILES_ITERATE:
            lines = list(opened)
        else:  # Airflow 3.0: its file wrapper cannot be iterated; readlines() reads it (README)
            with pytest.raises(TypeError, match="not subscriptable"):
                list(opened)
            lines = opened.readlines()
    outcomes = [json.loads(line)["outcome"] for line in lines]
    assert len(outcomes) == 3 and outcomes.count("rejected") == 2


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("s3://{bucket}/missing.csv", "FileNotFoundError"),
        ("s3://no-such-bucket-4821/leads.csv", "FileNotFoundError: The specified bucket does not exist"),
    ],
    ids=["missing object", "wrong bucket"],
)
def test_a_source_that_cannot_be_read_fails_naming_it_and_sends_nothing(
    sandbox, connect, object_store, tmp_path, uri, reason
):
    object_store.put("leads.csv", LEADS_CSV)
    source = uri.format(bucket=object_store.bucket)
    operator = push(
        connect(),
        source_path=source,
        report_path=str(tmp_path / "r.jsonl"),
        storage_conn_id=object_store.conn_id,
    )
    with pytest.raises(JodoObjectStorageError) as raised:
        operator.execute({})
    assert str(raised.value).startswith(f"source_path={source!r} cannot be read: {reason}")
    assert stored(sandbox) == {}
    assert not (tmp_path / "r.jsonl").exists()


def test_a_report_that_cannot_be_written_fails_naming_report_path(sandbox, connect, object_store):
    source = object_store.put("leads.csv", LEADS_CSV)
    report = "s3://no-such-bucket-4821/report.jsonl"
    operator = push(connect(), source_path=source, report_path=report, storage_conn_id=object_store.conn_id)
    with pytest.raises(JodoObjectStorageError, match=f"^report_path={report!r} cannot be written: "):
        operator.execute({})
    assert list(stored(sandbox)) == ["5511900000001"]  # the push itself went through


def test_in_a_dag_run_a_templated_source_and_the_default_report_under_report_base(
    airflow_db, sandbox, connect, object_store, monkeypatch
):
    from airflow.sdk import DAG

    object_store.put("exports/leads-nightly.csv", LEADS_CSV)
    base = object_store.uri("jodo-reports/")
    monkeypatch.setenv("AIRFLOW__JODO__REPORT_BASE", base)
    monkeypatch.setenv("AIRFLOW__JODO__REPORT_CONN_ID", object_store.conn_id)
    with DAG(
        dag_id="jodo_object_storage_test",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1),
        params={"name": "leads-nightly"},
    ) as dag:
        push(
            connect(),
            source_path=f"s3://{object_store.bucket}/exports/{{{{ params.name }}}}.csv",
            storage_conn_id=object_store.conn_id,
            retries=0,
        )
    run = run_dag(dag)
    assert run.get_task_instance("push").state == "success"
    summary = xcom_values(run, "return_value")["push"]
    safe_run_id = run.run_id.replace(":", "_").replace("+", "_")
    expected = f"{base}jodo_object_storage_test/{safe_run_id}/push-try1.jsonl"
    assert summary["report_path"] == expected and ":" not in expected.split("://", 1)[1]
    key = expected.split(f"s3://{object_store.bucket}/", 1)[1]
    assert object_store.keys("jodo-reports/") == [key]
    assert [json.loads(line)["index"] for line in object_store.text(key).splitlines()] == [0, 1, 2]
    assert list(stored(sandbox)) == ["5511900000001"]


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
