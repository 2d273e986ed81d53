"""Import a CSV file the platform fetches into a campaign: one importCJI `http`/`ftp` job.

`JodoImportCJIFileOperator` submits the job once (a retry reuses it), then waits for it in the
worker or, deferrable, in the triggerer. `FileJobOperator` is its base and that of
`JodoStageAndImportOperator`: the parameters of a file job (campaign, schedule, policies, wait),
the resumption after the trigger and `on_kill`. The machinery itself is `file_job.FileJob`,
which each operator composes with its own submission.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import pendulum
from airflow.sdk import Asset, BaseOperator
from airflow.sdk.log import mask_secret

from airflow_provider_jodo.assets import CAMPAIGN_IMPORTS, import_job_extra, jodo_campaign_asset
from airflow_provider_jodo.compat.airflow import conf
from airflow_provider_jodo.enums import CJISource, coerce
from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.links.jodo import JodoImportJobLink, clear_job_reference
from airflow_provider_jodo.loading.checks import (
    DEFAULT_MIN_LOADED,
    check_loaded,
    min_loaded_argument,
    positive_seconds,
)
from airflow_provider_jodo.operators.file_job import FileJob, FileSubmission
from airflow_provider_jodo.operators.lineage import ImportLineage, location_lineage
from airflow_provider_jodo.protocol.cji_policies import CJIPolicies
from airflow_provider_jodo.protocol.exetime import ExetimeInput, resolve_exetime
from airflow_provider_jodo.protocol.job_verdict import WaitStep
from airflow_provider_jodo.protocol.wire.cji_parameters import refuse_url_login

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Context

STUCK_AFTER_TIMEOUTS = 2
DEFAULT_STUCK_AFTER_SECONDS = 24 * 3600.0
"""`stuck_after` without it: twice the `timeout`, or a day when the wait has no timeout."""


class FileJobOperator(ImportLineage, BaseOperator):
    """Base of the operators that import a file with one importCJI job and wait for it.

    It holds the parameters every file job has and resumes after the trigger; a subclass
    builds the submission in its `execute` and runs it through `run_file_job`. On a retry of
    the same task instance, a job submitted by an earlier try is reused, not submitted again
    (Airflow >= 3.3 task state store).

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
        self._file_job: FileJob | None = None

    def import_asset(self) -> Asset:
        """Give the asset of campaign `campaign_id` (rendered)."""
        return jodo_campaign_asset(self.jodo_conn_id, self.campaign_id)

    def run_file_job(
        self,
        context: Context,
        submission: FileSubmission,
        stage: Callable[[JodoHook], None] | None = None,
    ) -> dict[str, Any]:
        """Submit (or reuse) the job of `submission` and wait for it as this task's settings say.

        Return the job's final state and counts after a wait, or `{"job_id", "job_url"}` with
        `wait_for_completion=False` (see `FileJob.run`).

        :param context: the task's context.
        :param submission: what to import.
        :param stage: a step run just before a new job is submitted (see `FileJob`).
        """
        hook = JodoHook(jodo_conn_id=self.jodo_conn_id)
        try:
            # Before the job listing, the state store's mark and a staging upload, not at submission.
            hook.check_file_url(source=submission.source, file_url=submission.file_url)
            self._file_job = FileJob(hook, submission, self, stage)
            result = self._file_job.run(context)
        finally:
            hook.close()
        if self.wait_for_completion:
            self._finish_job(context, result)
        return result

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger: return the job's final counts, or fail naming the job."""
        job = WaitStep.from_event(event).job_or_raise(self.log)
        self._finish_job(context, job)
        return job

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
        self.record_import(context, import_job_extra(self.campaign_id, job), loaded)

    def on_kill(self) -> None:
        """Say which job keeps running: importCJI has no cancel method."""
        if self._file_job is not None and self._file_job.job_id is not None:
            self.log.warning(
                "Task killed: import job %s keeps running on the platform (importCJI has no cancel "
                "method); cancel it in the console if needed.",
                self._file_job.job_id,
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
        submission = FileSubmission(
            self.campaign_id, self.source, self.file_url, self.source_conn_id, self.exetime, self.policies
        )
        return self.run_file_job(context, submission)


def _is_template(value: str) -> bool:
    return "{{" in value or "{%" in value
