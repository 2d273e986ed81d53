"""What an import job's state means, and how a wait for it goes on, decided in one place.

The operator's in-worker wait, the sensor and the trigger each ask the platform through
`JobWait.look` (or `alook`) and turn the `WaitStep` it returns into their own action: return
or raise, yield an event, or sleep. How each job state and each error ends a wait is decided
here only, so they can never disagree about "is this job finished?".

A wait gives up at its `deadline`: a Unix time (seconds), None for never. That is the name for
that moment everywhere, down to the hook's `get_import_job(job_id, deadline)`, which is never
held past it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from airflow_provider_jodo.compat.airflow import AirflowException, AirflowFailException
from airflow_provider_jodo.enums import JobState
from airflow_provider_jodo.exceptions import JodoCapabilityMissingError, JodoError, JodoNotFoundError
from airflow_provider_jodo.protocol.codes import backmsg, describe_backmsg
from airflow_provider_jodo.protocol.models import ImportJob

FIRST_ERRORS_SHOWN = 5


class JobVerdict(StrEnum):
    """What a job's state means: still in progress, succeeded, or failed for good."""

    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


_VERDICT_BY_STATE = {
    JobState.SCHEDULED: JobVerdict.IN_PROGRESS,
    JobState.RUNNING: JobVerdict.IN_PROGRESS,
    JobState.SUCCEEDED: JobVerdict.SUCCEEDED,
    JobState.FAILED: JobVerdict.FAILED,
    JobState.CANCELLED: JobVerdict.FAILED,
}


def judge_job(job: ImportJob) -> JobVerdict:
    """Return the verdict for a job as the platform reports it now.

    A job that succeeded with some rejected rows still succeeded: its rows are accounted for in
    `failed` and `errors`.
    """
    return _VERDICT_BY_STATE[job.state]


def describe_job(job: ImportJob) -> str:
    """One line with the job's state and counts, for logs and failure messages."""
    return (
        f"import job {job.job_id} {job.state.value}: {job.total} rows, {job.inserted} inserted, "
        f"{job.updated} updated, {job.skipped} skipped, {job.failed} failed"
    )


def describe_job_failure(job: ImportJob) -> str:
    """`describe_job` plus the first row errors, each with its line number and readable code."""
    errors = [
        f"row {error.row}: "
        + (f"{backmsg(error.code)} ({describe_backmsg(error.code)})" if error.code else "")
        + (f" {error.message}" if error.message else "")
        for error in job.errors[:FIRST_ERRORS_SHOWN]
    ]
    more = len(job.errors) - FIRST_ERRORS_SHOWN
    if more > 0:
        errors.append(f"and {more} more")
    return describe_job(job) + (f"; errors: {'; '.join(errors)}" if errors else "")


def describe_unwaitable_job(job_id: str, job_url: str, reason: object) -> str:
    """Say why a submitted job cannot be waited for (the platform has no job status method).

    The job exists, so the message gives its id and console page rather than a bare failure.
    """
    return (
        f"import job {job_id} was submitted (job page: {job_url}), but it cannot be waited for: "
        f"{reason}. Check the job in the console, or import with wait_for_completion=False"
    )


class WaitOutcome(StrEnum):
    """Where a wait for a job stands after one look. The values are the trigger's event statuses."""

    LOOK_AGAIN = "look_again"
    """Still in progress, the deadline not reached: look again in `WaitStep.look_again_in` s."""
    SUCCEEDED = "success"
    """The job succeeded: the wait's result is the job."""
    FAILED = "failed"
    """The job failed, was cancelled or does not exist, or the platform has no job status
    method: waiting longer, or another try, cannot change it (fail without a retry)."""
    TIMED_OUT = "timeout"
    """The deadline passed with the job in progress, or with the platform unable to answer: the
    job may still run, and a retry may wait for it again."""
    ERROR = "error"
    """The platform could not be asked, before the deadline: retryable."""


@dataclass(frozen=True)
class WaitStep:
    """What a wait does after one look at its job.

    :param outcome: where the wait stands.
    :param message: for the log or the task's failure: the job's state and counts, or the error.
    :param job: the job as the platform reported it (`ImportJob.to_dict`); None when it gave no
        job (an error).
    :param look_again_in: seconds until the next look, with `WaitOutcome.LOOK_AGAIN`.
    :param error: the error behind an `ERROR` step, raised as it is (its type and vendor code
        reach the task's failure); a trigger's event does not carry it.
    """

    outcome: WaitOutcome
    message: str
    job: dict[str, Any] | None = None
    look_again_in: float = 0.0
    error: JodoError | None = field(default=None, repr=False, compare=False)

    def job_or_raise(self, log: Any, timed_out: type[Exception] = AirflowException) -> dict[str, Any]:
        """Return the job of a wait that succeeded (`ImportJob.to_dict`); raise for any other end.

        The operator's wait, the sensor and a task resumed after the trigger's event all end here.

        :param log: the task's logger, told the job's final state and counts.
        :param timed_out: what a passed deadline raises (a sensor's `AirflowSensorTimeout`).
        :raises AirflowFailException: the job failed, was cancelled or does not exist, or the
            platform has no job status method (no retry can help).
        :raises JodoError: the platform could not be asked before the deadline (retryable).
        :raises AirflowException: the deadline passed (`timed_out`), or an event's error.
        """
        if self.outcome is WaitOutcome.SUCCEEDED and self.job is not None:
            log.info("%s", self.message)
            return self.job
        if self.outcome is WaitOutcome.FAILED:
            raise AirflowFailException(self.message)
        if self.outcome is WaitOutcome.TIMED_OUT:
            raise timed_out(self.message)
        if self.error is not None:
            raise self.error
        raise AirflowException(self.message)

    def to_event(self, job_id: str) -> dict[str, Any]:
        """Give the step as the trigger's event payload: `{"status", "job_id", "message", "job"}`."""
        return {"status": self.outcome.value, "job_id": job_id, "message": self.message, "job": self.job}

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> WaitStep:
        """Read back the step a trigger's event carries (`to_event`), where the task resumes."""
        return cls(WaitOutcome(event["status"]), event["message"], event.get("job"))


@dataclass(frozen=True)
class JobWait:
    """A wait for import job `job_id` until `deadline`: what each look at it means.

    :param job_id: the job.
    :param poll_interval: seconds between two looks.
    :param deadline: when the wait gives up, a Unix time (seconds); None: never.
    :param job_page_url: gives a job's console page (the hook's `job_page_url`); called only for
        a job that cannot be waited for, once the platform has answered.
    """

    job_id: str
    poll_interval: float
    deadline: float | None
    job_page_url: Callable[[str], str]

    def look(self, get_import_job: Callable[[str, float | None], ImportJob]) -> WaitStep:
        """Ask for the job once, never past the deadline, and return the wait's next step.

        :param get_import_job: the hook's `get_import_job`; a `JodoError` it raises becomes a step.
        """
        try:
            job = get_import_job(self.job_id, self.deadline)
        except JodoError as error:
            return self.after(error)
        return self.after(job)

    async def alook(self, aget_import_job: Callable[[str, float | None], Awaitable[ImportJob]]) -> WaitStep:
        """`look` for the trigger's event loop.

        :param aget_import_job: the hook's `aget_import_job`.
        """
        try:
            job = await aget_import_job(self.job_id, self.deadline)
        except JodoError as error:
            return self.after(error)
        return self.after(job)

    def after(self, answer: ImportJob | JodoError) -> WaitStep:
        """Return the wait's next step after the platform's answer: the job now, or the error asking for it.

        The one place where each job state (`judge_job`) and each error ends a wait or not.
        """
        if isinstance(answer, JodoNotFoundError):  # waiting longer cannot make it appear
            return WaitStep(WaitOutcome.FAILED, f"import job {self.job_id}: {answer}")
        if isinstance(answer, JodoCapabilityMissingError):  # no status method: nor can it be asked
            message = describe_unwaitable_job(self.job_id, self.job_page_url(self.job_id), answer)
            return WaitStep(WaitOutcome.FAILED, message)
        if isinstance(answer, JodoError):  # unreachable, refusing, or an answer unread
            if self.is_over():
                message = f"timed out waiting for import job {self.job_id}: {answer}"
                return WaitStep(WaitOutcome.TIMED_OUT, message)
            return WaitStep(WaitOutcome.ERROR, f"import job {self.job_id}: {answer}", error=answer)
        verdict, job = judge_job(answer), answer.to_dict()
        if verdict is JobVerdict.SUCCEEDED:
            return WaitStep(WaitOutcome.SUCCEEDED, describe_job(answer), job)
        if verdict is JobVerdict.FAILED:
            return WaitStep(WaitOutcome.FAILED, describe_job_failure(answer), job)
        if self.is_over():
            return WaitStep(WaitOutcome.TIMED_OUT, f"timed out waiting: {describe_job(answer)}", job)
        return WaitStep(WaitOutcome.LOOK_AGAIN, describe_job(answer), job, self._next_look_in())

    def is_over(self) -> bool:
        """Tell whether the deadline has passed."""
        return self.deadline is not None and time.time() >= self.deadline

    def time_left(self) -> timedelta | None:
        """Give the time until the deadline (none left: zero), None without one; a deferral's timeout."""
        return None if self.deadline is None else timedelta(seconds=max(0.0, self.deadline - time.time()))

    def _next_look_in(self) -> float:
        """`poll_interval`, but never past the deadline: the last look is at it, not a poll interval after."""
        if self.deadline is None:
            return self.poll_interval
        return max(0.0, min(self.poll_interval, self.deadline - time.time()))
