import pytest

from airflow_provider_jodo.protocol.wire.cji_parameters import (
    CJI_PARAMETERS,
    UnencodableRecordError,
    encode_context,
    yes_no,
)


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
