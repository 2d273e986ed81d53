"""form_field: a form body that any url-encoded form parser reads back to the same JSON."""

import json
from urllib.parse import parse_qs

import pytest

from airflow_provider_jodo.protocol.wire.customer_web_service import form_field, parse_record_outcomes

AWKWARD = [
    "plain",
    "Zoë Ñúñez 李小龙 🙂",
    "100% & more; a+b=c #1",
    "%2B stays literal, so does +",
    'tab\tnew\nline \\ quote" del\x7f',
    "",
]


@pytest.mark.parametrize("value", AWKWARD)
def test_parsers_read_the_json_back_unchanged(value):
    text = json.dumps({"Data": [{"name": value}], "apikey": "k"}, ensure_ascii=False, separators=(",", ":"))
    body = form_field("data", text)
    assert parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=True) == {"data": [text]}


def test_json_punctuation_travels_raw_and_only_form_characters_are_escaped():
    assert form_field("data", '{"a":"x y+z&w=v;%"}') == b'data={"a":"x+y%2Bz%26w%3Dv%3B%25"}'


@pytest.mark.parametrize(
    "entry",
    [
        {"index": True, "outcome": "inserted"},
        {"index": -0.5, "outcome": "inserted"},
        {"index": 0, "outcome": "rejected", "reason": {"why": 1}},
        {"index": 0, "outcome": "inserted", "key": ["a"]},
    ],
)
def test_record_outcomes_of_the_wrong_shape_are_none(entry):
    assert parse_record_outcomes([entry], 1) is None


def test_record_outcomes_read_indexes_written_as_text():
    (outcome,) = parse_record_outcomes([{"index": "0", "outcome": "rejected", "reason": "no name"}], 1)
    assert (outcome.index, outcome.reason) == (0, "no name")
