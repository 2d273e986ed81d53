import pytest

from airflow_provider_jodo.assets import jodo_campaign_asset
from airflow_provider_jodo.hooks.jodo import campaign_model_id
from airflow_provider_jodo.protocol.wire.cji_parameters import (
    CJI_PARAMETERS,
    UnencodableRecordError,
    encode_context,
    yes_no,
)
from airflow_provider_jodo.protocol.wire.protocol import is_ascii_digits


def test_the_vendor_documents_21_parameters():
    assert len(CJI_PARAMETERS) == len(set(CJI_PARAMETERS)) == 21


def test_encodes_a_record_in_order_with_empty_values_for_none():
    record = {"name": "Ana Lima", "phone1": "5511987654321", "note": None, "priority": 3}
    assert encode_context(record) == "name=Ana Lima||phone1=5511987654321||note=||priority=3"


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"name": "a||b"}, "name"),
        ({"note": "x=y"}, "note"),
        ({"note": "ends with|"}, "note"),
        ({"note": "|starts"}, "note"),
        ({"bad=key": "v"}, "bad=key"),
        ({"": "v"}, ""),
    ],
)
def test_rejects_what_the_format_cannot_carry_naming_the_field(record, field):
    with pytest.raises(UnencodableRecordError, match=repr(field)):
        encode_context(record)


def test_rejects_an_empty_record():
    with pytest.raises(UnencodableRecordError, match="no fields"):
        encode_context({})


def test_single_pipes_inside_a_value_are_fine():
    assert encode_context({"note": "a|b"}) == "note=a|b"


def test_yes_no():
    assert (yes_no(True, "flag"), yes_no(False, "flag"), yes_no(None, "flag")) == ("yes", "no", "")
    with pytest.raises(ValueError, match=r"^empty_agent='no' must be True, False or None"):
        yes_no("no", "empty_agent")


NON_ASCII_DIGITS = ["\u00b2", "\u0661", "\uff17", "1\uff12", "\u0967\u0968"]
"""Digits by `str.isdigit()`, which the platform does not take (`int()` even reads some of them)."""


@pytest.mark.parametrize(("text", "expected"), [("0", True), ("0123", True), ("", False), ("-1", False)])
def test_ids_are_ascii_digits(text, expected):
    assert is_ascii_digits(text) is expected


@pytest.mark.parametrize("campaign_id", NON_ASCII_DIGITS)
def test_campaign_ids_and_their_assets_take_ascii_digits_only(campaign_id):
    assert not is_ascii_digits(campaign_id)
    message = rf"campaign_id={campaign_id!r} is not a numeric campaign id \(ASCII digits 0-9\)"
    with pytest.raises(ValueError, match=message):
        campaign_model_id(campaign_id)
    with pytest.raises(ValueError, match=message):
        jodo_campaign_asset(None, campaign_id, host="jodo.example.com")
    assert (
        jodo_campaign_asset(None, " 007 ", host="jodo.example.com").uri
        == "jodo://jodo.example.com/campaign/7"
    )
