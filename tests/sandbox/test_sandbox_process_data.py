"""Jodo ImportProcessData and getProcessData against the sandbox, over real HTTP."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_jodo.protocol import codes

PROCESS_DATA_PATH = "/CustomerWebServices/handleCustomerWS"


def lead(mobile: str = "9876543210", **fields: object) -> dict[str, object]:
    return {"name": "Asha Rao", "mobilenumber": mobile, "emailid": "asha@example.com", **fields}


def test_insert_then_update_merges_fields(sandbox, jodo, import_request):
    first = jodo(import_request([lead(leadnumber="L-1", extrafield1="red")]))
    assert first["status"] == "001"
    assert first["statusdesc"] == "success"
    assert first["method"] == "ImportProcessData"
    assert first["uniqueid"]
    assert first["records"] == [{"index": 0, "key": "9876543210", "outcome": "inserted"}]

    second = jodo(import_request([lead(name="Asha R.", extrafield2="blue")]))
    assert second["records"] == [{"index": 0, "key": "9876543210", "outcome": "updated"}]

    [customer] = sandbox.store.process_customers("VoiceProcess")
    assert customer["name"] == "Asha R."
    assert customer["leadnumber"] == "L-1"
    assert (customer["extrafield1"], customer["extrafield2"]) == ("red", "blue")
    assert customer["dialable"] == "yes"
    assert customer["media"] == 12


def test_same_key_twice_in_one_request_updates_the_first(sandbox, jodo, import_request):
    answer = jodo(import_request([lead(note="first"), lead(note="second")]))
    assert [record["outcome"] for record in answer["records"]] == ["inserted", "updated"]
    [customer] = sandbox.store.process_customers("VoiceProcess")
    assert customer["note"] == "second"


@pytest.mark.parametrize(
    ("record", "reason_names"),
    [
        ({"mobilenumber": "9876543210", "emailid": "a@b.c"}, "name"),
        (lead(mobile=""), "mobilenumber"),
        ({"name": "X", "mobilenumber": "9876543210"}, "emailid"),
        (lead(mobile="12"), "mobilenumber"),
        (lead(mobile="12345678901234567"), "mobilenumber"),
        (lead(mobile="98-76"), "mobilenumber"),
        (lead(emailid="no-at-sign"), "emailid"),
        (lead(dateofleadcreation="01/05/2024"), "dateofleadcreation"),
        (lead(timeofleadcreation="9:30"), "timeofleadcreation"),
        (lead(callDateTime="2024-05-01T09:30:00"), "callDateTime"),
        (lead(extrafield1={"nested": True}), "extrafield1"),
    ],
)
def test_invalid_records_are_rejected_with_a_reason_and_others_still_land(
    sandbox, jodo, import_request, record, reason_names
):
    answer = jodo(import_request([record, lead(mobile="+919999999999")]))
    rejected, accepted = answer["records"]
    assert rejected["outcome"] == "rejected"
    assert reason_names in rejected["reason"]
    assert accepted == {"index": 1, "key": "+919999999999", "outcome": "inserted"}
    assert [c["mobilenumber"] for c in sandbox.store.process_customers("VoiceProcess")] == ["+919999999999"]


def test_update_by_customer_code_requires_the_code(sandbox, jodo, import_request):
    answer = jodo(
        import_request(
            [lead(customercode="C-7"), lead(mobile="9876500000")],
            updateparam="customercode",
        )
    )
    assert answer["records"][0] == {"index": 0, "key": "C-7", "outcome": "inserted"}
    assert answer["records"][1]["outcome"] == "rejected"
    assert "customercode" in answer["records"][1]["reason"]

    again = jodo(import_request([lead(mobile="9876511111", customercode="C-7")], updateparam="customercode"))
    assert again["records"][0]["outcome"] == "updated"
    [customer] = sandbox.store.process_customers("VoiceProcess")
    assert customer["mobilenumber"] == "9876511111"


def test_request_level_call_fields_and_userlogin_fill_records(sandbox, jodo, import_request):
    jodo(
        import_request(
            [lead(), lead(mobile="9876500001", callDateTime="2024-06-01 08:00:00", calltype="2")],
            CallDateTime="2024-05-02 10:00:00",
            Calltype="1",
            userlogin=sandbox.seed.jodo_userlogin,
        )
    )
    first, second = sandbox.store.process_customers("VoiceProcess")
    assert (first["callDateTime"], first["calltype"]) == ("2024-05-02 10:00:00", "1")
    assert (second["callDateTime"], second["calltype"]) == ("2024-06-01 08:00:00", "2")
    assert first["userlogin"] == second["userlogin"] == "agent.smith"


def test_only_voice_media_makes_records_dialable(sandbox, jodo, import_request):
    jodo(import_request([lead()], Media=4))
    assert sandbox.store.process_customers("VoiceProcess")[0]["dialable"] == "no"
    jodo(import_request([lead()], Media="11"))
    assert sandbox.store.process_customers("VoiceProcess")[0]["dialable"] == "yes"


def test_lowercase_key_spellings_and_get_are_accepted(sandbox, session, import_request):
    request = import_request([lead()])
    request = {
        "method": request.pop("Method"),
        "media": request.pop("Media"),
        "data": request.pop("Data"),
        **request,
    }
    response = session.get(
        sandbox.base_url + PROCESS_DATA_PATH, params={"data": json.dumps(request)}, timeout=5
    )
    assert response.headers["Content-Type"] == "text/html;charset=UTF-8"
    assert response.json()["records"][0]["outcome"] == "inserted"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda r: "{not json", codes.JODO_INVALID_JSON),
        (lambda r: "[1, 2]", codes.JODO_INVALID_JSON),
        (lambda r: {k: v for k, v in r.items() if k != "Method"}, codes.JODO_MISSING_KEY),
        (lambda r: {**r, "Method": "DeleteEverything"}, codes.JODO_UNKNOWN_METHOD),
        (lambda r: {**r, "apikey": "not-a-key"}, codes.JODO_API_KEY_NOT_FOUND),
        (lambda r: {k: v for k, v in r.items() if k != "apikey"}, codes.JODO_API_KEY_NOT_FOUND),
        (lambda r: {**r, "servicekey": "NoSuchProcess"}, codes.JODO_SERVICE_KEY_NOT_FOUND),
        (lambda r: {**r, "servicekey": "OtherProcess"}, codes.JODO_KEYS_DO_NOT_MATCH),
        (lambda r: {k: v for k, v in r.items() if k != "Media"}, codes.JODO_MISSING_KEY),
        (lambda r: {k: v for k, v in r.items() if k != "Data"}, codes.JODO_MISSING_KEY),
        (lambda r: {k: v for k, v in r.items() if k != "updateparam"}, codes.JODO_MISSING_KEY),
        (lambda r: {k: v for k, v in r.items() if k != "reqdatetime"}, codes.JODO_MISSING_KEY),
        (lambda r: {**r, "Data": {"name": "x"}}, codes.JODO_DATA_NOT_A_LIST),
        (lambda r: {**r, "Data": ["9876543210"]}, codes.JODO_DATA_NOT_A_LIST),
        (lambda r: {**r, "Data": r["Data"] * 501}, codes.JODO_TOO_MANY_RECORDS),
        (lambda r: {**r, "Media": 99}, codes.JODO_UNKNOWN_MEDIA),
        (lambda r: {**r, "updateparam": "email"}, codes.JODO_UNKNOWN_UPDATE_PARAM),
        (lambda r: {**r, "reqdatetime": "2024-05-01"}, codes.JODO_BAD_DATETIME),
        (lambda r: {**r, "CallDateTime": "yesterday"}, codes.JODO_BAD_DATETIME),
        (lambda r: {**r, "userlogin": "nobody.here"}, codes.JODO_UNKNOWN_USER_LOGIN),
    ],
)
def test_request_errors_answer_the_vendor_code_and_store_nothing(sandbox, jodo, import_request, change, code):
    answer = jodo(change(import_request([lead()])))
    assert answer["status"] == int(code)
    assert codes.JODO_CODES[code].text in answer["statusdesc"]
    assert set(answer) == {"method", "resdatetime", "status", "statusdesc"}
    assert sandbox.store.process_customers("VoiceProcess") == []


def test_first_failure_wins(jodo, import_request):
    request = import_request([lead()], apikey="wrong", Media=99)
    del request["reqdatetime"]
    assert jodo(request)["status"] == int(codes.JODO_API_KEY_NOT_FOUND)


@pytest.mark.sandbox(max_records_per_request=2)
def test_max_records_is_configurable(sandbox, jodo, import_request):
    assert sandbox.max_records_per_request == 2
    request = import_request([lead(mobile=f"98765000{i}") for i in range(3)])
    assert jodo(request)["status"] == int(codes.JODO_TOO_MANY_RECORDS)
    assert jodo({**request, "Data": request["Data"][:2]})["status"] == "001"


@pytest.fixture
def stored_leads(jodo, import_request):
    jodo(import_request([lead(customercode="C-1", crmuniquefield="CRM-1"), lead(mobile="9876500002")]))


@pytest.mark.parametrize("method_key", ["method", "Method"])
def test_get_process_data_by_mobile_number_in_either_spelling(sandbox, jodo, stored_leads, method_key):
    answer = jodo(
        {
            method_key: "getProcessData",
            "apikey": sandbox.seed.apikey,
            "servicekey": "VoiceProcess",
            "searchparam": "mobilenumber",
            "searchvalue": "9876543210",
        }
    )
    assert answer["statuscode"] == "001"
    assert answer["statusdesc"] == "success"
    assert answer["method"] == "getProcessData"
    assert answer["timestamp"] and answer["requestid"]
    [record] = answer["data"]
    assert record["name"] == "Asha Rao"
    assert record["customercode"] == "C-1"
    assert record["dialable"] == "yes"
    assert record["media"] == 12
    assert isinstance(record["customerid"], int)
    assert record["userlogin"] is None


@pytest.mark.parametrize(
    ("searchparam", "searchvalue", "expected"),
    [
        ("customercode", "C-1", ["9876543210"]),
        ("crmuniquefield", "CRM-1", ["9876543210"]),
        ("customercode", "C-9", []),
    ],
)
def test_get_process_data_by_other_keys(sandbox, jodo, stored_leads, searchparam, searchvalue, expected):
    answer = jodo(
        {
            "method": "getProcessData",
            "apikey": sandbox.seed.apikey,
            "servicekey": "VoiceProcess",
            "searchparam": searchparam,
            "searchvalue": searchvalue,
        }
    )
    assert [record["mobilenumber"] for record in answer["data"]] == expected


def test_get_process_data_by_date_range_uses_platform_dates(sandbox, jodo, stored_leads):
    today = datetime.now(ZoneInfo(sandbox.clock.timezone)).strftime("%Y-%m-%d")
    request = {"method": "getProcessData", "apikey": sandbox.seed.apikey, "servicekey": "VoiceProcess"}
    hits = jodo({**request, "searchparam": "daterange", "fromdate": today, "todate": today})
    assert len(hits["data"]) == 2
    misses = jodo({**request, "searchparam": "daterange", "fromdate": "2000-01-01", "todate": "2000-12-31"})
    assert misses["data"] == []


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"searchparam": "email"}, codes.JODO_UNKNOWN_SEARCH_PARAM),
        ({"searchparam": None}, codes.JODO_MISSING_KEY),
        ({"searchvalue": None}, codes.JODO_MISSING_KEY),
        (
            {"searchparam": "daterange", "fromdate": "01-01-2024", "todate": "2024-01-02"},
            codes.JODO_BAD_DATETIME,
        ),
        ({"apikey": "nope"}, codes.JODO_API_KEY_NOT_FOUND),
        ({"servicekey": "OtherProcess"}, codes.JODO_KEYS_DO_NOT_MATCH),
    ],
)
def test_get_process_data_errors_use_statuscode_and_message(sandbox, jodo, overrides, code):
    request = {
        "method": "getProcessData",
        "apikey": sandbox.seed.apikey,
        "servicekey": "VoiceProcess",
        "searchparam": "mobilenumber",
        "searchvalue": "9876543210",
    }
    answer = jodo({**request, **overrides})
    assert answer["statuscode"] == int(code)
    assert answer["statusdesc"] == "fail"
    assert codes.JODO_CODES[code].text in answer["message"]


def test_values_are_judged_by_the_sandbox_itself(sandbox, jodo, import_request):
    """Its own reading of the documented rules (not the operator's): integers are text, null is
    absent, booleans and lone surrogates (a JSON \\ud800 escape) are refused naming the field."""
    request = import_request(
        [
            lead(extrafield1=42, extrafield2=None),
            lead(mobile="9876500001", extrafield1=True),
            lead(mobile="9876500002", timeofleadcreation="24:00:00"),
        ]
    )
    body = json.dumps(request).replace('"9876500002"', '"9876500002", "note": "\\ud800"')
    answer = jodo(body)
    first, boolean, surrogate = answer["records"]
    assert first["outcome"] == "inserted"
    assert boolean["outcome"] == "rejected" and "extrafield1" in boolean["reason"]
    assert surrogate["outcome"] == "rejected" and "note" in surrogate["reason"]
    [stored] = sandbox.store.process_customers("VoiceProcess")
    assert stored["extrafield1"] == "42" and "extrafield2" not in stored
