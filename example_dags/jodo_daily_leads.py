"""Daily leads: extract the day's fresh leads in a task, push them to the Jodo voice process
with ImportProcessData (upsert by mobile number), and log the summary.

The extract task stands in for your CRM or warehouse query; it returns a list of dicts, which
reaches the operator through XCom (`extract_leads()` as `records`). One lead is deliberately
bad, to show how a rejection is reported instead of failing the whole push.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_jodo.enums import Media, UpdateKey
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator

with DAG(
    dag_id="jodo_daily_leads",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["jodo", "example"],
) as dag:

    @task
    def extract_leads() -> list[dict[str, Any]]:
        """The day's leads as the CRM exports them (its own column names)."""
        return [
            {"full_name": "Ana Lima", "phone": "5511987654321", "mail": "ana@example.com", "campaign": "web"},
            {
                "full_name": "Ravi Kumar",
                "phone": "919812345678",
                "mail": "ravi@example.com",
                "campaign": "fair",
            },
            {"full_name": "Mei Chen", "phone": "8613800138000", "mail": "mei@example.com", "campaign": "web"},
            {"full_name": "No Number", "phone": "12", "mail": "nobody@example.com", "campaign": "web"},
        ]

    push = JodoImportProcessDataOperator(
        task_id="push_leads",
        records=extract_leads(),
        media=Media.VOICE_OUT,
        update_key=UpdateKey.MOBILE_NUMBER,
        column_mapping={
            "full_name": "name",
            "phone": "mobilenumber",
            "mail": "emailid",
            "campaign": "extrafield1",
        },
        call_datetime="{{ data_interval_end | default(dag_run.run_after) }}",
    )

    @task
    def log_summary(summary: dict[str, Any]) -> None:
        print(
            f"{summary['total']} leads: {summary['inserted']} inserted, {summary['updated']} updated, "
            f"{summary['rejected']} rejected; per-record report at {summary['report_path']}"
        )

    log_summary(push.output)
