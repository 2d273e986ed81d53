"""The provider in a real deployment (scheduler, DAG processor, triggerer, API server with the
LocalExecutor), as users run it: the CLI sees the provider, the connection and the example
DAGs; a REST-triggered run of the nightly DAG imports the CSV, and its sensor waits in the
triggerer, not in a worker; its success updates the campaign's asset, which makes the scheduler
run the dialing preparation DAG, whose log has the import's counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.airflow_deployment import task_log_dir

pytestmark = [pytest.mark.system, pytest.mark.timeout(300)]

NIGHTLY = "jodo_nightly_campaign_file"
DAILY = "jodo_daily_leads"
DIALING = "jodo_dialing_preparation"
EXAMPLE_DAG_IDS = {NIGHTLY, DAILY, DIALING}
EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"


def test_cli_sees_the_provider_the_connection_and_the_example_dags(system):
    assert "airflow-provider-jodo" in system.airflow.cli("providers", "list")
    assert "Connection success!" in system.airflow.cli("connections", "test", "jodo_default")
    system.airflow.wait_for_dags(EXAMPLE_DAG_IDS)
    listed = system.airflow.cli("dags", "list")
    assert all(dag_id in listed for dag_id in EXAMPLE_DAG_IDS), listed


def test_nightly_dag_imports_the_csv_with_the_sensor_deferred_to_the_triggerer(system):
    airflow = system.airflow
    airflow.wait_for_dags(EXAMPLE_DAG_IDS)
    run_id = airflow.trigger(NIGHTLY, {"file_url": f"{system.gated_files_url}/nightly-leads.csv"})

    # The file server holds the job's download, so the job is running when the sensor first
    # looks: the sensor must hand the wait to the triggerer.
    airflow.wait_for(
        "the sensor to defer",
        lambda: airflow.task_instances(NIGHTLY, run_id)["wait_for_import"]["state"] == "deferred",
    )
    system.gate.set()
    final = airflow.wait_for_run_end(NIGHTLY, run_id)
    states = {task_id: ti["state"] for task_id, ti in airflow.task_instances(NIGHTLY, run_id).items()}
    assert final == "success", f"{states}\n{airflow.logs()}"
    assert states == {"import_campaign_file": "success", "wait_for_import": "success"}

    campaign = system.sandbox.seed.own_table_campaign_id  # the DAG's default campaign_id param
    csv_lines = (EXAMPLE_DAGS / "data" / "nightly-leads.csv").read_text().splitlines()
    expected_phones = {line.split(",")[1] for line in csv_lines[1:]}
    assert {c["phone1"] for c in system.sandbox.store.campaign_customers(campaign)} == expected_phones
    assert {e["phone"] for e in system.sandbox.store.dial_list(campaign)} == expected_phones

    # The triggerer ran the trigger and wrote its log (`attempt=1.log.trigger.<job>.log`)
    # beside the task's: the trigger started there and fired the job's success.
    sensor_logs = task_log_dir(airflow.home, NIGHTLY, run_id, "wait_for_import")
    trigger_logs = [path for path in sensor_logs.iterdir() if ".trigger." in path.name]
    assert len(trigger_logs) == 1, sorted(path.name for path in sensor_logs.iterdir())
    trigger_log = trigger_logs[0].read_text()
    assert "Trigger fired event" in trigger_log
    assert "'status': 'success'" in trigger_log and "4 inserted" in trigger_log

    # Real task and trigger log files are masked (unlike `dag.test()` output).
    assert system.leaked_secrets() == []


def test_a_successful_nightly_import_makes_the_scheduler_run_dialing_preparation_with_its_counts(system):
    airflow = system.airflow
    airflow.wait_for_dags(EXAMPLE_DAG_IDS)
    nightly = airflow.trigger(NIGHTLY)
    assert airflow.wait_for_run_end(NIGHTLY, nightly) == "success", airflow.logs()
    assert airflow.api("GET", f"dags/{DIALING}/dagRuns")["dag_runs"] == []

    # The deployment's scheduler creates no scheduled runs (USE_JOB_SCHEDULE=False), and asset-
    # triggered runs are scheduled runs: pause the clock-scheduled examples and let it create them.
    for dag_id in (NIGHTLY, DAILY):
        airflow.api("PATCH", f"dags/{dag_id}", json={"is_paused": True})
    try:
        airflow.restart("scheduler", {"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "True"})
        dialing = airflow.wait_for(
            "a dialing run triggered by the import", lambda: first_dialing_run(airflow)
        )
        final = airflow.wait_for_run_end(DIALING, dialing)
    finally:
        airflow.restart("scheduler", {})
        for dag_id in (NIGHTLY, DAILY):
            airflow.api("PATCH", f"dags/{dag_id}", json={"is_paused": False})
    assert final == "success", airflow.logs()
    # It consumed the events queued when it was created: this test's run's, or an earlier test's
    # (then this one's waits for the next run). The log has the counts of each.
    events = airflow.api("GET", f"dags/{DIALING}/dagRuns/{dialing}/upstreamAssetEvents")["asset_events"]
    assert events and {event["source_dag_id"] for event in events} == {NIGHTLY}
    log = (task_log_dir(airflow.home, DIALING, dialing, "log_import_counts") / "attempt=1.log").read_text()
    for event in events:
        extra, source_run = event["extra"], event["source_run_id"]
        assert airflow.api("GET", f"dags/{NIGHTLY}/dagRuns/{source_run}")["state"] == "success"
        counts = (
            f"import job {extra['job_id']} succeeded: {extra['total']} rows, {extra['inserted']} inserted, "
            f"{extra['updated']} updated, {extra['skipped']} skipped, {extra['failed']} failed "
            f"(from {NIGHTLY} run {source_run})"
        )
        assert counts in log, log


def first_dialing_run(airflow: Any) -> str | None:
    """The id of the dialing DAG's first run, once the scheduler has created one."""
    runs = airflow.api("GET", f"dags/{DIALING}/dagRuns", params={"order_by": "run_after"})["dag_runs"]
    return runs[0]["dag_run_id"] if runs else None
