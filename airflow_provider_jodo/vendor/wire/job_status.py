"""Read an importStatusCJI answer: one import job, its state, counts and row errors.

The status method is ours (no vendor client has one), so platforms answer it in their own
ways; a job that cannot be read is a `JodoResponseError` quoting the answer, never a guess.
Every text that comes back is redacted, because platforms echo file URLs, which may carry the
file server's password, and the job goes to logs and XCom.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_jodo.enums import JobState
from airflow_provider_jodo.exceptions import JodoResponseError
from airflow_provider_jodo.vendor.codes import parse_backmsg
from airflow_provider_jodo.vendor.models import ImportJob, JobRowError
from airflow_provider_jodo.vendor.wire.answers import Redact, quote_value
from airflow_provider_jodo.vendor.wire.cji_parameters import REPORTED_JOB_PARAMETERS

_COUNTS = ("total", "inserted", "updated", "skipped", "failed")


def parse_import_job(message: Any, what: str, redact: Redact) -> ImportJob:
    """Build the job from the message of a status answer.

    Counts that are missing or empty read as 0; anything else unreadable raises, because a
    wrong count would misreport an import.

    :param message: the `message` of a successful astercc answer to the status method.
    :param what: the call, as error messages name it.
    :param redact: removes the secrets the hook knows from texts the job carries.
    :raises JodoResponseError: the message is not a job object, or a state, count or row error
        in it cannot be read.
    """
    if not isinstance(message, Mapping):
        raise JodoResponseError(f"{what}: expected the job object, got {quote_value(message, redact)}")
    try:
        state = JobState(str(message.get("state", "")).lower())
        counts = {name: int(message.get(name) or 0) for name in _COUNTS}
        errors = tuple(
            JobRowError(
                row=int(error.get("row") or 0),
                code=parse_backmsg(error.get("code")) or (str(error["code"]) if error.get("code") else None),
                message=redact(str(error.get("message", ""))),
            )
            for error in message.get("errors") or ()
        )
    except (TypeError, ValueError, AttributeError, OverflowError) as error:
        # OverflowError: a count written 1e400 parses as float infinity, which int() refuses.
        raise JodoResponseError(
            f"{what}: malformed job status ({error}): {quote_value(message, redact)}"
        ) from None
    return ImportJob(
        job_id=str(message.get("jobid", "")),
        state=state,
        errors=errors,
        exetime=str(message.get("exetime") or ""),
        started=str(message.get("started") or ""),
        finished=str(message.get("finished") or ""),
        submitted_with=_submitted_with(message, redact),
        **counts,
    )


def _submitted_with(message: Mapping[str, Any], redact: Redact) -> dict[str, str]:
    """Collect the parameters a job's status says it was submitted with, as text.

    Any may be missing (reporting them is our extension); a value that is neither text nor a
    number is left out as unreadable, so that it is not compared. The file URL is redacted: it
    may carry the file server's password.
    """
    reported = {}
    for name in REPORTED_JOB_PARAMETERS:
        value = message.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            reported[name] = str(value).strip()
    if "context" in reported:
        reported["context"] = redact(reported["context"])
    return reported
