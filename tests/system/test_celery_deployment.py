"""The provider on Airflow's distributed engine, unchanged: the CeleryExecutor with PostgreSQL as
the metadata database, Redis as the broker and two Celery workers, each with its own
AIRFLOW_HOME, host name and private temp dir, as if on machines of their own. The example DAGs
run there from REST-triggered runs; every task runs on a worker, the sensor's wait on the
triggerer, and the pooled pushes one at a time across both workers."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from airflow_deployment import SystemUnderTest, task_log_dir

pytestmark = [pytest.mark.system, pytest.mark.timeout(600)]

NIGHTLY = "jodo_nightly_campaign_file"
DAILY = "jodo_daily_leads"
POOLED = "jodo_pooled_imports"
EXAMPLE_DATA = Path(__file__).resolve().parents[2] / "example_dags" / "data"


def test_example_dags_run_on_the_celery_workers_with_the_wait_in_the_triggerer(celery_system):
    airflow = celery_system.airflow
    airflow.wait_for_dags({NIGHTLY, DAILY, POOLED})
    # Two slots, and each push takes two (`pool_slots=2`): one push at a time, across workers.
    airflow.cli("pools", "set", "jodo_platform", "2", "Calls to the Jodo platform")
    nightly_run = airflow.trigger(NIGHTLY, {"file_url": f"{celery_system.gated_files_url}/nightly-leads.csv"})
    daily_run = airflow.trigger(DAILY)
    pooled_run = airflow.trigger(POOLED)

    # The file server holds the job's download, so the job is running when the sensor first
    # looks: the sensor must hand the wait to the triggerer.
    airflow.wait_for(
        "the sensor to defer",
        lambda: airflow.task_instances(NIGHTLY, nightly_run)["wait_for_import"]["state"] == "deferred",
    )
    celery_system.gate.set()
    runs = {NIGHTLY: nightly_run, DAILY: daily_run, POOLED: pooled_run}
    finals = {dag_id: airflow.wait_for_run_end(dag_id, run_id) for dag_id, run_id in runs.items()}
    task_instances = {
        (dag_id, task_id): ti
        for dag_id, run_id in runs.items()
        for task_id, ti in airflow.task_instances(dag_id, run_id).items()
    }
    for (dag_id, task_id), ti in sorted(task_instances.items()):
        print(f"{dag_id}.{task_id}: {ti['state']} on {ti['hostname']}")
    assert finals == dict.fromkeys(runs, "success"), airflow.logs()
    worker_names = {worker.name for worker in airflow.celery_workers}
    assert {ti["hostname"] for ti in task_instances.values()} <= worker_names

    sandbox = celery_system.sandbox
    csv_lines = (EXAMPLE_DATA / "nightly-leads.csv").read_text().splitlines()
    expected_phones = {line.split(",")[1] for line in csv_lines[1:]}
    campaign = sandbox.seed.own_table_campaign_id  # the nightly DAG's default campaign_id param
    assert {c["phone1"] for c in sandbox.store.campaign_customers(campaign)} == expected_phones
    assert {e["phone"] for e in sandbox.store.dial_list(campaign)} == expected_phones
    pushed = {c["mobilenumber"] for c in sandbox.store.process_customers("VoiceProcess")}
    # The daily DAG's good leads, and the pooled DAG's (the same three and one more).
    assert pushed == {"5511987654321", "919812345678", "8613800138000", "5511987654322"}

    pushes = [ti for (dag_id, _), ti in task_instances.items() if dag_id == POOLED and ti["map_index"] >= 0]
    assert len(pushes) == 3
    spans = sorted(
        (datetime.fromisoformat(ti["start_date"]), datetime.fromisoformat(ti["end_date"])) for ti in pushes
    )
    assert all(end <= next_start for (_, end), (next_start, _) in pairwise(spans)), spans

    assert_trigger_fired(celery_system, NIGHTLY, nightly_run, "wait_for_import")
    assert celery_system.leaked_secrets() == []


def assert_trigger_fired(system: SystemUnderTest, dag_id: str, run_id: str, task_id: str) -> None:
    """The triggerer (not a worker) ran the task's trigger and wrote its log beside the task's
    in its own AIRFLOW_HOME: the trigger fired the job's success."""
    logs = task_log_dir(system.airflow.home, dag_id, run_id, task_id)
    trigger_logs = [path for path in logs.iterdir() if ".trigger." in path.name]
    assert len(trigger_logs) == 1, sorted(path.name for path in logs.iterdir())
    trigger_log = trigger_logs[0].read_text()
    assert "Trigger fired event" in trigger_log and "'status': 'success'" in trigger_log
