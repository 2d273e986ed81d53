"""Which import job is a submission's own, when the answer that named it never arrived.

importCJI names a file job only in its answer. When that answer is lost, the hook (before
sending again) and the operator (on a retry) look at the campaign's jobs for the file: a job
they did not know before the submission may be this submission's, or another run's that
imported the same file meanwhile. A job counts as the submission's only when every parameter
its status reports agrees with what the submission sent; `submission_mismatches` decides this
for both of them.

Platforms report what they like (the parameters are our extension of our status method): a
parameter an answer does not carry, or carries in a form the hook cannot read, is not compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from airflow_provider_jodo.enums import ChangePackagePolicy, DialListDuplicatePolicy, DuplicateWay
from airflow_provider_jodo.protocol.models import ImportJob
from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits
from airflow_provider_jodo.protocol.wire.wall_clock import (
    IMMEDIATELY,
    IMMEDIATELY_AS_ZEROS,
    is_wall_clock,
    to_wall_clock,
)

NOW_TOLERANCE = timedelta(minutes=5)
"""How far the `exetime` of a job submitted for "now" (the platform's clock when it made the
job) may lie outside the time from the submission's start to the look: the platform's clock
and the worker's differ. A generous bound costs little: jobs older than the submission are
already ruled out by their ids, noted before it."""

_MEANING_OF_EMPTY = {
    "delrow": "0",
    "emptyagent": "no",
    "resetstatus": "no",
    "dupway": DuplicateWay.SKIP.value,
    "dupdiallist": DialListDuplicatePolicy.IGNORE_DUPLICATE.value,
    "changepackage": ChangePackagePolicy.SKIP.value,
}
"""What the platform does with a parameter sent empty (protocol.md): an answer may report the
default in its place."""
_NUMBERS = ("model_id", "delrow")
_CASE_SENSITIVE = ("context",)
"""A file URL's path may be case-sensitive; field names and policy values are not (the platform
resolves them regardless of case)."""
_NOW = (IMMEDIATELY, IMMEDIATELY_AS_ZEROS)


@dataclass(frozen=True)
class FileJobSubmission:
    """A file job's submission, as its job's status would report it back.

    :param parameters: importCJI parameter -> value as sent, for any of `exetime` and
        `REPORTED_JOB_PARAMETERS`; one left out is not compared. `context`, the file URL, is
        redacted as the hook redacts it in job answers (`JodoHook.file_job_submission`).
    :param timezone: the platform's time zone (the connection's): `exetime` is its wall clock.
    :param submitted_at: when the submission started (aware); None: not known.
    """

    parameters: Mapping[str, str]
    timezone: str
    submitted_at: datetime | None = None


def submission_mismatches(job: ImportJob, submission: FileJobSubmission, looked_at: datetime) -> list[str]:
    """Return the parameters in which `job`, as its status reports it, differs from `submission`.

    Empty when the job may be the submission's. `looked_at` (aware) is when the job was read.

    Each parameter both carry is compared: an empty value as the platform's default, the
    campaign and `delrow` as numbers, field names and policy values regardless of case, the
    file URL exactly. `exetime`: a time that was given must be reported as sent; "now" (empty
    or zeros) matches "now", or a time between the submission's start and the look, give or
    take `NOW_TOLERANCE`, on the platform's wall clock. An `exetime` that is not reported, or
    not as `YYYY-MM-DD hh:mm:ss`, is not compared.
    """
    reported = {**job.submitted_with, "exetime": job.exetime}
    return [
        name
        for name, sent in submission.parameters.items()
        if name in reported and not _agrees(name, sent, reported[name], submission, looked_at)
    ]


def _agrees(name: str, sent: str, reported: str, submission: FileJobSubmission, looked_at: datetime) -> bool:
    if name == "exetime":
        return _exetime_agrees(sent.strip(), reported.strip(), submission, looked_at)
    return _canonical(name, sent) == _canonical(name, reported)


def _canonical(name: str, value: str) -> str:
    text = value.strip() or _MEANING_OF_EMPTY.get(name, "")
    if name in _NUMBERS and is_ascii_digits(text):
        return str(int(text))  # campaign "01" is campaign 1
    return text if name in _CASE_SENSITIVE else text.casefold()


def _exetime_agrees(sent: str, reported: str, submission: FileJobSubmission, looked_at: datetime) -> bool:
    if not reported or not (reported in _NOW or is_wall_clock(reported)):
        return True  # not reported, or not readable: not compared
    if sent not in _NOW:
        return reported == sent
    if reported in _NOW:
        return True
    # Wall-clock text of one zone sorts as time does, so the window is compared as text.
    latest = to_wall_clock(looked_at + NOW_TOLERANCE, submission.timezone, "looked_at")
    if submission.submitted_at is None:
        return reported <= latest
    earliest = to_wall_clock(submission.submitted_at - NOW_TOLERANCE, submission.timezone, "submitted_at")
    return earliest <= reported <= latest
