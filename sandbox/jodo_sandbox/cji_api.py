"""astercc `importCJI` and our `importStatusCJI`, answering as the vendor does.

Each method checks its parameters in the documented order and answers with the first
failure as `{code: 2, message: "BackMsg_NN"}`; success is `{code: 1, message: ...}`. The
server wraps the answer in the caller's JSONP callback.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_jodo.enums import CJISource, PasswordType, UserType
from airflow_provider_jodo.protocol.codes import BackMsgCode, backmsg
from airflow_provider_jodo.protocol.wire.protocol import (
    CJI_PARAMETERS,
    CREDENTIAL_PARAMETERS,
    FIELD_SEPARATOR,
    FILE_URL_SCHEMES,
    IMMEDIATELY,
    IMMEDIATELY_AS_ZEROS,
    REPORTED_JOB_PARAMETERS,
)
from jodo_sandbox.campaign_form import resolve_field
from jodo_sandbox.campaign_import import (
    DIAL_FIELD_PARAMETERS,
    POLICY_PARAMETERS,
    CampaignRecordOutcome,
    ImportOptions,
    import_record,
)
from jodo_sandbox.campaign_store import Campaign
from jodo_sandbox.clock import PlatformClock, is_wall_clock
from jodo_sandbox.profile import SandboxProfile
from jodo_sandbox.store import SandboxStore

logger = logging.getLogger(__name__)

_REQUIRED_IMPORT_PARAMETERS = (*CREDENTIAL_PARAMETERS, "modeltype", "model_id", "source")
_MODEL_TYPE = "Campaign"
_SQLITE_INTEGER_LIMIT = 2**63
SUCCESS = 1
FAILURE = 2


@dataclass(frozen=True)
class CjiAnswer:
    """An astercc answer: `code` 1 (success) or 2 (failure) and its message."""

    code: int
    message: str | dict[str, Any] | list[dict[str, Any]]

    def as_object(self) -> dict[str, Any]:
        """Return the answer object as it goes on the wire (before the JSONP wrapper)."""
        return {"code": self.code, "message": self.message}


class _Refusal(Exception):
    """The first failed check of a call; answered as `BackMsg_<code>`."""

    def __init__(self, code: str) -> None:
        """Refuse with BackMsg `code`."""
        super().__init__(code)
        self.code = code


class _UnknownJob(Exception):
    """No job of the caller's organisation has the asked id (or none was asked for).

    It is answered as the profile says (our BackMsg_91, or plain text).
    """


class CjiApi:
    """The two astercc methods over the sandbox store."""

    def __init__(
        self, store: SandboxStore, clock: PlatformClock, profile: SandboxProfile = SandboxProfile.FULL
    ) -> None:
        """Answer from `store`, in `clock`'s time zone, as far as `profile` goes beyond the documentation."""
        self._store = store
        self._clock = clock
        self._profile = profile

    def import_cji(self, params: Mapping[str, str]) -> CjiAnswer:
        """importCJI: one record (`source=data`) at once, or a CSV import job (http/ftp)."""
        return self._answer(self._import_cji, params)

    def import_status(self, params: Mapping[str, str]) -> CjiAnswer:
        """importStatusCJI: the state and counts of an import job of the caller's organisation."""
        return self._answer(self._import_status, params)

    def job_page(self, job_id: str) -> dict[str, Any] | None:
        """Return the job a console page shows, or None.

        The sandbox's console needs no login: it only serves the task link's target on one machine.
        """
        number = _as_id(job_id)
        if number is None:
            return None
        try:
            return self._store.import_job(number)
        except KeyError:
            return None

    def _answer(
        self, method: Callable[[Mapping[str, str]], CjiAnswer], params: Mapping[str, str]
    ) -> CjiAnswer:
        try:
            return method(params)
        except _UnknownJob:
            message = self._profile.unknown_job_message
            return CjiAnswer(FAILURE, backmsg(BackMsgCode.JOB_NOT_FOUND) if message is None else message)
        except _Refusal as refusal:
            return CjiAnswer(FAILURE, backmsg(refusal.code))
        except sqlite3.Error:
            logger.exception("astercc call failed in the store")
            return CjiAnswer(FAILURE, backmsg(BackMsgCode.STORAGE_ERROR))

    def _import_cji(self, params: Mapping[str, str]) -> CjiAnswer:
        if any(name not in params for name in CJI_PARAMETERS):
            raise _Refusal(BackMsgCode.EMPTY_PARAMETERS)
        org_id = self._authenticate(params, _REQUIRED_IMPORT_PARAMETERS)
        if params["modeltype"] != _MODEL_TYPE:
            raise _Refusal(BackMsgCode.BAD_MODEL)
        campaign_id = _as_id(params["model_id"])
        if campaign_id is None:
            raise _Refusal(BackMsgCode.BAD_CAMPAIGN_ID)
        campaign = self._store.campaign(campaign_id)
        if campaign is None or campaign.org_id != org_id:
            raise _Refusal(BackMsgCode.CAMPAIGN_NOT_FOUND)
        if params["source"] not in {source.value for source in CJISource}:
            raise _Refusal(BackMsgCode.BAD_SOURCE)
        source = CJISource(params["source"])
        context = params["context"].strip()
        if not context:
            raise _Refusal(BackMsgCode.EMPTY_CONTEXT)
        try:
            options = ImportOptions.from_params(params)
        except ValueError as error:
            raise _Refusal(BackMsgCode.EMPTY_PARAMETERS) from error
        exetime, delrow = params["exetime"].strip(), params["delrow"].strip()
        if exetime not in (IMMEDIATELY, IMMEDIATELY_AS_ZEROS) and not is_wall_clock(exetime):
            raise _Refusal(BackMsgCode.JOB_NOT_CREATED)
        if delrow and _as_id(delrow) is None:
            raise _Refusal(BackMsgCode.JOB_NOT_CREATED)

        if source is CJISource.DATA:
            return self._import_one_record(campaign, context, options)
        _check_file_url(source, context)
        job_id = self._store.create_import_job(
            org_id=org_id,
            campaign_id=campaign.id,
            source=source.value,
            url=context,
            source_user=params["source_user"],
            source_pwd=params["source_pwd"],
            delrow=int(delrow or 0),
            # As sent (checked above), so that the job's status reports what was submitted.
            options={name: params[name].strip() for name in (*DIAL_FIELD_PARAMETERS, *POLICY_PARAMETERS)},
            exetime=exetime if is_wall_clock(exetime) else self._clock.now_text(),
        )
        return CjiAnswer(SUCCESS, str(job_id))

    def _import_one_record(self, campaign: Campaign, context: str, options: ImportOptions) -> CjiAnswer:
        result = import_record(self._store, campaign, _parse_context(context), options)
        if result.outcome in (CampaignRecordOutcome.INSERTED, CampaignRecordOutcome.UPDATED):
            return CjiAnswer(SUCCESS, backmsg(result.code))
        return CjiAnswer(FAILURE, backmsg(result.code))

    def _import_status(self, params: Mapping[str, str]) -> CjiAnswer:
        if self._profile.lists_jobs:
            if not params.get("jobid", "").strip() and params.get("context", "").strip():
                return self._file_jobs(params)
            org_id = self._authenticate(params, (*CREDENTIAL_PARAMETERS, "jobid"))
        else:  # a documented-only platform has no listing: an empty jobid names no job
            org_id = self._authenticate(params, CREDENTIAL_PARAMETERS)
        job_id = _as_id(params.get("jobid", "").strip())
        job = self._store.import_job_of_organisation(org_id, job_id) if job_id is not None else None
        if job is None:
            raise _UnknownJob
        if not self._profile.reports_job_parameters:
            job = {name: value for name, value in job.items() if name not in REPORTED_JOB_PARAMETERS}
        return CjiAnswer(SUCCESS, job)

    def _file_jobs(self, params: Mapping[str, str]) -> CjiAnswer:
        """Return the jobs of one campaign for one file URL, newest first.

        This is how a client finds a job whose submission answer it lost.
        """
        org_id = self._authenticate(params, (*CREDENTIAL_PARAMETERS, "model_id", "context"))
        campaign_id = _as_id(params["model_id"].strip())
        if campaign_id is None:
            raise _Refusal(BackMsgCode.BAD_CAMPAIGN_ID)
        jobs = self._store.import_jobs_for_file(org_id, campaign_id, params["context"].strip())
        return CjiAnswer(SUCCESS, jobs)

    def _authenticate(self, params: Mapping[str, str], required: tuple[str, ...]) -> int:
        """Return the caller's organisation id, checked in the decided order; raise _Refusal."""
        if any(not params.get(name, "").strip() for name in required):
            raise _Refusal(BackMsgCode.EMPTY_PARAMETERS)
        org_id = self._store.organisation_of_identity(params["orgidentity"])
        if org_id is None:
            raise _Refusal(BackMsgCode.UNKNOWN_ORGANISATION)
        user_type, user, password_type = params["usertype"], params["user"], params["pwdtype"]
        if user_type == UserType.AGENT.value:
            agent = self._store.agent(org_id, user)
            if agent is None:
                raise _Refusal(BackMsgCode.AGENT_NOT_FOUND)
            if not agent.enabled:
                raise _Refusal(BackMsgCode.AGENT_DISABLED)
            if not _password_matches(agent.password, params["password"], password_type):
                raise _Refusal(BackMsgCode.AGENT_WRONG_PASSWORD)
        elif user_type == UserType.ACCOUNT.value:
            stored = self._store.account_password(org_id, user)
            if stored is None:
                raise _Refusal(BackMsgCode.ACCOUNT_NOT_FOUND)
            if not _password_matches(stored, params["password"], password_type):
                raise _Refusal(BackMsgCode.ACCOUNT_LOGIN_FAILED)
        # The decided order checks the sets only after the login, so an unknown usertype or
        # pwdtype is still reported as 01 (a wrong password with an unknown pwdtype as 07/63).
        if user_type not in {member.value for member in UserType}:
            raise _Refusal(BackMsgCode.EMPTY_PARAMETERS)
        if password_type not in {member.value for member in PasswordType}:
            raise _Refusal(BackMsgCode.EMPTY_PARAMETERS)
        return org_id


def _password_matches(stored: str, sent: str, password_type: str) -> bool:
    """Tell whether `sent` matches the `stored` password: `pwdtype=md5` sends its lowercase hex MD5.

    Anything else is compared as plain text (an unknown pwdtype is refused afterwards).
    """
    if password_type == PasswordType.MD5.value:
        expected = hashlib.md5(stored.encode("utf-8")).hexdigest()
    else:
        expected = stored
    return hmac.compare_digest(expected.encode("utf-8"), sent.encode("utf-8"))


def _as_id(value: str) -> int | None:
    """Return a non-negative integer written in ASCII digits that SQLite can hold, else None."""
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number < _SQLITE_INTEGER_LIMIT else None


def _parse_context(context: str) -> dict[str, str]:
    """Parse `field=value||field=value` as field name -> value.

    A segment without exactly one `=`, an unknown field or a field given twice is a bad context
    (75): the sandbox refuses rather than guess, so that a client that mangles values is caught.
    """
    record: dict[str, str] = {}
    for segment in context.split(FIELD_SEPARATOR):
        label, separator, value = segment.partition("=")
        field_name = resolve_field(label)
        if not separator or "=" in value or field_name is None or field_name in record:
            raise _Refusal(BackMsgCode.BAD_CONTEXT)
        record[field_name] = value.strip()
    return record


def _check_file_url(source: CJISource, url: str) -> None:
    """Refuse an http/ftp context that is not a URL of the source's scheme (75) naming a `.csv` file (86)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in FILE_URL_SCHEMES[source] or not parts.hostname:
        raise _Refusal(BackMsgCode.BAD_CONTEXT)
    if not parts.path.lower().endswith(".csv"):
        raise _Refusal(BackMsgCode.CSV_ONLY)
