"""astercc importCJI with `source=data`: logins, parameter checks and every duplicate policy,
asserted on what the campaign holds afterwards."""

from __future__ import annotations

import hashlib

import pytest

OWN_TABLE = "1"
MAIN_TABLE = "2"
OTHER_MAIN_TABLE = "3"
PHONE = "5550100"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_new_customer_is_imported(sandbox, cji):
    assert cji(context=f"name=Ravi||phone1={PHONE}||email=ravi@example.com") == {
        "code": 1,
        "message": "BackMsg_84",
    }
    [customer] = sandbox.store.campaign_customers(1)
    assert customer["name"] == "Ravi"
    assert customer["phone1"] == PHONE
    assert customer["email"] == "ravi@example.com"
    assert customer["status"] == "new"
    assert customer["agent"] is None
    assert customer["package"] is None
    assert sandbox.store.dial_list(1) == []


def test_display_names_in_any_case_and_dial_list_fields(sandbox, cji):
    answer = cji(
        context=f"NAME=Ravi||Phone={PHONE}||mobile=5550199||priority=3||Dial time=2024-05-01 10:00:00",
        phone_field="Mobile",
        priority_field="Priority",
        dialtime_field="dialtime",
    )
    assert answer == {"code": 1, "message": "BackMsg_83"}
    [customer] = sandbox.store.campaign_customers(1)
    assert sandbox.store.dial_list(1) == [
        {
            "customer_id": customer["id"],
            "phone": "5550199",
            "priority": "3",
            "dialtime": "2024-05-01 10:00:00",
        }
    ]


@pytest.mark.parametrize("usertype", ["account", "agent"])
@pytest.mark.parametrize("pwdtype", ["plaintext", "md5"])
def test_account_and_agent_log_in_with_either_password_type(sandbox, cji, usertype, pwdtype):
    user, password = (
        (sandbox.seed.account_user, sandbox.seed.account_password)
        if usertype == "account"
        else (sandbox.seed.agent_number, sandbox.seed.agent_password)
    )
    wire_password = md5(password) if pwdtype == "md5" else password
    answer = cji(
        usertype=usertype, user=user, pwdtype=pwdtype, password=wire_password, context=f"phone1={PHONE}"
    )
    assert answer == {"code": 1, "message": "BackMsg_84"}


def test_md5_password_must_be_lowercase_hex(sandbox, cji):
    wire_password = md5(sandbox.seed.account_password).upper()
    assert cji(pwdtype="md5", password=wire_password, context=f"phone1={PHONE}")["message"] == "BackMsg_63"


@pytest.mark.parametrize(
    ("parameters", "code"),
    [
        ({"password": ""}, "01"),
        ({"model_id": ""}, "01"),
        ({"orgidentity": "nowhere"}, "02"),
        ({"usertype": "agent", "user": "9999"}, "06"),
        ({"usertype": "agent", "user": "8002"}, "05"),
        ({"usertype": "agent", "user": "8001", "password": "wrong-password"}, "07"),
        ({"user": "ghost"}, "15"),
        ({"password": "wrong-password"}, "63"),
        ({"usertype": "supervisor"}, "01"),
        ({"pwdtype": "sha1"}, "01"),
        ({"modeltype": "Queue"}, "70"),
        ({"model_id": "one"}, "67"),
        ({"model_id": "99"}, "73"),
        ({"model_id": "4"}, "73"),  # a campaign of the other organisation
        ({"source": "sftp"}, "72"),
        ({"context": ""}, "71"),
        ({"emptyagent": "maybe"}, "01"),
        ({"resetstatus": "always"}, "01"),
        ({"dupway": "merge"}, "01"),
        ({"dupdiallist": "none"}, "01"),
        ({"changepackage": "move"}, "01"),
        ({"phone_field": "fax"}, "01"),
        ({"exetime": "tomorrow"}, "87"),
        ({"exetime": "2024-02-30 10:00:00"}, "87"),
        ({"delrow": "-1"}, "87"),
        ({"context": "name Ravi"}, "75"),
        ({"context": f"fax=1||phone1={PHONE}"}, "75"),
        ({"context": f"note=a=b||phone1={PHONE}"}, "75"),
        ({"context": f"phone1={PHONE}||Phone={PHONE}"}, "75"),
        ({"context": f"note=ends with pipe|||phone1={PHONE}"}, "75"),
        ({"context": "name=Ravi"}, "76"),
        ({"context": "name=Ravi||phone1="}, "76"),
        ({"source": "http", "context": "http://127.0.0.1:9/customers.txt"}, "86"),
        ({"source": "http", "context": "ftp://127.0.0.1:9/customers.csv"}, "75"),
        ({"source": "ftp", "context": "customers.csv"}, "75"),
    ],
)
def test_failures_answer_backmsg_codes_and_import_nothing(sandbox, cji, parameters, code):
    answer = cji(**{"context": f"name=Ravi||phone1={PHONE}", **parameters})
    assert answer == {"code": 2, "message": f"BackMsg_{code}"}
    assert sandbox.store.campaign_customers(1) == []


def test_a_missing_parameter_is_01_even_when_empty_would_do(cji_raw):
    response = cji_raw(omit=("changepackage",), context=f"phone1={PHONE}")
    assert response.text.endswith('({code:2,message:"BackMsg_01"})')


def test_wrong_password_with_unknown_pwdtype_is_a_login_failure(cji):
    # The decided order checks the login before the value sets.
    assert (
        cji(pwdtype="sha1", password="wrong-password", context=f"phone1={PHONE}")["message"] == "BackMsg_63"
    )


@pytest.fixture
def existing(sandbox, cji):
    """A customer already in the own-table campaign, worked on: agent assigned, status success."""
    assert cji(context=f"name=Ravi||phone1={PHONE}||note=first")["code"] == 1
    sandbox.store.assign_agent(1, PHONE, "8001")
    sandbox.store.set_customer_status(1, PHONE, "success")


def customer(sandbox, campaign_id=1):
    [only] = sandbox.store.campaign_customers(campaign_id)
    return only


def test_duplicate_skipped_by_default(sandbox, cji, existing):
    assert cji(context=f"name=Other||phone1={PHONE}") == {"code": 2, "message": "BackMsg_82"}
    assert customer(sandbox)["name"] == "Ravi"
    assert (customer(sandbox)["agent"], customer(sandbox)["status"]) == ("8001", "success")


def test_dupway_update_overwrites_non_empty_values(sandbox, cji, existing):
    answer = cji(context=f"name=Ravi Kumar||phone1={PHONE}||note=||address=12 Park St", dupway="update")
    assert answer == {"code": 1, "message": "BackMsg_78"}
    updated = customer(sandbox)
    assert (updated["name"], updated["address"], updated["note"]) == ("Ravi Kumar", "12 Park St", "first")
    assert (updated["agent"], updated["status"]) == ("8001", "success")


def test_dupway_update_with_the_same_values_changes_nothing(cji, existing):
    assert cji(context=f"name=Ravi||phone1={PHONE}", dupway="update")["message"] == "BackMsg_82"


def test_emptyagent_clears_the_agent(sandbox, cji, existing):
    assert cji(context=f"phone1={PHONE}", emptyagent="yes") == {"code": 1, "message": "BackMsg_77"}
    assert customer(sandbox)["agent"] is None
    assert customer(sandbox)["status"] == "success"
    assert cji(context=f"phone1={PHONE}", emptyagent="yes")["message"] == "BackMsg_82"


def test_resetstatus_sets_status_back_to_new(sandbox, cji, existing):
    assert cji(context=f"phone1={PHONE}", resetstatus="yes") == {"code": 1, "message": "BackMsg_77"}
    assert customer(sandbox)["status"] == "new"
    assert customer(sandbox)["agent"] == "8001"


def test_resetstatus_no_keeps_status(sandbox, cji, existing):
    assert cji(context=f"phone1={PHONE}", resetstatus="no", emptyagent="no")["message"] == "BackMsg_82"
    assert customer(sandbox)["status"] == "success"


@pytest.mark.parametrize(
    ("dupdiallist", "resetstatus", "status", "enters"),
    [
        ("all", "no", "success", True),
        ("ignoreDuplicate", "no", "new", False),
        ("ignoreSuccess", "no", "success", False),
        ("ignoreSuccess", "no", "noanswer", True),
        ("ignoreSuccess", "yes", "success", True),  # the status is judged after the reset
    ],
)
def test_dupdiallist_decides_whether_a_duplicate_is_dialed(
    sandbox, cji, existing, dupdiallist, resetstatus, status, enters
):
    sandbox.store.set_customer_status(1, PHONE, status)
    answer = cji(
        context=f"phone1={PHONE}||priority=5",
        phone_field="phone1",
        priority_field="priority",
        dupdiallist=dupdiallist,
        resetstatus=resetstatus,
    )
    entries = sandbox.store.dial_list(1)
    if enters:
        assert answer == {"code": 1, "message": "BackMsg_80"}
        assert entries == [
            {"customer_id": customer(sandbox)["id"], "phone": PHONE, "priority": "5", "dialtime": None}
        ]
    else:
        assert answer == {"code": 2, "message": "BackMsg_82"}
        assert entries == []


def test_a_customer_is_at_most_once_in_the_dial_list(sandbox, cji):
    assert cji(context=f"phone1={PHONE}||priority=1", phone_field="phone1", priority_field="priority")[
        "message"
    ] == ("BackMsg_83")
    again = cji(
        context=f"phone1={PHONE}||priority=9",
        phone_field="phone1",
        priority_field="priority",
        dupdiallist="all",
    )
    assert again["message"] == "BackMsg_80"
    assert [entry["priority"] for entry in sandbox.store.dial_list(1)] == ["9"]
    same = cji(
        context=f"phone1={PHONE}||priority=9",
        phone_field="phone1",
        priority_field="priority",
        dupdiallist="all",
    )
    assert same["message"] == "BackMsg_82"


def test_main_table_campaigns_share_duplicates_across_packages(sandbox, cji):
    assert cji(model_id=MAIN_TABLE, context=f"name=Ravi||phone1={PHONE}")["message"] == "BackMsg_84"
    assert customer(sandbox, 2)["package"] == "package-2"
    # Same phone into campaign 3: a duplicate of the main-table customer, not a new one.
    assert cji(model_id=OTHER_MAIN_TABLE, context=f"phone1={PHONE}")["message"] == "BackMsg_82"
    assert sandbox.store.campaign_customers(3) == []
    # The own-table campaign keeps its own customers.
    assert cji(model_id=OWN_TABLE, context=f"phone1={PHONE}")["message"] == "BackMsg_84"


@pytest.mark.parametrize(
    ("changepackage", "start_package", "moved"),
    [
        ("skip", "package-2", False),
        ("skip", None, False),
        ("unassignToCurrent", "package-2", False),
        ("unassignToCurrent", None, True),
        ("reassignToCurrent", "package-2", True),
    ],
)
def test_changepackage_moves_main_table_customers(sandbox, cji, changepackage, start_package, moved):
    cji(model_id=MAIN_TABLE, context=f"name=Ravi||phone1={PHONE}")
    sandbox.store.set_customer_package(2, PHONE, start_package)
    answer = cji(model_id=OTHER_MAIN_TABLE, context=f"phone1={PHONE}", changepackage=changepackage)
    if moved:
        assert answer == {"code": 1, "message": "BackMsg_78"}
        assert customer(sandbox, 3)["package"] == "package-3"
        assert sandbox.store.campaign_customers(2) == []
    else:
        assert answer == {"code": 2, "message": "BackMsg_82"}
        assert sandbox.store.campaign_customers(3) == []


def test_changepackage_does_not_apply_to_own_table_campaigns(sandbox, cji, existing):
    assert cji(context=f"phone1={PHONE}", changepackage="reassignToCurrent")["message"] == "BackMsg_82"
    assert customer(sandbox)["package"] is None


def test_dial_list_wins_over_update_in_the_answer(sandbox, cji, existing):
    answer = cji(
        context=f"name=New Name||phone1={PHONE}", dupway="update", dupdiallist="all", phone_field="phone1"
    )
    assert answer == {"code": 1, "message": "BackMsg_80"}
    assert customer(sandbox)["name"] == "New Name"
    assert len(sandbox.store.dial_list(1)) == 1
