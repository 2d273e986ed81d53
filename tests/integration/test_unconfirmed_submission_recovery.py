"""The recovery from "a job may have been created" fits the running Airflow minor, and its link
works (issue 23).

On a platform without a job listing, a submission whose answer is lost fails the task without a
retry. On Airflow 3.3+ the task state store keeps a mark that stops every later try until the
user deletes it: the message names the key and its REST path. Airflow 3.0-3.2 have no task state
store (the context has none): there, clearing the task is what submits again, and the message
must not send the user to an API that does not exist. The console is named by the platform's
base URL, never by the job page template's literal `{job_id}` (no job id is known)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from task_context import TaskStateStore, task_context

from airflow_provider_jodo.compat.airflow import AIRFLOW_VERSION, AirflowFailException
from airflow_provider_jodo.operators.cji_file import JodoImportCJIFileOperator
from jodo_sandbox import Fault

CAMPAIGN = 1


def file_operator(hook, file_url):
    return JodoImportCJIFileOperator(
        task_id="import",
        campaign_id=CAMPAIGN,
        jodo_conn_id=hook.jodo_conn_id,
        source="http",
        file_url=file_url,
        delrow=1,
        wait_for_completion=False,
    )


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
    op = file_operator(hook, file_url)
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
    op = file_operator(hook, file_url)
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
    op = file_operator(hook, f"{files}/leads.csv")
    lose_the_submissions_answer(sandbox)
    context = task_context(TaskStateStore())
    context["ti"].map_index = 2
    message = failure_of(op, context)
    assert message.endswith("?map_index=2)")
