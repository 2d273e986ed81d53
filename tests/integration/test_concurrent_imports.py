"""Two runs import the same file into the same campaign, and one of them never gets the answer
that named its job (issue 12): it must take its own job, never the other run's, and when
nothing tells the two apart it must fail rather than guess. Also a platform restarted on an
empty database, which hands job ids out again.

Run A's answer is lost and run B submits before A looks for its job again, in a fixed order:
within A's try, A's look goes through a gate (`held_status_calls`) that holds it until B is
done; across tries, A's first try dies when its look is lost too, and B runs before A's retry.
"""

import http.client
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pendulum
import pytest
from conftest import POLL_SECONDS, sandbox_secrets
from task_context import TaskStateStore, task_context

from airflow_provider_jodo.compat.airflow import AirflowFailException
from airflow_provider_jodo.exceptions import JodoAmbiguousJobError, JodoConnectionError
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from jodo_sandbox import Fault, JodoSandbox, SandboxSeed

CAMPAIGN = 1
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
