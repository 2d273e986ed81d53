"""JodoHook against the sandbox: ImportProcessData and getProcessData over real HTTP."""

import datetime as dt

import pendulum
import pytest

from airflow_provider_jodo.enums import Media, UpdateKey
from airflow_provider_jodo.exceptions import JodoAuthenticationError, JodoInvalidRequestError
from tests.support.sandbox_fixtures import assert_secret_free, reported


def lead(mobile, name="Ana Lima", **fields):
    return {"name": name, "mobilenumber": mobile, "emailid": f"{mobile}@example.com", **fields}


def test_inserts_then_updates_by_mobile_number(sandbox, connect):
    hook = connect()
    first = hook.import_process_data(
        [lead("919800000001"), lead("919800000002", "Ravi Kumar")],
        media=Media.VOICE_OUT,
        update_key="mobilenumber",
    )
    assert first.request_id
    assert [(r.index, r.key, r.outcome.value) for r in first.records] == [
        (0, "919800000001", reported(sandbox, "inserted")),
        (1, "919800000002", reported(sandbox, "inserted")),
    ]
    second = hook.import_process_data(
        [lead("919800000002", "Ravi K.", extrafield1="VIP")], media=12, update_key=UpdateKey.MOBILE_NUMBER
    )
    assert second.records[0].outcome.value == reported(sandbox, "updated")
    stored = {c["mobilenumber"]: c for c in sandbox.store.process_customers("VoiceProcess")}
    assert set(stored) == {"919800000001", "919800000002"}
    assert stored["919800000002"]["name"] == "Ravi K."
    assert stored["919800000002"]["extrafield1"] == "VIP"

    pulled = hook.get_process_data(search="mobilenumber", value="919800000002")
    assert [r["name"] for r in pulled.records] == ["Ravi K."]
    assert pulled.records[0]["dialable"] == "yes"


def test_upsert_by_customer_code_and_rejections_with_reasons(sandbox, connect):
    hook = connect()
    result = hook.import_process_data(
        [
            lead("5511987654321", customercode="C-1"),
            lead("12", customercode="C-2"),  # mobile too short
            {"name": "No Mail", "mobilenumber": "5511900000000", "customercode": "C-3"},
            lead("5511900000004"),  # no customer code: the update key is missing
            lead("5511987650000", customercode="C-1", name="Ana Updated"),
        ],
        media=Media.EMAIL_OUT,
        update_key="customercode",
    )
    outcomes = [(r.outcome.value, r.reason) for r in result.records]
    if sandbox.profile.reports_record_outcomes:
        assert outcomes[0] == ("inserted", None)
        assert outcomes[1][0] == "rejected" and "mobilenumber" in outcomes[1][1]
        assert outcomes[2][0] == "rejected" and "emailid" in outcomes[2][1]
        assert outcomes[3][0] == "rejected" and "customercode" in outcomes[3][1]
        assert outcomes[4] == ("updated", None)
    else:  # the hook checks no record: a platform that says nothing about each took them all
        assert outcomes == [("accepted", None)] * 5
        assert [r.key for r in result.records] == ["C-1", "C-2", "C-3", None, "C-1"]
    stored = sandbox.store.process_customers("VoiceProcess")
    assert [(c["customercode"], c["name"], c["dialable"]) for c in stored] == [("C-1", "Ana Updated", "no")]


def test_request_level_fields_in_the_platform_time_zone(sandbox, connect):
    hook = connect(extra={"timezone": "Asia/Kolkata"})
    call_at = pendulum.datetime(2026, 11, 23, 20, 0, tz="UTC")
    hook.import_process_data(
        [lead("919811111111")],
        media=11,
        update_key="mobilenumber",
        call_datetime=call_at,
        call_type="2",
        user_login=sandbox.seed.jodo_userlogin,
    )
    (stored,) = sandbox.store.process_customers("VoiceProcess")
    assert stored["callDateTime"] == "2026-11-24 01:30:00"
    assert stored["calltype"] == "2"
    assert stored["userlogin"] == sandbox.seed.jodo_userlogin
    today = pendulum.now("Asia/Kolkata").date()
    pulled = hook.get_process_data(search="daterange", from_date=today - dt.timedelta(days=1), to_date=today)
    assert [r["mobilenumber"] for r in pulled.records] == ["919811111111"]


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"apikey": "not-a-real-key"}, "1107"),
        ({"servicekey": "NoSuchProcess"}, "1108"),
    ],
)
def test_bad_keys_raise_authentication_errors(sandbox, connect, extra, code):
    hook = connect(extra=extra)
    with pytest.raises(JodoAuthenticationError) as raised:
        hook.import_process_data([lead("919800000001")], media=12, update_key="mobilenumber")
    assert raised.value.code == code
    (field,) = extra
    assert str(raised.value).endswith(f"; check connection {hook.jodo_conn_id!r}: its extra {field}")
    assert_secret_free(sandbox, raised.value)
    assert sandbox.store.process_customers("VoiceProcess") == []


def test_keys_of_two_organisations_do_not_match(sandbox, connect):
    hook = connect(extra={"servicekey": sandbox.seed.other_servicekey})
    with pytest.raises(JodoAuthenticationError) as raised:
        hook.import_process_data([lead("919800000001")], media=12, update_key="mobilenumber")
    assert raised.value.code == "1243"
    assert str(raised.value) == (
        "ImportProcessData failed: Jodo status 1243 (service key and API key do not match): "
        f"{raised.value.vendor_message}; check connection {hook.jodo_conn_id!r}: "
        "its extras apikey and servicekey"
    )


@pytest.mark.parametrize(
    ("call_datetime", "stored"),
    [
        ("2026-11-23T20:00:00+00:00", "2026-11-24 01:30:00"),
        ("2026-11-24T01:30:00+05:30", "2026-11-24 01:30:00"),
        ("", ""),
    ],
)
def test_call_datetime_takes_what_the_operator_takes(sandbox, connect, call_datetime, stored):
    hook = connect(extra={"timezone": "Asia/Kolkata"})
    hook.import_process_data(
        [lead("919811111111")], media=11, update_key="mobilenumber", call_datetime=call_datetime
    )
    (customer,) = sandbox.store.process_customers("VoiceProcess")
    assert (customer.get("callDateTime") or "") == stored


def test_a_call_datetime_duration_counts_from_now(sandbox, connect):
    hook = connect()
    before = pendulum.now("UTC").replace(microsecond=0)
    hook.import_process_data(
        [lead("919811111111")], media=11, update_key="mobilenumber", call_datetime="PT1H"
    )
    after = pendulum.now("UTC")
    (customer,) = sandbox.store.process_customers("VoiceProcess")
    wire = "%Y-%m-%d %H:%M:%S"
    assert before.add(hours=1).strftime(wire) <= customer["callDateTime"] <= after.add(hours=1).strftime(wire)


def test_too_many_records_and_unknown_login_are_refused_whole(connect, sandbox):
    hook = connect()
    limit = sandbox.max_records_per_request
    with pytest.raises(JodoInvalidRequestError, match="too many records") as raised:
        hook.import_process_data(
            [lead(f"9198{i:08d}") for i in range(limit + 1)], media=12, update_key="mobilenumber"
        )
    assert raised.value.code == "1304"
    with pytest.raises(JodoInvalidRequestError) as raised:
        hook.import_process_data(
            [lead("919800000001")], media=12, update_key="mobilenumber", user_login="ghost"
        )
    assert raised.value.code == "1308"
    assert sandbox.store.process_customers("VoiceProcess") == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"media": 99}, "media=99 is not one of"),
        ({"update_key": "email"}, "update_key='email' is not one of"),
        ({"call_datetime": dt.datetime(2026, 1, 1)}, "call_datetime=.* has no time zone"),
    ],
)
def test_bad_arguments_fail_before_any_request(sandbox, connect, kwargs, message):
    arguments = {"media": 12, "update_key": "mobilenumber", **kwargs}
    with pytest.raises(ValueError, match=message):
        connect().import_process_data([lead("919800000001")], **arguments)
    assert sandbox.store.process_customers("VoiceProcess") == []


def test_records_must_be_dicts(connect):
    with pytest.raises(ValueError, match=r"records\[1\] is str"):
        connect().import_process_data([lead("919800000001"), "oops"], media=12, update_key="mobilenumber")


def test_values_json_cannot_carry_are_named_by_record(connect):
    records = [lead("919800000001"), lead("919800000002", dateofleadcreation=dt.date(2026, 11, 23))]
    with pytest.raises(ValueError, match=r"records\[1\] holds a value JSON cannot carry"):
        connect().import_process_data(records, media=12, update_key="mobilenumber")
