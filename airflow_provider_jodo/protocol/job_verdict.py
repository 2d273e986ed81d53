"""What an import job's state means, decided in one place.

The operator's wait loop, the sensor and the trigger alike use it, so they can never disagree
about "is this job finished?".
"""

from __future__ import annotations

import time
from enum import Enum

from airflow_provider_jodo.enums import JobState
from airflow_provider_jodo.protocol.codes import backmsg, describe_backmsg
from airflow_provider_jodo.protocol.models import ImportJob

FIRST_ERRORS_SHOWN = 5


class JobVerdict(str, Enum):
    """The caller's next step: keep waiting, succeed, or fail the task."""

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


def wait_is_over(end_time: float | None) -> bool:
    """Whether a wait for a job that ends at `end_time` (a Unix time; None: never) is over."""
    return end_time is not None and time.time() >= end_time


def next_look_in(poll_interval: float, end_time: float | None) -> float:
    """Return the seconds until a wait looks at its job again: `poll_interval`, but never past the wait's end.

    So the last look comes at the end and not a poll interval after it.
    """
    if end_time is None:
        return poll_interval
    return max(0.0, min(poll_interval, end_time - time.time()))


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
