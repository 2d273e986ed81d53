"""The Celery system test's consumer of the process asset: it declares the asset before any import.

Every push of the Celery test (the daily and pooled example DAGs, `push_leads` of
`jodo_leads_on_object_storage`) goes into the one process of `jodo_default`, and on a fresh
metadata database none of them would find its asset declared. The first events would then make
Airflow create it from tasks that end at once, which Airflow 3.3.2 does not survive on PostgreSQL
(README, "Assets and lineage": the later task is failed with a UniqueViolation after its import
landed). A DAG scheduled on the asset makes the DAG processor create it when it parses this file,
as the README's recipe says; the test waits for this DAG before it triggers any import.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_jodo.assets import jodo_process_asset

with DAG(
    dag_id="jodo_process_leads_consumer",
    schedule=[jodo_process_asset("jodo_default")],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["jodo", "system-test"],
) as dag:

    @task
    def log_counts(triggering_asset_events: Any = None) -> None:
        """Log what each consumed push landed (its event's extra: counts only)."""
        for events in (triggering_asset_events or {}).values():
            for event in events:
                print(f"process import: {event.extra}")

    log_counts()
