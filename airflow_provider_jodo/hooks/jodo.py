"""JodoHook: all I/O with the Jodo customer web service and astercc's importCJI.

One `requests.Session` per hook and calling thread (kept-alive connections; operators call
the hook from several threads when `max_in_flight` > 1), a timeout on every call, vendor
answers parsed tolerantly in `wire.answers`, failures raised as typed `JodoError`s carrying the
vendor code. Secrets are registered with Airflow's log masker and redacted from every message
the hook builds, because importCJI puts the password in the URL.

The hook never waits for a job: `get_import_job` answers "what is the state now".
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import pendulum
import requests
from airflow.sdk import BaseHook
from airflow.sdk.log import amask_secret, mask_secret

from airflow_provider_jodo.enums import (
    CJISource,
    JobState,
    Media,
    ProcessDataSearch,
    RecordOutcomeKind,
    UpdateKey,
    coerce,
)
from airflow_provider_jodo.exceptions import (
    JodoAmbiguousJobError,
    JodoApiError,
    JodoAuthenticationError,
    JodoCapabilityMissingError,
    JodoConnectionError,
    JodoError,
    JodoNotFoundError,
    JodoResponseError,
    JodoSubmissionUnconfirmedError,
)
from airflow_provider_jodo.hooks.bounded_exchange import (
    AnswerTooLargeError,
    AttemptWatchdog,
    read_bounded,
    watched_session,
)
from airflow_provider_jodo.hooks.connection_settings import JodoConnectionSettings
from airflow_provider_jodo.hooks.platform_capabilities import Capability, PlatformCapabilities
from airflow_provider_jodo.hooks.retry_policy import (
    RetryPolicy,
    TransientFailure,
    failure_of_exception,
    failure_of_status,
)
from airflow_provider_jodo.vendor.cji_policies import CJIPolicies
from airflow_provider_jodo.vendor.codes import (
    BACKMSG_JOB_NOT_FOUND,
    BackMsgCode,
    backmsg,
    describe_backmsg,
    parse_backmsg,
)
from airflow_provider_jodo.vendor.job_matching import FileJobSubmission, submission_mismatches
from airflow_provider_jodo.vendor.models import (
    CJIImportResult,
    ImportJob,
    JobRowError,
    ProcessDataImport,
    ProcessDataRecords,
    RecordOutcome,
)
from airflow_provider_jodo.vendor.wire.answers import (
    astercc_message,
    jodo_payload,
    parse_answer,
    quote_body,
    quote_value,
)
from airflow_provider_jodo.vendor.wire.cji_parameters import (
    CJI_PARAMETERS,
    FILE_URL_SCHEMES,
    REPORTED_JOB_PARAMETERS,
    encode_context,
    refuse_url_login,
)
from airflow_provider_jodo.vendor.wire.form import FORM_CONTENT_TYPE, form_field
from airflow_provider_jodo.vendor.wire.process_data import PreparedImport, encode_jodo_request
from airflow_provider_jodo.vendor.wire.record_values import scalar_text
from airflow_provider_jodo.vendor.wire.redaction import Redactor, install_url_log_redaction
from airflow_provider_jodo.vendor.wire.wall_clock import IMMEDIATELY, now_wall_clock, to_wall_clock

JSONP_CALLBACK = "airflowJodo"
_IMPORT_METHOD = "ImportProcessData"
MODEL_TYPE_CAMPAIGN = "Campaign"
HTTP_NOT_FOUND = 404
LAST_LOOK_SECONDS = 0.5
"""A call with a caller's deadline (a wait for a job) gets at least this long, so that the look
a wait takes at its end can still be answered; it ends that much past the deadline at most."""
ANSWER_BYTES_PER_RECORD = 1024
"""An ImportProcessData answer may grow by this much per record of its batch (its outcome)."""
_UNKNOWN_METHOD = re.compile(
    r"\b(unknown|invalid|unsupported|undefined)\s+(method|action|event|path|function)\b"
    r"|\b(method|action|event|path|function)\b.*\b(not\s+found|not\s+exist|does\s+not\s+exist|unknown"
    r"|not\s+supported|not\s+defined)\b"
    r"|\bno\s+such\s+(method|action|event|path|function)\b",
    re.IGNORECASE,
)
"""A code-2 answer that says the method itself does not exist (as opposed to the job)."""
_CAMPAIGN_CODES = {BackMsgCode.BAD_CAMPAIGN_ID, BackMsgCode.BAD_MODEL, BackMsgCode.CAMPAIGN_NOT_FOUND}
"""BackMsg codes that refuse the campaign: a listing that answers them exists."""
_REFUSED_AFTER_LOGIN = {
    *_CAMPAIGN_CODES,
    BackMsgCode.EMPTY_CONTEXT,
    BackMsgCode.BAD_CONTEXT,
    BackMsgCode.REQUIRED_FIELD_MISSING,
}
"""Refusals of an importCJI call that come after its login was checked: they prove the login."""
_LOGIN_PROBE_CAMPAIGN = "0"
_CERTIFICATE_REJECTED = "CERTIFICATE_VERIFY_FAILED"
"""OpenSSL's reason for a certificate (chain or host name) that verification rejected."""


class JodoHook(BaseHook):
    """Talks to a Jodo/astercc platform with the credentials of a `jodo` Airflow connection.

    :param jodo_conn_id: the connection holding the base URL, API/service keys and the astercc
        organisation, user and password (see README, "Connection").
    :param retry_policy: overrides the connection's retry settings (the connection test makes one
        attempt per call, because someone is waiting for its answer).
    """

    conn_name_attr = "jodo_conn_id"
    default_conn_name = "jodo_default"
    conn_type = "jodo"
    hook_name = "Jodo"

    def __init__(
        self, jodo_conn_id: str = default_conn_name, retry_policy: RetryPolicy | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.jodo_conn_id = jodo_conn_id
        self._retry_policy = retry_policy
        self._settings: JodoConnectionSettings | None = None
        self._redactor = Redactor()
        self._thread_sessions = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        self._environments: dict[str, dict[str, Any]] = {}
        self.capabilities = PlatformCapabilities(self.log)
        self._watchdog = AttemptWatchdog()
        install_url_log_redaction()

    @property
    def settings(self) -> JodoConnectionSettings:
        """The connection's settings, loaded on first use (`get_conn_settings`)."""
        return self._settings or self.get_conn_settings()

    def get_conn_settings(self) -> JodoConnectionSettings:
        """Load the connection's settings and mask its secrets in logs from here on (as Azure
        Data Factory's `get_conn`: an explicit load, kept for the hook's life)."""
        if self._settings is None:
            settings = JodoConnectionSettings.from_connection(self.get_connection(self.jodo_conn_id))
            self._register_secrets(*settings.secrets())
            self._settings = settings
        return self._settings

    async def aget_conn_settings(self) -> JodoConnectionSettings:
        """`get_conn_settings` for triggers: resolves the connection and masks its secrets
        without blocking the event loop (the triggerer shares it)."""
        if self._settings is None:
            conn = await self.aget_connection(self.jodo_conn_id)
            settings = JodoConnectionSettings.from_connection(conn, await conn.aextra_dejson())
            for secret in settings.secrets():
                await amask_secret(secret)
            self._redactor.add(*settings.secrets())
            self._settings = settings
        return self._settings

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy of this hook's calls: the connection's, unless overridden."""
        return self._retry_policy or self.settings.retry_policy

    @property
    def session(self) -> requests.Session:
        """The calling thread's session, so that its consecutive calls reuse one TCP/TLS
        connection. Operators call the hook from several threads at once (`max_in_flight`),
        and requests does not promise that a Session is thread-safe: each thread gets its own."""
        session = getattr(self._thread_sessions, "session", None)
        if session is None:
            session = watched_session()
            # The environment (proxies, CA bundle) is resolved once per URL in `_environment`;
            # left to requests, it scans all of os.environ on every call (~0.2 ms, a fifth of
            # an importCJI call to a local platform).
            session.trust_env = False
            session.verify = self.settings.verify_tls  # `_environment` may name a CA bundle
            session.headers["User-Agent"] = "airflow-provider-jodo"
            self._thread_sessions.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        """Release the pooled connections of every thread's session."""
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
            self._thread_sessions = threading.local()
        for session in sessions:
            session.close()
        self._watchdog.close()

    # ImportProcessData family -------------------------------------------------------------

    def import_process_data(
        self,
        records: Sequence[Mapping[str, Any]],
        *,
        media: Media | int | str,
        update_key: UpdateKey | str,
        call_datetime: datetime | None = None,
        call_type: str | None = None,
        user_login: str | None = None,
    ) -> ProcessDataImport:
        """Push one batch of customer records with ImportProcessData (one HTTP request).

        The platform upserts each record by `update_key` and reports one outcome per record, in
        input order; rejected records carry the platform's reason. Records are sent as given:
        validating and batching below the platform's limit is the caller's job.
        `call_datetime` must be aware; it is sent in the connection's time zone.

        :raises ValueError: bad arguments, naming the parameter or record index.
        :raises JodoApiError: the platform refused the whole request (its code is on the error).
        """
        request = self.prepare_import(
            records,
            media=media,
            update_key=update_key,
            call_datetime=call_datetime,
            call_type=call_type,
            user_login=user_login,
        )
        return self.read_import_answer(request, self.send_import(request))

    # The three steps of import_process_data, for callers that pipeline batches: encode the
    # next batch and read the last answer while a request is on its way, so that the thread
    # sending requests has nothing else to do between one answer and the next request.

    def prepare_import(
        self,
        records: Sequence[Mapping[str, Any]],
        *,
        media: Media | int | str,
        update_key: UpdateKey | str,
        call_datetime: datetime | None = None,
        call_type: str | None = None,
        user_login: str | None = None,
    ) -> PreparedImport:
        """The ImportProcessData request for `records`, encoded for the wire (arguments as
        for `import_process_data`, and the same ValueErrors)."""
        if isinstance(records, (str, bytes)) or not isinstance(records, Sequence) or not records:
            raise ValueError("records must be a non-empty list of dicts")
        for index, record in enumerate(records):
            if not isinstance(record, Mapping):
                raise ValueError(f"records[{index}] is {type(record).__name__}, not a dict")
        update_field = coerce(UpdateKey, update_key, "update_key").value
        request: dict[str, Any] = {
            "Method": _IMPORT_METHOD,
            **self.settings.jodo_credentials(),
            "Media": int(coerce(Media, media, "media")),
            "Data": list(records),
            "updateparam": update_field,
            "reqdatetime": now_wall_clock(self.settings.timezone),
        }
        if call_datetime is not None:
            request["CallDateTime"] = to_wall_clock(call_datetime, self.settings.timezone, "call_datetime")
        if call_type:
            request["Calltype"] = str(call_type)
        if user_login:
            request["userlogin"] = str(user_login)
        return PreparedImport(
            body=form_field("data", encode_jodo_request(request)),
            keys=tuple(scalar_text(record.get(update_field)) for record in records),
        )

    def send_import(self, request: PreparedImport) -> tuple[str, int]:
        """Post a prepared request; (body, HTTP status) of the answer, unread. Safe to call
        from several threads at once.

        :raises JodoConnectionError: the platform could not be reached.
        """
        return self._send(
            "POST",
            self.settings.url(self.settings.process_data_path),
            _IMPORT_METHOD,
            answer_limit=self.settings.max_answer_bytes + ANSWER_BYTES_PER_RECORD * request.record_count,
            data=request.body,
            headers={"Content-Type": FORM_CONTENT_TYPE},
        )

    def read_import_answer(self, request: PreparedImport, answer: tuple[str, int]) -> ProcessDataImport:
        """The outcomes in the answer (`send_import`'s) to a prepared request.

        Per-record outcomes are an optional capability (the vendor documents no answer): a
        success answer without `records` means the platform took every record of the request,
        and each counts as `accepted`.

        :raises JodoApiError: the platform refused the whole request (its code is on the error).
        :raises JodoResponseError: the answer has `records`, but not one outcome per record in
            input order.
        """
        payload = self._jodo_payload(*answer, _IMPORT_METHOD)
        raw_outcomes = payload.get("records")
        request_id = str(payload.get("uniqueid", ""))
        if raw_outcomes is None:
            self.capabilities.learn(
                Capability.RECORD_OUTCOMES, False, "its success answers carry no 'records' list"
            )
            accepted = RecordOutcomeKind.ACCEPTED
            return ProcessDataImport(
                request_id=request_id,
                records=tuple(RecordOutcome(i, key, accepted) for i, key in enumerate(request.keys)),
            )
        self.capabilities.learn(Capability.RECORD_OUTCOMES, True)
        outcomes = _record_outcomes(raw_outcomes, request.record_count)
        if outcomes is None:
            raise JodoResponseError(
                f"ImportProcessData: expected {request.record_count} record outcomes in input order, got "
                f"{quote_body(json.dumps(payload.get('records'))[:600], self._redactor.redact)!r}"
            )
        return ProcessDataImport(request_id=request_id, records=outcomes)

    def get_process_data(
        self,
        *,
        search: ProcessDataSearch | str,
        value: str | None = None,
        from_date: date | None = None,
        to_date: date | None = None,
    ) -> ProcessDataRecords:
        """Read back the records of the connection's process (getProcessData).

        Search by `mobilenumber`, `customercode` or `crmuniquefield` with `value`, or by
        `daterange` with `from_date`/`to_date` (inclusive, the platform's calendar dates).
        """
        search = coerce(ProcessDataSearch, search, "search")
        request: dict[str, Any] = {
            "method": "getProcessData",
            **self.settings.jodo_credentials(),
            "searchparam": search.value,
        }
        if search is ProcessDataSearch.DATE_RANGE:
            if from_date is None or to_date is None:
                raise ValueError("search='daterange' needs from_date and to_date")
            request["fromdate"] = from_date.isoformat()
            request["todate"] = to_date.isoformat()
        else:
            if not value:
                raise ValueError(f"search={search.value!r} needs a value")
            request["searchvalue"] = str(value)
        answer = self._post_jodo(request, "getProcessData")
        records = answer.get("data") or []
        if not isinstance(records, list):
            raise JodoResponseError(f"getProcessData: data is not a list: {type(records).__name__}")
        return ProcessDataRecords(request_id=str(answer.get("requestid", "")), records=tuple(records))

    # importCJI family ----------------------------------------------------------------------

    def import_cji(
        self,
        *,
        campaign_id: int | str,
        source: CJISource | str,
        record: Mapping[str, Any] | None = None,
        file_url: str | None = None,
        source_user: str = "",
        source_pwd: str = "",
        exetime: datetime | None = None,
        policies: CJIPolicies | None = None,
        known_job_ids: Collection[str] | None = None,
        **policy_arguments: Any,
    ) -> CJIImportResult:
        """One importCJI call into campaign `campaign_id`.

        `source=data` sends one `record` (field or display name -> value) and answers at once;
        `source=http|ftp` submits a job that fetches the CSV at `file_url` (with `source_user`/
        `source_pwd`, dropping `delrow` leading lines) and returns its `job_id`. `exetime`
        (aware) schedules the job, in the connection's time zone; None means now. The policies
        come as `policies` (a `CJIPolicies`) or as its fields in flat keyword arguments
        (`duplicate_way="update"`, ...); those left None take the platform's defaults (no, no,
        skip, ignoreDuplicate, skip).

        A file job is submitted once even when an answer is lost: the hook notes the campaign's
        jobs for the file first (or takes `known_job_ids`, noted by the caller with
        `find_import_jobs`), and after a lost answer takes the one job not among them that
        reports the parameters this submission sent (`find_new_import_job`).

        :raises ValueError: bad arguments, naming the parameter (a record that `source=data`
            cannot carry, a naive exetime, a wrong enum value, ...).
        :raises JodoDuplicateError: a `data` record was a duplicate and nothing changed.
        :raises JodoAmbiguousJobError: a file job's answer was lost, and more than one new job
            reports this submission's parameters.
        :raises JodoApiError: any other refusal, with its BackMsg code.
        """
        source = coerce(CJISource, source, "source")
        context = self._cji_context(source, record, file_url)
        if source_pwd:
            self._register_secrets(source_pwd)
        options = self.submission_options(
            source=source, exetime=exetime, policies=CJIPolicies.from_arguments(policies, policy_arguments)
        )
        if policy_arguments:
            raise TypeError(f"import_cji() got unexpected keyword arguments {sorted(policy_arguments)}")
        parameters = {
            **self.settings.astercc_credentials(),
            "modeltype": MODEL_TYPE_CAMPAIGN,
            "model_id": _campaign_id(campaign_id),
            "context": context,
            "source_user": source_user or "",
            "source_pwd": source_pwd or "",
            **options,
        }
        what = f"importCJI source={source.value} into campaign {parameters['model_id']}"
        if source is CJISource.DATA:
            code, message = self._get_astercc(
                self.settings.import_cji_path, [(name, parameters[name]) for name in CJI_PARAMETERS], what
            )
            text = str(message)
            return CJIImportResult(
                message=text, code=code, description=describe_backmsg(code) if code else text
            )
        job_id = self._submit_import_job(parameters, options, what, known_job_ids)
        self.log.info("%s: job %s submitted (exetime %r)", what, job_id, parameters["exetime"] or "now")
        return CJIImportResult(message=job_id, description=f"import job {job_id}", job_id=job_id)

    def submission_options(
        self,
        *,
        source: CJISource | str,
        exetime: datetime | None = None,
        policies: CJIPolicies | None = None,
    ) -> dict[str, str]:
        """The importCJI parameters that `import_cji` sends for these arguments besides the
        login, the campaign, the context and the file server's login, as wire text (`exetime`
        in the connection's time zone): what a file job's status reports back. A caller that
        may have to find the job of a lost answer in a later process keeps them and passes them
        to `find_new_import_job`. Same arguments and ValueErrors as `import_cji`."""
        return {
            "source": coerce(CJISource, source, "source").value,
            "exetime": IMMEDIATELY
            if exetime is None
            else to_wall_clock(exetime, self.settings.timezone, "exetime"),
            **(policies or CJIPolicies()).to_wire(),
        }

    def _submit_import_job(
        self,
        parameters: dict[str, str],
        options: dict[str, str],
        what: str,
        known_job_ids: Collection[str] | None,
    ) -> str:
        """Submit a file job exactly once, even when an answer is lost.

        With a job listing: after a failure that may have reached the platform, look at the
        campaign's jobs for the file before sending again; the one job that was not there
        before the submission and reports its `options` is this submission's (two such jobs
        raise `JodoAmbiguousJobError`). Without a listing, nothing can tell whether the job was
        created: raise `JodoSubmissionUnconfirmedError` rather than risk a second import.
        """
        campaign_id, file_url = parameters["model_id"], parameters["context"]
        submitted_at = pendulum.now("UTC")
        if known_job_ids is None:
            jobs = self._file_jobs(campaign_id, file_url)
            known_job_ids = None if jobs is None else [job.job_id for job in jobs]

        def stop_if_submitted(failure: TransientFailure) -> None:
            if known_job_ids is None:
                raise self._unconfirmed_submission(what, file_url, submitted_at, failure)
            job_id = self.find_new_import_job(
                campaign_id=campaign_id,
                file_url=file_url,
                known_job_ids=known_job_ids,
                submitted_with=options,
                submitted_at=submitted_at,
            )
            if job_id is not None:
                raise _SubmissionTookEffect(job_id)

        try:
            _, message = self._get_astercc(
                self.settings.import_cji_path,
                [(name, parameters[name]) for name in CJI_PARAMETERS],
                what,
                before_resend=stop_if_submitted,
            )
        except _SubmissionTookEffect as took_effect:
            self.log.warning(
                "%s: the answer was lost, but the platform has job %s for it", what, took_effect.job_id
            )
            return took_effect.job_id
        job_id = str(message).strip()
        if not job_id or isinstance(message, (dict, list)):
            raise JodoResponseError(
                f"{what}: expected a job id, got {quote_value(message, self._redactor.redact)}"
            )
        return job_id

    def _unconfirmed_submission(
        self, what: str, file_url: str, submitted_at: datetime, failure: TransientFailure
    ) -> JodoSubmissionUnconfirmedError:
        wall_clock = to_wall_clock(submitted_at, self.settings.timezone, "submitted_at")
        return JodoSubmissionUnconfirmedError(
            f"{what}: a job may have been created for {self._redactor.redact(file_url)} "
            f"(submitted at {wall_clock}, {self.settings.timezone}), but its answer was not received "
            f"({failure.description}) and the platform cannot list a campaign's jobs to tell. It was "
            "not sent again, so that the file is not imported twice: check the campaign's import jobs "
            f"in the platform's console (job pages: {self.job_pages_url()}) "
            "before importing again"
        )

    def find_import_jobs(self, *, campaign_id: int | str, file_url: str) -> list[ImportJob] | None:
        """The import jobs of campaign `campaign_id` for the file at `file_url`, newest first
        (the platform keeps the latest 20), or None when the platform cannot list jobs (an
        optional capability, our extension of the status method). A retry compares them with
        those seen before its submission to find the job of a submission whose answer it never
        got."""
        return self._file_jobs(_campaign_id(campaign_id), file_url)

    def find_new_import_job(
        self,
        *,
        campaign_id: int | str,
        file_url: str,
        known_job_ids: Collection[str],
        submitted_with: Mapping[str, str] | None = None,
        submitted_at: datetime | None = None,
    ) -> str | None:
        """The job of a submission into campaign `campaign_id` for the file at `file_url` whose
        answer was lost, or None when that submission never reached the platform.

        It is the one job for the file that is not among `known_job_ids` (noted before the
        submission) and whose status reports the parameters the submission sent:
        `submitted_with` (`submission_options`) from `submitted_at` (aware), compared by
        `job_matching.submission_mismatches`. A new job that reports other parameters is
        another run's, and is logged as such. Without `submitted_with` only the campaign and
        the file are compared.

        :raises JodoAmbiguousJobError: more than one new job could be the submission's; the
            message names them with their console pages.
        :raises JodoCapabilityMissingError: the platform cannot list jobs.
        """
        submission = self.file_job_submission(
            campaign_id=campaign_id,
            file_url=file_url,
            submitted_with=submitted_with,
            submitted_at=submitted_at,
        )
        jobs = self.find_import_jobs(campaign_id=campaign_id, file_url=file_url)
        if jobs is None:
            raise JodoCapabilityMissingError(
                f"cannot look for the jobs of campaign {campaign_id}: the platform has no "
                f"{Capability.JOB_LISTING.value}",
                capability=Capability.JOB_LISTING.value,
            )
        looked_at = pendulum.now("UTC")
        known = set(known_job_ids)
        candidates = []
        for job in reversed(jobs):  # the listing is newest first
            if job.job_id in known:
                continue
            mismatches = submission_mismatches(job, submission, looked_at)
            if mismatches:
                self.log.info(
                    "Import job %s of campaign %s for this file is another submission's: "
                    "it reports another %s",
                    job.job_id,
                    campaign_id,
                    ", ".join(mismatches),
                )
            else:
                candidates.append(job.job_id)
        if len(candidates) > 1:
            raise self._ambiguous_jobs(campaign_id, file_url, tuple(candidates))
        return candidates[0] if candidates else None

    def file_job_submission(
        self,
        *,
        campaign_id: int | str,
        file_url: str,
        submitted_with: Mapping[str, str] | None = None,
        submitted_at: datetime | None = None,
    ) -> FileJobSubmission:
        """A submission into campaign `campaign_id` for the file at `file_url` as its job's
        status would report it back, for `job_matching.submission_mismatches`: with the other
        parameters it sent (`submitted_with`, from `submission_options`) and when it started
        (`submitted_at`, aware), if known. The file URL is redacted as job answers are."""
        return FileJobSubmission(
            parameters={
                **(submitted_with or {}),
                "model_id": _campaign_id(campaign_id),
                "context": self._redactor.redact(file_url),
            },
            timezone=self.settings.timezone,
            submitted_at=submitted_at,
        )

    def _ambiguous_jobs(
        self, campaign_id: int | str, file_url: str, job_ids: tuple[str, ...]
    ) -> JodoAmbiguousJobError:
        pages = ", ".join(f"job {job_id} ({self.job_page_url(job_id)})" for job_id in job_ids)
        return JodoAmbiguousJobError(
            f"The answer to an importCJI submission of {self._redactor.redact(file_url)} into campaign "
            f"{campaign_id} was lost, and {len(job_ids)} new jobs report the parameters it sent: {pages}. "
            "Another run submitted the same file with the same parameters meanwhile, and nothing tells "
            "which job is this one's: none is taken as its own and the file is not submitted again. "
            "Check the jobs in the platform's console; they import the same file the same way",
            job_ids=job_ids,
        )

    def _file_jobs(self, campaign_id: str, file_url: str) -> list[ImportJob] | None:
        """The listing, or None when the platform has none. Learned from the first answer: a
        refusal of the login or the campaign is raised (a listing gave it); any other refusal,
        an answer that is not a list, or no status method at all means no listing."""
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
            if isinstance(error, JodoAuthenticationError) or error.code in _CAMPAIGN_CODES:
                raise
            evidence = f"asked for them, it answered {error.vendor_message or 'an empty message'!r}"
            self.capabilities.learn(Capability.JOB_LISTING, False, evidence)
            return None
        if not isinstance(message, list):
            self.capabilities.learn(Capability.JOB_LISTING, False, "asked for them, it answered no list")
            return None
        self.capabilities.learn(Capability.JOB_LISTING, True)
        return [_import_job(job, what, self._redactor.redact) for job in message]

    def get_import_job(self, job_id: str | int, deadline: float | None = None) -> ImportJob:
        """The job's state and counts now (importStatusCJI), asked by `deadline` (a Unix time)
        at the latest: a caller waiting until then is never held past it by a slow answer.

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
        return _import_job(message, what, self._redactor.redact)

    def _status_call(
        self, parameters: list[tuple[str, str]], what: str, deadline: float | None = None
    ) -> Any:
        """A call to the status method; the method's absence (HTTP 404, or a refusal that names
        an unknown method) is learned once and raised as `JodoCapabilityMissingError`, then
        raised without a call."""
        path = self.settings.import_status_path
        if not self.capabilities.lacks(Capability.JOB_STATUS):
            try:
                _, message = self._get_astercc(path, parameters, what, deadline=deadline)
            except JodoResponseError as error:
                if error.http_status != HTTP_NOT_FOUND:
                    raise
                self.capabilities.learn(Capability.JOB_STATUS, False, f"HTTP 404 at {path}")
            except JodoApiError as error:
                if error.code is not None or not _UNKNOWN_METHOD.search(error.vendor_message):
                    raise
                self.capabilities.learn(Capability.JOB_STATUS, False, f"{error.vendor_message!r} at {path}")
            else:
                self.capabilities.learn(Capability.JOB_STATUS, True)
                return message
        raise JodoCapabilityMissingError(
            f"the platform has no job status method ({self.capabilities.evidence(Capability.JOB_STATUS)}); "
            "if it has one elsewhere, set the connection's import_status_path",
            capability=Capability.JOB_STATUS.value,
        )

    def job_page_url(self, job_id: str | int) -> str:
        """The console page of import job `job_id` (connection extra `job_page_path`)."""
        return self.settings.job_page_url(job_id)

    def job_pages_url(self) -> str:
        """The console's job page URL with `{job_id}` left in: where to look for a job whose id
        nobody received."""
        return self.settings.url(self.settings.job_page_path)

    def redact(self, text: str) -> str:
        """`text` without the secrets this hook knows (credentials in URLs included)."""
        return self._redactor.redact(text)

    async def aget_import_job(self, job_id: str | int, deadline: float | None = None) -> ImportJob:
        """`get_import_job` for triggers: resolves the connection without blocking the event
        loop, then runs the HTTP call in a worker thread (the triggerer shares its loop)."""
        await self.aget_conn_settings()
        # The thread's call ends by its deadline (the hook's watchdog ends a stalled answer), so a
        # wait that gives up leaves no thread behind in the triggerer.
        return await asyncio.to_thread(self.get_import_job, job_id, deadline)

    # Connection test -----------------------------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        """Check each configured platform with a cheap authenticated read.

        Jodo: a getProcessData lookup (tells a bad API key, service key or their mismatch
        apart). astercc: a status query for a job that does not exist. Any refusal of that job
        other than a credential code (BackMsg 02, 03, 05, 06, 07, 15, 63) proves the login,
        whatever its text. Without a status method, an importCJI call that cannot import
        anything (campaign 0, empty context) stands in, and the answer says what it proved.
        A bad URL shows as a connection error or an HTTP status.
        """
        # Someone is waiting for the answer (the UI's Test button): one attempt per call, on a
        # hook of its own, so that this one keeps the connection's retries.
        probe = type(self)(jodo_conn_id=self.jodo_conn_id, retry_policy=RetryPolicy(max_retries=0))
        try:
            settings = probe.get_conn_settings()
            checked = []
            if settings.api_key or settings.service_key:
                probe.get_process_data(search=ProcessDataSearch.MOBILE_NUMBER, value="0")
                checked.append("Jodo API key and service key accepted")
            if settings.user or settings.org_identity:
                login_checked, astercc_result = probe._test_astercc_login()
                checked.append(astercc_result)
                if not login_checked:
                    return False, f"{settings.base_url}: " + "; ".join(checked) + "."
            if not checked:
                return False, "The connection has neither an API key nor an astercc login to test."
            return True, f"Connected to {settings.base_url}: " + "; ".join(checked) + "."
        except JodoAuthenticationError as error:
            return False, f"Credentials rejected: {error}"
        except JodoError as error:
            return False, str(error)
        finally:
            probe.close()

    def _test_astercc_login(self) -> tuple[bool, str]:
        """(whether the login was proven, what was checked); raises JodoAuthenticationError."""
        login = f"astercc {self.settings.user_type.value} {self.settings.user!r}"
        try:
            self.get_import_job("0")
        except JodoAuthenticationError:
            raise
        except JodoCapabilityMissingError as missing:
            proven, how = self._probe_login_with_import()
            verdict = f"{login} logged in ({how})" if proven else f"{login} NOT checked: {how}"
            return proven, f"{verdict}; {missing}, so import jobs cannot be waited for"
        except JodoApiError:
            pass  # job 0 refused for anything but the login: the login passed
        return True, f"{login} logged in"

    def _probe_login_with_import(self) -> tuple[bool, str]:
        """An importCJI call that cannot import anything (campaign 0, empty context): a refusal
        of the campaign or the context comes after the login. (proven, what the answer says)."""
        parameters = {name: "" for name in CJI_PARAMETERS}
        parameters.update(
            self.settings.astercc_credentials(),
            modeltype=MODEL_TYPE_CAMPAIGN,
            model_id=_LOGIN_PROBE_CAMPAIGN,
            source=CJISource.DATA.value,
        )
        what = f"importCJI for campaign {_LOGIN_PROBE_CAMPAIGN} with nothing to import"
        try:
            self._get_astercc(self.settings.import_cji_path, list(parameters.items()), what)
        except JodoAuthenticationError:
            raise
        except JodoApiError as error:
            if error.code in _REFUSED_AFTER_LOGIN:
                return True, f"{what} was refused for the campaign, not the login: {error}"
            return False, f"{what} was refused with an answer that does not tell the login apart: {error}"
        return True, f"{what} was accepted"

    # Wire ----------------------------------------------------------------------------------

    def _cji_context(self, source: CJISource, record: Mapping[str, Any] | None, file_url: str | None) -> str:
        if source is CJISource.DATA:
            if record is None or file_url is not None:
                raise ValueError("source='data' takes a record and no file_url")
            if not isinstance(record, Mapping):
                raise ValueError(f"record must be a dict, got {type(record).__name__}")
            return encode_context(record)
        if record is not None or not file_url:
            raise ValueError(f"source={source.value!r} takes a file_url and no record")
        parts = urlsplit(file_url)
        if parts.scheme not in FILE_URL_SCHEMES[source] or not parts.hostname:
            schemes = "/".join(FILE_URL_SCHEMES[source])
            raise ValueError(
                f"file_url {self._redactor.redact(file_url)!r} is not a {schemes} URL "
                f"as source={source.value!r} needs"
            )
        refuse_url_login(file_url)
        return file_url

    def _post_jodo(self, request: dict[str, Any], what: str) -> dict[str, Any]:
        body, status = self._send(
            "POST",
            self.settings.url(self.settings.process_data_path),
            what,
            data=form_field("data", encode_jodo_request(request)),
            headers={"Content-Type": FORM_CONTENT_TYPE},
        )
        return self._jodo_payload(body, status, what)

    def _jodo_payload(self, body: str, status: int, what: str) -> dict[str, Any]:
        answer = parse_answer(body, status, what, self._redactor.redact)
        return jodo_payload(answer, body, what, self._redactor.redact)

    def _get_astercc(
        self,
        path: str,
        parameters: list[tuple[str, str]],
        what: str,
        before_resend: Callable[[TransientFailure], None] | None = None,
        deadline: float | None = None,
    ) -> tuple[str | None, Any]:
        body, status = self._send(
            "GET",
            self.settings.url(path),
            what,
            before_resend=before_resend,
            deadline=deadline,
            params=[("callback", JSONP_CALLBACK), *parameters],
        )
        answer = parse_answer(body, status, what, self._redactor.redact)
        return astercc_message(answer, body, what, self._redactor.redact)

    def _send(
        self,
        method: str,
        url: str,
        what: str,
        before_resend: Callable[[TransientFailure], None] | None = None,
        answer_limit: int | None = None,
        deadline: float | None = None,
        **kwargs: Any,
    ) -> tuple[str, int]:
        """One HTTP call, retried on transient failures as the connection's retry policy says.

        The call is bounded whatever the platform does: each attempt, the complete answer
        included, ends within the connection's `timeout`, and the whole call within
        `retry_max_seconds` or by `deadline` (a Unix time, for a caller that waits for a job
        until then), whichever comes first. An answer beyond `answer_limit` bytes (default: the
        connection's `max_answer_bytes`) is refused without being read whole.

        `before_resend` runs after a failure that means the call may already have been acted on
        (its answer was lost, cut or late), before it is sent again or given up: a call that
        must not be repeated blindly checks there whether it took, and raises to stop. When
        retries run out, a 429/5xx answer is returned as is (the caller's parsing names its
        status) and a network failure raises `JodoConnectionError`.
        """
        policy = self.retry_policy
        limit = answer_limit or self.settings.max_answer_bytes
        started = time.monotonic()
        call_ends = started + policy.max_seconds
        if deadline is not None:  # a waiter's last look, at its deadline, still gets a moment
            call_ends = min(call_ends, started + max(deadline - time.time(), LAST_LOOK_SECONDS))
        for retry in itertools.count(1):
            answer, error = None, None
            try:
                answer = self._attempt(
                    method, url, min(time.monotonic() + self.settings.timeout, call_ends), limit, kwargs
                )
                failure = failure_of_status(answer.status, answer.headers)
            except _AttemptOverdue as overdue:
                error, failure = overdue, overdue.failure
            except requests.RequestException as caught:
                error, failure = caught, failure_of_exception(caught)
            except AnswerTooLargeError as too_large:
                raise self._too_large(what, too_large) from None
            now = time.monotonic()
            wait = None if failure is None else policy.wait_before_retry(retry, now - started, failure)
            if wait is not None and now + wait >= call_ends:
                wait = None  # no attempt could start before the call's deadline
            if wait is None or failure is None:
                if failure is not None and failure.maybe_processed and before_resend is not None:
                    before_resend(failure)
                if answer is None:
                    raise self._unreachable(error, what, attempts=retry) from None
                return _decode(answer.body, answer.encoding), answer.status
            self.log.warning(
                "%s: %s; retry %d of %d in %.1f s", what, failure.description, retry, policy.max_retries, wait
            )
            time.sleep(wait)
            if failure.maybe_processed and before_resend is not None:
                before_resend(failure)
        raise AssertionError("unreachable: itertools.count never ends")

    def _attempt(
        self, method: str, url: str, ends: float, limit: int, request_arguments: dict[str, Any]
    ) -> _Answer:
        """One request and its complete answer, by `ends` (monotonic seconds): the watchdog
        shuts the socket then, wherever the exchange is.

        :raises _AttemptOverdue: the deadline passed first (or had passed already).
        :raises AnswerTooLargeError: the answer is beyond `limit` bytes.
        """
        allowed = ends - time.monotonic()
        if allowed <= 0:
            raise _AttemptOverdue(0.0)
        with self._watchdog.attempt(ends) as attempt:
            try:
                response = self.session.request(
                    method, url, stream=True, timeout=allowed, **self._environment(url), **request_arguments
                )
                try:
                    body = read_bounded(response, limit)
                finally:
                    response.close()
            except Exception:
                if attempt.expired:  # what broke was our watchdog ending the attempt
                    raise _AttemptOverdue(allowed) from None
                raise
        return _Answer(response.status_code, response.headers, body, response.encoding)

    def _too_large(self, what: str, too_large: AnswerTooLargeError) -> JodoResponseError:
        size = f"{too_large.size:,} bytes" if too_large.announced else f"more than {too_large.limit:,} bytes"
        return JodoResponseError(
            f"{what}: the platform's answer is too large ({size}; the limit is {too_large.limit:,} bytes, "
            "the connection's max_answer_bytes): not read"
        )

    def _unreachable(self, error: Any, what: str, attempts: int) -> JodoConnectionError:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        if isinstance(error, _AttemptOverdue):
            return JodoConnectionError(
                f"{what}: no complete answer from {self.settings.base_url}{tries}: {error}"
            )
        detail = self._redactor.redact(str(error))[:400]
        reason = _unreachable_reason(error, self.settings.timeout)
        return JodoConnectionError(
            f"{what}: cannot reach {self.settings.base_url}{tries}: {reason} "
            f"({type(error).__name__}: {detail})"
        )

    def _environment(self, url: str) -> dict[str, Any]:
        """`proxies` and `verify` for `url` as requests takes them from the environment
        (HTTP(S)_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) with the connection's
        `verify_ssl`; resolved once per URL (the hook calls at most three).

        :raises JodoConnectionError: the CA bundle variable names no file for an https URL
            (requests would raise a bare OSError on every call).
        """
        environment = self._environments.get(url)
        if environment is None:
            with requests.Session() as probe:
                merged = probe.merge_environment_settings(url, {}, None, self.settings.verify_tls, None)
            verify = merged["verify"]
            # A path can only come from the environment (the connection gives True or False),
            # from the first of the two variables that is set, as requests reads them.
            if isinstance(verify, str) and urlsplit(url).scheme == "https" and not os.path.exists(verify):
                variable = "REQUESTS_CA_BUNDLE" if os.environ.get("REQUESTS_CA_BUNDLE") else "CURL_CA_BUNDLE"
                raise JodoConnectionError(
                    f"cannot reach {self.settings.base_url}: {variable}={verify!r} names no CA bundle "
                    "file; point it at the PEM file of the CAs to trust, or unset it"
                )
            environment = {"proxies": merged["proxies"], "verify": verify}
            self._environments[url] = environment
        return environment

    def _register_secrets(self, *secrets: str) -> None:
        for secret in secrets:
            if secret:
                mask_secret(secret)
        self._redactor.add(*secrets)


class _AttemptOverdue(Exception):
    """An attempt's deadline passed before its answer was complete."""

    def __init__(self, allowed_seconds: float) -> None:
        description = f"no complete answer within {allowed_seconds:.1f} s"
        super().__init__(description)
        self.failure = TransientFailure(description, maybe_processed=allowed_seconds > 0)


@dataclass(frozen=True)
class _Answer:
    """A complete answer, read within its deadline and size limit."""

    status: int
    headers: Any
    body: bytes
    encoding: str | None


class _SubmissionTookEffect(Exception):
    """Raised between retries when a job submission whose answer was lost turns out to have
    created job `job_id`: sending it again would create a second job."""

    def __init__(self, job_id: str) -> None:
        super().__init__(job_id)
        self.job_id = job_id


def _unreachable_reason(error: requests.RequestException, timeout: float) -> str:
    """What went wrong, in words that point at the fix. A TLS failure is a verification
    failure only when OpenSSL says the certificate was rejected (which needs verification
    on); anything else, a plain-HTTP port behind an https:// URL above all, is a handshake
    failure, which `verify_ssl=false` cannot cure."""
    if isinstance(error, requests.Timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(error, requests.exceptions.SSLError):
        if _CERTIFICATE_REJECTED in str(error):
            return (
                "TLS verification failed: the platform's certificate is not trusted (a private CA "
                "goes in REQUESTS_CA_BUNDLE; verify_ssl=false only for a self-signed test platform)"
            )
        return (
            "TLS handshake failed: the platform does not speak TLS at this port (an http:// "
            "platform?), or no TLS version or cipher is acceptable to both sides"
        )
    if isinstance(error, requests.ConnectionError):
        return "connection failed: wrong host or port, or the platform is down"
    return "the request failed"


def _decode(body: bytes, encoding: str | None) -> str:
    """Vendors often omit the charset; their bodies are UTF-8 in practice."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode(encoding or "latin-1", errors="replace")


def _campaign_id(campaign_id: int | str) -> str:
    text = str(campaign_id).strip()
    if isinstance(campaign_id, bool) or not text.isdigit():
        raise ValueError(f"campaign_id={campaign_id!r} is not a numeric campaign id")
    return text


_OUTCOME_KINDS = {kind.value: kind for kind in RecordOutcomeKind}


def _record_outcomes(raw: Any, expected: int) -> tuple[RecordOutcome, ...] | None:
    """The platform's per-record outcomes, or None unless there is exactly one per input
    record in input order (anything else would hide lost records). Runs once per record of
    every import: plain look-ups, no enum calls."""
    if not isinstance(raw, list) or len(raw) != expected:
        return None
    outcomes = []
    for position, entry in enumerate(raw):
        if not isinstance(entry, Mapping) or str(entry.get("index")) != str(position):
            return None
        outcome = _OUTCOME_KINDS.get(str(entry.get("outcome", "")).lower())
        if outcome is None:
            return None
        key = entry.get("key")
        outcomes.append(
            RecordOutcome(
                index=position,
                key=None if key is None else str(key),
                outcome=outcome,
                reason=entry.get("reason") or None,
            )
        )
    return tuple(outcomes)


def _import_job(message: Any, what: str, redact: Callable[[str], str]) -> ImportJob:
    """The job from the status answer. Row-error texts are redacted: platforms echo file URLs,
    which may carry the file server's password, and the job goes to logs and XCom."""
    if not isinstance(message, Mapping):
        raise JodoResponseError(f"{what}: expected the job object, got {quote_value(message, redact)}")
    try:
        state = JobState(str(message.get("state", "")).lower())
        counts = {
            name: int(message.get(name) or 0)
            for name in ("total", "inserted", "updated", "skipped", "failed")
        }
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


def _submitted_with(message: Mapping[str, Any], redact: Callable[[str], str]) -> dict[str, str]:
    """The parameters a job's status says it was submitted with (any may be missing: our
    extension), as text; a value that is neither text nor a number is left out, as unreadable.
    The file URL is redacted: it may carry the file server's password."""
    reported = {}
    for name in REPORTED_JOB_PARAMETERS:
        value = message.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            reported[name] = str(value).strip()
    if "context" in reported:
        reported["context"] = redact(reported["context"])
    return reported
