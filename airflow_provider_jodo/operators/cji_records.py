"""Import inline records into a campaign with importCJI `source=data`, one call per record.

`JodoImportCJIRecordsOperator` streams its input (an upstream task's list is never copied),
keeps at most `max_in_flight` calls running against the platform, reports outcomes in input
order and logs progress (`airflow_provider_jodo.loading.progress`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from functools import partial
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, BaseOperator

from airflow_provider_jodo.assets import CAMPAIGN_IMPORTS, jodo_campaign_asset
from airflow_provider_jodo.compat.airflow import AirflowFailException
from airflow_provider_jodo.enums import CJISource
from airflow_provider_jodo.exceptions import JodoInvalidRequestError
from airflow_provider_jodo.hooks.connection import JodoConnectionSettings
from airflow_provider_jodo.hooks.jodo import JodoHook
from airflow_provider_jodo.loading.campaign_rules import (
    data_record_problem,
    dial_numbers,
    refusal_naming_fields,
)
from airflow_provider_jodo.loading.checks import (
    DEFAULT_MIN_LOADED,
    check_loaded,
    min_loaded_argument,
    on_invalid_policy,
    positive_int,
    records_with_known_columns,
)
from airflow_provider_jodo.loading.checks import column_mapping as column_mapping_argument
from airflow_provider_jodo.loading.hygiene import HygieneSettings, LeadHygiene, on_duplicate_in_input_argument
from airflow_provider_jodo.loading.in_flight import map_in_order
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
)
from airflow_provider_jodo.operators.lineage import ImportLineage
from airflow_provider_jodo.protocol.cji_policies import CJIPolicies
from airflow_provider_jodo.protocol.codes import BackMsgCode

if TYPE_CHECKING:
    from airflow.sdk import Context

DEFAULT_CJI_MAX_IN_FLIGHT = 1
"""Sequential by default: two records of one phone number in flight at once would land in
either order (which one is inserted and which is the duplicate is then not defined)."""
REJECTIONS_REPORTED = 20
"""How many rejections (index and reason) a summary lists; the counts include them all."""
_RECORDS_OWN_FAULT_CODES = (BackMsgCode.BAD_CONTEXT, BackMsgCode.REQUIRED_FIELD_MISSING)


class JodoImportCJIRecordsOperator(ImportLineage, BaseOperator):
    """Import `records` into campaign `campaign_id` with importCJI `source=data`, one call per record.

    Returns (XCom) a summary: `campaign_id`, `total`, `inserted`, `updated`, `skipped` (a
    duplicate the policies left alone), `rejected` (they add up to `total`) and `rejections`,
    the first 20 rejected records' index and reason. A record is rejected when it is not a dict,
    cannot be sent without mangling it, or the platform refuses it; anything else (credentials,
    campaign, platform) fails the task. With `phone_region`, the summary also counts
    `phone_normalised` (records sent with a number rewritten) and `phone_invalid` (records
    rejected for a number, within `rejected`): see `loading.hygiene`. Records whose dial-list
    number (`phone_field`, normalised) an earlier record of the input had are counted as
    `duplicate_in_input` (present when there were some, or with `on_duplicate_in_input` `first`
    or `reject`); a rejected one's reason names the row that won. With `suppression_path` or
    `suppression_sql`, records with a number on the do-not-call list are not sent: outcome
    `skipped`, counted as `suppressed`. With `skip_unchanged`, records the platform accepted as
    they are in an earlier successful run are not sent: outcome `skipped`, counted as
    `unchanged`.

    On success, the campaign's asset (`jodo_campaign_asset`) gets an event through the alias
    `jodo-campaign-imports`, which the operator adds to its outlets; its extra holds the
    campaign id and the counts. OpenLineage (optional): no input (the records come from a task),
    output the campaign with the records landed.

    :param campaign_id: the campaign (`model_id`, templated).
    :param records: a list of dicts (field or display name -> value); templated, so an upstream
        task's XCom works.
    :param policies: the importCJI policies as one `CJIPolicies`, or pass its fields as flat
        keyword arguments (`phone_field`, `duplicate_way`, ...: see `CJIPolicies`).
    :param column_mapping: source column name -> campaign field (e.g. `{"mobile": "phone1"}`),
        checked against the first record before any call.
    :param on_invalid: `reject` (default) reports the records that cannot be sent and imports the
        others; `fail` fails the task before any call if one record cannot be sent.
    :param min_loaded: fail unless at least this many records land (inserted, updated or skipped
        as a duplicate); default 1, so an empty list or one whose every record is rejected
        fails the task. 0 lets such a run succeed.
    :param max_in_flight: calls made at a time, each on its own kept-alive connection (default
        1); the platform never sees more at once. Raise it (4 to 8) when the input has each
        phone number once: duplicates in flight together land in any order.
    :param progress_every_records: log a progress line (records done, rate, time left, rejected
        so far) every this many records, or every `progress_every_seconds`, whichever comes first.
    :param progress_every_seconds: log a progress line at least this often (seconds).
    :param phone_region: the region (ISO 3166, e.g. `"IN"`) of numbers written without their
        country code; with it, the dial list's `phone_field` and the `phone_fields` are
        rewritten into E.164 (with or without `+` as the connection's `phone_plus` says) and a
        record whose number is impossible or invalid is rejected with the reason. None
        (default): numbers are sent as they are read.
    :param phone_fields: more fields holding phone numbers, normalised with `phone_region`.
    :param on_duplicate_in_input: what becomes of a record whose dial-list number (normalised)
        an earlier record of the input had: `last` (default) sends it, and the policies decide
        as for any duplicate; `first` skips it (outcome `skipped`); `reject` rejects it. `first`
        and `reject` need a `phone_field`.
    :param suppression_path: a do-not-call list (templated; local or object storage, the store's
        default connection): one number a line, or the CSV column `suppression_column`; needs
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
    :param skip_unchanged: leave out a record whose dial-list number (normalised) and content
        (as it would be sent) are what the platform accepted in an earlier successful run
        (outcome `skipped`, counted as `unchanged`, landed for `min_loaded`); needs `state_path`
        and a `phone_field`. False (default) with a `state_path`: send everything and refresh
        the state.
    :param state_path: where the digests of the records the platform accepted are kept
        (templated; local or object storage, the store's default connection), written whole only
        once a run has succeeded. See `loading.hygiene`.
    :param jodo_conn_id: the `jodo` connection.
    """

    template_fields: Sequence[str] = (
        "campaign_id",
        "records",
        "suppression_path",
        "suppression_sql",
        "state_path",
    )
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"suppression_sql": "sql"}
    ui_color = "#e8f4fd"
    import_alias = CAMPAIGN_IMPORTS

    def __init__(
        self,
        *,
        campaign_id: int | str,
        records: Sequence[Mapping[str, Any]] | str,
        policies: CJIPolicies | None = None,
        column_mapping: Mapping[str, str] | None = None,
        on_invalid: str = "reject",
        min_loaded: int = DEFAULT_MIN_LOADED,
        max_in_flight: int = DEFAULT_CJI_MAX_IN_FLIGHT,
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
        """Check the arguments here, at parse time: a typo fails the DAG, not a 6 a.m. run."""
        self.policies = CJIPolicies.from_arguments(policies, kwargs)
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.records = records
        self.column_mapping = column_mapping_argument(column_mapping)
        self.on_invalid = on_invalid_policy(on_invalid)
        self.min_loaded = min_loaded_argument(min_loaded)
        self.max_in_flight = positive_int(max_in_flight, "max_in_flight")
        self.progress_interval = ProgressInterval(progress_every_records, progress_every_seconds)
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
        self.suppression_path = suppression_path
        self.suppression_sql = suppression_sql
        self.state_path = state_path
        self.jodo_conn_id = jodo_conn_id
        self.add_outlets([CAMPAIGN_IMPORTS])
        if records is None:
            raise ValueError("records=None: give the records to import (a list of dicts, or a template)")

    def execute(self, context: Context) -> dict[str, Any]:
        """Import every record; return the summary described in the class docstring."""
        hygiene = self.hygiene_settings.lead_hygiene(
            (self.policies.phone_field,),
            self._phone_plus,
            suppression_path=self.suppression_path,
            suppression_sql=self.suppression_sql,
            storage_conn_id=None,
            state_path=self.state_path,
            log=self.log,
        )
        if self.on_invalid == "fail":
            for index, (_, outcome, problem) in enumerate(self._judged_records(hygiene.anew())):
                if outcome == "rejected":
                    raise AirflowFailException(f"records[{index}] is invalid: {problem}; nothing was sent")
        hook = JodoHook(jodo_conn_id=self.jodo_conn_id)
        try:
            counts, rejections = self._import_records(hook, hygiene)
        finally:
            hook.close()
        total = sum(counts.values())
        self.log.info(
            "campaign %s: %d records, %d inserted, %d updated, %d skipped, %d rejected",
            self.campaign_id,
            total,
            *counts.values(),
        )
        hygiene.log_counts(self.log)
        first = f"records[{rejections[0]['index']}]: {rejections[0]['reason']}" if rejections else None
        what = f"importCJI into campaign {self.campaign_id}"
        # A record left out for the do-not-call list did not land (a skipped duplicate did, or the
        # platform's duplicate policies kept the stored customer; an unchanged one is there as it is).
        loaded = total - counts["rejected"] - hygiene.suppressed
        check_loaded(loaded, total, self.min_loaded, what, first)
        hygiene.write_state(self.log)  # the run succeeded
        cleaned = hygiene.summary_counts()
        summary = {"campaign_id": str(self.campaign_id), "total": total, **counts, **cleaned}
        self.record_import(context, summary, loaded - hygiene.unchanged, cleaned)
        return {**summary, "rejections": rejections}

    def import_asset(self) -> Asset:
        """Give the asset of campaign `campaign_id` (rendered)."""
        return jodo_campaign_asset(self.jodo_conn_id, self.campaign_id)

    def _phone_plus(self) -> bool:
        """Return the connection's `phone_plus` (read only when the hygiene step rewrites numbers)."""
        return JodoConnectionSettings.from_connection_id(self.jodo_conn_id).phone_plus

    def _import_records(
        self, hook: JodoHook, hygiene: LeadHygiene
    ) -> tuple[dict[str, int], list[dict[str, Any]]]:
        """Send every record to send, `max_in_flight` at a time; return the counts and the first rejections.

        :param hygiene: the step of this pass, which judges the input (`_judged_records`) and
            learns which records sent the platform accepted.
        """
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
        judged = self._judged_records(hygiene)
        # A record judged before sending needs no call: it passes the calls in flight.
        outcomes = map_in_order(
            partial(self._import_one, hook), judged, self.max_in_flight, lambda judged: judged[1] is None
        )
        with closing(outcomes):
            for index, ((_, unsent, _), (outcome, reason)) in enumerate(outcomes):
                counts[outcome] += 1
                if unsent is None:
                    hygiene.landed(outcome != "rejected")
                if reason is not None and len(rejections) < REJECTIONS_REPORTED:
                    self.log.warning("records[%d] rejected: %s", index, reason)
                    rejections.append({"index": index, "reason": reason})
                progress.advance(1, reason is not None)
        progress.finish()
        return counts, rejections

    def _mapped_records(self) -> Iterator[Any]:
        """Yield the input records with the column mapping applied, once it is checked."""
        for record in records_with_known_columns(iter_records(self.records, None), self.column_mapping):
            yield apply_column_mapping(record, self.column_mapping) if isinstance(record, Mapping) else record

    def _judged_records(self, hygiene: LeadHygiene) -> Iterator[tuple[Any, str | None, str | None]]:
        """Yield (record, outcome before sending, reason) for every input record, in input order.

        The outcome is None for a record to send (cleaned by `hygiene`, see `LeadHygiene.clean`),
        else `rejected` with the reason, or `skipped` (left out: no rejection to list). Run in
        this thread, so that duplicates are judged in input order.
        """
        phone_field = self.policies.phone_field
        for index, record in enumerate(self._mapped_records()):
            if not isinstance(record, dict):
                yield record, "rejected", data_record_problem(record, phone_field)
                continue
            record, outcome, text = hygiene.clean(
                index,
                record,
                lambda record: data_record_problem(record, phone_field),
                lambda record: next((number for _, number in dial_numbers(record, phone_field)), None),
            )
            yield record, outcome, text if outcome == "rejected" else None

    def _import_one(
        self, hook: JodoHook, judged: tuple[Any, str | None, str | None]
    ) -> tuple[str, str | None]:
        """Return (outcome, rejection reason) for one record of `_judged_records` (in a worker thread).

        A record judged before sending is not sent. Errors about the record itself reject it;
        anything else (credentials, campaign, platform) fails the task.
        """
        record, outcome, reason = judged
        if outcome is not None:
            return outcome, reason
        try:
            result = hook.import_cji(
                campaign_id=self.campaign_id, source=CJISource.DATA, record=record, policies=self.policies
            )
        except JodoInvalidRequestError as error:
            if error.code in _RECORDS_OWN_FAULT_CODES:
                return "rejected", refusal_naming_fields(error, record)
            raise
        assert result.outcome is not None  # an inline record's import always has one
        return result.outcome.value, None


def skip_unchanged_with_dial_list(value: Any, policies: CJIPolicies) -> Any:
    """Return `skip_unchanged`, refusing True without the dial list's number its state is keyed by.

    :raises ValueError: naming the parameter.
    """
    if value is True and not policies.phone_field:
        raise ValueError("skip_unchanged=True keys records by the dial list's number: give phone_field")
    return value


def duplicate_policy_with_dial_list(value: Any, policies: CJIPolicies) -> str:
    """Return `on_duplicate_in_input` once checked; `first` and `reject` need the dial list's number.

    :raises ValueError: naming the parameter.
    """
    policy = on_duplicate_in_input_argument(value)
    if policy != "last" and not policies.phone_field:
        raise ValueError(
            f"on_duplicate_in_input={policy!r} judges records by the dial list's number: give phone_field"
        )
    return policy
