"""Push customer records into a Jodo process with ImportProcessData.

`JodoImportProcessDataOperator` validates each record against the platform's rules, batches the
valid ones below the platform's per-request limit and upserts them, writing a per-record report.
It streams its input (a file or an upstream task's list is never copied whole), keeps at most
`max_in_flight` requests running against the platform, reports outcomes in input order and logs
progress (`airflow_provider_jodo.loading.progress`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pendulum
from airflow.sdk import Asset, BaseOperator

from airflow_provider_jodo.assets import PROCESS_IMPORTS, jodo_process_asset
from airflow_provider_jodo.compat.airflow import AirflowFailException
from airflow_provider_jodo.enums import Media, RecordOutcomeKind, UpdateKey, coerce
from airflow_provider_jodo.hooks.connection import JodoConnectionSettings
from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.loading.checks import (
    DEFAULT_MIN_LOADED,
    check_loaded,
    min_loaded_argument,
    on_invalid_policy,
    positive_int,
    records_with_known_columns,
)
from airflow_provider_jodo.loading.checks import column_mapping as column_mapping_argument
from airflow_provider_jodo.loading.hygiene import HygieneSettings, LeadHygiene
from airflow_provider_jodo.loading.import_report import (
    default_report_location,
    first_rejection,
    new_report_path,
    remove_if_empty,
    report_line,
)
from airflow_provider_jodo.loading.in_flight import map_in_order, prompt_thread_switching
from airflow_provider_jodo.loading.lead_files import check_lead_file
from airflow_provider_jodo.loading.lead_rules import check_lead, scalar_text
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
from airflow_provider_jodo.loading.storage import local_source, local_target, printable_uri
from airflow_provider_jodo.operators.lineage import ImportLineage, location_lineage
from airflow_provider_jodo.protocol.exetime import resolve_exetime
from airflow_provider_jodo.protocol.models import ProcessDataImport
from airflow_provider_jodo.protocol.wire.customer_web_service import PreparedImport

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Context

DEFAULT_BATCH_SIZE = 500
"""Records per ImportProcessData request unless `batch_size` says otherwise. The vendor documents
no per-request limit (a platform that has one refuses a larger request: set `batch_size` below
it). What bounds a request is its body: one url-encoded form field, the JSON posted almost raw
(`protocol/wire/customer_web_service.py`), which the platform's servlet parses as a form;
servlet containers parse at most 2 MiB of a form body by default (Tomcat's `maxPostSize`), and
beyond it `data` is missing. A record of the documented fields is about 280 bytes, so 500 make
about 140 KB, with room for records several times larger (twenty 100-character extra fields:
about 1.3 MB). The answer, one outcome per record, stays small beside `max_answer_bytes`, and a
failed request is resent whole (upserts make that safe), so a batch is also what one retry
costs."""
CHUNK_SPAN_BATCHES = 2
"""A chunk of input closes after this many batch sizes of records even when rejections left
its batch short, so that a long run of invalid records is not held in memory."""


class JodoImportProcessDataOperator(ImportLineage, BaseOperator):
    """Push customer records into the connection's process with ImportProcessData.

    Give exactly one of `records` and `source_path`. Returns (XCom) a summary: `request_ids`
    (the platform's id of each request, in input order), the counts `total`, `inserted`,
    `updated`, `accepted`, `skipped` and `rejected` (they add up to `total`), and `report_path`
    (the per-record report). Every input record ends inserted, updated, accepted or rejected
    with a reason; `accepted` means the platform took the record but its answer carries no
    per-record outcomes (an optional capability), so whether it inserted or updated it is
    unknown. `skipped` is 0 unless the platform's per-record outcomes call a record skipped
    (Jodo upserts): the counts are one per `RecordOutcomeKind`, the words importCJI uses too.
    Memory does not grow with the input: about `2 * max_in_flight` batches are held. With
    `phone_region`, the summary also counts `phone_normalised` (records sent with a number
    rewritten; their report line says from what) and `phone_invalid` (records rejected for a
    number, within `rejected`): see `loading.hygiene`. Records whose update key an earlier
    record of the input had are counted as `duplicate_in_input` (present when there were some,
    or with `on_duplicate_in_input` `first` or `reject`), each with its report line naming the
    row that won or the row it replaced; the key index this takes grows with the input's
    distinct keys (16 to 32 bytes each). With `suppression_path` or `suppression_sql`, records
    with a number on the do-not-call list are not sent: outcome `skipped`, counted as
    `suppressed`. With `skip_unchanged`, records the platform accepted as they are in an
    earlier successful run are not sent: outcome `skipped`, counted as `unchanged` (they count
    as landed for `min_loaded`).

    On success, the process's asset (`jodo_process_asset`) gets an event through the alias
    `jodo-process-imports`, which the operator adds to its outlets; its extra holds the counts,
    the number of requests and the report's location. OpenLineage (optional): input the
    `source_path` file (none for `records`), output the process with the records landed.

    :param media: channel code (`Media` or its number; voice 11/12 makes records dialable).
    :param update_key: `mobilenumber`, `customercode` or `crmuniquefield`: insert or update.
    :param records: a list of dicts (templated: an upstream task's XCom works).
    :param source_path: a CSV (with header) or JSON-lines file (templated): a local path or an
        object-storage URI (`s3://`, `gs://`, `abfs://`, `file://`, ...: any that
        `airflow.sdk.ObjectStoragePath` opens, copied first to the worker's temp directory in
        blocks). It is read whole once before anything is sent (a file that cannot be, or holds
        no record, fails the task: see `lead_files`), then as a stream.
    :param column_mapping: source column name -> Jodo field (e.g. `{"phone": "mobilenumber"}`).
    :param call_type: the request's `Calltype`.
    :param call_datetime: the request's `CallDateTime`, an aware datetime or a string with an
        offset (templated).
    :param user_login: the platform login the records are assigned to (`userlogin`, templated).
    :param batch_size: records per request, at most the platform's limit.
    :param max_in_flight: requests sent at a time (default 1: one after the other; the next
        batch is read and checked while a request is on its way either way). Outcomes are
        reported in input order whatever the value.
    :param on_invalid: `reject` (default) reports records that break the platform's rules and
        pushes the others; `fail` fails the task before any call if one record is invalid.
    :param min_loaded: fail unless at least this many input records land (inserted, updated or
        accepted); default 1, so an empty input or one whose every record is rejected fails the
        task, naming the first rejection. 0 lets such a run succeed.
    :param report_path: where the per-record report (JSON lines: index, key, outcome, reason,
        request id) is written (templated): a local path (its folders are created) or an
        object-storage URI, uploaded when the run ends. Default: under the provider option
        `[jodo] report_base`, one name per DAG run, task, map index and try (see
        `import_report.default_report_location`), else a new file in the worker's temp
        directory, which tasks on other workers cannot read.
    :param storage_conn_id: the Airflow connection of the object store of `source_path` and
        `report_path` URIs (None: the store's default connection); a default report under
        `report_base` uses `[jodo] report_conn_id`.
    :param progress_every_records: log a progress line (records done, rate, time left for a list
        input, rejected so far) every this many records, or every `progress_every_seconds`,
        whichever comes first.
    :param progress_every_seconds: log a progress line at least this often (seconds).
    :param phone_region: the region (ISO 3166, e.g. `"IN"`) of numbers written without their
        country code; with it, `mobilenumber` and the `phone_fields` are rewritten into E.164
        (with or without `+` as the connection's `phone_plus` says) and a record whose number
        is impossible or invalid is rejected with the reason. None (default): numbers are sent
        as they are read.
    :param phone_fields: more fields holding phone numbers, normalised with `phone_region`.
    :param on_duplicate_in_input: what becomes of a record whose update key (normalised) an
        earlier record of the input had: `last` (default) sends it, and the platform keeps the
        last; `first` skips it (outcome `skipped`); `reject` rejects it.
    :param suppression_path: a do-not-call list (templated; local or object storage, through
        `storage_conn_id`): one number a line, or the CSV column `suppression_column`; needs
        `phone_region`, by which its numbers are normalised as the records' are. A record with
        a phone number on it is not sent (outcome `skipped`, counted as `suppressed`).
    :param suppression_column: the column of a CSV `suppression_path` that holds the numbers.
    :param suppression_sql: a do-not-call list that lives in a database: a query (templated, or
        a `.sql` file) whose rows' first column holds the numbers, run on `suppression_conn_id`
        and streamed; NULLs and blank values are skipped, integers are read as written. Numbers
        are normalised as `suppression_path`'s are (it needs `phone_region`); not with
        `suppression_path`.
    :param suppression_conn_id: the Airflow SQL connection (any database with an Airflow
        provider) `suppression_sql` runs on.
    :param skip_unchanged: leave out a record whose update key (normalised) and content (as it
        would be sent) are what the platform accepted in an earlier successful run (outcome
        `skipped`, counted as `unchanged`); needs `state_path`. False (default) with a
        `state_path`: send everything and refresh the state.
    :param state_path: where the digests of the records the platform accepted are kept
        (templated; local or object storage, through `storage_conn_id`), written whole only
        once a run has succeeded. See `loading.hygiene`.
    :param jodo_conn_id: the `jodo` connection.
    """

    template_fields: Sequence[str] = (
        "records",
        "source_path",
        "call_datetime",
        "user_login",
        "report_path",
        "suppression_path",
        "suppression_sql",
        "state_path",
    )
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"suppression_sql": "sql"}
    import_alias = PROCESS_IMPORTS

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
        min_loaded: int = DEFAULT_MIN_LOADED,
        report_path: str | None = None,
        storage_conn_id: str | None = None,
        progress_every_records: int = DEFAULT_PROGRESS_EVERY_RECORDS,
        progress_every_seconds: float = DEFAULT_PROGRESS_EVERY_SECONDS,
        phone_region: str | None = None,
        phone_fields: Sequence[str] | None = None,
        on_duplicate_in_input: str = "last",
        suppression_path: str | None = None,
        suppression_column: str | None = None,
        suppression_sql: str | None = None,
        suppression_conn_id: str | None = None,
        skip_unchanged: bool = False,
        state_path: str | None = None,
        jodo_conn_id: str = JodoHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        """Check every argument that is not templated, so that a typo fails the DAG at parse time."""
        super().__init__(**kwargs)
        if (records is None) == (source_path is None):
            raise ValueError("give exactly one of records and source_path")
        self.batch_size = positive_int(batch_size, "batch_size")
        self.max_in_flight = positive_int(max_in_flight, "max_in_flight")
        self.progress_interval = ProgressInterval(progress_every_records, progress_every_seconds)
        self.on_invalid = on_invalid_policy(on_invalid)
        self.min_loaded = min_loaded_argument(min_loaded)
        self.column_mapping = column_mapping_argument(column_mapping)
        self.media = coerce(Media, media, "media")
        self.update_key = coerce(UpdateKey, update_key, "update_key")
        self.records = records
        self.source_path = source_path
        self.call_type = call_type
        self.call_datetime = call_datetime
        self.user_login = user_login
        self.report_path = report_path
        self.storage_conn_id = storage_conn_id
        self.hygiene_settings = HygieneSettings.from_arguments(
            phone_region=phone_region,
            phone_fields=phone_fields,
            on_duplicate_in_input=on_duplicate_in_input,
            suppression_path=suppression_path,
            suppression_column=suppression_column,
            suppression_sql=suppression_sql,
            suppression_conn_id=suppression_conn_id,
            skip_unchanged=skip_unchanged,
            state_path=state_path,
        )
        self.suppression_path = suppression_path
        self.suppression_sql = suppression_sql
        self.state_path = state_path
        self.jodo_conn_id = jodo_conn_id
        self.add_outlets([PROCESS_IMPORTS])

    def import_asset(self) -> Asset:
        """Give the asset of the connection's process."""
        return jodo_process_asset(self.jodo_conn_id)

    def lineage_inputs(self) -> OperatorLineage:
        """Give the `source_path` file as OpenLineage's input (none for `records`)."""
        return location_lineage(self.source_path)

    def execute(self, context: Context) -> dict[str, Any]:
        """Check, batch and push the records; return the summary described in the class docstring."""
        call_datetime = resolve_exetime(self.call_datetime, pendulum.now("UTC"), "call_datetime")
        hygiene = self.hygiene_settings.lead_hygiene(
            ("mobilenumber",),
            self._phone_plus,
            suppression_path=self.suppression_path,
            suppression_sql=self.suppression_sql,
            storage_conn_id=self.storage_conn_id,
            state_path=self.state_path,
            log=self.log,
        )
        with local_source(self.source_path, self.storage_conn_id, "source_path") as source_file:
            record_count = self._check_input(source_file, hygiene.anew())
            report_location, report_conn_id = self._report_location(context)
            with local_target(report_location, report_conn_id, "report_path") as report_path:
                run_input = _Input(source_file, record_count, hygiene)
                counts, request_ids = self._push_reported(call_datetime, run_input, report_path)
                cleaned = hygiene.summary_counts()
                total = sum(counts.values())
                self._log_outcomes(counts, hygiene, len(request_ids), report_location)
                # A record left out for the do-not-call list did not land (a skipped duplicate did:
                # the row that won carried its key; an unchanged one is there as it is).
                loaded = total - counts["rejected"] - hygiene.suppressed
                if loaded < self.min_loaded:
                    what = f"ImportProcessData (report: {printable_uri(report_location)})"
                    check_loaded(loaded, total, self.min_loaded, what, first_rejection(report_path))
        hygiene.write_state(self.log)  # the run succeeded
        extra: dict[str, Any] = {"total": total, **counts, **cleaned, "requests": len(request_ids)}
        extra["report_path"] = printable_uri(report_location)
        self.record_import(context, extra, loaded - hygiene.unchanged, cleaned)
        summary = {"request_ids": request_ids, "total": total, **counts, **cleaned}
        return {**summary, "report_path": report_location}

    def _phone_plus(self) -> bool:
        """Return the connection's `phone_plus` (read only when the hygiene step rewrites numbers)."""
        return JodoConnectionSettings.from_connection_id(self.jodo_conn_id).phone_plus

    def _report_location(self, context: Context) -> tuple[str, str | None]:
        """Return where the report goes and the connection of its store.

        That is `report_path`, else under `[jodo] report_base`, else a new temp file, which
        tasks on other workers cannot read (logged).
        """
        if self.report_path:
            return self.report_path, self.storage_conn_id
        shared = default_report_location(context)
        if shared is not None:
            return shared
        report_path = new_report_path(self.task_id)
        self.log.info(
            "The report goes to %s on this worker's disk: tasks on other workers cannot read it; set "
            "[jodo] report_base (AIRFLOW__JODO__REPORT_BASE) to a location they share, e.g. s3://...",
            report_path,
        )
        return str(report_path), None

    def _push_reported(
        self, call_datetime: Any, run_input: _Input, report_path: Path
    ) -> tuple[dict[str, int], list[str]]:
        """Push the input, writing the report to `report_path`; return the counts and request ids.

        A default report that no line was written to is removed when the push fails.
        """
        counts = {kind.value: 0 for kind in RecordOutcomeKind}
        hook = JodoHook(jodo_conn_id=self.jodo_conn_id)
        try:
            request_ids = self._push(hook, call_datetime, run_input, report_path, counts)
        except BaseException:
            if not self.report_path:
                remove_if_empty(report_path)
            raise
        finally:
            hook.close()
        return counts, request_ids

    def _log_outcomes(
        self, counts: dict[str, int], hygiene: LeadHygiene, requests: int, report_location: str
    ) -> None:
        """Log the run's counts (the hygiene step's too, when on), and what `accepted` means."""
        self.log.info(
            "%d records: %d inserted, %d updated, %d accepted, %d rejected in %d requests; report: %s",
            sum(counts.values()),
            counts["inserted"],
            counts["updated"],
            counts["accepted"],
            counts["rejected"],
            requests,
            printable_uri(report_location),
        )
        hygiene.log_counts(self.log)
        if counts["accepted"]:
            self.log.info(
                "%d records accepted: the platform took them without saying whether it inserted or "
                "updated each (its answers carry no per-record outcomes)",
                counts["accepted"],
            )

    def _check_input(self, source_file: str | None, hygiene: LeadHygiene) -> int | None:
        """Return how many records the input holds (None: unknown), failing on what cannot be pushed.

        A file (`source_file`, the local copy of `source_path`) is read whole once before
        anything is sent: one that cannot be read whole fails here, and the progress lines know
        how many records it holds. With `on_invalid="fail"`, one invalid record fails the task
        before any call (`hygiene`: the step of that pass).
        """
        if source_file is None:
            record_count = known_record_count(self.records)
        else:
            record_count = check_lead_file(source_file)
        if self.on_invalid == "fail":
            checked = self._checked_records(source_file, hygiene)
            for index, _, outcome, reason in checked:
                if outcome == RecordOutcomeKind.REJECTED.value:
                    raise AirflowFailException(f"records[{index}] is invalid: {reason}; nothing was sent")
        return record_count

    def _push(
        self,
        hook: JodoHook,
        call_datetime: Any,
        run_input: _Input,
        report_path: Path,
        counts: dict[str, int],
    ) -> list[str]:
        """Send every batch, write the report and count the outcomes; return the request ids."""
        request_ids: list[str] = []
        progress = ImportProgress(
            self.log, "ImportProcessData", run_input.record_count, self.progress_interval
        )
        prepare = partial(
            hook.prepare_import,
            media=self.media,
            update_key=self.update_key,
            call_datetime=call_datetime,
            call_type=self.call_type,
            user_login=self.user_login,
        )
        self.log.info(
            "Pushing records to %s in batches of %d, %d request(s) at a time",
            hook.settings.base_url,  # resolved here, before worker threads share the hook
            self.batch_size,
            self.max_in_flight,
        )
        # Worker threads only send; this thread checks and encodes the next batches and reads
        # the answers, while requests are on their way.
        answers = map_in_order(
            partial(_send_chunk, hook), self._chunks(prepare, run_input), self.max_in_flight
        )
        with report_path.open("w", encoding="utf-8") as report, closing(answers), prompt_thread_switching():
            for chunk, answer in answers:
                result = None
                if chunk.request is not None and answer is not None:
                    result = hook.read_import_answer(chunk.request, answer)
                    request_ids.append(result.request_id)
                accepted_before = counts["accepted"]
                rejected = _report_chunk(report, chunk, result, counts, run_input.hygiene)
                progress.advance(len(chunk.entries), rejected, counts["accepted"] - accepted_before)
        progress.finish()
        return request_ids

    def _chunks(
        self, prepare: Callable[[list[dict[str, Any]]], PreparedImport], run_input: _Input
    ) -> Iterator[_Chunk]:
        """Yield the input as consecutive chunks, each with at most `batch_size` records to send.

        The records to send are encoded by `prepare`.
        """
        entries: list[tuple[int, Any, str | None, str | None]] = []
        batch: list[dict[str, Any]] = []
        span = CHUNK_SPAN_BATCHES * self.batch_size
        checked = self._checked_records(run_input.source_file, run_input.hygiene)
        for index, record, outcome, text in checked:
            if outcome is None:
                entries.append((index, None, None, text))
                batch.append(record)  # type: ignore[arg-type]
            else:
                # As text or None: the raw value may be anything, even what JSON cannot hold.
                key = scalar_text(record.get(self.update_key.value)) if record else None
                entries.append((index, key, outcome, text))
            if len(batch) >= self.batch_size or len(entries) >= span:
                yield _Chunk(entries, prepare(batch) if batch else None)
                entries, batch = [], []
        if entries:
            yield _Chunk(entries, prepare(batch) if batch else None)

    def _checked_records(
        self, source_file: str | None, hygiene: LeadHygiene
    ) -> Iterator[tuple[int, dict[str, Any] | None, str | None, str | None]]:
        """Yield (index, mapped record or None, outcome before sending, text) for every input record.

        The outcome is None for a record to send (the text: the hygiene step's note for its
        report line, or None), else `rejected` or `skipped` (the text: the reason). `source_file`
        is the local copy of `source_path` (None: the input is `records`); `hygiene` cleans the
        records (see `LeadHygiene.clean`) and counts what it did.
        """
        rejected = RecordOutcomeKind.REJECTED.value
        update_key = self.update_key
        key_field = update_key.value
        records = records_with_known_columns(iter_records(self.records, source_file), self.column_mapping)
        for index, raw in enumerate(records):
            if type(raw) is not dict and not isinstance(raw, Mapping):  # a dict skips the ABC check
                yield index, None, rejected, not_a_record_reason(raw)
                continue
            record, outcome, text = hygiene.clean(
                index,
                apply_column_mapping(raw, self.column_mapping),
                lambda record: check_lead(record, update_key)[1],
                lambda record: (scalar_text(record.get(key_field)) or "").strip(),
            )
            yield index, record, outcome, text


@dataclass(frozen=True)
class _Input:
    """What one run reads, and the hygiene step's part in it.

    The local copy of `source_path` (None: `records`), its record count when known, and the
    hygiene step of the pass that sends.
    """

    source_file: str | None
    record_count: int | None
    hygiene: LeadHygiene


@dataclass(frozen=True)
class _Chunk:
    """Consecutive input records of a ProcessData push.

    `entries` has one `(index, key, outcome, text)` per record in input order: an outcome
    (`rejected`, `skipped`) for a record not sent, with its reason, None for one sent, with the
    hygiene step's note or None (see `_checked_records`). `request` carries the records sent, in
    the same order (None: none).
    """

    entries: list[tuple[int, Any, str | None, str | None]]
    request: PreparedImport | None


def _send_chunk(hook: JodoHook, chunk: _Chunk) -> tuple[str, int] | None:
    """Post a chunk's request (in a worker thread); return its raw answer, None when nothing to send."""
    return None if chunk.request is None else hook.send_import(chunk.request)


def _report_chunk(
    report: IO[str],
    chunk: _Chunk,
    result: ProcessDataImport | None,
    counts: dict[str, int],
    hygiene: LeadHygiene,
) -> int:
    """Write a chunk's report lines in input order (in one write) and count its outcomes.

    A record the hygiene step touched has its note as its line's reason (after the platform's
    reason, if any); `hygiene` learns which records sent the platform accepted. Return how many
    of the chunk's records were rejected (before sending or by the platform).
    """
    outcomes = iter(result.records if result is not None else ())  # hook: one per record sent
    request_id = result.request_id if result is not None else None
    rejected_value = RecordOutcomeKind.REJECTED.value
    rejected = 0
    lines = []
    for index, key, unsent, text in chunk.entries:
        if unsent is not None:
            lines.append(report_line(index, key, unsent, text, None))
            counts[unsent] += 1
            rejected += unsent == rejected_value
            continue
        outcome = next(outcomes)
        kind = outcome.outcome.value
        outcome_reason = outcome.reason
        if text is not None:
            outcome_reason = f"{outcome_reason}; {text}" if outcome_reason else text
        lines.append(report_line(index, outcome.key, kind, outcome_reason, request_id))
        counts[kind] += 1
        rejected += kind == rejected_value
        hygiene.landed(kind != rejected_value)
    report.write("".join(lines))
    return rejected
