"""Importing one record into an astercc campaign, with the duplicate policies.

One function serves both `source=data` (one record per call) and every row of an http/ftp
import job, so that the two sources can never disagree on what a policy does.

"Changed" means changed: a policy that finds nothing to change (an update with the values the
customer already has, emptying an agent that is already empty, resetting a status that is
already `new`, a dial-list entry that is already there as it would be written) leaves the
duplicate as it was, and it counts as skipped. Re-running an import is therefore visible as
"nothing happened" rather than as a wave of updates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from airflow_provider_jodo.enums import ChangePackagePolicy, DialListDuplicatePolicy, DuplicateWay, coerce
from airflow_provider_jodo.protocol.codes import BackMsgCode
from jodo_sandbox.campaign_form import (
    DUPLICATE_KEY_FIELD,
    STATUS_NEW,
    STATUS_SUCCESS,
    resolve_field,
)
from jodo_sandbox.campaign_store import Campaign, CampaignCustomer, DialEntry
from jodo_sandbox.store import SandboxStore

POLICY_PARAMETERS = ("emptyagent", "resetstatus", "dupway", "dupdiallist", "changepackage")
DIAL_FIELD_PARAMETERS = ("phone_field", "priority_field", "dialtime_field")
_YES_NO = {"yes": True, "no": False}


class CampaignRecordOutcome(str, Enum):
    """What an import did with one record; the values are the job status counters."""

    INSERTED = "inserted"
    UPDATED = "updated"
    SKIPPED = "skipped"
    REJECTED = "failed"


@dataclass(frozen=True)
class RecordResult:
    """The outcome of one record and the BackMsg code that reports it."""

    outcome: CampaignRecordOutcome
    code: str


@dataclass(frozen=True)
class ImportOptions:
    """The duplicate policies and dial-list fields of one importCJI call, defaults applied.

    Field options hold resolved field names (None: not given).
    """

    empty_agent: bool = False
    reset_status: bool = False
    duplicate_way: DuplicateWay = DuplicateWay.SKIP
    dial_list_policy: DialListDuplicatePolicy = DialListDuplicatePolicy.IGNORE_DUPLICATE
    change_package: ChangePackagePolicy = ChangePackagePolicy.SKIP
    phone_field: str | None = None
    priority_field: str | None = None
    dialtime_field: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> ImportOptions:
        """Options from importCJI parameters; an empty or absent parameter takes its default.

        Raises ValueError naming the parameter for a value outside its set or a field that is
        not on the campaign form.
        """
        defaults = cls()
        dial_fields = {}
        for parameter in DIAL_FIELD_PARAMETERS:
            label = params.get(parameter, "")
            field_name = resolve_field(label) if label else None
            if label and field_name is None:
                raise ValueError(f"{parameter}={label!r} is not a field of the campaign form")
            dial_fields[parameter] = field_name
        return cls(
            empty_agent=_yes_no(params, "emptyagent", defaults.empty_agent),
            reset_status=_yes_no(params, "resetstatus", defaults.reset_status),
            duplicate_way=coerce(DuplicateWay, params.get("dupway") or defaults.duplicate_way, "dupway"),
            dial_list_policy=coerce(
                DialListDuplicatePolicy, params.get("dupdiallist") or defaults.dial_list_policy, "dupdiallist"
            ),
            change_package=coerce(
                ChangePackagePolicy, params.get("changepackage") or defaults.change_package, "changepackage"
            ),
            **dial_fields,
        )


def _yes_no(params: Mapping[str, str], parameter: str, default: bool) -> bool:
    value = params.get(parameter, "")
    if not value:
        return default
    if value not in _YES_NO:
        raise ValueError(f"{parameter}={value!r} is not one of 'yes', 'no'")
    return _YES_NO[value]


def import_record(
    store: SandboxStore, campaign: Campaign, record: Mapping[str, str], options: ImportOptions
) -> RecordResult:
    """Insert `record` into the campaign or apply the duplicate policies to the customer it duplicates.

    `record` maps field name -> value; either happens in one transaction.

    Storage failures propagate as `sqlite3.Error`; callers report them as BackMsg_85.
    """
    phone1 = record.get(DUPLICATE_KEY_FIELD, "")
    if not phone1:
        return RecordResult(CampaignRecordOutcome.REJECTED, BackMsgCode.REQUIRED_FIELD_MISSING)
    dial_entry = _dial_entry(record, options)
    with store.transaction():
        customer = store.find_campaign_customer(campaign, phone1)
        if customer is None:
            customer_id = store.insert_campaign_customer(campaign, record, STATUS_NEW)
            if dial_entry is None:
                return RecordResult(CampaignRecordOutcome.INSERTED, BackMsgCode.IMPORTED)
            store.put_dial_entry(campaign.id, customer_id, dial_entry)
            return RecordResult(CampaignRecordOutcome.INSERTED, BackMsgCode.IMPORTED_WITH_DIAL_LIST)

        field_changes = _field_changes(customer, record, options)
        other_changes = _status_agent_package_changes(customer, campaign, options)
        status_after = other_changes.get("status", customer.status)
        # The entry the customer enters the dial list with; None: it does not enter it.
        entering_dial_list = (
            dial_entry
            if dial_entry is not None
            and _dial_list_admits(options.dial_list_policy, status_after)
            and store.dial_entry(campaign.id, customer.id) != dial_entry
            else None
        )
        if field_changes or other_changes:
            store.update_campaign_customer(customer.id, {**field_changes, **other_changes})
        if entering_dial_list is not None:
            store.put_dial_entry(campaign.id, customer.id, entering_dial_list)

    if entering_dial_list is not None:
        return RecordResult(CampaignRecordOutcome.UPDATED, BackMsgCode.PUT_IN_DIAL_LIST)
    if field_changes or "package" in other_changes:
        # A package move is not named by the decisions; it changes the customer record, so it
        # is reported like a field update.
        return RecordResult(CampaignRecordOutcome.UPDATED, BackMsgCode.CUSTOMER_UPDATED)
    if other_changes:
        return RecordResult(CampaignRecordOutcome.UPDATED, BackMsgCode.STATUS_RESET)
    return RecordResult(CampaignRecordOutcome.SKIPPED, BackMsgCode.DUPLICATE_PHONE)


def _dial_entry(record: Mapping[str, str], options: ImportOptions) -> DialEntry | None:
    """Return the dial-list entry the record asks for: only with a `phone_field` whose value is set."""
    phone = _value_of(record, options.phone_field)
    if phone is None:
        return None
    return DialEntry(
        phone=phone,
        priority=_value_of(record, options.priority_field),
        dialtime=_value_of(record, options.dialtime_field),
    )


def _value_of(record: Mapping[str, str], field_name: str | None) -> str | None:
    """Return the record's non-empty value of a field, or None (no such option or no value)."""
    return (record.get(field_name) or None) if field_name else None


def _field_changes(
    customer: CampaignCustomer, record: Mapping[str, str], options: ImportOptions
) -> dict[str, str]:
    if options.duplicate_way is not DuplicateWay.UPDATE:
        return {}
    return {name: value for name, value in record.items() if value and value != customer.fields[name]}


def _status_agent_package_changes(
    customer: CampaignCustomer, campaign: Campaign, options: ImportOptions
) -> dict[str, str | None]:
    changes: dict[str, str | None] = {}
    if options.empty_agent and customer.agent:
        changes["agent"] = None
    if options.reset_status and customer.status != STATUS_NEW:
        changes["status"] = STATUS_NEW
    if campaign.main_table and _moves_package(options.change_package, customer.package, campaign.package):
        changes["package"] = campaign.package
    return changes


def _moves_package(policy: ChangePackagePolicy, current: str | None, target: str | None) -> bool:
    if policy is ChangePackagePolicy.UNASSIGN_TO_CURRENT:
        return current is None
    if policy is ChangePackagePolicy.REASSIGN_TO_CURRENT:
        return current != target
    return False


def _dial_list_admits(policy: DialListDuplicatePolicy, status: str | None) -> bool:
    if policy is DialListDuplicatePolicy.ALL:
        return True
    if policy is DialListDuplicatePolicy.IGNORE_SUCCESS:
        return status != STATUS_SUCCESS
    return False
