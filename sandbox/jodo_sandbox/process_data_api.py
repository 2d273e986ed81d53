"""Jodo `ImportProcessData` and `getProcessData` on `handleCustomerWS`, answering as the vendor does.

See docs/protocol-decisions.md, section A.

The two methods share the endpoint but not the house style: ImportProcessData answers with
`resdatetime`/`status`, getProcessData with `timestamp`/`statuscode`; success codes are the
string "001", error codes are numbers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_jodo.enums import Media, ProcessDataSearch, RecordOutcomeKind, UpdateKey
from airflow_provider_jodo.protocol.codes import (
    JODO_API_KEY_NOT_FOUND,
    JODO_BAD_DATETIME,
    JODO_CODES,
    JODO_DATA_NOT_A_LIST,
    JODO_INVALID_JSON,
    JODO_KEYS_DO_NOT_MATCH,
    JODO_MISSING_KEY,
    JODO_SERVICE_KEY_NOT_FOUND,
    JODO_SUCCESS,
    JODO_TOO_MANY_RECORDS,
    JODO_UNKNOWN_MEDIA,
    JODO_UNKNOWN_METHOD,
    JODO_UNKNOWN_SEARCH_PARAM,
    JODO_UNKNOWN_UPDATE_PARAM,
    JODO_UNKNOWN_USER_LOGIN,
)
from jodo_sandbox.clock import PlatformClock, is_date, is_wall_clock
from jodo_sandbox.process_store import ProcessCustomer
from jodo_sandbox.profile import SandboxProfile
from jodo_sandbox.record_rules import judge_record, value_as_text
from jodo_sandbox.store import SandboxStore

IMPORT_METHOD = "ImportProcessData"
GET_METHOD = "getProcessData"
DEFAULT_MAX_RECORDS_PER_REQUEST = 500
"""The sandbox's ImportProcessData limit unless told otherwise (`--max-records`,
`JodoSandbox(max_records_per_request=...)`): more records in one request are refused whole with
1304. The vendor documents no limit; this one is the sandbox's own. It is as large as the
provider's default batch, so that a default run fills each request to exactly the limit (a
batching off by one is refused)."""
# Request-level values stored on records that do not carry their own: (request key, record key).
_REQUEST_DEFAULTS = (("CallDateTime", "callDateTime"), ("Calltype", "calltype"))


class _Refusal(Exception):
    """The request is refused with a Jodo code; `detail` says what exactly was wrong."""

    def __init__(self, code: str, detail: str) -> None:
        """Refuse with Jodo `code`; `detail` says what exactly was wrong."""
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    @property
    def text(self) -> str:
        """The code's meaning followed by the detail, as the answer's message."""
        return f"{JODO_CODES[self.code].text}: {self.detail}"


@dataclass
class _AcceptedRecord:
    index: int
    key: str
    fields: dict[str, str]


class ProcessDataApi:
    """The Jodo customer web service over the sandbox store."""

    def __init__(
        self,
        store: SandboxStore,
        clock: PlatformClock,
        max_records_per_request: int,
        profile: SandboxProfile = SandboxProfile.FULL,
    ) -> None:
        """Answer from `store` in `clock`'s time zone, taking at most `max_records_per_request` records."""
        if max_records_per_request < 1:
            raise ValueError(f"max_records_per_request must be at least 1, got {max_records_per_request!r}")
        self._store = store
        self._clock = clock
        self._max_records = max_records_per_request
        self._profile = profile

    def handle(self, data: str) -> dict[str, Any]:
        """Answer the `data` parameter of one request (the whole JSON request as text)."""
        method: object = None
        try:
            request = _parse_request(data)
            method = _get(request, "Method", "method")
            if method is None:
                raise _Refusal(JODO_MISSING_KEY, "Method")
            if method == IMPORT_METHOD:
                return self._import_process_data(request)
            if method == GET_METHOD:
                return self._get_process_data(request)
            raise _Refusal(JODO_UNKNOWN_METHOD, repr(method))
        except _Refusal as refusal:
            if method == GET_METHOD:
                return {
                    "method": GET_METHOD,
                    "timestamp": self._clock.now_text(),
                    "statuscode": int(refusal.code),
                    "statusdesc": "fail",
                    "message": refusal.text,
                }
            # Before the method is known (bad JSON, no or unknown method) the answer takes
            # ImportProcessData's shape and echoes whatever method was asked for.
            return {
                "method": method if isinstance(method, str) else None,
                "resdatetime": self._clock.now_text(),
                "status": int(refusal.code),
                "statusdesc": refusal.text,
            }

    def _authorise(self, request: Mapping[str, Any]) -> tuple[int, str]:
        """Return the caller's organisation id and service key, once the two keys belong together."""
        apikey, servicekey = request.get("apikey"), request.get("servicekey")
        org_id = self._store.organisation_of_apikey(apikey) if isinstance(apikey, str) else None
        if org_id is None:
            raise _Refusal(JODO_API_KEY_NOT_FOUND, "apikey")
        if (
            not isinstance(servicekey, str)
            or (process_org_id := self._store.organisation_of_process(servicekey)) is None
        ):
            raise _Refusal(JODO_SERVICE_KEY_NOT_FOUND, repr(servicekey))
        if process_org_id != org_id:
            raise _Refusal(JODO_KEYS_DO_NOT_MATCH, repr(servicekey))
        return org_id, servicekey

    def _import_process_data(self, request: Mapping[str, Any]) -> dict[str, Any]:
        org_id, servicekey = self._authorise(request)
        records = self._required_records(request)
        media = _media(_get(request, "Media", "media"))
        update_key = _update_key(request["updateparam"])
        for name in ("reqdatetime", "CallDateTime"):
            if name in request and request[name] is not None and not is_wall_clock(request[name]):
                raise _Refusal(JODO_BAD_DATETIME, f"{name}={request[name]!r}")
        userlogin = self._userlogin(org_id, request)
        defaults = {
            record_key: request[key] for key, record_key in _REQUEST_DEFAULTS if request.get(key) is not None
        }
        outcomes, accepted = _judge_records(records, update_key, defaults)
        self._upsert(servicekey, update_key, media, userlogin, accepted, outcomes)
        answer: dict[str, Any] = {
            "method": IMPORT_METHOD,
            "resdatetime": self._clock.now_text(),
            "status": JODO_SUCCESS,
            "statusdesc": "success",
            "uniqueid": uuid.uuid4().hex,
        }
        if self._profile.reports_record_outcomes:
            answer["records"] = outcomes
        return answer

    def _required_records(self, request: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Return the request's `Data` once every required key is there and `Data` is a list of objects.

        The checks run in the vendor's order: missing keys first, then the shape of `Data`, then
        its length.
        """
        records = _get(request, "Data", "data")
        for name, value in (
            ("Media", _get(request, "Media", "media")),
            ("Data", records),
            ("updateparam", request.get("updateparam")),
            ("reqdatetime", request.get("reqdatetime")),
        ):
            if value is None:
                raise _Refusal(JODO_MISSING_KEY, name)
        if not isinstance(records, list):
            raise _Refusal(JODO_DATA_NOT_A_LIST, f"Data is a {type(records).__name__}")
        if not all(isinstance(record, dict) for record in records):
            raise _Refusal(JODO_DATA_NOT_A_LIST, "an element of Data is not an object")
        if len(records) > self._max_records:
            raise _Refusal(JODO_TOO_MANY_RECORDS, f"{len(records)} records, at most {self._max_records}")
        return records

    def _userlogin(self, org_id: int, request: Mapping[str, Any]) -> str | None:
        """Return the request's `userlogin`, None when absent or empty; refuse one the organisation lacks."""
        userlogin = request.get("userlogin") or None
        if userlogin is not None and not (
            isinstance(userlogin, str) and self._store.jodo_user_exists(org_id, userlogin)
        ):
            raise _Refusal(JODO_UNKNOWN_USER_LOGIN, repr(userlogin))
        return userlogin

    def _upsert(
        self,
        servicekey: str,
        update_key: UpdateKey,
        media: Media,
        userlogin: str | None,
        accepted: list[_AcceptedRecord],
        outcomes: list[dict[str, Any]],
    ) -> None:
        """Store the accepted records, inserting or updating by update key, and fill in their outcomes.

        A later record with the same key in the same request updates the earlier.
        """
        with self._store.transaction():
            customers = self._store.find_process_customers(
                servicekey, update_key, sorted({record.key for record in accepted})
            )
            for record in accepted:
                customer = customers.get(record.key)
                if customer is None:
                    customers[record.key] = ProcessCustomer(
                        None, record.fields, media, media.is_voice, userlogin
                    )
                    outcome = RecordOutcomeKind.INSERTED
                else:
                    customer.fields = {**customer.fields, **record.fields}
                    customer.media = media
                    customer.dialable = customer.dialable or media.is_voice
                    customer.userlogin = userlogin or customer.userlogin
                    outcome = RecordOutcomeKind.UPDATED
                outcomes[record.index]["outcome"] = outcome.value
            self._store.save_process_customers(servicekey, customers.values())

    def _get_process_data(self, request: Mapping[str, Any]) -> dict[str, Any]:
        _, servicekey = self._authorise(request)
        searchparam = request.get("searchparam")
        if searchparam is None:
            raise _Refusal(JODO_MISSING_KEY, "searchparam")
        try:
            search = ProcessDataSearch(searchparam)
        except ValueError as error:
            raise _Refusal(JODO_UNKNOWN_SEARCH_PARAM, repr(searchparam)) from error
        if search is ProcessDataSearch.DATE_RANGE:
            for name in ("fromdate", "todate"):
                if request.get(name) is None:
                    raise _Refusal(JODO_MISSING_KEY, name)
                if not is_date(request[name]):
                    raise _Refusal(JODO_BAD_DATETIME, f"{name}={request[name]!r} is not YYYY-MM-DD")
            records = self._store.process_customers_written_between(
                servicekey, request["fromdate"], request["todate"]
            )
        else:
            value = value_as_text(request.get("searchvalue"))
            if value is None:
                raise _Refusal(JODO_MISSING_KEY, "searchvalue")
            records = self._store.process_customers_by_key(servicekey, UpdateKey(search.value), value)
        return {
            "method": GET_METHOD,
            "timestamp": self._clock.now_text(),
            "statuscode": JODO_SUCCESS,
            "statusdesc": "success",
            "requestid": uuid.uuid4().hex,
            "data": records,
        }


def _judge_records(
    records: list[dict[str, Any]], update_key: UpdateKey, defaults: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[_AcceptedRecord]]:
    """Judge each record and return the outcomes of all (by index) and the accepted ones.

    A rejected record's outcome carries its reason; an accepted one's outcome is None until
    `_upsert` stores it. Accepted records take the request-level `defaults` they do not carry.
    """
    outcomes: list[dict[str, Any]] = []
    accepted: list[_AcceptedRecord] = []
    for index, record in enumerate(records):
        fields, reason = judge_record(record, update_key)
        if reason is not None:
            outcomes.append(
                {
                    "index": index,
                    "key": fields.get(update_key.value) or None,
                    "outcome": RecordOutcomeKind.REJECTED.value,
                    "reason": reason,
                }
            )
            continue
        key = fields[update_key.value]  # an accepted record has its update key (`judge_record`)
        outcomes.append({"index": index, "key": key, "outcome": None})
        accepted.append(_AcceptedRecord(index, key, {**defaults, **fields}))
    return outcomes, accepted


def _parse_request(data: str) -> Mapping[str, Any]:
    try:
        request = json.loads(data)
    except ValueError as error:
        raise _Refusal(JODO_INVALID_JSON, str(error)) from error
    if not isinstance(request, dict):
        raise _Refusal(JODO_INVALID_JSON, f"the request must be a JSON object, got {type(request).__name__}")
    return request


def _get(request: Mapping[str, Any], *spellings: str) -> Any:
    """Return the value of a key the docs spell in more than one case; the first spelling wins."""
    for spelling in spellings:
        if request.get(spelling) is not None:
            return request[spelling]
    return None


def _media(value: object) -> Media:
    """Return the media code, given as a number or a string of digits."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in Media._value2member_map_:
        return Media(value)
    raise _Refusal(JODO_UNKNOWN_MEDIA, repr(value))


def _update_key(value: object) -> UpdateKey:
    if isinstance(value, str) and value in UpdateKey._value2member_map_:
        return UpdateKey(value)
    raise _Refusal(JODO_UNKNOWN_UPDATE_PARAM, repr(value))
