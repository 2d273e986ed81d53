"""Turning vendor answers into values or typed errors, in one place for both platforms.

Jodo answers carry `status` or `statuscode` (string "001" or a number) and `statusdesc` or
`message`; astercc answers carry `code` (1 success, 2 failure) and a `message` that may be a
`BackMsg_NN` code. Anything else is a `JodoResponseError` quoting the (redacted) body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_jodo.enums import RecordOutcomeKind
from airflow_provider_jodo.exceptions import API_ERROR_BY_CATEGORY, JodoApiError, JodoResponseError
from airflow_provider_jodo.protocol.codes import (
    BACKMSG_CODES,
    JODO_CODES,
    JODO_SUCCESS,
    CodeCategory,
    backmsg,
    data_record_outcome,
    describe_backmsg,
    parse_backmsg,
)
from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits
from airflow_provider_jodo.protocol.wire.relaxed_json import (
    MalformedBodyError,
    parse_body,
    split_php_notices,
)

Redact = Callable[[str], str]
BODY_QUOTE_LIMIT = 300
MAX_NUMBER_DIGITS = 20
"""The most digits a number from an answer (a job id, a count, a row) may have: 2**64 has 20."""


def quote_body(body: str, redact: Redact) -> str:
    """Return the start of an answer's text, redacted, then cut to `BODY_QUOTE_LIMIT` characters.

    Every text quoted from an answer goes through here: redacting before cutting keeps a secret
    from being half cut into view, and cutting keeps a megabyte answer out of messages and logs.
    """
    text = redact(body[: BODY_QUOTE_LIMIT * 2])
    return text[:BODY_QUOTE_LIMIT] + ("..." if len(body) > BODY_QUOTE_LIMIT else "")


def quote_value(value: Any, redact: Redact) -> str:
    """Return the start of a parsed value's repr, redacted, for error messages (see `quote_body`)."""
    return quote_body(repr(value), redact)


def whole_number(value: Any) -> int | None:
    """Return a count, a row or an index from an answer; None when it is not a non-negative whole number.

    Platforms write numbers as numbers or digit strings (PHP); a bool, a negative number, a
    fraction, infinity or more than `MAX_NUMBER_DIGITS` digits is no count.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return value if 0 <= value < 10**MAX_NUMBER_DIGITS else None
    if isinstance(value, str) and is_ascii_digits(value) and len(value) <= MAX_NUMBER_DIGITS:
        return int(value)
    return None


def parse_answer(
    body: str,
    http_status: int,
    what: str,
    redact: Redact,
    *,
    callback: str | None = None,
    on_notices: Callable[[str], None] | None = None,
) -> Any:
    """Parse a body in any vendor shape, after the PHP notices a platform may print before it.

    A non-2xx status or unparseable body is a `JodoResponseError` naming the call (`what`) and
    quoting the redacted body.

    :param callback: the JSONP function name the call sent (None: it sent none); an answer
        wrapped in another one is refused.
    :param on_notices: told the notices split off the answer, quoted (redacted and cut), so that
        the caller logs them; not called when there are none.
    """
    if not 200 <= http_status < 300:
        raise JodoResponseError(
            f"{what}: HTTP {http_status} from the platform: {quote_body(body, redact)!r}",
            http_status=http_status,
        )
    notices, answer = split_php_notices(body)
    if notices and on_notices is not None:
        on_notices(quote_body(notices, redact))
    try:
        return parse_body(answer, callback)
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
    known = JODO_CODES.get(status) if status else None
    if known is None:
        raise JodoResponseError(
            f"{what}: unknown Jodo status {quote_value(raw_status, redact)}: {quote_body(body, redact)!r}"
        )
    vendor_message = quote_body(str(answer.get("message") or answer.get("statusdesc") or ""), redact)
    raise _api_error(
        known.category,
        f"{what} failed: Jodo status {status} ({known.text}): {vendor_message}",
        api="jodo",
        code=status,
        vendor_message=vendor_message,
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
        code_text = quote_value(answer["code"], redact)
        raise JodoResponseError(f"{what}: unknown astercc code {code_text}: {quote_body(body, redact)!r}")
    text = quote_body(str(message), redact)
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


def data_record_answer(code: str | None, message: Any, what: str, redact: Redact) -> RecordOutcomeKind:
    """Tell what a `source=data` importCJI call did with its record, from its answer's code and message.

    A success (`code 1`) counts only with a success message: a success BackMsg code, or plain
    text. A failure BackMsg or an empty message under `code 1` says nothing was stored, so it
    is no outcome but an answer of the wrong shape.

    :param code: the answer's BackMsg code, None for plain text.
    :param message: the answer's message.
    :raises JodoResponseError: the message is no success message.
    """
    outcome = data_record_outcome(code)
    if outcome is None or not isinstance(message, str) or not message.strip():
        said = f"{backmsg(code)} ({describe_backmsg(code)})" if code else quote_value(message, redact)
        raise JodoResponseError(f"{what}: a success answer without a success message: {said}")
    return outcome


def _normalise_jodo_status(raw_status: Any) -> str:
    """Return a Jodo status as a digit string: "001", "1", 1 all mean success (`JODO_SUCCESS`).

    Failure codes are compared as plain digit strings; a status that is no number gives "".
    """
    text = str(raw_status).strip() if isinstance(raw_status, (str, int)) else ""
    if not is_ascii_digits(text) or len(text) > MAX_NUMBER_DIGITS:
        return ""
    return JODO_SUCCESS if int(text) == 1 else text.lstrip("0") or "0"


def _api_error(category: CodeCategory, message: str, **details: Any) -> JodoApiError:
    error_type = API_ERROR_BY_CATEGORY.get(category, API_ERROR_BY_CATEGORY[CodeCategory.PLATFORM])
    return error_type(message, **details)
