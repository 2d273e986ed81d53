"""Vendor status codes and their meaning, shared by the hook and the sandbox so that both always agree.

The hook explains them; the sandbox answers with them.

Jodo answers carry a numeric code in `status`/`statuscode`; astercc answers carry messages
that are often `BackMsg_NN` codes. Codes marked "sandbox-defined" are our decisions where the
vendors publish nothing (see docs/protocol-decisions.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from airflow_provider_jodo.enums import CodeCategory, RecordOutcomeKind


@dataclass(frozen=True)
class VendorCode:
    """One vendor code: its wire value, readable text and category."""

    code: str
    text: str
    category: CodeCategory


JODO_SUCCESS = "001"

# Jodo ImportProcessData / getProcessData status codes.
JODO_API_KEY_NOT_FOUND = "1107"
JODO_SERVICE_KEY_NOT_FOUND = "1108"
JODO_KEYS_DO_NOT_MATCH = "1243"
# Sandbox-defined (the vendor documents none of these):
JODO_INVALID_JSON = "1301"
JODO_MISSING_KEY = "1302"
JODO_UNKNOWN_METHOD = "1303"
JODO_TOO_MANY_RECORDS = "1304"
JODO_UNKNOWN_MEDIA = "1305"
JODO_UNKNOWN_UPDATE_PARAM = "1306"
JODO_BAD_DATETIME = "1307"
JODO_UNKNOWN_USER_LOGIN = "1308"
JODO_DATA_NOT_A_LIST = "1309"
JODO_UNKNOWN_SEARCH_PARAM = "1310"

JODO_CODES: dict[str, VendorCode] = {
    c.code: c
    for c in (
        VendorCode(JODO_SUCCESS, "success", CodeCategory.SUCCESS),
        VendorCode(JODO_API_KEY_NOT_FOUND, "API key not found", CodeCategory.AUTHENTICATION),
        VendorCode(JODO_SERVICE_KEY_NOT_FOUND, "service key not found", CodeCategory.AUTHENTICATION),
        VendorCode(
            JODO_KEYS_DO_NOT_MATCH, "service key and API key do not match", CodeCategory.AUTHENTICATION
        ),
        VendorCode(JODO_INVALID_JSON, "the data parameter is not valid JSON", CodeCategory.INVALID_REQUEST),
        VendorCode(JODO_MISSING_KEY, "a mandatory request key is missing", CodeCategory.INVALID_REQUEST),
        VendorCode(JODO_UNKNOWN_METHOD, "unknown method", CodeCategory.INVALID_REQUEST),
        VendorCode(JODO_TOO_MANY_RECORDS, "too many records in one request", CodeCategory.INVALID_REQUEST),
        VendorCode(JODO_UNKNOWN_MEDIA, "unknown media code", CodeCategory.INVALID_REQUEST),
        VendorCode(JODO_UNKNOWN_UPDATE_PARAM, "unknown updateparam", CodeCategory.INVALID_REQUEST),
        VendorCode(JODO_BAD_DATETIME, "a date-time is not YYYY-MM-DD hh:mm:ss", CodeCategory.INVALID_REQUEST),
        VendorCode(JODO_UNKNOWN_USER_LOGIN, "userlogin does not exist", CodeCategory.INVALID_REQUEST),
        VendorCode(JODO_DATA_NOT_A_LIST, "Data is not a JSON array of objects", CodeCategory.INVALID_REQUEST),
        VendorCode(JODO_UNKNOWN_SEARCH_PARAM, "unknown searchparam", CodeCategory.INVALID_REQUEST),
    )
}

# astercc importCJI BackMsg codes (two digits, as the vendor writes them).
BACKMSG_CODES: dict[str, VendorCode] = {
    c.code: c
    for c in (
        VendorCode("01", "empty parameters", CodeCategory.INVALID_REQUEST),
        VendorCode("02", "wrong or missing organisation identity", CodeCategory.AUTHENTICATION),
        VendorCode("03", "agent missing or wrong password", CodeCategory.AUTHENTICATION),
        VendorCode("05", "agent disabled", CodeCategory.AUTHENTICATION),
        VendorCode("06", "agent does not exist", CodeCategory.AUTHENTICATION),
        VendorCode("07", "wrong password", CodeCategory.AUTHENTICATION),
        VendorCode("15", "account does not exist", CodeCategory.AUTHENTICATION),
        VendorCode("63", "account login failed", CodeCategory.AUTHENTICATION),
        VendorCode("67", "wrong campaign id", CodeCategory.NOT_FOUND),
        VendorCode("70", "bad modeltype or model_id", CodeCategory.INVALID_REQUEST),
        VendorCode("71", "empty context", CodeCategory.INVALID_REQUEST),
        VendorCode("72", "bad source", CodeCategory.INVALID_REQUEST),
        VendorCode("73", "campaign does not exist", CodeCategory.NOT_FOUND),
        VendorCode("74", "file header does not match the table", CodeCategory.INVALID_REQUEST),
        VendorCode("75", "bad context", CodeCategory.INVALID_REQUEST),
        VendorCode("76", "required field missing", CodeCategory.INVALID_REQUEST),
        VendorCode("77", "customer status reset", CodeCategory.SUCCESS),
        VendorCode("78", "customer updated", CodeCategory.SUCCESS),
        VendorCode("80", "put in the dial list", CodeCategory.SUCCESS),
        VendorCode("81", "duplicate data", CodeCategory.DUPLICATE),
        VendorCode("82", "duplicate phone number", CodeCategory.DUPLICATE),
        VendorCode("83", "imported to the campaign and the dial list", CodeCategory.SUCCESS),
        VendorCode("84", "imported to the campaign", CodeCategory.SUCCESS),
        VendorCode("85", "storage error", CodeCategory.PLATFORM),
        VendorCode("86", "CSV files only", CodeCategory.INVALID_REQUEST),
        VendorCode("87", "could not create the import job", CodeCategory.INVALID_REQUEST),
        VendorCode("89", "could not fetch the remote file", CodeCategory.PLATFORM),
        # Sandbox-defined: the status method is ours, so is its "unknown job" answer.
        VendorCode("91", "import job not found", CodeCategory.NOT_FOUND),
    )
}

BACKMSG_JOB_NOT_FOUND = "91"


class BackMsgCode:
    """The BackMsg codes by name (two-digit strings, as the vendor writes them).

    So no code is written bare outside this module; each is in `BACKMSG_CODES` (checked at import).
    """

    EMPTY_PARAMETERS = "01"
    UNKNOWN_ORGANISATION = "02"
    AGENT_MISSING_OR_WRONG_PASSWORD = "03"
    AGENT_DISABLED = "05"
    AGENT_NOT_FOUND = "06"
    AGENT_WRONG_PASSWORD = "07"
    ACCOUNT_NOT_FOUND = "15"
    ACCOUNT_LOGIN_FAILED = "63"
    BAD_CAMPAIGN_ID = "67"
    BAD_MODEL = "70"
    EMPTY_CONTEXT = "71"
    BAD_SOURCE = "72"
    CAMPAIGN_NOT_FOUND = "73"
    HEADER_MISMATCH = "74"
    BAD_CONTEXT = "75"
    REQUIRED_FIELD_MISSING = "76"
    STATUS_RESET = "77"
    CUSTOMER_UPDATED = "78"
    PUT_IN_DIAL_LIST = "80"
    DUPLICATE_DATA = "81"
    DUPLICATE_PHONE = "82"
    IMPORTED_WITH_DIAL_LIST = "83"
    IMPORTED = "84"
    STORAGE_ERROR = "85"
    CSV_ONLY = "86"
    JOB_NOT_CREATED = "87"
    FETCH_FAILED = "89"
    JOB_NOT_FOUND = BACKMSG_JOB_NOT_FOUND


_UNNAMED = {value for name, value in vars(BackMsgCode).items() if name.isupper()} - set(BACKMSG_CODES)
if _UNNAMED:
    raise ImportError(f"BackMsgCode names codes that BACKMSG_CODES lacks: {sorted(_UNNAMED)}")

_UPDATED_RECORD_CODES = frozenset(
    {BackMsgCode.STATUS_RESET, BackMsgCode.CUSTOMER_UPDATED, BackMsgCode.PUT_IN_DIAL_LIST}
)
"""Success codes of a `source=data` record that was already in the campaign: it was updated."""

CREDENTIAL_FIELDS: dict[str, str] = {
    BackMsgCode.UNKNOWN_ORGANISATION: "its schema (the astercc organisation identity)",
    BackMsgCode.AGENT_MISSING_OR_WRONG_PASSWORD: "its login (the astercc agent number) and password",
    BackMsgCode.AGENT_DISABLED: "its login (the astercc agent number, disabled on the platform)",
    BackMsgCode.AGENT_NOT_FOUND: "its login (the astercc agent number)",
    BackMsgCode.AGENT_WRONG_PASSWORD: "its password and extra pwdtype",
    BackMsgCode.ACCOUNT_NOT_FOUND: "its login (the astercc user)",
    BackMsgCode.ACCOUNT_LOGIN_FAILED: "its login (the astercc user) and password",
    JODO_API_KEY_NOT_FOUND: "its extra apikey",
    JODO_SERVICE_KEY_NOT_FOUND: "its extra servicekey",
    JODO_KEYS_DO_NOT_MATCH: "its extras apikey and servicekey",
}
"""Credential code (BackMsg or Jodo status) -> the `jodo` connection's fields a user should check."""

_CREDENTIAL_CODES = {
    code
    for table in (BACKMSG_CODES, JODO_CODES)
    for code, known in table.items()
    if known.category is CodeCategory.AUTHENTICATION
}
if set(CREDENTIAL_FIELDS) != _CREDENTIAL_CODES:
    raise ImportError(
        f"CREDENTIAL_FIELDS must name the fields of each credential code: {sorted(_CREDENTIAL_CODES)}"
    )

_BACKMSG_PATTERN = re.compile(r"\s*+BackMsg_([0-9]{1,4})\s*+")


def backmsg(code: str) -> str:
    """Return the wire form of a BackMsg code, e.g. `backmsg("83") == "BackMsg_83"`."""
    return f"BackMsg_{code}"


def parse_backmsg(message: object) -> str | None:
    """Return the two-digit code of a `BackMsg_NN` message, or None when the message is plain text."""
    if not isinstance(message, str):
        return None
    match = _BACKMSG_PATTERN.fullmatch(message)
    return match.group(1).zfill(2) if match else None


def describe_backmsg(code: str) -> str:
    """Readable text for a BackMsg code; unknown codes say so rather than guess."""
    known = BACKMSG_CODES.get(code)
    return known.text if known else f"unknown astercc code BackMsg_{code}"


def data_record_outcome(code: str | None) -> RecordOutcomeKind | None:
    """Tell what an importCJI `source=data` call did with its record, by the answer's BackMsg code.

    A duplicate the policies left as it was (81, 82) is `skipped`; 77, 78 and 80 `updated` a
    customer already there; 83, 84 or a plain-text message `inserted` it. Any other code
    (a failure, or one we do not know) stored nothing we can name: None.

    :param code: the answer's BackMsg code, None for a plain-text success message.
    """
    if code is None:
        return RecordOutcomeKind.INSERTED
    known = BACKMSG_CODES.get(code)
    if known is not None and known.category is CodeCategory.DUPLICATE:
        return RecordOutcomeKind.SKIPPED
    if known is None or known.category is not CodeCategory.SUCCESS:
        return None
    return RecordOutcomeKind.UPDATED if code in _UPDATED_RECORD_CODES else RecordOutcomeKind.INSERTED
