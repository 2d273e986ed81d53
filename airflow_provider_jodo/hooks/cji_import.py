"""Call astercc's importCJI: one record answered at once, or a file job submitted once.

`source=data` carries one record in `context` and the answer says what became of it;
`source=http|ftp` names a CSV file the platform fetches in a background job, whose id only the
answer gives, so its submission goes through `file_submission` to be made exactly once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_jodo.enums import CJISource, coerce
from airflow_provider_jodo.exceptions import JodoDuplicateError
from airflow_provider_jodo.hooks.connection_settings import JodoConnectionSettings
from airflow_provider_jodo.hooks.file_submission import FileJobSubmitter
from airflow_provider_jodo.hooks.import_jobs import campaign_model_id
from airflow_provider_jodo.hooks.platform_calls import PlatformCalls
from airflow_provider_jodo.protocol.cji_policies import CJIPolicies
from airflow_provider_jodo.protocol.codes import describe_backmsg
from airflow_provider_jodo.protocol.exetime import ExetimeInput, wall_clock_from_now
from airflow_provider_jodo.protocol.models import CJIImportResult
from airflow_provider_jodo.protocol.wire.answers import data_record_answer
from airflow_provider_jodo.protocol.wire.cji_parameters import (
    CJI_PARAMETERS,
    FILE_URL_SCHEMES,
    encode_context,
    names_csv_file,
    refuse_url_login,
)
from airflow_provider_jodo.protocol.wire.redaction import Redactor
from airflow_provider_jodo.protocol.wire.wall_clock import IMMEDIATELY

MODEL_TYPE_CAMPAIGN = "Campaign"


@dataclass(frozen=True)
class CJIImports:
    """importCJI calls into a campaign.

    :param settings: the connection's settings (the login, the path, the time zone).
    :param calls: makes the astercc call of a `data` record.
    :param submitter: submits file jobs exactly once.
    :param redactor: the secrets to remove from messages (file URLs may carry a password).
    :param log: the hook's log, where a submitted job is reported.
    """

    settings: JodoConnectionSettings
    calls: PlatformCalls
    submitter: FileJobSubmitter
    redactor: Redactor
    log: Any

    def import_cji(
        self,
        *,
        campaign_id: int | str,
        source: CJISource | str,
        record: Mapping[str, Any] | None,
        file_url: str | None,
        source_login: tuple[str, str],
        exetime: ExetimeInput,
        policies: CJIPolicies | None,
        policy_arguments: dict[str, Any],
        known_job_ids: Collection[str] | None,
    ) -> CJIImportResult:
        """Make one importCJI call, as `JodoHook.import_cji` describes it.

        :param campaign_id: the campaign to import into.
        :param source: `data`, `http` or `ftp`.
        :param record: the one record of a `data` import.
        :param file_url: the CSV file of an `http` or `ftp` import.
        :param source_login: the file server's user and password ("" when none).
        :param exetime: when the job runs, in any form `protocol.exetime` accepts; None or "": now.
        :param policies: what the platform does with duplicates, dial lists and packages.
        :param policy_arguments: the policies as flat keyword arguments instead; the caller's
            other keyword arguments, left in it, are refused.
        :param known_job_ids: a file job's campaign jobs before the submission, if noted.
        :raises ValueError: bad arguments, naming the parameter.
        :raises TypeError: keyword arguments that are no policy's.
        """
        source = coerce(CJISource, source, "source")
        context = self._context(source, record, file_url)
        policies = CJIPolicies.from_arguments(policies, policy_arguments)
        options = self.submission_options(source=source, exetime=exetime, policies=policies)
        if policy_arguments:
            raise TypeError(f"import_cji() got unexpected keyword arguments {sorted(policy_arguments)}")
        source_user, source_pwd = source_login
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
        job_id = self.submitter.submit(parameters, options, what, known_job_ids)
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
            code, message = self.calls.astercc(self.settings.import_cji_path, query, what)
        except JodoDuplicateError as duplicate:
            code, message = duplicate.code, duplicate.vendor_message
        outcome = data_record_answer(code, message, what, self.redactor.redact)
        return CJIImportResult(
            message=message,
            code=code,
            description=describe_backmsg(code) if code else message,
            outcome=outcome,
        )

    def submission_options(
        self, *, source: CJISource | str, exetime: ExetimeInput, policies: CJIPolicies | None
    ) -> dict[str, str]:
        """Give the parameters besides login, campaign and file that a file job reports back.

        :param source: `data`, `http` or `ftp`.
        :param exetime: when the job runs, in any form `protocol.exetime` accepts (a duration counts
            from this call), sent in the connection's time zone; None or "": now.
        :param policies: the policies; None takes the platform's defaults.
        :raises ValueError: a wrong source, or an `exetime` without a time zone or unreadable.
        """
        return {
            "source": coerce(CJISource, source, "source").value,
            "exetime": wall_clock_from_now(exetime, self.settings.timezone) or IMMEDIATELY,
            **(policies or CJIPolicies()).to_wire(),
        }

    def _context(self, source: CJISource, record: Mapping[str, Any] | None, file_url: str | None) -> str:
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
        self.check_file_url(source, file_url)
        return file_url

    def check_file_url(self, source: CJISource, file_url: str) -> None:
        """Refuse a file URL the platform cannot fetch for `source`, before any call.

        :param source: `http` or `ftp`.
        :param file_url: the CSV file's URL.
        :raises ValueError: naming `file_url` (redacted): not a URL of the source's scheme, a
            login inside it (which belongs in the source login), or, unless the connection's
            `csv_only` is off, a path that does not end in `.csv`.
        """
        if source not in FILE_URL_SCHEMES:
            raise ValueError(f"source={source.value!r} takes a record, not a file_url")
        parts = urlsplit(file_url)
        shown = self.redactor.redact(file_url)
        if parts.scheme not in FILE_URL_SCHEMES[source] or not parts.hostname:
            schemes = "/".join(FILE_URL_SCHEMES[source])
            raise ValueError(f"file_url {shown!r} is not a {schemes} URL as source={source.value!r} needs")
        refuse_url_login(file_url)
        if self.settings.csv_only and not names_csv_file(parts.path):
            raise ValueError(
                f"file_url {shown!r} does not name a .csv file: the platform imports CSV files only "
                "(BackMsg_86). If yours takes other files, set the jodo connection's extra csv_only to false"
            )
