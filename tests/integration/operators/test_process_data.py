"""JodoImportProcessDataOperator against the sandbox: validation with reasons, batching, files,
column mapping, and a report in which every input record has exactly one line; lead files and
reports on object storage (an S3 double); and a newcomer's mistakes that fail loudly (issue 14:
a column-mapping typo, a run that loads nothing), where a loading rule holds for the importCJI
records operator as well."""

import json
import re

import pendulum
import pytest

from airflow_provider_jodo.compat.airflow import AirflowFailException
from airflow_provider_jodo.exceptions import (
    JodoColumnMappingError,
    JodoNothingLoadedError,
)
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator
from tests.support.lead_file_samples import (
    BIG_CELL_CHARACTERS,
    LEAD_HEADER,
    UNREADABLE_LEAD_FILES,
    lead,
    lead_rows,
    push,
)
from tests.support.sandbox_fixtures import landed_counts, reported, stored, summary_counts
from tests.support.task_context import task_context


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


def cji_records(hook, **kwargs):
    """The importCJI operator of inline records, beside ImportProcessData where a loading rule
    holds for both."""
    return JodoImportCJIRecordsOperator(
        task_id="import", campaign_id=CAMPAIGN, jodo_conn_id=hook.jodo_conn_id, **kwargs
    )


CAMPAIGN = 1


LEADS_HEADER = "Name,Mobile,Email\n"


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
    with pytest.raises(AirflowFailException, match=r"records\[1\] is invalid: mobilenumber is not") as raised:
        run(hook, tmp_path, source_path=str(export), on_invalid="fail")
    assert "'1'" not in str(raised.value)  # a lead's number is personal data: never in an error
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
        "mobilenumber is not 3 to 16 digits (one leading + allowed)), fewer than min_loaded=1; "
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
