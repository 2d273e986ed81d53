"""The Jodo Customer Web Service on the wire: the ImportProcessData request and its answer.

The request is JSON in the `data` field of a form POST, kept as bytes; the answer may carry one
outcome per record (our extension, an optional capability), read here.

The form body is one url-encoded field (`data=<json>`). A form parser (the vendor's servlet,
Python's `parse_qs`, any WHATWG one) splits the body on `&`, the field on its first `=`, turns
`+` into a space and decodes `%XX`; every other byte stands for itself. So only those
characters, and what a body must not carry raw (spaces, `#`, `;` which old parsers also split
on, and non-ASCII text), need escaping; JSON's quotes, braces, colons and commas do not. The
vendor's own examples post the JSON raw (`curl -d "data={...}"`). Escaping everything, as
`urllib.parse.urlencode` does, cost about 4 µs per record of a 500-record request, more than
validating and JSON-encoding it together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from airflow_provider_jodo.enums import RecordOutcomeKind
from airflow_provider_jodo.protocol.models import RecordOutcome
from airflow_provider_jodo.protocol.wire.answers import whole_number

_OUTCOME_KINDS = {kind.value: kind for kind in RecordOutcomeKind}
_KEY_TYPES = (str, int, type(None))
_REASON_TYPES = (str, type(None))

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=UTF-8"
# `%` first, so that the escapes made after it are not escaped again; the space after `+`,
# so that the `+` it becomes is not escaped either. JSON text has no raw control characters
# other than DEL (json.dumps escapes the rest).
_ESCAPES = (
    ("%", "%25"),
    ("+", "%2B"),
    ("&", "%26"),
    ("=", "%3D"),
    (";", "%3B"),
    ("#", "%23"),
    ("\x7f", "%7F"),
    (" ", "+"),
)
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def form_field(name: str, json_text: str) -> bytes:
    """`name=<json_text escaped>` as the UTF-8 body of a form POST (`FORM_CONTENT_TYPE`).

    `json_text` must be JSON as `json.dumps` writes it (no raw control characters but DEL);
    the parser on the other side gets it back unchanged.
    """
    value = json_text
    for character, escape in _ESCAPES:
        if character in value:
            value = value.replace(character, escape)
    if not value.isascii():
        value = _NON_ASCII_RUN.sub(lambda run: quote(run.group(), safe=""), value)
    return f"{quote(name, safe='')}={value}".encode("ascii")


@dataclass(frozen=True)
class PreparedImport:
    """An ImportProcessData request encoded for the wire (`JodoHook.prepare_import`).

    :param body: the form body; it carries the API key, so it is never logged.
    :param keys: the update-key value of each record the request holds, in order (as text, None
        when absent), for the outcomes when the answer has none.
    """

    body: bytes = field(repr=False)
    keys: tuple[str | None, ...] = field(repr=False)

    @property
    def record_count(self) -> int:
        """Count the records of the request, which bound the size of its answer."""
        return len(self.keys)


def encode_jodo_request(request: dict[str, Any]) -> str:
    """Encode the request as compact JSON.

    A value JSON cannot carry (a date, a set, ...) raises a ValueError naming its record,
    looked for only on failure so that the common path stays one `json.dumps`.

    :param request: the request's fields, its records under `Data`.
    """
    try:
        return json.dumps(request, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        for index, record in enumerate(request.get("Data", ())):
            try:
                json.dumps(record)
            except (TypeError, ValueError):
                raise ValueError(
                    f"records[{index}] holds a value JSON cannot carry ({error}); convert dates to "
                    "YYYY-MM-DD strings"
                ) from None
        raise ValueError(f"the request cannot be encoded as JSON: {error}") from None


def parse_record_outcomes(raw: Any, expected: int) -> tuple[RecordOutcome, ...] | None:
    """Read the platform's per-record outcomes from an answer's `records`.

    Anything but exactly one outcome per input record, in input order, gives None: taking a
    partial list would hide lost records. So does an entry of the wrong shape: an index that is
    no whole number, a key that is neither text nor a number, a reason that is not text.

    Runs once per record of every import, on the thread that also checks and encodes the next
    batch, so the shapes `json.loads` gives (a dict, an int index, a lower-case outcome) are
    taken first, each check falling back to the general one, and the outcomes are built with
    positional arguments (a frozen dataclass takes keywords at twice the cost).

    :param raw: the answer's `records` value, as parsed.
    :param expected: how many records the request sent.
    """
    if not isinstance(raw, list) or len(raw) != expected:
        return None
    outcomes = []
    for position, entry in enumerate(raw):
        if type(entry) is not dict and not isinstance(entry, Mapping):
            return None
        index = entry.get("index")
        if (index if type(index) is int else whole_number(index)) != position:
            return None
        written = entry.get("outcome", "")
        outcome = _OUTCOME_KINDS.get(written) if type(written) is str else None
        if outcome is None:
            outcome = _OUTCOME_KINDS.get(str(written).lower())
        key, reason = entry.get("key"), entry.get("reason")
        if outcome is None or not isinstance(key, _KEY_TYPES) or not isinstance(reason, _REASON_TYPES):
            return None
        outcomes.append(RecordOutcome(position, None if key is None else str(key), outcome, reason or None))
    return tuple(outcomes)
