"""The platform's documented rules for one customer record of ImportProcessData.

The operator checks records by them before sending (to reject bad ones with reasons, or fail
early). The sandbox judges records with its own reading of the same rules
(`jodo_sandbox/record_rules.py`), so that a bug here cannot pass both sides.

Each record needs a name, a mobile number (3 to 16 digits, one leading + allowed) and an e-mail
address; dates and times have fixed formats; the update-key field must be present.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from airflow_provider_jodo.enums import UpdateKey
from airflow_provider_jodo.protocol.wire.record_values import field_text, scalar_text
from airflow_provider_jodo.protocol.wire.wall_clock import is_date, is_time, is_wall_clock

__all__ = [
    "FORMATTED_RECORD_FIELDS",
    "MOBILE_NUMBER",
    "REQUIRED_RECORD_FIELDS",
    "check_lead",
    "field_text",
    "scalar_text",
]

MOBILE_NUMBER = re.compile(r"\+?[0-9]{3,16}")
REQUIRED_RECORD_FIELDS = ("name", "mobilenumber", "emailid")
# Record fields with a fixed format, and the check each must pass when present.
FORMATTED_RECORD_FIELDS = (
    ("dateofleadcreation", is_date, "YYYY-MM-DD"),
    ("timeofleadcreation", is_time, "hh:mm:ss"),
    ("callDateTime", is_wall_clock, "YYYY-MM-DD hh:mm:ss"),
)


def check_lead(record: Mapping[str, Any], update_key: UpdateKey) -> tuple[dict[str, str], str | None]:
    """Return the record's fields as text and the reason to reject it (None: accepted).

    A null value counts as absent; the reason names the field, never its value: reasons reach
    logs and error messages, and a lead's number or address is personal data (the report line
    carries the record's key).
    """
    fields: dict[str, str] = {}
    for name, value in record.items():
        if type(value) is str and value.isascii() and type(name) is str:
            fields[name] = value  # nearly every value: skip the general checks (per record)
            continue
        if value is None:
            continue
        try:
            fields[name] = field_text(name, value)
        except ValueError as error:
            return fields, str(error)
    for name in REQUIRED_RECORD_FIELDS:
        if not fields.get(name, "").strip():
            return fields, f"{name} is missing or empty"
    if not MOBILE_NUMBER.fullmatch(fields["mobilenumber"]):
        return (
            fields,
            "mobilenumber is not 3 to 16 digits (one leading + allowed)",
        )
    if "@" not in fields["emailid"]:
        return fields, "emailid has no @"
    for name, check, written in FORMATTED_RECORD_FIELDS:
        if name in fields and not check(fields[name]):
            return fields, f"{name} is not {written}"
    if not fields.get(update_key.value, "").strip():
        return fields, f"{update_key.value} (the updateparam field) is missing or empty"
    return fields, None
