"""Soak: 100k records and 50 file jobs through the operators while the platform fails often
(10% HTTP 5xx, 5% connection resets, 2% answers slower than the client's timeout, 2% answers
lost after the platform acted). Nothing may be lost or doubled, and the summaries add up.

It runs against both sandbox profiles. Where the platform cannot list a campaign's jobs, a file
job whose submission answer is lost fails its task ("a job may have been created") rather than
be sent again; the test then does what that message asks of a user: it looks for the job in the
console (the sandbox's store), and only when there is none clears the task's state and runs it
again. Duplicates are counted in the sandbox's store, not inferred.

A variant on the `documented` profile garbles 200 answers instead: a PHP notice printed before
the answer, or an answer cut short with no Content-Length (read whole, but not JSON). The
platform acted on each; the hook must not act twice."""

import time

import pytest

from airflow_provider_jodo.compat.airflow import AirflowException, AirflowFailException
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator
from jodo_sandbox import Fault, FaultPlan, JodoSandbox
from tests.support.file_servers import http_file_server
from tests.support.task_context import TaskStateStore, task_context

RECORDS = 100_000
JOBS = 50
FAULT_RATES = {Fault.SERVER_ERROR: 0.10, Fault.RESET: 0.05, Fault.SLOW: 0.02, Fault.LOST: 0.02}
CLIENT_RETRIES = {"retry_backoff": 0.01, "max_retries": 10, "timeout": 0.5}


USER_LOOKS_AT_MOST = 10
GARBLED_RECORDS = 5_000
GARBLED_JOBS = 30
GARBLED_PUSH_RATES = {Fault.NOTICE: 0.03, Fault.CUT: 0.03}
GARBLED_JOB_RATES = {Fault.NOTICE: 0.08, Fault.CUT: 0.08}
AIRFLOW_TRIES_AT_MOST = 20


@pytest.fixture
def flaky_platform(sandbox_profile):
    plan = FaultPlan(FAULT_RATES, seed=20261123, slow_seconds=1.0)
    with JodoSandbox(job_poll_interval=0.02, faults=plan, profile=sandbox_profile) as sandbox:
        yield sandbox


def test_soak_no_record_lost_no_job_doubled(flaky_platform, connect_to, tmp_path):
    sandbox = flaky_platform
    hook = connect_to(sandbox, extra=CLIENT_RETRIES)
    leads = _leads(RECORDS)
    summary = JodoImportProcessDataOperator(
        task_id="push",
        records=leads,
        media=12,
        update_key="mobilenumber",
        report_path=str(tmp_path / "report.jsonl"),
        jodo_conn_id=hook.jodo_conn_id,
    ).execute(task_context())
    assert summary["total"] == RECORDS
    assert summary["inserted"] + summary["updated"] + summary["accepted"] + summary["rejected"] == RECORDS
    assert summary["rejected"] == 0
    assert len((tmp_path / "report.jsonl").read_text().splitlines()) == RECORDS  # one line per record
    stored = {c["mobilenumber"] for c in sandbox.store.process_customers("VoiceProcess")}
    assert stored == {lead["mobilenumber"] for lead in leads}  # 0 lost, none doubled (a set of 100k)
    assert len(sandbox.store.process_customers("VoiceProcess")) == RECORDS

    unconfirmed = _import_files_as_a_user_would(sandbox, hook, tmp_path, JOBS)
    injected = sandbox.faults.injected
    print(
        f"soak ({sandbox.profile.value}): {sandbox.faults.requests_seen} API requests, injected "
        f"{dict(injected)}, {unconfirmed} file tasks failed unconfirmed"
    )
    assert all(injected[fault] > 0 for fault in FAULT_RATES)  # every kind of fault really happened
    if sandbox.profile.lists_jobs:
        assert unconfirmed == 0  # the listing settles every lost answer


@pytest.mark.sandbox_profiles("documented")
def test_soak_garbled_answers_make_no_duplicate_job_and_lose_no_record(sandbox_profile, connect_to, tmp_path):
    plan = FaultPlan(GARBLED_PUSH_RATES, seed=20261207)
    with JodoSandbox(job_poll_interval=0.02, faults=plan, profile=sandbox_profile) as sandbox:
        hook = connect_to(sandbox, extra=CLIENT_RETRIES)
        leads = _leads(GARBLED_RECORDS)
        sandbox.faults.script(Fault.CUT, Fault.NOTICE)  # the push's first batches, at least, are garbled
        push = JodoImportProcessDataOperator(
            task_id="push", records=leads, media=12, update_key="mobilenumber", jodo_conn_id=hook.jodo_conn_id
        )
        _, push_tries = _as_airflow_would(lambda: push.execute(task_context()))  # resent whole: upserts
        stored = [c["mobilenumber"] for c in sandbox.store.process_customers("VoiceProcess")]
        assert sorted(stored) == sorted(lead["mobilenumber"] for lead in leads)  # 0 lost, none doubled

        sandbox.faults.set_rates(GARBLED_JOB_RATES)
        unconfirmed = _import_files_as_a_user_would(sandbox, hook, tmp_path, GARBLED_JOBS)
        injected = sandbox.faults.injected
        print(
            f"garbled soak: {sandbox.faults.requests_seen} API requests, injected {dict(injected)}, "
            f"push in {push_tries} tries, {unconfirmed} file tasks failed unconfirmed"
        )
    assert injected[Fault.NOTICE] > 0 and injected[Fault.CUT] > 0
    assert push_tries > 1  # a garbled answer failed a try of the push, and the retry lost nothing
    assert unconfirmed > 0  # a garbled answer did hit a submission: the path under test ran


def _leads(count):
    return [
        {"name": f"Lead {n}", "mobilenumber": f"91980{n:07d}", "emailid": f"lead{n}@example.com"}
        for n in range(count)
    ]


def _import_files_as_a_user_would(sandbox, hook, tmp_path, jobs):
    """Import `jobs` one-line files as file jobs into campaign 1, each followed up as a user would
    (`_run_as_a_user_would`); check that each has one job and its customer. Return how many
    tries failed unconfirmed."""
    for n in range(jobs):
        (tmp_path / f"night-{n}.csv").write_text(f"name,phone1\nCustomer {n},55119{n:08d}\n")
    unconfirmed = 0
    with http_file_server(tmp_path) as files:
        for n in range(jobs):
            operator = JodoImportCJIFileOperator(
                task_id=f"import_{n}",
                campaign_id=1,
                source="http",
                file_url=f"{files}/night-{n}.csv",
                delrow=1,
                phone_field="phone1",
                poll_interval=0.02,
                jodo_conn_id=hook.jodo_conn_id,
            )
            job, failed_unconfirmed = _run_as_a_user_would(sandbox, operator)
            unconfirmed += failed_unconfirmed
            assert (job["state"], job["total"], job["inserted"]) == ("succeeded", 1, 1)
    jobs_by_file = sandbox.store.import_job_ids_by_file()
    assert sorted(len(ids) for ids in jobs_by_file.values()) == [1] * jobs  # 0 duplicate jobs
    assert len(sandbox.store.campaign_customers(1)) == jobs  # 0 customers lost
    return unconfirmed


def _as_airflow_would(execute):
    """(what `execute` returned, in how many tries): run again after each retryable failure, as
    Airflow does for a task with retries."""
    for tries in range(1, AIRFLOW_TRIES_AT_MOST + 1):
        try:
            return execute(), tries
        except AirflowFailException:
            raise
        except AirflowException:
            continue
    raise AssertionError(f"still failing after {AIRFLOW_TRIES_AT_MOST} tries")


def _run_as_a_user_would(sandbox, operator):
    """(the job's final status, how many tries failed unconfirmed). A retryable failure runs the
    task again with the same state, as Airflow does. A try that fails saying a job may have been
    created is followed up as its message says: the console (the store) is checked for the
    file's job; without one, the task's state is cleared and it runs again."""
    store = TaskStateStore()
    for failures in range(USER_LOOKS_AT_MOST):
        try:
            job, _ = _as_airflow_would(lambda: operator.execute(task_context(store)))
            return job, failures
        except AirflowFailException as error:
            assert not sandbox.profile.lists_jobs and "a job may have been created" in str(error)
        created = sandbox.store.import_job_ids_by_file().get((1, operator.file_url), [])
        assert len(created) <= 1  # never a second job
        if created:
            return _finished(sandbox, created[0]), failures + 1
        store.clear()  # no job was made: the user deletes the state key and clears the task
    raise AssertionError(f"{operator.task_id} failed unconfirmed {USER_LOOKS_AT_MOST} times")


def _finished(sandbox, job_id, timeout=30.0):
    deadline = time.monotonic() + timeout
    while (job := sandbox.store.import_job(job_id))["state"] in ("scheduled", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return job
