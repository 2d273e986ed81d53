"""Every documented vendor code becomes its typed exception, carrying the code."""

import pytest

from airflow_provider_jodo.enums import CodeCategory
from airflow_provider_jodo.exceptions import (
    API_ERROR_BY_CATEGORY,
    JodoAuthenticationError,
    JodoPlatformError,
    JodoResponseError,
)
from airflow_provider_jodo.vendor.codes import BACKMSG_CODES, JODO_CODES
from airflow_provider_jodo.vendor.wire.answers import astercc_message, jodo_payload, parse_answer


def no_redaction(text):
    return text


FAILURE_BACKMSGS = [c for c in BACKMSG_CODES.values() if c.category is not CodeCategory.SUCCESS]
FAILURE_JODO = [c for c in JODO_CODES.values() if c.category is not CodeCategory.SUCCESS]


@pytest.mark.parametrize("vendor_code", FAILURE_BACKMSGS, ids=lambda c: f"BackMsg_{c.code}")
def test_each_backmsg_failure_raises_its_type(vendor_code):
    body = f"cb({{code:2,message:'BackMsg_{vendor_code.code}'}})"
    with pytest.raises(API_ERROR_BY_CATEGORY[vendor_code.category]) as raised:
        astercc_message(parse_answer(body, 200, "importCJI", no_redaction), body, "importCJI", no_redaction)
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
        jodo_payload(parse_answer(body, 200, "ImportProcessData", no_redaction), body, "x", no_redaction)
    assert raised.value.code == vendor_code.code


def test_jodo_success_in_either_spelling():
    for body in ('{"status": "001", "uniqueid": "r1"}', '{"statuscode": 1, "uniqueid": "r1"}'):
        assert (
            jodo_payload(parse_answer(body, 200, "x", no_redaction), body, "x", no_redaction)["uniqueid"]
            == "r1"
        )


def test_auth_codes_are_authentication_errors():
    body = '{"status": 1243, "statusdesc": "service key and API key do not match"}'
    with pytest.raises(JodoAuthenticationError, match="1243"):
        jodo_payload(parse_answer(body, 200, "x", no_redaction), body, "x", no_redaction)


def test_unknown_codes_quote_the_raw_body():
    body = '{"status": 4711, "statusdesc": "odd"}'
    with pytest.raises(JodoResponseError, match=r"unknown Jodo status 4711.*odd"):
        jodo_payload(parse_answer(body, 200, "x", no_redaction), body, "x", no_redaction)
    body = "cb({code:2,message:'BackMsg_99'})"
    with pytest.raises(JodoPlatformError, match="unknown astercc code BackMsg_99") as raised:
        astercc_message(parse_answer(body, 200, "x", no_redaction), body, "x", no_redaction)
    assert raised.value.code == "99"


def test_plain_text_failures_and_http_errors():
    body = "|Retuen|2|Retuen|campaign is locked"
    with pytest.raises(JodoPlatformError, match="campaign is locked"):
        astercc_message(parse_answer(body, 200, "x", no_redaction), body, "x", no_redaction)
    with pytest.raises(JodoResponseError, match="HTTP 502") as raised:
        parse_answer("<html>Bad Gateway</html>", 502, "x", no_redaction)
    assert raised.value.http_status == 502
    with pytest.raises(JodoResponseError, match=r"not JSON or JSONP.*<html>"):
        parse_answer("<html>maintenance</html>", 200, "x", no_redaction)


def test_success_codes_come_back_with_the_message():
    body = "cb({code:1,message:'BackMsg_83'})"
    assert astercc_message(parse_answer(body, 200, "x", no_redaction), body, "x", no_redaction) == (
        "83",
        "BackMsg_83",
    )
