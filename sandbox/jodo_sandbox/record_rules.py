"""How the sandbox judges one ImportProcessData record, written from the documented rules.

The rules are in docs/protocol-decisions.md, section A; this reading is apart from the
operator's `lead_rules`: a bug shared by the provider's check and the platform's would pass
every test.

A record is rejected, naming the field, when a value is not text or an integer (null counts as
absent), when `name`, `mobilenumber` or `emailid` is missing or empty, when the mobile number is
not 3 to 16 digits (one leading `+`), when the e-mail has no `@`, when a date, time or date-time
field is not in its format, or when the update-key field is missing or empty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from airflow_provider_jodo.enums import UpdateKey
from jodo_sandbox.clock import is_date, is_time, is_wall_clock

_MOBILE_NUMBER = re.compile(r"\+?[0-9]{3,16}", re.ASCII)
_MANDATORY = ("name", "mobilenumber", "emailid")
_FORMATS = {
    "dateofleadcreation": (is_date, "YYYY-MM-DD"),
    "timeofleadcreation": (is_time, "hh:mm:ss"),
    "callDateTime": (is_wall_clock, "YYYY-MM-DD hh:mm:ss"),
}


def value_as_text(value: object) -> str | None:
    """Return a JSON value as the platform stores it: text as is, an integer written out, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) else None


def judge_record(record: Mapping[str, Any], update_key: UpdateKey) -> tuple[dict[str, str], str | None]:
    """Return (the record's fields as stored text, the reason it is rejected or None)."""
    fields: dict[str, str] = {}
    for name, value in record.items():
        if value is None:
            continue
        text = value_as_text(value)
        if text is None:
            return fields, f"{name} must be text or an integer, not {type(value).__name__}"
        if not _is_unicode(text) or not _is_unicode(name):
            return fields, f"{name!r} holds a lone surrogate, which is not Unicode text"
        fields[name] = text
    reason = _first_broken_rule(fields, update_key)
    return fields, reason


def _first_broken_rule(fields: Mapping[str, str], update_key: UpdateKey) -> str | None:
    for name in _MANDATORY:
        if not fields.get(name, "").strip():
            return f"{name} is missing or empty"
    if _MOBILE_NUMBER.fullmatch(fields["mobilenumber"]) is None:
        return f"mobilenumber {fields['mobilenumber']!r} must be 3 to 16 digits, with one leading + at most"
    if "@" not in fields["emailid"]:
        return f"emailid {fields['emailid']!r} is not an e-mail address (no @)"
    for name, (is_valid, layout) in _FORMATS.items():
        if name in fields and not is_valid(fields[name]):
            return f"{name} {fields[name]!r} must be written {layout}"
    if not fields.get(update_key.value, "").strip():
        return f"{update_key.value}, the updateparam field, is missing or empty"
    return None


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
