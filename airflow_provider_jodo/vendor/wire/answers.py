"""Turning vendor answers into values or typed errors, in one place for both platforms.

Jodo answers carry `status` or `statuscode` (string "001" or a number) and `statusdesc` or
`message`; astercc answers carry `code` (1 success, 2 failure) and a `message` that may be a
`BackMsg_NN` code. Anything else is a `JodoResponseError` quoting the (redacted) body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_jodo.exceptions import API_ERROR_BY_CATEGORY, JodoApiError, JodoResponseError
from airflow_provider_jodo.vendor.codes import (
    BACKMSG_CODES,
    JODO_CODES,
    JODO_SUCCESS,
    CodeCategory,
    backmsg,
    describe_backmsg,
    parse_backmsg,
)
from airflow_provider_jodo.vendor.wire.relaxed_json import MalformedBodyError, parse_body

Redact = Callable[[str], str]
BODY_QUOTE_LIMIT = 300


def quote_body(body: str, redact: Redact) -> str:
    """Return the start of a body, redacted, for error messages."""
    text = redact(body[: BODY_QUOTE_LIMIT * 2])
    return text[:BODY_QUOTE_LIMIT] + ("..." if len(body) > BODY_QUOTE_LIMIT else "")


def quote_value(value: Any, redact: Redact) -> str:
    """Return the start of a parsed value's repr, redacted, for error messages.

    An answer may be megabytes long, and only its start helps a reader.
    """
    return redact(repr(value)[:BODY_QUOTE_LIMIT])


def parse_answer(body: str, http_status: int, what: str, redact: Redact) -> Any:
    """Parse a body in any vendor shape.

    A non-2xx status or unparseable body is a `JodoResponseError` naming the call (`what`) and
    quoting the redacted body.
    """
    if not 200 <= http_status < 300:
        raise JodoResponseError(
            f"{what}: HTTP {http_status} from the platform: {quote_body(body, redact)!r}",
            http_status=http_status,
        )
    try:
        return parse_body(body)
    except MalformedBodyError as error:
        raise JodoResponseError(
            f"{what}: the answer is not JSON or JSONP ({error}): {quote_body(body, redact)!r}",
            http_status=http_status,
        ) from None


def jodo_payload(answer: Any, body: str, what: str, redact: Redact) -> dict[str, Any]:
    """Return the answer of a successful Jodo call; raise the typed error for a failure code."""
    if not isinstance(answer, dict):
        raise JodoResponseError(f"{what}: expected a JSON object, got {quote_body(body, redact)!r}")
    raw_status = answer.get("status", answer.get("statuscode"))
    if raw_status is None:
        raise JodoResponseError(f"{what}: the answer has no status: {quote_body(body, redact)!r}")
    status = _normalise_jodo_status(raw_status)
    if status == JODO_SUCCESS:
        return answer
    vendor_message = str(answer.get("message") or answer.get("statusdesc") or "")
    known = JODO_CODES.get(status)
    if known is None:
        raise JodoResponseError(f"{what}: unknown Jodo status {raw_status!r}: {quote_body(body, redact)!r}")
    raise _api_error(
        known.category,
        f"{what} failed: Jodo status {status} ({known.text}): {redact(vendor_message)}",
        api="jodo",
        code=status,
        vendor_message=redact(vendor_message),
    )


def astercc_message(answer: Any, body: str, what: str, redact: Redact) -> tuple[str | None, Any]:
    """Return `(backmsg_code, message)` of a successful astercc call; raise the typed error for `code: 2`.

    `backmsg_code` is None when the message is plain text or an object.
    """
    if not isinstance(answer, dict) or "code" not in answer:
        raise JodoResponseError(f"{what}: expected {{code, message}}, got {quote_body(body, redact)!r}")
    code = str(answer["code"]).strip()
    message = answer.get("message", "")
    backmsg_code = parse_backmsg(message)
    if code == "1":
        return backmsg_code, message
    if code != "2":
        raise JodoResponseError(
            f"{what}: unknown astercc code {answer['code']!r}: {quote_body(body, redact)!r}"
        )
    text = redact(str(message))
    if backmsg_code is None:
        raise _api_error(
            CodeCategory.PLATFORM, f"{what} failed: {text}", api="astercc", code=None, vendor_message=text
        )
    known = BACKMSG_CODES.get(backmsg_code)
    category = known.category if known else CodeCategory.PLATFORM
    raise _api_error(
        category,
        f"{what} failed: {backmsg(backmsg_code)} ({describe_backmsg(backmsg_code)})",
        api="astercc",
        code=backmsg_code,
        vendor_message=text,
    )


def _normalise_jodo_status(raw_status: Any) -> str:
    """Return a Jodo status as a digit string: "001", "1", 1 all mean success (`JODO_SUCCESS`).

    Failure codes are compared as plain digit strings.
    """
    text = str(raw_status).strip()
    if text.isdigit() and int(text) == 1:
        return JODO_SUCCESS
    return text.lstrip("0") or "0"


def _api_error(category: CodeCategory, message: str, **details: Any) -> JodoApiError:
    error_type = API_ERROR_BY_CATEGORY.get(category, API_ERROR_BY_CATEGORY[CodeCategory.PLATFORM])
    return error_type(message, **details)
