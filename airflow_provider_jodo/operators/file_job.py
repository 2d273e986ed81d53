"""Submit one importCJI file job per task instance, then wait for it: machinery, not an operator.

`FileJob` is what the file operators (`JodoImportCJIFileOperator`, `JodoStageAndImportOperator`)
share: it submits the job exactly once, leaving in the task state store (Airflow >= 3.3) what a
retry needs to find it again, reuses an earlier try's job while it lives, refuses to wait again
for a job that looks stuck, and waits for the job in the worker or hands the wait over to
`JodoImportJobTrigger`. An operator composes it with what is particular to it: the submission
(`FileSubmission`), its wait settings (`FileJobTask`) and, for staging, a step that runs only
when a new job is to be submitted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, cast
from urllib.parse import quote

import pendulum

from airflow_provider_jodo.compat.airflow import (
    AIRFLOW_VERSION,
    AirflowFailException,
    BaseHook,
    task_state_store,
)
from airflow_provider_jodo.enums import CJISource
from airflow_provider_jodo.exceptions import (
    JodoAmbiguousJobError,
    JodoCapabilityMissingError,
    JodoNotFoundError,
    JodoSubmissionUnconfirmedError,
    may_have_taken_effect,
)
from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.links.jodo import push_job_reference
from airflow_provider_jodo.protocol.cji_policies import CJIPolicies
from airflow_provider_jodo.protocol.exetime import ExetimeInput, resolve_exetime
from airflow_provider_jodo.protocol.job_matching import submission_mismatches
from airflow_provider_jodo.protocol.job_verdict import JobVerdict, JobWait, WaitOutcome, judge_job
from airflow_provider_jodo.protocol.models import ImportJob
from airflow_provider_jodo.protocol.wire.cji_parameters import file_key
from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context


@dataclass(frozen=True)
class FileSubmission:
    """What one importCJI file job imports, and how; known once the task's fields are rendered.

    :param campaign_id: the campaign (`model_id`).
    :param source: `http` or `ftp`.
    :param file_url: the CSV's URL, without a login.
    :param source_conn_id: the Airflow connection whose login the platform fetches the file
        with (None: no login).
    :param exetime: when the job runs, as the DAG gave it (`protocol.exetime`); None means now.
    :param policies: the importCJI policies.
    """

    campaign_id: int | str
    source: CJISource
    file_url: str
    source_conn_id: str | None
    exetime: ExetimeInput
    policies: CJIPolicies

    def __post_init__(self) -> None:
        """Refuse a file URL that rendered empty before any call: the platform would name no field."""
        if not isinstance(self.file_url, str) or not self.file_url.strip():
            raise ValueError(f"file_url={self.file_url!r}: give the URL of the CSV to import")


class FileJobTask(Protocol):
    """What `FileJob` takes from the task it runs in: its wait settings, log and deferral."""

    jodo_conn_id: str
    wait_for_completion: bool
    poll_interval: float
    timeout_seconds: float | None
    stuck_after: float
    resubmit_stuck_job: bool
    deferrable: bool

    @property
    def log(self) -> Any:
        """The task's logger."""

    def defer(self, *, trigger: Any, method_name: str, timeout: timedelta | None = None) -> NoReturn:
        """Hand the wait over to `trigger`, resuming in `method_name` (Airflow's `BaseOperator.defer`)."""


class FileJob:
    """Submit one file job, or reuse an earlier try's, then wait for it.

    :param hook: the hook to the platform (the caller closes it).
    :param submission: what to import.
    :param task: the task: wait settings, log and deferral.
    :param stage: a step run just before a new job is submitted, never when an earlier try's
        job is reused (the staging operator uploads its file there).
    """

    def __init__(
        self,
        hook: JodoHook,
        submission: FileSubmission,
        task: FileJobTask,
        stage: Callable[[JodoHook], None] | None = None,
    ) -> None:
        """Compose the unit; nothing is sent before `run`."""
        self.hook = hook
        self.submission = submission
        self.task = task
        self.stage = stage
        self.log = task.log
        self.job_id: str | None = None
        """The job's id once it is known (submitted or found), for the task's `on_kill`."""
        self.task_instance: Any = None
        """The task instance `run` runs in: a recovery message names its state store key's REST path."""

    def run(self, context: Context) -> dict[str, Any]:
        """Submit (or reuse) the job, push its reference to XCom, and wait for it if asked to.

        Return the job's final state and counts (`ImportJob.to_dict`) after a wait, or
        `{"job_id": ..., "job_url": ...}` with `wait_for_completion=False`. A job that failed
        or vanished fails the task without a retry; a wait that times out, or a platform that
        cannot be asked, fails it with a retry (`WaitStep.job_or_raise`).
        :raises TaskDeferred: when the wait is handed over to the trigger.
        """
        hook, task = self.hook, self.task
        exetime = resolve_exetime(self.submission.exetime, pendulum.now("UTC"))
        self.task_instance = context["ti"]
        store = task_state_store(context)
        # Keyed by a digest: the URL may carry a signed query (a token) that must not be stored.
        state_key = f"jodo_cji_job:{self.submission.campaign_id}:{file_key(str(self.submission.file_url))}"
        job_id = None
        if store is not None:
            # What an earlier try stored under this key: _submit_once's dict.
            earlier = cast("Mapping[str, Any] | None", store.get(state_key))
            job_id = self._job_of_earlier_try(earlier, state_key)
        if job_id is None:
            job_id = self._submit_once(exetime, store, state_key)
        self.job_id = job_id
        job_url = hook.job_page_url(job_id)
        push_job_reference(context, job_id, job_url)
        if not task.wait_for_completion:
            return {"job_id": job_id, "job_url": job_url}
        start_of_wait = max(pendulum.now("UTC"), exetime or pendulum.now("UTC"))
        deadline = None if task.timeout_seconds is None else start_of_wait.timestamp() + task.timeout_seconds
        wait = JobWait(job_id, task.poll_interval, deadline, hook.job_page_url)
        step = wait.look(hook.get_import_job)
        if task.deferrable and step.outcome is WaitOutcome.LOOK_AGAIN:
            # One look before handing over (as dbt and ADF do): a job that already ended, or a
            # platform that cannot report on jobs, needs no trigger.
            task.defer(
                trigger=JodoImportJobTrigger(job_id, task.jodo_conn_id, task.poll_interval, deadline),
                method_name="execute_complete",
                timeout=wait.time_left(),
            )
        while step.outcome is WaitOutcome.LOOK_AGAIN:
            self.log.info("%s; next look in %.1f s", step.message, step.look_again_in)
            time.sleep(step.look_again_in)
            step = wait.look(hook.get_import_job)
        return step.job_or_raise(self.log)

    # Submitting exactly once ------------------------------------------------------------------

    def _submit_once(self, exetime: Any, store: Any, state_key: str) -> str:
        """Submit the job, leaving in the task state store what a retry needs to find it.

        Should this try die before the answer, the store holds the campaign's jobs for the file
        before the submission, and what the submission sent and when (to tell its job from
        another run's), or, on a platform that cannot list jobs, the fact that a submission was
        under way (the retry then stops rather than import the file twice). That mark goes only
        when the submission surely did not take (`may_have_taken_effect`). The staging step
        runs before the mark is set: whatever fails there comes before any submission.
        """
        hook, submission = self.hook, self.submission
        if self.stage is not None:
            self.stage(hook)
        if store is None:
            self.log.warning(
                "This task has no task state store (Airflow %s; the store is new in 3.3): a "
                "retry of this task will submit the import again rather than reuse this try's job",
                AIRFLOW_VERSION,
            )
            return self._submit_unconfirmed_as_failure(exetime, None, None)
        submitted_with = hook.submission_options(
            source=submission.source, exetime=exetime, policies=submission.policies
        )
        jobs = hook.find_import_jobs(campaign_id=submission.campaign_id, file_url=submission.file_url)
        known_job_ids = None if jobs is None else [job.job_id for job in jobs]
        submitted_at = pendulum.now("UTC")
        runs_from = pendulum.instance(max(submitted_at, exetime or submitted_at)).to_iso8601_string()
        store.set(
            state_key,
            {
                "job_id": None,
                "known_job_ids": known_job_ids,
                "submitted_at": submitted_at.to_iso8601_string(),
                "runs_from": runs_from,
                "submitted_with": submitted_with,
            },
        )
        try:
            job_id = self._submit_unconfirmed_as_failure(exetime, known_job_ids, state_key)
        except AirflowFailException:
            raise  # unconfirmed or ambiguous: the mark stays, so that no retry imports blindly
        except BaseException as error:
            # With a listing the mark always stays: a retry looks there for this try's job.
            if known_job_ids is None and not may_have_taken_effect(error):
                store.delete(state_key)  # the platform said it did not act: a retry may submit
            raise
        store.set(state_key, {"job_id": job_id, "runs_from": runs_from})
        return job_id

    def _submit_unconfirmed_as_failure(
        self, exetime: Any, known_job_ids: list[str] | None, state_key: str | None
    ) -> str:
        """Submit; a submission the platform never confirmed fails the task without a retry.

        Its message ends with how to import anyway on the running Airflow (`_to_import_anyway`).
        """
        try:
            return self._submit(exetime, known_job_ids)
        except JodoSubmissionUnconfirmedError as error:
            raise AirflowFailException(f"{error}; {self._to_import_anyway(state_key)}") from None
        except JodoAmbiguousJobError as error:
            raise AirflowFailException(str(error)) from None

    def _submit(self, exetime: Any, known_job_ids: list[str] | None) -> str:
        """Submit the job; return its id."""
        submission = self.submission
        source_user, source_pwd = "", ""
        if submission.source_conn_id:
            source_conn = BaseHook.get_connection(submission.source_conn_id)
            source_user, source_pwd = source_conn.login or "", source_conn.password or ""
        result = self.hook.import_cji(
            campaign_id=submission.campaign_id,
            source=submission.source,
            file_url=submission.file_url,
            source_user=source_user,
            source_pwd=source_pwd,
            exetime=exetime,
            known_job_ids=known_job_ids,
            policies=submission.policies,
        )
        assert result.job_id is not None  # the hook guarantees a job id for http/ftp
        return result.job_id

    # The job of an earlier try ----------------------------------------------------------------

    def _job_of_earlier_try(self, earlier: Mapping[str, Any] | None, state_key: str) -> str | None:
        """Return the job of an earlier try of this task instance, if the retry should wait for it.

        It should while the job is scheduled, running or succeeded (or cannot be asked about). A
        failed, cancelled or vanished job, or one that now imports another file or into another
        campaign (a platform that reuses ids), means the retry is to try the import again; so
        does a job that looks stuck, when `resubmit_stuck_job` allows it (else the task fails).
        """
        if not earlier:
            return None
        job_id = earlier.get("job_id") or self._unanswered_submission(earlier, state_key)
        if job_id is None:
            return None
        job = None
        try:
            job = self.hook.get_import_job(job_id)
        except JodoNotFoundError:
            verdict = JobVerdict.FAILED
        except JodoCapabilityMissingError as error:
            self.log.warning("Cannot check import job %s of an earlier try (%s); reusing it", job_id, error)
            verdict = JobVerdict.IN_PROGRESS
        else:
            if self._imports_something_else(job):
                return None
            verdict = judge_job(job)
        if verdict is JobVerdict.FAILED:
            self.log.info("Import job %s of an earlier try ended without success; submitting anew", job_id)
            return None
        if job is not None and verdict is JobVerdict.IN_PROGRESS and self._is_stuck(earlier):
            stuck = self._describe_stuck(job, earlier)
            if not self.task.resubmit_stuck_job:
                raise AirflowFailException(
                    f"{stuck}. Not waiting for it again. To import the file anew, set "
                    "resubmit_stuck_job=True and clear the task (should the stuck job wake up, the file "
                    "would be imported twice)"
                )
            self.log.warning("%s; resubmit_stuck_job=True: submitting the file anew", stuck)
            return None
        self.log.info("Reusing import job %s submitted by an earlier try of this task", job_id)
        return job_id

    def _unanswered_submission(self, earlier: Mapping[str, Any], state_key: str) -> str | None:
        """Return the job of an earlier try that died before its submission was answered, if any.

        That try left the jobs it saw before submitting and what it sent: the one newer job that
        reports those parameters is its job (None: there is none, the retry submits). If the
        platform cannot list jobs, or two jobs could be its own, nothing tells, and the retry
        fails rather than risk importing the file twice.
        """
        known_job_ids = earlier.get("known_job_ids")
        if known_job_ids is None:
            raise AirflowFailException(self._unconfirmed_earlier_try(earlier, state_key))
        submitted_at = earlier.get("submitted_at")
        try:
            job_id = self.hook.find_new_import_job(
                campaign_id=self.submission.campaign_id,
                file_url=self.submission.file_url,
                known_job_ids=known_job_ids,
                submitted_with=earlier.get("submitted_with"),
                submitted_at=_stored_time(submitted_at) if submitted_at else None,
            )
        except JodoCapabilityMissingError:
            raise AirflowFailException(self._unconfirmed_earlier_try(earlier, state_key)) from None
        except JodoAmbiguousJobError as error:
            raise AirflowFailException(str(error)) from None
        if job_id is not None:
            self.log.info("Found import job %s, submitted by an earlier try that got no answer", job_id)
        return job_id

    def _is_stuck(self, earlier: Mapping[str, Any]) -> bool:
        """Tell whether the earlier try's job has been due longer than `stuck_after`.

        Judged by our own clock: the time it was due to run, kept in the task state store.
        """
        due_at = _due_at(earlier)
        return due_at is not None and (pendulum.now("UTC") - due_at).total_seconds() > self.task.stuck_after

    def _describe_stuck(self, job: ImportJob, earlier: Mapping[str, Any]) -> str:
        """Say which job looks stuck, where its page is and since when it was due."""
        page = self.hook.job_page_url(job.job_id)
        return (
            f"import job {job.job_id} (job page: {page}) is still {job.state.value}, though it was due "
            f"at {_due_at(earlier)} (UTC), more than stuck_after={self.task.stuck_after:g} s ago: it looks "
            "stuck (a platform restart can leave a job running for good)"
        )

    def _imports_something_else(self, job: ImportJob) -> bool:
        """Tell whether the job an earlier try stored now reports another file or campaign.

        A platform restarted on an empty database hands the same ids out again. A status that
        reports neither cannot tell, and the job is taken as the earlier try's.
        """
        submission = self.hook.file_job_submission(
            campaign_id=self.submission.campaign_id, file_url=self.submission.file_url
        )
        mismatches = submission_mismatches(job, submission, pendulum.now("UTC"))
        if mismatches:
            self.log.warning(
                "Import job %s, submitted by an earlier try, now reports another %s (the platform "
                "has reused its id, e.g. after a restart on an empty database): it is not this task's "
                "import; submitting anew",
                job.job_id,
                " and ".join("campaign" if name == "model_id" else "file" for name in mismatches),
            )
        return bool(mismatches)

    def _unconfirmed_earlier_try(self, earlier: Mapping[str, Any], state_key: str) -> str:
        """Explain why a retry does not submit again after an unanswered submission, and how to go on."""
        hook, submission = self.hook, self.submission
        return (
            f"An earlier try of this task submitted the import of {hook.redact(str(submission.file_url))} "
            f"into campaign {submission.campaign_id} (at {earlier.get('submitted_at') or 'an unknown time'}, "
            "UTC) and got no answer it could read: a job may have been created, and the platform cannot "
            "list a campaign's jobs to tell. Not submitting again, so that the file is not imported twice. "
            f"Check the campaign's import jobs in the console of the platform at {hook.settings.base_url}; "
            f"{self._to_import_anyway(state_key)}"
        )

    def _to_import_anyway(self, state_key: str | None) -> str:
        """Say how a user lets the task submit again once the console shows no job, on the running Airflow.

        With a task state store (Airflow 3.3+), the mark under `state_key` stops every later try
        until the user deletes it; without one (3.0-3.2, `state_key` None) nothing does, and
        clearing the task submits the file again.
        """
        if state_key is None:
            return (
                "if the console shows no job for the file, clear this task to import it: it has no task "
                f"state store (Airflow {AIRFLOW_VERSION}; the store is new in 3.3), so nothing stops a "
                "cleared task"
            )
        return (
            "if the console shows no job for the file, delete this task's state store key "
            f"{self.hook.redact(state_key)!r} and clear the task to import it (Airflow's REST API: "
            f"DELETE {_state_store_key_path(self.task_instance, self.hook.redact(state_key))})"
        )


def _state_store_key_path(task_instance: Any, key: str) -> str:
    """Give the REST API path (Airflow 3.3+) of key `key` in `task_instance`'s task state store.

    :param task_instance: the task instance (its `dag_id`, `run_id`, `task_id` and `map_index`).
    :param key: the key.
    """
    ti = task_instance
    parts = ("dags", ti.dag_id, "dagRuns", ti.run_id, "taskInstances", ti.task_id, "state-store", key)
    path = "/api/v2/" + "/".join(quote(str(part), safe="") for part in parts)
    return path if ti.map_index is None or ti.map_index < 0 else f"{path}?map_index={ti.map_index}"


def _due_at(earlier: Mapping[str, Any]) -> pendulum.DateTime | None:
    """Return when the job an earlier try left in the task state store was due to run (UTC), if known."""
    due = earlier.get("runs_from") or earlier.get("submitted_at")
    return _stored_time(due) if due else None


def _stored_time(text: str) -> pendulum.DateTime:
    """Read back a time that an earlier try stored with `to_iso8601_string`.

    :raises ValueError: `text` is not a date and time (the store was written by something else).
    """
    parsed = pendulum.parse(text)
    if not isinstance(parsed, pendulum.DateTime):
        raise ValueError(f"{text!r} in the task state store is not a date and time")
    return parsed
