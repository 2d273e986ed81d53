"""Ask the platform about import jobs: one job's state now, and a campaign's jobs for a file.

Both go through the status method, importStatusCJI, which we decided on because no vendor
client has one; listing a campaign's jobs for a file is our extension of it. Each is an optional
platform capability, learned from the first answer (`platform_capabilities`). Nothing here
waits for a job: a caller asks "what is the state now" as often as it likes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from airflow_provider_jodo.exceptions import (
    JodoApiError,
    JodoAuthenticationError,
    JodoCapabilityMissingError,
    JodoNotFoundError,
    JodoResponseError,
)
from airflow_provider_jodo.hooks.connection_settings import JodoConnectionSettings
from airflow_provider_jodo.hooks.platform_calls import PlatformCalls, Query
from airflow_provider_jodo.hooks.platform_capabilities import Capability, PlatformCapabilities
from airflow_provider_jodo.protocol.codes import BACKMSG_JOB_NOT_FOUND, BackMsgCode, backmsg, describe_backmsg
from airflow_provider_jodo.protocol.models import ImportJob
from airflow_provider_jodo.protocol.wire.job_status import parse_import_job
from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits
from airflow_provider_jodo.protocol.wire.redaction import Redactor

HTTP_NOT_FOUND = 404
CAMPAIGN_REFUSALS = frozenset(
    {BackMsgCode.BAD_CAMPAIGN_ID, BackMsgCode.BAD_MODEL, BackMsgCode.CAMPAIGN_NOT_FOUND}
)
"""BackMsg codes that refuse the campaign: they come after the login was checked, and a listing
that answers them exists."""
_UNKNOWN_METHOD = re.compile(
    r"\b(unknown|invalid|unsupported|undefined)\s+(method|action|event|path|function)\b"
    r"|\b(method|action|event|path|function)\b.*\b(not\s+found|not\s+exist|does\s+not\s+exist|unknown"
    r"|not\s+supported|not\s+defined)\b"
    r"|\bno\s+such\s+(method|action|event|path|function)\b",
    re.IGNORECASE,
)
"""A code-2 answer that says the method itself does not exist (as opposed to the job). It reads
a refusal's `vendor_message`, at most 300 characters (`answers.quote_body`), so that its `.*`
costs little whatever the platform sends."""


def campaign_model_id(campaign_id: int | str) -> str:
    """Give a campaign id as importCJI's `model_id` takes it, refusing anything not numeric.

    :param campaign_id: the campaign, as a number or its ASCII digits.
    :raises ValueError: `campaign_id` is not a numeric campaign id.
    """
    text = str(campaign_id).strip()
    if isinstance(campaign_id, bool) or not is_ascii_digits(text):
        raise ValueError(f"campaign_id={campaign_id!r} is not a numeric campaign id (ASCII digits 0-9)")
    return text


@dataclass(frozen=True)
class ImportJobs:
    """The status method's two questions, and what they taught about the platform.

    :param settings: the connection's settings (the login and the status method's path).
    :param calls: makes the astercc calls.
    :param capabilities: where what the answers show about the platform is kept.
    :param redactor: the secrets to remove from what a job's answer carries.
    """

    settings: JodoConnectionSettings
    calls: PlatformCalls
    capabilities: PlatformCapabilities
    redactor: Redactor

    def get(self, job_id: str | int, deadline: float | None = None) -> ImportJob:
        """Ask for the job's state and counts now.

        :param job_id: the job, as importCJI named it.
        :param deadline: a Unix time to have the answer by, so that a waiting caller is never
            held past it by a slow answer.
        :raises JodoNotFoundError: the platform knows no such job: our BackMsg_91, or any
            refusal in plain text (the decided protocol answers code 2 only for an unknown job
            or bad credentials, and credentials have their codes).
        :raises JodoCapabilityMissingError: the platform has no job status method.
        """
        parameters = [*self.settings.astercc_credentials().items(), ("jobid", str(job_id))]
        what = f"importStatusCJI for job {job_id}"
        try:
            message = self._status_call(parameters, what, deadline)
        except JodoApiError as error:
            if error.code is None or error.code == BACKMSG_JOB_NOT_FOUND:
                said = error.vendor_message or "no reason given"
                if error.code is not None:
                    said = f"{backmsg(error.code)}, {describe_backmsg(error.code)}"
                raise JodoNotFoundError(
                    f"{what}: the platform knows no such job ({said})",
                    api="astercc",
                    code=error.code,
                    vendor_message=error.vendor_message,
                ) from None
            raise
        return parse_import_job(message, what, self.redactor.redact, asked_job_id=str(job_id))

    def for_file(self, campaign_id: str, file_url: str) -> list[ImportJob] | None:
        """List the campaign's jobs for the file, newest first; None when the platform cannot.

        Whether it can is learned from the first answer: a refusal of the login or the campaign
        is raised (a listing gave it); any other refusal, an answer that is not a list, or no
        status method at all means no listing.

        :param campaign_id: the campaign, as `campaign_model_id` gives it.
        :param file_url: the file the jobs import, as submitted.
        """
        if self.capabilities.lacks(Capability.JOB_LISTING):
            return None
        what = f"importStatusCJI for the jobs of campaign {campaign_id} and its file"
        parameters = [
            *self.settings.astercc_credentials().items(),
            ("jobid", ""),
            ("model_id", campaign_id),
            ("context", file_url),
        ]
        try:
            message = self._status_call(parameters, what)
        except JodoCapabilityMissingError as error:
            self.capabilities.learn(Capability.JOB_LISTING, False, str(error))
            return None
        except JodoApiError as error:
            if isinstance(error, JodoAuthenticationError) or error.code in CAMPAIGN_REFUSALS:
                raise
            evidence = f"asked for them, it answered {error.vendor_message or 'an empty message'!r}"
            self.capabilities.learn(Capability.JOB_LISTING, False, evidence)
            return None
        if not isinstance(message, list):
            self.capabilities.learn(Capability.JOB_LISTING, False, "asked for them, it answered no list")
            return None
        self.capabilities.learn(Capability.JOB_LISTING, True)
        return [parse_import_job(job, what, self.redactor.redact) for job in message]

    def _status_call(self, parameters: Query, what: str, deadline: float | None = None) -> Any:
        """Call the status method; return the message of its success.

        The method's absence (HTTP 404, or a refusal that names an unknown method) is learned
        once and raised; after that it is raised without a call, so that a platform without the
        method is not asked again and again.

        :param parameters: the call's parameters, the login included.
        :param what: the call, as messages name it.
        :param deadline: a Unix time the call must end by.
        :raises JodoCapabilityMissingError: the platform has no job status method.
        """
        path = self.settings.import_status_path
        if not self.capabilities.lacks(Capability.JOB_STATUS):
            try:
                _, message = self.calls.astercc(path, parameters, what, deadline=deadline)
            except JodoResponseError as error:
                if error.http_status != HTTP_NOT_FOUND:
                    raise
                self.capabilities.learn(Capability.JOB_STATUS, False, f"HTTP 404 at {path}")
            except JodoApiError as error:
                if error.code is not None or not _UNKNOWN_METHOD.search(error.vendor_message):
                    raise
                evidence = f"{error.vendor_message!r} at {path}"
                self.capabilities.learn(Capability.JOB_STATUS, False, evidence)
            else:
                self.capabilities.learn(Capability.JOB_STATUS, True)
                return message
        raise JodoCapabilityMissingError(
            f"the platform has no job status method ({self.capabilities.evidence(Capability.JOB_STATUS)}); "
            "if it has one elsewhere, set the connection's import_status_path",
            capability=Capability.JOB_STATUS.value,
        )
