"""The importCJI file operator (`JodoImportCJIFileOperator`) against the sandbox: file jobs with
sync and deferrable waits, failed and stuck jobs, a retry that reuses the job of an earlier try,
a lost submission answer found again, and runs that submit at the same time (status calls held
at a gate, so that two runs interleave where they must not take each other's job).

The task context is reduced to what the operator uses (tests/support/task_context.py); the
example DAGs and tests/integration/under_airflow/ run it under `dag.test()`."""

import asyncio
import http.client
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

import pendulum
import pytest

from airflow_provider_jodo.compat.airflow import (
    AIRFLOW_VERSION,
    AirflowException,
    AirflowFailException,
    TaskDeferred,
)
from airflow_provider_jodo.exceptions import (
    JodoAmbiguousJobError,
    JodoConnectionError,
    JodoNothingLoadedError,
)
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from jodo_sandbox import Fault, JodoSandbox, SandboxSeed
from tests.support.file_servers import http_file_server
from tests.support.sandbox_fixtures import POLL_SECONDS, sandbox_secrets
from tests.support.task_context import TaskStateStore, task_context

CAMPAIGN = 1


def file_operator(hook, **kwargs):
    kwargs.setdefault("poll_interval", 0.05)
    return JodoImportCJIFileOperator(
        task_id="import", campaign_id=CAMPAIGN, jodo_conn_id=hook.jodo_conn_id, **kwargs
    )


def phones(sandbox):
    return sorted(c["phone1"] for c in sandbox.store.campaign_customers(CAMPAIGN))


FILE_JOB = {"source": "http", "file_url": "http://h/a.csv"}


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


WITHIN_THE_TRY = "look-before-resending"


ON_A_RETRY = "look-on-a-retry"


STATUS_PATH = "/setevent/importStatusCJI"


def operator(hook, **kwargs):
    return JodoImportCJIFileOperator(
        task_id="import",
        campaign_id=CAMPAIGN,
        source="http",
        delrow=1,
        jodo_conn_id=hook.jodo_conn_id,
        poll_interval=POLL_SECONDS,
        **kwargs,
    )


@dataclass
class StatusGate:
    """An importStatusCJI endpoint (`url`) in front of a sandbox's that holds its `hold`-th
    call, saying so with `holding`, until `release` is set."""

    target: str
    hold: int
    url: str = ""
    calls: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _GateHandler(BaseHTTPRequestHandler):
    gate: StatusGate

    def do_GET(self) -> None:
        with self.gate.lock:
            self.gate.calls += 1
            held = self.gate.calls == self.gate.hold
        if held:
            self.gate.holding.set()
            self.gate.release.wait(timeout=30)
        target = urlsplit(self.gate.target)
        platform = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        try:
            platform.request("GET", self.path)
            answer = platform.getresponse()
            body = answer.read()
        finally:
            platform.close()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.getheader("Content-Type", "text/plain"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: test output stays readable."""


@contextmanager
def held_status_calls(sandbox: JodoSandbox, hold: int) -> Iterator[StatusGate]:
    """A gate for the sandbox's status calls (point a connection's `import_status_path` at
    `gate.url`) that holds the `hold`-th one until the test sets `gate.release`."""
    gate = StatusGate(sandbox.base_url, hold)
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_GateHandler,), {"gate": gate}))
    gate.url = f"http://127.0.0.1:{server.server_address[1]}{STATUS_PATH}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gate
    finally:
        gate.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


def a_loses_its_answer_while_b_submits(sandbox, connect, where, a_store, b_task, **a_kwargs):
    """Run A (an import task with `a_kwargs` and the state store `a_store`): its submission's
    answer is lost, and B (`b_task`, run to its end with a store of its own) submits before A
    looks for its job again, `where` says when. What A's (last) try returns or raises."""
    if where == WITHIN_THE_TRY:
        # A lists the file's jobs (the gate's first call), submits, loses the answer and looks
        # again (the second call, held until B is done).
        with held_status_calls(sandbox, hold=2) as gate, ThreadPoolExecutor(1) as worker:
            a_task = operator(
                connect(extra={"retry_backoff": 0.01, "import_status_path": gate.url}), **a_kwargs
            )
            sandbox.faults.script(None, Fault.LOST)  # A's listing passes, its submission's answer is lost
            a_try = worker.submit(a_task.execute, task_context(a_store))
            assert gate.holding.wait(timeout=10), "A never looked for its job"
            b_task.execute(task_context(TaskStateStore()))
            gate.release.set()
            return a_try.result(timeout=60)
    a_task = operator(connect(extra={"max_retries": 0}), **a_kwargs)
    sandbox.faults.script(None, Fault.LOST, Fault.LOST)  # ... and so is its look: the try dies
    with pytest.raises(JodoConnectionError):
        a_task.execute(task_context(a_store))
    b_task.execute(task_context(TaskStateStore()))
    return a_task.execute(task_context(a_store))


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
    assert f"in the console of the platform at {sandbox.base_url}" in str(first.value)
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
    assert f"in the console of the platform at {sandbox.base_url}" in message
    (state_key,) = store  # the mark stays, and the message says how to go on
    assert f"delete this task's state store key {state_key!r} and clear the task to import it" in message


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


@pytest.mark.sandbox_profiles("full")
@pytest.mark.parametrize("where", [WITHIN_THE_TRY, ON_A_RETRY])
def test_after_a_lost_answer_a_run_takes_its_own_job_not_that_of_another_run_with_other_parameters(
    sandbox, connect, files, where, capfd
):
    file_url = f"{files}/leads.csv"
    b_task = operator(connect(), file_url=file_url)  # for now, and it waits for its job
    a_job = a_loses_its_answer_while_b_submits(
        sandbox,
        connect,
        where,
        TaskStateStore(),
        b_task,
        file_url=file_url,
        exetime=pendulum.duration(seconds=3),
    )
    own, others = sandbox.store.import_job("1"), sandbox.store.import_job("2")
    assert sandbox.store.import_job_ids_by_file()[(CAMPAIGN, file_url)] == ["1", "2"]
    assert (others["inserted"], others["skipped"]) == (2, 0)  # B's job imported the file first
    # A reports its own job, the one that ran at its exetime, and B's file rows as skips there.
    assert a_job["job_id"] == "1"
    assert (a_job["state"], a_job["inserted"], a_job["skipped"]) == ("succeeded", 0, 2)
    assert a_job["started"] >= a_job["exetime"] == own["exetime"] > others["exetime"]
    assert "Import job 2 of campaign 1 for this file is another submission's: it reports another exetime" in (
        capfd.readouterr().out
    )


@pytest.mark.sandbox_profiles("full")
def test_two_runs_that_submit_a_file_the_same_way_leave_a_lost_answer_failing_not_guessing(
    sandbox, connect, files
):
    file_url = f"{files}/leads.csv"
    a_store = TaskStateStore()
    b_task = operator(connect(), file_url=file_url, wait_for_completion=False)
    with pytest.raises(AirflowFailException) as first:  # not retryable
        a_loses_its_answer_while_b_submits(
            sandbox, connect, WITHIN_THE_TRY, a_store, b_task, file_url=file_url, wait_for_completion=False
        )
    message = str(first.value)
    pages = f"job 1 ({sandbox.base_url}/shelljobs/1), job 2 ({sandbox.base_url}/shelljobs/2)"
    assert (
        f"into campaign {CAMPAIGN} was lost, and 2 new jobs report the parameters it sent: {pages}" in message
    )
    (mark,) = a_store.values()
    assert mark["job_id"] is None  # kept: a later try must not submit blindly either
    with pytest.raises(AirflowFailException) as later:  # a retry, or the task cleared
        operator(connect(), file_url=file_url).execute(task_context(a_store))
    assert str(later.value) == message
    with pytest.raises(JodoAmbiguousJobError) as raised:  # the hook's own error, for DAG code
        connect().find_new_import_job(
            campaign_id=CAMPAIGN,
            file_url=file_url,
            known_job_ids=mark["known_job_ids"],
            submitted_with=mark["submitted_with"],
            submitted_at=pendulum.parse(mark["submitted_at"]),
        )
    assert raised.value.job_ids == ("1", "2")
    assert sandbox.store.import_job_ids_by_file() == {(CAMPAIGN, file_url): ["1", "2"]}  # no third


@pytest.mark.sandbox_profiles("full", "documented")
def test_a_retry_does_not_take_a_reused_job_id_of_a_restarted_platform_for_its_own(
    sandbox_profile, connect_to, files, request, capfd
):
    seed = SandboxSeed()  # the same secrets after the restart: the connection still logs in
    file_x, file_y = f"{files}/leads.csv", f"{files}/other.csv"
    store = TaskStateStore()
    with JodoSandbox(job_poll_interval=POLL_SECONDS, seed=seed, profile=sandbox_profile) as platform:
        request.node.sandbox_secrets = sandbox_secrets(platform)
        assert (
            operator(connect_to(platform), file_url=file_x, wait_for_completion=False).execute(
                task_context(store)
            )["job_id"]
            == "1"
        )
    with JodoSandbox(job_poll_interval=POLL_SECONDS, seed=seed, profile=sandbox_profile) as restarted:
        someone_else = connect_to(restarted).import_cji(campaign_id=CAMPAIGN, source="http", file_url=file_y)
        assert someone_else.job_id == "1"
        retry = operator(connect_to(restarted), file_url=file_x, wait_for_completion=False)
        job_id = retry.execute(task_context(store))["job_id"]
        jobs = restarted.store.import_job_ids_by_file()
    log = capfd.readouterr().out
    if sandbox_profile.reports_job_parameters:
        assert job_id == "2"
        assert jobs == {(CAMPAIGN, file_y): ["1"], (CAMPAIGN, file_x): ["2"]}
        assert "Import job 1, submitted by an earlier try, now reports another file" in log
        assert "it is not this task's import; submitting anew" in log
    else:  # a status that says nothing of the file cannot tell: the job is reused, as before
        assert job_id == "1"
        assert jobs == {(CAMPAIGN, file_y): ["1"]}


def test_a_file_job_that_lands_no_row_fails(sandbox, connect, tmp_path):
    from tests.support.file_servers import http_file_server

    (tmp_path / "empty.csv").write_text("name,phone1\n")
    with http_file_server(tmp_path) as base:
        task = JodoImportCJIFileOperator(
            task_id="t",
            campaign_id=CAMPAIGN,
            source="http",
            file_url=f"{base}/empty.csv",
            delrow=1,
            poll_interval=0.05,
            jodo_conn_id=connect().jodo_conn_id,
        )
        context = task_context()
        with pytest.raises(JodoNothingLoadedError, match=r"import job 1: the input held no record"):
            task.execute(context)
    assert context["ti"].xcom["job_id"] == "1"


# The recovery from "a job may have been created" fits the running Airflow minor, and its link
# works (issue 23).
#
# On a platform without a job listing, a submission whose answer is lost fails the task without a
# retry. On Airflow 3.3+ the task state store keeps a mark that stops every later try until the
# user deletes it: the message names the key and its REST path. Airflow 3.0-3.2 have no task state
# store (the context has none): there, clearing the task is what submits again, and the message
# must not send the user to an API that does not exist. The console is named by the platform's
# base URL, never by the job page template's literal `{job_id}` (no job id is known).


def lose_the_submissions_answer(sandbox):
    """The listing probe passes; the submission is acted on, and its answer is lost."""
    sandbox.faults.script(None, Fault.LOST)


def failure_of(op, context) -> str:
    with pytest.raises(AirflowFailException, match="a job may have been created") as raised:
        op.execute(context)
    return str(raised.value)


def assert_names_the_console_without_a_placeholder(message, sandbox):
    assert f"the campaign's import jobs in the console of the platform at {sandbox.base_url}" in message
    assert "{" not in message and "}" not in message  # no `{job_id}`, `{task_id}` or `{key}`


@pytest.mark.sandbox_profiles("documented")
def test_without_a_task_state_store_the_recovery_is_to_clear_the_task(sandbox, connect, files):
    """Airflow 3.0-3.2: no store, no key, no REST call; a cleared task submits again."""
    hook = connect(extra={"max_retries": 0})
    file_url = f"{files}/leads.csv"
    op = file_operator(hook, source="http", file_url=file_url, delrow=1, wait_for_completion=False)
    lose_the_submissions_answer(sandbox)
    message = failure_of(op, task_context(with_store=False))
    assert_names_the_console_without_a_placeholder(message, sandbox)
    assert message.endswith(
        "if the console shows no job for the file, clear this task to import it: it has no task state "
        f"store (Airflow {AIRFLOW_VERSION}; the store is new in 3.3), so nothing stops a cleared task"
    )
    assert "state store key" not in message and "REST API" not in message
    # Following the advice: the cleared task submits the file again.
    assert op.execute(task_context(with_store=False))["job_id"] == "2"


@pytest.mark.sandbox_profiles("documented")
def test_with_a_task_state_store_the_recovery_names_the_key_and_its_rest_path(sandbox, connect, files):
    """Airflow 3.3+: the mark stays; the message names it and the REST call that deletes it."""
    hook = connect(extra={"max_retries": 0})
    file_url = f"{files}/leads.csv"
    op = file_operator(hook, source="http", file_url=file_url, delrow=1, wait_for_completion=False)
    store = TaskStateStore()
    lose_the_submissions_answer(sandbox)
    context = task_context(store)
    message = failure_of(op, context)
    (state_key,) = store
    ti = context["ti"]
    path = (
        f"/api/v2/dags/{ti.dag_id}/dagRuns/{quote(ti.run_id, safe='')}/taskInstances/{ti.task_id}"
        f"/state-store/{quote(state_key, safe='')}"
    )
    assert message.endswith(
        f"if the console shows no job for the file, delete this task's state store key {state_key!r} and "
        f"clear the task to import it (Airflow's REST API: DELETE {path})"
    )
    assert_names_the_console_without_a_placeholder(message, sandbox)

    # A retry (or a cleared task) stops again, with the same recovery and a working console link.
    with pytest.raises(AirflowFailException, match="An earlier try of this task submitted") as retry:
        op.execute(task_context(store))
    assert_names_the_console_without_a_placeholder(str(retry.value), sandbox)
    assert str(retry.value).endswith(f"(Airflow's REST API: DELETE {path})")


@pytest.mark.sandbox_profiles("documented")
def test_a_mapped_tasks_rest_path_names_its_map_index(sandbox, connect, files):
    hook = connect(extra={"max_retries": 0})
    op = file_operator(
        hook, source="http", file_url=f"{files}/leads.csv", delrow=1, wait_for_completion=False
    )
    lose_the_submissions_answer(sandbox)
    context = task_context(TaskStateStore())
    context["ti"].map_index = 2
    message = failure_of(op, context)
    assert message.endswith("?map_index=2)")
