"""Stage records as a CSV on an FTP server, then import them with ONE importCJI ftp file job.

Pushing 100,000 warehouse rows with `source=data` is 100,000 calls; staging them is one upload
and one server-side job, which the platform's scheduler runs at `exetime`. The file transfer
uses Airflow's FTP provider hook, so the FTP server is an ordinary Airflow connection, and the
platform fetches the file with that connection's login (never templated, never logged).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from airflow.providers.ftp.hooks.ftp import FTPHook

from airflow_provider_jodo.compat.airflow import AirflowFailException, AirflowSkipException, BaseHook
from airflow_provider_jodo.enums import CJISource
from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.links.jodo import clear_job_reference
from airflow_provider_jodo.loading.campaign_csv import campaign_row
from airflow_provider_jodo.loading.campaign_rules import dial_number_problem, dial_numbers
from airflow_provider_jodo.loading.checks import (
    check_loaded,
    on_invalid_policy,
    positive_int,
    records_with_known_columns,
)
from airflow_provider_jodo.loading.checks import column_mapping as column_mapping_argument
from airflow_provider_jodo.loading.hygiene import (
    HygieneSettings,
    LeadHygiene,
    commit_staged_rows,
    hygiene_summary_counts,
    staged_rows_path,
    write_staged_rows,
)
from airflow_provider_jodo.loading.lead_files import check_lead_file
from airflow_provider_jodo.loading.record_sources import (
    apply_column_mapping,
    iter_records,
    iter_sql_records,
    not_a_record_reason,
)
from airflow_provider_jodo.loading.storage import file_name_part, local_source
from airflow_provider_jodo.operators.cji_file import FileJob, FileJobOperator
from airflow_provider_jodo.operators.cji_records import (
    REJECTIONS_REPORTED,
    duplicate_policy_with_dial_list,
    skip_unchanged_with_dial_list,
)
from airflow_provider_jodo.operators.lineage import location_lineage, query_lineage
from airflow_provider_jodo.protocol.wire.cji_parameters import names_csv_file

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Context

STAGING_XCOM_KEY = "staging"
DEFAULT_FETCH_SIZE = 10_000


class JodoStageAndImportOperator(FileJobOperator):
    """Stage records as a CSV on an FTP server, then import it into a campaign with one ftp file job.

    The CSV has a header and one line per record, columns in `columns` order; it is uploaded
    to the FTP server of `ftp_conn_id` and imported into campaign `campaign_id` with one
    importCJI `source=ftp` file job, `delrow=1` (the header). Its base, `FileJobOperator`,
    runs the file job as it runs `JodoImportCJIFileOperator`'s (submitted once, waited for in the
    worker or, deferrable, in the triggerer), with its policy and wait parameters; the file is
    staged in `prepare_file`, only when a new job is to be submitted.

    Returns the job's final state and counts (with `wait_for_completion=False`:
    `{"job_id", "job_url"}`); pushes the staging summary (`file_url`, `total`, `staged`,
    `rejected`, the first rejections with their record index; with `phone_region` also
    `phone_normalised` and `phone_invalid`, see `loading.hygiene`; `duplicate_in_input` when the
    input repeated a dial-list number or `on_duplicate_in_input` is not `last`; `suppressed`
    with `suppression_path` or `suppression_sql`; `skipped`, records left out by either, with
    `first` or a list) to XCom key `staging`. Fewer staged records than `min_loaded` (default
    1: none at all, from an empty input or one whose every record is rejected) fail the task
    before anything is uploaded; with `min_loaded=0` an input with no record to stage skips it.
    A `source_path` file is read whole before anything is staged, and one that cannot be read
    whole (see `lead_files`) fails it. A retry reuses the job its earlier try submitted,
    without staging again.

    Its asset event is `FileJobOperator`'s, with the hygiene step's counts added (also to
    OpenLineage's statistics). OpenLineage (optional): input the `source_path` file, or the
    query's tables (and the query) when the SQL hook describes its database for
    OpenLineage, none for `records`; output the campaign with the rows landed.

    :param columns: the campaign form's field (or display) names, in form order; they are the
        CSV header. A record with a field outside them is rejected, never silently trimmed.
    :param records: a list of dicts (templated: an upstream task's XCom works); exactly one of
        `records`, `source_path` and `sql`.
    :param source_path: a CSV (with header) or JSON-lines file (templated): a local path or an
        object-storage URI (`s3://`, `gs://`, `abfs://`, `file://`, ...: any that
        `airflow.sdk.ObjectStoragePath` opens, copied first to the worker's temp directory in
        blocks).
    :param storage_conn_id: the Airflow connection of the object store of a `source_path` URI
        (None: the store's default connection).
    :param sql: a query (templated, or a `.sql` file) run through the Airflow SQL hook of
        connection `sql_conn_id` (any database with an Airflow provider).
    :param sql_conn_id: the SQL connection `sql` runs on.
    :param sql_parameters: bound by the database driver (templated).
    :param fetch_size: rows fetched at a time: the query's result is streamed, never held whole.
    :param column_mapping: source name -> campaign field (e.g. `{"mobile": "phone1"}`).
    :param ftp_conn_id: the FTP connection: the upload goes there, and the platform fetches the
        file from `ftp://HOST:PORT/<remote_path>` with the same login.
    :param remote_path: where the file goes, relative to the FTP login directory, ending in
        `.csv` (templated). Default: one name per DAG run, task and map index, so that a retry
        overwrites its own file and finds the job its earlier try submitted.
    :param on_invalid: `reject` (default) leaves out the records the CSV cannot carry (each
        with its reason, see `campaign_csv`), or whose dial-list number (`phone_field`) is not
        3 to 16 digits, and imports the others; `fail` fails the task before anything is
        uploaded if one record is invalid.
    :param delete_staged_file: remove the staged file from the FTP server once its job has
        succeeded (default false: it stays, as the record of what was imported). Only with
        `wait_for_completion`, since the platform fetches the file when its job runs.
    :param phone_region: the region (ISO 3166, e.g. `"IN"`) of numbers written without their
        country code; with it, the dial list's `phone_field` and the `phone_fields` are
        rewritten into E.164 (with or without `+` as the connection's `phone_plus` says) before
        staging, and a record whose number is impossible or invalid is left out with the
        reason. None (default): numbers are staged as they are read.
    :param phone_fields: more fields holding phone numbers, normalised with `phone_region`.
    :param on_duplicate_in_input: what becomes of a record whose dial-list number (normalised)
        an earlier record of the input had: `last` (default) stages it, and the policies decide
        as for any duplicate; `first` leaves it out (counted `skipped`); `reject` rejects it.
    :param suppression_path: a do-not-call list (templated; local or object storage, through
        `storage_conn_id`): one number a line, or the CSV column `suppression_column`; needs
        `phone_region`, by which its numbers are normalised as the records' are. A record with
        a phone number on it is left out (counted `skipped` and `suppressed`).
    :param suppression_column: the column of a CSV `suppression_path` that holds the numbers.
    :param suppression_sql: a do-not-call list that lives in a database: a query (templated, or
        a `.sql` file) whose rows' first column holds the numbers, run on `suppression_conn_id`
        and streamed; NULLs and blank values are skipped, integers are read as written. Numbers
        are normalised as `suppression_path`'s are (it needs `phone_region`); not with
        `suppression_path`.
    :param suppression_conn_id: the Airflow SQL connection (any database with an Airflow
        provider) `suppression_sql` runs on.
    :param skip_unchanged: leave out a record whose dial-list number (normalised) and row (as it
        would be staged) are what an earlier successful job imported (counted `skipped` and
        `unchanged`, landed for `min_loaded`); needs `state_path` and a `phone_field`. An input
        with nothing new or changed stages nothing and ends the task skipped. False (default)
        with a `state_path`: stage everything and refresh the state.
    :param state_path: where the digests of the rows the platform imported are kept (templated;
        local or object storage, through `storage_conn_id`), written whole only once the file
        job has succeeded, without the rows it reports as errors; needs
        `wait_for_completion=True`. See `loading.hygiene`.
    """

    template_fields: Sequence[str] = (
        "campaign_id",
        "records",
        "source_path",
        "sql",
        "sql_parameters",
        "remote_path",
        "exetime",
        "suppression_path",
        "suppression_sql",
        "state_path",
    )
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql", "suppression_sql": "sql"}

    def __init__(
        self,
        *,
        columns: Sequence[str],
        records: Sequence[Mapping[str, Any]] | str | None = None,
        source_path: str | None = None,
        storage_conn_id: str | None = None,
        sql: str | None = None,
        sql_conn_id: str | None = None,
        sql_parameters: Sequence[Any] | Mapping[str, Any] | None = None,
        fetch_size: int = DEFAULT_FETCH_SIZE,
        column_mapping: Mapping[str, str] | None = None,
        ftp_conn_id: str = FTPHook.default_conn_name,
        remote_path: str | None = None,
        on_invalid: str = "reject",
        delete_staged_file: bool = False,
        phone_region: str | None = None,
        phone_fields: Sequence[str] | None = None,
        on_duplicate_in_input: str = "last",
        suppression_path: str | None = None,
        suppression_column: str | None = None,
        suppression_sql: str | None = None,
        suppression_conn_id: str | None = None,
        skip_unchanged: bool = False,
        state_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Check the arguments that are not templated, at parse time."""
        super().__init__(**kwargs)
        if self.policies.delrow not in (None, 1):
            raise ValueError(f"delrow={self.policies.delrow!r}: the staged CSV has one header line, drop 1")
        self.policies = replace(self.policies, delrow=1)
        if sum(source is not None for source in (records, source_path, sql)) != 1:
            raise ValueError("give exactly one of records, source_path and sql")
        if (sql is None) != (sql_conn_id is None):
            raise ValueError("sql and sql_conn_id go together")
        if isinstance(columns, str) or not columns or not all(isinstance(c, str) and c for c in columns):
            raise ValueError(f"columns={columns!r} must be a non-empty list of field names")
        if len(set(columns)) != len(columns):
            raise ValueError(f"columns={list(columns)!r} names a field twice")
        self.records = records
        self.source_path = source_path
        self.storage_conn_id = storage_conn_id
        self.sql = sql
        self.sql_conn_id = sql_conn_id
        self.sql_parameters = sql_parameters
        self.fetch_size = positive_int(fetch_size, "fetch_size")
        self.columns = list(columns)
        self.column_mapping = column_mapping_argument(column_mapping)
        self.ftp_conn_id = ftp_conn_id
        self.remote_path = remote_path
        self.on_invalid = on_invalid_policy(on_invalid)
        if delete_staged_file and not self.wait_for_completion:
            raise ValueError(
                "delete_staged_file=True needs wait_for_completion=True: the platform fetches the file "
                "when its job runs, after this task would have deleted it"
            )
        self.delete_staged_file = bool(delete_staged_file)
        self.hygiene_settings = HygieneSettings.from_arguments(
            phone_region=phone_region,
            phone_fields=phone_fields,
            on_duplicate_in_input=duplicate_policy_with_dial_list(on_duplicate_in_input, self.policies),
            suppression_path=suppression_path,
            suppression_column=suppression_column,
            suppression_sql=suppression_sql,
            suppression_conn_id=suppression_conn_id,
            skip_unchanged=skip_unchanged_with_dial_list(skip_unchanged, self.policies),
            state_path=state_path,
        )
        if state_path is not None and not self.wait_for_completion:
            raise ValueError(
                "state_path needs wait_for_completion=True: the state is written once the file job has "
                "succeeded, without the rows it failed"
            )
        self.suppression_path = suppression_path
        self.suppression_sql = suppression_sql
        self.state_path = state_path
        self._staging: dict[str, Any] | None = None

    def execute(self, context: Context) -> dict[str, Any]:
        """Stage the records (unless an earlier try's job is reused), then import and wait."""
        clear_job_reference(context)  # the task's link reads it back, even if no job comes of it
        if self.remote_path is None:
            self.remote_path = _default_remote_path(context, self.task_id)
        _check_remote_path(self.remote_path)
        # Known before anything is staged: "the job of an earlier try" is keyed by it.
        file_url = _ftp_file_url(self.ftp_conn_id, self.remote_path)
        # The FTP login reaches the platform as source_user/source_pwd through the connection:
        # read at submit time, never a template field.
        file_job = FileJob(
            self.campaign_id, CJISource.FTP, file_url, self.ftp_conn_id, self.exetime, self.policies
        )
        try:
            job = self.run_file_job(context, file_job)
        finally:  # also when the wait is deferred (TaskDeferred) or the job failed
            if self._staging is not None:
                context["ti"].xcom_push(key=STAGING_XCOM_KEY, value=self._staging)
        self._delete_staged_file()
        return job

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger as every file job does, then remove the staged file if asked to."""
        job = super().execute_complete(context, event)
        self._delete_staged_file()
        return job

    def lineage_inputs(self) -> OperatorLineage:
        """Give the `source_path` file or the query as OpenLineage's inputs (none for `records`)."""
        if self.sql is not None:
            assert self.sql_conn_id is not None  # checked in __init__
            return query_lineage(self.sql_conn_id, self.sql)
        return location_lineage(self.source_path)

    def prepare_file(self, hook: JodoHook, file_job: FileJob) -> None:
        """Stage the file: write the records as a CSV and upload it to `remote_path`.

        Run only before a new job is submitted, never when an earlier try's job is reused.

        :param hook: the hook the job is submitted with (the CSV's times are in its connection's
            time zone).
        :param file_job: the file job about to be submitted; `file_url` is the staged file's.
        """
        with tempfile.TemporaryDirectory(prefix="jodo-stage-") as directory:
            staged_file = Path(directory) / "records.csv"
            with local_source(self.source_path, self.storage_conn_id, "source_path") as source_file:
                summary, hygiene = self._write_csv(staged_file, hook, source_file)
            first = summary["rejections"][0] if summary["rejections"] else None
            check_loaded(
                summary["staged"] + hygiene.unchanged,  # an unchanged record is there as it is
                summary["total"],
                self.min_loaded,
                "staging for importCJI (nothing was uploaded)",
                first and f"records[{first['index']}]: {first['reason']}",
            )
            if summary["staged"] == 0 and hygiene.unchanged:
                self._staging = {"file_url": file_job.file_url, **summary}
                raise AirflowSkipException(
                    f"nothing to import: {hygiene.unchanged} records unchanged since the last successful "
                    "run (state_path), none new or changed"
                )
            if summary["staged"] == 0:
                raise AirflowSkipException("no records to import (min_loaded=0)")
            if self.state_path is not None and self.remote_path is not None:
                # Before the upload: a job never exists without its rows' digests.
                staged_path = staged_rows_path(self.state_path, self.remote_path)
                write_staged_rows(staged_path, hygiene.staged_digests(), self.storage_conn_id)
            with FTPHook(ftp_conn_id=self.ftp_conn_id) as ftp:
                ftp.store_file(self.remote_path, str(staged_file))
        self._staging = {"file_url": file_job.file_url, **summary}
        self.log.info(
            "Staged %d of %d records (%d rejected) at %s",
            summary["staged"],
            summary["total"],
            summary["rejected"],
            file_job.file_url,
        )

    def hygiene_counts(self, context: Context) -> dict[str, int]:
        """Give the lead-hygiene step's counts of the staging: this try's, or read back from XCom.

        A wait resumed after the trigger runs in a new operator, which has only the staging
        summary pushed to XCom key `staging`; a retry that reused an earlier try's job staged
        nothing, and has none.
        """
        staging = self._staging
        if staging is None:
            ti = context["ti"]
            staging = ti.xcom_pull(task_ids=ti.task_id, key=STAGING_XCOM_KEY)
        return hygiene_summary_counts(staging or {})

    def _finish_job(self, context: Context, job: dict[str, Any]) -> None:
        """Check and record the finished job as every file job is, then write the state of its rows.

        The staged rows' digests, left beside the state by `prepare_file` (this try's, or the
        earlier try's whose job this one reused), enter the state but for the rows the job
        reports as errors; a job that failed more rows than its error list names leaves the
        state as it was.
        """
        super()._finish_job(context, job)
        if self.state_path is None:
            return
        remote_path = self.remote_path or _default_remote_path(context, self.task_id)  # after a deferral
        failed_rows = [error["row"] for error in job.get("errors") or () if error.get("row") is not None]
        commit_staged_rows(
            self.state_path,
            staged_rows_path(self.state_path, remote_path),
            failed_rows if len(failed_rows) >= job["failed"] else None,
            self.storage_conn_id,
            self.log,
        )

    def _delete_staged_file(self) -> None:
        """Remove the staged file from the FTP server, with `delete_staged_file`, once its job succeeded."""
        if self.delete_staged_file and self.remote_path is not None:
            with FTPHook(ftp_conn_id=self.ftp_conn_id) as ftp:
                ftp.delete_file(self.remote_path)
            self.log.info("Removed the staged file %s from the FTP server", self.remote_path)

    def _write_csv(
        self, path: Path, hook: JodoHook, source_file: str | None
    ) -> tuple[dict[str, Any], LeadHygiene]:
        """Stream the records into `path`; return the counts and the first rejections, and the step.

        `hook`'s connection gives the CSV's time zone and, with `phone_region`, `phone_plus`;
        `source_file` is the local copy of `source_path` (None: the input is not a file).
        """
        staged, rejected, skipped = 0, 0, 0
        rejections: list[dict[str, Any]] = []
        hygiene = self.hygiene_settings.lead_hygiene(
            (self.policies.phone_field,),
            lambda: hook.settings.phone_plus,
            suppression_path=self.suppression_path,
            suppression_sql=self.suppression_sql,
            storage_conn_id=self.storage_conn_id,
            state_path=self.state_path,
            log=self.log,
        )
        timezone, phone_field = hook.settings.timezone, self.policies.phone_field
        rows: dict[int, list[str]] = {}  # the row of the record being cleaned, made by its check

        def problem(record: dict[str, Any]) -> str | None:
            """Return why the CSV cannot carry the record (or the platform dial it), keeping its row."""
            try:
                rows[0] = campaign_row(record, self.columns, timezone)
            except ValueError as error:
                return str(error)
            return dial_number_problem(record, phone_field)

        def dial_key(record: dict[str, Any]) -> str | None:
            return next((number for _, number in dial_numbers(record, phone_field)), None)

        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(self.columns)
            for index, read in enumerate(self._input_records(source_file)):
                if isinstance(read, dict):
                    _, outcome, text = hygiene.clean(index, read, problem, dial_key)
                else:
                    outcome, text = "rejected", not_a_record_reason(read)
                if outcome is None:
                    writer.writerow(rows[0])
                    staged += 1
                    continue
                if outcome == "skipped":
                    skipped += 1
                    continue
                if self.on_invalid == "fail":
                    raise AirflowFailException(f"records[{index}] is invalid: {text}; nothing was uploaded")
                rejected += 1
                if len(rejections) < REJECTIONS_REPORTED:
                    self.log.warning("records[%d] rejected: %s", index, text)
                    rejections.append({"index": index, "reason": text})
        hygiene.log_counts(self.log)
        counts = {"total": staged + rejected + skipped, "staged": staged}
        if (
            hygiene.duplicates.policy == "first"
            or hygiene.suppression is not None
            or hygiene.sent is not None
        ):
            counts["skipped"] = skipped
        counts.update({"rejected": rejected, **hygiene.summary_counts()})
        return {**counts, "rejections": rejections}, hygiene

    def _input_records(self, source_file: str | None) -> Iterator[Any]:
        """Yield the input records, mapped through `column_mapping` (what is not a dict as is).

        `source_file` is the local copy of `source_path` (None: the input is not a file).
        """
        if self.sql is not None:
            assert self.sql_conn_id is not None  # checked in __init__
            rows: Iterator[Any] = iter_sql_records(
                self.sql_conn_id, self.sql, self.sql_parameters, self.fetch_size
            )
        else:
            if source_file is not None:
                check_lead_file(source_file)
            rows = iter_records(self.records, source_file)
        for row in records_with_known_columns(rows, self.column_mapping):
            yield apply_column_mapping(row, self.column_mapping) if isinstance(row, Mapping) else row


def _default_remote_path(context: Context, task_id: str) -> str:
    """Return `jodo-<dag>-<task>[-<map index>]-<run id>.csv`.

    Every character an FTP server could choke on (`:` and `+` of run ids) is replaced.
    """
    ti = context["ti"]
    mapped = ti.map_index is not None and ti.map_index >= 0  # Airflow's -1 (or None): not mapped
    parts = [ti.dag_id, task_id, *([str(ti.map_index)] if mapped else []), context["run_id"]]
    return file_name_part("-".join(["jodo", *parts])) + ".csv"


def _check_remote_path(remote_path: str) -> None:
    """Refuse a path that is not a CSV file's, or not relative to the FTP login directory."""
    if not names_csv_file(remote_path):  # a CSV is written, whatever the platform's `csv_only`
        raise ValueError(f"remote_path={remote_path!r} must end in .csv (the platform imports CSV only)")
    if remote_path.startswith("/") or "://" in remote_path:
        raise ValueError(
            f"remote_path={remote_path!r} must be relative to the FTP login directory, which is "
            "where the platform's FTP login starts too"
        )


def _ftp_file_url(ftp_conn_id: str, remote_path: str) -> str:
    """Return the URL the platform fetches: the FTP connection's host and port.

    No credentials: they travel as source_user/source_pwd.
    """
    conn = BaseHook.get_connection(ftp_conn_id)
    if not conn.host:
        raise ValueError(f"ftp_conn_id={ftp_conn_id!r} has no host")
    netloc = conn.host if conn.port is None else f"{conn.host}:{conn.port}"
    return f"ftp://{netloc}/{quote(remote_path)}"
