"""JodoImportJobSensor: wait until an importCJI job ends.

It typically runs downstream of the task that submitted it
(`job_id="{{ ti.xcom_pull(task_ids='submit') }}"`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_jodo.assets import (
    CAMPAIGN_IMPORTS,
    import_job_extra,
    jodo_campaign_asset,
    record_import_event,
)
from airflow_provider_jodo.compat.airflow import (
    AirflowFailException,
    AirflowSensorTimeout,
    conf,
)
from airflow_provider_jodo.hooks.jodo import JodoHook, campaign_model_id
from airflow_provider_jodo.links.jodo import JodoImportJobLink, push_job_reference
from airflow_provider_jodo.protocol.job_verdict import JobWait, WaitOutcome, WaitStep
from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits
from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context


class JodoImportJobSensor(BaseSensorOperator):
    """Succeed when import job `job_id` has succeeded; fail at once when it cannot succeed.

    It fails at once when the job failed, was cancelled or does not exist, or when the platform
    has no job status method (waiting longer cannot change those). Pushes the job's final state
    and counts (a dict) to XCom.

    Works in `poke` and `reschedule` modes; `deferrable=True` hands the wait to
    `JodoImportJobTrigger` in the triggerer after one immediate check.

    Given the job's `campaign_id`, a sensor that succeeds records the campaign's asset event
    (`jodo_campaign_asset`) through the alias `jodo-campaign-imports`, with the extra of the
    import operators: what a file job submitted with `wait_for_completion=False` does not. When
    the job's status reports the campaign it imports into (`model_id`), another campaign fails
    the sensor (AirflowFailException, naming both) rather than record the wrong asset.

    :param job_id: the job id returned by importCJI (templated).
    :param campaign_id: the campaign the job imports into (templated); None records no asset
        event.
    :param jodo_conn_id: the `jodo` connection.
    :param deferrable: defaults to Airflow's `[operators] default_deferrable`.
    """

    template_fields: Sequence[str] = ("job_id", "campaign_id")
    operator_extra_links = (JodoImportJobLink(),)

    def __init__(
        self,
        *,
        job_id: str | int,
        campaign_id: int | str | None = None,
        jodo_conn_id: str = JodoHook.default_conn_name,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        """Keep the job and the connection; the parameters are described on the class."""
        super().__init__(**kwargs)
        _check_job_id(job_id, rendered=False)  # at parse time: None or "" fails the DAG, not a run
        self.job_id = job_id
        self.campaign_id = campaign_id
        if campaign_id is not None:
            self.add_outlets([CAMPAIGN_IMPORTS])
        self.jodo_conn_id = jodo_conn_id
        self.deferrable = deferrable
        self._deadline: float | None = None  # set for a wait in one process (poke mode)

    def poke(self, context: Context) -> PokeReturnValue:
        """Look at the job once (`JobWait`): done when it succeeded, else raise (`WaitStep.job_or_raise`)."""
        hook = JodoHook(jodo_conn_id=self.jodo_conn_id)
        try:
            wait = JobWait(str(self.job_id), self.poke_interval, self._deadline, hook.job_page_url)
            step = wait.look(hook.get_import_job)
        finally:
            hook.close()
        if step.outcome is WaitOutcome.LOOK_AGAIN:
            self.log.info("%s", step.message)
            return PokeReturnValue(is_done=False)
        return PokeReturnValue(is_done=True, xcom_value=step.job_or_raise(self.log, AirflowSensorTimeout))

    def execute(self, context: Context) -> Any:
        """Push the job's reference for the link, then wait: by poking or, deferrable, in the triggerer."""
        _check_job_id(self.job_id, rendered=True)  # "None" if upstream pushed no id
        if self.campaign_id is not None:
            campaign_model_id(self.campaign_id)  # rendered: a wrong one fails now, not after the wait
        hook = JodoHook(jodo_conn_id=self.jodo_conn_id)
        push_job_reference(context, str(self.job_id), hook.job_page_url(self.job_id))
        if not self.deferrable:
            if self.mode == "poke":  # one process waits the whole timeout: no call outlives it
                self._deadline = time.time() + self.timeout
            # Airflow types the xcom_value of poke() and what execute() returns as Any | None;
            # once the sensor succeeds, both are the job's dict (`ImportJob.to_dict`).
            return self._succeeded(context, cast("dict[str, Any]", super().execute(context)))
        first = self.poke(context)
        if first.is_done:
            return self._succeeded(context, cast("dict[str, Any]", first.xcom_value))
        self.defer(
            trigger=JodoImportJobTrigger(
                job_id=str(self.job_id),
                jodo_conn_id=self.jodo_conn_id,
                poll_interval=self.poke_interval,
                deadline=time.time() + self.timeout,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger's event: return the job, or fail with its message."""
        return self._succeeded(
            context, WaitStep.from_event(event).job_or_raise(self.log, AirflowSensorTimeout)
        )

    def _succeeded(self, context: Context, job: dict[str, Any]) -> dict[str, Any]:
        """Record the campaign's asset event for the succeeded job, if `campaign_id` is known; return the job.

        :raises AirflowFailException: the job reports another campaign than `campaign_id`.

        :param context: the task's context.
        :param job: the job's final state and counts (`ImportJob.to_dict`).
        """
        if self.campaign_id is not None:
            _check_reported_campaign(job, self.campaign_id)
            asset = jodo_campaign_asset(self.jodo_conn_id, self.campaign_id)
            record_import_event(context, CAMPAIGN_IMPORTS, asset, import_job_extra(self.campaign_id, job))
        return job


_NO_JOB_ID = {"", "none", "null"}
"""What `job_id` renders to when the task it is pulled from pushed nothing (or None)."""


def _check_job_id(job_id: Any, *, rendered: bool) -> None:
    """Refuse a `job_id` that names no job, before the platform is asked about it.

    :param job_id: the sensor's `job_id`, as given or rendered.
    :param rendered: whether `job_id` is final; before rendering it may be a template, so only
        its emptiness can be checked.
    :raises ValueError: naming `job_id` and where it usually comes from, or that it is not the
        platform's ASCII digits.
    """
    if job_id is None or str(job_id).strip().lower() in _NO_JOB_ID:
        raise ValueError(
            f"job_id={job_id!r} names no import job: pull the id the import task pushed, e.g. "
            "job_id=\"{{ ti.xcom_pull(task_ids='import_campaign_file', key='job_id') }}\", and check "
            "that the task submitted a file job (source http or ftp)"
        )
    if rendered and (isinstance(job_id, bool) or not is_ascii_digits(str(job_id).strip())):
        raise ValueError(f"job_id={job_id!r} is not an import job id: the platform's are ASCII digits 0-9")


def _check_reported_campaign(job: dict[str, Any], campaign_id: int | str) -> None:
    """Refuse a job whose status reports a campaign (`model_id`) other than `campaign_id`.

    Its asset event would tell consumers that the wrong campaign changed; no retry can help. A
    status that reports no campaign (the vendor documents none) is taken on trust.

    :param job: the job's final state (`ImportJob.to_dict`), with what it was submitted with.
    :param campaign_id: the sensor's campaign, rendered.
    :raises AirflowFailException: naming the job, both campaigns and what to fix.
    """
    reported = str(job.get("submitted_with", {}).get("model_id", "")).strip()
    expected = campaign_model_id(campaign_id)
    if reported and not (is_ascii_digits(reported) and int(reported) == int(expected)):
        raise AirflowFailException(
            f"import job {job['job_id']} imports into campaign {reported[:40]!r}, but the sensor was given "
            f"campaign_id={campaign_id!r}: no asset event is recorded; give the sensor the job's campaign"
        )
