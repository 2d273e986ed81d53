"""Readable names for the BackMsg codes the sandbox answers with.

The codes and their texts live in `airflow_provider_jodo.codes`; this module only names them,
and fails at import time if a name points at a code that table does not define.
"""

from __future__ import annotations

from airflow_provider_jodo.codes import BACKMSG_CODES, BACKMSG_JOB_NOT_FOUND


def _known(code: str) -> str:
    if code not in BACKMSG_CODES:
        raise ImportError(f"BackMsg_{code} is not defined in airflow_provider_jodo.codes")
    return code


EMPTY_PARAMETERS = _known("01")
UNKNOWN_ORGANISATION = _known("02")
AGENT_DISABLED = _known("05")
AGENT_NOT_FOUND = _known("06")
AGENT_WRONG_PASSWORD = _known("07")
ACCOUNT_NOT_FOUND = _known("15")
ACCOUNT_LOGIN_FAILED = _known("63")
BAD_CAMPAIGN_ID = _known("67")
BAD_MODEL = _known("70")
EMPTY_CONTEXT = _known("71")
BAD_SOURCE = _known("72")
CAMPAIGN_NOT_FOUND = _known("73")
HEADER_MISMATCH = _known("74")
BAD_CONTEXT = _known("75")
REQUIRED_FIELD_MISSING = _known("76")
STATUS_RESET = _known("77")
CUSTOMER_UPDATED = _known("78")
PUT_IN_DIAL_LIST = _known("80")
DUPLICATE_PHONE = _known("82")
IMPORTED_WITH_DIAL_LIST = _known("83")
IMPORTED = _known("84")
STORAGE_ERROR = _known("85")
CSV_ONLY = _known("86")
JOB_NOT_CREATED = _known("87")
FETCH_FAILED = _known("89")
JOB_NOT_FOUND = _known(BACKMSG_JOB_NOT_FOUND)
