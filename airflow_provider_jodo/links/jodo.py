"""The "Jodo import job" button on a task: the platform console's page of the task's job.

As in Airflow's dbt Cloud provider, the task that knows the job pushes the page's URL to XCom
(it has the connection at hand) and the link only reads it back: links are computed on the
worker after each run segment, deferral included, so the button shows while the job runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperatorLink
from airflow.sdk.execution_time.xcom import XCom

if TYPE_CHECKING:
    from airflow.sdk import Context

JOB_ID_XCOM_KEY = "job_id"
JOB_URL_XCOM_KEY = "job_url"


class JodoImportJobLink(BaseOperatorLink):
    """Open the import job's page; empty until the task has a job (e.g. `source="data"`)."""

    name = "Jodo import job"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        """Return the job page's URL the task pushed to XCom, or "" when it has none."""
        return XCom.get_value(ti_key=ti_key, key=JOB_URL_XCOM_KEY) or ""


def push_job_reference(context: Context, job_id: str, job_url: str) -> None:
    """Push `job_id` (for downstream tasks, e.g. the sensor) and `job_url` (for the link) to XCom."""
    context["ti"].xcom_push(key=JOB_ID_XCOM_KEY, value=job_id)
    context["ti"].xcom_push(key=JOB_URL_XCOM_KEY, value=job_url)


def clear_job_reference(context: Context) -> None:
    """Push an empty `job_url` before anything else, so that the link finds a value.

    Airflow computes the link after every try; without a value there it logs an error-level
    "XCom not found" for a try that failed before it had a job (and for every try of a task that
    never has one).
    """
    context["ti"].xcom_push(key=JOB_URL_XCOM_KEY, value="")
