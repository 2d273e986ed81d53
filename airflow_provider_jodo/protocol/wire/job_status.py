"""Read an importStatusCJI answer: one import job, its state, counts and row errors.

The status method is ours (no vendor client has one), so platforms answer it in their own
ways; a job that cannot be read is a `JodoResponseError` quoting the answer, never a guess.
Every text that comes back is redacted, because platforms echo file URLs, which may carry the
file server's password, and the job goes to logs and XCom; a row error's message is cut to 300
characters like every quoted answer text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_jodo.enums import JobState
from airflow_provider_jodo.exceptions import JodoResponseError
from airflow_provider_jodo.protocol.codes import parse_backmsg
from airflow_provider_jodo.protocol.models import ImportJob, JobRowError
from airflow_provider_jodo.protocol.wire.answers import (
    MAX_NUMBER_DIGITS,
    Redact,
    quote_body,
    quote_value,
    whole_number,
)
from airflow_provider_jodo.protocol.wire.cji_parameters import REPORTED_JOB_PARAMETERS
from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits

_COUNTS = ("total", "inserted", "updated", "skipped", "failed")


def parse_job_id(value: Any, what: str, redact: Redact) -> str:
    """Read a job id from an answer: 1 to 20 ASCII digits, or a whole number written as one.

    An id is stored, put in URLs and compared, so anything else (a bool, a negative or
    fractional number, a path, a BackMsg text, a line break) is refused, never kept.

    :raises JodoResponseError: `value` is no job id; the message quotes it (redacted, cut).
    """
    number = whole_number(value) if not isinstance(value, str) else None
    text = str(number) if number is not None else value
    if not isinstance(text, str) or not is_ascii_digits(text) or len(text) > MAX_NUMBER_DIGITS:
        raise JodoResponseError(
            f"{what}: expected a job id (1 to 20 digits), got {quote_value(value, redact)}"
        )
    return text


def parse_import_job(message: Any, what: str, redact: Redact, asked_job_id: str | None = None) -> ImportJob:
    """Build the job from the message of a status answer.

    Counts and row numbers that are missing or empty read as 0; anything else that is not a
    non-negative whole number raises, because a wrong count would misreport an import.

    :param message: the `message` of a successful astercc answer to the status method.
    :param what: the call, as error messages name it.
    :param redact: removes the secrets the hook knows from texts the job carries.
    :param asked_job_id: the job the call asked about: an answer naming another is refused, one
        naming none is about it. None for a listing, whose every job must name its id.
    :raises JodoResponseError: the message is not a job object, names another job, or a state,
        count or row error in it cannot be read.
    """
    if not isinstance(message, Mapping):
        raise JodoResponseError(f"{what}: expected the job object, got {quote_value(message, redact)}")
    job_id = _reported_job_id(message, what, redact, asked_job_id)
    try:
        state = JobState(str(message.get("state", "")).lower())
        counts = {name: _count(message.get(name), name) for name in _COUNTS}
        errors = tuple(
            JobRowError(
                row=_count(error.get("row"), "row"),
                code=parse_backmsg(error.get("code")) or (str(error["code"]) if error.get("code") else None),
                message=quote_body(str(error.get("message", "")), redact),
            )
            for error in message.get("errors") or ()
        )
    except (TypeError, ValueError, AttributeError) as error:
        raise JodoResponseError(
            f"{what}: malformed job status ({quote_body(str(error), redact)}): {quote_value(message, redact)}"
        ) from None
    return ImportJob(
        job_id=job_id,
        state=state,
        errors=errors,
        exetime=str(message.get("exetime") or ""),
        started=str(message.get("started") or ""),
        finished=str(message.get("finished") or ""),
        submitted_with=_submitted_with(message, redact),
        **counts,
    )


def _reported_job_id(message: Mapping[str, Any], what: str, redact: Redact, asked_job_id: str | None) -> str:
    """Give the id of the job a status answer is about, refusing one about another job."""
    reported = message.get("jobid")
    if reported is None or reported == "":
        if asked_job_id is None:
            raise JodoResponseError(f"{what}: a listed job without its jobid: {quote_value(message, redact)}")
        return asked_job_id
    job_id = parse_job_id(reported, what, redact)
    if asked_job_id is not None and job_id != asked_job_id:
        raise JodoResponseError(
            f"{what}: the answer is about job {job_id}, not the one asked about: "
            f"{quote_value(message, redact)}"
        )
    return job_id


def _count(value: Any, name: str) -> int:
    """Read a count or a row number; missing or empty is 0.

    :raises ValueError: naming the field, when it is no non-negative whole number.
    """
    if value is None or value == "":
        return 0
    number = whole_number(value)
    if number is None:
        raise ValueError(f"{name} is not a non-negative whole number")
    return number


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
