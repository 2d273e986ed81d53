"""JodoHook: all I/O with the Jodo customer web service and astercc's importCJI.

A facade over named parts (`hooks.parts`), built once the connection's settings are loaded.
Failures are typed `JodoError`s carrying the vendor code. Secrets are masked in Airflow's logs
and redacted from every message the hook builds, because importCJI puts the password in the URL.
The hook never waits for a job: `get_import_job` answers "what is the state now".
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Unpack

import requests

from airflow_provider_jodo.compat.airflow import (
    BaseHook,
    aextra_dejson,
    aget_connection,
    amask_secret,
    mask_secret,
)
from airflow_provider_jodo.enums import CJISource, ProcessDataSearch, coerce
from airflow_provider_jodo.hooks.connection_check import check_connection
from airflow_provider_jodo.hooks.connection_form import field_behaviour, form_widgets
from airflow_provider_jodo.hooks.connection_settings import JodoConnectionSettings
from airflow_provider_jodo.hooks.import_jobs import campaign_model_id
from airflow_provider_jodo.hooks.parts import HookParts, build_parts
from airflow_provider_jodo.hooks.platform_capabilities import PlatformCapabilities
from airflow_provider_jodo.hooks.process_data import ProcessDataOptions
from airflow_provider_jodo.hooks.retry_policy import RetryPolicy
from airflow_provider_jodo.protocol.cji_policies import CJIPolicies
from airflow_provider_jodo.protocol.exetime import ExetimeInput
from airflow_provider_jodo.protocol.job_matching import FileJobSubmission
from airflow_provider_jodo.protocol.models import (
    CJIImportResult,
    ImportJob,
    ProcessDataImport,
    ProcessDataRecords,
)
from airflow_provider_jodo.protocol.wire.process_data import PreparedImport
from airflow_provider_jodo.protocol.wire.redaction import Redactor, install_url_log_redaction


class JodoHook(BaseHook):
    """Talk to a Jodo/astercc platform with the credentials of a `jodo` Airflow connection.

    :param jodo_conn_id: the connection holding the base URL, API/service keys and the astercc
        organisation, user and password (see README, "Connection").
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
        self._parts: HookParts | None = None
        self._parts_lock = threading.Lock()
        self._redactor = Redactor()
        self.capabilities = PlatformCapabilities(self.log)
        install_url_log_redaction()

    @property
    def settings(self) -> JodoConnectionSettings:
        """The connection's settings, loaded on first use (`get_conn_settings`)."""
        return self.get_conn_settings()

    def get_conn_settings(self) -> JodoConnectionSettings:
        """Load the connection's settings once, mask its secrets and build the hook's parts with them.

        An explicit load, as Azure Data Factory's `get_conn`: the settings are kept for the hook's life.
        """
        if self._parts is None:
            settings = JodoConnectionSettings.from_connection(self.get_connection(self.jodo_conn_id))
            self._register_secrets(*settings.secrets())
            self._build_parts(settings)
        return self._connected().settings

    async def aget_conn_settings(self) -> JodoConnectionSettings:
        """Load the connection's settings as `get_conn_settings` does, for triggers.

        The connection is resolved and its secrets are masked without blocking the event loop,
        which the triggerer shares.
        """
        if self._parts is None:
            conn = await aget_connection(self.jodo_conn_id)
            settings = JodoConnectionSettings.from_connection(conn, await aextra_dejson(conn))
            for secret in settings.secrets():
                await amask_secret(secret)
            self._redactor.add(*settings.secrets())
            self._build_parts(settings)
        return self._connected().settings

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy of this hook's calls: the connection's, unless overridden."""
        return self._retry_policy or self.settings.retry_policy

    @property
    def session(self) -> requests.Session:
        """The calling thread's own session (`transport`): its consecutive calls reuse one connection."""
        return self._connected().transport.session

    def close(self) -> None:
        """Release the pooled connections of every thread's session."""
        if self._parts is not None:
            self._parts.transport.close()

    # ImportProcessData family -------------------------------------------------------------

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
        process_data = self._connected().process_data
        request = process_data.prepare(records, **options)
        return process_data.read(request, process_data.send(request))

    def prepare_import(
        self,
        records: Sequence[Mapping[str, Any]],
        **options: Unpack[ProcessDataOptions],
    ) -> PreparedImport:
        """Encode the ImportProcessData request for `records`, checking the arguments first.

        The first of `import_process_data`'s three steps, for callers that pipeline batches.

        :param records: as for `import_process_data`.
        :param options: as for `import_process_data`.
        :raises ValueError: bad arguments, naming the parameter or record index.
        """
        return self._connected().process_data.prepare(records, **options)

    def send_import(self, request: PreparedImport) -> tuple[str, int]:
        """Post a prepared request; return the answer's (body, HTTP status), unread.

        Safe to call from several threads at once.

        :param request: what `prepare_import` encoded.
        :raises JodoConnectionError: the platform could not be reached.
        """
        return self._connected().process_data.send(request)

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
        return self._connected().process_data.read(request, answer)

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
        """
        return self._connected().process_data.get(search, value, from_date, to_date)

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
        return self._connected().cji.import_cji(
            campaign_id=campaign_id,
            source=source,
            record=record,
            file_url=file_url,
            source_login=(source_user, source_pwd),
            exetime=exetime,
            policies=policies,
            policy_arguments=policy_arguments,
            known_job_ids=known_job_ids,
        )

    def check_file_url(self, *, source: CJISource | str, file_url: str) -> None:
        """Refuse a file URL that `import_cji` would refuse, without calling the platform.

        A caller that calls the platform before submitting (to note the campaign's jobs, or to
        upload the file) checks first, so that a bad URL fails before anything is done.

        :param source: `http` or `ftp`.
        :param file_url: the CSV file's URL.
        :raises ValueError: naming `file_url`, as `import_cji` would.
        """
        self._connected().cji.check_file_url(coerce(CJISource, source, "source"), file_url)

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
        return self._connected().cji.submission_options(source=source, exetime=exetime, policies=policies)

    def find_import_jobs(self, *, campaign_id: int | str, file_url: str) -> list[ImportJob] | None:
        """List the import jobs of a campaign for a file, newest first; None if the platform cannot.

        The platform keeps the latest 20; listing is an optional capability (our extension of
        the status method). A retry compares them with those seen before its submission to
        find the job of a submission whose answer it never got.

        :param campaign_id: the campaign.
        :param file_url: the file the jobs import.
        """
        return self._connected().jobs.for_file(campaign_model_id(campaign_id), file_url)

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
        return self._connected().submitter.find_new_job(submission, file_url, known_job_ids)

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
        model_id, submitter = campaign_model_id(campaign_id), self._connected().submitter
        return submitter.submission(model_id, file_url, submitted_with or {}, submitted_at)

    def get_import_job(self, job_id: str | int, deadline: float | None = None) -> ImportJob:
        """Ask for the job's state and counts now (importStatusCJI).

        :param job_id: the job, as importCJI named it.
        :param deadline: a Unix time: a caller waiting until then is never held past it.
        :raises JodoNotFoundError: the platform knows no such job.
        :raises JodoCapabilityMissingError: the platform has no job status method.
        """
        return self._connected().jobs.get(job_id, deadline)

    async def aget_import_job(self, job_id: str | int, deadline: float | None = None) -> ImportJob:
        """Ask for the job's state now, as `get_import_job` does, without blocking the triggerer's loop.

        :param job_id: the job, as importCJI named it.
        :param deadline: a Unix time: a caller waiting until then is never held past it.
        """
        await self.aget_conn_settings()
        # The thread's call ends by its deadline (the hook's watchdog ends a stalled answer), so a
        # wait that gives up leaves no thread behind in the triggerer.
        return await asyncio.to_thread(self.get_import_job, job_id, deadline)

    def job_page_url(self, job_id: str | int) -> str:
        """Give the console page of import job `job_id` (connection extra `job_page_path`).

        :param job_id: the job.
        """
        return self.settings.job_page_url(job_id)

    def job_pages_url(self) -> str:
        """Give the console's job page URL with `{job_id}` left in, for a job nobody received."""
        return self.settings.url(self.settings.job_page_path)

    def redact(self, text: str) -> str:
        """Remove the secrets this hook knows from `text`, credentials in URLs included.

        :param text: what is about to be printed.
        """
        return self._redactor.redact(text)

    def test_connection(self) -> tuple[bool, str]:
        """Check each configured platform with a cheap authenticated read (`connection_check`)."""
        # Someone is waiting for the answer (the UI's Test button): one attempt per call, on a
        # hook of its own, so that this one keeps the connection's retries.
        probe = type(self)(jodo_conn_id=self.jodo_conn_id, retry_policy=RetryPolicy(max_retries=0))
        try:
            return check_connection(probe._connected)
        finally:
            probe.close()

    def _connected(self) -> HookParts:
        """Give the hook's parts, loading the connection's settings on first use."""
        if self._parts is None:
            self.get_conn_settings()
        assert self._parts is not None  # get_conn_settings built them
        return self._parts

    def _build_parts(self, settings: JodoConnectionSettings) -> None:
        """Build the hook's parts for `settings`, once, even when threads load them at once.

        :param settings: the connection's settings, just loaded.
        """
        with self._parts_lock:
            if self._parts is None:
                retry_policy = self._retry_policy or settings.retry_policy
                self._parts = build_parts(settings, retry_policy, self.capabilities, self._redactor, self.log)

    def _register_secrets(self, *secrets: str) -> None:
        """Mask `secrets` in Airflow's logs and redact them from the hook's own messages.

        :param secrets: the values never to print; empty ones are skipped.
        """
        for secret in secrets:
            if secret:
                mask_secret(secret)
        self._redactor.add(*secrets)
