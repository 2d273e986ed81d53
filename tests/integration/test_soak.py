"""Soak: 100k records and 50 file jobs through the operators while the platform fails often
(10% HTTP 5xx, 5% connection resets, 2% answers slower than the client's timeout, 2% answers
lost after the platform acted). Nothing may be lost or doubled, and the summaries add up."""

import pytest
from file_servers import http_file_server
from task_context import TaskStateStore, task_context

from airflow_provider_jodo.operators.jodo import JodoImportCJIOperator, JodoImportProcessDataOperator
from airflow_provider_jodo.sandbox import Fault, FaultPlan, JodoSandbox

RECORDS = 100_000
JOBS = 50
FAULT_RATES = {Fault.SERVER_ERROR: 0.10, Fault.RESET: 0.05, Fault.SLOW: 0.02, Fault.LOST: 0.02}
CLIENT_RETRIES = {"retry_backoff": 0.01, "max_retries": 10, "timeout": 0.5}


@pytest.fixture
def flaky_platform():
    plan = FaultPlan(FAULT_RATES, seed=20261123, slow_seconds=1.0)
    with JodoSandbox(job_poll_interval=0.02, faults=plan) as sandbox:
        yield sandbox


def test_soak_no_record_lost_no_job_doubled(flaky_platform, connect_to, tmp_path):
    sandbox = flaky_platform
    hook = connect_to(sandbox, extra=CLIENT_RETRIES)
    leads = [
        {"name": f"Lead {n}", "mobilenumber": f"91980{n:07d}", "emailid": f"lead{n}@example.com"}
        for n in range(RECORDS)
    ]
    summary = JodoImportProcessDataOperator(
        task_id="push",
        records=leads,
        media=12,
        update_key="mobilenumber",
        report_path=str(tmp_path / "report.jsonl"),
        jodo_conn_id=hook.jodo_conn_id,
    ).execute(task_context())
    assert summary["total"] == RECORDS
    assert summary["inserted"] + summary["updated"] + summary["rejected"] == RECORDS
    assert summary["rejected"] == 0
    assert len((tmp_path / "report.jsonl").read_text().splitlines()) == RECORDS  # one line per record
    stored = {c["mobilenumber"] for c in sandbox.store.process_customers("VoiceProcess")}
    assert stored == {lead["mobilenumber"] for lead in leads}  # 0 lost, none doubled (a set of 100k)
    assert len(sandbox.store.process_customers("VoiceProcess")) == RECORDS

    for n in range(JOBS):
        (tmp_path / f"night-{n}.csv").write_text(f"name,phone1\nCustomer {n},55119{n:08d}\n")
    with http_file_server(tmp_path) as files:
        for n in range(JOBS):
            job = JodoImportCJIOperator(
                task_id=f"import_{n}",
                campaign_id=1,
                source="http",
                file_url=f"{files}/night-{n}.csv",
                delrow=1,
                phone_field="phone1",
                poll_interval=0.02,
                jodo_conn_id=hook.jodo_conn_id,
            ).execute(task_context(TaskStateStore()))
            assert (job["state"], job["total"], job["inserted"]) == ("succeeded", 1, 1)
    job_ids = [job_id for job_id in range(1, JOBS + 2) if _exists(sandbox, job_id)]
    assert len(job_ids) == JOBS  # 0 duplicate jobs
    assert len(sandbox.store.campaign_customers(1)) == JOBS
    injected = sandbox.faults.injected
    print(f"soak: {sandbox.faults.requests_seen} API requests, injected {dict(injected)}")
    assert all(injected[fault] > 0 for fault in FAULT_RATES)  # every kind of fault really happened


def _exists(sandbox, job_id):
    try:
        sandbox.store.import_job(job_id)
    except KeyError:
        return False
    return True
