"""Every documented vendor code becomes its typed exception, carrying the code."""

import json

import pytest

from airflow_provider_jodo.enums import CodeCategory, RecordOutcomeKind
from airflow_provider_jodo.exceptions import (
    API_ERROR_BY_CATEGORY,
    JodoAuthenticationError,
    JodoPlatformError,
    JodoResponseError,
)
from airflow_provider_jodo.protocol.codes import BACKMSG_CODES, JODO_CODES
from airflow_provider_jodo.protocol.wire.answers import (
    BODY_QUOTE_LIMIT,
    astercc_message,
    data_record_answer,
    jodo_payload,
    parse_answer,
)
from airflow_provider_jodo.protocol.wire.redaction import Redactor

CALLBACK = "airflowJodo"


def no_redaction(text):
    return text


FAILURE_BACKMSGS = [c for c in BACKMSG_CODES.values() if c.category is not CodeCategory.SUCCESS]
FAILURE_JODO = [c for c in JODO_CODES.values() if c.category is not CodeCategory.SUCCESS]


@pytest.mark.parametrize("vendor_code", FAILURE_BACKMSGS, ids=lambda c: f"BackMsg_{c.code}")
def test_each_backmsg_failure_raises_its_type(vendor_code):
    body = f"airflowJodo({{code:2,message:'BackMsg_{vendor_code.code}'}})"
    with pytest.raises(API_ERROR_BY_CATEGORY[vendor_code.category]) as raised:
        astercc_message(
            parse_answer(body, 200, "importCJI", no_redaction, callback=CALLBACK),
            body,
            "importCJI",
            no_redaction,
        )
    assert raised.value.code == vendor_code.code
    assert raised.value.api == "astercc"
    assert vendor_code.text in str(raised.value)


@pytest.mark.parametrize("vendor_code", FAILURE_JODO, ids=lambda c: c.code)
@pytest.mark.parametrize("status_key", ["status", "statuscode"])
@pytest.mark.parametrize("as_number", [True, False])
def test_each_jodo_failure_raises_its_type(vendor_code, status_key, as_number):
    status = int(vendor_code.code) if as_number else f'"{vendor_code.code}"'
    body = f'{{"method": "ImportProcessData", "{status_key}": {status}, "statusdesc": "fail"}}'
    with pytest.raises(API_ERROR_BY_CATEGORY[vendor_code.category]) as raised:
        jodo_payload(
            parse_answer(body, 200, "ImportProcessData", no_redaction, callback=CALLBACK),
            body,
            "x",
            no_redaction,
        )
    assert raised.value.code == vendor_code.code


def test_jodo_success_in_either_spelling():
    for body in ('{"status": "001", "uniqueid": "r1"}', '{"statuscode": 1, "uniqueid": "r1"}'):
        assert (
            jodo_payload(
                parse_answer(body, 200, "x", no_redaction, callback=CALLBACK), body, "x", no_redaction
            )["uniqueid"]
            == "r1"
        )


def test_auth_codes_are_authentication_errors():
    body = '{"status": 1243, "statusdesc": "service key and API key do not match"}'
    with pytest.raises(JodoAuthenticationError, match="1243"):
        jodo_payload(parse_answer(body, 200, "x", no_redaction, callback=CALLBACK), body, "x", no_redaction)


def test_unknown_codes_quote_the_raw_body():
    body = '{"status": 4711, "statusdesc": "odd"}'
    with pytest.raises(JodoResponseError, match=r"unknown Jodo status 4711.*odd"):
        jodo_payload(parse_answer(body, 200, "x", no_redaction, callback=CALLBACK), body, "x", no_redaction)
    body = "airflowJodo({code:2,message:'BackMsg_99'})"
    with pytest.raises(JodoPlatformError, match="unknown astercc code BackMsg_99") as raised:
        astercc_message(
            parse_answer(body, 200, "x", no_redaction, callback=CALLBACK), body, "x", no_redaction
        )
    assert raised.value.code == "99"


def test_plain_text_failures_and_http_errors():
    body = "|Retuen|2|Retuen|campaign is locked"
    with pytest.raises(JodoPlatformError, match="campaign is locked"):
        astercc_message(
            parse_answer(body, 200, "x", no_redaction, callback=CALLBACK), body, "x", no_redaction
        )
    with pytest.raises(JodoResponseError, match="HTTP 502") as raised:
        parse_answer("<html>Bad Gateway</html>", 502, "x", no_redaction, callback=CALLBACK)
    assert raised.value.http_status == 502
    with pytest.raises(JodoResponseError, match=r"not JSON or JSONP.*<html>"):
        parse_answer("<html>maintenance</html>", 200, "x", no_redaction, callback=CALLBACK)


def test_success_codes_come_back_with_the_message():
    body = "airflowJodo({code:1,message:'BackMsg_83'})"
    assert astercc_message(
        parse_answer(body, 200, "x", no_redaction, callback=CALLBACK), body, "x", no_redaction
    ) == (
        "83",
        "BackMsg_83",
    )


# Issue 21: answers of the wrong shape, quoted at most BODY_QUOTE_LIMIT characters.


def test_a_refusal_quotes_at_most_300_characters_of_its_message_redacted_first():
    secret = "s3cr3t-password"
    message = "x" * (BODY_QUOTE_LIMIT - 5) + secret + "y" * 4_000_000
    body = f"airflowJodo({{code:2,message:'{message}'}})"
    redact = Redactor([secret]).redact
    with pytest.raises(JodoPlatformError) as raised:
        astercc_message(parse_answer(body, 200, "x", redact, callback=CALLBACK), body, "x", redact)
    assert len(raised.value.vendor_message) <= BODY_QUOTE_LIMIT + 3 and len(str(raised.value)) < 400
    assert "s3cr" not in str(raised.value) and "s3cr" not in raised.value.vendor_message


def test_a_jodo_refusal_quotes_at_most_300_characters_of_its_message():
    body = json.dumps({"status": 1107, "statusdesc": "fail", "message": "m" * 1_000_000})
    with pytest.raises(JodoAuthenticationError) as raised:
        jodo_payload(parse_answer(body, 200, "x", no_redaction), body, "x", no_redaction)
    assert len(raised.value.vendor_message) <= BODY_QUOTE_LIMIT + 3 and len(str(raised.value)) < 400


@pytest.mark.parametrize("status", ["\u00b2", "\u0661", "9" * 5000, True, [1], "1.0"])
def test_a_jodo_status_that_is_no_ascii_number_is_a_response_error(status):
    body = json.dumps({"status": status})
    with pytest.raises(JodoResponseError, match="unknown Jodo status") as raised:
        jodo_payload(parse_answer(body, 200, "x", no_redaction), body, "x", no_redaction)
    assert len(str(raised.value)) < 2 * BODY_QUOTE_LIMIT + 100


@pytest.mark.parametrize("code", ["'\u00b9'", "'" + "1" * 5000 + "'", "true"])
def test_an_astercc_code_that_is_no_ascii_number_is_a_response_error(code):
    body = f"airflowJodo({{code:{code},message:'4711'}})"
    with pytest.raises(JodoResponseError, match="unknown astercc code"):
        astercc_message(
            parse_answer(body, 200, "x", no_redaction, callback=CALLBACK), body, "x", no_redaction
        )


def test_an_answer_under_another_callback_is_a_response_error():
    body = "evil({code:1,message:'4711'})"
    with pytest.raises(JodoResponseError, match="JSONP callback 'evil': not the 'airflowJodo' the call sent"):
        parse_answer(body, 200, "importCJI", no_redaction, callback=CALLBACK)
    with pytest.raises(JodoResponseError, match="JSONP callback 'airflowJodo': the call sent none"):
        parse_answer("airflowJodo({status:'001'})", 200, "ImportProcessData", no_redaction)


def test_php_notices_before_an_answer_are_reported_redacted_and_read_past():
    notice = (
        "<br />\n<b>Notice</b>:  Undefined index: pw s3cr3t-password in /var/www/x.php on line 12<br />\n"
    )
    body = notice + "airflowJodo({code:1,message:'4711'})"
    reported = []
    redact = Redactor(["s3cr3t-password"]).redact
    answer = parse_answer(body, 200, "x", redact, callback=CALLBACK, on_notices=reported.append)
    assert answer == {"code": 1, "message": "4711"}
    assert reported == [notice.replace("s3cr3t-password", "***")]


@pytest.mark.parametrize(
    ("code", "message", "outcome"),
    [
        ("83", "BackMsg_83", RecordOutcomeKind.INSERTED),
        ("84", "BackMsg_84", RecordOutcomeKind.INSERTED),
        ("78", "BackMsg_78", RecordOutcomeKind.UPDATED),
        ("77", "BackMsg_77", RecordOutcomeKind.UPDATED),
        ("80", "BackMsg_80", RecordOutcomeKind.UPDATED),
        ("81", "BackMsg_81", RecordOutcomeKind.SKIPPED),
        (None, "imported", RecordOutcomeKind.INSERTED),
    ],
)
def test_a_data_record_answer_with_a_success_message_has_its_outcome(code, message, outcome):
    assert data_record_answer(code, message, "x", no_redaction) is outcome


@pytest.mark.parametrize(
    ("code", "message"),
    [("74", "BackMsg_74"), ("87", "BackMsg_87"), ("99", "BackMsg_99"), (None, ""), (None, None)],
)
def test_a_data_record_success_without_a_success_message_is_a_response_error(code, message):
    with pytest.raises(JodoResponseError, match="a success answer without a success message"):
        data_record_answer(code, message, "importCJI source=data", no_redaction)
