"""Nightly campaign file: import the CSV export of the night into a dialer campaign, scheduled
with `exetime`, then wait for the import job in the triggerer before dialing starts.

Against the sandbox (`jodo-sandbox`, as `make demo` runs it) the file is the one the sandbox serves from
`example_dags/data/`, at the platform's base URL (`jodo_platform_base_url()`: scheme, host and
port, whichever form the `jodo_default` connection is written in); in production set the
`file_url` param (or edit the default) to your export's HTTP or FTP URL and `source_conn_id` to
the connection holding its login.

When the import job has succeeded, the sensor records an event of the campaign's asset
(`jodo://<host>[:port]/campaign/<id>`) with the job's counts, which starts
`jodo_dialing_preparation`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_jodo.macros import JODO_MACROS
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.sensors.jodo import JodoImportJobSensor

with DAG(
    dag_id="jodo_nightly_campaign_file",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "campaign_id": Param(1, type="integer", description="the campaign to import into"),
        "file_url": Param(None, type=["null", "string"], description="CSV URL; default: the sandbox's file"),
        "exetime": Param(
            None,
            type=["null", "string"],
            description="when the job runs: an ISO date-time with its offset, or a delay such as PT15S; "
            "default: the end of the data interval",
        ),
    },
    tags=["jodo", "example"],
    user_defined_macros=JODO_MACROS,  # jodo_platform_base_url, below
) as dag:
    submit = JodoImportCJIFileOperator(
        task_id="import_campaign_file",
        campaign_id="{{ params.campaign_id }}",
        source="http",
        file_url="{{ params.file_url or jodo_platform_base_url() ~ '/files/nightly-leads.csv' }}",
        delrow=1,
        phone_field="phone1",
        priority_field="priority",
        duplicate_way="update",
        dial_list_duplicates="ignoreSuccess",
        # Run the import at the end of the data interval (or when the `exetime` param says: `make
        # demo` schedules it a little ahead, so that the sensor's wait really defers).
        exetime="{{ params.exetime or (data_interval_end | default(dag_run.run_after)) }}",
        wait_for_completion=False,
    )
    wait = JodoImportJobSensor(
        task_id="wait_for_import",
        job_id="{{ ti.xcom_pull(task_ids='import_campaign_file', key='job_id') }}",
        # The job's campaign: the sensor's success updates its asset, which schedules
        # `jodo_dialing_preparation`.
        campaign_id="{{ params.campaign_id }}",
        deferrable=True,
        poke_interval=2,
        timeout=3600,
    )
    submit >> wait
