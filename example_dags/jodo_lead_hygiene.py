"""Lead hygiene: clean a CRM export's phone numbers, decide its duplicates and leave out the
numbers on a do-not-call list, all in the push itself.

The extract task stands in for a CRM export written by hand: one person three times, in three
forms of one number; a number on the company's opt-out list (`data/do-not-call.txt`); a number
too short to be one. The push lands two customers, reports every other row with its reason
and counts each kind in its summary (see docs/lead-hygiene.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_jodo.enums import Media, UpdateKey
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator

DO_NOT_CALL = Path(__file__).parent / "data" / "do-not-call.txt"

with DAG(
    dag_id="jodo_lead_hygiene",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["jodo", "example"],
) as dag:

    @task
    def extract_leads() -> list[dict[str, Any]]:
        """The day's leads as a CRM exports them: numbers written by hand, one person thrice."""
        return [
            {"name": "Asha Rao", "mobilenumber": "+91 98000 00001", "emailid": "asha@example.com"},
            {"name": "Ravi Kumar", "mobilenumber": "98123 45678", "emailid": "ravi@example.com"},
            {"name": "Asha R.", "mobilenumber": "098000 00001", "emailid": "asha.r@example.com"},
            {"name": "Opted Out", "mobilenumber": "98111 00002", "emailid": "out@example.com"},
            {"name": "Asha", "mobilenumber": "919800000001", "emailid": "asha.3@example.com"},
            {"name": "Too Short", "mobilenumber": "98 12", "emailid": "short@example.com"},
        ]

    push = JodoImportProcessDataOperator(
        task_id="push_clean_leads",
        records=extract_leads(),
        media=Media.VOICE_OUT,
        update_key=UpdateKey.MOBILE_NUMBER,
        phone_region="IN",  # numbers without a country code are Indian
        on_duplicate_in_input="first",  # the first row of a person wins
        suppression_path=str(DO_NOT_CALL),
        call_datetime="{{ data_interval_end | default(dag_run.run_after) }}",
    )

    @task
    def log_summary(summary: dict[str, Any]) -> None:
        print(
            f"{summary['total']} leads: {summary['inserted'] + summary['accepted']} landed, "
            f"{summary['phone_normalised']} with their number normalised, {summary['duplicate_in_input']} "
            f"duplicates, {summary['suppressed']} on the do-not-call list, {summary['rejected']} rejected; "
            f"report at {summary['report_path']}"
        )

    log_summary(push.output)
