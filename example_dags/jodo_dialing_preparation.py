"""Dialing preparation: runs when the nightly import has landed campaign 1, not on a clock.

The DAG is scheduled on the campaign's asset (`jodo://<host>[:port]/campaign/1`), which
`jodo_nightly_campaign_file` updates when its import job has succeeded. Its task reads the
import's counts from the triggering asset event's `extra` and logs them; a real DAG would
check them before it lets the dialer start (e.g. fail when nothing was inserted or updated).

The asset names the platform by its address, given here rather than read from the `jodo_default`
connection: Airflow parses this file every few minutes, on a DAG processor that needs neither the
platform's credentials nor a connection lookup. Set `JODO_PLATFORM_URL` where the DAG processor
runs to the base URL of `jodo_default` (a URL or `host[:port]`; the default is the sandbox's
`jodo-sandbox --port 8765`), or write your platform's address in its place.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_jodo.assets import jodo_campaign_asset

PLATFORM_URL = os.environ.get("JODO_PLATFORM_URL", "http://127.0.0.1:8765")
CAMPAIGN = jodo_campaign_asset(None, 1, host=PLATFORM_URL)  # the nightly import's default `campaign_id`

with DAG(
    dag_id="jodo_dialing_preparation",
    schedule=[CAMPAIGN],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["jodo", "example"],
) as dag:

    @task
    def log_import_counts(triggering_asset_events: Any = None) -> list[dict[str, Any]]:
        """Log the counts of each import of the campaign that triggered this run; return their extras."""
        extras = []
        # Keyed by the asset: the same events are also listed under the alias they came through.
        for event in triggering_asset_events[CAMPAIGN]:
            extra = event.extra
            print(
                f"{CAMPAIGN.uri}: import job {extra['job_id']} {extra['state']}: {extra['total']} rows, "
                f"{extra['inserted']} inserted, {extra['updated']} updated, {extra['skipped']} skipped, "
                f"{extra['failed']} failed (from {event.source_dag_id} run {event.source_run_id})"
            )
            extras.append(dict(extra))
        return extras

    log_import_counts()
