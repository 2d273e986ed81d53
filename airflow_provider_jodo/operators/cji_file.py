"""Import a CSV file the platform fetches into a campaign: one importCJI `http`/`ftp` file job.

A file job (`FileJob`: what it imports into which campaign, and how) is submitted once per task
instance. `FileJobOperator`, the base of `JodoImportCJIFileOperator` and
`JodoStageAndImportOperator`, holds the parameters every file job has and runs it: it submits
the job exactly once, leaving in the task state store (Airflow >= 3.3) what a retry needs to
find it again, reuses an earlier try's job while it lives, refuses to wait again for a job that
looks stuck, and waits for the job in the worker or hands the wait over to
`JodoImportJobTrigger`; then it resumes after the trigger, checks the rows landed and records
the campaign's asset event. A subclass builds its file job and may put the file in place first
(`prepare_file`: the staging operator uploads it there, only when a new job is to be submitted).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urlsplit

import pendulum
from airflow.sdk import Asset, BaseOperator
from airflow.sdk.log import mask_secret

from airflow_provider_jodo.assets import CAMPAIGN_IMPORTS, import_job_extra, jodo_campaign_asset
from airflow_provider_jodo.compat.airflow import (
    AIRFLOW_VERSION,
    AirflowFailException,
    BaseHook,
    conf,
    task_state_store,
)
from airflow_provider_jodo.enums import CJISource, coerce
from airflow_provider_jodo.exceptions import (
    JodoAmbiguousJobError,
    JodoCapabilityMissingError,
    JodoNotFoundError,
    JodoSubmissionUnconfirmedError,
    may_have_taken_effect,
)
from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.links.jodo import JodoImportJobLink, clear_job_reference, push_job_reference
from airflow_provider_jodo.loading.checks import (
    DEFAULT_MIN_LOADED,
    check_loaded,
    min_loaded_argument,
    positive_seconds,
)
from airflow_provider_jodo.operators.lineage import ImportLineage, location_lineage
from airflow_provider_jodo.protocol.cji_policies import CJIPolicies
from airflow_provider_jodo.protocol.exetime import ExetimeInput, resolve_exetime
from airflow_provider_jodo.protocol.job_matching import submission_mismatches
from airflow_provider_jodo.protocol.job_verdict import JobVerdict, JobWait, WaitOutcome, WaitStep, judge_job
from airflow_provider_jodo.protocol.models import ImportJob
from airflow_provider_jodo.protocol.wire.cji_parameters import file_key, refuse_url_login
from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Context

STUCK_AFTER_TIMEOUTS = 2
DEFAULT_STUCK_AFTER_SECONDS = 24 * 3600.0
"""`stuck_after` without it: twice the `timeout`, or a day when the wait has no timeout."""


@dataclass(frozen=True)
class FileJob:
    """A file job: what one importCJI `http`/`ftp` job imports, and how.

    Known once the task's fields are rendered.

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

    @property
    def state_key(self) -> str:
        """Give the task state store key where a try leaves what a retry needs to find its job.

        Keyed by a digest: the URL may carry a signed query (a token) that must not be stored.
        """
        return f"jodo_cji_job:{self.campaign_id}:{file_key(str(self.file_url))}"


class FileJobOperator(ImportLineage, BaseOperator):
    """Base of the operators that import a file with one importCJI file job and wait for it.

    It holds the parameters every file job has, runs the file job a subclass builds in its
    `execute` (`run_file_job`) and resumes after the trigger. On a retry of the same task
    instance, a job submitted by an earlier try is reused, not submitted again (Airflow >= 3.3
    task state store).

    When it waits and the job succeeds, the campaign's asset (`jodo_campaign_asset`) gets an
    event through the alias `jodo-campaign-imports`, which the operator adds to its outlets; its
    extra holds the campaign and job ids, the job's state and counts. A job not waited for
    (`wait_for_completion=False`) records none: give `JodoImportJobSensor` the `campaign_id`.

    :param campaign_id: the campaign (`model_id`, templated).
    :param exetime: when the job runs: an aware datetime, a duration from now, or a templated
        string with an offset (e.g. `{{ data_interval_end }}`); None means now. Sent in the
        connection's time zone.
    :param policies: the importCJI policies as one `CJIPolicies`, or pass its fields as flat
        keyword arguments: `delrow` (leading lines of the file to drop, 1 for a header line),
        `phone_field`, `priority_field`, `dialtime_field` (the dial list's columns),
        `empty_agent`, `reset_status`, `duplicate_way` (`update` or `skip`),
        `dial_list_duplicates` (`ignoreDuplicate`, `all`, `ignoreSuccess`) and
        `change_package` (`skip`, `unassignToCurrent`, `reassignToCurrent`).
    :param wait_for_completion: wait for the job to end (default true).
    :param poll_interval: seconds between status checks.
    :param timeout: seconds to wait after the job's scheduled time (None: no limit).
    :param stuck_after: seconds a job may stay scheduled or running past its scheduled time
        before it counts as stuck (default twice `timeout`, or a day without one). A stuck job
        fails the task, not retryable, naming the job and its page, instead of being waited
        for again by every retry (a platform restart can leave a job `running` for good).
    :param resubmit_stuck_job: let a later try submit the file anew when the earlier try's job
        is stuck (default false: should the stuck job wake up, the file would be imported twice).
    :param deferrable: wait in the triggerer (default `[operators] default_deferrable`); only
        with `wait_for_completion` (alone it does nothing, and a warning says so).
    :param min_loaded: when the task waits, fail unless at least this many of the file's rows
        land (inserted, updated or skipped as a duplicate); default 1, so an empty file, or one
        whose every row failed, fails the task. 0 lets such a job succeed.
    :param jodo_conn_id: the `jodo` connection.
    """

    ui_color = "#e8f4fd"
    operator_extra_links = (JodoImportJobLink(),)
    import_alias = CAMPAIGN_IMPORTS

    def __init__(
        self,
        *,
        campaign_id: int | str,
        exetime: ExetimeInput = None,
        policies: CJIPolicies | None = None,
        wait_for_completion: bool = True,
        poll_interval: float = 60.0,
        timeout: float | None = None,
        stuck_after: float | None = None,
        resubmit_stuck_job: bool = False,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        min_loaded: int = DEFAULT_MIN_LOADED,
        jodo_conn_id: str = JodoHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        """Check the arguments here, at parse time: a typo fails the DAG, not a 6 a.m. run."""
        self.policies = CJIPolicies.from_arguments(policies, kwargs)
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        if not (isinstance(exetime, str) and _is_template(exetime)):
            resolve_exetime(exetime, pendulum.now("UTC"))  # a naive datetime fails the DAG here
        self.exetime = exetime
        self.wait_for_completion = wait_for_completion
        self.poll_interval = positive_seconds(poll_interval, "poll_interval")
        self.timeout_seconds = None if timeout is None else positive_seconds(timeout, "timeout")
        if stuck_after is not None:
            self.stuck_after = positive_seconds(stuck_after, "stuck_after")
        elif self.timeout_seconds is not None:
            self.stuck_after = STUCK_AFTER_TIMEOUTS * self.timeout_seconds
        else:
            self.stuck_after = DEFAULT_STUCK_AFTER_SECONDS
        self.resubmit_stuck_job = bool(resubmit_stuck_job)
        self.deferrable = deferrable
        if deferrable and not wait_for_completion:
            warnings.warn(
                f"task {self.task_id!r}: deferrable=True does nothing with wait_for_completion=False "
                "(nothing is waited for); wait with JodoImportJobSensor(deferrable=True) instead",
                UserWarning,
                stacklevel=2,
            )
        self.min_loaded = min_loaded_argument(min_loaded)
        self.jodo_conn_id = jodo_conn_id
        self.add_outlets([CAMPAIGN_IMPORTS])
        self._job_id: str | None = None
        """The job's id once it is known (submitted or found), for `on_kill`."""
        self._task_instance: Any = None
        """The task instance this try runs in: a recovery message names its state store key's REST path."""

    def import_asset(self) -> Asset:
        """Give the asset of campaign `campaign_id` (rendered)."""
        return jodo_campaign_asset(self.jodo_conn_id, self.campaign_id)

    def run_file_job(self, context: Context, file_job: FileJob) -> dict[str, Any]:
        """Submit (or reuse) the job of `file_job` and wait for it as this task's settings say.

        Return the job's final state and counts (`ImportJob.to_dict`) after a wait, or
        `{"job_id": ..., "job_url": ...}` with `wait_for_completion=False`. A job that failed
        or vanished fails the task without a retry; a wait that times out, or a platform that
        cannot be asked, fails it with a retry (`WaitStep.job_or_raise`).

        :param context: the task's context.
        :param file_job: what to import.
        :raises TaskDeferred: when the wait is handed over to the trigger.
        """
        hook = JodoHook(jodo_conn_id=self.jodo_conn_id)
        try:
            # Before the job listing, the state store's mark and a staging upload, not at submission.
            hook.check_file_url(source=file_job.source, file_url=file_job.file_url)
            result = self._submit_and_wait(context, hook, file_job)
        finally:
            hook.close()
        if self.wait_for_completion:
            self._finish_job(context, result)
        return result

    def prepare_file(self, hook: JodoHook, file_job: FileJob) -> None:
        """Put the file in place just before a new job is submitted for it, never for a reused job.

        Here the file is already at `file_job.file_url`, so nothing is done; the staging
        operator uploads its file here, so that a retry that reuses the job stages nothing.
        Whatever fails here fails before any submission.

        :param hook: the hook the job is submitted with (its connection's time zone, ...).
        :param file_job: the file job about to be submitted.
        """

    def hygiene_counts(self, context: Context) -> Mapping[str, int]:
        """Give the lead-hygiene step's counts of the file's records, for the asset event and lineage.

        None here: the file is the user's, imported as it is. The staging operator, which
        cleans the records it stages (`loading.hygiene`), gives its own.

        :param context: the task's context.
        """
        return {}

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger: return the job's final counts, or fail naming the job."""
        job = WaitStep.from_event(event).job_or_raise(self.log)
        self._finish_job(context, job)
        return job

    def on_kill(self) -> None:
        """Say which job keeps running: importCJI has no cancel method."""
        if self._job_id is not None:
            self.log.warning(
                "Task killed: import job %s keeps running on the platform (importCJI has no cancel "
                "method); cancel it in the console if needed.",
                self._job_id,
            )

    def _submit_and_wait(self, context: Context, hook: JodoHook, file_job: FileJob) -> dict[str, Any]:
        """Submit (or reuse) the job, push its reference to XCom, and wait for it if asked to.

        :raises TaskDeferred: when the wait is handed over to the trigger.
        """
        exetime = resolve_exetime(file_job.exetime, pendulum.now("UTC"))
        self._task_instance = context["ti"]
        store = task_state_store(context)
        job_id = None
        if store is not None:
            # What an earlier try stored under this key: _submit_once's dict.
            earlier = cast("Mapping[str, Any] | None", store.get(file_job.state_key))
            job_id = self._job_of_earlier_try(hook, file_job, earlier)
        if job_id is None:
            job_id = self._submit_once(hook, file_job, exetime, store)
        self._job_id = job_id
        job_url = hook.job_page_url(job_id)
        push_job_reference(context, job_id, job_url)
        if not self.wait_for_completion:
            return {"job_id": job_id, "job_url": job_url}
        start_of_wait = max(pendulum.now("UTC"), exetime or pendulum.now("UTC"))
        deadline = None if self.timeout_seconds is None else start_of_wait.timestamp() + self.timeout_seconds
        wait = JobWait(job_id, self.poll_interval, deadline, hook.job_page_url)
        step = wait.look(hook.get_import_job)
        if self.deferrable and step.outcome is WaitOutcome.LOOK_AGAIN:
            # One look before handing over (as dbt and ADF do): a job that already ended, or a
            # platform that cannot report on jobs, needs no trigger.
            self.defer(
                trigger=JodoImportJobTrigger(job_id, self.jodo_conn_id, self.poll_interval, deadline),
                method_name="execute_complete",
                timeout=wait.time_left(),
            )
        while step.outcome is WaitOutcome.LOOK_AGAIN:
            self.log.info("%s; next look in %.1f s", step.message, step.look_again_in)
            time.sleep(step.look_again_in)
            step = wait.look(hook.get_import_job)
        return step.job_or_raise(self.log)

    def _finish_job(self, context: Context, job: dict[str, Any]) -> None:
        """Fail a finished job that landed fewer than `min_loaded` rows, naming its first row error.

        Otherwise record the campaign's asset event.

        :param context: the task's context.
        :param job: the job's final state and counts (`ImportJob.to_dict`).
        """
        loaded = job["inserted"] + job["updated"] + job["skipped"]
        errors = job.get("errors") or ()
        first = f"row {errors[0]['row']}: {errors[0]['message']}" if errors else None
        check_loaded(loaded, job["total"], self.min_loaded, f"import job {job['job_id']}", first)
        cleaned = self.hygiene_counts(context)
        self.record_import(context, {**import_job_extra(self.campaign_id, job), **cleaned}, loaded, cleaned)

    # Submitting exactly once ------------------------------------------------------------------

    def _submit_once(self, hook: JodoHook, file_job: FileJob, exetime: datetime | None, store: Any) -> str:
        """Submit the job, leaving in the task state store what a retry needs to find it.

        Should this try die before the answer, the store holds the campaign's jobs for the file
        before the submission, and what the submission sent and when (to tell its job from
        another run's), or, on a platform that cannot list jobs, the fact that a submission was
        under way (the retry then stops rather than import the file twice). That mark goes only
        when the submission surely did not take (`may_have_taken_effect`). `prepare_file` runs
        before the mark is set: whatever fails there comes before any submission.
        """
        self.prepare_file(hook, file_job)
        if store is None:
            self.log.warning(
                "This task has no task state store (Airflow %s; the store is new in 3.3): a "
                "retry of this task will submit the import again rather than reuse this try's job",
                AIRFLOW_VERSION,
            )
            return self._submit_unconfirmed_as_failure(hook, file_job, exetime, None, None)
        state_key = file_job.state_key
        submitted_with = hook.submission_options(
            source=file_job.source, exetime=exetime, policies=file_job.policies
        )
        jobs = hook.find_import_jobs(campaign_id=file_job.campaign_id, file_url=file_job.file_url)
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
            job_id = self._submit_unconfirmed_as_failure(hook, file_job, exetime, known_job_ids, state_key)
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
        self,
        hook: JodoHook,
        file_job: FileJob,
        exetime: datetime | None,
        known_job_ids: list[str] | None,
        state_key: str | None,
    ) -> str:
        """Submit; a submission the platform never confirmed fails the task without a retry.

        Its message ends with how to import anyway on the running Airflow (`_to_import_anyway`).
        """
        try:
            return self._submit(hook, file_job, exetime, known_job_ids)
        except JodoSubmissionUnconfirmedError as error:
            raise AirflowFailException(f"{error}; {self._to_import_anyway(hook, state_key)}") from None
        except JodoAmbiguousJobError as error:
            raise AirflowFailException(str(error)) from None

    def _submit(
        self, hook: JodoHook, file_job: FileJob, exetime: datetime | None, known_job_ids: list[str] | None
    ) -> str:
        """Submit the job; return its id."""
        source_user, source_pwd = "", ""
        if file_job.source_conn_id:
            source_conn = BaseHook.get_connection(file_job.source_conn_id)
            source_user, source_pwd = source_conn.login or "", source_conn.password or ""
        result = hook.import_cji(
            campaign_id=file_job.campaign_id,
            source=file_job.source,
            file_url=file_job.file_url,
            source_user=source_user,
            source_pwd=source_pwd,
            exetime=exetime,
            known_job_ids=known_job_ids,
            policies=file_job.policies,
        )
        assert result.job_id is not None  # the hook guarantees a job id for http/ftp
        return result.job_id

    # The job of an earlier try ----------------------------------------------------------------

    def _job_of_earlier_try(
        self, hook: JodoHook, file_job: FileJob, earlier: Mapping[str, Any] | None
    ) -> str | None:
        """Return the job of an earlier try of this task instance, if the retry should wait for it.

        It should while the job is scheduled, running or succeeded (or cannot be asked about). A
        failed, cancelled or vanished job, or one that now imports another file or into another
        campaign (a platform that reuses ids), means the retry is to try the import again; so
        does a job that looks stuck, when `resubmit_stuck_job` allows it (else the task fails).
        """
        if not earlier:
            return None
        job_id = earlier.get("job_id") or self._unanswered_submission(hook, file_job, earlier)
        if job_id is None:
            return None
        job = None
        try:
            job = hook.get_import_job(job_id)
        except JodoNotFoundError:
            verdict = JobVerdict.FAILED
        except JodoCapabilityMissingError as error:
            self.log.warning("Cannot check import job %s of an earlier try (%s); reusing it", job_id, error)
            verdict = JobVerdict.IN_PROGRESS
        else:
            if self._imports_something_else(hook, file_job, job):
                return None
            verdict = judge_job(job)
        if verdict is JobVerdict.FAILED:
            self.log.info("Import job %s of an earlier try ended without success; submitting anew", job_id)
            return None
        if job is not None and verdict is JobVerdict.IN_PROGRESS and self._is_stuck(earlier):
            stuck = self._describe_stuck(hook, job, earlier)
            if not self.resubmit_stuck_job:
                raise AirflowFailException(
                    f"{stuck}. Not waiting for it again. To import the file anew, set "
                    "resubmit_stuck_job=True and clear the task (should the stuck job wake up, the file "
                    "would be imported twice)"
                )
            self.log.warning("%s; resubmit_stuck_job=True: submitting the file anew", stuck)
            return None
        self.log.info("Reusing import job %s submitted by an earlier try of this task", job_id)
        return job_id

    def _unanswered_submission(
        self, hook: JodoHook, file_job: FileJob, earlier: Mapping[str, Any]
    ) -> str | None:
        """Return the job of an earlier try that died before its submission was answered, if any.

        That try left the jobs it saw before submitting and what it sent: the one newer job that
        reports those parameters is its job (None: there is none, the retry submits). If the
        platform cannot list jobs, or two jobs could be its own, nothing tells, and the retry
        fails rather than risk importing the file twice.
        """
        known_job_ids = earlier.get("known_job_ids")
        if known_job_ids is None:
            raise AirflowFailException(self._unconfirmed_earlier_try(hook, file_job, earlier))
        submitted_at = earlier.get("submitted_at")
        try:
            job_id = hook.find_new_import_job(
                campaign_id=file_job.campaign_id,
                file_url=file_job.file_url,
                known_job_ids=known_job_ids,
                submitted_with=earlier.get("submitted_with"),
                submitted_at=_stored_time(submitted_at) if submitted_at else None,
            )
        except JodoCapabilityMissingError:
            raise AirflowFailException(self._unconfirmed_earlier_try(hook, file_job, earlier)) from None
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
        return due_at is not None and (pendulum.now("UTC") - due_at).total_seconds() > self.stuck_after

    def _describe_stuck(self, hook: JodoHook, job: ImportJob, earlier: Mapping[str, Any]) -> str:
        """Say which job looks stuck, where its page is and since when it was due."""
        page = hook.job_page_url(job.job_id)
        return (
            f"import job {job.job_id} (job page: {page}) is still {job.state.value}, though it was due "
            f"at {_due_at(earlier)} (UTC), more than stuck_after={self.stuck_after:g} s ago: it looks "
            "stuck (a platform restart can leave a job running for good)"
        )

    def _imports_something_else(self, hook: JodoHook, file_job: FileJob, job: ImportJob) -> bool:
        """Tell whether the job an earlier try stored now reports another file or campaign.

        A platform restarted on an empty database hands the same ids out again. A status that
        reports neither cannot tell, and the job is taken as the earlier try's.
        """
        submission = hook.file_job_submission(campaign_id=file_job.campaign_id, file_url=file_job.file_url)
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

    def _unconfirmed_earlier_try(self, hook: JodoHook, file_job: FileJob, earlier: Mapping[str, Any]) -> str:
        """Explain why a retry does not submit again after an unanswered submission, and how to go on."""
        return (
            f"An earlier try of this task submitted the import of {hook.redact(str(file_job.file_url))} "
            f"into campaign {file_job.campaign_id} (at {earlier.get('submitted_at') or 'an unknown time'}, "
            "UTC) and got no answer it could read: a job may have been created, and the platform cannot "
            "list a campaign's jobs to tell. Not submitting again, so that the file is not imported twice. "
            f"Check the campaign's import jobs in the console of the platform at {hook.settings.base_url}; "
            f"{self._to_import_anyway(hook, file_job.state_key)}"
        )

    def _to_import_anyway(self, hook: JodoHook, state_key: str | None) -> str:
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
        key = hook.redact(state_key)
        return (
            f"if the console shows no job for the file, delete this task's state store key {key!r} and "
            "clear the task to import it (Airflow's REST API: "
            f"DELETE {_state_store_key_path(self._task_instance, key)})"
        )


class JodoImportCJIFileOperator(FileJobOperator):
    """Import the CSV at `file_url` into campaign `campaign_id` with one importCJI job.

    The platform fetches the file itself (`source="http"` or `"ftp"`), with the login of
    `source_conn_id`. The job id and its console page go to XCom (keys `job_id`, `job_url`) and
    to the task's "Jodo import job" link. Every other parameter is `FileJobOperator`'s.

    Returns (XCom) a dict: with `wait_for_completion=True` (default), the job's final state and
    counts (`job_id`, `state`, `total`, `inserted`, `updated`, `skipped`, `failed`, `errors`,
    times); with `wait_for_completion=False`, `{"job_id": ..., "job_url": ...}`, nothing being
    known yet of the job's state. A failed or cancelled job fails the task without a retry.

    :param source: `http` or `ftp`.
    :param file_url: the CSV's URL (templated); a login inside it is refused (use
        `source_conn_id`).
    :param source_conn_id: optional Airflow connection whose login/password the platform uses
        to fetch `file_url` (kept out of templates so that they never render).
    """

    template_fields: Sequence[str] = ("campaign_id", "file_url", "exetime")

    def __init__(
        self,
        *,
        source: CJISource | str,
        file_url: str,
        source_conn_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Check the source and a `file_url` that is not a template, at parse time."""
        super().__init__(**kwargs)
        self.source = coerce(CJISource, source, "source")
        if self.source is CJISource.DATA:
            raise ValueError("source='data' imports records, not a file: use JodoImportCJIRecordsOperator")
        if file_url is None:
            raise ValueError("file_url=None: give the URL of the CSV to import")
        if isinstance(file_url, str) and not _is_template(file_url):
            refuse_url_login(file_url)  # at parse time: the DAG fails, nothing is stored
        self.file_url = file_url
        self.source_conn_id = source_conn_id

    def lineage_inputs(self) -> OperatorLineage:
        """Give the file the platform fetched (`file_url`, without its query) as OpenLineage's input."""
        return location_lineage(self.file_url)

    def render_template_fields(self, context: Context, jinja_env: Any = None) -> None:
        """Render, then refuse a `file_url` that rendered with a login.

        This happens before Airflow stores the rendered fields; the password is registered for
        masking first, so that even the error path shows it masked.
        """
        super().render_template_fields(context, jinja_env)
        if isinstance(self.file_url, str):
            password = urlsplit(self.file_url).password
            if password:
                mask_secret(password)
                mask_secret(quote(password, safe=""))
            refuse_url_login(self.file_url)

    def execute(self, context: Context) -> dict[str, Any]:
        """Submit (or reuse) the job and wait for it; see the class docstring for the result."""
        clear_job_reference(context)  # the task's link reads it back, even if no job comes of it
        file_job = FileJob(
            self.campaign_id, self.source, self.file_url, self.source_conn_id, self.exetime, self.policies
        )
        return self.run_file_job(context, file_job)


def _is_template(value: str) -> bool:
    return "{{" in value or "{%" in value


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
