"""JodoHook.import_cji with source=data: every duplicate policy changes what the campaign holds."""

import pytest

from airflow_provider_jodo.enums import (
    ChangePackagePolicy,
    DialListDuplicatePolicy,
    DuplicateWay,
    RecordOutcomeKind,
)
from airflow_provider_jodo.exceptions import (
    JodoAuthenticationError,
    JodoConnectionError,
    JodoInvalidRequestError,
    JodoNotFoundError,
    JodoPlatformError,
    JodoResponseError,
)
from tests.support.sandbox_fixtures import assert_secret_free

CAMPAIGN = 1
MAIN_TABLE_A = 2
MAIN_TABLE_B = 3
PHONE = "5511987654321"


def customers(sandbox, campaign=CAMPAIGN):
    return {c["phone1"]: c for c in sandbox.store.campaign_customers(campaign)}


def dialed(sandbox, campaign=CAMPAIGN):
    return [entry["phone"] for entry in sandbox.store.dial_list(campaign)]


def add(hook, campaign=CAMPAIGN, phone=PHONE, name="Ana", **policies):
    return hook.import_cji(
        campaign_id=campaign, source="data", record={"Name": name, "phone1": phone}, **policies
    )


def test_new_customers_with_and_without_a_dial_list_entry(sandbox, connect):
    hook = connect()
    with_entry = hook.import_cji(
        campaign_id=CAMPAIGN,
        source="data",
        record={"name": "Ana", "Phone": PHONE, "priority": "5"},
        phone_field="phone1",
        priority_field="priority",
    )
    assert (with_entry.code, with_entry.description) == ("83", "imported to the campaign and the dial list")
    without_entry = add(hook, phone="5511900000002", name="Bia")
    assert without_entry.code == "84"
    assert set(customers(sandbox)) == {PHONE, "5511900000002"}
    assert sandbox.store.dial_list(CAMPAIGN)[0]["phone"] == PHONE
    assert str(sandbox.store.dial_list(CAMPAIGN)[0]["priority"]) == "5"
    assert dialed(sandbox) == [PHONE]


def test_duplicate_with_default_policies_is_skipped_and_changes_nothing(sandbox, connect):
    hook = connect()
    assert add(hook).outcome is RecordOutcomeKind.INSERTED
    again = add(hook, name="Someone Else")
    assert (again.outcome, again.code, again.description) == (
        RecordOutcomeKind.SKIPPED,
        "82",
        "duplicate phone number",
    )
    assert customers(sandbox)[PHONE]["name"] == "Ana"


def test_a_loop_over_records_goes_on_past_a_duplicate(sandbox, connect):
    hook = connect()
    phones = [PHONE, PHONE, "5511900000003"]
    outcomes = [add(hook, phone=phone, name=f"Lead {i}").outcome for i, phone in enumerate(phones)]
    assert outcomes == [RecordOutcomeKind.INSERTED, RecordOutcomeKind.SKIPPED, RecordOutcomeKind.INSERTED]
    assert {phone: c["name"] for phone, c in customers(sandbox).items()} == {
        PHONE: "Lead 0",
        "5511900000003": "Lead 2",
    }


def test_dupway_update_overwrites_fields(sandbox, connect):
    hook = connect()
    add(hook)
    updated = add(hook, name="Ana Maria", duplicate_way=DuplicateWay.UPDATE)
    assert (updated.code, updated.outcome) == ("78", RecordOutcomeKind.UPDATED)
    assert customers(sandbox)[PHONE]["name"] == "Ana Maria"
    assert len(customers(sandbox)) == 1


def test_identical_data_pushed_again_is_skipped_whatever_the_duplicate_way(sandbox, connect):
    hook = connect()
    add(hook)
    assert add(hook).outcome is RecordOutcomeKind.SKIPPED
    assert add(hook, duplicate_way=DuplicateWay.UPDATE).outcome is RecordOutcomeKind.SKIPPED
    assert customers(sandbox)[PHONE]["name"] == "Ana"


def test_emptyagent_clears_the_assigned_agent(sandbox, connect):
    hook = connect()
    add(hook)
    sandbox.store.assign_agent(CAMPAIGN, PHONE, "8001")
    assert add(hook, empty_agent=False).outcome is RecordOutcomeKind.SKIPPED
    assert customers(sandbox)[PHONE]["agent"] == "8001"
    assert add(hook, empty_agent=True).code == "77"
    assert not customers(sandbox)[PHONE]["agent"]


def test_resetstatus_sets_the_status_back_to_new(sandbox, connect):
    hook = connect()
    add(hook)
    sandbox.store.set_customer_status(CAMPAIGN, PHONE, "success")
    assert add(hook, reset_status=True).code == "77"
    assert customers(sandbox)[PHONE]["status"] == "new"


@pytest.mark.parametrize(
    ("policy", "status", "enters"),
    [
        (DialListDuplicatePolicy.IGNORE_DUPLICATE, "new", False),
        (DialListDuplicatePolicy.ALL, "success", True),
        (DialListDuplicatePolicy.IGNORE_SUCCESS, "failed", True),
        (DialListDuplicatePolicy.IGNORE_SUCCESS, "success", False),
    ],
)
def test_dupdiallist_decides_whether_a_duplicate_is_dialed_again(sandbox, connect, policy, status, enters):
    hook = connect()
    add(hook)  # no phone_field: not on the dial list yet
    sandbox.store.set_customer_status(CAMPAIGN, PHONE, status)
    if enters:
        result = add(hook, phone_field="phone1", dial_list_duplicates=policy)
        assert (result.code, result.outcome) == ("80", RecordOutcomeKind.UPDATED)
    else:
        result = add(hook, phone_field="phone1", dial_list_duplicates=policy.value)
        assert result.outcome is RecordOutcomeKind.SKIPPED
    assert dialed(sandbox) == ([PHONE] if enters else [])


@pytest.mark.parametrize(
    ("policy", "owned_elsewhere", "ends_in"),
    [
        (ChangePackagePolicy.SKIP, True, MAIN_TABLE_A),
        (ChangePackagePolicy.UNASSIGN_TO_CURRENT, True, MAIN_TABLE_A),
        (ChangePackagePolicy.REASSIGN_TO_CURRENT, True, MAIN_TABLE_B),
        (ChangePackagePolicy.UNASSIGN_TO_CURRENT, False, MAIN_TABLE_B),
    ],
)
def test_changepackage_moves_main_table_customers(sandbox, connect, policy, owned_elsewhere, ends_in):
    hook = connect()
    add(hook, campaign=MAIN_TABLE_A)
    if not owned_elsewhere:
        sandbox.store.set_customer_package(MAIN_TABLE_A, PHONE, None)
    outcome = add(hook, campaign=MAIN_TABLE_B, change_package=policy).outcome
    # The main table's customer was already there: moved into B's package, it was updated.
    assert outcome is (RecordOutcomeKind.SKIPPED if ends_in == MAIN_TABLE_A else RecordOutcomeKind.UPDATED)
    in_b = customers(sandbox, MAIN_TABLE_B)
    in_a = customers(sandbox, MAIN_TABLE_A)
    assert (PHONE in in_b) == (ends_in == MAIN_TABLE_B)
    assert (PHONE in in_a) == (ends_in == MAIN_TABLE_A)


def test_md5_passwords_and_agent_logins(sandbox, connect):
    assert add(connect(extra={"pwdtype": "md5"})).code == "84"
    assert add(
        connect(usertype="agent", extra={"usertype": "agent", "pwdtype": "md5"}), phone="5511900000009"
    ).code
    assert len(customers(sandbox)) == 2


@pytest.mark.parametrize(
    ("usertype", "overrides", "code", "fields"),
    [
        ("account", {"password": "wrong-password-1"}, "63", "its login (the astercc user) and password"),
        ("account", {"login": "nobody"}, "15", "its login (the astercc user)"),
        ("account", {"schema": "no-such-team"}, "02", "its schema (the astercc organisation identity)"),
        ("agent", {"password": "wrong-password-1"}, "07", "its password and extra pwdtype"),
        ("agent", {"login": "9999"}, "06", "its login (the astercc agent number)"),
    ],
)
def test_credential_failures_raise_authentication_errors_naming_the_field(
    sandbox, connect, usertype, overrides, code, fields
):
    hook = connect(usertype=usertype, extra={"usertype": usertype}, **overrides)
    with pytest.raises(JodoAuthenticationError) as raised:
        add(hook)
    assert raised.value.code == code
    assert str(raised.value).endswith(f"; check connection {hook.jodo_conn_id!r}: {fields}")
    assert_secret_free(sandbox, raised.value)
    assert customers(sandbox) == {}


def test_a_one_character_password_leaves_error_messages_readable(sandbox, connect):
    """The hook's own redaction must not turn every "1" of a message into `***`; the password
    still goes where it stands as a value."""
    hook = connect(password="1")
    with pytest.raises(JodoAuthenticationError) as refused:
        add(hook, campaign=910)
    assert str(refused.value) == (
        "importCJI source=data into campaign 910 failed: BackMsg_63 (account login failed); "
        f"check connection {hook.jodo_conn_id!r}: its login (the astercc user) and password"
    )
    unreachable = connect(password="1", host="http://127.0.0.1:9", extra={"max_retries": 0})
    with pytest.raises(JodoConnectionError) as failed:
        add(unreachable, campaign=910)
    message = str(failed.value)
    assert "campaign 910: cannot reach http://127.0.0.1:9: connection failed" in message
    assert "host='127.0.0.1', port=9" in message and "model_id=910" in message
    assert "&password=***&" in message and "password=1" not in message


def test_disabled_agent(sandbox, connect):
    hook = connect(
        usertype="agent",
        extra={"usertype": "agent"},
        login=sandbox.seed.disabled_agent_number,
        password=sandbox.seed.disabled_agent_password,
    )
    with pytest.raises(JodoAuthenticationError) as raised:
        add(hook)
    assert raised.value.code == "05"


def test_campaign_and_context_errors(sandbox, connect):
    hook = connect()
    with pytest.raises(JodoNotFoundError) as raised:
        add(hook, campaign=404)
    assert raised.value.code == "73"
    with pytest.raises(JodoInvalidRequestError) as raised:
        hook.import_cji(campaign_id=CAMPAIGN, source="data", record={"shoe_size": "42", "phone1": PHONE})
    assert raised.value.code == "75"
    with pytest.raises(JodoInvalidRequestError) as raised:
        hook.import_cji(campaign_id=CAMPAIGN, source="data", record={"name": "No Phone"})
    assert raised.value.code == "76"
    assert customers(sandbox) == {}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"record": {"name": "a||b", "phone1": PHONE}}, "field 'name'"),
        ({"record": {"note": "x=y", "phone1": PHONE}}, "field 'note'"),
        ({"record": {"phone1": PHONE}, "duplicate_way": "merge"}, "duplicate_way='merge'"),
        ({"record": {"phone1": PHONE}, "campaign_id": "one"}, "campaign_id='one'"),
        ({"record": {"phone1": PHONE}, "source": "s3"}, "source='s3'"),
        ({"file_url": "http://x/a.csv"}, "source='data' takes a record"),
    ],
)
def test_unsendable_input_is_refused_before_the_wire(sandbox, connect, kwargs, message):
    arguments = {"campaign_id": CAMPAIGN, "source": "data", **kwargs}
    with pytest.raises(ValueError, match=message):
        connect().import_cji(**arguments)
    assert customers(sandbox) == {}


# Issue 21: a success code counts only with a success message.
@pytest.mark.parametrize("message", ["'BackMsg_74'", "''", "null", "{}"])
def test_a_record_answered_code_1_without_a_success_message_is_a_response_error(scripted, message):
    platform, hook = scripted
    platform.body = f"airflowJodo({{code:1,message:{message}}})"
    with pytest.raises(JodoResponseError, match="a success answer without a success message"):
        hook.import_cji(campaign_id=CAMPAIGN, source="data", record={"name": "Ana", "phone1": PHONE})


def test_a_refusal_of_megabytes_is_quoted_300_characters(scripted):
    platform, hook = scripted
    platform.body = "airflowJodo({code:2,message:'" + "no " * 1_000_000 + "'})"
    with pytest.raises(JodoPlatformError) as raised:
        hook.import_cji(campaign_id=CAMPAIGN, source="data", record={"name": "Ana", "phone1": PHONE})
    assert len(raised.value.vendor_message) <= 303 and len(str(raised.value)) < 450
