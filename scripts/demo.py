"""`make demo`: start the bundled sandbox, import leads through JodoHook, print what landed.

Runs on one machine with no vendor account. Until the operators exist this drives the hook
directly: a morning ImportProcessData push of leads (one of them bad), then an importCJI job
that fetches a CSV export over HTTP, scheduled a few seconds ahead with `exetime`.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import pendulum

from airflow_provider_jodo.enums import JobState, Media, UpdateKey
from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.sandbox import JodoSandbox

CAMPAIGN_ID = 1
LEADS = [
    {"name": "Ana Lima", "mobilenumber": "5511987654321", "emailid": "ana@example.com", "extrafield1": "web"},
    {
        "name": "Ravi Kumar",
        "mobilenumber": "919812345678",
        "emailid": "ravi@example.com",
        "extrafield1": "fair",
    },
    {"name": "No Number", "mobilenumber": "12", "emailid": "nobody@example.com"},
]
CAMPAIGN_FILE = (
    "name,phone1,email,priority\n"
    "Chen Wei,8613800138000,chen@example.com,1\n"
    "Dora Silva,5521998765432,dora@example.com,2\n"
    "Eve Adams,14155550123,eve@example.com,3\n"
)


def main() -> None:
    files = Path(tempfile.mkdtemp(prefix="jodo-demo-"))
    (files / "campaign.csv").write_text(CAMPAIGN_FILE)
    with JodoSandbox(job_poll_interval=0.5, files_dir=files) as sandbox:
        print(f"sandbox running at {sandbox.base_url}")
        os.environ["AIRFLOW_CONN_JODO_DEFAULT"] = json.dumps(sandbox.connection_dict())
        hook = JodoHook()

        pushed = hook.import_process_data(LEADS, media=Media.VOICE_OUT, update_key=UpdateKey.MOBILE_NUMBER)
        print(f"\nImportProcessData request {pushed.request_id}:")
        for outcome in pushed.records:
            print(f"  record {outcome.index} ({outcome.key}): {outcome.outcome.value} {outcome.reason or ''}")

        run_at = pendulum.now("UTC").add(seconds=2)
        job_id = hook.import_cji(
            campaign_id=CAMPAIGN_ID,
            source="http",
            file_url=sandbox.file_url("campaign.csv"),
            delrow=1,
            phone_field="phone1",
            priority_field="priority",
            exetime=run_at,
        ).job_id
        print(f"\nimportCJI job {job_id} scheduled for {run_at.to_datetime_string()} UTC")
        job = hook.get_import_job(job_id)
        while job.state in (JobState.SCHEDULED, JobState.RUNNING):
            print(f"  job {job_id}: {job.state.value}")
            time.sleep(1)
            job = hook.get_import_job(job_id)
        print(
            f"  job {job_id}: {job.state.value}: {job.inserted} inserted, {job.failed} failed of {job.total}"
        )

        print("\nWhat landed in process VoiceProcess (read back with getProcessData):")
        for lead in LEADS:
            for record in hook.get_process_data(search="mobilenumber", value=lead["mobilenumber"]).records:
                print(f"  {record['name']:<12} {record['mobilenumber']:<15} dialable={record['dialable']}")
        print(f"\nWhat landed in campaign {CAMPAIGN_ID}:")
        for customer in sandbox.store.campaign_customers(CAMPAIGN_ID):
            print(f"  {customer['name']:<12} {customer['phone1']:<15} status={customer['status']}")
        print(f"Dial list of campaign {CAMPAIGN_ID}:")
        for entry in sandbox.store.dial_list(CAMPAIGN_ID):
            print(f"  {entry['phone']:<15} priority={entry['priority']}")
        hook.close()


if __name__ == "__main__":
    main()
