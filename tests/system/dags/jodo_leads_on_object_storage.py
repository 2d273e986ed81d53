"""The Celery system test's DAG (tests/system/test_celery_deployment.py): leads and reports on
object storage, read and written by tasks on different workers, and a deferrable file job.

- `push_leads` (queue `jodo_a`: the first worker) pushes the leads of `s3://<bucket>/leads.csv`
  with ImportProcessData; its report goes under the deployment's `[jodo] report_base` (an s3://
  prefix), and its summary's `report_path` is that report's URI.
- `check_report` (queue `jodo_b`: the other worker, whose disk is not the first one's) opens
  that URI with `ObjectStoragePath` and checks its outcomes against the summary's counts.
- `import_campaign_file` submits an importCJI http job scheduled a few seconds ahead and waits
  for it deferred: the wait runs in the triggerer.

The bucket and the connection are the test's (`OBJECT_STORE_BUCKET`, `STORAGE_CONN_ID` there).
"""

from __future__ import annotations

import json
import socket
from collections import Counter
from typing import Any

import pendulum
from airflow.sdk import DAG, ObjectStoragePath, task

from airflow_provider_jodo.compat.airflow import AirflowFailException
from airflow_provider_jodo.enums import Media, UpdateKey
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator

BUCKET = "jodo-system-test"
STORAGE_CONN_ID = "jodo_s3"
OUTCOMES = ("inserted", "updated", "accepted", "rejected")

with DAG(
    dag_id="jodo_leads_on_object_storage",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["jodo", "system-test"],
) as dag:
    push = JodoImportProcessDataOperator(
        task_id="push_leads",
        source_path=f"s3://{BUCKET}/leads.csv",
        storage_conn_id=STORAGE_CONN_ID,
        media=Media.VOICE_OUT,
        update_key=UpdateKey.MOBILE_NUMBER,
        queue="jodo_a",
    )

    @task(queue="jodo_b")
    def check_report(summary: dict[str, Any]) -> dict[str, int]:
        """The report's outcomes, counted from the object the push wrote on the other worker."""
        report = ObjectStoragePath(summary["report_path"], conn_id=STORAGE_CONN_ID)
        with report.open("r") as lines:
            outcomes = Counter(json.loads(line)["outcome"] for line in lines if line.strip())
        counted = {outcome: outcomes[outcome] for outcome in OUTCOMES}
        print(f"{socket.gethostname()} read the report {summary['report_path']}: {counted}")
        summarised = {outcome: summary[outcome] for outcome in OUTCOMES}
        if counted != summarised or sum(counted.values()) != summary["total"]:
            raise AirflowFailException(f"the report counts {counted}, the summary {summary}")
        return counted

    check_report(push.output)

    JodoImportCJIFileOperator(
        task_id="import_campaign_file",
        campaign_id=1,
        source="http",
        file_url="{{ conn.jodo_default.host ~ '/files/nightly-leads.csv' }}",
        delrow=1,  # the header line
        phone_field="phone1",
        exetime="PT8S",  # the job waits this long: the operator finds it scheduled and defers
        deferrable=True,
        poll_interval=1,
    )
