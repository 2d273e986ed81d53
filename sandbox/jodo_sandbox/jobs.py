"""The import-job scheduler: runs importCJI http/ftp jobs in the background.

The platform's shell-job scheduler looks for due jobs about once a minute; the sandbox looks
every `poll_interval` seconds (0.2 by default) so that tests and demos do not wait a minute.
A job is due when its `exetime` (platform wall-clock time) has come. Jobs run one at a time,
in the order they became due. A running job cannot be cancelled, as on the platform.
"""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from itertools import islice

from airflow_provider_jodo.enums import CJISource, JobState
from airflow_provider_jodo.protocol.codes import BackMsgCode, describe_backmsg
from airflow_provider_jodo.protocol.wire.protocol import MAX_CELL_CHARACTERS
from jodo_sandbox.campaign_form import CAMPAIGN_FIELDS, resolve_field
from jodo_sandbox.campaign_import import CampaignRecordOutcome, ImportOptions, import_record
from jodo_sandbox.campaign_store import Campaign
from jodo_sandbox.file_fetch import FileFetchError, fetch_file
from jodo_sandbox.job_queue import JobError, QueuedImportJob
from jodo_sandbox.store import SandboxStore

logger = logging.getLogger(__name__)

PROGRESS_EVERY_ROWS = 200
"""How often a running job's counts are saved, so that the status method shows progress."""


class JobFailure(Exception):
    """The job's file cannot be imported at all; the job fails with this code."""

    def __init__(self, code: str, detail: str, row: int | None = None) -> None:
        """Fail with BackMsg `code` and `detail`, for the whole file or (with `row`) at a line."""
        super().__init__(detail)
        self.error = _job_error(row, code, detail)


class ImportJobScheduler:
    """Background thread that runs due import jobs until `stop()`."""

    def __init__(self, store: SandboxStore, poll_interval: float) -> None:
        """Look for due jobs in `store` every `poll_interval` seconds, once started."""
        if poll_interval <= 0:
            raise ValueError(f"job_poll_interval must be positive seconds, got {poll_interval!r}")
        self._store = store
        self._poll_interval = poll_interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jodo-sandbox-jobs", daemon=True)

    def start(self) -> None:
        """Start polling for due jobs."""
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and wait for the job in progress, if any, to finish."""
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopping.wait(self._poll_interval):
            try:
                self._run_due_jobs()
            except Exception:
                # The scheduler must outlive one bad job or a storage hiccup: it logs the error
                # and the next poll carries on with the other jobs.
                logger.exception("import job scheduler failed")

    def _run_due_jobs(self) -> None:
        while not self._stopping.is_set():
            job = self._store.claim_due_import_job()
            if job is None:
                return
            run_import_job(self._store, job)


def run_import_job(store: SandboxStore, job: QueuedImportJob) -> None:
    """Fetch the job's file, import each row and record the outcome on the job.

    A file that cannot be fetched (89), decoded (86) or whose header does not match the
    campaign form (74) fails the job; rejected rows only count as failed rows.
    """
    campaign = store.campaign(job.campaign_id)
    assert campaign is not None, "a job's campaign exists (foreign key)"
    options = ImportOptions.from_params(job.options)
    counts: Counter[str] = Counter()
    pending_errors: list[JobError] = []
    try:
        for line_number, record in _csv_records(_fetch_text(job), job.delrow):
            outcome, error = _import_row(store, campaign, line_number, record, options)
            counts[outcome.value] += 1
            if error is not None:
                pending_errors.append(error)
            if sum(counts.values()) % PROGRESS_EVERY_ROWS == 0:
                store.record_import_job_progress(job.id, counts, pending_errors)
                pending_errors = []
    except JobFailure as failure:
        pending_errors.append(failure.error)
        store.record_import_job_progress(job.id, counts, pending_errors, JobState.FAILED)
        return
    except Exception as error:
        # A job must never stay "running" forever: whatever broke, it ends failed and says so.
        logger.exception("import job %s failed unexpectedly", job.id)
        pending_errors.append(_job_error(None, BackMsgCode.STORAGE_ERROR, type(error).__name__))
        store.record_import_job_progress(job.id, counts, pending_errors, JobState.FAILED)
        return
    store.record_import_job_progress(job.id, counts, pending_errors, JobState.SUCCEEDED)


def _import_row(
    store: SandboxStore,
    campaign: Campaign,
    line_number: int,
    record: dict[str, str] | None,
    options: ImportOptions,
) -> tuple[CampaignRecordOutcome, JobError | None]:
    if record is None:
        detail = "the row has more values than there are columns"
        return CampaignRecordOutcome.REJECTED, _job_error(line_number, BackMsgCode.BAD_CONTEXT, detail)
    try:
        result = import_record(store, campaign, record, options)
    except sqlite3.Error as error:
        logger.exception("import job row %d could not be stored", line_number)
        return CampaignRecordOutcome.REJECTED, _job_error(line_number, BackMsgCode.STORAGE_ERROR, str(error))
    if result.outcome is CampaignRecordOutcome.REJECTED:
        return result.outcome, _job_error(line_number, result.code)
    return result.outcome, None


def _job_error(row: int | None, code: str, detail: str | None = None) -> JobError:
    text = describe_backmsg(code)
    return JobError(row, code, f"{text}: {detail}" if detail else text)


def _fetch_text(job: QueuedImportJob) -> str:
    try:
        content = fetch_file(CJISource(job.source), job.url, job.source_user, job.source_pwd)
    except FileFetchError as error:
        raise JobFailure(BackMsgCode.FETCH_FAILED, str(error)) from error
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise JobFailure(BackMsgCode.CSV_ONLY, f"the file is not UTF-8 text ({error})") from error


def _csv_records(text: str, delrow: int) -> Iterator[tuple[int, dict[str, str] | None]]:
    """Yield (line number, field name -> value) for each data row; None as the value of a too-long row.

    A row is too long when it has more values than columns. The first `delrow` lines are not
    data; with `delrow >= 1` the first line is the header, otherwise columns follow the campaign
    form's order. Rows with no value at all (trailing empty lines of a spreadsheet export) are
    left out.
    """
    # The vendors document no cell limit: the sandbox reads the cells the provider reads (the
    # csv module's limit is one per process, shared with the provider's readers in tests).
    csv.field_size_limit(MAX_CELL_CHARACTERS)
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        columns: tuple[str, ...] = CAMPAIGN_FIELDS
        if delrow >= 1:
            columns = _header_columns(next(rows, None))
            # Skip the other non-data lines; islice stops early when the file is shorter.
            for _ in islice(rows, delrow - 1):
                pass
        for line_number, values in enumerate(rows, start=delrow + 1):
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(columns):
                yield line_number, None
                continue
            yield line_number, {column: value.strip() for column, value in zip(columns, values, strict=False)}
    except csv.Error as error:
        raise JobFailure(
            BackMsgCode.CSV_ONLY, f"the file is not valid CSV ({error})", row=rows.line_num
        ) from error


def _header_columns(header: list[str] | None) -> tuple[str, ...]:
    if not header:
        raise JobFailure(BackMsgCode.HEADER_MISMATCH, "the file has no header line", row=1)
    columns = tuple(resolve_field(label) or "" for label in header)
    unknown = [label for label, column in zip(header, columns, strict=True) if not column]
    if unknown:
        raise JobFailure(BackMsgCode.HEADER_MISMATCH, f"unknown column(s) {unknown}", row=1)
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        raise JobFailure(BackMsgCode.HEADER_MISMATCH, f"column(s) given twice: {repeated}", row=1)
    return columns
