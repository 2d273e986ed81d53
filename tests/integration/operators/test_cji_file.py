"""The importCJI operators against the sandbox: inline records (`JodoImportCJIRecordsOperator`),
file jobs with sync and deferrable waits, failed jobs, and a retry that reuses the job of an
earlier try (`JodoImportCJIFileOperator`).

The task context is reduced to what the operator uses (tests/task_context.py); the example
DAGs and tests/integration/test_under_airflow.py run it under `dag.test()`."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pendulum
import pytest
from conftest import POLL_SECONDS, sandbox_secrets
from file_servers import http_file_server
from task_context import TaskStateStore, task_context

from airflow_provider_jodo.compat.airflow import AirflowException, AirflowFailException, TaskDeferred
from airflow_provider_jodo.exceptions import JodoConnectionError
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator
from jodo_sandbox import Fault, JodoSandbox, SandboxSeed

CAMPAIGN = 1


def records_operator(hook, **kwargs):
    return JodoImportCJIRecordsOperator(
        task_id="import", campaign_id=CAMPAIGN, jodo_conn_id=hook.jodo_conn_id, **kwargs
    )


def file_operator(hook, **kwargs):
    kwargs.setdefault("poll_interval", 0.05)
    return JodoImportCJIFileOperator(
        task_id="import", campaign_id=CAMPAIGN, jodo_conn_id=hook.jodo_conn_id, **kwargs
    )


def phones(sandbox):
    return sorted(c["phone1"] for c in sandbox.store.campaign_customers(CAMPAIGN))


def test_data_records_each_end_with_an_outcome(sandbox, connect):
    hook = connect()
    records = [
        {"name": "Ana", "phone1": "5511900000001"},
        {"name": "Ana again", "phone1": "5511900000001"},  # duplicate, default policy: skipped
        {"name": "No phone"},  # required field missing: rejected
        {"name": "a||b", "phone1": "5511900000002"},  # cannot be sent: rejected, never mangled
        "not a record",
        {"name": "Bia", "phone1": "5511900000003"},
    ]
    summary = records_operator(hook, records=records).execute(task_context())
    assert {k: summary[k] for k in ("total", "inserted", "updated", "skipped", "rejected")} == {
        "total": 6,
        "inserted": 2,
        "updated": 0,
        "skipped": 1,
        "rejected": 3,
    }
    assert [r["index"] for r in summary["rejections"]] == [2, 3, 4]
    assert "BackMsg_76" in summary["rejections"][0]["reason"]
    assert phones(sandbox) == ["5511900000001", "5511900000003"]
    again = records_operator(hook, records=records[:1], duplicate_way="update").execute(task_context())
    assert again["updated"] == 0 and again["skipped"] == 1  # same values: nothing changed


def test_file_job_waits_in_the_worker_and_returns_counts(sandbox, connect, files):
    hook = connect()
    ctx = task_context()
    job = file_operator(
        hook,
        source="http",
        file_url=f"{files}/leads.csv",
        delrow=1,
        phone_field="phone1",
        exetime=pendulum.duration(seconds=1),
    ).execute(ctx)
    assert job["state"] == "succeeded" and job["inserted"] == 2
    assert ctx["ti"].xcom["job_id"] == job["job_id"]
    assert ctx["ti"].xcom["job_url"] == f"{sandbox.base_url}/shelljobs/{job['job_id']}"  # the task's link
    assert phones(sandbox) == ["5511900000001", "5511900000002"]
    assert len(sandbox.store.dial_list(CAMPAIGN)) == 2


def test_a_failed_job_fails_the_task_naming_the_job_and_its_errors(connect, files):
    hook = connect()
    with pytest.raises(AirflowFailException, match=r"import job \d+ failed.*BackMsg_74"):
        file_operator(hook, source="http", file_url=f"{files}/broken.csv", delrow=1).execute(task_context())


@pytest.mark.sandbox_profiles("full")
def test_a_job_that_vanishes_while_the_worker_waits_fails_the_task_without_a_retry(
    sandbox_profile, connect_to, files, request
):
    """As when the platform restarts on an empty database during the wait. Was: the worker let
    JodoNotFoundError through, retryable, while the triggerer failed the task at once."""
    seed = SandboxSeed()  # the same secrets after the restart: the connection still logs in
    with ThreadPoolExecutor(1) as worker:
        with JodoSandbox(job_poll_interval=POLL_SECONDS, seed=seed, profile=sandbox_profile) as platform:
            request.node.sandbox_secrets = sandbox_secrets(platform)
            port = int(platform.base_url.rsplit(":", 1)[1])
            # Retries bridge the moment the platform is down; the job is due in an hour.
            hook = connect_to(platform, extra={"retry_backoff": 0.05})
            waiting = file_operator(
                hook, source="http", file_url=f"{files}/leads.csv", delrow=1, exetime="PT1H"
            )
            task = worker.submit(waiting.execute, task_context(TaskStateStore()))
            started = time.monotonic()
            while platform.faults.requests_seen < 4:  # listed, submitted, and looked at twice
                assert time.monotonic() - started < 10 and not task.done(), "the task never waited"
                time.sleep(POLL_SECONDS)
        with JodoSandbox(
            job_poll_interval=POLL_SECONDS, seed=seed, profile=sandbox_profile, port=port
        ) as restarted:
            with pytest.raises(
                AirflowFailException, match=r"^import job 1: .*the platform knows no such job"
            ):
                task.result(timeout=30)
            assert restarted.store.import_job_ids_by_file() == {}  # nor was the file submitted again


def test_deferrable_wait_goes_to_the_trigger(connect, files):
    hook = connect()
    far = pendulum.now("UTC").add(years=9)  # within exetime's bound of 10 years
    op = file_operator(
        hook,
        source="http",
        file_url=f"{files}/leads.csv",
        delrow=1,
        deferrable=True,
        timeout=60,
        exetime=far.isoformat(),
    )
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(task_context())
    trigger = deferred.value.trigger
    assert trigger.deadline > far.timestamp()  # timeout counts from exetime
    # A job due in 3 s: the operator's first look finds it scheduled and defers (with exetime
    # "now" the sandbox may finish the job before that look, and the operator rightly returns).
    immediate = file_operator(
        hook, source="http", file_url=f"{files}/leads.csv", delrow=1, deferrable=True, exetime="PT3S"
    )
    with pytest.raises(TaskDeferred) as deferred:
        immediate.execute(task_context())

    async def first_event():
        async for event in deferred.value.trigger.run():
            return event.payload

    event = asyncio.run(first_event())
    assert immediate.execute_complete(task_context(), event)["inserted"] == 2
    for status in ("timeout", "error"):  # the job may still run: retryable, and a retry reuses it
        with pytest.raises(AirflowException, match="still") as error:
            immediate.execute_complete(task_context(), {**event, "status": status, "message": "still"})
        assert not isinstance(error.value, AirflowFailException)


def test_a_retry_reuses_the_job_of_the_earlier_try(sandbox, connect, files):
    hook = connect()
    store = TaskStateStore()
    first_try = task_context(store)
    op = file_operator(
        hook, source="http", file_url=f"{files}/leads.csv", delrow=1, wait_for_completion=False
    )
    job_id = op.execute(first_try)["job_id"]
    second_try = task_context(store)
    assert op.execute(second_try)["job_id"] == job_id
    assert second_try["ti"].xcom["job_id"] == job_id
    with pytest.raises(KeyError):
        sandbox.store.import_job(str(int(job_id) + 1))  # no second job was created


FILE_JOB = {"source": "http", "file_url": "http://h/a.csv"}


@pytest.mark.parametrize(
    ("operator_class", "kwargs", "message"),
    [
        (JodoImportCJIFileOperator, {**FILE_JOB, "source": "s3"}, "source='s3'"),
        (JodoImportCJIFileOperator, {**FILE_JOB, "source": "data"}, "use JodoImportCJIRecordsOperator"),
        (JodoImportCJIRecordsOperator, {"records": [], "duplicate_way": "merge"}, "duplicate_way='merge'"),
        (JodoImportCJIFileOperator, {**FILE_JOB, "poll_interval": 0}, "poll_interval=0"),
        (JodoImportCJIRecordsOperator, {"records": [], "max_in_flight": 0}, "max_in_flight=0"),
        (
            JodoImportCJIRecordsOperator,
            {"records": [], "progress_every_seconds": -1},
            "progress_every_seconds=-1",
        ),
        (
            JodoImportCJIFileOperator,
            {**FILE_JOB, "file_url": "http://user:pw@h/a.csv"},
            "'http://h/a.csv' carries a login",
        ),
    ],
)
def test_bad_parameters_fail_when_the_dag_is_parsed(operator_class, kwargs, message):
    with pytest.raises(ValueError, match=message):
        operator_class(task_id="import", campaign_id=CAMPAIGN, **kwargs)


def test_naive_exetime_fails_before_submitting(sandbox, connect, files):
    hook = connect()
    with pytest.raises(ValueError, match=r"exetime=.*has no time zone"):
        file_operator(hook, source="http", file_url=f"{files}/leads.csv", exetime="2026-11-23 07:00").execute(
            task_context()
        )
    with pytest.raises(KeyError):
        sandbox.store.import_job("1")


def test_a_retry_after_a_failed_job_submits_a_new_one(sandbox, connect, files):
    hook = connect()
    store = TaskStateStore()
    op = file_operator(hook, source="http", file_url=f"{files}/broken.csv", delrow=1)
    with pytest.raises(AirflowFailException):
        op.execute(task_context(store))
    first_job = next(iter(store.values()))["job_id"]
    with pytest.raises(AirflowFailException):
        op.execute(task_context(store))
    assert next(iter(store.values()))["job_id"] != first_job
    assert sandbox.store.import_job(first_job)["state"] == "failed"


def test_without_a_task_state_store_a_retry_submits_again_and_says_so(sandbox, connect, files, capfd):
    """Airflow 3.0-3.2 have no task state store: each try submits its own job, as the log warns."""
    hook = connect()
    op = file_operator(
        hook, source="http", file_url=f"{files}/leads.csv", delrow=1, wait_for_completion=False
    )
    first = op.execute(task_context(with_store=False))["job_id"]
    second = op.execute(task_context(with_store=False))["job_id"]
    assert first != second
    assert sandbox.store.import_job(first)["jobid"] == first
    assert capfd.readouterr().out.count("has no task state store") == 2  # task logs go through structlog


@pytest.mark.sandbox_profiles("full")
def test_a_retry_finds_the_job_whose_submission_answer_the_earlier_try_lost(sandbox, connect, files):
    hook = connect(extra={"max_retries": 0})  # the first try dies on the lost answer
    store = TaskStateStore()
    op = file_operator(
        hook, source="http", file_url=f"{files}/leads.csv", delrow=1, wait_for_completion=False
    )
    # The listing passes, the submission's answer is lost, and so is the look for its job.
    sandbox.faults.script(None, Fault.LOST, Fault.LOST)
    with pytest.raises(JodoConnectionError):
        op.execute(task_context(store))
    assert sandbox.store.import_job_ids_by_file()[(CAMPAIGN, f"{files}/leads.csv")] == ["1"]
    second_try = task_context(store)
    job_id = op.execute(second_try)["job_id"]
    assert sandbox.store.import_job(job_id)["jobid"] == job_id == second_try["ti"].xcom["job_id"]
    with pytest.raises(KeyError):
        sandbox.store.import_job(int(job_id) + 1)  # the retry did not submit again


def test_a_bad_campaign_id_fails_the_task_instead_of_rejecting_every_record(sandbox, connect):
    # Found while fuzzing: any ValueError from the hook rejected the record, so a templated
    # campaign_id that rendered to text "succeeded" with every record rejected.
    hook = connect()
    task = JodoImportCJIRecordsOperator(
        task_id="import",
        campaign_id="{{ no campaign }}",
        jodo_conn_id=hook.jodo_conn_id,
        records=[{"name": "Ana", "phone1": "5511900000001"}],
    )
    with pytest.raises(ValueError, match="campaign_id"):
        task.execute(task_context())
    assert phones(sandbox) == []


@pytest.mark.sandbox_latency(0.02)
def test_data_records_go_concurrently_but_never_more_than_max_in_flight(sandbox, connect, capfd):
    records = [{"name": f"Lead {i}", "phone1": f"55119{i:08d}"} for i in range(60)]
    records[7] = {"name": "No phone"}
    summary = records_operator(
        connect(), records=records, max_in_flight=3, progress_every_records=25
    ).execute(task_context())
    assert 1 < sandbox.peak_concurrent_requests <= 3  # answers held 20 ms: calls overlapped
    assert (summary["total"], summary["inserted"], summary["rejected"]) == (60, 59, 1)
    assert summary["rejections"][0]["index"] == 7  # in input order, whatever order calls ended in
    assert phones(sandbox) == sorted(r["phone1"] for r in records if "phone1" in r)
    log = capfd.readouterr().out
    assert "importCJI into campaign 1: 25 of 60 records done (42%)" in log
    assert "importCJI into campaign 1: 50 of 60 records done (83%)" in log
    assert "1 rejected so far" in log


@pytest.mark.sandbox_profiles("full")
def test_a_lost_answer_is_found_before_the_try_gives_up(sandbox, connect, files):
    hook = connect(extra={"max_retries": 0})
    op = file_operator(
        hook, source="http", file_url=f"{files}/leads.csv", delrow=1, wait_for_completion=False
    )
    sandbox.faults.script(None, Fault.LOST)  # the listing passes, the submission's answer is lost
    job_id = op.execute(task_context(TaskStateStore()))["job_id"]
    assert sandbox.store.import_job_ids_by_file()[(CAMPAIGN, f"{files}/leads.csv")] == [job_id]


@pytest.mark.sandbox_profiles("documented")
def test_without_a_job_listing_an_unconfirmed_submission_stops_every_later_try(sandbox, connect, files):
    hook = connect(extra={"max_retries": 0, "timeout": 0.5})
    store = TaskStateStore()
    file_url = f"{files}/leads.csv"
    op = file_operator(hook, source="http", file_url=file_url, delrow=1, wait_for_completion=False)
    sandbox.faults.slow_seconds = 1.0
    sandbox.faults.script(None, Fault.SLOW)  # the listing probe passes; the submission times out
    with pytest.raises(AirflowFailException, match="a job may have been created") as first:
        op.execute(task_context(store))
    assert f"into campaign {CAMPAIGN}" in str(first.value) and file_url in str(first.value)
    assert f"job pages: {sandbox.base_url}/shelljobs/{{job_id}}" in str(first.value)
    with pytest.raises(AirflowFailException, match="An earlier try of this task submitted") as second:
        op.execute(task_context(store))  # a retry, or a cleared task: still no blind resubmission
    assert "state store key" in str(second.value) and "got no answer" in str(second.value)
    assert sandbox.store.import_job_ids_by_file()[(CAMPAIGN, file_url)] == ["1"]  # one job, never two
    (state_key,) = store  # keyed by a digest of the URL, which the message names
    assert state_key in str(second.value) and file_url not in state_key
    del store[state_key]  # the user checked the console and chose to go on
    assert op.execute(task_context(store))["job_id"] == "2"


@pytest.mark.sandbox_profiles("documented")
def test_without_a_job_listing_a_submission_that_surely_failed_leaves_a_retry_free(sandbox, connect, files):
    hook = connect(extra={"max_retries": 0})
    store = TaskStateStore()
    file_url = f"{files}/leads.csv"
    op = file_operator(hook, source="http", file_url=file_url, delrow=1, wait_for_completion=False)
    sandbox.faults.script(None, Fault.THROTTLED)  # 429: not acted on, and no retries left
    with pytest.raises(AirflowException, match="HTTP 429") as first:
        op.execute(task_context(store))
    assert not isinstance(first.value, AirflowFailException)  # retryable
    assert store == {}
    assert op.execute(task_context(store))["job_id"] == "1"
    assert sandbox.store.import_job_ids_by_file()[(CAMPAIGN, file_url)] == ["1"]


def run_with_one_retry(op, store):
    """Run the task as Airflow would with `retries=1`: a retryable failure runs it once more.
    Return what the last try returned, or the exception it ended with."""
    for last_try in (False, True):
        try:
            return op.execute(task_context(store))
        except AirflowFailException as error:
            return error  # not retryable
        except AirflowException as error:
            if last_try:
                return error
    raise AssertionError("unreachable")


@pytest.mark.sandbox_profiles("documented")
def test_without_a_job_listing_a_cut_answer_to_the_submission_never_makes_a_second_job(
    sandbox, connect, files
):
    # The platform creates the job, then the answer is cut short with no Content-Length: it
    # reads as a whole 200 answer that is not JSONP. Before issue 21, the mark went and the
    # retry submitted again: two jobs for one file.
    hook = connect(extra={"max_retries": 0})
    store = TaskStateStore()
    file_url = f"{files}/leads.csv"
    op = file_operator(hook, source="http", file_url=file_url, delrow=1, wait_for_completion=False)
    sandbox.faults.script(None, Fault.CUT)  # the listing probe passes; the submission's answer is cut
    outcome = run_with_one_retry(op, store)
    assert sandbox.store.import_job_ids_by_file()[(CAMPAIGN, file_url)] == ["1"]  # one job, never two
    assert isinstance(outcome, AirflowFailException)  # not retryable: a retry cannot tell either
    message = str(outcome)
    assert f"a job may have been created for {file_url}" in message
    assert "but its answer could not be read (the answer is not JSON or JSONP" in message
    assert f"job pages: {sandbox.base_url}/shelljobs/{{job_id}}" in message
    (state_key,) = store  # the mark stays, and the message says how to go on
    assert f"to import anyway, delete this task's state store key {state_key!r}" in message


@pytest.mark.sandbox_profiles("documented")
def test_without_a_job_listing_a_notice_before_the_answer_never_makes_a_second_job(sandbox, connect, files):
    # PHP prints a notice before the JSONP. Whether the hook reads past it or not, the file is
    # imported once: the task succeeds with the job, or fails saying a job may have been created.
    hook = connect(extra={"max_retries": 0})
    file_url = f"{files}/leads.csv"
    op = file_operator(hook, source="http", file_url=file_url, delrow=1, wait_for_completion=False)
    sandbox.faults.script(None, Fault.NOTICE)
    outcome = run_with_one_retry(op, TaskStateStore())
    assert sandbox.store.import_job_ids_by_file()[(CAMPAIGN, file_url)] == ["1"]
    assert outcome == {"job_id": "1", "job_url": f"{sandbox.base_url}/shelljobs/1"} or (
        isinstance(outcome, AirflowFailException) and "a job may have been created" in str(outcome)
    )


@pytest.mark.sandbox_profiles("full")
@pytest.mark.parametrize("fault", [Fault.CUT, Fault.NOTICE])
def test_with_a_job_listing_a_garbled_answer_to_the_submission_finds_its_job_in_the_same_try(
    sandbox, connect, files, fault
):
    hook = connect(extra={"max_retries": 0})
    file_url = f"{files}/leads.csv"
    op = file_operator(hook, source="http", file_url=file_url, delrow=1, wait_for_completion=False)
    sandbox.faults.script(None, fault)
    assert op.execute(task_context(TaskStateStore()))["job_id"] == "1"
    assert sandbox.store.import_job_ids_by_file()[(CAMPAIGN, file_url)] == ["1"]


@pytest.mark.sandbox_profiles("documented-no-status")
def test_without_a_status_method_a_job_is_submitted_but_not_waited_for(sandbox, connect, files, capfd):
    hook = connect()
    file_url = f"{files}/leads.csv"
    context = task_context(TaskStateStore())
    job_id = file_operator(
        hook, source="http", file_url=file_url, delrow=1, wait_for_completion=False
    ).execute(context)["job_id"]
    assert context["ti"].xcom["job_url"] == f"{sandbox.base_url}/shelljobs/{job_id}"
    log = capfd.readouterr().out
    assert log.count("The platform has no job status method (HTTP 404 at /setevent/importStatusCJI)") == 1
    assert log.count("The platform has no listing of a campaign's import jobs") == 1
    for deferrable in (False, True):
        waiting = file_operator(hook, source="http", file_url=file_url, delrow=1, deferrable=deferrable)
        with pytest.raises(AirflowFailException) as raised:  # fails in the worker, never defers
            waiting.execute(task_context(TaskStateStore()))
        message = str(raised.value)
        assert message.startswith(f"import job {int(job_id) + 1 + deferrable} was submitted (job page: ")
        assert "no job status method (HTTP 404 at /setevent/importStatusCJI)" in message
    assert len(sandbox.store.import_job_ids_by_file()[(CAMPAIGN, file_url)]) == 3


def test_a_job_stuck_in_progress_fails_the_retry_instead_of_being_waited_for_forever(
    sandbox, connect, tmp_path
):
    """As after a platform restart: the job never leaves `running` (its file never comes)."""
    import threading
    import time

    (tmp_path / "leads.csv").write_text("name,phone1\nAna,5511900000001\n")
    hook = connect()
    store = TaskStateStore()
    never = threading.Event()
    with http_file_server(tmp_path, gate=never) as files:
        file_url = f"{files}/leads.csv"
        stuck_after = {"stuck_after": 1.0, "delrow": 1}
        first = file_operator(hook, source="http", file_url=file_url, timeout=0.3, **stuck_after)
        try:
            with pytest.raises(AirflowException, match="timed out waiting") as timed_out:
                first.execute(task_context(store))
            assert not isinstance(timed_out.value, AirflowFailException)  # a retry may wait again
            time.sleep(1.1)  # past stuck_after since the job was due
            with pytest.raises(AirflowFailException) as stuck:
                first.execute(task_context(store))  # the retry: the same job, still running
            message = str(stuck.value)
            assert message.startswith(
                f"import job 1 (job page: {sandbox.base_url}/shelljobs/1) is still running"
            )
            assert "stuck_after=1 s" in message and "set resubmit_stuck_job=True" in message
            assert sandbox.store.import_job_ids_by_file()[(CAMPAIGN, file_url)] == ["1"]  # none resubmitted
            resubmitting = file_operator(
                hook,
                source="http",
                file_url=file_url,
                resubmit_stuck_job=True,
                wait_for_completion=False,
                **stuck_after,
            )
            assert resubmitting.execute(task_context(store))["job_id"] == "2"
        finally:
            never.set()  # the sandbox finishes its jobs before it stops
    assert sandbox.store.import_job_ids_by_file()[(CAMPAIGN, file_url)] == ["1", "2"]


def test_stuck_after_defaults_to_twice_the_timeout():
    file_job = {"task_id": "i", "campaign_id": 1, **FILE_JOB}
    assert JodoImportCJIFileOperator(**file_job, timeout=300).stuck_after == 600
    assert JodoImportCJIFileOperator(**file_job).stuck_after == 24 * 3600
    with pytest.raises(ValueError, match="stuck_after=0"):
        JodoImportCJIFileOperator(**file_job, stuck_after=0)


@pytest.mark.parametrize("deferrable", [False, True])
def test_the_file_operator_returns_the_job_as_a_dict_waiting_or_not(sandbox, connect, files, deferrable):
    hook = connect()
    store = TaskStateStore()

    def leads_operator(**kwargs):
        return file_operator(
            hook, source="http", file_url=f"{files}/leads.csv", delrow=1, deferrable=deferrable, **kwargs
        )

    submitted = leads_operator(wait_for_completion=False).execute(task_context(store))
    assert submitted == {"job_id": "1", "job_url": f"{sandbox.base_url}/shelljobs/1"}
    deadline = time.monotonic() + 30
    while sandbox.store.import_job("1")["state"] != "succeeded":  # a deferrable wait then needs no trigger
        assert time.monotonic() < deadline, "the sandbox never ran the job"
        time.sleep(0.05)
    job = leads_operator().execute(task_context(store))  # a retry: the same job, waited for
    assert (job["job_id"], job["state"], job["inserted"]) == ("1", "succeeded", 2)
    assert sandbox.store.import_job_ids_by_file()[(CAMPAIGN, f"{files}/leads.csv")] == ["1"]


def test_the_records_operator_returns_the_summary(sandbox, connect):
    summary = JodoImportCJIRecordsOperator(
        task_id="import",
        campaign_id=CAMPAIGN,
        records=[{"name": "Ana", "phone1": "5511900000001"}, "not a record"],
        jodo_conn_id=connect().jodo_conn_id,
    ).execute(task_context())
    assert {k: summary[k] for k in ("campaign_id", "total", "inserted", "rejected")} == {
        "campaign_id": "1",
        "total": 2,
        "inserted": 1,
        "rejected": 1,
    }
    assert summary["rejections"] == [{"index": 1, "reason": "not a dict but str"}]


def test_a_file_url_that_renders_to_no_csv_fails_before_any_call(sandbox, connect):
    """Was: the job listing and the submission were sent, for the platform to answer BackMsg_86."""
    task = file_operator(connect(), source="http", file_url="{{ params.url }}")
    task.file_url = "https://exports.example.com/leads.json?token=abc.csv"  # as rendered
    store = TaskStateStore()
    with pytest.raises(
        ValueError, match=r"^file_url '.*leads.json\?token=abc.csv' does not name a \.csv file"
    ):
        task.execute(task_context(store))
    assert sandbox.faults.requests_seen == 0 and store == {}
