"""The provider in a real deployment (scheduler, DAG processor, triggerer, API server with the
LocalExecutor), as users run it: the CLI sees the provider, the connection and the example
DAGs; a REST-triggered run of the nightly DAG imports the CSV, and its sensor waits in the
triggerer, not in a worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow_deployment import task_log_dir

pytestmark = [pytest.mark.system, pytest.mark.timeout(300)]

NIGHTLY = "jodo_nightly_campaign_file"
EXAMPLE_DAG_IDS = {NIGHTLY, "jodo_daily_leads"}
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
