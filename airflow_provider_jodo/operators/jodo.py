"""Operators that load customers into Jodo/astercc campaigns.

`JodoImportProcessDataOperator` wraps Jodo's ImportProcessData: records validated, batched
below the platform's per-request limit and upserted, with a per-record report.
`JodoImportCJIOperator` wraps importCJI: inline records (`source="data"`, one call per record)
or a CSV file the platform fetches (`source="http"|"ftp"`, one background job), then waits for
the job in the worker or, deferrable, in the triggerer.

Both stream their input (a file or an upstream task's list is never copied whole), keep at
most `max_in_flight` calls running against the platform, report outcomes in input order and
log progress (`airflow_provider_jodo.loading.progress`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlsplit

import pendulum
from airflow.sdk import BaseHook, BaseOperator, conf
from airflow.sdk.exceptions import AirflowException, AirflowFailException
from airflow.sdk.log import mask_secret

from airflow_provider_jodo.enums import (
    CJISource,
    Media,
    RecordOutcomeKind,
    UpdateKey,
    coerce,
)
from airflow_provider_jodo.exceptions import (
    JodoAmbiguousJobError,
    JodoCapabilityMissingError,
    JodoConnectionError,
    JodoDuplicateError,
    JodoInvalidRequestError,
    JodoNotFoundError,
    JodoSubmissionUnconfirmedError,
)
from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.links.jodo import JodoImportJobLink, push_job_reference
from airflow_provider_jodo.loading.exetime import ExetimeInput, resolve_exetime
from airflow_provider_jodo.loading.import_report import new_report_path, write_report_line
from airflow_provider_jodo.loading.in_flight import map_in_order, prompt_thread_switching
from airflow_provider_jodo.loading.lead_files import check_lead_file
from airflow_provider_jodo.loading.lead_rules import check_lead, scalar_text
from airflow_provider_jodo.loading.operator_arguments import column_mapping as column_mapping_argument
from airflow_provider_jodo.loading.operator_arguments import on_invalid_policy, positive_int, positive_seconds
from airflow_provider_jodo.loading.progress import (
    DEFAULT_PROGRESS_EVERY_RECORDS,
    DEFAULT_PROGRESS_EVERY_SECONDS,
    ImportProgress,
    ProgressInterval,
)
from airflow_provider_jodo.loading.record_sources import (
    apply_column_mapping,
    iter_records,
    known_record_count,
    not_a_record_reason,
)
from airflow_provider_jodo.triggers.jodo import JodoImportJobTrigger
from airflow_provider_jodo.vendor.cji_policies import CJIPolicies
from airflow_provider_jodo.vendor.codes import BackMsgCode
from airflow_provider_jodo.vendor.job_matching import submission_mismatches
from airflow_provider_jodo.vendor.job_verdict import (
    JobVerdict,
    describe_job,
    describe_job_failure,
    describe_unwaitable_job,
    judge_job,
    next_look_in,
    wait_is_over,
)
from airflow_provider_jodo.vendor.models import ImportJob, ProcessDataImport
from airflow_provider_jodo.vendor.wire.cji_parameters import (
    UnencodableRecordError,
    file_key,
    refuse_url_login,
)
from airflow_provider_jodo.vendor.wire.process_data import PreparedImport

DEFAULT_BATCH_SIZE = 500  # the sandbox's default limit; set batch_size below your platform's
DEFAULT_CJI_MAX_IN_FLIGHT = 1
"""Sequential by default: two records of one phone number in flight at once would land in
either order (which one is inserted and which is the duplicate is then not defined)."""
STUCK_AFTER_TIMEOUTS = 2
DEFAULT_STUCK_AFTER_SECONDS = 24 * 3600.0
"""`stuck_after` without it: twice the `timeout`, or a day when the wait has no timeout."""
CHUNK_SPAN_BATCHES = 2
"""A chunk of input closes after this many batch sizes of records even when rejections left
its batch short, so that a long run of invalid records is not held in memory."""
REJECTIONS_REPORTED = 20
_UPDATED_CODES = {BackMsgCode.STATUS_RESET, BackMsgCode.CUSTOMER_UPDATED, BackMsgCode.PUT_IN_DIAL_LIST}
_RECORDS_OWN_FAULT_CODES = (BackMsgCode.BAD_CONTEXT, BackMsgCode.REQUIRED_FIELD_MISSING)


class JodoImportProcessDataOperator(BaseOperator):
    """Push customer records into the connection's process with ImportProcessData.

    :param records: a list of dicts (templated: an upstream task's XCom works), or
    :param source_path: a CSV (with header) or JSON-lines file (templated), read whole once
        before anything is sent (a file that cannot be, or holds no record, fails the task:
        see `lead_files`), then as a stream.
    :param media: channel code (`Media` or its number; voice 11/12 makes records dialable).
    :param update_key: `mobilenumber`, `customercode` or `crmuniquefield`: insert or update.
    :param column_mapping: source column name -> Jodo field (e.g. `{"phone": "mobilenumber"}`).
    :param call_type, call_datetime, user_login: request-level fields (`Calltype`,
        `CallDateTime` as an aware datetime or a string with an offset, `userlogin`).
    :param batch_size: records per request, at most the platform's limit.
    :param max_in_flight: requests sent at a time (default 1: one after the other; the next
        batch is read and checked while a request is on its way either way). Outcomes are
        reported in input order whatever the value.
    :param on_invalid: `reject` (default) reports records that break the platform's rules and
        pushes the others; `fail` fails the task before any call if one record is invalid.
    :param report_path: where the per-record report (JSON lines: index, key, outcome, reason,
        request id) is written; default a new file in the temp directory.
    :param progress_every_records, progress_every_seconds: a progress line (records done,
        rate, time left for a list input, rejected so far) whenever either is reached.

    Returns (XCom) a summary: request ids, counts (total = inserted + updated + accepted +
    rejected) and the report's path. Every input record ends inserted, updated, accepted or
    rejected with a reason; `accepted` means the platform took the record but its answer carries
    no per-record outcomes (an optional capability), so whether it inserted or updated it is
    unknown. Memory does not grow with the input: about `2 * max_in_flight` batches are held.
    """

    template_fields: Sequence[str] = ("records", "source_path", "call_datetime", "user_login", "report_path")

    def __init__(
        self,
        *,
        media: Media | int | str,
        update_key: UpdateKey | str,
        records: Sequence[Mapping[str, Any]] | str | None = None,
        source_path: str | None = None,
        column_mapping: Mapping[str, str] | None = None,
        call_type: str | None = None,
        call_datetime: Any = None,
        user_login: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_in_flight: int = 1,
        on_invalid: str = "reject",
        report_path: str | None = None,
        progress_every_records: int = DEFAULT_PROGRESS_EVERY_RECORDS,
        progress_every_seconds: float = DEFAULT_PROGRESS_EVERY_SECONDS,
        jodo_conn_id: str = JodoHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (records is None) == (source_path is None):
            raise ValueError("give exactly one of records and source_path")
        self.batch_size = positive_int(batch_size, "batch_size")
        self.max_in_flight = positive_int(max_in_flight, "max_in_flight")
        self.progress_interval = ProgressInterval(progress_every_records, progress_every_seconds)
        self.on_invalid = on_invalid_policy(on_invalid)
        self.column_mapping = column_mapping_argument(column_mapping)
        self.media = coerce(Media, media, "media")
        self.update_key = coerce(UpdateKey, update_key, "update_key")
        self.records = records
        self.source_path = source_path
        self.call_type = call_type
        self.call_datetime = call_datetime
        self.user_login = user_login
        self.report_path = report_path
        self.jodo_conn_id = jodo_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        call_datetime = resolve_exetime(self.call_datetime, pendulum.now("UTC"), "call_datetime")
        # A file is read whole once before anything is sent: one that cannot be read whole
        # fails here, and the progress lines know how many records it holds.
        if self.source_path is None:
            record_count = known_record_count(self.records)
        else:
            record_count = check_lead_file(self.source_path)
        if self.on_invalid == "fail":
            for index, _, reason in self._checked_records():
                if reason is not None:
                    raise AirflowFailException(f"records[{index}] is invalid: {reason}; nothing was sent")
        report_path = Path(self.report_path) if self.report_path else new_report_path(self.task_id)
        counts = {kind.value: 0 for kind in RecordOutcomeKind}
        request_ids: list[str] = []
        progress = ImportProgress(self.log, "ImportProcessData", record_count, self.progress_interval)
        hook = JodoHook(jodo_conn_id=self.jodo_conn_id)
        prepare = partial(
            hook.prepare_import,
            media=self.media,
            update_key=self.update_key,
            call_datetime=call_datetime,
            call_type=self.call_type,
            user_login=self.user_login,
        )
        try:
            self.log.info(
                "Pushing records to %s in batches of %d, %d request(s) at a time",
                hook.settings.base_url,  # resolved here, before worker threads share the hook
                self.batch_size,
                self.max_in_flight,
            )
            # Worker threads only send; this thread checks and encodes the next batches and
            # reads the answers, while requests are on their way.
            answers = map_in_order(partial(_send_chunk, hook), self._chunks(prepare), self.max_in_flight)
            with (
                report_path.open("w", encoding="utf-8") as report,
                closing(answers),
                prompt_thread_switching(),
            ):
                for chunk, answer in answers:
                    result = None
                    if chunk.request is not None and answer is not None:
                        result = hook.read_import_answer(chunk.request, answer)
                        request_ids.append(result.request_id)
                    accepted_before = counts["accepted"]
                    rejected = _report_chunk(report, chunk, result, counts)
                    progress.advance(len(chunk.entries), rejected, counts["accepted"] - accepted_before)
        finally:
            hook.close()
        progress.finish()
        total = sum(counts.values())
        self.log.info(
            "%d records: %d inserted, %d updated, %d accepted, %d rejected in %d requests; report: %s",
            total,
            counts["inserted"],
            counts["updated"],
            counts["accepted"],
            counts["rejected"],
            len(request_ids),
            report_path,
        )
        if counts["accepted"]:
            self.log.info(
                "%d records accepted: the platform took them without saying whether it inserted or "
                "updated each (its answers carry no per-record outcomes)",
                counts["accepted"],
            )
        return {"request_ids": request_ids, "total": total, **counts, "report_path": str(report_path)}

    def _chunks(self, prepare: Callable[[list[dict[str, Any]]], PreparedImport]) -> Iterator[_Chunk]:
        """The input as consecutive chunks, each with at most `batch_size` records to send,
        encoded by `prepare`."""
        entries: list[tuple[int, Any, str | None]] = []
        batch: list[dict[str, Any]] = []
        span = CHUNK_SPAN_BATCHES * self.batch_size
        for index, record, reason in self._checked_records():
            if reason is None:
                entries.append((index, None, None))
                batch.append(record)  # type: ignore[arg-type]
            else:
                # As text or None: the raw value may be anything, even what JSON cannot hold.
                key = scalar_text(record.get(self.update_key.value)) if record else None
                entries.append((index, key, reason))
            if len(batch) >= self.batch_size or len(entries) >= span:
                yield _Chunk(entries, prepare(batch) if batch else None)
                entries, batch = [], []
        if entries:
            yield _Chunk(entries, prepare(batch) if batch else None)

    def _checked_records(self) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
        """(index, mapped record or None, rejection reason or None) for every input record."""
        for index, raw in enumerate(iter_records(self.records, self.source_path)):
            if not isinstance(raw, Mapping):
                yield index, None, not_a_record_reason(raw)
                continue
            record = apply_column_mapping(raw, self.column_mapping)
            yield index, record, check_lead(record, self.update_key)[1]


@dataclass(frozen=True)
class _Chunk:
    """Consecutive input records of a ProcessData push: `entries` has one `(index, key,
    reason)` per record in input order, where a reason means rejected before sending and
    None means sent; `request` carries the records sent, in the same order (None: none)."""

    entries: list[tuple[int, Any, str | None]]
    request: PreparedImport | None


def _send_chunk(hook: JodoHook, chunk: _Chunk) -> tuple[str, int] | None:
    """Post a chunk's request (in a worker thread); its raw answer, None when nothing to send."""
    return None if chunk.request is None else hook.send_import(chunk.request)


def _report_chunk(
    report: IO[str], chunk: _Chunk, result: ProcessDataImport | None, counts: dict[str, int]
) -> int:
    """Write a chunk's report lines in input order and count its outcomes; returns how many
    of its records were rejected (before sending or by the platform)."""
    outcomes = iter(result.records if result is not None else ())  # hook: one per record sent
    rejected_value = RecordOutcomeKind.REJECTED.value
    rejected = 0
    for index, key, reason in chunk.entries:
        if reason is not None:
            write_report_line(report, index, key, rejected_value, reason, None)
            counts[rejected_value] += 1
            rejected += 1
            continue
        outcome = next(outcomes)
        kind = outcome.outcome.value
        write_report_line(report, index, outcome.key, kind, outcome.reason, result.request_id)  # type: ignore[union-attr]
        counts[kind] += 1
        rejected += kind == rejected_value
    return rejected


def _due_at(earlier: Mapping[str, Any]) -> pendulum.DateTime | None:
    """When the job an earlier try left in the task state store was due to run (UTC), if known."""
    due = earlier.get("runs_from") or earlier.get("submitted_at")
    return pendulum.parse(due) if due else None


def _is_template(value: str) -> bool:
    return "{{" in value or "{%" in value


class JodoImportCJIOperator(BaseOperator):
    """Import customers into campaign `campaign_id` with astercc importCJI.

    :param campaign_id: the campaign (`model_id`).
    :param source: `data` (inline `records`), `http` or `ftp` (the CSV at `file_url`).
    :param records: for `data`, a list of dicts (field or display name -> value); templated, so
        an upstream task's XCom works. One call per record; each record ends inserted,
        updated, skipped (a duplicate the policies left alone) or rejected with its reason.
    :param max_in_flight: for `data`, calls made at a time, each on its own kept-alive
        connection (default 1); the platform never sees more at once. Raise it (4 to 8) when
        the input has each phone number once: duplicates in flight together land in any order.
    :param progress_every_records, progress_every_seconds: for `data`, a progress line
        (records done, rate, time left, rejected so far) whenever either is reached.
    :param file_url: for `http`/`ftp`, the CSV's URL (templated).
    :param source_conn_id: optional Airflow connection whose login/password the platform uses
        to fetch `file_url` (kept out of templates so that they never render).
    :param exetime: when the job runs: an aware datetime, a duration from now, or a templated
        string with an offset (e.g. `{{ data_interval_end }}`); None means now. Sent in the
        connection's time zone.
    :param policies: the importCJI policies as one `CJIPolicies`, or pass its fields as flat
        keyword arguments: `delrow` (leading lines of the file to drop, 1 for a header line),
        `phone_field`, `priority_field`, `dialtime_field` (the dial list's columns),
        `empty_agent`, `reset_status`, `duplicate_way` (`update` or `skip`),
        `dial_list_duplicates` (`ignoreDuplicate`, `all`, `ignoreSuccess`) and
        `change_package` (`skip`, `unassignToCurrent`, `reassignToCurrent`).
    :param wait_for_completion: wait for an http/ftp job to end (default true).
    :param poll_interval: seconds between status checks.
    :param timeout: seconds to wait after the job's scheduled time (None: no limit).
    :param stuck_after: seconds a job may stay scheduled or running past its scheduled time
        before it counts as stuck (default twice `timeout`, or a day without one). A stuck job
        fails the task, not retryable, naming the job and its page, instead of being waited
        for again by every retry (a platform restart can leave a job `running` for good).
    :param resubmit_stuck_job: let a later try submit the file anew when the earlier try's job
        is stuck (default false: should the stuck job wake up, the file would be imported twice).
    :param deferrable: wait in the triggerer (default `[operators] default_deferrable`).

    On a retry of the same task instance, a job submitted by an earlier try is reused, not
    submitted again (Airflow >= 3.3 task state store).
    """

    template_fields: Sequence[str] = ("campaign_id", "records", "file_url", "exetime")
    ui_color = "#e8f4fd"
    operator_extra_links = (JodoImportJobLink(),)

    def __init__(
        self,
        *,
        campaign_id: int | str,
        source: CJISource | str,
        records: Sequence[Mapping[str, Any]] | str | None = None,
        file_url: str | None = None,
        source_conn_id: str | None = None,
        exetime: ExetimeInput = None,
        policies: CJIPolicies | None = None,
        wait_for_completion: bool = True,
        poll_interval: float = 60.0,
        timeout: float | None = None,
        stuck_after: float | None = None,
        resubmit_stuck_job: bool = False,
        max_in_flight: int = DEFAULT_CJI_MAX_IN_FLIGHT,
        progress_every_records: int = DEFAULT_PROGRESS_EVERY_RECORDS,
        progress_every_seconds: float = DEFAULT_PROGRESS_EVERY_SECONDS,
        jodo_conn_id: str = JodoHook.default_conn_name,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        # Checked here, at parse time: a typo fails the DAG, not a 6 a.m. run.
        self.policies = CJIPolicies.from_arguments(policies, kwargs)
        super().__init__(**kwargs)
        self.source = coerce(CJISource, source, "source")
        self.max_in_flight = positive_int(max_in_flight, "max_in_flight")
        self.progress_interval = ProgressInterval(progress_every_records, progress_every_seconds)
        if self.source is CJISource.DATA and file_url is not None:
            raise ValueError("source='data' takes records, not file_url")
        if self.source is not CJISource.DATA and records is not None:
            raise ValueError(f"source={self.source.value!r} takes file_url, not records")
        self.campaign_id = campaign_id
        self.records = records
        if isinstance(file_url, str) and not _is_template(file_url):
            refuse_url_login(file_url)  # at parse time: the DAG fails, nothing is stored
        self.file_url = file_url
        self.source_conn_id = source_conn_id
        self.exetime = exetime
        self.wait_for_completion = wait_for_completion
        self.poll_interval = positive_seconds(poll_interval, "poll_interval")
        self.timeout_seconds = None if timeout is None else positive_seconds(timeout, "timeout")
        if stuck_after is not None:
            self.stuck_after = positive_seconds(stuck_after, "stuck_after")
        elif self.timeout_seconds is not None:
            self.stuck_after = STUCK_AFTER_TIMEOUTS * self.timeout_seconds
        else:
            self.stuck_after = DEFAULT_STUCK_AFTER_SECONDS
        self.resubmit_stuck_job = bool(resubmit_stuck_job)
        self.jodo_conn_id = jodo_conn_id
        self.deferrable = deferrable
        self._job_id: str | None = None

    # Entry points ----------------------------------------------------------------------------

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        """Render, then refuse a `file_url` that rendered with a login before Airflow stores the
        rendered fields (the password is registered for masking first, so that even the error
        path shows it masked)."""
        super().render_template_fields(context, jinja_env)
        if isinstance(self.file_url, str):
            password = urlsplit(self.file_url).password
            if password:
                mask_secret(password)
                mask_secret(quote(password, safe=""))
            refuse_url_login(self.file_url)

    def execute(self, context: Any) -> Any:
        hook = JodoHook(jodo_conn_id=self.jodo_conn_id)
        try:
            if self.source is CJISource.DATA:
                return self._import_records(hook)
            return self._import_file(hook, context)
        finally:
            hook.close()

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger: the job's final counts, or a failure naming the job."""
        if event["status"] == "success":
            self.log.info("%s", event["message"])
            return event["job"]
        if event["status"] == "failed":
            raise AirflowFailException(event["message"])
        # Timed out, or the platform could not be asked: the job may still run, and a retry
        # of this task waits for it again rather than submitting anew.
        raise AirflowException(event["message"])

    def on_kill(self) -> None:
        if self._job_id is not None:
            self.log.warning(
                "Task killed: import job %s keeps running on the platform (importCJI has no cancel "
                "method); cancel it in the console if needed.",
                self._job_id,
            )

    # source=data ----------------------------------------------------------------------------

    def _import_records(self, hook: JodoHook) -> dict[str, Any]:
        counts = {"inserted": 0, "updated": 0, "skipped": 0, "rejected": 0}
        rejections: list[dict[str, Any]] = []
        progress = ImportProgress(
            self.log,
            f"importCJI into campaign {self.campaign_id}",
            known_record_count(self.records),
            self.progress_interval,
        )
        self.log.info(
            "Importing records into campaign %s at %s, %d call(s) at a time",
            self.campaign_id,
            hook.settings.base_url,  # resolved here, before worker threads share the hook
            self.max_in_flight,
        )
        outcomes = map_in_order(
            partial(self._import_one, hook), iter_records(self.records, None), self.max_in_flight
        )
        with closing(outcomes):
            for index, (_, (outcome, reason)) in enumerate(outcomes):
                counts[outcome] += 1
                if reason is not None and len(rejections) < REJECTIONS_REPORTED:
                    self.log.warning("records[%d] rejected: %s", index, reason)
                    rejections.append({"index": index, "reason": reason})
                progress.advance(1, reason is not None)
        progress.finish()
        total = sum(counts.values())
        summary = {"campaign_id": str(self.campaign_id), "total": total, **counts, "rejections": rejections}
        self.log.info(
            "campaign %s: %d records, %d inserted, %d updated, %d skipped, %d rejected",
            self.campaign_id,
            total,
            *counts.values(),
        )
        return summary

    def _import_one(self, hook: JodoHook, record: Any) -> tuple[str, str | None]:
        """(outcome, rejection reason) for one record; errors about the record itself reject
        it, anything else (credentials, campaign, platform) fails the task."""
        if not isinstance(record, Mapping):
            return "rejected", f"not a dict but {type(record).__name__}"
        try:
            result = hook.import_cji(
                campaign_id=self.campaign_id, source=CJISource.DATA, record=record, policies=self.policies
            )
        except JodoDuplicateError:
            return "skipped", None
        except JodoInvalidRequestError as error:
            if error.code in _RECORDS_OWN_FAULT_CODES:
                return "rejected", str(error)
            raise
        except UnencodableRecordError as error:  # cannot be sent as source=data without mangling it
            # Only this record's fault rejects it: any other ValueError (a bad campaign_id, a
            # connection without a password) fails the task instead of rejecting every record.
            return "rejected", str(error)
        return ("updated" if result.code in _UPDATED_CODES else "inserted"), None

    # source=http|ftp ------------------------------------------------------------------------

    def _import_file(self, hook: JodoHook, context: Any) -> Any:
        exetime = resolve_exetime(self.exetime, pendulum.now("UTC"))
        store = context.get("task_state_store") if isinstance(context, Mapping) else None
        # Keyed by a digest: the URL may carry a signed query (a token) that must not be stored.
        state_key = f"jodo_cji_job:{self.campaign_id}:{file_key(str(self.file_url))}"
        job_id = None
        if store is not None:
            job_id = self._job_of_earlier_try(hook, store.get(state_key), state_key)
        if job_id is None:
            job_id = self._submit_once(hook, exetime, store, state_key)
        self._job_id = job_id
        job_url = hook.job_page_url(job_id)
        push_job_reference(context, job_id, job_url)
        if not self.wait_for_completion:
            return job_id
        start_of_wait = max(pendulum.now("UTC"), exetime or pendulum.now("UTC"))
        end_time = None if self.timeout_seconds is None else start_of_wait.timestamp() + self.timeout_seconds
        if self.deferrable:
            # One look before handing over (as dbt and ADF do): a job that already ended, or a
            # platform that cannot report on jobs, needs no trigger.
            job = self._job_now(hook, job_id, job_url, end_time)
            if judge_job(job) is JobVerdict.SUCCEEDED:
                self.log.info("%s", describe_job(job))
                return job.to_dict()
            self.defer(
                trigger=JodoImportJobTrigger(job_id, self.jodo_conn_id, self.poll_interval, end_time),
                method_name="execute_complete",
                timeout=None if end_time is None else timedelta(seconds=max(0.0, end_time - time.time())),
            )
        return self._wait(hook, job_id, job_url, end_time).to_dict()

    def _submit_once(self, hook: JodoHook, exetime: Any, store: Any, state_key: str) -> str:
        """Submit the job, leaving in the task state store (when there is one) what a retry
        needs to find it should this try die before the answer: the campaign's jobs for the
        file before the submission, and what the submission sent and when (to tell its job
        from another run's), or, on a platform that cannot list jobs, the fact that a
        submission was under way (the retry then stops rather than import the file twice)."""
        if store is None:
            self.log.warning(
                "This Airflow has no task state store (Airflow >= 3.3): a retry of this task "
                "will submit the import again rather than reuse this try's job"
            )
            return self._submit_unconfirmed_as_failure(hook, exetime, None)
        submitted_with = hook.submission_options(source=self.source, exetime=exetime, policies=self.policies)
        jobs = hook.find_import_jobs(campaign_id=self.campaign_id, file_url=self.file_url)
        known_job_ids = None if jobs is None else [job.job_id for job in jobs]
        submitted_at = pendulum.now("UTC")
        runs_from = pendulum.instance(max(submitted_at, exetime or submitted_at)).to_iso8601_string()
        store.set(
            state_key,
            {
                "job_id": None,
                "known_job_ids": known_job_ids,
                "submitted_at": submitted_at.to_iso8601_string(),
                "runs_from": runs_from,
                "submitted_with": submitted_with,
            },
        )
        try:
            job_id = self._submit_unconfirmed_as_failure(hook, exetime, known_job_ids)
        except AirflowFailException:
            raise  # unconfirmed or ambiguous: the mark stays, so that no retry imports blindly
        except BaseException:
            if known_job_ids is None:  # the submission surely did not take: a retry may submit
                store.delete(state_key)
            raise
        store.set(state_key, {"job_id": job_id, "runs_from": runs_from})
        return job_id

    def _submit_unconfirmed_as_failure(
        self, hook: JodoHook, exetime: Any, known_job_ids: list[str] | None
    ) -> str:
        try:
            return self._submit(hook, exetime, known_job_ids)
        except (JodoSubmissionUnconfirmedError, JodoAmbiguousJobError) as error:
            raise AirflowFailException(str(error)) from None

    def _job_of_earlier_try(
        self, hook: JodoHook, earlier: Mapping[str, Any] | None, state_key: str
    ) -> str | None:
        """The job an earlier try of this task instance submitted, if a retry should keep
        waiting for it: it is scheduled, running or succeeded (or cannot be asked about). A
        failed, cancelled or vanished job, or one that now imports another file or into another
        campaign (a platform that reuses ids), means the retry is to try the import again. An
        earlier try that died before its submission was answered left the jobs it saw before
        submitting and what it sent: the one newer job that reports those parameters is its
        job. If the platform cannot list jobs, or two jobs could be its own, nothing tells, and
        the retry fails rather than risk importing the file twice."""
        if not earlier:
            return None
        job_id = earlier.get("job_id")
        if not job_id:
            known_job_ids = earlier.get("known_job_ids")
            if known_job_ids is None:
                raise AirflowFailException(self._unconfirmed_earlier_try(hook, earlier, state_key))
            submitted_at = earlier.get("submitted_at")
            try:
                job_id = hook.find_new_import_job(
                    campaign_id=self.campaign_id,
                    file_url=self.file_url,
                    known_job_ids=known_job_ids,
                    submitted_with=earlier.get("submitted_with"),
                    submitted_at=pendulum.parse(submitted_at) if submitted_at else None,
                )
            except JodoCapabilityMissingError:
                raise AirflowFailException(self._unconfirmed_earlier_try(hook, earlier, state_key)) from None
            except JodoAmbiguousJobError as error:
                raise AirflowFailException(str(error)) from None
            if job_id is None:
                return None
            self.log.info("Found import job %s, submitted by an earlier try that got no answer", job_id)
        job = None
        try:
            job = hook.get_import_job(job_id)
        except JodoNotFoundError:
            verdict = JobVerdict.FAILED
        except JodoCapabilityMissingError as error:
            self.log.warning("Cannot check import job %s of an earlier try (%s); reusing it", job_id, error)
            verdict = JobVerdict.IN_PROGRESS
        else:
            if self._imports_something_else(hook, job):
                return None
            verdict = judge_job(job)
        if verdict is JobVerdict.FAILED:
            self.log.info("Import job %s of an earlier try ended without success; submitting anew", job_id)
            return None
        if job is not None and verdict is JobVerdict.IN_PROGRESS and self._is_stuck(earlier):
            stuck = self._describe_stuck(hook, job, earlier)
            if not self.resubmit_stuck_job:
                raise AirflowFailException(
                    f"{stuck}. Not waiting for it again. To import the file anew, set "
                    "resubmit_stuck_job=True and clear the task (should the stuck job wake up, the file "
                    "would be imported twice)"
                )
            self.log.warning("%s; resubmit_stuck_job=True: submitting the file anew", stuck)
            return None
        self.log.info("Reusing import job %s submitted by an earlier try of this task", job_id)
        return job_id

    def _is_stuck(self, earlier: Mapping[str, Any]) -> bool:
        """Whether the earlier try's job has been due longer than `stuck_after` (judged by our
        own clock: the time it was due to run, kept in the task state store)."""
        due_at = _due_at(earlier)
        return due_at is not None and (pendulum.now("UTC") - due_at).total_seconds() > self.stuck_after

    def _describe_stuck(self, hook: JodoHook, job: ImportJob, earlier: Mapping[str, Any]) -> str:
        page = hook.job_page_url(job.job_id)
        return (
            f"import job {job.job_id} (job page: {page}) is still {job.state.value}, though it was due "
            f"at {_due_at(earlier)} (UTC), more than stuck_after={self.stuck_after:g} s ago: it looks "
            "stuck (a platform restart can leave a job running for good)"
        )

    def _imports_something_else(self, hook: JodoHook, job: ImportJob) -> bool:
        """Whether the job an earlier try stored now reports another file or campaign: a
        platform restarted on an empty database hands the same ids out again. A status that
        reports neither cannot tell, and the job is taken as the earlier try's."""
        submission = hook.file_job_submission(campaign_id=self.campaign_id, file_url=self.file_url)
        mismatches = submission_mismatches(job, submission, pendulum.now("UTC"))
        if mismatches:
            self.log.warning(
                "Import job %s, submitted by an earlier try, now reports another %s (the platform "
                "has reused its id, e.g. after a restart on an empty database): it is not this task's "
                "import; submitting anew",
                job.job_id,
                " and ".join("campaign" if name == "model_id" else "file" for name in mismatches),
            )
        return bool(mismatches)

    def _unconfirmed_earlier_try(self, hook: JodoHook, earlier: Mapping[str, Any], state_key: str) -> str:
        return (
            f"An earlier try of this task submitted the import of {hook.redact(str(self.file_url))} into "
            f"campaign {self.campaign_id} (at {earlier.get('submitted_at') or 'an unknown time'}, UTC) "
            "and got no answer: a job may have been created, and the platform cannot list a "
            "campaign's jobs to tell. Not submitting again, so that the file is not imported twice. "
            f"Check the campaign's import jobs in the console (job pages: {hook.job_pages_url()}); "
            f"to import anyway, delete this task's state store key {hook.redact(state_key)!r} "
            "(REST API: DELETE .../taskInstances/{task_id}/state-store/{key}) and clear the task"
        )

    def _submit(self, hook: JodoHook, exetime: Any, known_job_ids: list[str] | None) -> str:
        source_user, source_pwd = "", ""
        if self.source_conn_id:
            source_conn = BaseHook.get_connection(self.source_conn_id)
            source_user, source_pwd = source_conn.login or "", source_conn.password or ""
        result = hook.import_cji(
            campaign_id=self.campaign_id,
            source=self.source,
            file_url=self.file_url,
            source_user=source_user,
            source_pwd=source_pwd,
            exetime=exetime,
            known_job_ids=known_job_ids,
            policies=self.policies,
        )
        assert result.job_id is not None  # the hook guarantees a job id for http/ftp
        return result.job_id

    def _job_now(self, hook: JodoHook, job_id: str, job_url: str, end_time: float | None) -> ImportJob:
        """The job's state now, asked by `end_time` at the latest; a failed job or a platform
        without a status method fails the task without a retry (another try cannot change
        either), a platform that cannot answer by `end_time` fails it as timed out."""
        try:
            job = hook.get_import_job(job_id, deadline=end_time)
        except JodoCapabilityMissingError as error:
            raise AirflowFailException(describe_unwaitable_job(job_id, job_url, error)) from None
        except JodoConnectionError as error:
            if wait_is_over(end_time):
                raise AirflowException(f"timed out waiting for import job {job_id}: {error}") from None
            raise
        if judge_job(job) is JobVerdict.FAILED:
            raise AirflowFailException(describe_job_failure(job))
        return job

    def _wait(self, hook: JodoHook, job_id: str, job_url: str, end_time: float | None) -> ImportJob:
        while True:
            job = self._job_now(hook, job_id, job_url, end_time)
            if judge_job(job) is JobVerdict.SUCCEEDED:
                self.log.info("%s", describe_job(job))
                return job
            if wait_is_over(end_time):
                raise AirflowException(f"timed out waiting: {describe_job(job)}")
            self.log.info("%s; next check in %.0f s", describe_job(job), self.poll_interval)
            time.sleep(next_look_in(self.poll_interval, end_time))
