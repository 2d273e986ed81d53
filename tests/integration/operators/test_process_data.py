"""JodoImportProcessDataOperator against the sandbox: validation with reasons, batching, files,
column mapping, and a report in which every input record has exactly one line; lead files and
reports on object storage (an S3 double); and a newcomer's mistakes that fail loudly (issue 14:
a column-mapping typo, a run that loads nothing), where a loading rule holds for the importCJI
records operator as well."""

import glob
import json
import os
import re
import tempfile

import pendulum
import pytest

from airflow_provider_jodo.compat.airflow import AirflowFailException
from airflow_provider_jodo.exceptions import (
    JodoColumnMappingError,
    JodoNothingLoadedError,
    JodoObjectStorageError,
)
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator
from tests.support.airflow_runs import run_dag, xcom_values
from tests.support.airflow_versions import OPENED_OBJECT_STORAGE_FILES_ITERATE
from tests.support.lead_file_samples import BIG_CELL_CHARACTERS, LEAD_HEADER, UNREADABLE_LEAD_FILES, lead_rows
from tests.support.sandbox_fixtures import landed_counts, reported, summary_counts
from tests.support.task_context import task_context


def lead(mobile, **fields):
    return {"name": f"Lead {mobile}", "mobilenumber": mobile, "emailid": f"{mobile}@example.com", **fields}


def run(hook, tmp_path, **kwargs):
    operator = JodoImportProcessDataOperator(
        task_id="push",
        jodo_conn_id=hook.jodo_conn_id,
        media=12,
        update_key="mobilenumber",
        report_path=str(tmp_path / "report.jsonl"),
        **kwargs,
    )
    summary = operator.execute({})
    report = [json.loads(line) for line in (tmp_path / "report.jsonl").read_text().splitlines()]
    return summary, report


def stored(sandbox):
    return {c["mobilenumber"]: c for c in sandbox.store.process_customers("VoiceProcess")}


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


def push(hook, **kwargs):
    return JodoImportProcessDataOperator(
        task_id="push", jodo_conn_id=hook.jodo_conn_id, media=12, update_key="mobilenumber", **kwargs
    )


def cji_records(hook, **kwargs):
    """The importCJI operator of inline records, beside ImportProcessData where a loading rule
    holds for both."""
    return JodoImportCJIRecordsOperator(
        task_id="import", campaign_id=CAMPAIGN, jodo_conn_id=hook.jodo_conn_id, **kwargs
    )


def leads_jsonl():
    rows = [
        {"name": "Ana", "mobilenumber": "5511900000001", "emailid": "ana@example.com", "extrafield1": "s3"}
    ]
    rows += [
        {"name": "Bia", "mobilenumber": "5511900000002"},
        {"name": "Cai", "mobilenumber": "12", "emailid": "cai@example.com"},
    ]
    return "".join(json.dumps(row) + "\n" for row in rows)


CAMPAIGN = 1


LEADS_HEADER = "Name,Mobile,Email\n"


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


def test_bad_records_are_rejected_with_reasons_and_the_rest_land_in_batches(sandbox, connect, tmp_path):
    records = [lead(f"91980000000{i}") for i in range(5)]
    records[1] = lead("12")
    records[3] = {"name": "No Mail", "mobilenumber": "919811111111"}
    records.append("not a record")
    records.append(lead("919800000000", name="Updated"))  # same key as records[0]
    summary, report = run(
        connect(), tmp_path, records=records, batch_size=2, call_datetime="2026-11-23T20:00:00+00:00"
    )
    assert (summary["total"], summary["rejected"]) == (7, 3)
    assert summary_counts(summary) == landed_counts(sandbox, inserted=3, updated=1)
    assert len(summary["request_ids"]) == 2
    assert [line["index"] for line in sorted(report, key=lambda line: line["index"])] == list(range(7))
    reasons = {line["index"]: line["reason"] for line in report if line["outcome"] == "rejected"}
    assert "mobilenumber" in reasons[1] and "emailid" in reasons[3] and "not a dict" in reasons[5]
    assert set(stored(sandbox)) == {"919800000000", "919800000002", "919800000004"}
    assert stored(sandbox)["919800000000"]["name"] == "Updated"
    assert stored(sandbox)["919800000002"]["callDateTime"] == "2026-11-23 20:00:00"


def test_a_csv_export_with_column_mapping(sandbox, connect, tmp_path):
    export = tmp_path / "crm.csv"
    export.write_text(
        "full_name,phone,mail,source\nAna,5511987654321,ana@example.com,web\nBia,5511900000002,,fair\n"
    )
    summary, report = run(
        connect(),
        tmp_path,
        source_path=str(export),
        column_mapping={
            "full_name": "name",
            "phone": "mobilenumber",
            "mail": "emailid",
            "source": "extrafield1",
        },
    )
    assert summary["rejected"] == 1 and summary_counts(summary) == landed_counts(sandbox, inserted=1)
    assert stored(sandbox)["5511987654321"]["extrafield1"] == "web"
    assert [line["index"] for line in report] == [0, 1]  # in input order
    assert "emailid" in report[1]["reason"] and report[1]["request_id"] is None  # rejected before sending


def test_json_lines_and_fail_mode_sends_nothing(sandbox, connect, tmp_path):
    export = tmp_path / "leads.jsonl"
    export.write_text(json.dumps(lead("919800000001")) + "\n" + json.dumps(lead("1")) + "\n")
    hook = connect()
    with pytest.raises(AirflowFailException, match=r"records\[1\] is invalid: mobilenumber '1'"):
        run(hook, tmp_path, source_path=str(export), on_invalid="fail")
    assert stored(sandbox) == {}
    summary, _ = run(hook, tmp_path, source_path=str(export))
    assert summary["rejected"] == 1 and summary_counts(summary) == landed_counts(sandbox, inserted=1)


@pytest.mark.parametrize(("name", "content", "message"), UNREADABLE_LEAD_FILES)
def test_a_file_that_cannot_be_read_whole_fails_before_anything_is_sent(
    sandbox, connect, tmp_path, name, content, message
):
    export = tmp_path / name
    export.write_bytes(content)
    with pytest.raises(AirflowFailException, match=re.escape(message) + ".*; nothing was sent$"):
        run(connect(), tmp_path, source_path=str(export), batch_size=2)
    assert stored(sandbox) == {}


def test_a_row_with_more_cells_than_the_header_is_rejected_naming_its_line(sandbox, connect, tmp_path, capfd):
    export = tmp_path / "leads.csv"
    export.write_bytes(
        LEAD_HEADER + b"Ana,919999000001,a@x.com,EXTRA-CELL\n" + b"".join(lead_rows(2)) + b"Di,919999000004\n"
    )
    hook = connect()
    with pytest.raises(
        AirflowFailException,
        match=r"records\[0\] is invalid: line 2 has 4 cells, the header 3; nothing was sent",
    ):
        run(hook, tmp_path, source_path=str(export), on_invalid="fail")
    assert stored(sandbox) == {}
    summary, report = run(hook, tmp_path, source_path=str(export), progress_every_records=2)
    assert (summary["total"], summary["rejected"]) == (4, 2)
    assert summary_counts(summary) == landed_counts(sandbox, inserted=2)
    assert [(line["outcome"], line["reason"]) for line in report] == [
        ("rejected", "line 2 has 4 cells, the header 3"),
        (reported(sandbox, "inserted"), None),
        (reported(sandbox, "inserted"), None),
        ("rejected", "emailid is missing or empty"),  # fewer cells: the missing ones are absent
    ]
    assert set(stored(sandbox)) == {"910000000001", "910000000002"}
    assert "ImportProcessData: 4 of 4 records done (100%)" in capfd.readouterr().out  # counted first


def test_a_cell_of_a_million_and_a_half_characters_lands(sandbox, connect, tmp_path):
    export = tmp_path / "leads.csv"
    export.write_bytes(
        b"name,mobilenumber,emailid,extrafield1\nAna,919999000001,a@x.com," + b"x" * BIG_CELL_CHARACTERS
    )
    summary, _ = run(connect(), tmp_path, source_path=str(export))
    assert summary_counts(summary) == landed_counts(sandbox, inserted=1)
    assert stored(sandbox)["919999000001"]["extrafield1"] == "x" * BIG_CELL_CHARACTERS


def test_naive_call_datetime_is_refused(connect, tmp_path):
    with pytest.raises(ValueError, match=r"call_datetime=.* has no time zone"):
        run(connect(), tmp_path, records=[lead("919800000001")], call_datetime=pendulum.naive(2026, 1, 1))


@pytest.mark.sandbox_latency(0.02)
def test_batches_in_flight_together_are_reported_in_input_order(sandbox, connect, tmp_path, capfd):
    records = [lead(f"9198{i:08d}") for i in range(40)]
    for bad in (0, 13, 39):
        records[bad] = lead(str(bad))  # too short a number
    summary, report = run(
        connect(), tmp_path, records=records, batch_size=3, max_in_flight=4, progress_every_records=10
    )
    assert 1 < sandbox.peak_concurrent_requests <= 4  # answers held 20 ms: requests overlapped
    assert (summary["total"], summary["rejected"]) == (40, 3)
    assert summary_counts(summary) == landed_counts(sandbox, inserted=37)
    assert len(summary["request_ids"]) == 13
    assert [line["index"] for line in report] == list(range(40))
    assert [line["key"] for line in report] == [r["mobilenumber"] for r in records]
    assert [line["index"] for line in report if line["outcome"] == "rejected"] == [0, 13, 39]
    assert set(stored(sandbox)) == {r["mobilenumber"] for r in records} - {"0", "13", "39"}
    log = capfd.readouterr().out
    assert "ImportProcessData: 10 of 40 records done (25%)" in log
    assert "1 rejected so far" in log
    assert "ImportProcessData: all 40 records done in" in log


def test_a_100k_record_file_lands_whole(sandbox, connect, tmp_path):
    export = tmp_path / "leads.csv"
    with export.open("w") as file:
        file.write("name,mobilenumber,emailid,extrafield1\n")
        for i in range(100_000):
            mail = "" if i % 10_000 == 9_999 else f"lead{i}@example.com"  # every 10,000th has none
            file.write(f"Lead {i},91{i:010d},{mail},batch-{i // 500}\n")
    summary, report = run(connect(), tmp_path, source_path=str(export), max_in_flight=2)
    assert (summary["total"], summary["rejected"]) == (100_000, 10)
    assert summary_counts(summary) == landed_counts(sandbox, inserted=99_990)
    assert len(report) == 100_000 and report[-1]["index"] == 99_999
    customers = sandbox.store.process_customers("VoiceProcess")
    expected = {f"91{i:010d}" for i in range(100_000) if i % 10_000 != 9_999}
    assert len(customers) == len(expected)
    assert {c["mobilenumber"] for c in customers} == expected
    assert customers[-1]["extrafield1"] == "batch-199"


@pytest.mark.sandbox_profiles("documented")
def test_without_per_record_outcomes_every_record_sent_is_accepted(sandbox, connect, tmp_path, capfd):
    records = [lead("919800000001"), lead("12"), lead("919800000002"), lead("919800000001", name="Again")]
    summary, report = run(connect(), tmp_path, records=records, batch_size=2, progress_every_records=2)
    assert (summary["total"], summary["accepted"], summary["rejected"]) == (4, 3, 1)
    assert summary["inserted"] == summary["updated"] == 0
    assert [(line["index"], line["outcome"]) for line in report] == [
        (0, "accepted"),
        (1, "rejected"),
        (2, "accepted"),
        (3, "accepted"),
    ]
    assert [line["key"] for line in report] == ["919800000001", "12", "919800000002", "919800000001"]
    assert "mobilenumber" in report[1]["reason"] and report[1]["request_id"] is None
    assert all(line["request_id"] for line in report if line["outcome"] == "accepted")
    assert stored(sandbox)["919800000001"]["name"] == "Again"
    log = capfd.readouterr().out
    assert log.count("The platform has no per-record outcomes in ImportProcessData answers") == 1
    assert "2 accepted (the platform does not say inserted or updated)" in log
    assert "4 records: 0 inserted, 0 updated, 3 accepted, 1 rejected in 2 requests" in log
    assert "3 records accepted: the platform took them without saying whether it inserted or updated" in log


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
