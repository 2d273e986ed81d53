"""Pooled imports: push each region's leads in a task of its own (dynamic task mapping), while an
Airflow pool caps how many of them call the platform at once, across every worker.

With the CeleryExecutor (or Kubernetes) the mapped pushes run on as many workers as are free,
each with up to `max_in_flight` requests in flight: the platform would see up to
workers x max_in_flight requests at once. The pool `jodo_platform` bounds that, whatever the
number of workers: at most its slots' worth of pushes run together (each push takes
`pool_slots` slots), the others wait in the scheduler. Create the pool once per deployment:

    airflow pools set jodo_platform 4 "Calls to the Jodo platform, across all workers"

(or in the UI under Admin > Pools). Without it, the DAG still parses, but its pushes stay
queued until the pool exists.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_jodo.enums import Media, UpdateKey
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator

JODO_POOL = "jodo_platform"

with DAG(
    dag_id="jodo_pooled_imports",
    schedule="0 7 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["jodo", "example"],
) as dag:

    @task
    def leads_by_region() -> list[list[dict[str, Any]]]:
        """The day's leads, one list per region (stands in for one query per region)."""
        return [
            [
                {"name": "Ana Lima", "mobilenumber": "5511987654321", "emailid": "ana@example.com"},
                {"name": "Caio Souza", "mobilenumber": "5511987654322", "emailid": "caio@example.com"},
            ],
            [{"name": "Ravi Kumar", "mobilenumber": "919812345678", "emailid": "ravi@example.com"}],
            [{"name": "Mei Chen", "mobilenumber": "8613800138000", "emailid": "mei@example.com"}],
        ]

    JodoImportProcessDataOperator.partial(
        task_id="push_region",
        media=Media.VOICE_OUT,
        update_key=UpdateKey.MOBILE_NUMBER,
        max_in_flight=2,  # requests at a time within one push
        pool=JODO_POOL,  # pushes at a time across all workers: the pool's slots
        pool_slots=2,  # a push with 2 requests in flight takes 2 of the pool's slots
    ).expand(records=leads_by_region())
