"""The importCJI operator of inline records (`JodoImportCJIRecordsOperator`) against the sandbox:
each record ends with an outcome, calls go concurrently within `max_in_flight`, and a record the
platform or our checks refuse is reported with its reason."""

import re

import pytest

from airflow_provider_jodo.compat.airflow import AirflowFailException
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from tests.support.task_context import task_context

CAMPAIGN = 1


def records_operator(hook, **kwargs):
    return JodoImportCJIRecordsOperator(
        task_id="import", campaign_id=CAMPAIGN, jodo_conn_id=hook.jodo_conn_id, **kwargs
    )


def phones(sandbox):
    return sorted(c["phone1"] for c in sandbox.store.campaign_customers(CAMPAIGN))


def test_data_records_each_end_with_an_outcome(sandbox, connect):
    hook = connect()
    records = [
        {"name": "Ana", "phone1": "5511900000001"},
        {"name": "Ana again", "phone1": "5511900000001"},  # duplicate, default policy: skipped
        {"name": "No phone"},  # required field missing: rejected
        {"name": "a||b", "phone1": "5511900000002"},  # cannot be sent: rejected, never mangled
        "not a record",
        {"name": "Bia", "phone1": "5511900000003"},
    ]
    summary = records_operator(hook, records=records).execute(task_context())
    assert {k: summary[k] for k in ("total", "inserted", "updated", "skipped", "rejected")} == {
        "total": 6,
        "inserted": 2,
        "updated": 0,
        "skipped": 1,
        "rejected": 3,
    }
    assert [r["index"] for r in summary["rejections"]] == [2, 3, 4]
    assert "BackMsg_76" in summary["rejections"][0]["reason"]
    assert phones(sandbox) == ["5511900000001", "5511900000003"]
    again = records_operator(hook, records=records[:1], duplicate_way="update").execute(task_context())
    assert again["updated"] == 0 and again["skipped"] == 1  # same values: nothing changed


def test_a_bad_campaign_id_fails_the_task_instead_of_rejecting_every_record(sandbox, connect):
    # Found while fuzzing: any ValueError from the hook rejected the record, so a templated
    # campaign_id that rendered to text "succeeded" with every record rejected.
    hook = connect()
    task = JodoImportCJIRecordsOperator(
        task_id="import",
        campaign_id="{{ no campaign }}",
        jodo_conn_id=hook.jodo_conn_id,
        records=[{"name": "Ana", "phone1": "5511900000001"}],
    )
    with pytest.raises(ValueError, match="campaign_id"):
        task.execute(task_context())
    assert phones(sandbox) == []


@pytest.mark.sandbox_latency(0.02)
def test_data_records_go_concurrently_but_never_more_than_max_in_flight(sandbox, connect, capfd):
    records = [{"name": f"Lead {i}", "phone1": f"55119{i:08d}"} for i in range(60)]
    records[7] = {"name": "No phone"}
    summary = records_operator(
        connect(), records=records, max_in_flight=3, progress_every_records=25
    ).execute(task_context())
    assert 1 < sandbox.peak_concurrent_requests <= 3  # answers held 20 ms: calls overlapped
    assert (summary["total"], summary["inserted"], summary["rejected"]) == (60, 59, 1)
    assert summary["rejections"][0]["index"] == 7  # in input order, whatever order calls ended in
    assert phones(sandbox) == sorted(r["phone1"] for r in records if "phone1" in r)
    log = capfd.readouterr().out
    assert "importCJI into campaign 1: 25 of 60 records done (42%)" in log
    assert "importCJI into campaign 1: 50 of 60 records done (83%)" in log
    assert "1 rejected so far" in log


def test_the_records_operator_returns_the_summary(sandbox, connect):
    summary = JodoImportCJIRecordsOperator(
        task_id="import",
        campaign_id=CAMPAIGN,
        records=[{"name": "Ana", "phone1": "5511900000001"}, "not a record"],
        jodo_conn_id=connect().jodo_conn_id,
    ).execute(task_context())
    assert {k: summary[k] for k in ("campaign_id", "total", "inserted", "rejected")} == {
        "campaign_id": "1",
        "total": 2,
        "inserted": 1,
        "rejected": 1,
    }
    assert summary["rejections"] == [{"index": 1, "reason": "not a dict but str"}]


def test_importcji_records_take_on_invalid_and_check_the_dial_list_number(sandbox, connect):
    """Was: `on_invalid="fail"` gave `TypeError: Invalid arguments`, and `12ab` landed on a dial list."""
    records = [{"name": "Ana", "phone1": "5511900000001"}, {"name": "Bob", "phone1": "12ab"}]
    reason = "phone1 (the dial list's phone_field) is not 3 to 16 digits (one leading + allowed)"
    with pytest.raises(
        AirflowFailException, match=rf"records\[1\] is invalid: {re.escape(reason)}; nothing was sent"
    ):
        records_operator(connect(), records=records, phone_field="phone1", on_invalid="fail").execute(
            task_context()
        )
    assert sandbox.store.campaign_customers(CAMPAIGN) == []
    summary = records_operator(connect(), records=records, phone_field="phone1").execute(task_context())
    assert (summary["inserted"], summary["rejections"]) == (1, [{"index": 1, "reason": reason}])
    assert [entry["phone"] for entry in sandbox.store.dial_list(CAMPAIGN)] == ["5511900000001"]


def test_a_platform_refusal_of_a_record_names_its_fields(sandbox, connect):
    summary = records_operator(
        connect(), records=[{"Name": "No phone", "note": "vip"}], min_loaded=0
    ).execute(task_context())
    (rejection,) = summary["rejections"]
    assert "BackMsg_76" in rejection["reason"]
    assert rejection["reason"].endswith("; the record's fields: 'Name', 'note'")
