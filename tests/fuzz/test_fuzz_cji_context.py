"""Properties of `source=data` records: each is either sent so that the platform decodes
exactly the values it holds, or refused before sending with a ValueError naming the field."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from airflow_provider_jodo.protocol.wire.cji_parameters import (
    FIELD_SEPARATOR,
    KEY_VALUE_SEPARATOR,
    UnencodableRecordError,
    encode_context,
)
from jodo_sandbox.campaign_form import CAMPAIGN_FORM
from tests.support.fuzz_strategies import HUGE_TEXT, ODD_VALUES, TEXT

CAMPAIGN = 1
RECORDS = st.dictionaries(
    TEXT | st.sampled_from(["name", " Name ", "NAME", "phone1"]), ODD_VALUES | TEXT, max_size=5
)


def decode(context: str) -> dict[str, str]:
    """The context's fields as a reader that knows only the format decodes them."""
    return dict(segment.split(KEY_VALUE_SEPARATOR) for segment in context.split(FIELD_SEPARATOR))


def named_in(error: Exception, record: dict[Any, Any]) -> bool:
    text = str(error)
    names = [spelling for key in record for spelling in (repr(key), repr(str(key).strip()), f"{key} ")]
    return not record or any(name in text for name in names)


@given(RECORDS)
@example({"note": {"nested": "dict"}})  # found by hypothesis: sent as the text "{'nested': 'dict'}"
@example({"note": True})  # sent as "True"
@example({"note": 1.5})  # a float is not a form value either: ImportProcessData refuses it too
@example({"name": "Ana", "Name": "Bia"})  # found by hypothesis: one field twice, case aside
@example({"name": "Ana", " name": "Bia"})  # one field twice once trimmed
def test_a_record_encodes_to_exactly_its_values_or_is_refused_naming_the_field(
    record: dict[Any, Any],
) -> None:
    try:
        context = encode_context(record)
    except UnencodableRecordError as error:
        assert named_in(error, record), error
        return
    expected = {str(key).strip(): "" if value is None else str(value) for key, value in record.items()}
    assert decode(context) == expected
    assert len({name.casefold() for name in expected}) == len(expected)
    assert all(
        isinstance(value, (str, int)) and not isinstance(value, bool)
        for value in record.values()
        if value is not None
    )


FORM_LABELS = [label for field in CAMPAIGN_FORM for label in field if field[0] != "phone1"]
FORM_RECORDS = st.dictionaries(
    st.sampled_from(FORM_LABELS).flatmap(lambda label: st.sampled_from([label, label.upper(), f" {label} "])),
    TEXT | HUGE_TEXT | st.integers() | st.none(),
    max_size=4,
)
_phones = itertools.count(5511900000000)


@given(record=FORM_RECORDS, phone_suffix=TEXT)
@example(record={"note": "\ud800"}, phone_suffix="")  # found by hypothesis: UnicodeEncodeError in requests
@example(record={"note": "a\x00b"}, phone_suffix="")
@example(record={"note": "😀 ação"}, phone_suffix="")
@example(record={"note": "x" * 20_000}, phone_suffix="")
def test_a_record_round_trips_through_the_sandbox_or_is_refused_naming_the_field(
    sandbox, connect, record: dict[str, Any], phone_suffix: str
) -> None:
    hook = connect()
    fields = {resolve(label): value for label, value in record.items()}
    if len(fields) < len(record):  # a field named twice (by name and display name): the platform's 75
        return
    phone = f"{next(_phones)}{phone_suffix}"
    try:
        hook.import_cji(campaign_id=CAMPAIGN, source="data", record={**record, "phone1": phone})
    except ValueError as error:
        assert named_in(error, {**record, "phone1": phone}), error
        return
    stored = {c["phone1"]: c for c in sandbox.store.campaign_customers(CAMPAIGN)}[phone.strip()]
    # The platform trims values (docs/protocol-decisions.md); everything else arrives as sent.
    for field, value in fields.items():
        assert (stored[field] or "") == ("" if value is None else str(value)).strip()


def resolve(label: str) -> str:
    return {label.casefold(): name for name, display in CAMPAIGN_FORM for label in (name, display)}[
        label.strip().casefold()
    ]


@pytest.mark.parametrize("value", [{"a": 1}, ["x"], True, 2.5, {1, 2}])
def test_values_that_are_not_text_or_integers_are_refused_naming_the_field(value: Any) -> None:
    with pytest.raises(UnencodableRecordError, match=r"^note must be a string or an integer"):
        encode_context({"name": "Ana", "note": value})
