"""What the provider can check of an importCJI record before the platform sees it.

The provider does not know a campaign's form, but it knows the dial list's column
(`phone_field`): importCJI stores whatever that column holds and dials it, so `12ab` would land
on a dial list. It also knows what a `source=data` context can carry. Messages name the field,
never its value (lead data is personal data).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from airflow_provider_jodo.exceptions import UnencodableRecordError
from airflow_provider_jodo.loading.lead_rules import MOBILE_NUMBER
from airflow_provider_jodo.loading.record_sources import not_a_record_reason
from airflow_provider_jodo.protocol.wire.cji_parameters import encode_context
from airflow_provider_jodo.protocol.wire.record_values import scalar_text


def dial_numbers(record: Mapping[str, Any], phone_field: str) -> Iterator[tuple[str, str]]:
    """Yield the record's dial-list fields as (name in the record, text trimmed), those holding text.

    Nothing when there is no dial list (`phone_field` empty). Field names are compared as
    importCJI compares them: case-insensitively, trimmed (so a record may hold more than one).

    :param record: the record, by field name.
    :param phone_field: the policies' `phone_field`.
    """
    if not phone_field:
        return
    wanted = phone_field.strip().casefold()
    for name, value in record.items():
        if isinstance(name, str) and name.strip().casefold() == wanted:
            text = scalar_text(value)
            if text:
                yield name, text.strip()


def dial_number_problem(record: Mapping[str, Any], phone_field: str) -> str | None:
    """Return why the record's dial-list number cannot be dialled, or None (fine, or no dial list).

    An empty number is left to the platform, whose form says whether the field is required.

    :param record: the record, by field name (compared case-insensitively, trimmed).
    :param phone_field: the policies' `phone_field`; empty means no dial list.
    """
    for name, number in dial_numbers(record, phone_field):
        if not MOBILE_NUMBER.fullmatch(number):
            return f"{name} (the dial list's phone_field) is not 3 to 16 digits (one leading + allowed)"
    return None


def data_record_problem(record: Any, phone_field: str) -> str | None:
    """Return why a record cannot go out as an importCJI `source=data` call, or None.

    :param record: one input record (after the column mapping).
    :param phone_field: the policies' `phone_field`.
    """
    if not isinstance(record, Mapping):
        return not_a_record_reason(record)
    try:
        encode_context(record)
    except UnencodableRecordError as error:
        return str(error)
    return dial_number_problem(record, phone_field)


def refusal_naming_fields(refusal: Exception, record: Mapping[str, Any]) -> str:
    """Return a platform's refusal of a record with the record's field names, to find the field at fault.

    importCJI's `BackMsg_75` (bad context) and `BackMsg_76` (required field missing) name no
    field; the record's own field names (never their values) let the reader see which is
    missing or unknown to the form.

    :param refusal: the platform's error for the record.
    :param record: the record that was sent.
    """
    names = ", ".join(repr(str(name)) for name in record) or "none"
    return f"{refusal}; the record's fields: {names}"
