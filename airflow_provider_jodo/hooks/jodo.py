"""JodoHook: all I/O with the Jodo customer web service and astercc's importCJI.

One hook, read top to bottom: the connection's settings, loaded once; the ImportProcessData
calls (encode, send, read the answer, so that a caller can pipeline batches); the importCJI
calls (one record answered at once, or a file job submitted exactly once through
`file_job_submission`); the import jobs (one job's state now, a campaign's jobs for a file); what the
platform can do beyond the vendors' documentation; the connection test; and, last, the two APIs'
calling conventions, under which everything above goes to `transport`.

Failures are typed `JodoError`s carrying the vendor code. Secrets are masked in Airflow's logs
and redacted from every message the hook builds, because importCJI puts the password in the URL.
The hook never waits for a job: `get_import_job` answers "what is the state now".
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Required, TypedDict, TypeVar, Unpack, overload
from urllib.parse import urlsplit

import requests

from airflow_provider_jodo.compat.airflow import (
    BaseHook,
    amask_secret,
    get_async_connection,
    get_async_extra_dejson,
    mask_secret,
)
from airflow_provider_jodo.enums import (
    Capability,
    CJISource,
    Media,
    ProcessDataSearch,
    RecordOutcomeKind,
    UpdateKey,
    coerce,
)
from airflow_provider_jodo.exceptions import (
    JodoApiError,
    JodoAuthenticationError,
    JodoCapabilityMissingError,
    JodoDuplicateError,
    JodoError,
    JodoNotFoundError,
    JodoResponseError,
)
from airflow_provider_jodo.hooks.connection import JodoConnectionSettings, RetryPolicy
from airflow_provider_jodo.hooks.connection_form import field_behaviour, form_widgets
from airflow_provider_jodo.hooks.file_job_submission import FileJobSubmitter
from airflow_provider_jodo.hooks.transport import ResendCheck, TookEffect, Transport
from airflow_provider_jodo.protocol.cji_policies import CJIPolicies
from airflow_provider_jodo.protocol.codes import (
    BACKMSG_JOB_NOT_FOUND,
    CREDENTIAL_FIELDS,
    BackMsgCode,
    backmsg,
    describe_backmsg,
)
from airflow_provider_jodo.protocol.exetime import ExetimeInput, wall_clock_from_now
from airflow_provider_jodo.protocol.job_matching import FileJobSubmission
from airflow_provider_jodo.protocol.models import (
    CJIImportResult,
    ImportJob,
    ProcessDataImport,
    ProcessDataRecords,
    RecordOutcome,
)
from airflow_provider_jodo.protocol.wire.answers import (
    Redact,
    astercc_message,
    data_record_answer,
    jodo_payload,
    parse_answer,
    quote_body,
)
from airflow_provider_jodo.protocol.wire.cji_parameters import (
    CJI_PARAMETERS,
    FILE_URL_SCHEMES,
    encode_context,
    names_csv_file,
    refuse_url_login,
)
from airflow_provider_jodo.protocol.wire.customer_web_service import (
    FORM_CONTENT_TYPE,
    PreparedImport,
    encode_jodo_request,
    form_field,
    parse_record_outcomes,
)
from airflow_provider_jodo.protocol.wire.job_status import parse_import_job
from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits
from airflow_provider_jodo.protocol.wire.record_values import scalar_text
from airflow_provider_jodo.protocol.wire.redaction import Redactor, install_url_log_redaction
from airflow_provider_jodo.protocol.wire.wall_clock import IMMEDIATELY, now_wall_clock

logger = logging.getLogger(__name__)
_Value = TypeVar("_Value")

# The platforms' calls ------------------------------------------------------------------------

IMPORT_METHOD = "ImportProcessData"
ANSWER_BYTES_PER_RECORD = 1024
"""An ImportProcessData answer may grow by this much per record of its batch (its outcome)."""
MODEL_TYPE_CAMPAIGN = "Campaign"
JSONP_CALLBACK = "airflowJodo"
"""The JSONP function name every astercc call sends; an answer wrapped in another is refused."""
Query = list[tuple[str, str]]
"""An astercc call's parameters, in the order they are sent."""
_NOTICES_REMEMBERED = 64
"""How many distinct notices a hook remembers having logged, so that a notice carrying a time
stamp cannot grow the set without end."""

# The import jobs -----------------------------------------------------------------------------

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

# The connection test -------------------------------------------------------------------------

_REFUSED_AFTER_LOGIN = {
    *CAMPAIGN_REFUSALS,
    BackMsgCode.EMPTY_CONTEXT,
    BackMsgCode.BAD_CONTEXT,
    BackMsgCode.REQUIRED_FIELD_MISSING,
}
"""Refusals of an importCJI call that come after its login was checked: they prove the login."""
_LOGIN_PROBE_CAMPAIGN = "0"


class ProcessDataOptions(TypedDict, total=False):
    """The request-level arguments of an ImportProcessData call, as `JodoHook.prepare_import` takes them.

    `import_process_data` passes them on as keyword arguments; this type lets a type checker
    see them there.
    """

    media: Required[Media | int | str]
    update_key: Required[UpdateKey | str]
    call_datetime: ExetimeInput
    call_type: str | None
    user_login: str | None


def campaign_model_id(campaign_id: int | str) -> str:
    """Give a campaign id as importCJI's `model_id` takes it, refusing anything not numeric.

    :param campaign_id: the campaign, as a number or its ASCII digits.
    :raises ValueError: `campaign_id` is not a numeric campaign id.
    """
    text = str(campaign_id).strip()
    if isinstance(campaign_id, bool) or not is_ascii_digits(text):
        raise ValueError(f"campaign_id={campaign_id!r} is not a numeric campaign id (ASCII digits 0-9)")
    return text


WITHOUT_CAPABILITY: dict[Capability, str] = {
    Capability.RECORD_OUTCOMES: (
        "every record it took counts as 'accepted' (it does not say whether it inserted or updated "
        "it); records refused before sending stay 'rejected' with their reasons"
    ),
    Capability.JOB_STATUS: (
        "import jobs can be submitted (wait_for_completion=False) but not waited for: operators "
        "and sensors that wait fail, naming the job"
    ),
    Capability.JOB_LISTING: (
        "a file job whose submission answer is lost or late is not sent again: the task fails, "
        "saying that a job may have been created"
    ),
}
"""What the provider does when the platform lacks a capability (docs/platform-requirements.md)."""


class PlatformCapabilities:
    """The capabilities one hook has seen the platform have or lack (None: not asked yet).

    Per-record outcomes in ImportProcessData answers, the job status method and the listing of
    a campaign's jobs (`enums.Capability`) are used when the platform has them, detected from the
    answers the hook gets anyway, and never a reason to fail an import the platform accepted. A
    hook learns each capability once, from its first answer, and says in the task log, once,
    what it does without it.

    Thread-safe: operators call the hook from several threads. A capability is decided by the
    first answer that shows it; later answers do not change the verdict.
    """

    def __init__(self, log: Any) -> None:
        """Know nothing yet; `log` is where a missing capability is reported, once."""
        self._log = log
        self._known: dict[Capability, bool] = {}
        self._evidence: dict[Capability, str] = {}
        self._lock = threading.Lock()

    def lacks(self, capability: Capability) -> bool:
        """Whether the platform is known to lack `capability`."""
        return self._known.get(capability) is False

    def evidence(self, capability: Capability) -> str:
        """Say what showed the capability present or missing ("" when unknown or not said).

        :param capability: the capability.
        """
        return self._evidence.get(capability, "")

    def learn(self, capability: Capability, present: bool, evidence: str = "") -> None:
        """Record what an answer showed about a capability.

        The first time a capability is found missing, the task log says so, with the
        `evidence` and what the provider does without it.

        :param capability: the capability.
        :param present: whether the answer showed it.
        :param evidence: what showed it, for the log and error messages.
        """
        with self._lock:
            if capability in self._known:
                return
            self._known[capability] = present
            self._evidence[capability] = evidence
        if not present:
            because = f" ({evidence})" if evidence else ""
            self._log.warning(
                "The platform has no %s%s: %s.", capability.value, because, WITHOUT_CAPABILITY[capability]
            )


class JodoHook(BaseHook):
    """Talk to a Jodo/astercc platform with the credentials of a `jodo` Airflow connection.

    :param jodo_conn_id: the connection holding the base URL, API/service keys and the astercc
        organisation, user and password (see docs/connection.md).
    :param retry_policy: overrides the connection's retry settings (the connection test makes one
        attempt per call, because someone is waiting for its answer).
    """

    conn_name_attr = "jodo_conn_id"
    default_conn_name = "jodo_default"
    conn_type = "jodo"
    hook_name = "Jodo"

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Return the connection form's extra fields, for Airflow 3.0-3.1 (`connection_form`)."""
        return form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Return how the form shows the standard fields, for Airflow 3.0-3.1 (`connection_form`)."""
        return field_behaviour()

    def __init__(
        self, jodo_conn_id: str = default_conn_name, retry_policy: RetryPolicy | None = None, **kwargs: Any
    ) -> None:
        """Remember the connection; nothing is loaded before the first call that needs it."""
        super().__init__(**kwargs)
        self.jodo_conn_id = jodo_conn_id
        self._retry_policy = retry_policy
        self._settings: JodoConnectionSettings | None = None
        self._transport: Transport | None = None
        self._load_lock = threading.Lock()
        self._redactor = Redactor()
        self._notices_seen: set[str] = set()
        self.capabilities = PlatformCapabilities(self.log)
        install_url_log_redaction()

    # The connection's settings, loaded once ------------------------------------------------

    @property
    def settings(self) -> JodoConnectionSettings:
        """The connection's settings, loaded on first use (`get_conn_settings`)."""
        return self.get_conn_settings()

    def get_conn_settings(self) -> JodoConnectionSettings:
        """Load the connection's settings once, mask its secrets and open the transport with them.

        An explicit load, as Azure Data Factory's `get_conn`: the settings are kept for the hook's life.
        """
        if self._settings is None:
            settings = JodoConnectionSettings.from_connection(self.get_connection(self.jodo_conn_id))
            self._register_secrets(*settings.secrets())
            self._load(settings)
        assert self._settings is not None  # _load kept them
        return self._settings

    async def aget_conn_settings(self) -> JodoConnectionSettings:
        """Load the connection's settings as `get_conn_settings` does, for triggers.

        The connection is resolved and its secrets are masked without blocking the event loop,
        which the triggerer shares.
        """
        if self._settings is None:
            conn = await get_async_connection(self.jodo_conn_id)
            settings = JodoConnectionSettings.from_connection(conn, await get_async_extra_dejson(conn))
            for secret in settings.secrets():
                await amask_secret(secret)
            self._redactor.add(*settings.secrets())
            self._load(settings)
        assert self._settings is not None  # _load kept them
        return self._settings

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy of this hook's calls: the connection's, unless overridden."""
        return self._retry_policy or self.settings.retry_policy

    @property
    def session(self) -> requests.Session:
        """The calling thread's own session (`transport`): its consecutive calls reuse one connection."""
        return self._connected_transport().session

    def close(self) -> None:
        """Release the pooled connections of every thread's session."""
        if self._transport is not None:
            self._transport.close()

    def _load(self, settings: JodoConnectionSettings) -> None:
        """Keep `settings` and open the transport for them, once, even when threads load them at once.

        :param settings: the connection's settings, just loaded.
        """
        with self._load_lock:
            if self._settings is None:
                retry_policy = self._retry_policy or settings.retry_policy
                self._transport = Transport(settings, retry_policy, self._redactor, self.log)
                self._settings = settings

    def _connected_transport(self) -> Transport:
        """Give the transport, loading the connection's settings on first use."""
        if self._transport is None:
            self.get_conn_settings()
        assert self._transport is not None  # get_conn_settings opened it
        return self._transport

    def _register_secrets(self, *secrets: str) -> None:
        """Mask `secrets` in Airflow's logs and redact them from the hook's own messages.

        :param secrets: the values never to print; empty ones are skipped.
        """
        for secret in secrets:
            if secret:
                mask_secret(secret)
        self._redactor.add(*secrets)

    def redact(self, text: str) -> str:
        """Remove the secrets this hook knows from `text`, credentials in URLs included.

        :param text: what is about to be printed.
        """
        return self._redactor.redact(text)

    # ImportProcessData family -------------------------------------------------------------
    #
    # ImportProcessData is split in three steps (encode, send, read the answer) so that a caller
    # can pipeline batches: encode the next batch and read the last answer while a request is on
    # its way. Per-record outcomes in its answer are an optional capability.

    def import_process_data(
        self,
        records: Sequence[Mapping[str, Any]],
        **options: Unpack[ProcessDataOptions],
    ) -> ProcessDataImport:
        """Push one batch of customer records with ImportProcessData (one HTTP request).

        The platform upserts each record by `update_key` and reports one outcome per record, in
        input order; rejected records carry the platform's reason. Records are sent as given:
        validating and batching below the platform's limit is the caller's job.

        :param records: the customer records, field name -> value.
        :param options: `media` (the media the records came through), `update_key` (the field the
            platform upserts each record by), and optionally `call_datetime` (when the call
            happened, as the operators take it), `call_type` and `user_login`.
        :raises ValueError: bad arguments, naming the parameter or record index.
        :raises JodoApiError: the platform refused the whole request (its code is on the error).
        """
        request = self.prepare_import(records, **options)
        return self.read_import_answer(request, self.send_import(request))

    def prepare_import(
        self,
        records: Sequence[Mapping[str, Any]],
        *,
        media: Media | int | str,
        update_key: UpdateKey | str,
        call_datetime: ExetimeInput = None,
        call_type: str | None = None,
        user_login: str | None = None,
    ) -> PreparedImport:
        """Encode the ImportProcessData request for `records`, checking the arguments first.

        The first of `import_process_data`'s three steps, for callers that pipeline batches.

        :param records: the customer records, field name -> value.
        :param media: the media the records came through.
        :param update_key: the field the platform upserts each record by.
        :param call_datetime: when the call happened, in any form `protocol.exetime` accepts (a
            duration counts from now), sent in the connection's time zone; None or "": not sent.
        :param call_type: the call's type, if any.
        :param user_login: the agent's login, if any.
        :raises ValueError: bad arguments, naming the parameter or record index.
        """
        if isinstance(records, (str, bytes)) or not isinstance(records, Sequence) or not records:
            raise ValueError("records must be a non-empty list of dicts")
        for index, record in enumerate(records):
            if type(record) is not dict and not isinstance(record, Mapping):  # a dict skips the ABC check
                raise ValueError(f"records[{index}] is {type(record).__name__}, not a dict")
        update_field = coerce(UpdateKey, update_key, "update_key").value
        request: dict[str, Any] = {
            "Method": IMPORT_METHOD,
            **self.settings.jodo_credentials(),
            "Media": int(coerce(Media, media, "media")),
            "Data": list(records),
            "updateparam": update_field,
            "reqdatetime": now_wall_clock(self.settings.timezone),
        }
        call_wall_clock = wall_clock_from_now(call_datetime, self.settings.timezone, "call_datetime")
        if call_wall_clock is not None:
            request["CallDateTime"] = call_wall_clock
        if call_type:
            request["Calltype"] = str(call_type)
        if user_login:
            request["userlogin"] = str(user_login)
        return PreparedImport(
            body=form_field("data", encode_jodo_request(request)),
            keys=tuple(scalar_text(record.get(update_field)) for record in records),
        )

    def send_import(self, request: PreparedImport) -> tuple[str, int]:
        """Post a prepared request; return the answer's (body, HTTP status), unread.

        Safe to call from several threads at once. The answer may be larger than the
        connection's `max_answer_bytes` by one outcome per record, so that a large batch's answer
        is not refused for its outcomes.

        :param request: what `prepare_import` encoded.
        :raises JodoConnectionError: the platform could not be reached.
        """
        limit = self.settings.max_answer_bytes + ANSWER_BYTES_PER_RECORD * request.record_count
        return self._post_jodo(request.body, IMPORT_METHOD, answer_limit=limit)

    def read_import_answer(self, request: PreparedImport, answer: tuple[str, int]) -> ProcessDataImport:
        """Read the outcomes in the answer (`send_import`'s) to a prepared request.

        Per-record outcomes are an optional capability (the vendor documents no answer): a
        success answer without `records` means the platform took every record of the request,
        and each counts as `accepted`.

        :param request: what `prepare_import` encoded.
        :param answer: what `send_import` returned for it.
        :raises JodoApiError: the platform refused the whole request (its code is on the error).
        :raises JodoResponseError: the answer has `records`, but not one outcome per record in
            input order.
        """
        payload = self._jodo_payload(answer, IMPORT_METHOD)
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
        outcomes = parse_record_outcomes(raw_outcomes, request.record_count)
        if outcomes is None:
            raise JodoResponseError(
                f"{IMPORT_METHOD}: expected {request.record_count} record outcomes in input order, got "
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

        :param search: `mobilenumber`, `customercode` or `crmuniquefield` with `value`, or
            `daterange` with `from_date` and `to_date`.
        :param value: the value to look for.
        :param from_date: the first day of a `daterange` search (the platform's calendar).
        :param to_date: the last day of a `daterange` search, included.
        :raises ValueError: the search lacks the value or dates it needs.
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
        answer = self._jodo(request, "getProcessData")
        records = answer.get("data") or []
        if not isinstance(records, list):
            raise JodoResponseError(f"getProcessData: data is not a list: {type(records).__name__}")
        return ProcessDataRecords(request_id=str(answer.get("requestid", "")), records=tuple(records))

    # importCJI family ----------------------------------------------------------------------
    #
    # `source=data` carries one record in `context` and the answer says what became of it;
    # `source=http|ftp` names a CSV file the platform fetches in a background job, whose id only
    # the answer gives, so its submission goes through `file_job_submission` to be made exactly once.

    def import_cji(
        self,
        *,
        campaign_id: int | str,
        source: CJISource | str,
        record: Mapping[str, Any] | None = None,
        file_url: str | None = None,
        source_user: str = "",
        source_pwd: str = "",
        exetime: ExetimeInput = None,
        policies: CJIPolicies | None = None,
        known_job_ids: Collection[str] | None = None,
        **policy_arguments: Any,
    ) -> CJIImportResult:
        """Make one importCJI call into campaign `campaign_id`.

        `source=data` sends one `record` (field or display name -> value) and answers at once
        with its `outcome`: `inserted`, `updated`, or `skipped` (a duplicate the policies left as
        it was); `source=http|ftp` submits a job that fetches the CSV at `file_url` and returns its
        `job_id`. A file job is submitted once even when an answer is lost: the hook notes the
        campaign's jobs for the file first (or takes `known_job_ids`, noted by the caller with
        `find_import_jobs`), and after a lost answer takes the one job not among them that
        reports the parameters this submission sent (`find_new_import_job`).

        :param campaign_id: the campaign to import into.
        :param source: `data`, `http` or `ftp`.
        :param record: the one record of a `data` import.
        :param file_url: the CSV file of an `http` or `ftp` import.
        :param source_user: the file server's user.
        :param source_pwd: the file server's password.
        :param exetime: when the job runs, as the operators take it (`protocol.exetime`); None: now.
        :param policies: the policies as a whole; those left None take the platform's defaults.
        :param known_job_ids: the campaign's jobs for the file before this submission.
        :param policy_arguments: the policies' fields as flat keyword arguments instead.
        :raises ValueError: bad arguments, naming the parameter.
        :raises JodoAmbiguousJobError: a file job's answer was lost, and more than one new job
            reports this submission's parameters.
        :raises JodoApiError: any other refusal, with its BackMsg code.
        """
        self._register_secrets(source_pwd)
        source = coerce(CJISource, source, "source")
        context = self._cji_context(source, record, file_url)
        policies = CJIPolicies.from_arguments(policies, policy_arguments)
        options = self.submission_options(source=source, exetime=exetime, policies=policies)
        if policy_arguments:
            raise TypeError(f"import_cji() got unexpected keyword arguments {sorted(policy_arguments)}")
        parameters = {
            **self.settings.astercc_credentials(),
            "modeltype": MODEL_TYPE_CAMPAIGN,
            "model_id": campaign_model_id(campaign_id),
            "context": context,
            "source_user": source_user or "",
            "source_pwd": source_pwd or "",
            **options,
        }
        what = f"importCJI source={source.value} into campaign {parameters['model_id']}"
        if source is CJISource.DATA:
            return self._import_record(parameters, what)
        job_id = self._file_job_submitter().submit(parameters, options, what, known_job_ids)
        self.log.info("%s: job %s submitted (exetime %r)", what, job_id, parameters["exetime"] or "now")
        return CJIImportResult(message=job_id, description=f"import job {job_id}", job_id=job_id)

    def _import_record(self, parameters: dict[str, str], what: str) -> CJIImportResult:
        """Send a `data` import, whose answer says at once what became of its record.

        A duplicate the policies left as it was is an outcome (`skipped`), not an error, so
        that a loop over records goes on past it.

        :param parameters: every importCJI parameter, as wire text.
        :param what: the call, as messages name it.
        """
        query = [(name, parameters[name]) for name in CJI_PARAMETERS]
        try:
            code, message = self._astercc(self.settings.import_cji_path, query, what)
        except JodoDuplicateError as duplicate:
            code, message = duplicate.code, duplicate.vendor_message
        outcome = data_record_answer(code, message, what, self._redactor.redact)
        return CJIImportResult(
            message=message,
            code=code,
            description=describe_backmsg(code) if code else message,
            outcome=outcome,
        )

    def check_file_url(self, *, source: CJISource | str, file_url: str) -> None:
        """Refuse a file URL that `import_cji` would refuse, without calling the platform.

        A caller that calls the platform before submitting (to note the campaign's jobs, or to
        upload the file) checks first, so that a bad URL fails before anything is done.

        :param source: `http` or `ftp`.
        :param file_url: the CSV file's URL.
        :raises ValueError: naming `file_url`, as `import_cji` would.
        """
        source = coerce(CJISource, source, "source")
        if source not in FILE_URL_SCHEMES:
            raise ValueError(f"source={source.value!r} takes a record, not a file_url")
        parts = urlsplit(file_url)
        shown = self._redactor.redact(file_url)
        if parts.scheme not in FILE_URL_SCHEMES[source] or not parts.hostname:
            schemes = "/".join(FILE_URL_SCHEMES[source])
            raise ValueError(f"file_url {shown!r} is not a {schemes} URL as source={source.value!r} needs")
        refuse_url_login(file_url)
        if self.settings.csv_only and not names_csv_file(parts.path):
            raise ValueError(
                f"file_url {shown!r} does not name a .csv file: the platform imports CSV files only "
                "(BackMsg_86). If yours takes other files, set the jodo connection's extra csv_only to false"
            )

    def _cji_context(self, source: CJISource, record: Mapping[str, Any] | None, file_url: str | None) -> str:
        """Give importCJI's `context`: the encoded record, or the checked file URL.

        :param source: `data`, `http` or `ftp`.
        :param record: the one record of a `data` import.
        :param file_url: the CSV file of an `http` or `ftp` import.
        :raises ValueError: the arguments do not fit the source, or the URL is not one it
            can fetch, or it carries a login (which belongs in the source login).
        """
        if source is CJISource.DATA:
            if record is None or file_url is not None:
                raise ValueError("source='data' takes a record and no file_url")
            if not isinstance(record, Mapping):
                raise ValueError(f"record must be a dict, got {type(record).__name__}")
            return encode_context(record)
        if record is not None or not file_url:
            raise ValueError(f"source={source.value!r} takes a file_url and no record")
        self.check_file_url(source=source, file_url=file_url)
        return file_url

    def submission_options(
        self,
        *,
        source: CJISource | str,
        exetime: ExetimeInput = None,
        policies: CJIPolicies | None = None,
    ) -> dict[str, str]:
        """Give the importCJI parameters that a file job's status reports back, as wire text.

        These are what `import_cji` sends besides the login, the campaign, the context and the
        file server's login. A caller that may have to find the job of a lost answer in a later
        process keeps them and passes them to `find_new_import_job`.

        :param source: as for `import_cji`.
        :param exetime: as for `import_cji`.
        :param policies: as for `import_cji`.
        """
        return {
            "source": coerce(CJISource, source, "source").value,
            "exetime": wall_clock_from_now(exetime, self.settings.timezone) or IMMEDIATELY,
            **(policies or CJIPolicies()).to_wire(),
        }

    def find_import_jobs(self, *, campaign_id: int | str, file_url: str) -> list[ImportJob] | None:
        """List the import jobs of a campaign for a file, newest first; None if the platform cannot.

        The platform keeps the latest 20; listing is an optional capability (our extension of
        the status method). A retry compares them with those seen before its submission to
        find the job of a submission whose answer it never got.

        :param campaign_id: the campaign.
        :param file_url: the file the jobs import.
        """
        return self._list_jobs_for_file(campaign_model_id(campaign_id), file_url)

    def find_new_import_job(
        self,
        *,
        campaign_id: int | str,
        file_url: str,
        known_job_ids: Collection[str],
        submitted_with: Mapping[str, str] | None = None,
        submitted_at: datetime | None = None,
    ) -> str | None:
        """Find the job of a submission whose answer was lost; None if it never reached the platform.

        It is the one job for the file that is not among `known_job_ids` and whose status
        reports the parameters the submission sent (`job_matching.submission_mismatches`).

        :param campaign_id: the campaign the submission was for.
        :param file_url: the file it submitted.
        :param known_job_ids: the campaign's jobs for the file, noted before the submission.
        :param submitted_with: what `submission_options` gave for it; None compares only the
            campaign and the file.
        :param submitted_at: when it started (aware), if known.
        :raises JodoAmbiguousJobError: more than one new job could be the submission's.
        :raises JodoCapabilityMissingError: the platform cannot list jobs.
        """
        submission = self.file_job_submission(
            campaign_id=campaign_id,
            file_url=file_url,
            submitted_with=submitted_with,
            submitted_at=submitted_at,
        )
        return self._file_job_submitter().find_new_job(submission, file_url, known_job_ids)

    def file_job_submission(
        self,
        *,
        campaign_id: int | str,
        file_url: str,
        submitted_with: Mapping[str, str] | None = None,
        submitted_at: datetime | None = None,
    ) -> FileJobSubmission:
        """Describe a submission as its job's status would report it back, for `submission_mismatches`.

        :param campaign_id: the campaign the submission was for.
        :param file_url: the file it submitted (redacted as job answers are).
        :param submitted_with: what `submission_options` gave for it.
        :param submitted_at: when it started (aware), if known.
        """
        submitter = self._file_job_submitter()
        return submitter.submission(
            campaign_model_id(campaign_id), file_url, submitted_with or {}, submitted_at
        )

    def _file_job_submitter(self) -> FileJobSubmitter:
        """Give a submitter of file jobs that calls and lists through this hook."""
        return FileJobSubmitter(
            self.settings, self._astercc, self._list_jobs_for_file, self._redactor, self.log
        )

    # Import jobs ---------------------------------------------------------------------------
    #
    # Both questions go through the status method, importStatusCJI, which we decided on because
    # no vendor client has one; listing a campaign's jobs for a file is our extension of it. Each
    # is an optional platform capability, learned from the first answer. Nothing here waits for
    # a job: a caller asks "what is the state now" as often as it likes.

    def get_import_job(self, job_id: str | int, deadline: float | None = None) -> ImportJob:
        """Ask for the job's state and counts now (importStatusCJI).

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
        return parse_import_job(message, what, self._redactor.redact, asked_job_id=str(job_id))

    async def aget_import_job(self, job_id: str | int, deadline: float | None = None) -> ImportJob:
        """Ask for the job's state now, as `get_import_job` does, without blocking the triggerer's loop.

        :param job_id: the job, as importCJI named it.
        :param deadline: a Unix time: a caller waiting until then is never held past it.
        """
        await self.aget_conn_settings()
        # The thread's call ends by its deadline (the hook's watchdog ends a stalled answer), so a
        # wait that gives up leaves no thread behind in the triggerer.
        return await asyncio.to_thread(self.get_import_job, job_id, deadline)

    def _list_jobs_for_file(self, campaign_id: str, file_url: str) -> list[ImportJob] | None:
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
        return [parse_import_job(job, what, self._redactor.redact) for job in message]

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
                _, message = self._astercc(path, parameters, what, deadline=deadline)
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

    def job_page_url(self, job_id: str | int) -> str:
        """Give the console page of import job `job_id` (connection extra `job_page_path`).

        :param job_id: the job.
        """
        return self.settings.job_page_url(job_id)

    # The connection test --------------------------------------------------------------------
    #
    # Each configured platform gets a cheap authenticated read, and the answer says what was
    # proven. Jodo: a getProcessData lookup, which tells a bad API key, service key or their
    # mismatch apart. astercc: a status query for a job that does not exist; any refusal of that
    # job other than a credential code (BackMsg 02, 03, 05, 06, 07, 15, 63) proves the login,
    # whatever its text. Without a status method, an importCJI call that cannot import anything
    # (campaign 0, empty context) stands in. A bad URL shows as a connection error or an HTTP
    # status.

    def test_connection(self) -> tuple[bool, str]:
        """Check each configured platform with a cheap authenticated read; say what was checked."""
        # Someone is waiting for the answer (the UI's Test button): one attempt per call, on a
        # hook of its own, so that this one keeps the connection's retries.
        probe = type(self)(jodo_conn_id=self.jodo_conn_id, retry_policy=RetryPolicy(max_retries=0))
        try:
            return probe._check_connection()
        finally:
            probe.close()

    def _check_connection(self) -> tuple[bool, str]:
        """Check each configured platform; return whether all passed, and what was checked.

        Made on a probing hook, which makes one attempt per call; a setting the connection refuses
        fails the check with its message.
        """
        try:
            settings = self.get_conn_settings()
            checked = []
            if settings.api_key or settings.service_key:
                self.get_process_data(search=ProcessDataSearch.MOBILE_NUMBER, value="0")
                checked.append("Jodo API key and service key accepted")
            if settings.user or settings.org_identity:
                login_checked, astercc_result = self._check_astercc_login()
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

    def _check_astercc_login(self) -> tuple[bool, str]:
        """Check the astercc login; return whether it was proven, and what was checked.

        :raises JodoAuthenticationError: the login was refused.
        """
        settings = self.get_conn_settings()
        login = f"astercc {settings.user_type.value} {settings.user!r}"
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
        """Check the login with an importCJI call that cannot import anything.

        Campaign 0 with an empty context: a refusal of the campaign or the context comes after
        the login was checked, so it proves the login; return whether it did, and what the answer
        says.

        :raises JodoAuthenticationError: the login was refused.
        """
        settings = self.get_conn_settings()
        parameters = {name: "" for name in CJI_PARAMETERS}
        parameters.update(
            settings.astercc_credentials(),
            modeltype=MODEL_TYPE_CAMPAIGN,
            model_id=_LOGIN_PROBE_CAMPAIGN,
            source=CJISource.DATA.value,
        )
        what = f"importCJI for campaign {_LOGIN_PROBE_CAMPAIGN} with nothing to import"
        try:
            self._astercc(settings.import_cji_path, list(parameters.items()), what)
        except JodoAuthenticationError:
            raise
        except JodoApiError as error:
            if error.code in _REFUSED_AFTER_LOGIN:
                return True, f"{what} was refused for the campaign, not the login: {error}"
            return False, f"{what} was refused with an answer that does not tell the login apart: {error}"
        return True, f"{what} was accepted"

    # The two APIs' calling conventions ------------------------------------------------------
    #
    # astercc's importCJI and status method take GET parameters and answer JSONP; the Jodo
    # customer web service takes a form POST with JSON in its `data` field. Both answers are
    # parsed tolerantly in `wire.answers`, which turns vendor codes into typed `JodoError`s;
    # everything quoted from an answer is redacted.

    @overload
    def _astercc(
        self, path: str, query: Query, what: str, *, deadline: float | None = None
    ) -> tuple[str | None, Any]: ...

    @overload
    def _astercc(
        self, path: str, query: Query, what: str, *, before_resend: ResendCheck
    ) -> tuple[str | None, Any] | TookEffect: ...

    def _astercc(
        self,
        path: str,
        query: Query,
        what: str,
        *,
        before_resend: ResendCheck | None = None,
        deadline: float | None = None,
    ) -> tuple[str | None, Any] | TookEffect:
        """Call an astercc method; return the (BackMsg code or None, message) of its success.

        :param path: the method's path (a connection setting).
        :param query: the query parameters, in order, the login included.
        :param what: the call, as messages name it.
        :param before_resend: the transport's check for a call that must not be repeated
            blindly; what it found is returned in place of an answer.
        :param deadline: a Unix time the call must end by, for a caller waiting until then.
        :raises JodoApiError: the platform refused the call (`code: 2`), typed by its code.
        :raises JodoResponseError: the answer is not an astercc answer.
        """
        answer = self._connected_transport().send(
            "GET",
            self.settings.url(path),
            what,
            before_resend=before_resend,
            deadline=deadline,
            params=[("callback", JSONP_CALLBACK), *query],
        )
        if isinstance(answer, TookEffect):
            return answer
        return self._read_answer(astercc_message, answer, what, JSONP_CALLBACK)

    def _post_jodo(self, body: bytes, what: str, answer_limit: int | None = None) -> tuple[str, int]:
        """Post a form body to the Jodo endpoint; return the answer's (body, HTTP status), unread.

        :param body: the form body (it carries the API key).
        :param what: the call, as messages name it.
        :param answer_limit: the largest answer read, in bytes (default: the connection's).
        """
        return self._connected_transport().send(
            "POST",
            self.settings.url(self.settings.process_data_path),
            what,
            answer_limit=answer_limit,
            data=body,
            headers={"Content-Type": FORM_CONTENT_TYPE},
        )

    def _jodo(self, request: dict[str, Any], what: str) -> dict[str, Any]:
        """Call a Jodo method with `request` in the `data` field; return its success answer.

        :param request: the request's fields, its credentials included.
        :param what: the call, as messages name it.
        :raises ValueError: a value in `request` that JSON cannot carry.
        :raises JodoApiError: the platform refused the call, typed by its status code.
        """
        return self._jodo_payload(
            self._post_jodo(form_field("data", encode_jodo_request(request)), what), what
        )

    def _jodo_payload(self, answer: tuple[str, int], what: str) -> dict[str, Any]:
        """Read a Jodo answer's (body, HTTP status) into its success payload.

        :param answer: what `post_jodo` returned.
        :param what: the call, as messages name it.
        :raises JodoApiError: the platform refused the call, typed by its status code.
        :raises JodoResponseError: the answer is not a Jodo answer.
        """
        return self._read_answer(jodo_payload, answer, what)

    def _read_answer(
        self,
        read: Callable[[Any, str, str, Redact], _Value],
        answer: tuple[str, int],
        what: str,
        callback: str | None = None,
    ) -> _Value:
        """Read an answer with `read`; a refused credential names the connection and its fields.

        :param read: the API's answer reader (`wire.answers`).
        :param answer: the answer's body and HTTP status.
        :param what: the call, as messages name it.
        :param callback: the JSONP function name the call sent, None for none.
        :raises JodoAuthenticationError: ending with the connection and the fields to check.
        """
        body, status = answer
        redact = self._redactor.redact
        parsed = parse_answer(
            body,
            status,
            what,
            redact,
            callback=callback,
            on_notices=lambda notices: self._log_notices(what, notices),
        )
        try:
            return read(parsed, body, what, redact)
        except JodoAuthenticationError as refused:
            assert refused.code is not None  # a refusal is classed as one of credentials by its code
            check = CREDENTIAL_FIELDS[refused.code]
            raise JodoAuthenticationError(
                f"{refused}; check connection {self.settings.conn_id!r}: {check}",
                api=refused.api,
                code=refused.code,
                vendor_message=refused.vendor_message,
            ) from None

    def _log_notices(self, what: str, notices: str) -> None:
        """Log the PHP notices a platform printed before an answer: a warning the first time each is seen.

        A platform with `display_errors` on may print the same notice before every answer; one
        warning says so, and the repeats go to the debug log.

        :param notices: the notices, quoted (redacted and cut).
        """
        first = notices not in self._notices_seen
        if len(self._notices_seen) < _NOTICES_REMEMBERED:
            self._notices_seen.add(notices)
        logger.log(
            logging.WARNING if first else logging.DEBUG,
            "%s: the platform printed PHP notices before its answer (read past them): %r",
            what,
            notices,
        )
