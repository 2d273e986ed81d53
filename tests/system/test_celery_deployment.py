"""The provider on Airflow's distributed engine, unchanged: the CeleryExecutor with PostgreSQL as
the metadata database, Redis as the broker and two Celery workers, each with its own
AIRFLOW_HOME, host name and private temp dir, as if on machines of their own, and an S3 bucket
(moto) for inputs and reports. The example DAGs run there from REST-triggered runs: every task
on a worker, the sensor's wait on the triggerer, the pooled pushes one at a time across both
workers. `dags/jodo_leads_on_object_storage.py` pushes leads from s3:// on one worker, reads
the report from s3:// on the other, and waits for a file job in the triggerer."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tests.support.airflow_deployment import AirflowDeployment, SystemUnderTest, task_log_dir

pytestmark = [pytest.mark.system, pytest.mark.timeout(600)]

NIGHTLY = "jodo_nightly_campaign_file"
DAILY = "jodo_daily_leads"
POOLED = "jodo_pooled_imports"
PROCESS_CONSUMER = "jodo_process_leads_consumer"
"""Declares the process asset that every push emits (tests/system/dags/jodo_process_leads_consumer.py):
each test waits for it before it triggers an import."""
ON_OBJECT_STORAGE = "jodo_leads_on_object_storage"
S3_LEADS = {"5531988887777": "Gil Costa", "819012345678": "Hana Sato", "359888123456": "Ivo Petrov"}
S3_LEADS_CSV = (
    "name,mobilenumber,emailid\n"
    + "".join(f"{name},{phone},{name.split()[0].lower()}@example.com\n" for phone, name in S3_LEADS.items())
    + "No Number,12,nobody@example.com\n"
)  # rejected: not a phone number
EXAMPLE_DATA = Path(__file__).resolve().parents[2] / "example_dags" / "data"


def test_example_dags_run_on_the_celery_workers_with_the_wait_in_the_triggerer(celery_system):
    airflow = celery_system.airflow
    airflow.wait_for_dags({NIGHTLY, DAILY, POOLED, PROCESS_CONSUMER})
    # Two slots, and each push takes two (`pool_slots=2`): one push at a time, across workers.
    airflow.cli("pools", "set", "jodo_platform", "2", "Calls to the Jodo platform")
    nightly_run = airflow.trigger(NIGHTLY, {"file_url": f"{celery_system.gated_files_url}/nightly-leads.csv"})
    # The daily push ends before the pooled pushes start: the first event through the process
    # alias links it to the asset, and two first events at once race in Airflow 3.3.2
    # (`asset_alias_asset_pkey`, docs "Assets and lineage"); later events find the link.
    daily_run = airflow.trigger(DAILY)
    daily_final = airflow.wait_for_run_end(DAILY, daily_run)
    pooled_run = airflow.trigger(POOLED)

    # The file server holds the job's download, so the job is running when the sensor first
    # looks: the sensor must hand the wait to the triggerer.
    airflow.wait_for(
        "the sensor to defer",
        lambda: airflow.task_instances(NIGHTLY, nightly_run)["wait_for_import"]["state"] == "deferred",
    )
    celery_system.gate.set()
    runs = {NIGHTLY: nightly_run, DAILY: daily_run, POOLED: pooled_run}
    finals = {
        dag_id: daily_final if dag_id == DAILY else airflow.wait_for_run_end(dag_id, run_id)
        for dag_id, run_id in runs.items()
    }
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
    # The daily DAG's good leads, and the pooled DAG's (the same three and one more), once each.
    pushed = {"5511987654321", "919812345678", "8613800138000", "5511987654322"}
    assert set(process_customers(celery_system, pushed)) == pushed

    pushes = [ti for (dag_id, _), ti in task_instances.items() if dag_id == POOLED and ti["map_index"] >= 0]
    assert len(pushes) == 3
    spans = sorted(
        (datetime.fromisoformat(ti["start_date"]), datetime.fromisoformat(ti["end_date"])) for ti in pushes
    )
    assert all(end <= next_start for (_, end), (next_start, _) in pairwise(spans)), spans

    assert_trigger_fired(celery_system, NIGHTLY, nightly_run, "wait_for_import")
    assert celery_system.leaked_secrets() == []


def test_leads_and_report_on_object_storage_cross_workers_and_the_file_job_waits_in_the_triggerer(
    celery_system,
):
    airflow, store = celery_system.airflow, celery_system.object_store
    store.put("leads.csv", S3_LEADS_CSV)
    airflow.wait_for_dags({ON_OBJECT_STORAGE, PROCESS_CONSUMER})
    run_id = airflow.trigger(ON_OBJECT_STORAGE)
    airflow.wait_for(
        "the file job's wait to defer",
        lambda: (
            airflow.task_instances(ON_OBJECT_STORAGE, run_id)["import_campaign_file"]["state"] == "deferred"
        ),
    )
    final = airflow.wait_for_run_end(ON_OBJECT_STORAGE, run_id)
    task_instances = airflow.task_instances(ON_OBJECT_STORAGE, run_id)
    for task_id, ti in sorted(task_instances.items()):
        print(f"{ON_OBJECT_STORAGE}.{task_id}: {ti['state']} on {ti['hostname']}")
    assert final == "success", airflow.logs()

    # Routed by queue: the report is read on the other worker than the one that wrote it.
    hostnames = {task_id: ti["hostname"] for task_id, ti in task_instances.items()}
    assert hostnames["push_leads"] == "worker-a" and hostnames["check_report"] == "worker-b"
    assert set(hostnames.values()) <= {worker.name for worker in airflow.celery_workers}

    summary = xcom(airflow, ON_OBJECT_STORAGE, run_id, "push_leads")
    print(f"report URI: {summary['report_path']}")
    assert summary["report_path"].startswith(store.uri("jodo-reports/"))
    report = store.text(summary["report_path"].removeprefix(store.uri("")))
    assert len(report.splitlines()) == len(S3_LEADS) + 1
    loaded = summary["inserted"] + summary["accepted"]
    assert (summary["total"], loaded, summary["rejected"]) == (len(S3_LEADS) + 1, len(S3_LEADS), 1)
    counted = xcom(airflow, ON_OBJECT_STORAGE, run_id, "check_report")
    assert counted == {
        outcome: summary[outcome] for outcome in ("inserted", "updated", "accepted", "rejected")
    }
    assert process_customers(celery_system, set(S3_LEADS)) == S3_LEADS

    sandbox = celery_system.sandbox
    csv_lines = (EXAMPLE_DATA / "nightly-leads.csv").read_text().splitlines()
    expected_phones = {line.split(",")[1] for line in csv_lines[1:]}
    assert {c["phone1"] for c in sandbox.store.campaign_customers(1)} == expected_phones
    assert_trigger_fired(celery_system, ON_OBJECT_STORAGE, run_id, "import_campaign_file")
    assert celery_system.leaked_secrets() == []


def xcom(
    airflow: AirflowDeployment, dag_id: str, run_id: str, task_id: str, key: str = "return_value"
) -> Any:
    """The task's XCom value under `key`, through the REST API."""
    path = f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}"
    return airflow.api("GET", path)["value"]


def process_customers(system: SystemUnderTest, phones: set[str]) -> dict[str, str]:
    """mobile number -> name of the sandbox process's customers with one of `phones`; fails if
    a number is there twice."""
    customers = [
        c for c in system.sandbox.store.process_customers("VoiceProcess") if c["mobilenumber"] in phones
    ]
    assert len(customers) == len({c["mobilenumber"] for c in customers}), customers
    return {c["mobilenumber"]: c["name"] for c in customers}


def assert_trigger_fired(system: SystemUnderTest, dag_id: str, run_id: str, task_id: str) -> None:
    """The triggerer (not a worker) ran the task's trigger and wrote its log beside the task's
    in its own AIRFLOW_HOME: the trigger fired the job's success."""
    logs = task_log_dir(system.airflow.home, dag_id, run_id, task_id)
    trigger_logs = [path for path in logs.iterdir() if ".trigger." in path.name]
    assert len(trigger_logs) == 1, sorted(path.name for path in logs.iterdir())
    trigger_log = trigger_logs[0].read_text()
    assert "Trigger fired event" in trigger_log and "'status': 'success'" in trigger_log
