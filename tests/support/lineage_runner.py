"""Run DAGs of this module under `dag.test()` in a process of their own, for the OpenLineage
tests (`tests/integration/operators/test_lineage.py`): `python -m tests.support.lineage_runner
JSON_RUNS`, from the repository root, where JSON_RUNS is a list of `[BUILDER, ARGUMENTS]`, runs
them one after another and prints a line `lineage-run: {"run_id", "state"}` for each, in order.

A process of their own, because the OpenLineage provider decides once per process, when its plugin
is imported, whether its listener runs (`AIRFLOW__OPENLINEAGE__TRANSPORT`). One process for all
the runs, because starting one costs about 7 s of CPU (Airflow's imports and its in-process
execution API), paid again on every Airflow minor of `make test`."""

from __future__ import annotations

import json
import sys
from typing import Any

import pendulum

from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator
from tests.support.airflow_runs import run_dag
from tests.support.sandbox_fixtures import POLL_SECONDS


def new_dag(dag_id: str) -> Any:
    from airflow.sdk import DAG

    return DAG(dag_id=dag_id, schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"))


def process_data(dag_id: str, source_path: str, report_path: str) -> Any:
    with new_dag(dag_id) as dag:
        JodoImportProcessDataOperator(
            task_id="push_leads",
            source_path=source_path,
            media=12,
            update_key="mobilenumber",
            report_path=report_path,
        )
    return dag


def cji_file(dag_id: str, file_url: str) -> Any:
    with new_dag(dag_id) as dag:
        JodoImportCJIFileOperator(
            task_id="import_file",
            campaign_id=1,
            source="http",
            file_url=file_url,
            delrow=1,
            phone_field="phone1",
            poll_interval=POLL_SECONDS,
        )
    return dag


RESULT_PREFIX = "lineage-run: "
BUILDERS = {"process_data": process_data, "cji_file": cji_file}

if __name__ == "__main__":
    for builder, arguments in json.loads(sys.argv[1]):
        run = run_dag(BUILDERS[builder](**arguments))
        # One write, its newline included: Airflow 3.0 logs to stdout from other threads, and
        # print() writes the text and the newline apart, so a log line could end up on ours.
        sys.stdout.write(RESULT_PREFIX + json.dumps({"run_id": run.run_id, "state": str(run.state)}) + "\n")
        sys.stdout.flush()
