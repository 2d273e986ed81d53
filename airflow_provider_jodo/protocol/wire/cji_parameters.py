"""Encoding of importCJI parameters: the 21 wire names, the `context` of `source=data`, the yes/no flags.

The vendor requires every parameter on every call, empty when unused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_jodo.exceptions import UnencodableRecordError

# The documented tables live in `wire.protocol`, which the sandbox shares; this module encodes.
from airflow_provider_jodo.protocol.wire.protocol import (
    CJI_PARAMETERS,
    CREDENTIAL_PARAMETERS,
    FIELD_SEPARATOR,
    FILE_URL_SCHEMES,
    KEY_VALUE_SEPARATOR,
    REPORTED_JOB_PARAMETERS,
)
from airflow_provider_jodo.protocol.wire.record_values import field_text

__all__ = [
    "CJI_PARAMETERS",
    "CREDENTIAL_PARAMETERS",
    "FIELD_SEPARATOR",
    "FILE_URL_SCHEMES",
    "KEY_VALUE_SEPARATOR",
    "REPORTED_JOB_PARAMETERS",
    "UnencodableRecordError",
    "encode_context",
    "encode_delrow",
    "file_key",
    "names_csv_file",
    "refuse_url_login",
    "yes_no",
]


def encode_context(record: Mapping[str, Any]) -> str:
    """`field1=value1||field2=value2` for one record.

    The format has no escaping, so a key or value holding `||` or `=`, or a value starting or
    ending with `|` (it would merge with a separator), is rejected with an error naming the
    field: sending it would silently store a different value. Route such records through an
    http/ftp file job instead. None becomes an empty value; other values must be strings or
    integers (`lead_rules.field_text`). Field names are trimmed and case-insensitive on the
    platform, so two keys that name the same field that way are refused too.
    """
    if not record:
        raise UnencodableRecordError("the record has no fields")
    segments = []
    seen: dict[str, Any] = {}
    for key, value in record.items():
        try:
            text = "" if value is None else field_text(key, value)
        except ValueError as error:
            raise UnencodableRecordError(f"{error}; source=data cannot carry it") from None
        name = key.strip()
        if not name or "|" in name or KEY_VALUE_SEPARATOR in name:
            raise UnencodableRecordError(f"field name {key!r} is empty or contains '|' or '='")
        if name.casefold() in seen:
            raise UnencodableRecordError(
                f"field name {key!r} names the same field as {seen[name.casefold()]!r}"
            )
        seen[name.casefold()] = key
        if (
            FIELD_SEPARATOR in text
            or KEY_VALUE_SEPARATOR in text
            or text.startswith("|")
            or text.endswith("|")
        ):
            raise UnencodableRecordError(
                f"field {name!r} value {text!r} contains '||' or '=' or starts/ends with '|', which "
                "source=data cannot carry; import such records from a CSV file (source=http or ftp)"
            )
        segments.append(f"{name}{KEY_VALUE_SEPARATOR}{text}")
    return FIELD_SEPARATOR.join(segments)


def names_csv_file(path: str) -> bool:
    """Tell whether a file path ends in `.csv`, in any case: the platform imports CSV files only (BackMsg_86).

    :param path: the file's path; of a URL, its path alone, since a signed URL's query
        (`?token=...`) follows the name.
    """
    return path.lower().endswith(".csv")


def yes_no(value: bool | None, parameter: str) -> str:
    """`yes`/`no` for a flag, empty (the platform's default) for None.

    :raises ValueError: naming `parameter` for anything but a bool or None: the text "no" is
        truthy and would be sent as `yes`.
    """
    if value is None:
        return ""
    if not isinstance(value, bool):
        raise ValueError(f"{parameter}={value!r} must be True, False or None")
    return "yes" if value else "no"


def encode_delrow(delrow: int | None) -> str:
    """`delrow`: how many leading lines of the file to drop; empty (none) for None.

    :raises ValueError: for anything but a non-negative integer.
    """
    if delrow is None:
        return ""
    if isinstance(delrow, bool) or not isinstance(delrow, int) or delrow < 0:
        raise ValueError(f"delrow={delrow!r} is not a non-negative number of lines")
    return str(delrow)


def refuse_url_login(file_url: str) -> None:
    """Refuse a file URL that carries a login (`scheme://user:password@host/...`).

    A login in the URL would be stored wherever the URL is: the task's rendered template
    fields and state in Airflow's metadata database, XCom, logs. The file server's login travels
    as `source_user`/`source_pwd`, taken from an Airflow connection (the operators'
    `source_conn_id`).
    :raises ValueError: naming the URL without its login.
    """
    parts = urlsplit(file_url)
    if "@" not in parts.netloc:
        return
    without_login = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    raise ValueError(
        f"file_url {without_login!r} carries a login: it would be stored in Airflow's metadata "
        "database with the task. Put the file server's login in an Airflow connection and pass "
        "source_conn_id (the hook: source_user and source_pwd)"
    )


def file_key(file_url: str) -> str:
    """Return a short, stable digest of a file URL.

    It keys stored state by a URL that may hold a signed query (a token) without storing the URL
    itself.
    """
    return hashlib.sha256(file_url.encode("utf-8")).hexdigest()[:32]
