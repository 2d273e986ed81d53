"""Call the Jodo customer web service: push records (ImportProcessData) and read them back.

ImportProcessData is split in three steps (encode, send, read the answer) so that a caller can
pipeline batches: encode the next batch and read the last answer while a request is on its way.
Per-record outcomes in its answer are an optional capability, learned from the first answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Required, TypedDict

from airflow_provider_jodo.enums import Media, ProcessDataSearch, RecordOutcomeKind, UpdateKey, coerce
from airflow_provider_jodo.exceptions import JodoResponseError
from airflow_provider_jodo.hooks.connection_settings import JodoConnectionSettings
from airflow_provider_jodo.hooks.platform_calls import PlatformCalls
from airflow_provider_jodo.hooks.platform_capabilities import Capability, PlatformCapabilities
from airflow_provider_jodo.protocol.exetime import ExetimeInput, wall_clock_from_now
from airflow_provider_jodo.protocol.models import ProcessDataImport, ProcessDataRecords, RecordOutcome
from airflow_provider_jodo.protocol.wire.answers import quote_body
from airflow_provider_jodo.protocol.wire.form import form_field
from airflow_provider_jodo.protocol.wire.process_data import (
    PreparedImport,
    encode_jodo_request,
    parse_record_outcomes,
)
from airflow_provider_jodo.protocol.wire.record_values import scalar_text
from airflow_provider_jodo.protocol.wire.redaction import Redactor
from airflow_provider_jodo.protocol.wire.wall_clock import now_wall_clock

IMPORT_METHOD = "ImportProcessData"
ANSWER_BYTES_PER_RECORD = 1024
"""An ImportProcessData answer may grow by this much per record of its batch (its outcome)."""


class ProcessDataOptions(TypedDict, total=False):
    """The request-level arguments of an ImportProcessData call, as `ProcessDataCalls.prepare` takes them.

    The hook's `import_process_data` and `prepare_import` pass them on as keyword arguments;
    this type lets a type checker see them there.
    """

    media: Required[Media | int | str]
    update_key: Required[UpdateKey | str]
    call_datetime: ExetimeInput
    call_type: str | None
    user_login: str | None


@dataclass(frozen=True)
class ProcessDataCalls:
    """The Jodo calls on a process's customer records.

    :param settings: the connection's settings (the Jodo credentials, the time zone).
    :param calls: makes the Jodo calls.
    :param capabilities: where what the answers show about the platform is kept.
    :param redactor: the secrets to remove from what is quoted of an answer.
    """

    settings: JodoConnectionSettings
    calls: PlatformCalls
    capabilities: PlatformCapabilities
    redactor: Redactor

    def prepare(
        self,
        records: Sequence[Mapping[str, Any]],
        *,
        media: Media | int | str,
        update_key: UpdateKey | str,
        call_datetime: ExetimeInput = None,
        call_type: str | None = None,
        user_login: str | None = None,
    ) -> PreparedImport:
        """Encode an ImportProcessData request for `records`, checking the arguments first.

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
            if not isinstance(record, Mapping):
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

    def send(self, request: PreparedImport) -> tuple[str, int]:
        """Post a prepared request; return the answer's (body, HTTP status), unread.

        The answer may be larger than the connection's `max_answer_bytes` by one outcome per
        record, so that a large batch's answer is not refused for its outcomes.

        :param request: what `prepare` encoded.
        :raises JodoConnectionError: the platform could not be reached.
        """
        limit = self.settings.max_answer_bytes + ANSWER_BYTES_PER_RECORD * request.record_count
        return self.calls.post_jodo(request.body, IMPORT_METHOD, answer_limit=limit)

    def read(self, request: PreparedImport, answer: tuple[str, int]) -> ProcessDataImport:
        """Read the outcomes of a prepared request from its answer.

        A success answer without `records` means the platform took every record of the
        request, and each counts as `accepted` (the capability is learned missing).

        :param request: what `prepare` encoded.
        :param answer: what `send` returned for it.
        :raises JodoApiError: the platform refused the whole request (its code is on the error).
        :raises JodoResponseError: the answer has `records`, but not one outcome per record in
            input order.
        """
        payload = self.calls.jodo_payload(answer, IMPORT_METHOD)
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
                f"{quote_body(json.dumps(payload.get('records'))[:600], self.redactor.redact)!r}"
            )
        return ProcessDataImport(request_id=request_id, records=outcomes)

    def get(
        self,
        search: ProcessDataSearch | str,
        value: str | None,
        from_date: date | None,
        to_date: date | None,
    ) -> ProcessDataRecords:
        """Read back the records of the connection's process (getProcessData).

        :param search: what to search by.
        :param value: the value to look for, for every search but `daterange`.
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
        answer = self.calls.jodo(request, "getProcessData")
        records = answer.get("data") or []
        if not isinstance(records, list):
            raise JodoResponseError(f"getProcessData: data is not a list: {type(records).__name__}")
        return ProcessDataRecords(request_id=str(answer.get("requestid", "")), records=tuple(records))
