"""Lead hygiene in the three operators that send records, against the sandbox: phone numbers
written many ways land as one E.164 number, invalid ones are rejected with the library's reason,
every record the step touches is counted (summary, asset event) and reported; with the step
off, summaries keep exactly the keys they had. With `skip_unchanged`, a second run of the same
input sends nothing, a changed record alone is sent, and a failed run leaves the state as it was."""

import csv
import json
import logging
import sqlite3
from collections import defaultdict
from pathlib import Path

import pendulum
import pytest
from airflow.sdk import DAG
from openlineage.client.serde import Serde

from airflow_provider_jodo.compat.airflow import AirflowFailException, AirflowSkipException, TaskDeferred
from airflow_provider_jodo.exceptions import JodoError, JodoNothingLoadedError
from airflow_provider_jodo.loading import hygiene as hygiene_module
from airflow_provider_jodo.loading.hygiene import UNCHANGED_REASON, HygieneSettings
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator
from airflow_provider_jodo.operators.stage import STAGING_XCOM_KEY, JodoStageAndImportOperator
from jodo_sandbox import Fault, JodoSandbox
from tests.support.airflow_runs import run_trigger
from tests.support.file_servers import ftp_file_server
from tests.support.task_context import task_context

CAMPAIGN = 1
EXAMPLE_DAGS = Path(__file__).resolve().parents[3] / "example_dags"
ASHA_WRITTEN = ["+91 98000 00001", "098000 00001", "98000 00001"]
"""One person's number as three sources write it."""


def lead(mobile, name):
    return {"name": name, "mobilenumber": mobile, "emailid": f"{name.lower()}@example.com"}


class OutletEvents(defaultdict):
    """The task runner's `outlet_events` as far as an import uses it: each alias's events' extras."""

    def __init__(self):
        super().__init__(lambda: self._Events())

    class _Events(list):
        def add(self, asset, extra):
            self.append(extra)


def push(hook, tmp_path, **kwargs):
    """Run a ProcessData push; return its summary, its report's lines, its asset event's extra and
    its OpenLineage output statistics."""
    events = OutletEvents()
    operator = JodoImportProcessDataOperator(
        task_id="push",
        jodo_conn_id=hook.jodo_conn_id,
        media=12,
        update_key="mobilenumber",
        report_path=str(tmp_path / "report.jsonl"),
        **kwargs,
    )
    summary = operator.execute({"outlet_events": events})
    report = [json.loads(line) for line in (tmp_path / "report.jsonl").read_text().splitlines()]
    [extra] = [extra for extras in events.values() for extra in extras]
    [output] = operator.get_openlineage_facets_on_complete(None).outputs
    return summary, report, extra, Serde.to_dict(output.outputFacets["outputStatistics"])


def stored_numbers(sandbox):
    return sorted(c["mobilenumber"] for c in sandbox.store.process_customers("VoiceProcess"))


def test_one_number_written_three_ways_lands_as_one_customer_and_a_bad_one_is_reported(
    sandbox, connect, tmp_path
):
    records = [lead(written, f"Asha{i}") for i, written in enumerate(ASHA_WRITTEN)]
    records += [lead("919812345678", "Ravi"), lead("123", "Short")]
    summary, report, extra, statistics = push(connect(), tmp_path, records=records, phone_region="IN")
    assert stored_numbers(sandbox) == ["919800000001", "919812345678"]
    assert (summary["total"], summary["rejected"]) == (5, 1)
    assert (summary["phone_normalised"], summary["phone_invalid"]) == (3, 0 + 1)
    assert {name: extra[name] for name in ("phone_normalised", "phone_invalid")} == {
        "phone_normalised": 3,
        "phone_invalid": 1,
    }
    assert statistics["rowCount"] == 4
    assert (statistics["phone_normalised"], statistics["phone_invalid"]) == (3, 1)
    assert report[0]["key"] == "919800000001"
    assert report[0]["reason"] == "phone numbers normalised from mobilenumber '+91 98000 00001'"
    assert report[3]["reason"] is None  # already in the platform's form: untouched
    assert report[4] == {
        "index": 4,
        "key": "123",  # the text the input had
        "outcome": "rejected",
        "reason": "mobilenumber is not a phone number of region IN: too short",
        "request_id": None,
    }


def test_with_phone_plus_the_numbers_keep_their_plus(sandbox, connect, tmp_path):
    hook = connect(extra={"phone_plus": True})
    push(hook, tmp_path, records=[lead("098000 00001", "Asha")], phone_region="IN")
    assert stored_numbers(sandbox) == ["+919800000001"]


def test_named_phone_fields_are_normalised_too_and_fail_mode_names_the_record_not_the_number(
    sandbox, connect, tmp_path
):
    records = [{**lead("919800000001", "Asha"), "extrafield2": "098123 45678"}]
    push(connect(), tmp_path, records=records, phone_region="IN", phone_fields=["extrafield2"])
    [customer] = sandbox.store.process_customers("VoiceProcess")
    assert customer["extrafield2"] == "919812345678"
    bad = [lead("919800000002", "Bo"), {**lead("919800000003", "Cy"), "extrafield2": "12ab"}]
    with pytest.raises(AirflowFailException) as failure:
        push(
            connect(),
            tmp_path,
            records=bad,
            phone_region="IN",
            phone_fields=["extrafield2"],
            on_invalid="fail",
        )
    assert str(failure.value) == (
        "records[1] is invalid: extrafield2 is not a phone number of region IN: not a number; "
        "nothing was sent"
    )
    assert stored_numbers(sandbox) == ["919800000001"]


def test_with_the_step_off_numbers_go_as_they_are_and_the_summary_has_its_old_keys(
    sandbox, connect, tmp_path
):
    records = [lead("098000 00001", "Asha"), lead("919812345678", "Ravi")]
    summary, report, extra, statistics = push(connect(), tmp_path, records=records)
    assert stored_numbers(sandbox) == ["919812345678"]  # the other is not 3 to 16 digits
    assert set(summary) == {
        "request_ids",
        "total",
        "inserted",
        "updated",
        "accepted",
        "skipped",
        "rejected",
        "report_path",
    }
    assert "phone_normalised" not in extra and report[0]["outcome"] == "rejected"
    assert "phone_normalised" not in statistics


def test_cji_records_normalise_the_dial_list_number(sandbox, connect):
    events = OutletEvents()
    records = [{"name": f"Asha{i}", "phone1": written} for i, written in enumerate(ASHA_WRITTEN)]
    records.append({"name": "Nobody", "phone1": "+999 1234 5678"})
    operator = JodoImportCJIRecordsOperator(
        task_id="import",
        campaign_id=CAMPAIGN,
        jodo_conn_id=connect().jodo_conn_id,
        records=records,
        phone_field="phone1",
        duplicate_way="update",
        phone_region="IN",
    )
    summary = operator.execute({**task_context(), "outlet_events": events})
    assert sorted(c["phone1"] for c in sandbox.store.campaign_customers(CAMPAIGN)) == ["919800000001"]
    assert (summary["inserted"], summary["rejected"]) == (1, 1)
    assert (summary["phone_normalised"], summary["phone_invalid"]) == (3, 1)
    assert summary["rejections"] == [
        {"index": 3, "reason": "phone1 is not a phone number of region IN: invalid country code"}
    ]
    [[extra]] = events.values()
    assert (extra["phone_normalised"], extra["phone_invalid"]) == (3, 1)


@pytest.fixture
def ftp(tmp_path, monkeypatch):
    """A writable FTP server as Airflow connection `ftp_stage`; yields its directory."""
    directory = tmp_path / "ftp"
    directory.mkdir()
    with ftp_file_server(directory, "stager", "ftp-pass-4", writable=True) as base:
        conn = {"conn_type": "ftp", "host": "127.0.0.1", "port": int(base.rsplit(":", 1)[1])}
        monkeypatch.setenv(
            "AIRFLOW_CONN_FTP_STAGE", json.dumps({**conn, "login": "stager", "password": "ftp-pass-4"})
        )
        yield directory


def test_the_stage_operator_stages_normalised_numbers_and_leaves_invalid_ones_out(sandbox, connect, ftp):
    records = [
        {"name": "Asha", "phone1": "098000 00001"},
        {"name": "Ravi", "phone1": "+91 98123 45678", "alt": "0"},
    ]
    records.append({"name": "Nobody", "phone1": "123"})
    ctx = task_context()
    JodoStageAndImportOperator(
        task_id="stage",
        campaign_id=CAMPAIGN,
        jodo_conn_id=connect().jodo_conn_id,
        ftp_conn_id="ftp_stage",
        remote_path="leads.csv",
        records=records,
        columns=["name", "phone1", "alt"],
        phone_field="phone1",
        phone_region="IN",
        wait_for_completion=False,
    ).execute(ctx)
    assert list(csv.reader((ftp / "leads.csv").open())) == [
        ["name", "phone1", "alt"],
        ["Asha", "919800000001", ""],
        ["Ravi", "919812345678", "0"],
    ]
    staging = ctx["ti"].xcom[STAGING_XCOM_KEY]
    assert {
        name: staging[name] for name in ("total", "staged", "rejected", "phone_normalised", "phone_invalid")
    } == {
        "total": 3,
        "staged": 2,
        "rejected": 1,
        "phone_normalised": 2,
        "phone_invalid": 1,
    }
    assert staging["rejections"] == [
        {"index": 2, "reason": "phone1 is not a phone number of region IN: too short"}
    ]


def test_the_stage_operators_counts_reach_its_asset_event_and_lineage_after_a_wait_or_a_deferral(
    sandbox, connect, ftp
):
    records = [{"name": "Asha", "phone1": "098000 00001"}, {"name": "Nobody", "phone1": "123"}]
    arguments = {
        "task_id": "stage",
        "campaign_id": CAMPAIGN,
        "jodo_conn_id": connect().jodo_conn_id,
        "ftp_conn_id": "ftp_stage",
        "records": records,
        "columns": ["name", "phone1"],
        "phone_field": "phone1",
        "phone_region": "IN",
        "poll_interval": 0.05,
    }
    counts = {"phone_normalised": 1, "phone_invalid": 1}
    events = OutletEvents()
    waited = JodoStageAndImportOperator(remote_path="waited.csv", **arguments)
    waited.execute({**task_context(), "outlet_events": events})
    [[extra]] = events.values()
    assert {name: extra[name] for name in counts} == counts and extra["inserted"] == 1
    [output] = waited.get_openlineage_facets_on_complete(None).outputs
    statistics = Serde.to_dict(output.outputFacets["outputStatistics"])
    assert {name: statistics[name] for name in ("rowCount", *counts)} == {"rowCount": 1, **counts}

    # Resumed after the trigger, the operator is a new one: the counts come from XCom `staging`.
    ctx = task_context()
    deferred_arguments = {**arguments, "deferrable": True, "exetime": "PT3S"}
    with pytest.raises(TaskDeferred) as deferred:
        JodoStageAndImportOperator(remote_path="deferred.csv", **deferred_arguments).execute(ctx)
    [event] = run_trigger(deferred.value.trigger)
    events = OutletEvents()
    resumed = JodoStageAndImportOperator(remote_path="deferred.csv", **deferred_arguments)
    resumed.execute_complete({**ctx, "outlet_events": events}, event)
    [[extra]] = events.values()
    assert {name: extra[name] for name in counts} == counts


def test_by_default_a_repeated_key_is_sent_and_reported_naming_the_row_it_replaced(
    sandbox, connect, tmp_path
):
    records = [lead("919800000001", "Asha"), lead("919812345678", "Ravi"), lead("919800000001", "Asha K")]
    summary, report, extra, _ = push(connect(), tmp_path, records=records)
    assert [c["name"] for c in sandbox.store.process_customers("VoiceProcess")] == ["Asha K", "Ravi"]
    assert (summary["duplicate_in_input"], extra["duplicate_in_input"]) == (1, 1)
    assert report[2]["reason"] == "duplicate in input: replaces records[0] (on_duplicate_in_input='last')"


def test_the_key_is_judged_normalised_and_first_keeps_the_first_row(sandbox, connect, tmp_path):
    records = [lead(written, f"Asha{i}") for i, written in enumerate(ASHA_WRITTEN)]
    summary, report, _, statistics = push(
        connect(), tmp_path, records=records, phone_region="IN", on_duplicate_in_input="first"
    )
    [customer] = sandbox.store.process_customers("VoiceProcess")
    assert customer["name"] == "Asha0"
    assert (summary["skipped"], summary["duplicate_in_input"], summary["phone_normalised"]) == (2, 2, 1)
    assert statistics["duplicate_in_input"] == 2
    assert report[1] == {
        "index": 1,
        "key": "919800000001",
        "outcome": "skipped",
        "reason": "duplicate in input: records[0] won (on_duplicate_in_input='first')",
        "request_id": None,
    }


def test_reject_rejects_the_later_rows_and_with_on_invalid_fail_sends_nothing(sandbox, connect, tmp_path):
    records = [lead("919800000001", "Asha"), lead("919800000001", "Asha K")]
    summary, report, _, _ = push(connect(), tmp_path, records=records, on_duplicate_in_input="reject")
    assert (summary["inserted"] + summary["accepted"], summary["rejected"]) == (1, 1)
    assert report[1]["reason"] == "duplicate in input of records[0] (on_duplicate_in_input='reject')"
    with pytest.raises(
        AirflowFailException, match=r"records\[1\] is invalid: duplicate in input of records\[0\]"
    ):
        push(connect(), tmp_path, records=records, on_duplicate_in_input="reject", on_invalid="fail")


def test_cji_records_judge_duplicates_on_the_dial_list_number(sandbox, connect):
    records = [{"name": f"Asha{i}", "phone1": written} for i, written in enumerate(ASHA_WRITTEN)]
    operator = JodoImportCJIRecordsOperator(
        task_id="import",
        campaign_id=CAMPAIGN,
        jodo_conn_id=connect().jodo_conn_id,
        records=records,
        phone_field="phone1",
        phone_region="IN",
        on_duplicate_in_input="reject",
    )
    summary = operator.execute(task_context())
    assert [c["name"] for c in sandbox.store.campaign_customers(CAMPAIGN)] == ["Asha0"]
    assert (summary["inserted"], summary["rejected"], summary["duplicate_in_input"]) == (1, 2, 2)
    assert summary["rejections"][0] == {
        "index": 1,
        "reason": "duplicate in input of records[0] (on_duplicate_in_input='reject')",
    }


def test_first_or_reject_without_a_dial_list_fails_when_the_dag_is_parsed(connect):
    with pytest.raises(
        ValueError, match="on_duplicate_in_input='first' judges records by the dial list's number"
    ):
        JodoImportCJIRecordsOperator(
            task_id="import", campaign_id=CAMPAIGN, records=[], on_duplicate_in_input="first"
        )


def test_the_stage_operator_leaves_later_duplicates_out_with_first(sandbox, connect, ftp):
    records = [{"name": f"Asha{i}", "phone1": written} for i, written in enumerate(ASHA_WRITTEN)]
    ctx = task_context()
    JodoStageAndImportOperator(
        task_id="stage",
        campaign_id=CAMPAIGN,
        jodo_conn_id=connect().jodo_conn_id,
        ftp_conn_id="ftp_stage",
        remote_path="leads.csv",
        records=records,
        columns=["name", "phone1"],
        phone_field="phone1",
        phone_region="IN",
        on_duplicate_in_input="first",
        wait_for_completion=False,
    ).execute(ctx)
    assert list(csv.reader((ftp / "leads.csv").open())) == [["name", "phone1"], ["Asha0", "919800000001"]]
    staging = ctx["ti"].xcom[STAGING_XCOM_KEY]
    counts = ("total", "staged", "skipped", "rejected", "duplicate_in_input")
    assert {name: staging[name] for name in counts} == dict(zip(counts, (3, 1, 2, 0, 2), strict=True))


def test_numbers_on_the_do_not_call_list_are_never_sent_in_any_operator(sandbox, connect, ftp, tmp_path):
    dnc = tmp_path / "dnc.csv"
    dnc.write_text("\ufeffmsisdn,source\n+91 98123 45678,ncpr\n\n0987 654 3210,opt-out\n", encoding="utf-8")
    records = [lead("098000 00001", "Asha"), lead("+919812345678", "Ravi"), lead("9876543210", "Mei")]
    summary, report, extra, statistics = push(
        connect(),
        tmp_path,
        records=records,
        phone_region="IN",
        suppression_path=str(dnc),
        suppression_column="msisdn",
    )
    assert stored_numbers(sandbox) == ["919800000001"]
    assert (summary["skipped"], summary["suppressed"], extra["suppressed"], statistics["suppressed"]) == (
        2,
        2,
        2,
        2,
    )
    assert [line["outcome"] for line in report] == [report[0]["outcome"], "skipped", "skipped"]
    assert (
        report[1]["reason"] == "on the do-not-call list (suppression_path)"
        and report[1]["request_id"] is None
    )

    cji = JodoImportCJIRecordsOperator(
        task_id="import",
        campaign_id=CAMPAIGN,
        jodo_conn_id=connect().jodo_conn_id,
        records=[{"name": "Ravi", "phone1": "98123 45678"}, {"name": "Bo", "phone1": "98000 00002"}],
        phone_field="phone1",
        phone_region="IN",
        suppression_path=str(dnc),
        suppression_column="msisdn",
    ).execute(task_context())
    assert (cji["inserted"], cji["skipped"], cji["suppressed"], cji["rejections"]) == (1, 1, 1, [])
    assert [c["phone1"] for c in sandbox.store.campaign_customers(CAMPAIGN)] == ["919800000002"]

    ctx = task_context()
    JodoStageAndImportOperator(
        task_id="stage",
        campaign_id=CAMPAIGN,
        jodo_conn_id=connect().jodo_conn_id,
        ftp_conn_id="ftp_stage",
        remote_path="leads.csv",
        records=[{"name": "Mei", "phone1": "+91 98765 43210"}, {"name": "Cy", "phone1": "98000 00003"}],
        columns=["name", "phone1"],
        phone_field="phone1",
        phone_region="IN",
        suppression_path=str(dnc),
        suppression_column="msisdn",
        wait_for_completion=False,
    ).execute(ctx)
    assert list(csv.reader((ftp / "leads.csv").open())) == [["name", "phone1"], ["Cy", "919800000003"]]
    staging = ctx["ti"].xcom[STAGING_XCOM_KEY]
    assert (staging["total"], staging["staged"], staging["skipped"], staging["suppressed"]) == (2, 1, 1, 1)


def test_a_bad_line_of_the_list_fails_before_anything_is_sent(sandbox, connect, tmp_path):
    dnc = tmp_path / "dnc.txt"
    dnc.write_text("+919812345678\n12ab\n")
    with pytest.raises(
        ValueError, match=r"^suppression_path line 2: not a phone number of region IN: not a number"
    ):
        push(
            connect(),
            tmp_path,
            records=[lead("919800000001", "Asha")],
            phone_region="IN",
            suppression_path=str(dnc),
        )
    assert stored_numbers(sandbox) == []


def test_the_lead_hygiene_example_dag_lands_two_customers_and_accounts_for_every_row(airflow_db, monkeypatch):
    from tests.support.airflow_versions import DagBag

    dag_bag = DagBag(dag_folder=str(EXAMPLE_DAGS / "jodo_lead_hygiene.py"))
    assert dag_bag.import_errors == {}
    with JodoSandbox() as sandbox:
        monkeypatch.setenv("AIRFLOW_CONN_JODO_DEFAULT", json.dumps(sandbox.connection_dict()))
        run = dag_bag.get_dag("jodo_lead_hygiene").test()
        assert run.state == "success"
        customers = {c["mobilenumber"]: c["name"] for c in sandbox.store.process_customers("VoiceProcess")}
    # The first of Asha's three rows won; the opted-out and the too-short numbers never went out.
    assert customers == {"919800000001": "Asha Rao", "919812345678": "Ravi Kumar"}


def test_a_run_whose_every_record_is_on_the_list_lands_nothing_and_fails(sandbox, connect, tmp_path):
    dnc = tmp_path / "dnc.txt"
    dnc.write_text("+919800000001\n")
    with pytest.raises(JodoNothingLoadedError, match="0 of 1 records landed"):
        push(
            connect(),
            tmp_path,
            records=[lead("098000 00001", "Asha")],
            phone_region="IN",
            suppression_path=str(dnc),
        )
    assert stored_numbers(sandbox) == []


def test_a_second_run_sends_nothing_and_a_changed_record_alone_is_sent(sandbox, connect, tmp_path):
    state = tmp_path / "state" / "process.state"
    records = [lead("098000 00001", "Asha"), lead("919812345678", "Ravi"), lead("919876543210", "Mei")]
    options = {"phone_region": "IN", "skip_unchanged": True, "state_path": str(state)}
    hook = connect()
    first, *_ = push(hook, tmp_path, records=records, **options)
    assert (first["unchanged"], len(first["request_ids"])) == (0, 1) and state.exists()

    summary, report, extra, statistics = push(hook, tmp_path, records=records, **options)
    assert (summary["total"], summary["skipped"], summary["unchanged"], summary["request_ids"]) == (
        3,
        3,
        3,
        [],
    )
    assert (extra["unchanged"], extra["requests"], statistics["unchanged"]) == (3, 0, 3)
    assert [line["outcome"] for line in report] == ["skipped"] * 3
    assert report[0]["reason"] == UNCHANGED_REASON and report[0]["key"] == "919800000001"

    records[1] = lead("+91 98123 45678", "Ravi Kumar")
    summary, report, *_ = push(hook, tmp_path, records=records, **options)
    assert (summary["unchanged"], len(summary["request_ids"])) == (2, 1)
    assert [line["outcome"] for line in report][::2] == ["skipped", "skipped"]
    assert report[1]["outcome"] in ("updated", "accepted")  # accepted: the documented platform's answer
    names = {c["mobilenumber"]: c["name"] for c in sandbox.store.process_customers("VoiceProcess")}
    assert names["919812345678"] == "Ravi Kumar"


def test_a_forced_run_sends_everything_and_refreshes_the_state(sandbox, connect, tmp_path):
    state = tmp_path / "process.state"
    records = [lead("919800000001", "Asha"), lead("919812345678", "Ravi")]
    hook = connect()
    push(hook, tmp_path, records=records, skip_unchanged=True, state_path=str(state))
    records[0] = lead("919800000001", "Asha Rao")
    forced, *_ = push(hook, tmp_path, records=records, skip_unchanged=False, state_path=str(state))
    assert (forced["unchanged"], forced["total"] - forced["skipped"]) == (0, 2)
    again, *_ = push(hook, tmp_path, records=records, skip_unchanged=True, state_path=str(state))
    assert again["unchanged"] == 2  # the forced run wrote Asha Rao's digest


def test_a_run_the_platform_fails_mid_way_leaves_the_state_as_it_was(sandbox, connect, tmp_path):
    state = tmp_path / "process.state"
    records = [lead(f"9198000000{n:02d}", f"Lead {n}") for n in range(4)]
    options = {"skip_unchanged": True, "state_path": str(state), "batch_size": 2}
    hook = connect(extra={"max_retries": 0})
    push(hook, tmp_path, records=records, **options)
    before = state.read_bytes()
    moved = [{**record, "name": record["name"] + " moved"} for record in records]
    sandbox.faults.script(None, Fault.SERVER_ERROR)  # the first batch lands, then the platform is down
    with pytest.raises(JodoError):
        push(hook, tmp_path, records=moved, **options)
    assert state.read_bytes() == before
    assert sum(c["name"].endswith("moved") for c in sandbox.store.process_customers("VoiceProcess")) == 2
    # The batch that landed is not taken for sent: the next run sends all four again.
    summary, *_ = push(hook, tmp_path, records=moved, **options)
    assert (summary["unchanged"], len(summary["request_ids"])) == (0, 2)


def test_a_damaged_state_is_ignored_with_a_warning_and_everything_is_sent(sandbox, connect, tmp_path, capsys):
    state = tmp_path / "process.state"
    records = [lead("919800000001", "Asha")]
    hook = connect()
    push(hook, tmp_path, records=records, skip_unchanged=True, state_path=str(state))
    state.write_bytes(state.read_bytes()[:-10])  # cut short
    summary, *_ = push(hook, tmp_path, records=records, skip_unchanged=True, state_path=str(state))
    assert (summary["unchanged"], len(summary["request_ids"])) == (0, 1)
    task_log = capsys.readouterr().out  # the operator's logger writes there
    assert "Ignoring state_path=" in task_log and "cut short" in task_log
    again, *_ = push(hook, tmp_path, records=records, skip_unchanged=True, state_path=str(state))
    assert again["unchanged"] == 1  # the run wrote a whole state again


def test_the_state_lives_on_object_storage_too(sandbox, connect, tmp_path, object_store):
    location = object_store.uri("state/process.state")
    records = [lead("919800000001", "Asha")]
    options = {"skip_unchanged": True, "state_path": location, "storage_conn_id": object_store.conn_id}
    hook = connect()
    push(hook, tmp_path, records=records, **options)
    assert object_store.keys("state/") == ["state/process.state"]
    summary, *_ = push(hook, tmp_path, records=records, **options)
    assert (summary["unchanged"], summary["request_ids"]) == (1, [])


def test_skip_unchanged_without_a_state_path_fails_when_the_dag_is_parsed():
    with pytest.raises(ValueError, match="skip_unchanged=True needs state_path"):
        JodoImportProcessDataOperator(
            task_id="push", media=12, update_key="mobilenumber", records=[], skip_unchanged=True
        )


def test_cji_records_skip_unchanged_numbers_and_send_a_changed_one(sandbox, connect, tmp_path):
    state = tmp_path / "campaign.state"

    def import_records(records):
        return JodoImportCJIRecordsOperator(
            task_id="import",
            campaign_id=CAMPAIGN,
            jodo_conn_id=connect().jodo_conn_id,
            records=records,
            phone_field="phone1",
            duplicate_way="update",
            phone_region="IN",
            skip_unchanged=True,
            state_path=str(state),
        ).execute(task_context())

    records = [{"name": "Asha", "phone1": "098000 00001"}, {"name": "Ravi", "phone1": "98123 45678"}]
    assert import_records(records)["inserted"] == 2
    unchanged = import_records([dict(reversed(record.items())) for record in records])  # field order
    assert {name: unchanged[name] for name in ("inserted", "updated", "skipped", "unchanged")} == {
        "inserted": 0,
        "updated": 0,
        "skipped": 2,
        "unchanged": 2,
    }
    records[0] = {"name": "Asha Rao", "phone1": "+91 98000 00001"}
    changed = import_records(records)
    assert (changed["updated"], changed["unchanged"], changed["rejections"]) == (1, 1, [])
    names = {c["phone1"]: c["name"] for c in sandbox.store.campaign_customers(CAMPAIGN)}
    assert names == {"919800000001": "Asha Rao", "919812345678": "Ravi"}


def test_the_stage_operator_stages_changed_records_only_once_its_job_succeeded(
    sandbox, connect, ftp, tmp_path
):
    state = tmp_path / "campaign.state"

    def stage(records, remote_path, ctx=None):
        return JodoStageAndImportOperator(
            task_id="stage",
            campaign_id=CAMPAIGN,
            jodo_conn_id=connect().jodo_conn_id,
            ftp_conn_id="ftp_stage",
            remote_path=remote_path,
            records=records,
            columns=["name", "phone1"],
            phone_field="phone1",
            duplicate_way="update",
            poll_interval=0.05,
            skip_unchanged=True,
            state_path=str(state),
        ).execute(ctx or task_context())

    records = [{"name": "Asha", "phone1": "919800000001"}, {"name": "Ravi", "phone1": "919812345678"}]
    assert stage(records, "day1.csv")["inserted"] == 2
    assert state.exists() and [p.name for p in tmp_path.glob("campaign.state*")] == ["campaign.state"]
    ctx = task_context()
    with pytest.raises(
        AirflowSkipException, match="nothing to import: 2 records unchanged since the last successful run"
    ):
        stage(records, "day2.csv", ctx)
    assert not (ftp / "day2.csv").exists()
    staging = ctx["ti"].xcom[STAGING_XCOM_KEY]
    assert (staging["total"], staging["staged"], staging["skipped"], staging["unchanged"]) == (2, 0, 2, 2)
    records[1] = {"name": "Ravi Kumar", "phone1": "919812345678"}
    assert stage(records, "day3.csv")["updated"] == 1
    assert list(csv.reader((ftp / "day3.csv").open())) == [["name", "phone1"], ["Ravi Kumar", "919812345678"]]
    with pytest.raises(ValueError, match="state_path needs wait_for_completion=True"):
        JodoStageAndImportOperator(
            task_id="stage",
            campaign_id=CAMPAIGN,
            records=records,
            columns=["name", "phone1"],
            phone_field="phone1",
            state_path=str(state),
            wait_for_completion=False,
        )


@pytest.fixture
def dnc_database(tmp_path, monkeypatch):
    """A SQLite database as Airflow connection `dnc`; yields a function that fills its table `dnc`
    (column `msisdn`, no type: values keep theirs)."""
    database = tmp_path / "dnc.db"
    monkeypatch.setenv("AIRFLOW_CONN_DNC", json.dumps({"conn_type": "sqlite", "host": str(database)}))

    def fill(*values):
        with sqlite3.connect(database) as db:
            db.execute("CREATE TABLE IF NOT EXISTS dnc (msisdn)")
            db.execute("CREATE TABLE IF NOT EXISTS opt_outs (msisdn INTEGER)")
            db.executemany("INSERT INTO dnc VALUES (?)", [(value,) for value in values])
        db.close()
        return database

    return fill


DNC_WRITTEN = [
    None,
    "",
    "   ",
    "+91 98123 45678",
    "098765 43210",
    919800000002,
    919800000003.0,
    "+919800000004",
]
"""A do-not-call table as the hostile world fills it: NULLs, blanks, numbers in many forms,
integers and a whole float where a number column met a spreadsheet."""


def list_of(sql, conn_id="dnc"):
    settings = HygieneSettings.from_arguments(
        phone_region="IN",
        phone_fields=None,
        on_duplicate_in_input="last",
        suppression_path=None,
        suppression_column=None,
        suppression_sql=sql,
        suppression_conn_id=conn_id,
        skip_unchanged=False,
        state_path=None,
    )
    return settings.lead_hygiene(
        ("mobilenumber",),
        lambda: False,
        suppression_path=None,
        suppression_sql=sql,
        storage_conn_id=None,
        state_path=None,
        log=logging.getLogger(__name__),
    ).suppression


def test_a_list_in_a_database_is_streamed_normalised_and_its_nulls_and_blanks_skipped(
    sandbox, connect, tmp_path, dnc_database, monkeypatch
):
    monkeypatch.setattr(hygiene_module, "_SUPPRESSION_FETCH_SIZE", 3)  # the rows come in three fetches
    database = dnc_database(*DNC_WRITTEN)
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO opt_outs VALUES (919800000005), ('919800000006')")  # INTEGER affinity
    db.close()
    suppression = list_of("SELECT msisdn FROM dnc UNION ALL SELECT msisdn FROM opt_outs")
    numbers = [919812345678, 919876543210, 919800000002, 919800000003, 919800000004, 919800000005]
    assert len(suppression) == 7 and all(number in suppression for number in [*numbers, 919800000006])

    records = [lead("98123 45678", "Ravi"), lead("+91 98000 00009", "Asha"), lead("919800000005", "Mei")]
    summary, report, extra, statistics = push(
        connect(),
        tmp_path,
        records=records,
        phone_region="IN",
        suppression_sql="SELECT msisdn FROM dnc UNION ALL SELECT msisdn FROM opt_outs",
        suppression_conn_id="dnc",
    )
    assert stored_numbers(sandbox) == ["919800000009"]
    assert (summary["suppressed"], extra["suppressed"], statistics["suppressed"]) == (2, 2, 2)
    assert report[0]["reason"] == "on the do-not-call list (suppression_sql)"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            ["+919800000001", None, "12ab"],
            r"^suppression_sql row 3: not a phone number of region IN: not a number; fix or remove the row",
        ),
        (["+919800000001", b"\x01"], r"^suppression_sql row 2: a bytes value, not a phone number"),
        ([919800000001.5], r"^suppression_sql row 1: a float value, not a phone number"),
    ],
)
def test_a_value_that_is_no_number_fails_naming_its_row_before_anything_is_sent(
    sandbox, connect, tmp_path, dnc_database, values, message
):
    dnc_database(*values)
    with pytest.raises(ValueError, match=message) as failure:
        push(
            connect(),
            tmp_path,
            records=[lead("919800000002", "Asha")],
            phone_region="IN",
            suppression_sql="SELECT msisdn FROM dnc",
            suppression_conn_id="dnc",
        )
    assert "12ab" not in str(failure.value)
    assert stored_numbers(sandbox) == []


def test_a_failing_query_names_suppression_sql_and_the_connection(sandbox, connect, tmp_path, dnc_database):
    dnc_database()
    with pytest.raises(JodoError) as failure:
        push(
            connect(),
            tmp_path,
            records=[lead("919800000002", "Asha")],
            phone_region="IN",
            suppression_sql="SELECT msisdn FROM opt_out",  # a typo: the table is dnc
            suppression_conn_id="dnc",
        )
    assert str(failure.value) == (
        "suppression_sql failed on suppression_conn_id='dnc' before any row: OperationalError: "
        "no such table: opt_out; nothing was sent"
    )
    assert failure.value.__cause__ is None  # the driver's error, which may quote more, is not chained
    assert stored_numbers(sandbox) == []
    with pytest.raises(
        ValueError, match=r"suppression_conn_id='\w+' has a JodoHook, not an Airflow SQL hook"
    ):
        list_of("SELECT 1", connect().jodo_conn_id)


def test_an_empty_result_suppresses_nothing_and_both_a_file_and_a_query_fail_at_parse_time(
    sandbox, connect, tmp_path, dnc_database
):
    dnc_database("+919800000001")
    summary, _, _, _ = push(
        connect(),
        tmp_path,
        records=[lead("098000 00001", "Asha")],
        phone_region="IN",
        suppression_sql="SELECT msisdn FROM dnc WHERE msisdn IS NULL",
        suppression_conn_id="dnc",
    )
    assert stored_numbers(sandbox) == ["919800000001"] and summary["suppressed"] == 0
    for operator, arguments in (
        (JodoImportProcessDataOperator, {"media": 12, "update_key": "mobilenumber"}),
        (JodoImportCJIRecordsOperator, {"campaign_id": CAMPAIGN}),
        (JodoStageAndImportOperator, {"campaign_id": CAMPAIGN, "columns": ["name", "phone1"]}),
    ):
        with pytest.raises(ValueError, match="give one of suppression_path and suppression_sql, not both"):
            operator(
                task_id="both",
                records=[],
                phone_region="IN",
                suppression_path="dnc.txt",
                suppression_sql="SELECT msisdn FROM dnc",
                suppression_conn_id="dnc",
                **arguments,
            )


@pytest.mark.parametrize(
    ("operator", "arguments"),
    [
        (JodoImportProcessDataOperator, {"media": 12, "update_key": "mobilenumber"}),
        (JodoImportCJIRecordsOperator, {"campaign_id": CAMPAIGN}),
        (JodoStageAndImportOperator, {"campaign_id": CAMPAIGN, "columns": ["name", "phone1"]}),
    ],
)
def test_suppression_sql_may_be_a_sql_file_beside_the_dag_rendered_as_a_template(
    tmp_path, operator, arguments
):
    (tmp_path / "opt_outs.sql").write_text("SELECT msisdn FROM opt_outs WHERE list = '{{ params.list }}'")
    with DAG(
        "dnc", schedule=None, start_date=pendulum.datetime(2026, 1, 1), template_searchpath=str(tmp_path)
    ):
        task = operator(
            task_id="clean",
            records=[],
            phone_region="IN",
            suppression_sql="opt_outs.sql",
            suppression_conn_id="dnc",
            **arguments,
        )
    task.render_template_fields({"params": {"list": "ncpr"}})
    assert task.suppression_sql == "SELECT msisdn FROM opt_outs WHERE list = 'ncpr'"
